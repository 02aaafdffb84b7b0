//! The explanations point at the defect (issue 19): `glia check --maps` damages one quadrant
//! of real photos at a time (blur, noise, heavy JPEG) and asks each map where its peak is.
//! The quality map must find the damaged quadrant in at least 75 % of cases (chance 25 %);
//! suppressing the sink tokens must not leave attention peaking in corners more often than
//! the raw maps do.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn check_maps(inputs: &[PathBuf]) -> serde_json::Value {
    common::json_stdout(
        Command::new(env!("CARGO_BIN_EXE_glia"))
            .args(["check", "--maps", "--json", "--quiet", "--device", "cpu"])
            .args(inputs),
    )
}

fn summary<'a>(report: &'a serde_json::Value, map: &str) -> &'a serde_json::Value {
    report["summary"]
        .as_array()
        .and_then(|a| a.iter().find(|m| m["map"] == map))
        .unwrap_or_else(|| panic!("no {map} in the summary"))
}

fn count(v: &serde_json::Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("summary has no {key}"))
}

/// A fixed subset: camera photos of different makers and sizes, and every 250th LIVEC photo.
fn photos(shared: &Path) -> Vec<PathBuf> {
    let camera = shared.join("data/camera/images");
    let mut out: Vec<PathBuf> = [
        "Canon-EOS-450D.jpg",
        "Sony-DSC-H9.jpg",
        "lychee-train.jpg",
        "Samsung-GT-I9505-_Galaxy-S4_.jpg",
    ]
    .iter()
    .map(|n| camera.join(n))
    .collect();
    let labels = std::fs::read_to_string(shared.join("data/livec/labels.csv")).unwrap();
    for line in labels.lines().skip(1).step_by(250) {
        let image = line.split(',').next().unwrap();
        out.push(shared.join("data/livec").join(image));
    }
    out
}

#[test]
fn the_quality_map_points_at_the_damaged_quadrant() {
    let Some(shared) = common::shared("quality_map_localisation") else {
        return;
    };
    let inputs = photos(&shared);
    let report = check_maps(&inputs);
    assert_eq!(
        report["photos"].as_array().map(Vec::len),
        Some(inputs.len()),
        "every photo checked: {}",
        report["unreadable"]
    );
    for m in report["summary"].as_array().unwrap() {
        eprintln!("{m}");
    }
    let q = summary(&report, "quality");
    let (hits, cases) = (count(q, "hits"), count(q, "cases"));
    assert_eq!(
        cases,
        inputs.len() as u64 * 12,
        "3 kinds × 4 quadrants per photo"
    );
    assert!(
        hits * 4 >= cases * 3,
        "the quality map's peak was in the damaged quadrant in {hits} of {cases} cases"
    );
    // Attention is not a defect detector; with the sinks suppressed it must at least not sit
    // in the corners more often than the raw maps.
    for map in ["glia", "vit"] {
        let clean = count(summary(&report, map), "clean_in_corner");
        let raw = count(summary(&report, &format!("{map}_raw")), "clean_in_corner");
        assert!(
            clean <= raw,
            "{map}: peaks in a corner {clean} times with sinks suppressed, {raw} raw"
        );
    }
}
