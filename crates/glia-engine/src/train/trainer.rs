//! Training the adapters and head (DESIGN.md §3): the frozen semantic tokens are computed once
//! per photo and flip and cached, so each step runs only the detail stream; gradients flow
//! through the frozen backbone into the GLIA blocks. AdamW, cosine decay per step, PLCC loss,
//! random flips and fragment offsets, all from one seed.

use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use image::RgbImage;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::data::Sample;
use super::loss::plcc_loss;
use crate::model::GliaNet;
use crate::preprocess::{
    INPUT, Normalization, Sampling, fragment_mosaic, load_rgb, normalize, resize,
};

#[derive(Debug, Clone)]
pub struct TrainConfig {
    pub epochs: usize,
    /// Samplings of each photo per epoch (LIVEC 5, KonIQ 3).
    pub patch_num: usize,
    pub batch_size: usize,
    pub lr: f64,
    pub weight_decay: f32,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 10,
            patch_num: 5,
            batch_size: 16,
            lr: 3e-4,
            weight_decay: 1e-2,
            seed: 0,
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
    Step(Progress),
    Epoch {
        epoch: usize,
        mean_loss: f64,
        net: &'a GliaNet,
        best: bool,
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
}

fn view(img: &RgbImage, flip: bool) -> RgbImage {
    if flip {
        image::imageops::flip_horizontal(img)
    } else {
        img.clone()
    }
}

/// Trains `start` (on a plain device) on `samples`.
pub fn train(
    start: &GliaNet,
    norm: &Normalization,
    samples: &[Sample],
    cfg: &TrainConfig,
    device: &Device,
    on_event: &mut dyn FnMut(Event<'_>) -> bool,
) -> Trained {
    device.seed(cfg.seed);
    let side = INPUT as usize;
    let plane = 3 * side * side;
    // Frozen semantic tokens per photo and flip: [no flip, flip].
    let mut cache: Vec<(usize, [Vec<f32>; 2])> = Vec::new();
    let mut skipped = Vec::new();
    for (i, s) in samples.iter().enumerate() {
        let img = match load_rgb(&s.path) {
            Ok(img) => img,
            Err(e) => {
                skipped.push((s.path.clone(), e.to_string()));
                continue;
            }
        };
        let tokens = [false, true].map(|flip| {
            let x = normalize(&resize(&view(&img, flip), INPUT, INPUT), norm);
            let x = Tensor::<4>::from_data(TensorData::new(x, [1, 3, side, side]), device);
            start
                .semantic_tokens(x)
                .try_into_vec_as::<f32>()
                .expect("semantic tokens")
        });
        cache.push((i, tokens));
    }
    let [_, n_tokens, dim] = start.backbone.pos_embed.dims();

    let ad = device.clone().autodiff();
    let mut net = start.clone().fork(&ad).train();
    let mut optim = AdamWConfig::new()
        .with_weight_decay(cfg.weight_decay)
        .init();
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let batch = cfg.batch_size.max(2);
    let per_epoch = (cache.len() * cfg.patch_num.max(1)) / batch;
    let steps = per_epoch * cfg.epochs;
    let mut step = 0;
    let mut stopped_early = false;
    let mut best: Option<(f64, GliaNet)> = None;
    let mut epochs_done = 0;
    'epochs: for epoch in 0..cfg.epochs {
        let (mut loss_sum, mut loss_n) = (0.0, 0usize);
        let mut order: Vec<usize> = (0..cache.len())
            .flat_map(|c| std::iter::repeat_n(c, cfg.patch_num.max(1)))
            .collect();
        order.shuffle(&mut rng);
        for chunk in order.chunks_exact(batch) {
            let (mut f_s, mut x_d, mut target) =
                (Vec::new(), Vec::with_capacity(batch * plane), Vec::new());
            for &c in chunk {
                let (i, tokens) = &cache[c];
                let flip = rng.random_bool(0.5);
                let img = match load_rgb(&samples[*i].path) {
                    Ok(img) => view(&img, flip),
                    Err(_) => continue, // decoded once already; a vanished file only thins this batch
                };
                let (mosaic, _) = fragment_mosaic(&img, Sampling::Random(rng.random()));
                x_d.extend(normalize(&mosaic, norm));
                f_s.extend_from_slice(&tokens[usize::from(flip)]);
                target.push(samples[*i].score as f32);
            }
            let b = target.len();
            if b < 2 {
                continue;
            }
            let f_s = Tensor::<3>::from_data(TensorData::new(f_s, [b, n_tokens, dim]), &ad);
            let x_d = Tensor::<4>::from_data(TensorData::new(x_d, [b, 3, side, side]), &ad);
            let target = Tensor::<1>::from_data(TensorData::new(target, [b]), &ad);
            let loss = plcc_loss(net.forward_from_tokens(f_s, x_d).score, target);
            let value = f64::from(
                loss.clone()
                    .try_into_vec_as::<f32>()
                    .map_or(f32::NAN, |v| v[0]),
            );
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            let lr = cfg.lr
                * 0.5
                * (1.0 + (std::f64::consts::PI * step as f64 / steps.max(1) as f64).cos());
            net = optim.step(lr, net, grads);
            step += 1;
            if value.is_finite() {
                loss_sum += value;
                loss_n += 1;
            }
            if !on_event(Event::Step(Progress {
                step,
                steps,
                epoch,
                loss: value,
            })) {
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
        let go_on = on_event(Event::Epoch {
            epoch,
            mean_loss,
            net: &snapshot,
            best: improved,
        });
        if !go_on {
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
    }
}
