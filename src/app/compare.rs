//! The compare view: 2–4 frames of a burst side by side with one zoom and pan for all (the
//! same part of each frame shows, down to 100 %), moving through the group with the arrow
//! keys and rating and flagging the focused frame with the viewer's keys.

use std::collections::HashMap;

use eframe::egui::{self, Align2, Color32, FontId, Rect, Sense, Stroke, StrokeKind, Vec2};
use glia_catalog::Flag;

use super::GliaApp;
use super::grid::{score_color, stars};
use super::photos::Photo;

pub struct Comparing {
    /// The frames compared (photo indices), in capture order.
    pub frames: Vec<usize>,
    /// The frame the keys act on, as a position in `frames`.
    pub focus: usize,
    /// The first frame on screen.
    start: usize,
    /// Zoom relative to fit (1 = each frame fits its pane), and pan as a fraction of the
    /// shown frame: shared by every pane.
    pub zoom: f32,
    pan: Vec2,
    /// Z was pressed: toggle fit / 100 % once the focused frame's size is known.
    toggle_zoom: bool,
    textures: HashMap<usize, Frame>,
}

/// A compared frame's full view.
enum Frame {
    Loading,
    Ready(egui::TextureHandle),
    Failed(String),
}

impl Comparing {
    pub fn new(frames: Vec<usize>, focus: usize) -> Self {
        Self {
            focus: focus.min(frames.len().saturating_sub(1)),
            frames,
            start: 0,
            zoom: 1.0,
            pan: Vec2::ZERO,
            toggle_zoom: false,
            textures: HashMap::new(),
        }
    }

    /// Panes on screen: what the user chose (2–4), at most the frames there are.
    pub fn panes(&self, wanted: usize) -> usize {
        wanted.clamp(2, 4).min(self.frames.len()).max(1)
    }

    /// The photo the keys act on.
    pub fn focused(&self) -> usize {
        self.frames[self.focus]
    }

    /// Photos on screen, left to right.
    pub fn on_screen(&self, panes: usize) -> &[usize] {
        let end = (self.start + panes).min(self.frames.len());
        &self.frames[self.start.min(end)..end]
    }

    /// Moves the focus by `delta` frames (or to `to`), scrolling the panes to keep it shown.
    pub fn focus_on(&mut self, to: isize, panes: usize) {
        let last = self.frames.len() as isize - 1;
        self.focus = to.clamp(0, last.max(0)) as usize;
        if self.focus < self.start {
            self.start = self.focus;
        } else if self.focus >= self.start + panes {
            self.start = self.focus + 1 - panes;
        }
        self.start = self.start.min(self.frames.len().saturating_sub(panes));
    }

    /// Fit, or 100 % of the focused frame (Z, double-click).
    pub fn toggle_one_to_one(&mut self, one_to_one: f32) {
        if (self.zoom - 1.0).abs() < 1e-3 {
            self.zoom = one_to_one;
        } else {
            self.zoom = 1.0;
            self.pan = Vec2::ZERO;
        }
    }

    /// Whether the full view of photo `index` was asked for and is awaited.
    pub fn wants(&self, index: usize) -> bool {
        matches!(self.textures.get(&index), Some(Frame::Loading))
    }

    pub fn loaded(&mut self, index: usize, texture: Result<egui::TextureHandle, String>) {
        let frame = match texture {
            Ok(t) => Frame::Ready(t),
            Err(e) => Frame::Failed(e),
        };
        self.textures.insert(index, frame);
    }

    /// Frames on screen whose full view is there.
    pub fn ready_on_screen(&self, panes: usize) -> usize {
        self.on_screen(panes)
            .iter()
            .filter(|i| matches!(self.textures.get(i), Some(Frame::Ready(_))))
            .count()
    }
}

impl GliaApp {
    /// Compares the selected photo's group (C); a photo alone is compared with the next one
    /// in the grid.
    pub(super) fn open_compare(&mut self) {
        let Some(sel) = self.shoot.selected else {
            return;
        };
        let readable = |i: &usize| self.shoot.photos[*i].problem.is_none();
        let mut frames: Vec<usize> = self
            .shoot
            .stacks
            .members(sel)
            .into_iter()
            .filter(readable)
            .collect();
        if frames.len() < 2 {
            let pos = self.shoot.selected_pos().unwrap_or(0);
            let other = (pos + 1..self.shoot.order.len())
                .chain((0..pos).rev())
                .map(|p| self.shoot.order[p])
                .find(|i| *i != sel && readable(i));
            let Some(other) = other else {
                self.status = "There is no other photo to compare with.".into();
                return;
            };
            frames = vec![sel, other];
            self.status = format!(
                "{} is not part of a burst: compared with the next photo",
                self.shoot.photos[sel].name
            );
        }
        let photos = &self.shoot.photos;
        frames.sort_by_key(|&i| (photos[i].date(), photos[i].name_rank));
        let focus = frames.iter().position(|&i| i == sel).unwrap_or(0);
        let mut c = Comparing::new(frames, focus);
        c.focus_on(focus as isize, c.panes(self.settings.compare_panes));
        self.viewing = None;
        self.comparing = Some(c);
    }

    /// Fit, or 100 % of the framed photo (Z).
    pub(super) fn compare_one_to_one(&mut self) {
        if let Some(c) = self.comparing.as_mut() {
            c.toggle_zoom = true;
        }
    }

    pub(super) fn close_compare(&mut self) {
        if let Some(c) = self.comparing.take() {
            // A frame inside a closed stack is not in the grid: its stack's cover is.
            let focused = c.focused();
            let shown = |i: &usize| self.shoot.order.contains(i);
            let select = Some(focused).filter(shown).or_else(|| {
                self.shoot
                    .stacks
                    .members(focused)
                    .into_iter()
                    .find(|i| shown(i))
            });
            self.shoot.selected = select.or(Some(focused));
            self.shoot.reveal = true;
        }
    }

    /// Moves the focus in the compare view; the focused frame is the selection, so the
    /// rating keys act on it.
    pub(super) fn compare_step(&mut self, to: impl FnOnce(isize, isize) -> isize) {
        let panes = self.settings.compare_panes;
        if let Some(c) = self.comparing.as_mut() {
            let panes = c.panes(panes);
            let target = to(c.focus as isize, c.frames.len() as isize);
            c.focus_on(target, panes);
            self.shoot.selected = Some(c.focused());
        }
    }
}

pub fn show(app: &mut GliaApp, ui: &mut egui::Ui) {
    toolbar(app, ui);
    let Some(c) = app.comparing.as_mut() else {
        return;
    };
    let n = c.panes(app.settings.compare_panes);
    let shown: Vec<usize> = c.on_screen(n).to_vec();
    for &i in &shown {
        if let std::collections::hash_map::Entry::Vacant(e) = c.textures.entry(i) {
            app.loader.request_full(i, &app.shoot.photos[i].path);
            e.insert(Frame::Loading);
        }
    }
    // Full-size textures of frames well off screen are let go.
    let keep: Vec<usize> = c
        .frames
        .iter()
        .enumerate()
        .filter(|(k, _)| *k + 1 >= c.start && *k <= c.start + n)
        .map(|(_, &i)| i)
        .collect();
    c.textures.retain(|i, _| keep.contains(i));

    let area = ui.available_rect_before_wrap();
    let resp = ui.allocate_rect(area, Sense::click_and_drag());
    let width = area.width() / n as f32;
    let panes: Vec<Rect> = (0..n)
        .map(|k| {
            Rect::from_min_size(
                area.min + Vec2::new(k as f32 * width, 0.0),
                Vec2::new(width, area.height()),
            )
            .shrink(3.0)
        })
        .collect();
    let size_of = |i: usize| match c.textures.get(&i) {
        Some(Frame::Ready(t)) => Some(t.size_vec2()),
        _ => None,
    };
    let ppp = ui.ctx().pixels_per_point();
    let pointer_pane = resp
        .hover_pos()
        .and_then(|p| panes.iter().position(|r| r.contains(p)));
    if let (Some(k), Some(pos)) = (pointer_pane, resp.hover_pos())
        && let Some(size) = size_of(shown[k])
    {
        let scroll = ui.input(|i| i.smooth_scroll_delta.y);
        if scroll != 0.0 {
            // Zoom about the pointer: the point under it stays put in every pane.
            let old = c.zoom;
            let one_to_one = 1.0 / (fit(panes[k], size) * ppp);
            c.zoom = (c.zoom * (scroll * 0.003).exp()).clamp(0.5, (one_to_one * 4.0).max(4.0));
            let before = size * fit(panes[k], size) * old;
            let rel = pos - panes[k].center() - c.pan * before;
            let after = before * (c.zoom / old);
            c.pan = (c.pan * before - rel * (c.zoom / old - 1.0)) / after;
        }
        if resp.dragged() {
            let shown_size = size * fit(panes[k], size) * c.zoom;
            c.pan += resp.drag_delta() / shown_size;
        }
    }
    if resp.clicked()
        && let Some(k) = pointer_pane
    {
        c.focus = c.start + k;
        app.shoot.selected = Some(c.focused());
    }
    if resp.double_clicked() {
        c.toggle_zoom = true;
    }
    if c.toggle_zoom
        && let Some(size) = size_of(c.focused())
    {
        c.toggle_zoom = false;
        c.toggle_one_to_one(1.0 / (fit(panes[0], size) * ppp));
    }
    for (k, (&index, &pane)) in shown.iter().zip(&panes).enumerate() {
        let painter = ui.painter_at(pane);
        draw_frame(ui, &painter, c.textures.get(&index), pane, c.zoom, c.pan);
        let p = &app.shoot.photos[index];
        let galley = painter.layout_no_wrap(
            caption(p, app.shoot.stacks.is_best(index) && c.frames.len() > 1),
            FontId::proportional(13.0),
            p.score.map_or(Color32::WHITE, score_color),
        );
        let bg = Rect::from_min_size(pane.min + Vec2::new(6.0, 6.0), galley.size()).expand(4.0);
        painter.rect_filled(bg, 4.0, Color32::from_black_alpha(180));
        painter.galley(bg.min + Vec2::splat(4.0), galley, Color32::WHITE);
        if c.start + k == c.focus {
            painter.rect_stroke(
                pane,
                2.0,
                Stroke::new(2.5, ui.visuals().selection.stroke.color),
                StrokeKind::Inside,
            );
        }
    }
}

/// The scale at which a frame of `size` fits `pane` (zoom 1).
fn fit(pane: Rect, size: Vec2) -> f32 {
    (pane.width() / size.x).min(pane.height() / size.y)
}

/// One pane's frame at the shared zoom and pan, or why it is not there.
fn draw_frame(
    ui: &egui::Ui,
    painter: &egui::Painter,
    frame: Option<&Frame>,
    pane: Rect,
    zoom: f32,
    pan: Vec2,
) {
    painter.rect_filled(pane, 2.0, ui.visuals().extreme_bg_color);
    let note = match frame {
        Some(Frame::Ready(tex)) => {
            let size = tex.size_vec2();
            let s = size * fit(pane, size) * zoom;
            let r = Rect::from_center_size(pane.center() + pan * s, s);
            let uv = Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
            painter.image(tex.id(), r, uv, Color32::WHITE);
            return;
        }
        Some(Frame::Failed(e)) => format!("⚠ {e}"),
        Some(Frame::Loading) | None => "Loading…".to_owned(),
    };
    painter.text(
        pane.center(),
        Align2::CENTER_CENTER,
        note,
        FontId::proportional(14.0),
        ui.visuals().weak_text_color(),
    );
}

/// Name, score, stars, flag, and whether it is its group's best.
fn caption(p: &Photo, best: bool) -> String {
    let mut caption = p.name.clone();
    if let Some(s) = p.score {
        caption.push_str(&format!("   {s:.1}"));
    }
    if p.labels.rating > 0 {
        caption.push_str(&format!("   {}", stars(p.labels.rating)));
    }
    match p.labels.flag {
        Flag::Pick => caption.push_str("   ✔ pick"),
        Flag::Reject => caption.push_str("   ✖ reject"),
        Flag::None => {}
    }
    if best {
        caption.push_str("   ★ best of the group");
    }
    caption
}

fn toolbar(app: &mut GliaApp, ui: &mut egui::Ui) {
    let Some(c) = app.comparing.as_ref() else {
        return;
    };
    let (count, focus, zoom) = (c.frames.len(), c.focus, c.zoom);
    ui.horizontal_wrapped(|ui| {
        if ui
            .button("◀ Grid")
            .on_hover_text("Back to the grid (Esc or C)")
            .clicked()
        {
            app.close_compare();
            return;
        }
        ui.strong(format!("Comparing frame {} of {count}", focus + 1));
        ui.separator();
        ui.label("Side by side:");
        for n in 2..=4 {
            ui.selectable_value(&mut app.settings.compare_panes, n, n.to_string());
        }
        ui.separator();
        ui.weak(format!(
            "zoom {:.0}% of fit (Z or double-click: fit / 100 %) · Left / Right: move · 1–5, P, X, U rate the framed one",
            zoom * 100.0
        ));
    });
}
