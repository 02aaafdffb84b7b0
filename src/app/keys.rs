//! Keyboard-first culling and the shortcut overlay that lists it.

use eframe::egui::{self, Key, Modifiers};
use glia_catalog::Flag;

use super::{GliaApp, Overlay};

/// Every shortcut, as the help overlay shows it.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Arrow keys", "move through the photos"),
    ("Home / End", "first / last photo"),
    ("Space", "open / close the viewer"),
    ("Esc", "back to the grid"),
    ("1 – 5", "rate with stars"),
    ("0", "clear the stars"),
    ("P", "pick"),
    ("X", "reject"),
    ("U", "unflag"),
    ("N", "next photo without stars"),
    ("Ctrl+Z", "undo the last rating, flag or keep-the-best"),
    ("G", "stack bursts: each group as its best frame"),
    ("S", "open / close the selected stack"),
    (
        "C",
        "compare the selected photo's group side by side (Left / Right move, Z: fit / 100 %)",
    ),
    ("K", "keep the best of each group (asks first)"),
    (
        "H",
        "map overlay: off, quality, GLIANet, ViT, ViT | GLIANet",
    ),
    (
        "L",
        "loupe: the region that lowers the score most, at 100 %",
    ),
    ("Ctrl+O", "open a folder"),
    ("F1 or ?", "this help"),
];

impl GliaApp {
    fn select_pos(&mut self, pos: usize) {
        if let Some(&i) = self.shoot.order.get(pos) {
            self.shoot.selected = Some(i);
            self.shoot.reveal = true;
            if self.viewing.is_some() {
                self.open_viewer(i);
            }
        }
    }

    fn step(&mut self, delta: isize) {
        if self.shoot.order.is_empty() {
            return;
        }
        let pos = self.shoot.selected_pos().map_or(0, |p| {
            (p as isize + delta).clamp(0, self.shoot.order.len() as isize - 1) as usize
        });
        self.select_pos(pos);
    }

    pub(super) fn handle_keys(&mut self, ctx: &egui::Context) {
        // A focused button must not take the culling keys away; only typing does.
        if ctx.text_edit_focused() {
            return;
        }
        let pressed = |k: Key| ctx.input_mut(|i| i.consume_key(Modifiers::NONE, k));
        // The confirmation of "keep the best" takes the keys while it is open.
        if let Some(plan) = self.keep_best.clone() {
            if pressed(Key::Escape) {
                self.keep_best = None;
            } else if pressed(Key::Enter) {
                self.keep_best = None;
                self.keep_best_confirmed(&plan);
            }
            return;
        }
        if ctx.input_mut(|i| i.consume_key(Modifiers::COMMAND, Key::O)) {
            self.pick_folder();
        }
        if ctx.input_mut(|i| i.consume_key(Modifiers::COMMAND, Key::Z)) {
            self.undo();
        }
        if self.comparing.is_some() {
            self.compare_keys(ctx);
            return;
        }
        if pressed(Key::F1)
            || ctx.input_mut(|i| i.consume_key(Modifiers::SHIFT, Key::Questionmark))
            || pressed(Key::Questionmark)
        {
            self.show_help = !self.show_help;
        }
        if pressed(Key::G) {
            self.toggle_stacks();
        }
        if pressed(Key::S) {
            self.toggle_stack();
        }
        if pressed(Key::C) {
            self.open_compare();
            return;
        }
        if pressed(Key::K) {
            self.ask_keep_best();
        }
        if pressed(Key::Escape) {
            if self.show_help {
                self.show_help = false;
            } else if self.viewing.is_some() {
                self.viewing = None;
                self.shoot.reveal = true;
            }
        }
        let cols = if self.viewing.is_some() {
            1
        } else {
            self.grid.cols.max(1) as isize
        };
        if pressed(Key::ArrowRight) {
            self.step(1);
        }
        if pressed(Key::ArrowLeft) {
            self.step(-1);
        }
        if pressed(Key::ArrowDown) {
            self.step(cols);
        }
        if pressed(Key::ArrowUp) {
            self.step(-cols);
        }
        if pressed(Key::Home) {
            self.select_pos(0);
        }
        if pressed(Key::End) {
            self.select_pos(self.shoot.order.len().saturating_sub(1));
        }
        if pressed(Key::Space) {
            match (self.viewing.is_some(), self.shoot.selected) {
                (true, _) => {
                    self.viewing = None;
                    self.shoot.reveal = true;
                }
                (false, Some(i)) => self.open_viewer(i),
                (false, None) => {}
            }
        }
        if pressed(Key::H) {
            self.settings.overlay = self.settings.overlay.next();
            if self.viewing.is_none()
                && self.settings.overlay != Overlay::Off
                && let Some(i) = self.shoot.selected
            {
                self.open_viewer(i);
            }
        }
        if pressed(Key::N) {
            self.next_unrated();
        }
        if pressed(Key::L) {
            if self.viewing.is_none()
                && let Some(i) = self.shoot.selected
            {
                self.open_viewer(i);
            }
            self.loupe();
        }
        self.label_keys(ctx);
    }

    /// In the compare view: the arrows move through the group, the rating keys act on the
    /// framed photo.
    fn compare_keys(&mut self, ctx: &egui::Context) {
        let pressed = |k: Key| ctx.input_mut(|i| i.consume_key(Modifiers::NONE, k));
        if pressed(Key::Escape) || pressed(Key::C) {
            if self.show_help {
                self.show_help = false;
            } else {
                self.close_compare();
                return;
            }
        }
        if pressed(Key::F1) || pressed(Key::Questionmark) {
            self.show_help = !self.show_help;
        }
        if pressed(Key::ArrowRight) || pressed(Key::ArrowDown) {
            self.compare_step(|at, _| at + 1);
        }
        if pressed(Key::ArrowLeft) || pressed(Key::ArrowUp) {
            self.compare_step(|at, _| at - 1);
        }
        if pressed(Key::Home) {
            self.compare_step(|_, _| 0);
        }
        if pressed(Key::End) {
            self.compare_step(|_, n| n - 1);
        }
        if pressed(Key::Z) {
            self.compare_one_to_one();
        }
        if pressed(Key::Space) {
            // The framed photo alone, in the viewer.
            if let Some(c) = self.comparing.take() {
                let i = c.focused();
                self.shoot.selected = Some(i);
                self.open_viewer(i);
            }
            return;
        }
        self.label_keys(ctx);
    }

    /// Stars and flags for the selected photo (in the compare view, the framed one).
    fn label_keys(&mut self, ctx: &egui::Context) {
        let pressed = |k: Key| ctx.input_mut(|i| i.consume_key(Modifiers::NONE, k));
        let Some(sel) = self.shoot.selected else {
            return;
        };
        let digits = [
            Key::Num0,
            Key::Num1,
            Key::Num2,
            Key::Num3,
            Key::Num4,
            Key::Num5,
        ];
        for (stars, key) in digits.into_iter().enumerate() {
            if pressed(key) {
                self.set_labels(sel, |l| l.rating = stars as u8);
            }
        }
        if pressed(Key::P) {
            self.set_labels(sel, |l| l.flag = Flag::Pick);
        }
        if pressed(Key::X) {
            self.set_labels(sel, |l| l.flag = Flag::Reject);
        }
        if pressed(Key::U) {
            self.set_labels(sel, |l| l.flag = Flag::None);
        }
    }

    /// Selects the next photo (after the selection, wrapping) with no stars and no flag.
    fn next_unrated(&mut self) {
        let n = self.shoot.order.len();
        let start = self.shoot.selected_pos().map_or(0, |p| p + 1);
        let found = (0..n).map(|k| (start + k) % n).find(|&pos| {
            let p = &self.shoot.photos[self.shoot.order[pos]];
            p.problem.is_none() && p.labels.rating == 0 && p.labels.flag == Flag::None
        });
        match found {
            Some(pos) => self.select_pos(pos),
            None => self.status = "Every photo here is rated or flagged.".into(),
        }
    }
}

pub fn help(app: &mut GliaApp, ctx: &egui::Context) {
    let catalog = app.paths.catalog.display().to_string();
    egui::Window::new("Keyboard shortcuts")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .open(&mut app.show_help)
        .show(ctx, |ui| {
            egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                for (key, what) in SHORTCUTS {
                    ui.strong(*key);
                    ui.label(*what);
                    ui.end_row();
                }
            });
            ui.add_space(6.0);
            ui.weak("Ratings and flags are saved in glia's catalog and in XMP sidecars.");
            ui.weak(format!("Catalog: {catalog}"));
        });
}
