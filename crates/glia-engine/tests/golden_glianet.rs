//! GLIANet reproduces the PyTorch reference of docs/model.md §1 on the seeded golden adapters,
//! with LGF and GLR each on and off.
//!
//! Tolerances: shared/README.md measures the reference's own noise floor (the same PyTorch
//! code on another machine) at 1.0e-3 on the detail CLS, 4.5e-4 on the latent CLS and 2.6e-4
//! on the score: a correct implementation meets 1e-3 on the score and 2e-3 on the vectors.

mod common;

use common::*;
use glia_engine::burn::tensor::Device;
use glia_engine::model::tensor_file::TensorFile;
use glia_engine::model::{AdapterConfig, Interactions, Vit};

const CASES: [(&str, bool, bool); 4] = [
    ("full", true, true),
    ("lgf_only", true, false),
    ("glr_only", false, true),
    ("none", false, false),
];

fn check(device: &Device, name: &str, items: usize) {
    let Some(shared) = shared(name) else { return };
    let golden = json(&shared.join("golden/glianet_tiny_golden.json"));
    let backbone =
        TensorFile::open(&shared.join("models/vit_tiny_patch16_224.safetensors")).unwrap();
    let adapters =
        TensorFile::open(&shared.join("golden/glianet_tiny_adapters.safetensors")).unwrap();
    let (vit, _) = Vit::load(&backbone, device).unwrap();
    let mut worst = [0.0f32; 3];
    for (case, lgf, glr) in CASES {
        let on = Interactions { lgf, glr };
        let net = AdapterConfig::new()
            .with_interactions(on)
            .load(vit.clone(), &adapters, device)
            .unwrap();
        for item in golden["items"].as_array().unwrap().iter().take(items) {
            let file = item["file"].as_str().unwrap();
            let x = golden_input(&shared.join("golden").join(file), device);
            let out = net.forward(x.clone(), x);
            let want = &item[case];
            let d_score = (to_vec(out.score)[0] - want["score"].as_f64().unwrap() as f32).abs();
            let d_detail = max_abs_diff(
                &to_vec(out.detail_cls),
                &floats(&want["detail_cls_final_norm"]),
            );
            let d_latent = max_abs_diff(
                &to_vec(out.latent_cls),
                &floats(&want["semantic_latent_cls_after_last_glia"]),
            );
            eprintln!(
                "{name} {case} {file}: score {d_score:.2e}, detail CLS {d_detail:.2e}, latent CLS {d_latent:.2e}"
            );
            assert!(d_score <= 1e-3, "{case} {file}: score differs by {d_score}");
            assert!(
                d_detail <= 2e-3,
                "{case} {file}: detail CLS differs by {d_detail}"
            );
            assert!(
                d_latent <= 2e-3,
                "{case} {file}: latent CLS differs by {d_latent}"
            );
            for (w, d) in worst.iter_mut().zip([d_score, d_detail, d_latent]) {
                *w = w.max(d);
            }
        }
    }
    eprintln!(
        "{name}: worst score {:.2e}, detail CLS {:.2e}, latent CLS {:.2e}",
        worst[0], worst[1], worst[2]
    );
}

#[test]
fn glianet_matches_reference_on_cpu() {
    check(&Device::flex(), "glianet_matches_reference_on_cpu", 3);
}

#[test]
fn glianet_matches_reference_on_wgpu() {
    if let Some(device) = gpu("glianet_matches_reference_on_wgpu") {
        check(&device, "glianet_matches_reference_on_wgpu", 1);
    }
}

#[test]
fn golden_adapters_load_as_a_model_file_and_save_round_trip() {
    let Some(shared) = shared("golden_adapters_load_as_a_model_file") else {
        return;
    };
    let device = Device::flex();
    let models = vec![shared.join("models")];
    let model = glia_engine::Model::load(
        &shared.join("golden/glianet_tiny_adapters.safetensors"),
        None,
        &models,
        &device,
    )
    .unwrap();
    assert_eq!(
        (model.info.adapters.latent, model.info.adapters.heads),
        (64, 4)
    );
    assert_eq!(model.info.backbone, "vit_tiny_patch16_224");
    let trainable = model.net.trainable_params();
    assert!(
        (1_100_000..1_300_000).contains(&trainable),
        "ViT-Ti adapters + head: {trainable}"
    );

    // Save, reload: same tensors under the same PyTorch names, same outputs.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.safetensors");
    model.save(&copy).unwrap();
    #[cfg(unix)]
    {
        // Same mode as a file the user creates beside it (umask applied), not owner-only.
        use std::os::unix::fs::PermissionsExt;
        let plain = dir.path().join("plain");
        std::fs::File::create(&plain).unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&copy), mode(&plain), "saved model file mode");
    }
    let original =
        TensorFile::open(&shared.join("golden/glianet_tiny_adapters.safetensors")).unwrap();
    let saved = TensorFile::open(&copy).unwrap();
    assert_eq!(original.keys(), saved.keys());
    for key in original.keys() {
        let shape = original.shape(&key).unwrap().to_vec();
        assert_eq!(
            original.read(&key, &shape, "").unwrap(),
            saved.read(&key, &shape, "").unwrap(),
            "{key}"
        );
    }
    let reloaded = glia_engine::Model::load(&copy, None, &models, &device).unwrap();
    assert_eq!(reloaded.info, model.info);
}
