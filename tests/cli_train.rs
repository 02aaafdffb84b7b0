//! `glia train` then `glia score` with what it wrote.

mod common;

use std::process::Command;

#[test]
fn train_writes_a_model_that_scores_on_the_datas_scale() {
    let Some(shared) = common::shared("train_writes_a_model") else {
        return;
    };
    let labels = std::fs::read_to_string(shared.join("data/livec/labels.csv")).unwrap();
    let mut csv = String::from("image,mos\n");
    for line in labels.lines().skip(1).take(8) {
        let mut parts = line.split(',');
        let (image, mos) = (parts.next().unwrap(), parts.next().unwrap());
        csv.push_str(&format!(
            "{},{mos}\n",
            shared.join("data/livec").join(image).display()
        ));
    }
    csv.push_str("broken-row-without-score.jpg,\n");
    let dir = tempfile::tempdir().unwrap();
    let (data, out) = (
        dir.path().join("ratings.csv"),
        dir.path().join("mine.safetensors"),
    );
    std::fs::write(&data, csv).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_glia"))
        .args([
            "train",
            "--epochs",
            "1",
            "--patch-num",
            "2",
            "--batch-size",
            "4",
            "--seed",
            "3",
            "--backbone",
        ])
        .arg(shared.join("models/vit_tiny_patch16_224.safetensors"))
        .arg("--data")
        .arg(&data)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(stderr.contains("ratings.csv:10: skipped"), "{stderr}");

    let file = glia_engine::model::tensor_file::TensorFile::open(&out).unwrap();
    let meta = file.metadata();
    assert_eq!(meta["training_samples"], "8");
    assert!(meta["training_protocol"].contains("epochs=1 patch_num=2 batch=4"));
    assert_eq!(meta["backbone"], "vit_tiny_patch16_224");

    // The backbone is found by name beside nothing: pass it, as a user moving the file would.
    let items = common::json_stdout(
        Command::new(env!("CARGO_BIN_EXE_glia"))
            // By name: saved models are found in $GLIA_MODEL_DIR (and the user's model folder).
            .env("GLIA_MODEL_DIR", dir.path())
            .args([
                "score", "--json", "--quiet", "--device", "cpu", "--model", "mine",
            ])
            .arg("--backbone")
            .arg(shared.join("models/vit_tiny_patch16_224.safetensors"))
            .arg(shared.join("data/livec/images/1000.JPG")),
    );
    let s = items[0]["score"].as_f64().unwrap();
    // Mapped onto LIVEC's MOS scale by the fitted line: inside the data's range, not clamped.
    assert!(s > 1.0 && s < 99.0, "{s}");
}
