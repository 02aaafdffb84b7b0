//! A headless fine-tuning session (`glia train --init default`) learns a taste the shipped
//! model does not have — darker photos are better — from 100 rated LIVEC photos, checked on
//! the 20 it holds out; the start model is never written.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// 100 LIVEC photos (every 10th by name) rated by darkness: 100 − mean luma in percent,
/// computed here with the `image` crate, independently of glia.
fn darkness_ratings(shared: &Path, dir: &Path) -> PathBuf {
    let images = shared.join("data/livec/images");
    let mut names: Vec<String> = std::fs::read_dir(&images)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut csv = String::from("photo,stars\n");
    for name in names.iter().skip(3).step_by(10).take(100) {
        let path = images.join(name);
        let luma = image::open(&path).unwrap().to_luma8();
        let mean = luma.iter().map(|&v| f64::from(v)).sum::<f64>() / luma.len() as f64;
        csv.push_str(&format!("{},{:.2}\n", path.display(), 100.0 - mean / 2.55));
    }
    let path = dir.join("ratings.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

/// `(before, after)` held-out SRCC from the session's summary line.
fn srcc_before_after(stdout: &str) -> (f64, f64) {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("held out"))
        .unwrap_or_else(|| panic!("no summary in {stdout}"));
    let nums: Vec<f64> = line
        .split("SRCC ")
        .skip(1)
        .map(|s| s.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    (nums[0], nums[1])
}

#[test]
fn fine_tuning_learns_a_users_taste_on_held_out_photos() {
    let Some(shared) = common::shared("fine_tuning_learns_a_users_taste") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = darkness_ratings(&shared, dir.path());
    let out = dir.path().join("darker.safetensors");
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/glianet-vit-tiny.safetensors");
    let shipped_bytes = std::fs::read(&shipped).expect("the shipped default model");
    let run = Command::new(env!("CARGO_BIN_EXE_glia"))
        .args(["train", "--device", "cpu", "--quiet", "--init", "default"])
        .args([
            "--image-column",
            "photo",
            "--score-column",
            "stars",
            "--data",
        ])
        .arg(&data)
        .args([
            "--epochs",
            "6",
            "--patch-num",
            "3",
            "--batch-size",
            "8",
            "--lr",
            "3e-4",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains("held out 20 of 100 rated photos"),
        "{stdout}"
    );
    let (before, after) = srcc_before_after(&stdout);
    assert!(
        after > before + 0.3 && after > 0.3,
        "held-out SRCC against the darkness rule: {before} -> {after}"
    );
    assert!(out.is_file());
    assert_eq!(
        std::fs::read(&shipped).unwrap(),
        shipped_bytes,
        "the default is never written"
    );
}
