//! The backbone is exactly timm's ViT: logits, final-norm CLS, patch-token mean and the last
//! block's CLS attention on the golden inputs, against values computed by timm.

mod common;

use common::*;
use glia_engine::burn::tensor::Device;
use glia_engine::model::Vit;
use glia_engine::model::tensor_file::TensorFile;

fn check(device: &Device, name: &str, items: usize) {
    let Some(shared) = shared(name) else { return };
    let golden = json(&shared.join("golden/vit_tiny_golden.json"));
    let file = TensorFile::open(&shared.join("models/vit_tiny_patch16_224.safetensors")).unwrap();
    let (vit, cfg) = Vit::load(&file, device).unwrap();
    assert_eq!((cfg.dim, cfg.depth, cfg.heads, cfg.grid), (192, 12, 3, 14));
    for item in golden["items"].as_array().unwrap().iter().take(items) {
        let file = item["file"].as_str().unwrap();
        let x = golden_input(&shared.join("golden").join(file), device);
        let (features, attn, _) = vit.forward_features_with_attention(x.clone());
        // The fast path (fused attention op) must agree with the explicit one.
        let fast = vit.forward_features(x);
        assert!(max_abs_diff(&to_vec(fast), &to_vec(features.clone())) < 1e-4);

        let logits = to_vec(vit.logits(features.clone()).unwrap());
        let cls = to_vec(features.clone().narrow(1, 0, 1));
        let patch_mean = to_vec(features.narrow(1, 1, 196).mean_dim(1));
        let last = attn.last().unwrap().clone();
        let cls_attn = to_vec(last.narrow(2, 0, 1).narrow(3, 1, 196).mean_dim(1));

        let d_logits = max_abs_diff(&logits, &floats(&item["logits"]));
        let d_cls = max_abs_diff(&cls, &floats(&item["cls_features"]));
        let d_mean = max_abs_diff(&patch_mean, &floats(&item["patch_token_mean"]));
        let d_attn = max_abs_diff(
            &cls_attn,
            &floats(&item["last_block_cls_attention_mean_over_heads"]),
        );
        eprintln!(
            "{name} {file}: logits {d_logits:.2e}, cls {d_cls:.2e}, patch mean {d_mean:.2e}, attention {d_attn:.2e}"
        );
        assert!(d_logits <= 1e-3, "{file}: logits differ by {d_logits}");
        assert!(d_cls <= 1e-4, "{file}: CLS features differ by {d_cls}");
        assert!(d_mean <= 1e-4, "{file}: patch mean differs by {d_mean}");
        assert!(d_attn <= 1e-4, "{file}: CLS attention differs by {d_attn}");

        let top1 = logits
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i as u64)
            .unwrap();
        assert_eq!(
            top1,
            item["top5"][0].as_u64().unwrap(),
            "{file}: top-1 class"
        );
    }
}

#[test]
fn vit_tiny_matches_timm_on_cpu() {
    check(&Device::flex(), "vit_tiny_matches_timm_on_cpu", 3);
}

#[test]
fn vit_tiny_matches_timm_on_wgpu() {
    if let Some(device) = gpu("vit_tiny_matches_timm_on_wgpu") {
        check(&device, "vit_tiny_matches_timm_on_wgpu", 1);
    }
}
