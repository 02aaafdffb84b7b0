//! Attention maps like the paper's Figure 3 (docs/model.md §2), for one photo on request.
//! The bulk scoring path computes none of this.
//!
//! - **ViT** map: last-block CLS→patch attention of the semantic stream, mean over heads,
//!   over the semantic view's token grid (the whole photo, stretched to a square), and its
//!   **rollout** over all blocks (Abnar & Zuidema 2020: `Â = ½A + ½I`, rows renormalised,
//!   multiplied from the first block to the last).
//! - **GLIANet** map: the same two kinds from the detail stream. Its tokens lie on the
//!   fragment mosaic; each token belongs to the fragment under its centre (2×2 tokens per
//!   32 px fragment for patch 16), put back where that fragment was cut from (see
//!   [`token_region`] and [`render_glia`]). The grid comes from the backbone ([`TokenGrid`]).
//! - **GLR** weights: the semantic CLS query's attention over the detail tokens in each GLIA
//!   block, mean over heads (when GLR is on).
//!
//! ViTs grow a few high-norm "sink" tokens in low-information places (flat corners, sky) that
//! soak up attention without carrying what the model judged (Darcet et al., "Vision
//! Transformers Need Registers", 2023). They are found by the norm of each token in the last
//! block's output ([`sink_tokens`]) and, unless the raw map is asked for, their values are
//! replaced by the median of the other tokens before the map is normalised ([`Sinks`]).

use burn::tensor::{Device, Tensor, TensorData};
use image::RgbImage;

use crate::model::{Model, VitConfig};
use crate::preprocess::{
    FRAGMENT, FragmentLayout, GRID, INPUT, Sampling, fragment_mosaic, normalize, resize,
};

/// How the backbone's patch tokens lie on its 224 px input (and so on the fragment mosaic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenGrid {
    /// Tokens per side (14 for patch 16).
    pub side: usize,
    /// Patch size in input pixels.
    pub patch: usize,
}

impl TokenGrid {
    pub fn of(vit: &VitConfig) -> Self {
        Self {
            side: vit.grid,
            patch: vit.patch,
        }
    }

    pub fn tokens(&self) -> usize {
        self.side * self.side
    }

    /// Along one axis of the mosaic: the fragment under token `i`'s centre, and where the
    /// token starts and ends inside that fragment (mosaic pixels, clipped to the fragment).
    fn along(&self, i: usize) -> (usize, u32, u32) {
        let (f, p) = (FRAGMENT as usize, self.patch);
        let cell = ((i * p + p / 2) / f).min(GRID as usize - 1);
        let start = (i * p).saturating_sub(cell * f).min(f);
        let end = ((i + 1) * p).saturating_sub(cell * f).min(f);
        (cell, start as u32, end as u32)
    }
}

/// Whether a map keeps the sink tokens' attention or has it suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sinks {
    #[default]
    Suppressed,
    Raw,
}

/// A sink: a patch token whose norm lies this many median absolute deviations above the
/// median of all patch tokens' norms (a robust outlier rule; typical tokens spread by about
/// one MAD, sinks by tens).
pub const SINK_MADS: f32 = 6.0;

/// Patch tokens (0-based over the grid) whose norm is an outlier above the others.
pub fn sink_tokens(norms: &[f32]) -> Vec<usize> {
    let median = |v: &mut Vec<f32>| {
        v.sort_by(f32::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    let m = median(&mut norms.to_vec());
    let mad = median(&mut norms.iter().map(|n| (n - m).abs()).collect());
    let limit = m + SINK_MADS * mad.max(1e-6 * m.abs().max(1.0));
    (0..norms.len()).filter(|&i| norms[i] > limit).collect()
}

/// `map` with each sink's value replaced by the median of the other tokens.
pub fn suppress(map: &[f32], sinks: &[usize]) -> Vec<f32> {
    if sinks.is_empty() {
        return map.to_vec();
    }
    let mut rest: Vec<f32> = (0..map.len())
        .filter(|i| !sinks.contains(i))
        .map(|i| map[i])
        .collect();
    rest.sort_by(f32::total_cmp);
    let fill = rest.get(rest.len() / 2).copied().unwrap_or(0.0);
    let mut out = map.to_vec();
    for &i in sinks {
        if let Some(v) = out.get_mut(i) {
            *v = fill;
        }
    }
    out
}

/// Which map of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapKind {
    /// Last block's CLS attention, mean over heads.
    Last,
    /// Attention rollout over all blocks.
    Rollout,
}

/// Everything the heatmap views need for one photo. Token maps are `grid.side`², row-major.
#[derive(Debug, Clone)]
pub struct AttentionMaps {
    pub vit_last: Vec<f32>,
    pub vit_rollout: Vec<f32>,
    pub glia_last: Vec<f32>,
    pub glia_rollout: Vec<f32>,
    /// GLR weights of the semantic CLS over the detail tokens, one token map per GLIA block.
    pub glr: Vec<Vec<f32>>,
    /// Norm of each patch token in the last block's output, per stream, and the sinks
    /// found among them ([`sink_tokens`]).
    pub vit_norms: Vec<f32>,
    pub glia_norms: Vec<f32>,
    pub vit_sinks: Vec<usize>,
    pub glia_sinks: Vec<usize>,
    pub grid: TokenGrid,
    pub layout: FragmentLayout,
    /// The photo's score (0–100) and raw head output from this same forward.
    pub score: f32,
    pub raw: f32,
}

impl AttentionMaps {
    pub fn vit(&self, kind: MapKind) -> &[f32] {
        match kind {
            MapKind::Last => &self.vit_last,
            MapKind::Rollout => &self.vit_rollout,
        }
    }

    pub fn glia(&self, kind: MapKind) -> &[f32] {
        match kind {
            MapKind::Last => &self.glia_last,
            MapKind::Rollout => &self.glia_rollout,
        }
    }

    /// The ViT token map, sinks suppressed or raw.
    pub fn vit_map(&self, kind: MapKind, sinks: Sinks) -> Vec<f32> {
        match sinks {
            Sinks::Raw => self.vit(kind).to_vec(),
            Sinks::Suppressed => suppress(self.vit(kind), &self.vit_sinks),
        }
    }

    /// The GLIANet token map, sinks suppressed or raw.
    pub fn glia_map(&self, kind: MapKind, sinks: Sinks) -> Vec<f32> {
        match sinks {
            Sinks::Raw => self.glia(kind).to_vec(),
            Sinks::Suppressed => suppress(self.glia(kind), &self.glia_sinks),
        }
    }
}

/// Per patch token of `[1, 1+N, D]` hidden states, its L2 norm.
fn patch_norms(hidden: Tensor<3>) -> Vec<f32> {
    let [_, n, d] = hidden.dims();
    let v = hidden
        .try_into_vec_as::<f32>()
        .expect("reading hidden states back from the device");
    (1..n)
        .map(|t| {
            v[t * d..(t + 1) * d]
                .iter()
                .map(|x| x * x)
                .sum::<f32>()
                .sqrt()
        })
        .collect()
}

fn host(t: Tensor<4>) -> Vec<f32> {
    t.try_into_vec_as::<f32>()
        .expect("reading attention weights back from the device")
}

/// `[1, H, N, N]` attention → the mean over heads as an N×N row-major matrix.
fn head_mean(attn: Tensor<4>) -> (Vec<f32>, usize) {
    let n = attn.dims()[2];
    let [_, h, _, _] = attn.dims();
    let v = host(attn.mean_dim(1));
    debug_assert_eq!(v.len(), n * n, "{h} heads averaged");
    (v, n)
}

/// Row 0 (the CLS query) without its own column: attention over the N−1 patch tokens.
pub fn cls_row(matrix: &[f32], n: usize) -> Vec<f32> {
    matrix[1..n].to_vec()
}

/// Attention rollout of per-block head-mean matrices (each N×N): the CLS row over patches.
pub fn rollout(blocks: &[Vec<f32>], n: usize) -> Vec<f32> {
    let mut r = identity(n);
    for a in blocks {
        let mut hat = vec![0.0f64; n * n];
        for i in 0..n {
            let row: f64 = (0..n).map(|j| 0.5 * f64::from(a[i * n + j])).sum::<f64>() + 0.5;
            for j in 0..n {
                let v = 0.5 * f64::from(a[i * n + j]) + if i == j { 0.5 } else { 0.0 };
                hat[i * n + j] = v / row;
            }
        }
        r = matmul(&hat, &r, n);
    }
    r[1..n].iter().map(|&v| v as f32).collect()
}

fn identity(n: usize) -> Vec<f64> {
    let mut m = vec![0.0; n * n];
    for i in 0..n {
        m[i * n + i] = 1.0;
    }
    m
}

fn matmul(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        for k in 0..n {
            let aik = a[i * n + k];
            if aik == 0.0 {
                continue;
            }
            for j in 0..n {
                c[i * n + j] += aik * b[k * n + j];
            }
        }
    }
    c
}

/// Computes all maps for one decoded photo (centred fragments, as in scoring).
pub fn compute(model: &Model, img: &RgbImage, device: &Device) -> AttentionMaps {
    let norm = &model.info.normalization;
    let side = INPUT as usize;
    let to_tensor =
        |v: Vec<f32>| Tensor::<4>::from_data(TensorData::new(v, [1, 3, side, side]), device);
    let semantic = to_tensor(normalize(&resize(img, INPUT, INPUT), norm));
    let (mosaic, layout) = fragment_mosaic(img, Sampling::Centered, model.info.detail_scale);
    let net = &model.net;
    let (f_s, vit_attn, vit_hidden) = net.backbone.forward_features_with_attention(semantic);
    let detail = net.forward_with_attention(f_s, to_tensor(normalize(&mosaic, norm)));
    let (vit_norms, glia_norms) = (patch_norms(vit_hidden), patch_norms(detail.hidden));

    let stream = |maps: Vec<Tensor<4>>| {
        let means: Vec<(Vec<f32>, usize)> = maps.into_iter().map(head_mean).collect();
        let n = means[0].1;
        let last = cls_row(&means[means.len() - 1].0, n);
        let matrices: Vec<Vec<f32>> = means.into_iter().map(|(m, _)| m).collect();
        (last, rollout(&matrices, n))
    };
    let (vit_last, vit_rollout) = stream(vit_attn);
    let (glia_last, glia_rollout) = stream(detail.detail);
    let glr = detail
        .glr
        .into_iter()
        .map(|w| {
            let (m, n) = head_mean(w);
            cls_row(&m, n)
        })
        .collect();
    let raw = host(detail.output.score.reshape([1, 1, 1, 1]))[0];
    AttentionMaps {
        vit_last,
        vit_rollout,
        glia_last,
        glia_rollout,
        glr,
        vit_sinks: sink_tokens(&vit_norms),
        glia_sinks: sink_tokens(&glia_norms),
        vit_norms,
        glia_norms,
        grid: TokenGrid::of(&model.vit),
        layout,
        score: model.info.to_percent(raw),
        raw,
    }
}

/// The photo region `(x0, y0, x1, y1)` (pixels, may be fractional for upscaled photos) that
/// mosaic token `token` (row-major over the token grid) was cut from.
pub fn token_region(
    layout: &FragmentLayout,
    grid: TokenGrid,
    token: usize,
) -> (f32, f32, f32, f32) {
    let (row, col) = (token / grid.side, token % grid.side);
    let (cell_col, x_start, x_end) = grid.along(col);
    let (cell_row, y_start, y_end) = grid.along(row);
    let (ox, oy) = layout.origins[cell_row * GRID as usize + cell_col];
    let (sx, sy) = scale(layout);
    (
        (ox + x_start) as f32 * sx,
        (oy + y_start) as f32 * sy,
        (ox + x_end) as f32 * sx,
        (oy + y_end) as f32 * sy,
    )
}

/// Work-image pixels → photo pixels.
fn scale(layout: &FragmentLayout) -> (f32, f32) {
    (
        layout.width as f32 / layout.work_width as f32,
        layout.height as f32 / layout.work_height as f32,
    )
}

/// The ViT map over a `width`×`height` rendering of the photo: bilinear from the token grid.
pub fn render_vit(map: &[f32], tokens: TokenGrid, width: u32, height: u32) -> Vec<f32> {
    let side = tokens.side;
    let centres = |n: u32| -> Vec<f32> {
        (0..side)
            .map(|i| (i as f32 + 0.5) * n as f32 / side as f32)
            .collect()
    };
    let grid: Vec<Vec<f32>> = (0..side)
        .map(|r| map[r * side..(r + 1) * side].to_vec())
        .collect();
    interpolate(
        &grid,
        &centres(width),
        &centres(height),
        width,
        height,
        (1.0, 1.0),
    )
}

/// The GLIANet map over a `width`×`height` rendering of the photo: one value per fragment
/// (the mean of its tokens) placed at the centre of where the fragment was cut, smoothly
/// (bilinearly) interpolated between fragment centres and held constant beyond the outer ones.
pub fn render_glia(
    map: &[f32],
    tokens: TokenGrid,
    layout: &FragmentLayout,
    width: u32,
    height: u32,
) -> Vec<f32> {
    let g = GRID as usize;
    let (mut sums, mut counts) = (vec![0.0f32; g * g], vec![0u32; g * g]);
    for (t, &v) in map.iter().enumerate().take(tokens.tokens()) {
        let (r, _, _) = tokens.along(t / tokens.side);
        let (c, _, _) = tokens.along(t % tokens.side);
        sums[r * g + c] += v;
        counts[r * g + c] += 1;
    }
    let cells: Vec<Vec<f32>> = (0..g)
        .map(|r| {
            (0..g)
                .map(|c| sums[r * g + c] / counts[r * g + c].max(1) as f32)
                .collect()
        })
        .collect();
    let (sx, sy) = scale(layout);
    let half = FRAGMENT as f32 / 2.0;
    // Fragment centres per column and per row (photo pixels), averaged over the grid so
    // random offsets still give one axis each.
    let cx: Vec<f32> = (0..g)
        .map(|c| {
            (0..g)
                .map(|r| layout.origins[r * g + c].0 as f32 + half)
                .sum::<f32>()
                / g as f32
                * sx
        })
        .collect();
    let cy: Vec<f32> = (0..g)
        .map(|r| {
            (0..g)
                .map(|c| layout.origins[r * g + c].1 as f32 + half)
                .sum::<f32>()
                / g as f32
                * sy
        })
        .collect();
    let to_photo = (
        layout.width as f32 / width as f32,
        layout.height as f32 / height as f32,
    );
    interpolate(&cells, &cx, &cy, width, height, to_photo)
}

/// Bilinear interpolation of `grid[row][col]` sampled at `xs[col]`, `ys[row]` (photo
/// pixels), evaluated at the centre of each output pixel scaled by `to_photo`.
pub(crate) fn interpolate(
    grid: &[Vec<f32>],
    xs: &[f32],
    ys: &[f32],
    width: u32,
    height: u32,
    to_photo: (f32, f32),
) -> Vec<f32> {
    let locate = |v: f32, at: &[f32]| -> (usize, usize, f32) {
        if v <= at[0] {
            return (0, 0, 0.0);
        }
        let last = at.len() - 1;
        if v >= at[last] {
            return (last, last, 0.0);
        }
        let i = at.iter().rposition(|&a| a <= v).unwrap_or(0).min(last - 1);
        (i, i + 1, (v - at[i]) / (at[i + 1] - at[i]))
    };
    let cols: Vec<(usize, usize, f32)> = (0..width)
        .map(|x| locate((x as f32 + 0.5) * to_photo.0, xs))
        .collect();
    let mut out = Vec::with_capacity((width * height) as usize);
    for y in 0..height {
        let (r0, r1, fy) = locate((y as f32 + 0.5) * to_photo.1, ys);
        for &(c0, c1, fx) in &cols {
            let top = grid[r0][c0] * (1.0 - fx) + grid[r0][c1] * fx;
            let bottom = grid[r1][c0] * (1.0 - fx) + grid[r1][c1] * fx;
            out.push(top * (1.0 - fy) + bottom * fy);
        }
    }
    out
}

/// Min–max normalisation to [0, 1] (a constant map becomes all zeros).
pub fn normalise(map: &[f32]) -> Vec<f32> {
    let (lo, hi) = map
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
    let span = hi - lo;
    map.iter()
        .map(|&v| if span > 0.0 { (v - lo) / span } else { 0.0 })
        .collect()
}
