//! A headless fine-tuning session (`glia train --init default`): it learns a taste the shipped
//! model does not have (darker photos are better) on held-out photos, never writes the start
//! model, and refuses rating sets that cannot teach anything, with a reason.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A ratings CSV of `photos` rated by darkness: 100 − mean luma in percent, computed here
/// with the `image` crate, independently of glia.
fn darkness_csv(photos: impl IntoIterator<Item = PathBuf>, dir: &Path) -> PathBuf {
    let mut csv = String::from("photo,stars\n");
    for path in photos {
        let luma = image::open(&path).unwrap().to_luma8();
        let mean = luma.iter().map(|&v| f64::from(v)).sum::<f64>() / luma.len() as f64;
        csv.push_str(&format!("{},{:.2}\n", path.display(), 100.0 - mean / 2.55));
    }
    let path = dir.join("ratings.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

/// `n` LIVEC photos (every 15th row of its labels) rated by darkness.
fn darkness_ratings(shared: &Path, n: usize, dir: &Path) -> PathBuf {
    let labels = std::fs::read_to_string(shared.join("data/livec/labels.csv")).unwrap();
    let photos: Vec<PathBuf> = labels
        .lines()
        .skip(1)
        .step_by(15)
        .take(n)
        .map(|line| {
            shared
                .join("data/livec")
                .join(line.split(',').next().unwrap())
        })
        .collect();
    darkness_csv(photos, dir)
}

fn glia(args: &[&str], data: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_glia"))
        .args(["train", "--device", "cpu", "--quiet"])
        .args([
            "--image-column",
            "photo",
            "--score-column",
            "stars",
            "--data",
        ])
        .arg(data)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn too_few_or_all_equal_ratings_are_explained_not_trained() {
    let Some(shared) = common::shared("too_few_or_all_equal_ratings") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.safetensors");
    let few = darkness_ratings(&shared, 8, dir.path());
    let run = glia(&["--init", "default", "-o", out.to_str().unwrap()], &few);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        !run.status.success() && stderr.contains("rate at least 12"),
        "{stderr}"
    );

    let equal = dir.path().join("equal.csv");
    let text = std::fs::read_to_string(darkness_ratings(&shared, 14, dir.path())).unwrap();
    let same: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l}\n")
            } else {
                format!("{},3\n", l.split(',').next().unwrap())
            }
        })
        .collect();
    std::fs::write(&equal, same).unwrap();
    let run = glia(&["--init", "default", "-o", out.to_str().unwrap()], &equal);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        !run.status.success() && stderr.contains("same rating"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written when nothing was trained");
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
    // 100 LIVEC photos, every 10th by file name.
    let images = shared.join("data/livec/images");
    let mut names: Vec<String> = std::fs::read_dir(&images)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let photos = names
        .iter()
        .skip(3)
        .step_by(10)
        .take(100)
        .map(|n| images.join(n));
    let data = darkness_csv(photos, dir.path());
    let out = dir.path().join("darker.safetensors");
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/glianet-vit-tiny.safetensors");
    let shipped_bytes = std::fs::read(&shipped).expect("the shipped default model");
    let run = glia(
        &[
            "--init",
            "default",
            "--epochs",
            "6",
            "--patch-num",
            "3",
            "--batch-size",
            "8",
            "--lr",
            "3e-4",
            "-o",
            out.to_str().unwrap(),
        ],
        &data,
    );
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
