//! The scoring pipeline on real LIVEC photos and on broken files.

mod common;

use std::path::PathBuf;

use common::*;
use glia_engine::burn::tensor::Device;
use glia_engine::preprocess::{Sampling, TEST_SAMPLING_SEED};
use glia_engine::{ComputeDevice, Model, ScoreOptions, Scorer, discover};

fn scorer(shared: &std::path::Path) -> Scorer {
    let device = Device::flex();
    let model = Model::load(
        &shared.join("golden/glianet_tiny_adapters.safetensors"),
        Some(&shared.join("models/vit_tiny_patch16_224.safetensors")),
        &[],
        &device,
    )
    .unwrap();
    Scorer::new(model, ComputeDevice::cpu("test"))
}

fn livec(shared: &std::path::Path, names: &[&str]) -> Vec<PathBuf> {
    names
        .iter()
        .map(|n| shared.join("data/livec/images").join(n))
        .collect()
}

fn opts(batch_size: usize, workers: usize) -> ScoreOptions {
    ScoreOptions {
        batch_size,
        decode_threads: 2,
        workers,
        sampling: Sampling::Centered,
        samplings: 0,
        reduced_decode: true,
    }
}

fn raws(results: &[glia_engine::Scored]) -> Vec<f32> {
    results
        .iter()
        .map(|r| r.outcome.as_ref().expect("scored").raw)
        .collect()
}

#[test]
fn scores_do_not_depend_on_batch_size_or_company() {
    let Some(shared) = shared("scores_do_not_depend_on_batch_size_or_company") else {
        return;
    };
    let s = scorer(&shared);
    let photos = livec(
        &shared,
        &[
            "10.png", "1000.JPG", "1001.JPG", "1002.JPG", "1003.JPG", "101.png",
        ],
    );
    let one_by_one = raws(&s.score_all(photos.clone(), &opts(1, 1)));
    let batched = raws(&s.score_all(photos.clone(), &opts(4, 2)));
    let all_at_once = raws(&s.score_all(photos.clone(), &opts(6, 1)));
    // The same photo again, now among others and in another order.
    let mut mixed = livec(&shared, &["1004.JPG", "1005.JPG"]);
    mixed.push(photos[3].clone());
    mixed.extend(livec(&shared, &["1007.JPG"]));
    let in_company = raws(&s.score_all(mixed, &opts(4, 1)))[2];
    eprintln!("batch 1: {one_by_one:?}\nbatched: {batched:?}");
    for other in [&batched, &all_at_once] {
        assert!(
            max_abs_diff(&one_by_one, other) < 1e-4,
            "{one_by_one:?} vs {other:?}"
        );
    }
    assert!((in_company - one_by_one[3]).abs() < 1e-4);
    // Photos differ, so the scores do: a constant output would also be "batch independent".
    assert!(one_by_one.iter().any(|&r| (r - one_by_one[0]).abs() > 1e-3));
}

#[test]
fn test_time_sampling_averages_the_seeded_samplings() {
    let Some(shared) = shared("test_time_sampling_averages_the_seeded_samplings") else {
        return;
    };
    let s = scorer(&shared);
    let photos = livec(&shared, &["10.png", "1000.JPG", "1001.JPG", "101.png"]);
    // Reference: one full forward per sampling (semantic view included), averaged here.
    let pass = |sampling| {
        raws(&s.score_all(
            photos.clone(),
            &ScoreOptions {
                sampling,
                ..opts(2, 1)
            },
        ))
    };
    let centred = pass(Sampling::Centered);
    let seeded: Vec<Vec<f32>> = (0..2)
        .map(|k| pass(Sampling::Random(TEST_SAMPLING_SEED + k)))
        .collect();
    let want: Vec<f32> = (0..photos.len())
        .map(|i| (centred[i] + seeded[0][i] + seeded[1][i]) / 3.0)
        .collect();
    let got = raws(&s.score_all(
        photos.clone(),
        &ScoreOptions {
            samplings: 2,
            ..opts(3, 2)
        },
    ));
    assert!(max_abs_diff(&got, &want) < 1e-4, "{got:?} vs {want:?}");
    // Other offsets give other scores, so the average is not just the centred pass.
    assert!(max_abs_diff(&centred, &seeded[0]) > 1e-3, "{centred:?}");
}

#[test]
fn broken_files_are_reported_and_the_run_goes_on() {
    let Some(shared) = shared("broken_files_are_reported_and_the_run_goes_on") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = std::fs::read(shared.join("data/livec/images/1000.JPG")).unwrap();
    std::fs::write(d.join("a_good.jpg"), &good).unwrap();
    std::fs::write(d.join("b_truncated.jpg"), &good[..good.len() / 3]).unwrap();
    std::fs::write(d.join("c_empty.png"), b"").unwrap();
    std::fs::write(d.join("d_corrupt.jpg"), b"\xFF\xD8\xFF\xE0 this is no jpeg").unwrap();
    std::fs::write(d.join("e_notes.txt"), b"shoot notes").unwrap();
    std::fs::write(d.join("f_raw.nef"), b"raw bytes").unwrap();
    std::fs::write(d.join("a_good.jpg.xmp"), b"<x:xmpmeta/>").unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    std::fs::write(
        d.join("sub/g_good.png"),
        std::fs::read(shared.join("data/livec/images/10.png")).unwrap(),
    )
    .unwrap();

    let entries = discover(&[d.to_owned(), d.join("missing.jpg")]);
    let names: Vec<String> = entries
        .iter()
        .map(|e| e.path.file_name().unwrap().to_string_lossy().into())
        .collect();
    assert_eq!(
        names,
        [
            "a_good.jpg",
            "b_truncated.jpg",
            "c_empty.png",
            "d_corrupt.jpg",
            "e_notes.txt",
            "f_raw.nef",
            "g_good.png",
            "missing.jpg"
        ],
        "sidecars are not photos; folders are walked in name order"
    );
    let skip = |n: &str| {
        entries
            .iter()
            .find(|e| e.path.ends_with(n))
            .unwrap()
            .skip
            .clone()
    };
    assert!(skip("e_notes.txt").unwrap().contains("unsupported"));
    // RAW files are read through their embedded preview, so they are scored, not skipped.
    assert!(skip("f_raw.nef").is_none());
    assert!(skip("missing.jpg").unwrap().contains("cannot read"));

    let to_score: Vec<PathBuf> = entries
        .iter()
        .filter(|e| e.skip.is_none())
        .map(|e| e.path.clone())
        .collect();
    let results = scorer(&shared).score_all(to_score, &opts(4, 2));
    let outcome = |n: &str| {
        results
            .iter()
            .find(|r| r.path.ends_with(n))
            .unwrap()
            .outcome
            .clone()
    };
    assert!(outcome("a_good.jpg").is_ok());
    assert!(outcome("g_good.png").is_ok());
    assert!(
        outcome("b_truncated.jpg")
            .unwrap_err()
            .contains("truncated")
    );
    assert!(outcome("c_empty.png").unwrap_err().contains("empty"));
    assert!(outcome("d_corrupt.jpg").is_err());
    // A "RAW" file with no embedded JPEG preview says so.
    assert!(outcome("f_raw.nef").unwrap_err().contains("preview"));
}
