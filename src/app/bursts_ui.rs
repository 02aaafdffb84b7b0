//! The side panel's Bursts section (stacks on/off, the similarity that regroups live, the
//! time gap) and the confirmation of "keep the best of each group".

use eframe::egui::{self, RichText};

use super::GliaApp;
use super::stacks::KeepBest;
use super::worker::Command;

impl GliaApp {
    /// Shows stacks or every photo (G).
    pub(super) fn toggle_stacks(&mut self) {
        self.settings.stacks.on = !self.settings.stacks.on;
        self.shoot.mark_dirty();
        self.shoot.reveal = true;
    }

    /// Opens or closes the selected photo's stack (S).
    pub(super) fn toggle_stack(&mut self) {
        let Some(sel) = self.shoot.selected else {
            return;
        };
        if !self.settings.stacks.on {
            self.settings.stacks.on = true;
        }
        if self.shoot.stacks.members(sel).len() < 2 {
            self.status = format!("{} is not part of a burst", self.shoot.photos[sel].name);
            return;
        }
        self.shoot.selected = Some(self.shoot.stacks.toggle(sel));
        self.shoot.mark_dirty();
        self.shoot.reveal = true;
    }

    /// Works out "keep the best of each group" and asks for a confirmation (K).
    pub(super) fn ask_keep_best(&mut self) {
        let plan = self.shoot.stacks.keep_best(&self.shoot.photos);
        if plan.groups == 0 {
            self.status = "No group of two or more scored frames yet.".into();
        } else {
            self.keep_best = Some(plan);
        }
    }

    pub(super) fn keep_best_confirmed(&mut self, plan: &KeepBest) {
        let changes = plan.changes(&self.shoot.photos);
        let n = self.change_labels(&changes);
        self.status = format!(
            "Kept the best of {} groups: {} picked, {} rejected ({n} photos changed; Ctrl+Z undoes)",
            plan.groups,
            plan.pick.len(),
            plan.reject.len()
        );
    }

    /// Asks the worker to regroup: at once when the user moved a slider (`now`), else when
    /// a regrouping is due.
    pub(super) fn regroup(&mut self, now: bool) {
        if let Some(r) = self.shoot.stacks.request(
            self.shoot.generation,
            &self.shoot.photos,
            &self.settings.stacks,
            now,
        ) {
            self.worker.send(Command::Group(r));
        }
    }
}

pub fn section(app: &mut GliaApp, ui: &mut egui::Ui) {
    ui.heading("Bursts");
    let before = app.settings.stacks;
    let s = &mut app.settings.stacks;
    ui.checkbox(&mut s.on, "Stack bursts (G)")
        .on_hover_text("Show each group of near-identical frames as one stack: its best frame");
    ui.add(
        egui::Slider::new(&mut s.similarity, 0.5..=0.98)
            .text("similarity")
            .fixed_decimals(2),
    )
    .on_hover_text(
        "How alike two frames must look to be grouped: higher makes smaller, stricter groups",
    );
    ui.add(
        egui::Slider::new(&mut s.gap_s, 1..=600)
            .logarithmic(true)
            .text("s apart at most")
            .integer(),
    )
    .on_hover_text("Frames taken further apart than this are another moment (needs EXIF times)");
    let after = *s;
    if after.similarity != before.similarity || after.gap_s != before.gap_s {
        app.regroup(true);
    }
    if after.on != before.on {
        app.shoot.mark_dirty();
    }
    let groups = app.shoot.stacks.group_count();
    ui.label(format!("{groups} groups of 2 or more frames"));
    ui.horizontal_wrapped(|ui| {
        if ui
            .add_enabled(groups > 0, egui::Button::new("Keep the best of each…"))
            .on_hover_text("Pick each group's best frame and reject the others (K)")
            .clicked()
        {
            app.ask_keep_best();
        }
        if ui
            .add_enabled(app.shoot.selected.is_some(), egui::Button::new("Compare"))
            .on_hover_text("The selected photo's group side by side (C)")
            .clicked()
        {
            app.open_compare();
        }
    });
}

/// The confirmation before "keep the best of each group" changes any flag.
pub fn confirm_window(app: &mut GliaApp, ctx: &egui::Context) {
    let Some(plan) = app.keep_best.clone() else {
        return;
    };
    let mut decided: Option<bool> = None;
    egui::Window::new("Keep the best of each group")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .show(ctx, |ui| {
            ui.label(format!(
                "In {} groups of two or more frames, the best frame (the highest score) is \
                 picked and the other {} are rejected.",
                plan.groups,
                plan.reject.len()
            ));
            ui.label(format!(
                "{} photos in all. Flags they had are replaced; stars are kept.",
                plan.pick.len() + plan.reject.len()
            ));
            ui.weak("Ctrl+Z undoes it. Frames not scored yet are left as they are.");
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui
                    .button(RichText::new("Pick the best, reject the rest").strong())
                    .clicked()
                {
                    decided = Some(true);
                }
                if ui.button("Cancel").clicked() {
                    decided = Some(false);
                }
            });
        });
    if let Some(yes) = decided {
        app.keep_best = None;
        if yes {
            app.keep_best_confirmed(&plan);
        }
    }
}
