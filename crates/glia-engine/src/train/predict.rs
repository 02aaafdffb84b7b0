//! Scoring photos with known opinion scores: the raw model outputs the metrics are computed
//! from, on the centred fragments `glia score` uses and, optionally, on seeded random
//! samplings of the fragment offsets averaged with them.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::data::{Sample, Skipped};
use crate::ComputeDevice;
use crate::model::Model;
use crate::pipeline::{ScoreOptions, Scored, Scorer};

/// One held-out photo's raw predictions: from the centred fragments (what `glia score` uses)
/// and from each seeded random sampling of the fragment offsets (docs/model.md §1: centred
/// offsets, optionally averaged with K seeded random samplings).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Prediction {
    pub path: PathBuf,
    pub mos: f64,
    pub centred: f64,
    pub random: Vec<f64>,
}

impl Prediction {
    /// The centred prediction averaged with the random samplings.
    pub fn averaged(&self) -> f64 {
        (self.centred + self.random.iter().sum::<f64>()) / (1 + self.random.len()) as f64
    }
}

/// Predictions of `model` for `samples`: centred fragments, plus `samplings` seeded random
/// samplings of the offsets, all from one run of the pipeline (the semantic view runs once
/// per photo). Photos that cannot be scored are listed with the reason. `on_scored` is
/// called once per photo.
pub fn predict_sampled(
    model: Model,
    device: &ComputeDevice,
    samples: &[Sample],
    samplings: usize,
    on_scored: &mut dyn FnMut(),
) -> (Vec<Prediction>, Skipped) {
    let scorer = Scorer::new(model, device.clone());
    let paths: Vec<PathBuf> = samples.iter().map(|s| s.path.clone()).collect();
    let opts = ScoreOptions {
        samplings,
        ..ScoreOptions::for_device(device)
    };
    let mut results: Vec<Scored> = scorer
        .run(paths, &opts, Arc::new(AtomicBool::new(false)))
        .iter()
        .inspect(|_| on_scored())
        .collect();
    results.sort_by_key(|r| r.index);
    let mut skipped = Vec::new();
    let mut found = Vec::with_capacity(results.len());
    for r in results {
        match r.outcome {
            Ok(s) => {
                let (centred, random) = s.mosaics.split_first().unwrap_or((&s.raw, &[]));
                found.push(Prediction {
                    path: r.path,
                    mos: samples[r.index].score,
                    centred: f64::from(*centred),
                    random: random.iter().map(|&v| f64::from(v)).collect(),
                });
            }
            Err(e) => skipped.push((r.path, e)),
        }
    }
    (found, skipped)
}

/// Raw predictions of `model` for `samples` (centred fragments), paired with their scores.
pub fn predict(
    model: Model,
    device: &ComputeDevice,
    samples: &[Sample],
) -> (Vec<f64>, Vec<f64>, Skipped) {
    let (found, skipped) = predict_sampled(model, device, samples, 0, &mut || {});
    let (pred, mos) = found.iter().map(|p| (p.centred, p.mos)).unzip();
    (pred, mos, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averaged_prediction_weighs_the_centred_one_like_each_sampling() {
        let p = Prediction {
            path: PathBuf::from("a.jpg"),
            mos: 50.0,
            centred: 1.0,
            random: vec![2.0, 4.0, 5.0],
        };
        assert_eq!(p.averaged(), 3.0);
        assert_eq!(
            Prediction {
                random: vec![],
                ..p
            }
            .averaged(),
            1.0
        );
    }
}
