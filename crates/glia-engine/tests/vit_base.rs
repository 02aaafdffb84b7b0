//! The paper's ViT-B/16 configuration, with randomly initialised weights of timm's shapes
//! written here; and the loader's messages for missing and misshaped keys.

use std::collections::BTreeMap;

use glia_engine::burn::tensor::{Device, Distribution, Tensor};
use glia_engine::model::tensor_file::TensorFile;
use glia_engine::{Model, WeightsError};

/// timm's `vit_base_patch16_224` tensor names and shapes.
fn timm_shapes(dim: usize, depth: usize, classes: usize) -> BTreeMap<String, Vec<usize>> {
    let mut s = BTreeMap::new();
    s.insert("cls_token".into(), vec![1, 1, dim]);
    s.insert("pos_embed".into(), vec![1, 197, dim]);
    s.insert("patch_embed.proj.weight".into(), vec![dim, 3, 16, 16]);
    s.insert("patch_embed.proj.bias".into(), vec![dim]);
    for i in 0..depth {
        let p = format!("blocks.{i}");
        for n in ["norm1", "norm2"] {
            s.insert(format!("{p}.{n}.weight"), vec![dim]);
            s.insert(format!("{p}.{n}.bias"), vec![dim]);
        }
        s.insert(format!("{p}.attn.qkv.weight"), vec![3 * dim, dim]);
        s.insert(format!("{p}.attn.qkv.bias"), vec![3 * dim]);
        s.insert(format!("{p}.attn.proj.weight"), vec![dim, dim]);
        s.insert(format!("{p}.attn.proj.bias"), vec![dim]);
        s.insert(format!("{p}.mlp.fc1.weight"), vec![4 * dim, dim]);
        s.insert(format!("{p}.mlp.fc1.bias"), vec![4 * dim]);
        s.insert(format!("{p}.mlp.fc2.weight"), vec![dim, 4 * dim]);
        s.insert(format!("{p}.mlp.fc2.bias"), vec![dim]);
    }
    s.insert("norm.weight".into(), vec![dim]);
    s.insert("norm.bias".into(), vec![dim]);
    s.insert("head.weight".into(), vec![classes, dim]);
    s.insert("head.bias".into(), vec![classes]);
    s
}

fn write(path: &std::path::Path, shapes: &BTreeMap<String, Vec<usize>>, seed: u64) {
    write_with(path, shapes, seed, None);
}

fn write_with(
    path: &std::path::Path,
    shapes: &BTreeMap<String, Vec<usize>>,
    seed: u64,
    metadata: Option<std::collections::HashMap<String, String>>,
) {
    let mut state = seed;
    let data: Vec<(String, Vec<usize>, Vec<u8>)> = shapes
        .iter()
        .map(|(k, shape)| {
            let n: usize = shape.iter().product();
            let v: Vec<f32> = (0..n)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let u = (state >> 40) as f32 / (1u64 << 24) as f32;
                    // LayerNorm weights near 1, everything else small, like trained weights.
                    if k.contains("norm") && k.ends_with("weight") {
                        1.0 + 0.1 * (u - 0.5)
                    } else {
                        0.04 * (u - 0.5)
                    }
                })
                .collect();
            (
                k.clone(),
                shape.clone(),
                v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            )
        })
        .collect();
    let views: Vec<(String, safetensors::tensor::TensorView)> = data
        .iter()
        .map(|(k, s, b)| {
            (
                k.clone(),
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, s.clone(), b)
                    .unwrap(),
            )
        })
        .collect();
    safetensors::serialize_to_file(views, metadata, path).unwrap();
}

#[test]
fn vit_b16_glianet_loads_runs_and_has_about_8m_trainable_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vit_base_patch16_224.safetensors");
    write(&path, &timm_shapes(768, 12, 1000), 1);
    let device = Device::flex();
    let model = Model::with_new_adapters(&path, 0, &device).unwrap();
    assert_eq!(
        (
            model.vit.dim,
            model.vit.depth,
            model.vit.heads,
            model.vit.mlp_dim
        ),
        (768, 12, 12, 3072)
    );
    assert_eq!(model.vit.name(), "vit_base_patch16_224");
    let trainable = model.net.trainable_params();
    eprintln!("ViT-B/16 GLIANet trainable parameters: {trainable}");
    assert!((7_500_000..9_500_000).contains(&trainable), "{trainable}");
    let x = Tensor::<4>::random([2, 3, 224, 224], Distribution::Normal(0.0, 1.0), &device);
    let out = model.net.forward(x.clone(), x);
    let scores: Vec<f32> = out.score.try_into_vec_as::<f32>().unwrap();
    assert_eq!(scores.len(), 2);
    assert!(scores.iter().all(|s| s.is_finite()));
    assert_eq!(out.detail_cls.dims(), [2, 768]);

    // Saved and reloaded by name, the backbone is found beside the model.
    let saved = dir.path().join("mine.safetensors");
    model.save(&saved).unwrap();
    let again = Model::load(&saved, None, &[], &device).unwrap();
    assert_eq!(again.info.backbone, "vit_base_patch16_224");
    assert_eq!(again.net.trainable_params(), trainable);
}

#[test]
fn vit_small_size_is_read_from_the_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vit_small_patch16_224.safetensors");
    let mut shapes = timm_shapes(384, 12, 1000);
    shapes.retain(|k, _| !k.starts_with("head"));
    write(&path, &shapes, 2);
    let (vit, cfg) =
        glia_engine::model::Vit::load(&TensorFile::open(&path).unwrap(), &Device::flex()).unwrap();
    assert_eq!((cfg.dim, cfg.heads, cfg.classes), (384, 6, None));
    assert!(vit.head.is_none());
}

#[test]
fn missing_and_misshaped_keys_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.safetensors");
    let mut shapes = timm_shapes(192, 2, 10);
    shapes.remove("blocks.1.mlp.fc2.bias");
    write(&path, &shapes, 3);
    let err = glia_engine::model::Vit::load(&TensorFile::open(&path).unwrap(), &Device::flex())
        .unwrap_err();
    assert!(
        matches!(&err, WeightsError::MissingKey { key, .. } if key == "blocks.1.mlp.fc2.bias"),
        "{err}"
    );
    assert!(err.to_string().contains("blocks.1.mlp.fc2.bias"));

    let mut shapes = timm_shapes(192, 2, 10);
    shapes.insert("blocks.0.attn.proj.weight".into(), vec![192, 190]);
    write(&path, &shapes, 4);
    let err = glia_engine::model::Vit::load(&TensorFile::open(&path).unwrap(), &Device::flex())
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("blocks.0.attn.proj.weight")
            && msg.contains("[192, 190]")
            && msg.contains("[192, 192]"),
        "{msg}"
    );

    std::fs::write(&path, b"not safetensors at all").unwrap();
    let err = TensorFile::open(&path)
        .err()
        .expect("garbage must not load");
    assert!(
        err.to_string().contains("not a valid safetensors file"),
        "{err}"
    );
}
