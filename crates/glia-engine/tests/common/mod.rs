//! Helpers shared by the engine's integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use glia_engine::burn::tensor::{Device, Tensor, TensorData};

/// `../shared` of the project (or `$GLIA_SHARED`), or `None` with a message saying the test
/// is skipped.
pub fn shared(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("GLIA_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    if dir.join("golden").is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED {test}: {} not found (set GLIA_SHARED to the shared/ folder)",
            dir.display()
        );
        None
    }
}

pub fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("read json")).expect("parse json")
}

pub fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number") as f32)
        .collect()
}

pub fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.try_into_vec_as::<f32>().expect("f32")
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "length mismatch");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// A golden PNG as a `[1, 3, 224, 224]` input: pixels/255, (x − 0.5)/0.5, no resizing.
pub fn golden_input(path: &std::path::Path, device: &Device) -> Tensor<4> {
    let img = glia_media::load_rgb(path).expect("golden png");
    assert_eq!(img.dimensions(), (224, 224));
    let v = glia_engine::preprocess::normalize(&img, &Default::default());
    Tensor::from_data(TensorData::new(v, [1, 3, 224, 224]), device)
}

/// The wgpu device when an adapter exists (lavapipe counts), else `None` with a message.
pub fn gpu(test: &str) -> Option<Device> {
    match glia_engine::device::select(glia_engine::DeviceChoice::Gpu) {
        Ok(d) => {
            eprintln!("{test}: wgpu adapter {}", d.name);
            Some(d.device)
        }
        Err(e) => {
            eprintln!("SKIPPED {test} on wgpu: {e}");
            None
        }
    }
}
