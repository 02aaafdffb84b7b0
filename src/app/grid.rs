//! The thumbnail grid. Only the rows on screen are laid out and only their thumbnails are
//! requested, so a folder of 10,000 photos scrolls as smoothly as one of ten; textures of
//! cells far off screen are let go.

use std::collections::HashSet;

use eframe::egui::{
    self, Align2, Color32, CornerRadius, FontId, Rect, Sense, Stroke, StrokeKind, Vec2,
};
use glia_catalog::Flag;

use super::{GliaApp, Thumb};

/// Textures kept beyond the visible ones before the off-screen ones are dropped.
const MAX_TEXTURES: usize = 800;
const CAPTION: f32 = 34.0;
const GAP: f32 = 8.0;

/// Red (poor) through amber to green (excellent).
pub fn score_color(score: f32) -> Color32 {
    let t = (score / 100.0).clamp(0.0, 1.0);
    let (r, g) = if t < 0.5 {
        (220.0, 60.0 + 300.0 * t)
    } else {
        (220.0 - 340.0 * (t - 0.5), 210.0)
    };
    Color32::from_rgb(r as u8, g as u8, 70)
}

pub fn stars(rating: u8) -> String {
    (1..=5)
        .map(|i| if i <= rating { '★' } else { '☆' })
        .collect()
}

pub fn show(app: &mut GliaApp, ui: &mut egui::Ui) {
    if app.shoot.order.is_empty() {
        ui.centered_and_justified(|ui| {
            ui.label(if app.shoot.photos.is_empty() {
                "No photos in this folder yet."
            } else {
                "No photo matches the filters."
            });
        });
        return;
    }
    let cell = app.settings.cell;
    let width = ui.available_width();
    let cols = (((width + GAP) / (cell + GAP)).floor() as usize).max(1);
    let rows = app.shoot.order.len().div_ceil(cols);
    let row_h = cell + CAPTION + GAP;
    app.grid.cols = cols;

    let mut area = egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .id_salt("grid");
    if app.shoot.reveal {
        app.shoot.reveal = false;
        if let Some(pos) = app.shoot.selected_pos() {
            let row = (pos / cols) as f32;
            let (top, h) = (app.grid.offset, app.grid.height);
            let y = row * row_h;
            if y < top {
                area = area.vertical_scroll_offset(y);
            } else if y + row_h > top + h {
                area = area.vertical_scroll_offset((y + row_h - h).max(0.0));
            }
        }
    }
    let mut visible = HashSet::new();
    let out = area.show_rows(ui, row_h, rows, |ui, range| {
        // One row of margin each side, so the next row is ready before it shows.
        let first = range.start.saturating_sub(1) * cols;
        let last = ((range.end + 1) * cols).min(app.shoot.order.len());
        for pos in first..last {
            visible.insert(app.shoot.order[pos]);
        }
        for row in range {
            ui.horizontal(|ui| {
                ui.spacing_mut().item_spacing.x = GAP;
                for col in 0..cols {
                    let pos = row * cols + col;
                    if let Some(&index) = app.shoot.order.get(pos) {
                        cell_ui(app, ui, index, cell);
                    }
                }
            });
            ui.add_space(GAP - ui.spacing().item_spacing.y);
        }
    });
    app.grid.offset = out.state.clamped_offset().y;
    app.grid.height = out.inner_rect.height();
    request_thumbs(app, &visible);
}

fn request_thumbs(app: &mut GliaApp, visible: &HashSet<usize>) {
    if visible != &app.grid.visible {
        app.loader.set_visible(visible.iter().copied().collect());
        app.grid.visible = visible.clone();
    }
    for &i in visible {
        if !app.grid.thumbs.contains_key(&i) && app.shoot.photos[i].problem.is_none() {
            let p = &app.shoot.photos[i];
            app.loader
                .request_thumb(app.shoot.generation, i, &p.path, p.size, p.modified);
            app.grid.thumbs.insert(i, Thumb::Requested);
        }
    }
    if app.grid.thumbs.len() > MAX_TEXTURES + visible.len() {
        app.grid
            .thumbs
            .retain(|i, t| visible.contains(i) || matches!(t, Thumb::Requested));
    }
}

fn cell_ui(app: &mut GliaApp, ui: &mut egui::Ui, index: usize, cell: f32) {
    let (rect, resp) = ui.allocate_exact_size(Vec2::new(cell, cell + CAPTION), Sense::click());
    let photo = &app.shoot.photos[index];
    let selected = app.shoot.selected == Some(index);
    let mut label = match photo.score {
        Some(s) => format!("{}, score {s:.0}", photo.name),
        None => photo.name.clone(),
    };
    let stacks = &app.shoot.stacks;
    if let Some(n) = stacks.count(index) {
        let state = if stacks.cover_open(index) {
            "open"
        } else {
            "closed"
        };
        label.push_str(&format!(", stack of {n}, {state}"));
    } else if stacks.inside_open(index) {
        label.push_str(", in an open stack");
    }
    resp.widget_info(|| {
        egui::WidgetInfo::selected(egui::Role::Button, true, selected, label.clone())
    });
    if ui.is_rect_visible(rect) {
        paint_cell(app, ui, index, rect, selected);
    }
    if resp.clicked() {
        app.shoot.selected = Some(index);
    }
    if resp.double_clicked() {
        app.shoot.selected = Some(index);
        app.open_viewer(index);
    }
    let photo = &app.shoot.photos[index];
    resp.on_hover_text(match &photo.problem {
        Some(p) => format!("{}\n{p}", photo.path.display()),
        None => photo.path.display().to_string(),
    });
}

fn paint_cell(app: &GliaApp, ui: &egui::Ui, index: usize, rect: Rect, selected: bool) {
    let photo = &app.shoot.photos[index];
    let painter = ui.painter_at(rect.expand(2.0));
    let visuals = ui.visuals();
    let img_rect = Rect::from_min_size(rect.min, Vec2::splat(rect.width()));
    painter.rect_filled(img_rect, CornerRadius::same(4), visuals.extreme_bg_color);
    let dim = photo.labels.flag == Flag::Reject;
    match (&photo.problem, app.grid.thumbs.get(&index)) {
        (Some(problem), _) | (None, Some(Thumb::Failed(problem))) => {
            painter.text(
                img_rect.center() - Vec2::new(0.0, 14.0),
                Align2::CENTER_CENTER,
                "⚠",
                FontId::proportional(28.0),
                Color32::from_rgb(230, 160, 60),
            );
            let galley = painter.layout(
                problem.clone(),
                FontId::proportional(11.0),
                visuals.weak_text_color(),
                img_rect.width() - 12.0,
            );
            let pos = egui::pos2(
                img_rect.center().x - galley.size().x / 2.0,
                img_rect.center().y + 8.0,
            );
            painter.galley(pos, galley, visuals.weak_text_color());
        }
        (None, Some(Thumb::Ready { texture, .. })) => {
            let size = texture.size_vec2();
            let s = (img_rect.width() / size.x).min(img_rect.height() / size.y);
            let r = Rect::from_center_size(img_rect.center(), size * s);
            let tint = if dim {
                Color32::from_gray(90)
            } else {
                Color32::WHITE
            };
            painter.image(
                texture.id(),
                r,
                Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
                tint,
            );
            // Where the quality map found the weak spot, once the viewer computed it.
            if let Some([x0, y0, x1, y1]) = photo.worst {
                let at = |fx: f32, fy: f32| r.min + Vec2::new(fx * r.width(), fy * r.height());
                painter.rect_stroke(
                    Rect::from_min_max(at(x0, y0), at(x1, y1)),
                    CornerRadius::same(2),
                    egui::Stroke::new(1.5, Color32::from_rgb(255, 140, 40)),
                    egui::StrokeKind::Inside,
                );
            }
        }
        _ => {
            painter.text(
                img_rect.center(),
                Align2::CENTER_CENTER,
                "…",
                FontId::proportional(20.0),
                visuals.weak_text_color(),
            );
        }
    }
    stack_marks(app, &painter, index, img_rect);
    if let Some(score) = photo.score {
        let badge = Rect::from_min_size(img_rect.min + Vec2::new(6.0, 6.0), Vec2::new(34.0, 20.0));
        painter.rect_filled(badge, CornerRadius::same(4), Color32::from_black_alpha(170));
        painter.text(
            badge.center(),
            Align2::CENTER_CENTER,
            format!("{score:.0}"),
            FontId::proportional(13.0),
            score_color(score),
        );
    }
    match photo.labels.flag {
        Flag::Pick => flag_mark(&painter, img_rect, "✔", Color32::from_rgb(90, 200, 90)),
        Flag::Reject => flag_mark(&painter, img_rect, "✖", Color32::from_rgb(230, 80, 80)),
        Flag::None => {}
    }
    let text_color = visuals.text_color();
    let name_pos = egui::pos2(rect.min.x + 2.0, img_rect.max.y + 3.0);
    let name = painter.layout(
        photo.name.clone(),
        FontId::proportional(12.0),
        text_color,
        rect.width() - 4.0,
    );
    let name_rect = Rect::from_min_size(name_pos, Vec2::new(rect.width(), 14.0));
    painter
        .with_clip_rect(name_rect)
        .galley(name_pos, name, text_color);
    if photo.labels.rating > 0 {
        painter.text(
            egui::pos2(rect.min.x + 2.0, img_rect.max.y + 18.0),
            Align2::LEFT_TOP,
            stars(photo.labels.rating),
            FontId::proportional(12.0),
            Color32::from_rgb(240, 190, 60),
        );
    }
    if selected {
        painter.rect_stroke(
            rect.expand(1.0),
            CornerRadius::same(5),
            Stroke::new(2.0, visuals.selection.stroke.color),
            StrokeKind::Outside,
        );
    }
}

/// A collapsed stack: a count badge and the edge of the frames behind. A frame of an open
/// stack: a bar under it in the stack's colour.
fn stack_marks(app: &GliaApp, painter: &egui::Painter, index: usize, img_rect: Rect) {
    let stacks = &app.shoot.stacks;
    let accent = Color32::from_rgb(90, 160, 240);
    if let Some(n) = stacks.count(index) {
        let open = stacks.cover_open(index);
        if !open {
            for k in 1..=2 {
                let edge = img_rect.translate(Vec2::splat(-2.0 * k as f32));
                painter.rect_stroke(
                    edge,
                    CornerRadius::same(4),
                    Stroke::new(1.0, Color32::from_gray(140 - 30 * k as u8)),
                    StrokeKind::Outside,
                );
            }
        }
        let text = if open {
            format!("{n} open")
        } else {
            format!("×{n}")
        };
        let galley = painter.layout_no_wrap(text, FontId::proportional(13.0), Color32::WHITE);
        let size = galley.size() + Vec2::new(12.0, 4.0);
        let badge = Rect::from_min_size(img_rect.max - size - Vec2::splat(6.0), size);
        painter.rect_filled(badge, CornerRadius::same(4), accent);
        painter.galley(badge.min + Vec2::new(6.0, 2.0), galley, Color32::WHITE);
    }
    if stacks.cover_open(index) || stacks.inside_open(index) {
        let bar = Rect::from_min_size(
            egui::pos2(img_rect.min.x, img_rect.max.y - 3.0),
            Vec2::new(img_rect.width(), 3.0),
        );
        painter.rect_filled(bar, CornerRadius::ZERO, accent);
    }
}

fn flag_mark(painter: &egui::Painter, img_rect: Rect, text: &str, color: Color32) {
    let c = img_rect.right_top() + Vec2::new(-16.0, 16.0);
    painter.circle_filled(c, 11.0, Color32::from_black_alpha(170));
    painter.text(
        c,
        Align2::CENTER_CENTER,
        text,
        FontId::proportional(14.0),
        color,
    );
}
