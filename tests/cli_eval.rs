//! `glia eval` on a LIVEC subset with a broken row.

mod common;

use std::process::Command;

#[test]
fn eval_reports_metrics_and_skipped_rows() {
    let Some(shared) = common::shared("eval_reports_metrics_and_skipped_rows") else {
        return;
    };
    let labels = std::fs::read_to_string(shared.join("data/livec/labels.csv")).unwrap();
    let images = shared.join("data/livec");
    let mut csv = String::from("file,quality\n");
    for line in labels.lines().skip(1).take(12) {
        let mut parts = line.split(',');
        let (image, mos) = (parts.next().unwrap(), parts.next().unwrap());
        csv.push_str(&format!("{},{mos}\n", images.join(image).display()));
    }
    csv.push_str("/nonexistent/photo.jpg,50\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.csv");
    std::fs::write(&path, csv).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_glia"))
        .args([
            "eval",
            "--json",
            "--device",
            "cpu",
            "--image-column",
            "file",
            "--score-column",
            "quality",
            "--model",
        ])
        .arg(shared.join("golden/glianet_tiny_adapters.safetensors"))
        .arg("--backbone")
        .arg(shared.join("models/vit_tiny_patch16_224.safetensors"))
        .arg("--data")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("data.csv:14: skipped: image /nonexistent/photo.jpg not found"),
        "{stderr}"
    );
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["n"], 12);
    for key in ["srcc", "plcc", "krcc"] {
        let v = m[key].as_f64().unwrap();
        assert!((-1.0..=1.0).contains(&v), "{key} = {v}");
    }
    assert!(m["rmse"].as_f64().unwrap() > 0.0);
}
