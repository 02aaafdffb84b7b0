//! Training on real LIVEC photos: the model learns its training set, runs are reproducible
//! from the seed, a stopped run keeps its best finished epoch, and the first epochs of a longer
//! schedule are those of the longer run.

mod common;

use common::*;
use glia_engine::burn::tensor::Device;
use glia_engine::preprocess::Sampling;
use glia_engine::train::data::{Columns, load_csv};
use glia_engine::train::metrics::spearman;
use std::time::Duration;

use glia_engine::model::GliaNet;
use glia_engine::train::resume::{Checkpoint, Position, Resume};
use glia_engine::train::trainer::{Event, TrainConfig, train};
use glia_engine::{ComputeDevice, Model, ScoreOptions, Scorer};

fn raw_scores(model: Model, samples: &[glia_engine::train::data::Sample]) -> Vec<f64> {
    let scorer = Scorer::new(model, ComputeDevice::cpu("test"));
    let opts = ScoreOptions {
        batch_size: 4,
        decode_threads: 2,
        workers: 2,
        sampling: Sampling::Centered,
        samplings: 0,
        reduced_decode: true,
    };
    let out = scorer.score_all(samples.iter().map(|s| s.path.clone()).collect(), &opts);
    out.iter()
        .map(|r| f64::from(r.outcome.as_ref().unwrap().raw))
        .collect()
}

fn srcc(model: Model, samples: &[glia_engine::train::data::Sample]) -> f64 {
    let pred = raw_scores(model, samples);
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
    let start = Model::with_new_adapters(&backbone, 1, &device).unwrap();
    let before = srcc(start.clone(), samples);

    let cfg = TrainConfig {
        epochs: 8,
        patch_num: 2,
        batch_size: 6,
        lr: 1e-3,
        seed: 7,
        ..Default::default()
    };
    let (mut losses, mut epoch_losses, mut caching) = (Vec::new(), Vec::new(), Vec::new());
    let trained = train(
        &start.net,
        &start.info.normalization,
        samples,
        &cfg,
        &device,
        None,
        &mut |e| {
            match e {
                Event::Caching { done, total } => caching.push((done, total, losses.len())),
                Event::Step(p) => losses.push(p.loss),
                Event::Epoch { mean_loss, .. } => epoch_losses.push(mean_loss),
                Event::Midway { .. } => {}
            }
            true
        },
    );
    assert!(trained.skipped.is_empty() && !trained.stopped_early);
    assert_eq!(losses.len(), 8 * (12 * 2 / 6));
    assert_eq!(trained.steps, losses.len());
    // Caching reports from none to all of the photos, before the first step.
    assert_eq!(caching, [(0, 12, 0), (12, 12, 0)]);
    assert_eq!((epoch_losses.len(), trained.epochs), (8, 8));
    let mean0 = losses[..4].iter().sum::<f64>() / 4.0;
    assert!((epoch_losses[0] - mean0).abs() < 1e-9);
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

    // A stop asked for while caching ends the run before its first step, the start untouched.
    let mut stepped = false;
    let unstarted = train(
        &start.net,
        &start.info.normalization,
        samples,
        &cfg,
        &device,
        None,
        &mut |e| {
            stepped |= matches!(e, Event::Step(_));
            !matches!(e, Event::Caching { .. })
        },
    );
    assert!(!stepped && unstarted.stopped_early);
    assert_eq!((unstarted.steps, unstarted.epochs), (0, 0));
    let untouched = Model {
        net: unstarted.net,
        ..start.clone()
    };
    assert_eq!(
        raw_scores(untouched, samples),
        raw_scores(start.clone(), samples)
    );

    // Same seed, same steps; stopping in the third epoch keeps the best finished epoch.
    let (mut again, mut best) = (Vec::new(), None);
    let stopped = train(
        &start.net,
        &start.info.normalization,
        samples,
        &cfg,
        &device,
        None,
        &mut |e| match e {
            Event::Step(p) => {
                again.push(p.loss);
                p.step < 10
            }
            Event::Epoch { net, best: b, .. } => {
                if b {
                    best = Some(net.clone());
                }
                true
            }
            Event::Midway { .. } | Event::Caching { .. } => true,
        },
    );
    assert!(stopped.stopped_early);
    assert_eq!((again.len(), stopped.epochs), (10, 2));
    for (a, b) in again.iter().zip(&losses) {
        assert!((a - b).abs() < 1e-5, "{again:?} vs {:?}", &losses[..10]);
    }
    let best = Model {
        net: best.expect("an epoch finished"),
        ..start.clone()
    };
    let kept = Model {
        net: stopped.net,
        ..start.clone()
    };
    assert_eq!(raw_scores(best, samples), raw_scores(kept, samples));

    // Three epochs of the 8-epoch schedule: the same learning rates, so the same steps as the
    // full run's first three epochs (a schedule planned over 3 would decay from step 2 on).
    let part = TrainConfig {
        epochs: 3,
        schedule_epochs: Some(8),
        ..cfg.clone()
    };
    let mut first = Vec::new();
    let cut = train(
        &start.net,
        &start.info.normalization,
        samples,
        &part,
        &device,
        None,
        &mut |e| {
            if let Event::Step(p) = e {
                assert_eq!(p.steps, 12, "progress counts the steps that run");
                first.push(p.loss);
            }
            true
        },
    );
    assert!(!cut.stopped_early && cut.epochs == 3);
    assert_eq!(first.len(), 12);
    for (a, b) in first.iter().zip(&losses) {
        assert!((a - b).abs() < 1e-5, "{first:?} vs {:?}", &losses[..12]);
    }
}

/// A run stopped after an epoch, or after a batch part way through one, and resumed from
/// what it handed over takes the same steps as the run that never stopped; without AdamW's
/// moments, or without the batches it had trained in the epoch, it would not.
#[test]
fn a_resumed_run_ends_where_the_unbroken_run_ends() {
    let Some(shared) = shared("a_resumed_run_ends_where_the_unbroken_run_ends") else {
        return;
    };
    let device = Device::flex();
    let data = load_csv(&shared.join("data/livec/labels.csv"), &Columns::default()).unwrap();
    let samples = &data.samples[20..32];
    let backbone = shared.join("models/vit_tiny_patch16_224.safetensors");
    let start = Model::with_new_adapters(&backbone, 3, &device).unwrap();
    // Rescaling, damage pairs, their enlargement, ladders and sharpened copies draw from the
    // sampler too; dropout from the device's seed. Two batches an epoch.
    let cfg = TrainConfig {
        epochs: 3,
        patch_num: 1,
        batch_size: 6,
        lr: 1e-3,
        seed: 11,
        rescale_min: 0.5,
        damage_pairs: 2,
        damage_enlarge: 2.0,
        damage_ladder: true,
        sharpened_pairs: true,
        ..Default::default()
    };
    // Hands over its state after every batch as well; the steps are the same.
    let midway = TrainConfig {
        checkpoint_every: Some(Duration::ZERO),
        ..cfg.clone()
    };
    let handed = |net: &GliaNet, c: &Checkpoint<'_>| Resume {
        at: c.at,
        best_loss: c.best_loss,
        net: net.clone(),
        optimizer: c.optimizer(),
    };
    // Hands over its state only when asked to stop (an hour is never reached here).
    let hourly = TrainConfig {
        checkpoint_every: Some(Duration::from_secs(3600)),
        ..cfg.clone()
    };
    // Runs until `stop_at` (a position a state is handed over at), keeping that state twice
    // (AdamW's record cannot be cloned); `stop_step` asks it to stop after that step, as
    // Ctrl-C does.
    let run = |cfg: &TrainConfig, resume, stop_at: Option<Position>, stop_step: Option<usize>| {
        let mut kept = None;
        let trained = train(
            &start.net,
            &start.info.normalization,
            samples,
            cfg,
            &device,
            resume,
            &mut |e| match e {
                Event::Caching { .. } => true,
                Event::Step(p) => Some(p.step) != stop_step,
                Event::Epoch {
                    net, checkpoint, ..
                }
                | Event::Midway { net, checkpoint } => {
                    let here = Position {
                        steps: None,
                        loss_sum: 0.0,
                        rng_pos: 0,
                        loss_n: 0,
                        ..checkpoint.at
                    };
                    if stop_at != Some(here) {
                        return true;
                    }
                    kept = Some((handed(net, &checkpoint), handed(net, &checkpoint)));
                    false
                }
            },
        );
        let scores = raw_scores(
            Model {
                net: trained.net,
                ..start.clone()
            },
            samples,
        );
        (scores, trained.epochs, kept)
    };
    let same = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .all(|(a, b)| (a - b).abs() <= 1e-5 * b.abs().max(1.0))
    };
    let largest_move = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    };
    let at = |epochs_done, batches| {
        Some(Position {
            epochs_done,
            batches,
            ..Position::default()
        })
    };
    let (unbroken, epochs, _) = run(&cfg, None, None, None);
    assert_eq!(epochs, 3);

    // Stopped at the end of the first epoch.
    let (_, epochs, state) = run(&cfg, None, at(1, 0), None);
    assert_eq!(epochs, 1);
    let (state, copy) = state.expect("the first epoch handed over its state");
    assert_eq!((state.at.steps, state.at.loss_n), (Some(2), 0));
    let forgetful = Resume {
        optimizer: Default::default(),
        ..copy
    };
    let (resumed, epochs, _) = run(&cfg, Some(state), None, None);
    assert_eq!(epochs, 3);
    assert!(same(&resumed, &unbroken), "{resumed:?} vs {unbroken:?}");
    let (fresh_moments, _, _) = run(&cfg, Some(forgetful), None, None);
    let moved = largest_move(&fresh_moments, &unbroken);
    assert!(
        moved > 1e-3,
        "resetting AdamW should change the run: {moved}"
    );

    // Stopped after the first batch of the second epoch.
    let (_, epochs, state) = run(&midway, None, at(1, 1), None);
    assert_eq!(epochs, 1, "the second epoch did not finish");
    let (state, copy) = state.expect("the second epoch handed over its state after a batch");
    assert_eq!((state.at.steps, state.at.loss_n), (Some(3), 1));
    let from_epoch_start = Resume {
        at: Position {
            batches: 0,
            ..copy.at
        },
        ..copy
    };
    let (resumed, epochs, _) = run(&midway, Some(state), None, None);
    assert_eq!(epochs, 3);
    assert!(same(&resumed, &unbroken), "{resumed:?} vs {unbroken:?}");
    // A stop asked for after that batch hands over the same state, and after an epoch's last
    // batch the epoch's state, though neither was due.
    let (_, epochs, state) = run(&hourly, None, at(1, 1), Some(3));
    assert_eq!(epochs, 1);
    let (state, _) = state.expect("a stop part way through an epoch keeps its state");
    assert_eq!((state.at.steps, state.at.loss_n), (Some(3), 1));
    let (resumed, _, _) = run(&hourly, Some(state), None, None);
    assert!(same(&resumed, &unbroken), "{resumed:?} vs {unbroken:?}");
    let (_, epochs, state) = run(&hourly, None, at(1, 0), Some(2));
    assert_eq!(epochs, 1);
    let (state, _) = state.expect("a stop at an epoch's end keeps the epoch");
    assert_eq!(state.at.steps, Some(2));
    // The same state taken up as if no batch of the epoch had run trains one batch twice.
    let (retrained, _, _) = run(&cfg, Some(from_epoch_start), None, None);
    let moved = largest_move(&retrained, &unbroken);
    assert!(
        moved > 1e-3,
        "the epoch's trained batches should count: {moved}"
    );
}
