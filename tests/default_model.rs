//! The shipped default model (`models/`): `glia score FOLDER` uses it without `--model`, it
//! orders LIVEC photos like their opinion scores, and it scores graded blur, JPEG compression
//! and noise below the photo they were made from, worse for heavier damage.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use glia_engine::train::metrics::{pearson, spearman};
use image::RgbImage;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `(image path relative to data/livec, MOS)` of every row of LIVEC's labels.
fn livec(shared: &Path) -> Vec<(String, f64)> {
    let labels = std::fs::read_to_string(shared.join("data/livec/labels.csv")).unwrap();
    labels
        .lines()
        .skip(1)
        .map(|line| {
            let mut parts = line.split(',');
            let image = parts.next().unwrap().to_string();
            (image, parts.next().unwrap().parse().unwrap())
        })
        .collect()
}

/// Runs `glia score --json` with the shipped default on `inputs`; file name → 0–100 score.
fn score_with_default(inputs: &[PathBuf]) -> HashMap<String, f64> {
    let items = common::json_stdout(
        Command::new(env!("CARGO_BIN_EXE_glia"))
            .args(["score", "--json", "--quiet", "--device", "cpu"])
            .args(inputs),
    );
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let path = PathBuf::from(item["path"].as_str().unwrap());
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, item["score"].as_f64().expect("every photo scores"))
        })
        .collect()
}

#[test]
fn default_model_orders_livec_photos_like_their_opinion_scores() {
    let Some(shared) = common::shared("default_model_orders_livec") else {
        return;
    };
    // A fixed subset (every 20th photo), copied into a folder as a user's shoot would be.
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<(String, f64)> = livec(&shared).into_iter().step_by(20).collect();
    for (image, _) in &rows {
        let src = shared.join("data/livec").join(image);
        std::fs::copy(&src, dir.path().join(src.file_name().unwrap())).unwrap();
    }
    let scores = score_with_default(&[dir.path().to_path_buf()]);
    assert_eq!(scores.len(), rows.len());
    let (mut pred, mut mos) = (Vec::new(), Vec::new());
    for (image, m) in &rows {
        let name = Path::new(image).file_name().unwrap().to_string_lossy();
        pred.push(scores[name.as_ref()]);
        mos.push(*m);
    }
    let (srcc, plcc) = (spearman(&pred, &mos), pearson(&pred, &mos));
    eprintln!(
        "default model on {} LIVEC photos: SRCC {srcc:.3} PLCC {plcc:.3}",
        rows.len()
    );
    // These photos were in its training set: agreement must be high.
    assert!(srcc > 0.8 && plcc > 0.8, "SRCC {srcc} PLCC {plcc}");
    // Its 0–100 scale is LIVEC's MOS scale (fitted at training time).
    let mean_pred = pred.iter().sum::<f64>() / pred.len() as f64;
    let mean_mos = mos.iter().sum::<f64>() / mos.len() as f64;
    assert!(
        (mean_pred - mean_mos).abs() < 10.0,
        "{mean_pred} vs {mean_mos}"
    );
}

fn gaussian_noise(img: &RgbImage, sigma: f64, seed: u64) -> RgbImage {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = img.clone();
    for v in out.iter_mut() {
        // Box–Muller.
        let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-12), rng.random());
        let n = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        *v = (f64::from(*v) + sigma * n).round().clamp(0.0, 255.0) as u8;
    }
    out
}

fn write_jpeg(img: &RgbImage, quality: u8, path: &Path) {
    let mut file = std::fs::File::create(path).unwrap();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut file, quality)
        .encode_image(img)
        .unwrap();
}

#[test]
fn default_model_scores_heavier_blur_compression_and_noise_lower() {
    let Some(shared) = common::shared("default_model_distortions") else {
        return;
    };
    // Photos with high opinion scores (damage is visible on them), fixed by name.
    let mut rows = livec(&shared);
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    let photos: Vec<String> = rows
        .iter()
        .step_by(10)
        .take(8)
        .map(|r| r.0.clone())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let kinds: [(&str, [f64; 3]); 3] = [
        ("blur", [1.0, 2.5, 5.0]),
        ("jpeg", [30.0, 10.0, 3.0]),
        ("noise", [8.0, 20.0, 45.0]),
    ];
    let mut files = Vec::new();
    for (p, photo) in photos.iter().enumerate() {
        let img = image::open(shared.join("data/livec").join(photo))
            .unwrap()
            .to_rgb8();
        let original = dir.path().join(format!("p{p}-orig.png"));
        img.save(&original).unwrap();
        files.push(original);
        for (kind, levels) in &kinds {
            for (l, &level) in levels.iter().enumerate() {
                let path = dir.path().join(format!(
                    "p{p}-{kind}{l}.{}",
                    if *kind == "jpeg" { "jpg" } else { "png" }
                ));
                match *kind {
                    "blur" => image::imageops::blur(&img, level as f32)
                        .save(&path)
                        .unwrap(),
                    "jpeg" => write_jpeg(&img, level as u8, &path),
                    _ => gaussian_noise(&img, level, p as u64).save(&path).unwrap(),
                }
                files.push(path);
            }
        }
    }
    let scores = score_with_default(&files);
    let score = |p: usize, tag: &str| {
        let ext = if tag.starts_with("jpeg") {
            "jpg"
        } else {
            "png"
        };
        scores[&format!("p{p}-{tag}.{ext}")]
    };
    for (kind, _) in &kinds {
        let (mut steps_down, mut means) = (0, [0.0; 4]);
        for p in 0..photos.len() {
            let chain: Vec<f64> = std::iter::once(score(p, "orig"))
                .chain((0..3).map(|l| score(p, &format!("{kind}{l}"))))
                .collect();
            steps_down += chain.windows(2).filter(|w| w[1] < w[0]).count();
            for (m, s) in means.iter_mut().zip(&chain) {
                *m += s / photos.len() as f64;
            }
            // The heaviest damage always scores below the untouched photo.
            assert!(
                chain[3] < chain[0],
                "{kind}, photo {}: {chain:?}",
                photos[p]
            );
        }
        eprintln!(
            "{kind}: mean score by level {means:.1?}; {steps_down}/{} steps down",
            3 * photos.len()
        );
        assert!(means.windows(2).all(|w| w[1] < w[0]), "{kind}: {means:?}");
        assert!(
            steps_down * 10 >= 3 * photos.len() * 8,
            "{kind}: {steps_down} steps down"
        );
    }
}
