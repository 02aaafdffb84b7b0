//! The quality map scores its tiles one model replica per core on the CPU and as batches on a
//! GPU: both ways must give the same map.

mod common;

use common::*;
use glia_engine::quality_map::QualityMap;
use glia_engine::{ComputeDevice, Model, Scorer};

fn scorer(shared: &std::path::Path, device: ComputeDevice) -> Scorer {
    let model = Model::load(
        &shared.join("golden/glianet_tiny_adapters.safetensors"),
        Some(&shared.join("models/vit_tiny_patch16_224.safetensors")),
        &[],
        &device.device,
    )
    .expect("golden adapters");
    Scorer::new(model, device)
}

#[test]
fn quality_map_on_wgpu_matches_the_cpu() {
    let test = "quality_map_on_wgpu_matches_the_cpu";
    let Some(shared) = shared(test) else { return };
    let Ok(gpu) = glia_engine::device::select(glia_engine::DeviceChoice::Gpu) else {
        eprintln!("SKIPPED {test}: no wgpu adapter");
        return;
    };
    eprintln!("{test}: wgpu adapter {}", gpu.name);
    let photo = shared.join("data/livec/images/10.png");
    let img = glia_media::load_rgb(&photo).expect("LIVEC photo");

    let cpu_map = QualityMap::compute(&scorer(&shared, ComputeDevice::cpu("test")), &img)
        .expect("CPU quality map");
    let gpu_map = QualityMap::compute(&scorer(&shared, gpu), &img).expect("wgpu quality map");

    assert_eq!(cpu_map.tiles, gpu_map.tiles, "the same tiles");
    let spread = cpu_map.tile_scores.iter().fold(0.0f32, |m, s| m.max(*s))
        - cpu_map
            .tile_scores
            .iter()
            .fold(f32::INFINITY, |m, s| m.min(*s));
    // The tiles differ from one another by points; the two devices by float rounding only
    // (golden tests: 3.2e-4 on the score between lavapipe and PyTorch).
    assert!(spread > 0.5, "tiles too alike to tell an order: {spread}");
    let diff = max_abs_diff(&cpu_map.tile_scores, &gpu_map.tile_scores);
    eprintln!("{test}: tile scores differ by at most {diff:.2e} (spread {spread:.2})");
    assert!(diff < 5e-3, "tile scores differ by {diff}");
}
