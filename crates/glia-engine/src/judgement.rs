//! Does the model judge photos the way a photographer would? Two checks on any photos, no
//! opinion scores needed (issue 18):
//!
//! - **scale**: the same photo at full size, 1/2 and 1/4 (Lanczos) should score the same;
//! - **damage ladders**: each kind of [`Damage`] at two visible levels, applied at the photo's
//!   own resolution, should score below the photo, the heavier below the lighter; blurring
//!   only the centre (the subject out of focus) should lower the score.
//!
//! "Visible" is defined at screen size: a viewer shows a photo fitted to about 1,000 px of
//! short side, so a camera file of short side `s` is shrunk by `f = max(s / 1000, 1)`. Blur
//! and streak lengths are multiplied by `f` (so they look the same on screen), and so is
//! noise σ (shrinking by `f` averages noise down by about `f`). JPEG quality is used as is.

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;
use rayon::prelude::*;

use crate::damage::Damage;
use crate::pipeline::Scorer;

/// The levels of each ladder on a photo of short side `short` (see the module docs).
pub fn ladders(short: u32) -> Vec<[Damage; 2]> {
    let f = (short as f32 / 1000.0).max(1.0);
    let px = |v: f32| (v * f * 10.0).round() / 10.0;
    vec![
        [
            Damage::Defocus { sigma: px(1.0) },
            Damage::Defocus { sigma: px(2.5) },
        ],
        [
            Damage::Motion {
                length: px(5.0).round() as u32,
            },
            Damage::Motion {
                length: px(12.0).round() as u32,
            },
        ],
        [
            Damage::Noise { sigma: px(6.0) },
            Damage::Noise { sigma: px(15.0) },
        ],
        [
            Damage::ChromaNoise { sigma: px(6.0) },
            Damage::ChromaNoise { sigma: px(15.0) },
        ],
        [
            Damage::ShadowNoise { sigma: px(12.0) },
            Damage::ShadowNoise { sigma: px(30.0) },
        ],
        [Damage::Jpeg { quality: 15 }, Damage::Jpeg { quality: 5 }],
    ]
}

/// The centre-only blur: the subject out of focus, at the heavier defocus level.
pub fn centre_blur(short: u32) -> Damage {
    let f = (short as f32 / 1000.0).max(1.0);
    Damage::CentreDefocus {
        sigma: (2.5 * f * 10.0).round() / 10.0,
    }
}

/// One photo's results.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PhotoJudgement {
    pub name: String,
    pub width: u32,
    pub height: u32,
    /// Scores at full size, 1/2 and 1/4.
    pub sizes: [f32; 3],
    /// Per ladder: kind, the two levels, and the scores of (clean, lighter, heavier).
    pub ladders: Vec<Ladder>,
    /// Score with only the centre blurred.
    pub centre_blurred: f32,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Ladder {
    pub kind: String,
    pub levels: [String; 2],
    pub scores: [f32; 3],
}

impl PhotoJudgement {
    /// Largest move of the score away from full size.
    pub fn size_drift(&self) -> f32 {
        (self.sizes[1] - self.sizes[0])
            .abs()
            .max((self.sizes[2] - self.sizes[0]).abs())
    }
}

/// The summary over photos, as the issue states its targets.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub photos: usize,
    /// Mean over photos and the two smaller sizes of |score − full-size score|.
    pub mean_size_drift: f32,
    pub max_size_drift: f32,
    /// Mean signed move (smaller minus full): positive when smaller copies score higher.
    pub mean_size_bias: f32,
    pub steps: usize,
    pub steps_ordered: usize,
    /// Per kind: (steps, ordered).
    pub per_kind: Vec<(String, usize, usize)>,
    pub centre_lowered: usize,
}

pub fn summarise(photos: &[PhotoJudgement]) -> Summary {
    let drifts: Vec<f32> = photos
        .iter()
        .flat_map(|p| [p.sizes[1] - p.sizes[0], p.sizes[2] - p.sizes[0]])
        .collect();
    let n = drifts.len().max(1) as f32;
    let mut per_kind: Vec<(String, usize, usize)> = Vec::new();
    for p in photos {
        for l in &p.ladders {
            let ordered =
                usize::from(l.scores[1] < l.scores[0]) + usize::from(l.scores[2] < l.scores[1]);
            match per_kind.iter_mut().find(|(k, _, _)| *k == l.kind) {
                Some(row) => {
                    row.1 += 2;
                    row.2 += ordered;
                }
                None => per_kind.push((l.kind.clone(), 2, ordered)),
            }
        }
    }
    Summary {
        photos: photos.len(),
        mean_size_drift: drifts.iter().map(|d| d.abs()).sum::<f32>() / n,
        max_size_drift: drifts.iter().fold(0.0, |m, d| m.max(d.abs())),
        mean_size_bias: drifts.iter().sum::<f32>() / n,
        steps: per_kind.iter().map(|k| k.1).sum(),
        steps_ordered: per_kind.iter().map(|k| k.2).sum(),
        per_kind,
        centre_lowered: photos
            .iter()
            .filter(|p| p.centre_blurred < p.sizes[0])
            .count(),
    }
}

/// Lanczos-3 shrink by an integer `divisor`, as the check does.
pub fn shrink(img: &RgbImage, divisor: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    let mut out = RgbImage::new((w / divisor).max(1), (h / divisor).max(1));
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    match Resizer::new().resize(img, &mut out, &options) {
        Ok(()) => out,
        Err(_) => image::imageops::resize(
            img,
            out.width(),
            out.height(),
            image::imageops::FilterType::Lanczos3,
        ),
    }
}

/// Runs both checks on one decoded photo. Damage noise is seeded by `seed`.
pub fn judge(
    scorer: &Scorer,
    name: &str,
    img: &RgbImage,
    seed: u64,
) -> Result<PhotoJudgement, String> {
    let (width, height) = img.dimensions();
    let short = width.min(height);
    let ladders = ladders(short);
    let mut damages: Vec<Damage> = ladders.iter().flatten().copied().collect();
    damages.push(centre_blur(short));
    // Variants in order: full, 1/2, 1/4, then every damage.
    let mut variants: Vec<RgbImage> = [2, 4].par_iter().map(|&d| shrink(img, d)).collect();
    variants.extend(
        damages
            .par_iter()
            .enumerate()
            .map(|(i, d)| d.apply(img, seed.wrapping_add(i as u64)))
            .collect::<Vec<_>>(),
    );
    let mut all = vec![img];
    all.extend(variants.iter());
    let scores = scorer.score_images(&all)?;
    let at = |i: usize| scores[i];
    let ladders = ladders
        .iter()
        .enumerate()
        .map(|(k, [a, b])| Ladder {
            kind: a.kind().name().to_owned(),
            levels: [a.level(), b.level()],
            scores: [at(0), at(3 + 2 * k), at(4 + 2 * k)],
        })
        .collect();
    Ok(PhotoJudgement {
        name: name.to_owned(),
        width,
        height,
        sizes: [at(0), at(1), at(2)],
        ladders,
        centre_blurred: at(all.len() - 1),
    })
}
