//! Training the adapters and head (docs/model.md §3): the frozen semantic tokens are computed once
//! per photo and flip and cached, so each step runs only the detail stream; gradients flow
//! through the frozen backbone into the GLIA blocks. AdamW, cosine decay per step, PLCC loss,
//! random flips and fragment offsets, all from one seed.
//!
//! Two optional additions teach what opinion scores on 500 px photos cannot (issue 18):
//! - **random rescaling**: half of the samplings see the photo shrunk by a random factor
//!   down to `rescale_min`, with the same opinion score, so the score does not follow the
//!   file's size;
//! - **damage pairs**: the first `damage_pairs` photos of each batch are also shown with a
//!   random [`crate::damage::Damage`] (blur, shake, noise, JPEG, or only the `damage_kinds`
//!   chosen; the same fragments), and a margin ranking loss asks that each scores below its
//!   undamaged self by at least `rank_margin` (default [`RANK_MARGIN`]) of the batch's spread
//!   of predictions (RankIQA-style, scale-free like the PLCC loss). `damage_enlarge` damages
//!   an enlarged copy and shrinks it back (a camera file's damage at the working view);
//!   `damage_ladder` adds a harder-damaged copy ranked below each damaged one;
//!   `sharpened_pairs` adds a sharpened copy of each damaged photo, ranked above the damaged
//!   copy and not far below the photo, so that fine texture is not mistaken for noise.
//!
//! `order_weight` adds a pairwise ranking loss on the opinion scores beside the PLCC loss
//! ([`super::loss::order_loss`], the "optionally + rank loss" of the paper's protocol).
//!
//! A batch's photos are prepared on all cores (`batch.rs`) and every view the token cache
//! lacks is run through the backbone in one forward: on a GPU, per-photo work and batch-1
//! forwards would otherwise dominate a step.

use std::time::{Duration, Instant};

use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use image::RgbImage;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::batch::{self, Cached, view};
use super::data::Sample;
use super::loss::{order_loss, plcc_loss, rank_loss};
use super::resume::{Checkpoint, Position, Resume, number_params, step_seed};
use crate::damage::DamageKind;
use crate::model::GliaNet;
use crate::preprocess::{DetailScale, INPUT, Normalization, WORKING_SHORT_SIDE, normalize, resize};
use glia_media::load_rgb;

/// How far below its undamaged self a damaged photo must score, in units of the batch's
/// standard deviation of predictions (the default of [`TrainConfig::rank_margin`]).
pub const RANK_MARGIN: f32 = 0.25;

#[derive(Debug, Clone)]
pub struct TrainConfig {
    pub epochs: usize,
    /// Epochs the cosine learning-rate decay is planned over (`None`: `epochs`). More than
    /// `epochs` runs the first part of a longer schedule, which ends at a higher rate.
    pub schedule_epochs: Option<usize>,
    /// Samplings of each photo per epoch (LIVEC 5, KonIQ 3).
    pub patch_num: usize,
    pub batch_size: usize,
    pub lr: f64,
    pub weight_decay: f32,
    pub seed: u64,
    /// The scale fragments are cut at (the model's).
    pub detail_scale: DetailScale,
    /// Smallest random shrink factor of the rescaling augmentation (1: off).
    pub rescale_min: f32,
    /// Damaged copies ranked against their originals per batch (0: opinion scores only).
    pub damage_pairs: usize,
    /// The damage pairs' margin, in the batch's standard deviations of predictions (0: only
    /// misordered pairs cost anything).
    pub rank_margin: f32,
    /// The kinds of damage the pairs draw from, evenly (empty: all of them).
    pub damage_kinds: Vec<DamageKind>,
    /// Each damaged copy also gets a harder-damaged one of the same kind, ranked below it
    /// (pairs "less damaged > more damaged", not only "undamaged > damaged").
    pub damage_ladder: bool,
    /// Damage is applied to a copy enlarged by a random factor up to this, then shrunk back
    /// (damage at a camera file's full size, seen at the working resolution); 1: off.
    pub damage_enlarge: f32,
    /// Each damaged photo also gets a sharpened copy (unsharp mask: more fine texture, no
    /// damage) that must score above the damaged copy and at most `rank_margin` below the
    /// photo: the ranking cannot be learnt as "more high-frequency energy scores lower".
    pub sharpened_pairs: bool,
    /// Noise damage only where the photo is flat ([`crate::damage::Damage::apply_where_flat`]):
    /// the pairs never ask for noise hidden in fine texture. Draws nothing of its own.
    pub noise_where_flat: bool,
    /// Weight of the pairwise ranking loss on the opinion scores beside the PLCC loss (0: the
    /// PLCC loss alone).
    pub order_weight: f32,
    /// Within an epoch, also hand over the run's state ([`Event::Midway`]) once this long
    /// has passed since the last hand-over (`None`: at epoch ends only). Does not change
    /// the steps taken.
    pub checkpoint_every: Option<Duration>,
}

impl TrainConfig {
    /// Epochs the learning-rate schedule spans (never fewer than run).
    pub fn planned_epochs(&self) -> usize {
        self.schedule_epochs.unwrap_or(self.epochs).max(self.epochs)
    }
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 10,
            schedule_epochs: None,
            patch_num: 5,
            batch_size: 16,
            lr: 3e-4,
            weight_decay: 1e-2,
            seed: 0,
            detail_scale: DetailScale::ShortSide(WORKING_SHORT_SIDE),
            rescale_min: 1.0,
            damage_pairs: 0,
            rank_margin: RANK_MARGIN,
            damage_kinds: Vec::new(),
            damage_enlarge: 1.0,
            damage_ladder: false,
            sharpened_pairs: false,
            noise_where_flat: false,
            order_weight: 0.0,
            checkpoint_every: None,
        }
    }
}

/// Reported after every step; returning `false` from the callback stops training.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub step: usize,
    pub steps: usize,
    pub epoch: usize,
    pub loss: f64,
}

/// What the trainer reports: each step, and each finished epoch with its mean training loss
/// and its weights (to validate or checkpoint), and whether it is the best epoch so far.
pub enum Event<'a> {
    /// Before the first step: `done` of `total` photos have their semantic tokens cached
    /// (minutes for a large set on a CPU, so it reports and can be stopped too).
    Caching {
        done: usize,
        total: usize,
    },
    Step(Progress),
    Epoch {
        epoch: usize,
        mean_loss: f64,
        net: &'a GliaNet,
        best: bool,
        /// What [`Resume`] needs to go on from here.
        checkpoint: Checkpoint<'a>,
    },
    /// Part way through an epoch, every [`TrainConfig::checkpoint_every`]: the weights so far
    /// and what [`Resume`] needs to go on from here.
    Midway {
        net: &'a GliaNet,
        checkpoint: Checkpoint<'a>,
    },
}

/// The result: the trained network (plain device) and the photos that could not be used.
pub struct Trained {
    /// The last epoch's weights after a full run; after a stop, the best finished epoch's
    /// (lowest mean training loss), or the weights so far when no epoch finished.
    pub net: GliaNet,
    /// Epochs finished.
    pub epochs: usize,
    pub skipped: Vec<(std::path::PathBuf, String)>,
    pub stopped_early: bool,
    /// Steps this call trained: 0 when it was stopped while caching, before the first.
    pub steps: usize,
}

/// Photos whose semantic tokens are computed in one forward: a GPU runs batch-1 forwards
/// at a tenth of its batch-16 rate, and training needs tokens for every photo, for each
/// damaged copy and for each copy shrunk below the semantic view's size.
const TOKEN_BATCH: usize = 32;

/// The frozen semantic tokens of `imgs`, computed together, one flat vector per image.
fn tokens_of(
    net: &GliaNet,
    imgs: &[RgbImage],
    norm: &Normalization,
    device: &Device,
) -> Vec<Vec<f32>> {
    let side = INPUT as usize;
    let mut out = Vec::with_capacity(imgs.len());
    for chunk in imgs.chunks(TOKEN_BATCH) {
        let mut x = Vec::with_capacity(chunk.len() * 3 * side * side);
        for img in chunk {
            x.extend(normalize(&resize(img, INPUT, INPUT), norm));
        }
        let x = Tensor::<4>::from_data(TensorData::new(x, [chunk.len(), 3, side, side]), device);
        let flat = net
            .semantic_tokens(x)
            .try_into_vec_as::<f32>()
            .expect("semantic tokens");
        out.extend(
            flat.chunks_exact(flat.len() / chunk.len())
                .map(<[f32]>::to_vec),
        );
    }
    out
}

/// Where a batch row's semantic tokens come from: the cache (photo, flipped) or this
/// step's own forward (index into its fresh tokens).
#[derive(Clone, Copy)]
enum Row {
    Cached(usize, bool),
    Fresh(usize),
}

/// Trains `start` (on a plain device) on `samples`, or goes on from `resume` (a run of the
/// same `start`, samples and config that stopped after an epoch).
pub fn train(
    start: &GliaNet,
    norm: &Normalization,
    samples: &[Sample],
    cfg: &TrainConfig,
    device: &Device,
    resume: Option<Resume>,
    on_event: &mut dyn FnMut(Event<'_>) -> bool,
) -> Trained {
    let _generator = crate::seeded::seeded(device, cfg.seed);
    let side = INPUT as usize;
    let plane = 3 * side * side;
    let (cache, skipped, cached_all) = cache_tokens(start, norm, samples, device, on_event);
    let [_, n_tokens, dim] = start.backbone.pos_embed.dims();

    let ad = device.clone().autodiff();
    let mut optim = AdamWConfig::new()
        .with_weight_decay(cfg.weight_decay)
        .init();
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut best: Option<(f64, GliaNet)> = None;
    let mut at = Position::default();
    let from = match resume {
        Some(r) => {
            optim = optim.load_record(r.optimizer);
            rng.set_word_pos(r.at.rng_pos);
            at = r.at;
            // Stands in for the best epoch's weights, which the state does not carry.
            best = r
                .best_loss
                .is_finite()
                .then(|| (r.best_loss, r.net.clone()));
            r.net
        }
        None => start.clone(),
    };
    if !cached_all {
        return Trained {
            net: from,
            epochs: at.epochs_done,
            skipped,
            stopped_early: true,
            steps: 0,
        };
    }
    let mut net = number_params(from.fork(&ad).train());
    let batch = cfg.batch_size.max(2);
    let per_epoch = (cache.len() * cfg.patch_num.max(1)) / batch;
    let steps = per_epoch * cfg.epochs;
    let planned = per_epoch * cfg.planned_epochs();
    let mut epochs_done = at.epochs_done;
    let mut step = at.steps.unwrap_or(per_epoch * epochs_done);
    let first_step = step;
    let mut stopped_early = false;
    let mut stop_after_epoch = false;
    let mut handed_over = Instant::now();
    'epochs: for epoch in at.epochs_done..cfg.epochs {
        let epoch_start = rng.get_word_pos();
        let (mut loss_sum, mut loss_n) = (at.loss_sum, at.loss_n);
        let trained_before = std::mem::take(&mut at).batches;
        let mut order: Vec<usize> = (0..cache.len())
            .flat_map(|c| std::iter::repeat_n(c, cfg.patch_num.max(1)))
            .collect();
        order.shuffle(&mut rng);
        for (i, chunk) in order.chunks_exact(batch).enumerate() {
            let plans = batch::plan(chunk, &cache, cfg, &mut rng);
            if i < trained_before {
                // Trained before the run stopped: its choices are drawn again, not its step.
                continue;
            }
            let prepared = batch::prepare(&plans, &cache, samples, cfg, norm);
            let b = prepared.len();
            if b < 2 {
                continue;
            }
            // Rows in order, then the damaged copies; views the cache does not hold are run
            // through the backbone together.
            let (mut x_d, mut target) = (Vec::with_capacity(batch * plane), Vec::new());
            let (mut rows, mut pair_rows, mut pair_x_d) = (Vec::new(), Vec::new(), Vec::new());
            let (mut harder_rows, mut harder_x_d) = (Vec::new(), Vec::new());
            let (mut sharp_rows, mut sharp_x_d) = (Vec::new(), Vec::new());
            let mut fresh: Vec<RgbImage> = Vec::new();
            for row in prepared {
                x_d.extend(row.x_d);
                target.push(samples[cache[row.cached].sample].score as f32);
                match row.small {
                    Some(small) => {
                        rows.push(Row::Fresh(fresh.len()));
                        fresh.push(small);
                    }
                    None => rows.push(Row::Cached(row.cached, row.flip)),
                }
                if let Some((mosaic, damaged)) = row.pair {
                    pair_x_d.extend(mosaic);
                    pair_rows.push(Row::Fresh(fresh.len()));
                    fresh.push(damaged);
                }
                if let Some((mosaic, damaged)) = row.harder {
                    harder_x_d.extend(mosaic);
                    harder_rows.push(Row::Fresh(fresh.len()));
                    fresh.push(damaged);
                }
                if let Some((mosaic, sharpened)) = row.sharpened {
                    sharp_x_d.extend(mosaic);
                    sharp_rows.push(Row::Fresh(fresh.len()));
                    fresh.push(sharpened);
                }
            }
            let (p, q, s) = (pair_rows.len(), harder_rows.len(), sharp_rows.len());
            let n = b + p + q + s;
            let fresh = tokens_of(start, &fresh, norm, device);
            let mut f_s = Vec::with_capacity(n * n_tokens * dim);
            for row in rows
                .iter()
                .chain(&pair_rows)
                .chain(&harder_rows)
                .chain(&sharp_rows)
            {
                f_s.extend_from_slice(match *row {
                    Row::Cached(c, flip) => &cache[c].tokens[usize::from(flip)],
                    Row::Fresh(k) => &fresh[k],
                });
            }
            x_d.extend(pair_x_d);
            x_d.extend(harder_x_d);
            x_d.extend(sharp_x_d);
            let f_s = Tensor::<3>::from_data(TensorData::new(f_s, [n, n_tokens, dim]), &ad);
            let x_d = Tensor::<4>::from_data(TensorData::new(x_d, [n, 3, side, side]), &ad);
            let scores = target.clone();
            let target = Tensor::<1>::from_data(TensorData::new(target, [b]), &ad);
            device.seed(step_seed(cfg.seed, step));
            let pred = net.forward_from_tokens(f_s, x_d).score;
            let mut loss = plcc_loss(pred.clone().slice(0..b), target);
            let spread = pred.clone().slice(0..b).var(0).sqrt().detach() + 1e-6;
            if cfg.order_weight > 0.0 {
                let order = order_loss(pred.clone().slice(0..b), &scores, spread.clone());
                loss = loss + order * cfg.order_weight;
            }
            if p > 0 {
                // Each original above its damaged copy and, on a ladder (the first q rows'
                // copies), each damaged copy above its harder-damaged one.
                let better = Tensor::cat(
                    vec![pred.clone().slice(0..p), pred.clone().slice(b..b + q)],
                    0,
                );
                let worse = Tensor::cat(
                    vec![
                        pred.clone().slice(b..b + p),
                        pred.clone().slice(b + p..b + p + q),
                    ],
                    0,
                );
                loss = loss + rank_loss(better, worse, spread.clone(), cfg.rank_margin);
                if s > 0 {
                    // The sharpened copies (of the first s rows): above the damaged copy,
                    // and no more than the margin below the photo.
                    let sharp = pred.clone().slice(b + p + q..n);
                    let damaged = pred.clone().slice(b..b + s);
                    let photo = pred.slice(0..s);
                    loss = loss
                        + rank_loss(sharp.clone(), damaged, spread.clone(), cfg.rank_margin)
                        + rank_loss(sharp, photo, spread, -cfg.rank_margin);
                }
            }
            let value = f64::from(
                loss.clone()
                    .try_into_vec_as::<f32>()
                    .map_or(f32::NAN, |v| v[0]),
            );
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            let lr = cfg.lr
                * 0.5
                * (1.0 + (std::f64::consts::PI * step as f64 / planned.max(1) as f64).cos());
            net = optim.step(lr, net, grads);
            step += 1;
            if value.is_finite() {
                loss_sum += value;
                loss_n += 1;
            }
            let go_on = on_event(Event::Step(Progress {
                step,
                steps,
                epoch,
                loss: value,
            }));
            if i + 1 == per_epoch {
                // The epoch's end hands over its state; a stop asked for now waits for it.
                stop_after_epoch = !go_on;
                break;
            }
            // A stop keeps the batches trained so far: the state is handed over first, so
            // `--resume` goes on from this batch rather than from the last checkpoint.
            let due = cfg
                .checkpoint_every
                .is_some_and(|every| !go_on || handed_over.elapsed() >= every);
            let mut kept_going = true;
            if due {
                handed_over = Instant::now();
                let snapshot = net.valid().to_device(device);
                kept_going = on_event(Event::Midway {
                    net: &snapshot,
                    checkpoint: Checkpoint {
                        optim: &optim,
                        at: Position {
                            epochs_done: epoch,
                            batches: i + 1,
                            steps: Some(step),
                            rng_pos: epoch_start,
                            loss_sum,
                            loss_n,
                        },
                        best_loss: best.as_ref().map_or(f64::NAN, |(b, _)| *b),
                    },
                });
            }
            if !(go_on && kept_going) {
                stopped_early = true;
                break 'epochs;
            }
        }
        epochs_done = epoch + 1;
        let mean_loss = if loss_n > 0 {
            loss_sum / loss_n as f64
        } else {
            f64::NAN
        };
        let improved = best.as_ref().is_none_or(|(b, _)| mean_loss < *b);
        let snapshot = net.valid().to_device(device);
        if improved {
            best = Some((mean_loss, snapshot.clone()));
        }
        handed_over = Instant::now();
        let go_on = on_event(Event::Epoch {
            epoch,
            mean_loss,
            net: &snapshot,
            best: improved,
            checkpoint: Checkpoint {
                optim: &optim,
                at: Position {
                    epochs_done,
                    steps: Some(step),
                    rng_pos: rng.get_word_pos(),
                    ..Position::default()
                },
                best_loss: best.as_ref().map_or(f64::NAN, |(b, _)| *b),
            },
        });
        if !go_on || stop_after_epoch {
            stopped_early = epoch + 1 < cfg.epochs;
            break;
        }
    }
    let net = match best {
        Some((_, b)) if stopped_early => b,
        _ => net.valid().to_device(device),
    };
    Trained {
        net,
        epochs: epochs_done,
        skipped,
        stopped_early,
        steps: step - first_step,
    }
}

/// Every readable photo's semantic tokens, plain and flipped, with the photos that could not
/// be read; `false` when `on_event` asked to stop before all were cached.
fn cache_tokens(
    start: &GliaNet,
    norm: &Normalization,
    samples: &[Sample],
    device: &Device,
    on_event: &mut dyn FnMut(Event<'_>) -> bool,
) -> (Vec<Cached>, Vec<(std::path::PathBuf, String)>, bool) {
    let mut cache: Vec<Cached> = Vec::new();
    let mut skipped = Vec::new();
    let indexed: Vec<(usize, &Sample)> = samples.iter().enumerate().collect();
    let mut done = 0;
    for chunk in indexed.chunks(TOKEN_BATCH / 2) {
        if !on_event(Event::Caching {
            done,
            total: samples.len(),
        }) {
            return (cache, skipped, false);
        }
        let (mut loaded, mut views) = (Vec::new(), Vec::new());
        for &(i, s) in chunk {
            match load_rgb(&s.path) {
                Ok(img) => {
                    loaded.push((i, img.dimensions()));
                    views.push(img.clone());
                    views.push(view(img, true));
                }
                Err(e) => skipped.push((s.path.clone(), e.to_string())),
            }
        }
        let mut tokens = tokens_of(start, &views, norm, device).into_iter();
        for (sample, size) in loaded {
            if let (Some(plain), Some(flipped)) = (tokens.next(), tokens.next()) {
                cache.push(Cached {
                    sample,
                    tokens: [plain, flipped],
                    size,
                });
            }
        }
        done += chunk.len();
    }
    let go_on = on_event(Event::Caching {
        done,
        total: samples.len(),
    });
    (cache, skipped, go_on)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Model;

    fn picture(w: u32, h: u32, seed: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let v = |k: u32| ((x * (k + seed) + y * (2 * k + 1) + seed * 37) % 256) as u8;
            image::Rgb([v(3), v(5), v(7)])
        })
    }

    /// Each row of a batched backbone forward, in the first chunk and past its end, is the
    /// image's own tokens, as when the image runs alone.
    #[test]
    fn tokens_of_a_batch_equal_each_image_alone() {
        let backbone = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../models/vit_tiny_patch16_224.safetensors");
        let device = Device::flex();
        let model = Model::with_new_adapters(&backbone, 0, &device).expect("shipped backbone");
        let norm = &model.info.normalization;
        let imgs: Vec<RgbImage> = (0..=TOKEN_BATCH as u32)
            .map(|k| picture(180 + 7 * k, 240 - 3 * k, k))
            .collect();
        let together = tokens_of(&model.net, &imgs, norm, &device);
        assert_eq!(together.len(), imgs.len());
        for k in [0, 1, TOKEN_BATCH - 1, TOKEN_BATCH] {
            let alone = tokens_of(&model.net, std::slice::from_ref(&imgs[k]), norm, &device);
            assert_eq!(alone[0].len(), together[k].len());
            let worst = alone[0]
                .iter()
                .zip(&together[k])
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(worst < 1e-3, "row {k}: tokens differ by {worst}");
            // Neighbouring photos differ far more than that, so a row shifted by one fails.
            let other = if k == 0 { 1 } else { k - 1 };
            let apart = alone[0]
                .iter()
                .zip(&together[other])
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(apart > 0.1, "rows {k} and {other} barely differ: {apart}");
        }
    }
}
