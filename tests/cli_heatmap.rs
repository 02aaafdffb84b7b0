//! `glia heatmap` as a user runs it: overlays at the photo's aspect ratio, raw maps as JSON.

mod common;

use std::path::Path;
use std::process::Command;

use common::shared;

fn heatmap(shared: &Path, image: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_glia"))
        .args(["heatmap", "--quiet", "--device", "cpu", "--model"])
        .arg(shared.join("golden/glianet_tiny_adapters.safetensors"))
        .arg("--backbone")
        .arg(shared.join("models/vit_tiny_patch16_224.safetensors"))
        .arg(image)
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .expect("run glia")
}

#[test]
fn overlays_keep_the_photos_aspect_and_raw_maps_are_written() {
    let Some(shared) = shared("overlays_keep_the_photos_aspect") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let src = image::open(shared.join("data/livec/images/1000.JPG"))
        .unwrap()
        .to_rgb8();
    // A wide crop, and a photo smaller than the network input.
    let wide = image::imageops::crop_imm(&src, 0, 100, 500, 250).to_image();
    let small = image::imageops::resize(&src, 150, 100, image::imageops::FilterType::Triangle);
    let (wide_path, small_path) = (dir.path().join("wide.png"), dir.path().join("small.png"));
    wide.save(&wide_path).unwrap();
    small.save(&small_path).unwrap();

    let one = dir.path().join("one.png");
    let raw = dir.path().join("maps.json");
    let out = heatmap(
        &shared,
        &wide_path,
        &one,
        &["--map", "glia", "--raw", raw.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let both = dir.path().join("both.png");
    assert!(
        heatmap(
            &shared,
            &wide_path,
            &both,
            &["--map", "both", "--kind", "rollout"]
        )
        .status
        .success()
    );
    let (one, both) = (image::open(&one).unwrap(), image::open(&both).unwrap());
    assert!(
        one.width() > 500 && one.width() < 540,
        "one 500 px panel plus margins: {}",
        one.width()
    );
    assert!(one.height() > 250 && one.height() < 320, "{}", one.height());
    assert_eq!(both.height(), one.height());
    assert!(
        both.width() > 2 * 500 && both.width() < 2 * 500 + 40,
        "{}",
        both.width()
    );
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&raw).unwrap()).unwrap();
    for key in ["vit_last", "vit_rollout", "glia_last", "glia_rollout"] {
        assert_eq!(json[key].as_array().unwrap().len(), 196, "{key}");
    }
    assert_eq!(json["photo_size"], serde_json::json!([500, 250]));
    let regions = json["token_regions"].as_array().unwrap();
    assert_eq!(regions.len(), 196);
    // 500×250: cells 71×35 px; the first fragment sits centred in the first cell.
    assert_eq!(regions[0], serde_json::json!([19.0, 1.0, 35.0, 17.0]));

    let small_out = dir.path().join("small_out.png");
    assert!(
        heatmap(
            &shared,
            &small_path,
            &small_out,
            &["--map", "vit", "--opacity", "0.8"]
        )
        .status
        .success()
    );
    let s = image::open(&small_out).unwrap();
    assert!(
        s.width() > 150 && s.width() < 170 && s.height() > 100 && s.height() < 150,
        "{}x{}",
        s.width(),
        s.height()
    );
}

#[test]
fn all_maps_are_drawn_and_written_over_the_photo() {
    let Some(shared) = shared("heatmap_all_maps") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let src = image::open(shared.join("data/livec/images/1000.JPG"))
        .unwrap()
        .to_rgb8();
    let wide = image::imageops::crop_imm(&src, 0, 100, 500, 250).to_image();
    let photo = dir.path().join("wide.png");
    wide.save(&photo).unwrap();
    let (png, raw) = (dir.path().join("all.png"), dir.path().join("all.json"));
    let out = heatmap(
        &shared,
        &photo,
        &png,
        &["--map", "all", "--raw", raw.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fig = image::open(&png).unwrap();
    assert!(
        fig.width() > 3 * 500 && fig.width() < 3 * 500 + 60,
        "three 500 px panels: {}",
        fig.width()
    );
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&raw).unwrap()).unwrap();
    let maps = json["photo_maps"].as_object().unwrap();
    let mut names: Vec<&str> = maps.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["glia", "quality", "vit"]);
    for (name, m) in maps {
        // The photo's aspect (2:1), long side 256.
        assert_eq!(m["size"], serde_json::json!([256, 128]), "{name}");
        let values = m["values"].as_array().unwrap();
        assert_eq!(values.len(), 256 * 128, "{name}");
        assert!(
            values
                .iter()
                .all(|v| (0.0..=1.0).contains(&v.as_f64().unwrap())),
            "{name}: values in 0–1"
        );
    }
    let tiles = &json["quality_tiles"];
    assert_eq!(tiles["regions"].as_array().unwrap().len(), 16);
    let deficits: Vec<f64> = tiles["deficits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(deficits.iter().all(|&d| d >= 0.0) && deficits.contains(&0.0));
}

#[test]
fn bad_input_is_a_clear_error() {
    let Some(shared) = shared("heatmap_bad_input") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.jpg");
    std::fs::write(&bad, b"").unwrap();
    let out = heatmap(&shared, &bad, &dir.path().join("o.png"), &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.jpg") && err.contains("empty file"),
        "{err}"
    );
    let photo = shared.join("data/livec/images/1000.JPG");
    let out = heatmap(
        &shared,
        &photo,
        &dir.path().join("o.png"),
        &["--opacity", "1.5"],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--opacity"));
}
