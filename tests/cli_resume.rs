//! `glia train` killed part way through an epoch and taken up with `--resume` writes the
//! model the run that was never stopped writes.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The training command shared by every run; `--checkpoint-minutes 0` keeps the state after
/// every batch, so a kill lands between kept states.
fn train(shared: &Path, data: &Path, out: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_glia"));
    cmd.args([
        "train",
        "--epochs",
        "2",
        "--patch-num",
        "2",
        "--batch-size",
        "6",
        "--lr",
        "1e-3",
        "--seed",
        "5",
        "--rescale-min",
        "0.5",
        "--damage-pairs",
        "2",
        "--device",
        "cpu",
        "--checkpoint-minutes",
        "0",
        "--quiet",
        "--backbone",
    ])
    .arg(shared.join("models/vit_tiny_patch16_224.safetensors"))
    .arg("--data")
    .arg(data)
    .arg("-o")
    .arg(out);
    cmd
}

fn scores(shared: &Path, model: &Path, photos: &[PathBuf]) -> Vec<f64> {
    let items = common::json_stdout(
        Command::new(env!("CARGO_BIN_EXE_glia"))
            .args(["score", "--json", "--quiet", "--device", "cpu", "--model"])
            .arg(model)
            .arg("--backbone")
            .arg(shared.join("models/vit_tiny_patch16_224.safetensors"))
            .args(photos),
    );
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["score"].as_f64().unwrap())
        .collect()
}

/// Batches into the epoch under way, per the kept state (None while there is none).
fn kept_batches(out: &Path) -> Option<(u64, u64)> {
    let mut dir = out.as_os_str().to_owned();
    dir.push(".resume");
    let text = std::fs::read(Path::new(&dir).join("state.json")).ok()?;
    let state: serde_json::Value = serde_json::from_slice(&text).ok()?;
    Some((state["epochs_done"].as_u64()?, state["batches"].as_u64()?))
}

#[test]
fn a_run_killed_mid_epoch_resumes_to_the_unbroken_runs_model() {
    let Some(shared) = common::shared("a_run_killed_mid_epoch_resumes") else {
        return;
    };
    let labels = std::fs::read_to_string(shared.join("data/livec/labels.csv")).unwrap();
    let mut csv = String::from("image,mos\n");
    let mut photos = Vec::new();
    for line in labels.lines().skip(41).take(12) {
        let mut parts = line.split(',');
        let (image, mos) = (parts.next().unwrap(), parts.next().unwrap());
        let path = shared.join("data/livec").join(image);
        csv.push_str(&format!("{},{mos}\n", path.display()));
        photos.push(path);
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ratings.csv");
    std::fs::write(&data, csv).unwrap();
    let (unbroken, killed) = (
        dir.path().join("unbroken.safetensors"),
        dir.path().join("killed.safetensors"),
    );

    let run = train(&shared, &data, &unbroken).output().unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    // 12 photos × 2 samplings in batches of 6: four batches an epoch. Killed as soon as a
    // batch of the first epoch is kept, as a machine going away would stop it.
    let mut child = train(&shared, &data, &killed).spawn().unwrap();
    let began = Instant::now();
    loop {
        if kept_batches(&killed).is_some_and(|(_, b)| b > 0) {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it kept a state part way through an epoch"
        );
        assert!(began.elapsed() < Duration::from_secs(900), "no state kept");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let (epochs, batches) = kept_batches(&killed).unwrap();
    assert!(
        batches > 0,
        "the kept state should be part way through an epoch: {epochs} epochs, {batches} batches"
    );
    if epochs == 0 {
        assert!(
            !killed.exists(),
            "no epoch finished, so no model was written yet"
        );
    }

    let run = train(&shared, &data, &killed)
        .arg("--resume")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let file = glia_engine::model::tensor_file::TensorFile::open(&killed).unwrap();
    assert_eq!(
        file.metadata()["resumed_after"],
        format!("batch {batches} of epoch {}", epochs + 1)
    );

    let (a, b) = (
        scores(&shared, &unbroken, &photos),
        scores(&shared, &killed, &photos),
    );
    assert_eq!(a.len(), 12);
    for (x, y) in a.iter().zip(&b) {
        // Scores are printed to 2 decimals.
        assert!((x - y).abs() <= 0.011, "{a:?} vs {b:?}");
    }
    // The photos' scores differ from each other, so agreement is not a constant's.
    let spread =
        a.iter().cloned().fold(f64::MIN, f64::max) - a.iter().cloned().fold(f64::MAX, f64::min);
    assert!(spread > 1.0, "{a:?}");
}
