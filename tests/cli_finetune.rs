//! A headless fine-tuning session (`glia train --init default`): rating sets that cannot teach
//! anything are refused with a reason, before any training.

mod common;

use std::path::Path;
use std::process::Command;

/// `n` LIVEC photos (every 15th) rated by darkness: 100 − mean luma in percent.
fn darkness_ratings(shared: &Path, n: usize, dir: &Path) -> std::path::PathBuf {
    let labels = std::fs::read_to_string(shared.join("data/livec/labels.csv")).unwrap();
    let mut csv = String::from("photo,stars\n");
    for line in labels.lines().skip(1).step_by(15).take(n) {
        let image = line.split(',').next().unwrap();
        let path = shared.join("data/livec").join(image);
        let luma = image::open(&path).unwrap().to_luma8();
        let mean = luma.iter().map(|&v| f64::from(v)).sum::<f64>() / luma.len() as f64;
        csv.push_str(&format!("{},{:.2}\n", path.display(), 100.0 - mean / 2.55));
    }
    let path = dir.join("ratings.csv");
    std::fs::write(&path, csv).unwrap();
    path
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
