//! `glia train --splits N`: the paper's protocol on a handful of LIVEC photos.

mod common;

use std::path::Path;
use std::process::Command;

fn livec_csv(shared: &Path, n: usize, dir: &Path) -> std::path::PathBuf {
    let labels = std::fs::read_to_string(shared.join("data/livec/labels.csv")).unwrap();
    let mut csv = String::from("image,mos\n");
    for line in labels.lines().skip(1).step_by(30).take(n) {
        let mut parts = line.split(',');
        let (image, mos) = (parts.next().unwrap(), parts.next().unwrap());
        let path = shared.join("data/livec").join(image);
        csv.push_str(&format!("{},{mos}\n", path.display()));
    }
    let path = dir.join("data.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

fn protocol(shared: &Path, data: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_glia"))
        .args(["train", "--quiet", "--device", "cpu", "--backbone"])
        .arg(shared.join("models/vit_tiny_patch16_224.safetensors"))
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn splits_report_each_split_and_the_median() {
    let Some(shared) = common::shared("splits_report_each_split") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = livec_csv(&shared, 30, dir.path());
    let report = dir.path().join("report.json");
    let run = protocol(
        &shared,
        &data,
        &[
            "--splits",
            "3",
            "--seed",
            "5",
            "--variant",
            "linear-probe",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let on_disk: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json, on_disk);
    let splits = json["splits"].as_array().unwrap();
    assert_eq!(splits.len(), 3);
    let mut srcc = Vec::new();
    for (i, s) in splits.iter().enumerate() {
        assert_eq!(s["seed"], 5 + i as u64);
        assert_eq!(
            (s["train"].as_u64(), s["test"].as_u64()),
            (Some(24), Some(6))
        );
        srcc.push(s["srcc"].as_f64().unwrap());
    }
    // Different seeds hold out different photos, so the figures differ.
    assert!(srcc[0] != srcc[1] || srcc[1] != srcc[2], "{srcc:?}");
    srcc.sort_by(f64::total_cmp);
    assert_eq!(json["median_srcc"].as_f64().unwrap(), srcc[1]);
}

#[test]
fn data_efficient_split_trains_on_its_fraction_and_tests_on_the_same_fifth() {
    let Some(shared) = common::shared("data_efficient_split") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = livec_csv(&shared, 30, dir.path());
    let run = protocol(
        &shared,
        &data,
        &[
            "--splits",
            "1",
            "--train-fraction",
            "0.4",
            "--epochs",
            "1",
            "--patch-num",
            "1",
            "--batch-size",
            "4",
            "--test-samplings",
            "2",
            "--save-models",
            dir.path().join("models").to_str().unwrap(),
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let split = &json["splits"][0];
    check_saved_model_scores_like_the_report(&shared, dir.path(), split);
    assert_eq!(
        (split["train"].as_u64(), split["test"].as_u64()),
        (Some(12), Some(6))
    );
    assert_eq!(json["variant"], "glianet");
    for key in ["srcc", "plcc", "krcc", "rmse"] {
        assert!(
            split[key].as_f64().is_some_and(f64::is_finite),
            "{key}: {split}"
        );
    }

    let bad = protocol(
        &shared,
        &data,
        &["--splits", "1", "--train-fraction", "0.9"],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("held-out 20 %"));
}

/// The saved model, run again by `glia eval` on the held-out photos listed in the report,
/// must give the report's figures: centred, and centred + the same 2 random samplings.
fn check_saved_model_scores_like_the_report(shared: &Path, dir: &Path, split: &serde_json::Value) {
    let predictions = split["predictions"].as_array().unwrap();
    assert_eq!(predictions.len(), 6);
    let mut csv = String::from("image,mos\n");
    for p in predictions {
        let random = p["random"].as_array().unwrap();
        assert_eq!(random.len(), 2, "{p}");
        // Random offsets cut other fragments than the centred ones.
        assert!(random.iter().any(|r| r != &p["centred"]), "{p}");
        csv.push_str(&format!("{},{}\n", p["path"].as_str().unwrap(), p["mos"]));
    }
    let held_out = dir.join("held-out.csv");
    std::fs::write(&held_out, csv).unwrap();
    let model = dir.join("models/split-seed0.safetensors");
    assert!(model.is_file(), "no model saved at {}", model.display());
    for (samplings, want) in [("0", &split), ("2", &&split["sampled"])] {
        let got = common::json_stdout(
            Command::new(env!("CARGO_BIN_EXE_glia"))
                .args([
                    "eval",
                    "--json",
                    "--quiet",
                    "--device",
                    "cpu",
                    "--test-samplings",
                    samplings,
                ])
                .arg("--model")
                .arg(&model)
                .arg("--backbone")
                .arg(shared.join("models/vit_tiny_patch16_224.safetensors"))
                .arg("--data")
                .arg(&held_out),
        );
        for key in ["srcc", "plcc", "krcc", "rmse"] {
            let (a, b) = (got[key].as_f64().unwrap(), want[key].as_f64().unwrap());
            assert!(
                (a - b).abs() < 1e-4,
                "{samplings} samplings, {key}: eval {a}, report {b}"
            );
        }
    }
}
