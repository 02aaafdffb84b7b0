//! Heatmap overlays like the paper's Figure 3: a perceptual colormap (turbo) alpha-blended
//! over the photo at its own aspect ratio, with labels and a legend. The quality map
//! (what lowers the score) and the attention maps (where the model looked) are drawn alike.

use font8x8::UnicodeFonts;
use image::{Rgb, RgbImage};

use crate::attention::{AttentionMaps, MapKind, Sinks, normalise, render_glia, render_vit};
use crate::preprocess::resize;
use crate::quality_map::QualityMap;

/// Which map to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// What lowers the score, where.
    Quality,
    Glia,
    Vit,
    /// ViT and GLIANet side by side, like Figure 3.
    Both,
    /// Quality | ViT | GLIANet.
    All,
}

impl Which {
    /// The single panels this choice draws, left to right.
    pub fn panels(self) -> Vec<Which> {
        match self {
            Which::Both => vec![Which::Vit, Which::Glia],
            Which::All => vec![Which::Quality, Which::Vit, Which::Glia],
            one => vec![one],
        }
    }
}

/// The quality map's colours run from 0 to the larger of the worst deficit and this many
/// points, so a photo with no real weak spot is not painted as if it had one.
pub const QUALITY_FULL_SCALE: f32 = 10.0;

/// The quality map at `width`×`height`, 0–1 (see [`QUALITY_FULL_SCALE`]).
pub fn rendered_quality(q: &QualityMap, width: u32, height: u32) -> Vec<f32> {
    let map = q.render(width, height);
    let top = map.iter().copied().fold(QUALITY_FULL_SCALE, f32::max);
    map.iter().map(|v| (v / top).clamp(0.0, 1.0)).collect()
}

#[derive(Debug, Clone, Copy)]
pub struct OverlayOptions {
    pub which: Which,
    pub kind: MapKind,
    /// Attention maps with the sink tokens suppressed (the default) or raw.
    pub sinks: Sinks,
    /// Weight of the colormap over the photo, 0–1.
    pub opacity: f32,
    /// Long side of each panel in pixels (photos larger than this are shown downscaled).
    pub max_side: u32,
}

impl Default for OverlayOptions {
    fn default() -> Self {
        Self {
            which: Which::Both,
            kind: MapKind::Last,
            sinks: Sinks::Suppressed,
            opacity: 0.5,
            max_side: 1024,
        }
    }
}

/// The colour of a normalised value (0 = low, 1 = high) on the turbo colormap.
pub fn turbo(v: f32) -> Rgb<u8> {
    let c = colorous::TURBO.eval_continuous(f64::from(v.clamp(0.0, 1.0)));
    Rgb([c.r, c.g, c.b])
}

/// Blends a per-pixel normalised map (same size as `photo`) over it.
pub fn blend(photo: &RgbImage, map01: &[f32], opacity: f32) -> RgbImage {
    let a = opacity.clamp(0.0, 1.0);
    let mut out = photo.clone();
    for (p, &v) in out.pixels_mut().zip(map01) {
        let c = turbo(v);
        for i in 0..3 {
            p[i] = (f32::from(p[i]) * (1.0 - a) + f32::from(c[i]) * a).round() as u8;
        }
    }
    out
}

/// The map of one stream, rendered at `width`×`height` and normalised to [0, 1].
pub fn rendered_map(
    maps: &AttentionMaps,
    which: Which,
    kind: MapKind,
    sinks: Sinks,
    width: u32,
    height: u32,
) -> Vec<f32> {
    let raw = match which {
        Which::Vit => render_vit(&maps.vit_map(kind, sinks), maps.grid, width, height),
        _ => render_glia(
            &maps.glia_map(kind, sinks),
            maps.grid,
            &maps.layout,
            width,
            height,
        ),
    };
    normalise(&raw)
}

fn fit(w: u32, h: u32, max_side: u32) -> (u32, u32) {
    let long = w.max(h);
    if long <= max_side {
        return (w, h);
    }
    let s = f64::from(max_side) / f64::from(long);
    (
        ((f64::from(w) * s).round() as u32).max(1),
        ((f64::from(h) * s).round() as u32).max(1),
    )
}

const INK: Rgb<u8> = Rgb([235, 235, 235]);
const PAPER: Rgb<u8> = Rgb([24, 24, 24]);

/// Draws `text` with the 8×8 bitmap font, each font pixel `scale`×`scale`.
fn draw_text(img: &mut RgbImage, x: u32, y: u32, text: &str, scale: u32, colour: Rgb<u8>) {
    let mut cx = x;
    for ch in text.chars() {
        let glyph = font8x8::BASIC_FONTS
            .get(ch)
            .or_else(|| font8x8::BASIC_FONTS.get('?'));
        if let Some(rows) = glyph {
            for (gy, row) in rows.iter().enumerate() {
                for gx in 0..8u32 {
                    if row & (1 << gx) == 0 {
                        continue;
                    }
                    for dy in 0..scale {
                        for dx in 0..scale {
                            let (px, py) = (cx + gx * scale + dx, y + gy as u32 * scale + dy);
                            if px < img.width() && py < img.height() {
                                img.put_pixel(px, py, colour);
                            }
                        }
                    }
                }
            }
        }
        cx += 8 * scale;
    }
}

fn label(which: Which, kind: MapKind) -> String {
    if which == Which::Quality {
        return "Quality: what lowers the score".into();
    }
    let stream = if which == Which::Vit {
        "ViT"
    } else {
        "GLIANet"
    };
    let what = match kind {
        MapKind::Last => "last-block attention",
        MapKind::Rollout => "attention rollout",
    };
    format!("{stream}: {what}")
}

/// The finished figure: labelled panel(s) over the photo and a legend saying how the values
/// are scaled. `quality` is needed for [`Which::Quality`] panels (left blank without it).
pub fn figure(
    photo: &RgbImage,
    maps: &AttentionMaps,
    quality: Option<&QualityMap>,
    opts: &OverlayOptions,
) -> RgbImage {
    let (w, h) = fit(photo.width(), photo.height(), opts.max_side);
    let base = resize(photo, w, h);
    let panels = opts.which.panels();
    let scale = if w.max(h) >= 600 { 2 } else { 1 };
    let (gap, title, legend) = (8 * scale, 14 * scale, 26 * scale);
    let n = panels.len() as u32;
    let total_w = n * w + (n + 1) * gap;
    let mut out = RgbImage::from_pixel(total_w, title + h + legend + gap, PAPER);
    for (i, which) in panels.iter().enumerate() {
        let x0 = gap + i as u32 * (w + gap);
        let map = match (which, quality) {
            (Which::Quality, Some(q)) => rendered_quality(q, w, h),
            (Which::Quality, None) => vec![0.0; (w * h) as usize],
            _ => rendered_map(maps, *which, opts.kind, opts.sinks, w, h),
        };
        let panel = blend(&base, &map, opts.opacity);
        image::imageops::overlay(&mut out, &panel, i64::from(x0), i64::from(title));
        draw_text(
            &mut out,
            x0,
            3 * scale,
            &label(*which, opts.kind),
            scale,
            INK,
        );
    }
    // Legend: the colormap from low to high, and what the colours mean.
    let (bar_x, bar_y) = (gap, title + h + 4 * scale);
    let bar_w = (total_w - 2 * gap).min(256 * scale);
    for x in 0..bar_w {
        let c = turbo(x as f32 / (bar_w - 1).max(1) as f32);
        for y in 0..6 * scale {
            out.put_pixel(bar_x + x, bar_y + y, c);
        }
    }
    let text_y = bar_y + 8 * scale;
    draw_text(&mut out, bar_x, text_y, "low", scale, INK);
    draw_text(
        &mut out,
        bar_x + bar_w.saturating_sub(32 * scale),
        text_y,
        "high",
        scale,
        INK,
    );
    let sinks = match opts.sinks {
        Sinks::Suppressed => "sinks suppressed",
        Sinks::Raw => "raw",
    };
    let note = if panels.contains(&Which::Quality) {
        format!(
            "quality 0-{QUALITY_FULL_SCALE:.0}+ pts; attention min-max, {sinks}  score {:.1}",
            maps.score
        )
    } else {
        format!(
            "normalised per map (min-max), {sinks}  score {:.1}",
            maps.score
        )
    };
    if bar_x + bar_w + 8 * scale + note.len() as u32 * 8 * scale <= total_w {
        draw_text(
            &mut out,
            bar_x + bar_w + 8 * scale,
            bar_y,
            &note,
            scale,
            INK,
        );
    } else {
        draw_text(
            &mut out,
            bar_x + 40 * scale,
            text_y,
            "normalised per map",
            scale,
            INK,
        );
    }
    out
}
