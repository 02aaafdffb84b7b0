//! Attention maps: the ViT map against timm, rollout against a hand-computed case, and the
//! back-mapping of mosaic tokens to the photo on known fragment layouts.

mod common;

use common::*;
use glia_engine::attention::*;
use glia_engine::burn::tensor::Device;
use glia_engine::preprocess::{DetailScale, Sampling, fragment_mosaic};
use image::RgbImage;

/// ViT-Ti/16's token grid.
const G: TokenGrid = TokenGrid {
    side: 14,
    patch: 16,
};

fn layout(w: u32, h: u32) -> glia_engine::preprocess::FragmentLayout {
    fragment_mosaic(
        &RgbImage::new(w, h),
        Sampling::Centered,
        DetailScale::Native,
    )
    .1
}

#[test]
fn rollout_matches_a_hand_computed_case() {
    // Rows sum to 1, so Â = ½A + ½I needs no renormalisation:
    // Â1 = [[.75,.125,.125],[.1,.8,.1],[.05,.05,.9]], Â2 = [[.6,.2,.2],[.15,.65,.2],[.25,.125,.625]].
    // Rollout = Â2·Â1; its CLS row is [.48, .245, .275] (Â1·Â2 would give [.5, .246875, .253125]).
    let a1 = vec![0.5, 0.25, 0.25, 0.2, 0.6, 0.2, 0.1, 0.1, 0.8];
    let a2 = vec![0.2, 0.4, 0.4, 0.3, 0.3, 0.4, 0.5, 0.25, 0.25];
    let r = rollout(&[a1.clone(), a2], 3);
    assert!(
        (r[0] - 0.245).abs() < 1e-6 && (r[1] - 0.275).abs() < 1e-6,
        "{r:?}"
    );
    // One block: ½A + ½I, CLS row without CLS.
    let one = rollout(&[a1], 3);
    assert!(
        (one[0] - 0.125).abs() < 1e-6 && (one[1] - 0.125).abs() < 1e-6,
        "{one:?}"
    );
    // Rows that do not sum to 1 are renormalised after adding the identity.
    let scaled = rollout(&[vec![1.0, 0.5, 0.5, 0.4, 1.2, 0.4, 0.2, 0.2, 1.6]], 3);
    // Row 0: ½·[1, .5, .5] + ½·[1,0,0] = [1, .25, .25], sum 1.5 → [.6667, .1667, .1667].
    assert!((scaled[0] - 0.25 / 1.5).abs() < 1e-6, "{scaled:?}");
}

#[test]
fn tokens_map_back_to_where_their_fragment_was_cut() {
    // 700×490: cells 100×70, centred fragments start (34, 19) into each cell.
    // Token (row 3, col 5) = cell (1, 2), lower-right quarter of its fragment.
    let l = layout(700, 490);
    assert_eq!(
        token_region(&l, G, 3 * 14 + 5),
        (250.0, 105.0, 266.0, 121.0)
    );
    assert_eq!(token_region(&l, G, 0), (34.0, 19.0, 50.0, 35.0));
    // Portrait 490×700: cells 70×100, fragments start (19, 34) in.
    let p = layout(490, 700);
    assert_eq!(
        token_region(&p, G, 3 * 14 + 5),
        (175.0, 150.0, 191.0, 166.0)
    );
    // 150×100 is upscaled to 336×224 (cells 48×32, fragments 8 px in); regions come back
    // in photo pixels, scaled by 150/336.
    let s = layout(150, 100);
    let k = 150.0 / 336.0;
    let (x0, y0, x1, y1) = token_region(&s, G, 0);
    for (got, want) in [(x0, 8.0 * k), (y0, 0.0), (x1, 24.0 * k), (y1, 16.0 * k)] {
        assert!((got - want).abs() < 1e-4, "{:?}", token_region(&s, G, 0));
    }
}

#[test]
fn a_finer_token_grid_maps_back_by_each_tokens_centre() {
    // Patch 8 (28×28 tokens, 4×4 per fragment): token (0, 5) is the second quarter of the
    // fragment of cell (0, 1), which starts at (134, 19) in a 700×490 photo.
    let fine = TokenGrid { side: 28, patch: 8 };
    let l = layout(700, 490);
    assert_eq!(token_region(&l, fine, 5), (142.0, 19.0, 150.0, 27.0));
    // Every token of a fragment lands inside that fragment's cut.
    assert_eq!(
        token_region(&l, fine, 27 * 28 + 27),
        (658.0, 463.0, 666.0, 471.0)
    );
    // A map hot on cell (1, 2)'s 16 tokens peaks there, like the 2×2 case.
    let mut m = vec![0.0; 28 * 28];
    for r in 4..8 {
        for c in 8..12 {
            m[r * 28 + c] = 1.0;
        }
    }
    let r = render_glia(&m, fine, &l, 700, 490);
    assert!((r[(105 * 700 + 250) as usize] - 1.0).abs() < 0.02);
}

fn hot_cell(row: usize, col: usize) -> Vec<f32> {
    let mut m = vec![0.0; 196];
    for dr in 0..2 {
        for dc in 0..2 {
            m[(2 * row + dr) * 14 + 2 * col + dc] = 1.0;
        }
    }
    m
}

fn argmax(v: &[f32], width: u32) -> (u32, u32) {
    let i = v
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .unwrap()
        .0 as u32;
    (i % width, i / width)
}

#[test]
fn glianet_map_peaks_where_the_fragment_came_from() {
    // Non-square photo: the hot fragment of cell (1, 2) is centred at (250, 105).
    let l = layout(700, 490);
    let r = render_glia(&hot_cell(1, 2), G, &l, 700, 490);
    let (x, y) = argmax(&r, 700);
    assert!(
        (x as i32 - 250).abs() <= 1 && (y as i32 - 105).abs() <= 1,
        "peak at ({x}, {y})"
    );
    assert!((r[(105 * 700 + 250) as usize] - 1.0).abs() < 0.02);
    // At another fragment's centre the map is 0; and it fades smoothly in between.
    assert!(r[(175 * 700 + 450) as usize].abs() < 1e-6);
    let between = r[(105 * 700 + 300) as usize];
    assert!(between > 0.2 && between < 0.8, "{between}");
    // Rendered smaller (same aspect), the peak scales with it.
    let half = render_glia(&hot_cell(1, 2), G, &l, 350, 245);
    let (hx, hy) = argmax(&half, 350);
    assert!(
        (hx as i32 - 125).abs() <= 1 && (hy as i32 - 52).abs() <= 1,
        "({hx}, {hy})"
    );

    // A photo smaller than 224: cell (0, 0)'s fragment is centred at (24, 16) of the
    // 336×224 upscale, (10.7, 7.1) in the 150×100 photo; beyond it the value holds.
    let s = layout(150, 100);
    let r = render_glia(&hot_cell(0, 0), G, &s, 150, 100);
    assert!(
        (r[0] - 1.0).abs() < 1e-6,
        "corner holds the outermost value"
    );
    assert!(r[(7 * 150 + 10) as usize] > 0.95);
    assert!(r[(50 * 150 + 75) as usize] < 1e-6);

    // A flat map stays flat.
    assert!(
        render_glia(&[0.3; 196], G, &l, 70, 49)
            .iter()
            .all(|v| (v - 0.3).abs() < 1e-6)
    );
}

#[test]
fn vit_map_covers_the_whole_photo() {
    let mut m = vec![0.0; 196];
    m[0] = 1.0; // top-left token
    let r = render_vit(&m, G, 280, 140);
    assert_eq!(r.len(), 280 * 140);
    assert!(
        (r[0] - 1.0).abs() < 1e-6,
        "the corner beyond the first token centre holds its value"
    );
    // Token centres are 20 px apart horizontally and 10 px vertically at this size.
    assert!(r[(4 * 280 + 9) as usize] > 0.99);
    let next_to_centre = r[(5 * 280 + 10) as usize]; // half a pixel past the centre: 0.975 · 0.95
    assert!((next_to_centre - 0.92625).abs() < 1e-4, "{next_to_centre}");
    assert!(r[(5 * 280 + 30) as usize] < 1e-6);
    let n = normalise(&[2.0, 4.0, 3.0]);
    assert_eq!(n, vec![0.0, 1.0, 0.5]);
    assert_eq!(normalise(&[5.0, 5.0]), vec![0.0, 0.0]);
}

#[test]
fn vit_map_equals_timm_and_glianet_maps_are_attention() {
    let Some(shared) = shared("vit_map_equals_timm") else {
        return;
    };
    let device = Device::flex();
    let model = glia_engine::Model::load(
        &shared.join("golden/glianet_tiny_adapters.safetensors"),
        Some(&shared.join("models/vit_tiny_patch16_224.safetensors")),
        &[],
        &device,
    )
    .unwrap();
    let golden = json(&shared.join("golden/vit_tiny_golden.json"));
    for item in golden["items"].as_array().unwrap() {
        let file = item["file"].as_str().unwrap();
        let img = glia_media::load_rgb(&shared.join("golden").join(file)).unwrap();
        let maps = compute(&model, &img, &device);
        let d = max_abs_diff(
            &maps.vit_last,
            &floats(&item["last_block_cls_attention_mean_over_heads"]),
        );
        eprintln!("{file}: ViT map differs from timm by {d:.2e}");
        assert!(d <= 1e-5, "{file}: {d}");
        for m in [&maps.vit_rollout, &maps.glia_last, &maps.glia_rollout] {
            assert_eq!(m.len(), 196);
            let sum: f32 = m.iter().sum();
            assert!(
                m.iter().all(|&v| v >= 0.0) && sum > 0.0 && sum <= 1.0 + 1e-4,
                "{sum}"
            );
        }
        assert_eq!(maps.glr.len(), 12, "one GLR map per GLIA block");
        // The heatmap's forward is the scoring forward: same score.
        let golden_full = json(&shared.join("golden/glianet_tiny_golden.json"));
        let want = golden_full["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["file"] == file)
            .unwrap()["full"]["score"]
            .as_f64()
            .unwrap() as f32;
        assert!((maps.raw - want).abs() < 1e-3, "{} vs {want}", maps.raw);
    }
}
