//! Training on real LIVEC photos: the model learns its training set, runs are reproducible
//! from the seed, and the progress callback can stop a run.

mod common;

use common::*;
use glia_engine::burn::tensor::Device;
use glia_engine::preprocess::Sampling;
use glia_engine::train::data::{Columns, load_csv};
use glia_engine::train::metrics::spearman;
use glia_engine::train::trainer::{TrainConfig, train};
use glia_engine::{ComputeDevice, Model, ScoreOptions, Scorer};

fn srcc(model: Model, samples: &[glia_engine::train::data::Sample]) -> f64 {
    let scorer = Scorer::new(model, ComputeDevice::cpu("test"));
    let opts = ScoreOptions {
        batch_size: 4,
        decode_threads: 2,
        workers: 2,
        sampling: Sampling::Centered,
    };
    let out = scorer.score_all(samples.iter().map(|s| s.path.clone()).collect(), &opts);
    let pred: Vec<f64> = out
        .iter()
        .map(|r| f64::from(r.outcome.as_ref().unwrap().raw))
        .collect();
    let mos: Vec<f64> = samples.iter().map(|s| s.score).collect();
    spearman(&pred, &mos)
}

#[test]
fn training_learns_its_photos_and_is_reproducible() {
    let Some(shared) = shared("training_learns_its_photos") else {
        return;
    };
    let device = Device::flex();
    let data = load_csv(&shared.join("data/livec/labels.csv"), &Columns::default()).unwrap();
    let samples = &data.samples[..12];
    let backbone = shared.join("models/vit_tiny_patch16_224.safetensors");
    device.seed(1);
    let start = Model::with_new_adapters(&backbone, &device).unwrap();
    let before = srcc(start.clone(), samples);

    let cfg = TrainConfig {
        epochs: 8,
        patch_num: 2,
        batch_size: 6,
        lr: 1e-3,
        seed: 7,
        ..Default::default()
    };
    let mut losses = Vec::new();
    let trained = train(
        &start.net,
        &start.info.normalization,
        samples,
        &cfg,
        &device,
        &mut |p| {
            losses.push(p.loss);
            true
        },
    );
    assert!(trained.skipped.is_empty() && !trained.stopped_early);
    assert_eq!(losses.len(), 8 * (12 * 2 / 6));
    let after = srcc(
        Model {
            net: trained.net,
            ..start.clone()
        },
        samples,
    );
    let (first, last) = (
        losses[..4].iter().sum::<f64>() / 4.0,
        losses[losses.len() - 4..].iter().sum::<f64>() / 4.0,
    );
    eprintln!("training-set SRCC {before:.3} -> {after:.3}; PLCC loss {first:.3} -> {last:.3}");
    assert!(last < first, "loss should fall: {losses:?}");
    assert!(
        after > before + 0.2 && after > 0.6,
        "SRCC {before} -> {after}"
    );

    // Same seed, same first steps; the callback stops the run.
    let mut again = Vec::new();
    let stopped = train(
        &start.net,
        &start.info.normalization,
        samples,
        &cfg,
        &device,
        &mut |p| {
            again.push(p.loss);
            p.step < 3
        },
    );
    assert!(stopped.stopped_early);
    assert_eq!(again.len(), 3);
    for (a, b) in again.iter().zip(&losses) {
        assert!((a - b).abs() < 1e-5, "{again:?} vs {:?}", &losses[..3]);
    }
}
