//! The full view: zoom and pan, the score, and the map overlay computed on demand: the
//! quality map (what lowers the score), GLIANet's or the ViT's attention, or both side by
//! side like the paper's Figure 3. L opens the worst region at 100 % (a loupe on the defect).

use eframe::egui::{self, Align2, Color32, FontId, Rect, Sense, Vec2};
use glia_engine::attention::{MapKind, Sinks};

use super::grid::{score_color, stars};
use super::worker::{Command, Heat};
use super::{GliaApp, HeatTextures, Overlay, Viewing};

pub fn heat_textures(ctx: &egui::Context, heat: &Heat) -> HeatTextures {
    // Coloured by the worker: the UI thread only uploads.
    let tex = |name: &str, rgba: &[u8]| {
        let img = egui::ColorImage::from_rgba_unmultiplied(
            [heat.width as usize, heat.height as usize],
            rgba,
        );
        ctx.load_texture(name, img, egui::TextureOptions::LINEAR)
    };
    HeatTextures {
        quality: tex("heat-quality", &heat.quality),
        worst: heat.worst,
        vit: tex("heat-vit", &heat.vit),
        glia: tex("heat-glia", &heat.glia),
        made_for: heat.made_for,
    }
}

impl GliaApp {
    pub(super) fn open_viewer(&mut self, index: usize) {
        let Some(p) = self.shoot.photos.get(index) else {
            return;
        };
        let keep = self.viewing.as_ref().map(|v| (v.zoom, v.pan));
        self.viewing = Some(Viewing {
            index,
            texture: None,
            error: p.problem.clone(),
            zoom: 1.0,
            pan: Vec2::ZERO,
            heat: None,
            loupe: false,
            heat_pending: false,
            heat_error: None,
        });
        // Flipping through photos keeps the fit view; zoom is per photo.
        let _ = keep;
        if p.problem.is_none() {
            self.loader.request_full(index, &p.path);
        }
    }

    /// Opens the region that lowers the score most at 100 %, computing the maps first when
    /// they are not there yet.
    pub(super) fn loupe(&mut self) {
        if let Some(v) = self.viewing.as_mut() {
            v.loupe = true;
        }
    }

    /// Asks for the maps of the photo on view when the overlay or the loupe needs them.
    fn want_heat(&mut self) {
        let rollout = self.settings.rollout;
        let Some(v) = self.viewing.as_mut() else {
            return;
        };
        if self.settings.overlay == Overlay::Off && !v.loupe {
            return;
        }
        let want = (rollout, self.settings.raw_attention);
        let stale = v.heat.as_ref().is_none_or(|h| h.made_for != want);
        if stale && !v.heat_pending && v.heat_error.is_none() && v.error.is_none() {
            v.heat_pending = true;
            v.heat = None;
            let kind = if rollout {
                MapKind::Rollout
            } else {
                MapKind::Last
            };
            let path = self.shoot.photos[v.index].path.clone();
            let sinks = if want.1 {
                Sinks::Raw
            } else {
                Sinks::Suppressed
            };
            self.worker.send(Command::Heatmap {
                index: v.index,
                path,
                kind,
                sinks,
            });
        }
    }
}

pub fn show(app: &mut GliaApp, ui: &mut egui::Ui) {
    app.want_heat();
    toolbar(app, ui);
    let Some(v) = app.viewing.as_mut() else {
        return;
    };
    let area = ui.available_rect_before_wrap();
    let resp = ui.allocate_rect(area, Sense::click_and_drag());
    let Some(tex) = v.texture.clone() else {
        let text = match &v.error {
            Some(e) => format!("⚠ This photo cannot be shown: {e}"),
            None => "Loading…".to_owned(),
        };
        ui.painter().text(
            area.center(),
            Align2::CENTER_CENTER,
            text,
            FontId::proportional(16.0),
            ui.visuals().weak_text_color(),
        );
        return;
    };
    let overlay = app.settings.overlay;
    let panes: Vec<(Rect, Option<&egui::TextureHandle>, &str)> = match (overlay, &v.heat) {
        (Overlay::SideBySide, heat) => {
            let (l, r) = area.split_left_right_at_fraction(0.5);
            vec![
                (l.shrink(2.0), heat.as_ref().map(|h| &h.vit), "ViT"),
                (r.shrink(2.0), heat.as_ref().map(|h| &h.glia), "GLIANet"),
            ]
        }
        (Overlay::Quality, heat) => vec![(area, heat.as_ref().map(|h| &h.quality), "Quality")],
        (Overlay::Glia, heat) => vec![(area, heat.as_ref().map(|h| &h.glia), "GLIANet")],
        (Overlay::Vit, heat) => vec![(area, heat.as_ref().map(|h| &h.vit), "ViT")],
        (Overlay::Off, _) => vec![(area, None, "")],
    };
    // Zoom about the pointer, pan by dragging; one zoom and pan for both panes.
    let size = tex.size_vec2();
    let pane0 = panes[0].0;
    let fit = (pane0.width() / size.x).min(pane0.height() / size.y);
    if resp.hovered() {
        let scroll = ui.input(|i| i.smooth_scroll_delta.y);
        if scroll != 0.0 {
            let old = v.zoom;
            v.zoom = (v.zoom * (scroll * 0.003).exp()).clamp(0.2, 40.0);
            if let Some(p) = resp.hover_pos() {
                let pane = panes
                    .iter()
                    .map(|p| p.0)
                    .find(|r| r.contains(p))
                    .unwrap_or(pane0);
                let rel = p - pane.center() - v.pan;
                v.pan -= rel * (v.zoom / old - 1.0);
            }
        }
    }
    if resp.dragged() {
        v.pan += resp.drag_delta();
    }
    // The loupe: 1:1 (one photo pixel per screen pixel) on the worst region's centre.
    if v.loupe
        && let Some(h) = &v.heat
    {
        v.loupe = false;
        v.zoom = 1.0 / (fit * ui.ctx().pixels_per_point());
        let [x0, y0, x1, y1] = h.worst;
        let shown = size * fit * v.zoom;
        let centre = Vec2::new((x0 + x1) / 2.0 - 0.5, (y0 + y1) / 2.0 - 0.5);
        v.pan = -Vec2::new(centre.x * shown.x, centre.y * shown.y);
    }
    if resp.double_clicked() {
        let one_to_one = 1.0 / (fit * ui.ctx().pixels_per_point());
        if (v.zoom - 1.0).abs() < 1e-3 {
            v.zoom = one_to_one;
        } else {
            v.zoom = 1.0;
            v.pan = Vec2::ZERO;
        }
    }
    let uv = Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
    let alpha = (app.settings.opacity.clamp(0.0, 1.0) * 255.0) as u8;
    for (pane, heat, title) in &panes {
        let painter = ui.painter_at(*pane);
        let r = Rect::from_center_size(pane.center() + v.pan, size * fit * v.zoom);
        painter.image(tex.id(), r, uv, Color32::WHITE);
        if let Some(h) = heat {
            painter.image(h.id(), r, uv, Color32::from_white_alpha(alpha));
        }
        if !title.is_empty() {
            let t = Rect::from_min_size(pane.min + Vec2::new(8.0, 8.0), Vec2::new(84.0, 22.0));
            painter.rect_filled(t, 4.0, Color32::from_black_alpha(170));
            painter.text(
                t.center(),
                Align2::CENTER_CENTER,
                *title,
                FontId::proportional(13.0),
                Color32::WHITE,
            );
        }
    }
    if overlay != Overlay::Off && v.heat.is_some() {
        let legend = match overlay {
            Overlay::Quality => {
                "Quality: warmer = lowers the score more (full scale 10 points or the worst region)"
            }
            _ if app.settings.raw_attention => {
                "Attention: where the model looked, min–max per map; raw (sink tokens kept)"
            }
            _ => "Attention: where the model looked, min–max per map; sink tokens suppressed",
        };
        let at = area.left_bottom() + Vec2::new(8.0, -8.0);
        let galley = ui.painter().layout_no_wrap(
            legend.to_owned(),
            FontId::proportional(12.0),
            Color32::WHITE,
        );
        let bg =
            Rect::from_min_size(at - Vec2::new(0.0, galley.size().y), galley.size()).expand(4.0);
        ui.painter()
            .rect_filled(bg, 4.0, Color32::from_black_alpha(170));
        ui.painter()
            .galley(bg.min + Vec2::splat(4.0), galley, Color32::WHITE);
    }
    if (overlay != Overlay::Off || v.loupe) && v.heat.is_none() {
        let text = match &v.heat_error {
            Some(e) => format!("The maps failed: {e}"),
            None => "Computing the maps…".to_owned(),
        };
        ui.painter().text(
            area.center_bottom() - Vec2::new(0.0, 20.0),
            Align2::CENTER_CENTER,
            text,
            FontId::proportional(14.0),
            Color32::WHITE,
        );
    }
}

fn toolbar(app: &mut GliaApp, ui: &mut egui::Ui) {
    let Some(v) = app.viewing.as_ref() else {
        return;
    };
    let index = v.index;
    let zoom = v.zoom;
    ui.horizontal_wrapped(|ui| {
        if ui
            .button("◀ Grid")
            .on_hover_text("Back to the grid (Space or Esc)")
            .clicked()
        {
            app.viewing = None;
            app.shoot.reveal = true;
            return;
        }
        let p = &app.shoot.photos[index];
        ui.strong(&p.name);
        match p.score {
            Some(s) => {
                ui.colored_label(score_color(s), format!("score {s:.1}"));
            }
            None if p.problem.is_some() => {
                ui.weak("not scored");
            }
            None => {
                ui.weak("scoring…");
            }
        }
        if p.labels.rating > 0 {
            ui.colored_label(Color32::from_rgb(240, 190, 60), stars(p.labels.rating));
        }
        ui.separator();
        ui.label("Overlay (H):");
        for o in [
            Overlay::Off,
            Overlay::Quality,
            Overlay::Glia,
            Overlay::Vit,
            Overlay::SideBySide,
        ] {
            ui.selectable_value(&mut app.settings.overlay, o, o.label());
        }
        ui.add(
            egui::Slider::new(&mut app.settings.opacity, 0.0..=1.0)
                .text("opacity")
                .fixed_decimals(2),
        );
        ui.checkbox(&mut app.settings.rollout, "rollout")
            .on_hover_text(
                "Attention rollout over all blocks instead of the last block's attention",
            );
        ui.checkbox(&mut app.settings.raw_attention, "raw attention")
            .on_hover_text(
                "Keep the high-norm sink tokens (flat corners) the attention maps otherwise suppress",
            );
        if ui
            .button("🔍 Worst region")
            .on_hover_text("Open the region that lowers the score most at 100 % (L)")
            .clicked()
        {
            app.loupe();
        }
        ui.separator();
        ui.weak(format!(
            "zoom {:.0}% (double-click: fit / 1:1)",
            zoom * 100.0
        ));
    });
}
