//! Does a map point at the defect? One quadrant of a photo is damaged (blur, noise or heavy
//! JPEG, each visible at screen size) and every map is asked where its peak lies: in the
//! damaged quadrant is a hit (chance: one in four). Also where attention peaks on the
//! clean photo, to count how often it sits in a corner (the sink-token artefact).

use image::RgbImage;

use crate::attention::{self, MapKind, Sinks};
use crate::damage::Damage;
use crate::overlay::{Which, rendered_map, rendered_quality};
use crate::pipeline::Scorer;
use crate::quality_map::QualityMap;

/// The damage kinds of the check.
pub const KINDS: [&str; 3] = ["blur", "noise", "jpeg"];

/// The maps asked, by name: the quality map, then each attention map with its sinks
/// suppressed and raw.
pub const MAPS: [&str; 5] = ["quality", "glia", "vit", "glia_raw", "vit_raw"];

/// Side of the rendering peaks are found on.
const SIDE: u32 = 96;

/// The damage of `kind` for a photo of short side `short`, at a level plainly visible at
/// screen size (heavier than the judgement ladders' lighter step).
fn damage(kind: &str, short: u32) -> Damage {
    let f = (short as f32 / 1000.0).max(1.0);
    match kind {
        "blur" => Damage::Defocus { sigma: 3.0 * f },
        "noise" => Damage::Noise { sigma: 20.0 * f },
        _ => Damage::Jpeg { quality: 5 },
    }
}

/// Quadrant `q` (0 top left, 1 top right, 2 bottom left, 3 bottom right) of a `w`×`h` photo.
fn quadrant_rect(q: usize, w: u32, h: u32) -> (u32, u32, u32, u32) {
    let (hw, hh) = (w / 2, h / 2);
    let (x, y) = ((q % 2) as u32 * hw, (q / 2) as u32 * hh);
    (
        x,
        y,
        if q % 2 == 1 { w - hw } else { hw },
        if q / 2 == 1 { h - hh } else { hh },
    )
}

/// The photo with only quadrant `q` damaged.
pub fn damage_quadrant(img: &RgbImage, kind: &str, q: usize, seed: u64) -> RgbImage {
    let (w, h) = img.dimensions();
    let (x, y, qw, qh) = quadrant_rect(q, w, h);
    let part = image::imageops::crop_imm(img, x, y, qw, qh).to_image();
    let hurt = damage(kind, w.min(h)).apply(&part, seed);
    let mut out = img.clone();
    image::imageops::replace(&mut out, &hurt, i64::from(x), i64::from(y));
    out
}

/// Row-major position of the largest value of a `w`-wide map.
fn peak(map: &[f32], w: u32) -> (u32, u32) {
    let i = map
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(i, _)| i) as u32;
    (i % w, i / w)
}

fn quadrant_of((x, y): (u32, u32), w: u32, h: u32) -> usize {
    usize::from(x >= w / 2) + 2 * usize::from(y >= h / 2)
}

/// Whether `(x, y)` lies in the outer eighth of the frame on both axes (a corner).
fn in_corner((x, y): (u32, u32), w: u32, h: u32) -> bool {
    let edge = |v: u32, n: u32| v < n / 8 || v >= n - n / 8;
    edge(x, w) && edge(y, h)
}

fn size(w: u32, h: u32) -> (u32, u32) {
    let s = SIDE as f32 / w.max(h) as f32;
    (
        ((w as f32 * s).round() as u32).max(1),
        ((h as f32 * s).round() as u32).max(1),
    )
}

/// Every map of `img` at the check's rendering size, in [`MAPS`] order.
fn maps(scorer: &Scorer, img: &RgbImage) -> Result<Vec<Vec<f32>>, String> {
    let (w, h) = size(img.width(), img.height());
    let model = scorer.model();
    let att = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        attention::compute(model, img, &scorer.device().device)
    }))
    .map_err(|_| "the device failed while computing the maps".to_owned())?;
    let q = QualityMap::compute(scorer, img)?;
    let last = MapKind::Last;
    Ok(vec![
        rendered_quality(&q, w, h),
        rendered_map(&att, Which::Glia, last, Sinks::Suppressed, w, h),
        rendered_map(&att, Which::Vit, last, Sinks::Suppressed, w, h),
        rendered_map(&att, Which::Glia, last, Sinks::Raw, w, h),
        rendered_map(&att, Which::Vit, last, Sinks::Raw, w, h),
    ])
}

/// One photo's results.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PhotoLocalisation {
    pub name: String,
    /// Per map ([`MAPS`]): whether its peak on the clean photo is in a corner.
    pub clean_corner: Vec<bool>,
    /// Per damage kind ([`KINDS`]) and quadrant, per map: whether the peak hit the quadrant.
    pub hits: Vec<Vec<[bool; 4]>>,
    /// Attention sink tokens found on the clean photo (ViT, GLIANet).
    pub sinks: (usize, usize),
}

/// Runs the check on one photo: the clean photo, then each kind in each quadrant.
pub fn localise(
    scorer: &Scorer,
    name: &str,
    img: &RgbImage,
    seed: u64,
) -> Result<PhotoLocalisation, String> {
    let (w, h) = size(img.width(), img.height());
    let clean = maps(scorer, img)?;
    let att = attention::compute(scorer.model(), img, &scorer.device().device);
    let clean_corner = clean.iter().map(|m| in_corner(peak(m, w), w, h)).collect();
    let mut hits = vec![Vec::new(); MAPS.len()];
    for (k, kind) in KINDS.iter().enumerate() {
        let by_quadrant = (0..4)
            .map(|q| {
                let hurt = damage_quadrant(img, kind, q, seed.wrapping_add((4 * k + q) as u64));
                let found = maps(scorer, &hurt)?;
                Ok(found
                    .iter()
                    .map(|map| quadrant_of(peak(map, w), w, h) == q)
                    .collect::<Vec<bool>>())
            })
            .collect::<Result<Vec<_>, String>>()?;
        for (m, row) in hits.iter_mut().enumerate() {
            row.push(std::array::from_fn(|q| by_quadrant[q][m]));
        }
    }
    Ok(PhotoLocalisation {
        name: name.to_owned(),
        clean_corner,
        hits,
        sinks: (att.vit_sinks.len(), att.glia_sinks.len()),
    })
}

/// Over photos, per map: (hits, cases, per kind hits, clean peaks in a corner).
#[derive(Debug, Clone, serde::Serialize)]
pub struct MapSummary {
    pub map: String,
    pub hits: usize,
    pub cases: usize,
    pub per_kind: Vec<(String, usize)>,
    pub clean_in_corner: usize,
}

pub fn summarise(photos: &[PhotoLocalisation]) -> Vec<MapSummary> {
    MAPS.iter()
        .enumerate()
        .map(|(m, name)| {
            let per_kind: Vec<(String, usize)> = KINDS
                .iter()
                .enumerate()
                .map(|(k, kind)| {
                    let n = photos
                        .iter()
                        .map(|p| p.hits[m][k].iter().filter(|&&b| b).count())
                        .sum();
                    ((*kind).to_owned(), n)
                })
                .collect();
            MapSummary {
                map: (*name).to_owned(),
                hits: per_kind.iter().map(|k| k.1).sum(),
                cases: photos.len() * KINDS.len() * 4,
                per_kind,
                clean_in_corner: photos.iter().filter(|p| p.clean_corner[m]).count(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadrants_tile_the_frame_and_peaks_find_them() {
        let (w, h) = (101, 57);
        let area: u32 = (0..4)
            .map(|q| {
                let (_, _, qw, qh) = quadrant_rect(q, w, h);
                qw * qh
            })
            .sum();
        assert_eq!(area, w * h);
        assert_eq!(quadrant_of((60, 10), w, h), 1);
        assert_eq!(quadrant_of((10, 40), w, h), 2);
        let mut m = vec![0.0; (w * h) as usize];
        m[(50 * w + 90) as usize] = 1.0;
        assert_eq!(peak(&m, w), (90, 50));
        assert!(in_corner((99, 55), w, h) && !in_corner((50, 55), w, h));
    }

    #[test]
    fn only_the_chosen_quadrant_changes() {
        let img = RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5) as u8, 90])
        });
        let hurt = damage_quadrant(&img, "noise", 3, 1);
        for (x, y, p) in hurt.enumerate_pixels() {
            let inside = x >= 32 && y >= 24;
            if !inside {
                assert_eq!(p, img.get_pixel(x, y), "({x}, {y}) outside the quadrant");
            }
        }
        assert_ne!(hurt, img);
    }
}
