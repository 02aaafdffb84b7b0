//! One training step's rows. Each row's random choices (flip, rescaling, fragment offsets,
//! damage) are drawn in order from the run's generator before any pixel is touched, so a run
//! stays reproducible from its seed; then the photos are decoded, rescaled, damaged and cut
//! into fragments on all cores. Done on one core, that preparation is what a GPU waits on.

use image::RgbImage;
use rand::Rng;
use rayon::prelude::*;

use super::data::Sample;
use super::trainer::TrainConfig;
use crate::damage::Damage;
use crate::preprocess::{Normalization, Sampling, fragment_mosaic, normalize, resize};
use glia_media::load_rgb;

/// A training photo as the trainer keeps it: its frozen semantic tokens per flip
/// ([plain, flipped]) and its size, which the random choices depend on.
pub(super) struct Cached {
    pub sample: usize,
    pub tokens: [Vec<f32>; 2],
    pub size: (u32, u32),
}

/// A row's random choices.
pub(super) struct Plan {
    cached: usize,
    flip: bool,
    shrink: Option<f32>,
    sampling: Sampling,
    /// The damage, its noise seed, and how much larger than the row the copy it is applied
    /// to is (1: the row itself).
    damage: Option<(Damage, u64, f32)>,
    /// How much stronger the ladder's second copy is damaged, when there is one.
    harder: Option<f32>,
    /// The unsharp mask's radius (σ, px) of the row's sharpened copy, when it has one.
    sharpen: Option<f32>,
}

/// A row ready for the network.
pub(super) struct Prepared {
    pub cached: usize,
    pub flip: bool,
    /// The normalised fragment mosaic.
    pub x_d: Vec<f32>,
    /// The copy shrunk below the semantic view's size, whose tokens the cache does not hold.
    pub small: Option<RgbImage>,
    /// The damaged copy's mosaic (the same fragments) and image, to be ranked below this row.
    pub pair: Option<(Vec<f32>, RgbImage)>,
    /// A copy damaged harder still (a damage ladder), to be ranked below the damaged one.
    pub harder: Option<(Vec<f32>, RgbImage)>,
    /// The row sharpened (more fine texture, no damage), to be ranked above the damaged copy
    /// and not far below the row.
    pub sharpened: Option<(Vec<f32>, RgbImage)>,
}

/// How much harder a ladder's second copy is damaged: a factor drawn from this range (the
/// judgement check's steps are 2.5× for noise and blur, 3× for JPEG quality).
const LADDER_STEP: (f32, f32) = (1.5, 3.0);

/// The sharpened copy's unsharp mask: a radius (σ, px) drawn from this range, amount 1, and
/// differences below the threshold (of 255) left alone, so the photo's own grain is not
/// amplified into noise.
const SHARPEN_SIGMA: (f32, f32) = (0.5, 1.5);
const SHARPEN_THRESHOLD: i32 = 6;

/// Draws the choices for the photos `chunk` (indices into `cache`): the first
/// `damage_pairs` rows also get a damaged copy.
pub(super) fn plan(
    chunk: &[usize],
    cache: &[Cached],
    cfg: &TrainConfig,
    rng: &mut impl Rng,
) -> Vec<Plan> {
    chunk
        .iter()
        .enumerate()
        .map(|(row, &c)| {
            let flip = rng.random_bool(0.5);
            let shrink = (cfg.rescale_min < 1.0 && rng.random_bool(0.5))
                .then(|| rng.random_range(cfg.rescale_min..1.0));
            let sampling = Sampling::Random(rng.random());
            let damage = (row < cfg.damage_pairs).then(|| {
                let (w, h) = shrink.map_or(cache[c].size, |f| shrunk_size(cache[c].size, f));
                // Drawn only when asked for, so runs without it draw what they always drew.
                let enlarge = if cfg.damage_enlarge > 1.0 {
                    rng.random_range(1.0..cfg.damage_enlarge)
                } else {
                    1.0
                };
                let short = (w.min(h) as f32 * enlarge).round() as u32;
                let damage = Damage::random(rng, short, &cfg.damage_kinds);
                (damage, rng.random(), enlarge)
            });
            let harder = (damage.is_some() && cfg.damage_ladder)
                .then(|| rng.random_range(LADDER_STEP.0..LADDER_STEP.1));
            let sharpen = (damage.is_some() && cfg.sharpened_pairs)
                .then(|| rng.random_range(SHARPEN_SIGMA.0..SHARPEN_SIGMA.1));
            Plan {
                cached: c,
                flip,
                shrink,
                sampling,
                damage,
                harder,
                sharpen,
            }
        })
        .collect()
}

/// Prepares the planned rows on all cores, in order; a photo that no longer decodes drops
/// its row (it decoded when the cache was built, so the batch only thins).
pub(super) fn prepare(
    plans: &[Plan],
    cache: &[Cached],
    samples: &[Sample],
    cfg: &TrainConfig,
    norm: &Normalization,
) -> Vec<Prepared> {
    plans
        .par_iter()
        .filter_map(|p| {
            let img = view(
                load_rgb(&samples[cache[p.cached].sample].path).ok()?,
                p.flip,
            );
            let img = match p.shrink {
                Some(f) => shrink(&img, f),
                None => img,
            };
            let (mosaic, _) = fragment_mosaic(&img, p.sampling, cfg.detail_scale);
            // A copy is cut at the row's fragments, so only what was done to it differs.
            let cut = |copy: RgbImage| {
                let (mosaic, _) = fragment_mosaic(&copy, p.sampling, cfg.detail_scale);
                (normalize(&mosaic, norm), copy)
            };
            let copy = |damage: Damage, seed: u64, enlarge: f32| {
                cut(damaged_at(
                    &img,
                    damage,
                    seed,
                    enlarge,
                    cfg.noise_where_flat,
                ))
            };
            let pair = p.damage.map(|(d, seed, enlarge)| copy(d, seed, enlarge));
            let harder = p
                .damage
                .zip(p.harder)
                .map(|((d, seed, enlarge), f)| copy(d.stronger(f), seed, enlarge));
            let sharpened = p
                .sharpen
                .map(|sigma| cut(image::imageops::unsharpen(&img, sigma, SHARPEN_THRESHOLD)));
            // A copy still at least 224 px gives the same 224 px semantic view: the cached
            // tokens serve. A smaller one is upscaled for it, blurred, as when scoring a small
            // file: it needs its own tokens, or training would never see that view.
            let small = img.width().min(img.height()) < crate::preprocess::INPUT;
            Some(Prepared {
                cached: p.cached,
                flip: p.flip,
                x_d: normalize(&mosaic, norm),
                small: (p.shrink.is_some() && small).then_some(img),
                pair,
                harder,
                sharpened,
            })
        })
        .collect()
}

/// `img` damaged as if on a file `enlarge` times its size and then shrunk to it, as a camera
/// file's damage at full size reaches the model's working resolution: noise averaged down
/// and JPEG blocks shrunk to fine texture. Blur strengths were drawn for the enlarged size, so
/// they come back as drawn for `img`. `where_flat`: noise only where the photo is flat
/// ([`Damage::apply_where_flat`]).
fn damaged_at(
    img: &RgbImage,
    damage: Damage,
    seed: u64,
    enlarge: f32,
    where_flat: bool,
) -> RgbImage {
    let apply = |img: &RgbImage| {
        if where_flat {
            damage.apply_where_flat(img, seed)
        } else {
            damage.apply(img, seed)
        }
    };
    if enlarge <= 1.0 {
        return apply(img);
    }
    let (w, h) = img.dimensions();
    let side = |v: u32| ((v as f32 * enlarge).round() as u32).max(1);
    let large = resize(img, side(w), side(h));
    resize(&apply(&large), w, h)
}

/// The photo as a row sees it: mirrored in place when flipped, never copied.
pub(super) fn view(mut img: RgbImage, flip: bool) -> RgbImage {
    if flip {
        image::imageops::flip_horizontal_in_place(&mut img);
    }
    img
}

/// The size of a copy shrunk by `factor`: never below a 32 px short side, never enlarged.
fn shrunk_size((w, h): (u32, u32), factor: f32) -> (u32, u32) {
    let f = factor.max(32.0 / w.min(h).max(1) as f32).min(1.0);
    let side = |v: u32| ((v as f32 * f).round() as u32).max(1);
    (side(w), side(h))
}

/// Shrinks by `factor` (antialiased). Below a 224 px short side the fragments are cut from
/// an upscaled copy, as when scoring a small file: that is trained too.
fn shrink(img: &RgbImage, factor: f32) -> RgbImage {
    let (w, h) = shrunk_size(img.dimensions(), factor);
    resize(img, w, h)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn spread(img: &RgbImage) -> f64 {
        let v: Vec<f64> = img.pixels().map(|p| f64::from(p[0])).collect();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
    }

    #[test]
    fn damage_on_an_enlarged_copy_comes_back_fainter_at_the_same_size() {
        let grey = RgbImage::from_pixel(120, 80, image::Rgb([128, 128, 128]));
        let noise = Damage::Noise { sigma: 20.0 };
        let direct = damaged_at(&grey, noise, 5, 1.0, false);
        let enlarged = damaged_at(&grey, noise, 5, 4.0, false);
        assert_eq!(enlarged.dimensions(), grey.dimensions());
        let (d, e) = (spread(&direct), spread(&enlarged));
        // Shrinking by 4 averages about 16 independent pixels into one: σ falls about 4-fold.
        assert!((d - 20.0).abs() < 1.0, "direct σ {d}");
        assert!(e > 2.0 && e < 9.0, "enlarged-then-shrunk σ {e}");
    }

    #[test]
    fn sharpened_copies_come_only_with_damage_and_only_when_chosen() {
        let cache: Vec<Cached> = (0..6)
            .map(|sample| Cached {
                sample,
                tokens: [Vec::new(), Vec::new()],
                size: (500, 375),
            })
            .collect();
        let chunk: Vec<usize> = (0..6).collect();
        let off = TrainConfig {
            damage_pairs: 2,
            ..TrainConfig::default()
        };
        let on = TrainConfig {
            sharpened_pairs: true,
            ..off.clone()
        };
        let draw = |cfg: &TrainConfig| plan(&chunk, &cache, cfg, &mut ChaCha8Rng::seed_from_u64(3));
        assert!(draw(&off).iter().all(|p| p.sharpen.is_none()));
        let rows = draw(&on);
        for (k, p) in rows.iter().enumerate() {
            assert_eq!(p.sharpen.is_some(), k < 2, "row {k}");
            assert_eq!(p.damage.is_some(), k < 2, "row {k}");
        }
        for sigma in rows.iter().filter_map(|p| p.sharpen) {
            assert!((SHARPEN_SIGMA.0..SHARPEN_SIGMA.1).contains(&sigma));
        }
    }

    #[test]
    fn sharpening_steepens_edges_and_leaves_faint_grain_alone() {
        // A dark half and a light half, both with a ±2 grain.
        let img = RgbImage::from_fn(64, 32, |x, y| {
            let base = if x < 32 { 80 } else { 170 };
            let v = base + ((x * 7 + y * 13) % 5) as u8 - 2;
            image::Rgb([v, v, v])
        });
        let sharp = image::imageops::unsharpen(&img, 1.0, SHARPEN_THRESHOLD);
        // Far from the edge the grain is below the threshold: untouched.
        for (x, y) in [(5, 5), (10, 20), (55, 7), (60, 25)] {
            assert_eq!(sharp.get_pixel(x, y), img.get_pixel(x, y), "({x}, {y})");
        }
        // At the edge the step overshoots on both sides.
        assert!(sharp.get_pixel(31, 16)[0] < img.get_pixel(31, 16)[0]);
        assert!(sharp.get_pixel(32, 16)[0] > img.get_pixel(32, 16)[0]);
    }
}
