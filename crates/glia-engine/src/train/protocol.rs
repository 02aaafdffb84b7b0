//! The paper's evaluation protocol (docs/model.md §3): seeded 80/20 splits, a model trained on the
//! training part (or a fraction of the data for the data-efficient setting), metrics on the
//! held-out part, and the median over splits. The variants are the paper's ablation rows.

use std::str::FromStr;
use std::time::Instant;

use burn::tensor::Device;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::data::{Sample, Skipped};
use super::metrics::{Metrics, evaluate};
use super::predict::{Prediction, predict_sampled};
use super::probe::{Ridge, cls_features};
use super::splits::{Split, median, split};
use super::trainer::{Event, TrainConfig, train};
use crate::model::{Interactions, Model};
use crate::{ComputeDevice, train::trainer::Trained};

/// What is trained on each split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    /// GLIANet: LGF and GLR.
    Glianet,
    /// Local-global fusion only (GLR off): the paper's ablation.
    LgfOnly,
    /// The frozen CLS → ridge regression, no adapters.
    LinearProbe,
}

impl FromStr for Variant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "glianet" => Ok(Self::Glianet),
            "lgf-only" => Ok(Self::LgfOnly),
            "linear-probe" => Ok(Self::LinearProbe),
            _ => Err(format!(
                "unknown variant {s:?}: use glianet, lgf-only or linear-probe"
            )),
        }
    }
}

impl Variant {
    pub fn interactions(self) -> Interactions {
        Interactions {
            lgf: true,
            glr: self == Self::Glianet,
        }
    }
}

/// The training photos of a split, cut down to `fraction` of all `n` photos for the
/// data-efficient setting (a seeded random subset of the split's training part, so the
/// held-out photos stay the same).
pub fn training_subset(split: &Split, n: usize, fraction: f64, seed: u64) -> Vec<usize> {
    let want = ((n as f64) * fraction).round() as usize;
    if want >= split.train.len() {
        return split.train.clone();
    }
    let mut train = split.train.clone();
    train.shuffle(&mut ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_da7a));
    train.truncate(want);
    train.sort_unstable();
    train
}

/// What each split trains and how its held-out part is scored.
#[derive(Debug, Clone, Copy)]
pub struct SplitPlan {
    pub variant: Variant,
    /// Share of all photos used for training (0.8 = the whole training part).
    pub fraction: f64,
    /// Seeded random samplings averaged with the centred fragments for the `sampled` figures
    /// (0: centred only).
    pub test_samplings: usize,
    /// Fit the trained model's 0–100 line on its training photos (one more pass over them),
    /// so a kept split model scores like a trained one; off when the models are not kept.
    pub calibrate: bool,
}

/// One split's outcome.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SplitReport {
    pub seed: u64,
    pub train: usize,
    pub test: usize,
    /// Scored on centred fragments, as `glia score` does.
    #[serde(flatten)]
    pub metrics: Metrics,
    pub test_samplings: usize,
    /// Scored on the centred fragments averaged with `test_samplings` random samplings.
    pub sampled: Option<Metrics>,
    /// Wall time of the split: caching tokens, training, and scoring the held-out photos.
    pub train_seconds: f64,
    /// Photos that could not be used, with the reason.
    pub skipped: Skipped,
    /// Every held-out photo's predictions, so other statistics can be computed later.
    pub predictions: Vec<Prediction>,
}

/// A finished split: its report and, for the trained variants, the model.
pub struct SplitOutcome {
    pub report: SplitReport,
    pub model: Option<Model>,
}

/// Medians over splits of the figures `pick` chooses, as the paper reports them (`None` when
/// no split has them).
pub fn medians(
    reports: &[SplitReport],
    pick: impl Fn(&SplitReport) -> Option<Metrics>,
) -> Option<(f64, f64)> {
    let chosen: Vec<Metrics> = reports.iter().filter_map(pick).collect();
    if chosen.is_empty() {
        return None;
    }
    let srcc: Vec<f64> = chosen.iter().map(|m| m.srcc).collect();
    let plcc: Vec<f64> = chosen.iter().map(|m| m.plcc).collect();
    Some((median(&srcc), median(&plcc)))
}

/// Runs one split: `base` supplies the backbone (fresh adapters are made on it, seeded by
/// `seed`); `on_event` sees the training progress and may stop it (then `None`).
pub fn run_split(
    base: &Model,
    samples: &[Sample],
    plan: SplitPlan,
    seed: u64,
    cfg: &TrainConfig,
    device: &ComputeDevice,
    on_event: &mut dyn FnMut(Event<'_>) -> bool,
) -> Option<SplitOutcome> {
    let s = split(samples.len(), 0.8, seed);
    let train_idx = training_subset(&s, samples.len(), plan.fraction, seed);
    let pick = |idx: &[usize]| idx.iter().map(|&i| samples[i].clone()).collect::<Vec<_>>();
    let (train_set, test_set) = (pick(&train_idx), pick(&s.test));
    let started = Instant::now();
    let (predictions, skipped, model) = match plan.variant {
        Variant::LinearProbe => {
            let (p, skipped) = linear_probe(base, &train_set, &test_set, &device.device);
            (p, skipped, None)
        }
        variant => {
            let Trained {
                net,
                mut skipped,
                stopped_early,
                ..
            } = train(
                &fresh(base, variant, seed, &device.device),
                &base.info.normalization,
                &train_set,
                &TrainConfig {
                    seed,
                    detail_scale: base.info.detail_scale,
                    ..cfg.clone()
                },
                &device.device,
                None,
                on_event,
            );
            if stopped_early {
                return None;
            }
            let mut model = base.clone();
            model.info.adapters = net.config.clone();
            model.net = net;
            if plan.calibrate {
                super::calibrate(&mut model, device, &train_set);
            }
            let (p, more) = predict_sampled(
                model.clone(),
                device,
                &test_set,
                plan.test_samplings,
                &mut || {},
            );
            skipped.extend(more);
            (p, skipped, Some(model))
        }
    };
    let metrics_of = |f: fn(&Prediction) -> f64| {
        let pred: Vec<f64> = predictions.iter().map(f).collect();
        let mos: Vec<f64> = predictions.iter().map(|p| p.mos).collect();
        evaluate(&pred, &mos)
    };
    let sampled = predictions.iter().all(|p| !p.random.is_empty()) && !predictions.is_empty();
    let report = SplitReport {
        seed,
        train: train_set.len(),
        test: test_set.len(),
        metrics: metrics_of(|p| p.centred),
        test_samplings: if sampled { plan.test_samplings } else { 0 },
        sampled: sampled.then(|| metrics_of(Prediction::averaged)),
        train_seconds: started.elapsed().as_secs_f64(),
        skipped,
        predictions,
    };
    Some(SplitOutcome { report, model })
}

fn fresh(base: &Model, variant: Variant, seed: u64, device: &Device) -> crate::model::GliaNet {
    base.info
        .adapters
        .clone()
        .with_interactions(variant.interactions())
        .init_seeded(base.net.backbone.clone(), seed, device)
}

fn linear_probe(
    base: &Model,
    train_set: &[Sample],
    test_set: &[Sample],
    device: &Device,
) -> (Vec<Prediction>, Skipped) {
    let norm = &base.info.normalization;
    let (train_x, mut skipped) = cls_features(&base.net, norm, train_set, device);
    let (test_x, more) = cls_features(&base.net, norm, test_set, device);
    skipped.extend(more);
    let (x, y): (Vec<Vec<f32>>, Vec<f64>) = train_x
        .into_iter()
        .zip(train_set)
        .filter_map(|(f, s)| Some((f?, s.score)))
        .unzip();
    let mut out = Vec::new();
    if let Some(ridge) = Ridge::fit(&x, &y, 1.0) {
        for (f, s) in test_x.iter().zip(test_set) {
            if let Some(f) = f {
                out.push(Prediction {
                    path: s.path.clone(),
                    mos: s.score,
                    centred: ridge.predict(f),
                    random: Vec::new(),
                });
            }
        }
    }
    (out, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_efficient_subsets_keep_the_held_out_part() {
        let s = split(100, 0.8, 3);
        for fraction in [0.2, 0.4, 0.6] {
            let sub = training_subset(&s, 100, fraction, 3);
            assert_eq!(sub.len(), (100.0 * fraction) as usize);
            assert!(
                sub.iter()
                    .all(|i| s.train.contains(i) && !s.test.contains(i))
            );
            assert_eq!(sub, training_subset(&s, 100, fraction, 3));
        }
        // Another seed picks other photos; the full fraction is the whole training part.
        assert_ne!(
            training_subset(&s, 100, 0.2, 3),
            training_subset(&s, 100, 0.2, 4)
        );
        assert_eq!(training_subset(&s, 100, 0.8, 3), s.train);
    }

    #[test]
    fn variants_parse_and_switch_glr() {
        assert!(!"lgf-only".parse::<Variant>().unwrap().interactions().glr);
        assert!("glianet".parse::<Variant>().unwrap().interactions().glr);
        assert!("probe".parse::<Variant>().is_err());
    }

    #[test]
    fn medians_skip_splits_without_the_figures() {
        let m = |srcc: f64, plcc: f64| Metrics {
            srcc,
            plcc,
            krcc: 0.0,
            rmse: 0.0,
            n: 10,
        };
        let report = |metrics: Metrics, sampled: Option<Metrics>| SplitReport {
            seed: 0,
            train: 40,
            test: 10,
            metrics,
            test_samplings: usize::from(sampled.is_some()),
            sampled,
            train_seconds: 0.0,
            skipped: Vec::new(),
            predictions: Vec::new(),
        };
        let reports = [
            report(m(0.1, 0.9), None),
            report(m(0.5, 0.2), Some(m(0.6, 0.7))),
            report(m(0.3, 0.4), Some(m(0.2, 0.3))),
        ];
        assert_eq!(medians(&reports, |r| Some(r.metrics)), Some((0.3, 0.4)));
        assert_eq!(medians(&reports, |r| r.sampled), Some((0.4, 0.5)));
        assert_eq!(medians(&reports[..1], |r| r.sampled), None);
    }
}
