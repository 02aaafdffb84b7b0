//! From a file on disk to the two network inputs of docs/model.md §1.
//!
//! - decoding (format, orientation, pixel formats, reduced-scale JPEG) is `glia_media::decode`;
//! - **semantic view**: the whole photo resized to 224×224, antialiased (bicubic, the filter
//!   widened when shrinking, as PIL does);
//! - **detail view**: paper Eq. 1–2: a 7×7 grid of cells `g_h = ⌊H/7⌋`, `g_w = ⌊W/7⌋`, one
//!   32×32 fragment per cell, tiled into a 224×224 mosaic. The cells are cut from the photo at
//!   the model's [`DetailScale`]: native pixels (the paper's choice for 500–1024 px data sets),
//!   or the photo shrunk to a working short side, so that a fragment of a 24 MP frame covers
//!   a similar share of the scene as a fragment of the 500 px training photos did (the sweep
//!   that chose it is in BENCHMARKS.md). A photo whose short side is under 224 px is first
//!   upscaled so that it is 224.
//! - normalisation `(x/255 − mean)/std` with the backbone's statistics.

use std::borrow::Cow;
use std::path::Path;

use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer, images::Image};
use glia_media::Resolution;
use image::RgbImage;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::ImageError;

/// Side of the network input.
pub const INPUT: u32 = 224;
/// Grid cells per side (paper Eq. 1).
pub const GRID: u32 = 7;
/// Side of one fragment: 2×2 ViT patches.
pub const FRAGMENT: u32 = 32;
/// The working short side of models glia trains (see [`DetailScale`]; BENCHMARKS.md has the
/// sweep that chose it).
pub const WORKING_SHORT_SIDE: u32 = 512;

/// The scale the detail view's cells are cut at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DetailScale {
    /// The photo's own pixels (models trained before working resolutions existed).
    #[default]
    Native,
    /// The photo shrunk (never enlarged) so that its short side is at most this.
    ShortSide(u32),
}

impl DetailScale {
    /// How much of a file the decoder must produce for both views: the semantic view needs
    /// 224 px, the detail view its working short side.
    pub fn resolution(self) -> Resolution {
        match self {
            DetailScale::Native => Resolution::Full,
            DetailScale::ShortSide(s) => Resolution::ShortSide(s.max(INPUT)),
        }
    }
}

/// Per-channel normalisation of the backbone.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Normalization {
    pub mean: [f32; 3],
    pub std: [f32; 3],
}

impl Default for Normalization {
    /// timm's augreg ViTs (the shipped ViT-Ti and `vit_base_patch16_224`) use 0.5 / 0.5.
    fn default() -> Self {
        Self {
            mean: [0.5; 3],
            std: [0.5; 3],
        }
    }
}

/// Where each fragment was cut, so maps over the mosaic can be put back on the photo.
#[derive(Debug, Clone, PartialEq)]
pub struct FragmentLayout {
    /// Size of the photo after orientation, before any resizing.
    pub width: u32,
    pub height: u32,
    /// Size of the image the fragments were cut from (the photo, or its resized copy).
    pub work_width: u32,
    pub work_height: u32,
    /// Top-left `(x, y)` of the fragment of cell `(row, col)`, at `row * GRID + col`, in
    /// work-image pixels. The fragment fills mosaic pixels `[col·32, col·32+32) × [row·32, …)`.
    pub origins: Vec<(u32, u32)>,
}

impl FragmentLayout {
    /// `(g_w, g_h)`: the cell size of Eq. 1.
    pub fn cell(&self) -> (u32, u32) {
        (self.work_width / GRID, self.work_height / GRID)
    }
}

/// Seed of the first test-time sampling; sampling `k` uses `TEST_SAMPLING_SEED + k`, so every
/// model and every photo list is scored on the same fragments.
pub const TEST_SAMPLING_SEED: u64 = 0x7e57;

/// How fragment offsets inside each cell are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampling {
    /// Centred in each cell: inference.
    Centered,
    /// Uniform random offset per cell from this seed: training and test-time sampling.
    Random(u64),
}

/// A photo ready for the network: both views as normalised CHW f32.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub semantic: Vec<f32>,
    pub mosaic: Vec<f32>,
    pub layout: FragmentLayout,
    /// Further mosaics of the same photo from seeded random offsets (test-time sampling):
    /// scored against the same semantic tokens and averaged with `mosaic`.
    pub extra_mosaics: Vec<Vec<f32>>,
}

/// Antialiased resize to exactly `width`×`height` (bicubic; the kernel is widened by the
/// scale factor when shrinking, so no aliasing).
pub fn resize(img: &RgbImage, width: u32, height: u32) -> RgbImage {
    if img.dimensions() == (width, height) {
        return img.clone();
    }
    let mut dst = Image::new(width, height, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom));
    Resizer::new()
        .resize(img, &mut dst, &options)
        .expect("RGB8 to RGB8 resize with a non-empty destination cannot fail");
    RgbImage::from_raw(width, height, dst.into_vec()).expect("buffer size matches dimensions")
}

/// With a working short side `s`, photos whose short side is under `s · SMALL_PHOTO` are
/// enlarged for the detail view (see [`work_size`]).
pub const SMALL_PHOTO: f64 = 0.75;
/// ... by at most this factor.
pub const MAX_ENLARGEMENT: f64 = 1.5;

/// The size of the image the fragments are cut from: the photo at `scale`, then upscaled if
/// its short side is under 224.
///
/// With a working short side, a small photo (a web copy, a thumbnail) is also enlarged by up
/// to [`MAX_ENLARGEMENT`] toward `s · SMALL_PHOTO`: cut natively, each fragment of a 250 px
/// copy covers twice the share of the scene it did in training and its pixels are sharper
/// than the 500 px original's, which the model scored about 7 points higher; enlarging trades
/// that for a slight softness. The sweep that chose 1.5 is in BENCHMARKS.md; photos from
/// 384 px to the working side keep their pixels (LIVEC's 500 px ones among them).
pub fn work_size(width: u32, height: u32, scale: DetailScale) -> (u32, u32) {
    let short = width.min(height);
    let target = match scale {
        DetailScale::ShortSide(s) if short > s => s.max(INPUT),
        DetailScale::ShortSide(s) if f64::from(short) < f64::from(s) * SMALL_PHOTO => {
            let toward = (f64::from(s) * SMALL_PHOTO).round() as u32;
            let enlarged = (f64::from(short) * MAX_ENLARGEMENT).round() as u32;
            enlarged.min(toward).max(INPUT)
        }
        _ if short < INPUT => INPUT,
        _ => return (width, height),
    };
    let s = f64::from(target) / f64::from(short);
    let fit = |v: u32| ((f64::from(v) * s).round() as u32).max(target);
    (fit(width), fit(height))
}

/// Fragment origins for a `width`×`height` work image (both at least 224).
pub fn fragment_origins(width: u32, height: u32, sampling: Sampling) -> Vec<(u32, u32)> {
    let (gw, gh) = (width / GRID, height / GRID);
    let (spare_x, spare_y) = (gw - FRAGMENT, gh - FRAGMENT);
    let mut rng = match sampling {
        Sampling::Random(seed) => Some(ChaCha8Rng::seed_from_u64(seed)),
        Sampling::Centered => None,
    };
    let mut origins = Vec::with_capacity((GRID * GRID) as usize);
    for row in 0..GRID {
        for col in 0..GRID {
            let (dx, dy) = match rng.as_mut() {
                Some(r) => (r.random_range(0..=spare_x), r.random_range(0..=spare_y)),
                None => (spare_x / 2, spare_y / 2),
            };
            origins.push((col * gw + dx, row * gh + dy));
        }
    }
    origins
}

/// The image the fragments are cut from: the photo itself, or its copy at [`work_size`].
fn work_image(img: &RgbImage, scale: DetailScale) -> Cow<'_, RgbImage> {
    let (width, height) = img.dimensions();
    match work_size(width, height, scale) {
        (ww, wh) if (ww, wh) == (width, height) => Cow::Borrowed(img),
        (ww, wh) => Cow::Owned(resize(img, ww, wh)),
    }
}

/// Cuts the fragments of Eq. 1–2 at `scale` and tiles them into the 224×224 mosaic.
pub fn fragment_mosaic(
    img: &RgbImage,
    sampling: Sampling,
    scale: DetailScale,
) -> (RgbImage, FragmentLayout) {
    let (width, height) = img.dimensions();
    let work = work_image(img, scale);
    let (ww, wh) = work.dimensions();
    let origins = fragment_origins(ww, wh, sampling);
    let mut mosaic = RgbImage::new(INPUT, INPUT);
    for (cell, &(x0, y0)) in origins.iter().enumerate() {
        let (row, col) = (cell as u32 / GRID, cell as u32 % GRID);
        for y in 0..FRAGMENT {
            for x in 0..FRAGMENT {
                let p = *work.get_pixel(x0 + x, y0 + y);
                mosaic.put_pixel(col * FRAGMENT + x, row * FRAGMENT + y, p);
            }
        }
    }
    let layout = FragmentLayout {
        width,
        height,
        work_width: ww,
        work_height: wh,
        origins,
    };
    (mosaic, layout)
}

/// `(x/255 − mean)/std`, HWC u8 → CHW f32.
pub fn normalize(img: &RgbImage, norm: &Normalization) -> Vec<f32> {
    let (w, h) = img.dimensions();
    let plane = (w * h) as usize;
    let mut out = vec![0.0f32; 3 * plane];
    for (i, p) in img.pixels().enumerate() {
        for c in 0..3 {
            out[c * plane + i] = (f32::from(p[c]) / 255.0 - norm.mean[c]) / norm.std[c];
        }
    }
    out
}

/// Both views of an already decoded photo, plus `samplings` further mosaics from the
/// test-time seeds. The photo is resized to its working size once for all mosaics.
pub fn prepare(
    img: &RgbImage,
    norm: &Normalization,
    sampling: Sampling,
    samplings: usize,
    scale: DetailScale,
) -> Prepared {
    let semantic = normalize(&resize(img, INPUT, INPUT), norm);
    let (width, height) = img.dimensions();
    let work = work_image(img, scale);
    // Already at working size: cut natively from here on.
    let (mosaic, mut layout) = fragment_mosaic(&work, sampling, DetailScale::Native);
    (layout.width, layout.height) = (width, height);
    let extra_mosaics = (0..samplings as u64)
        .map(|k| {
            let sampling = Sampling::Random(TEST_SAMPLING_SEED + k);
            normalize(
                &fragment_mosaic(&work, sampling, DetailScale::Native).0,
                norm,
            )
        })
        .collect();
    Prepared {
        semantic,
        mosaic: normalize(&mosaic, norm),
        layout,
        extra_mosaics,
    }
}

/// Decodes a photo file (with `reduced`, no more of it than `scale` needs) and prepares both
/// views.
pub fn prepare_file(
    path: &Path,
    norm: &Normalization,
    sampling: Sampling,
    samplings: usize,
    scale: DetailScale,
    reduced: bool,
) -> Result<Prepared, ImageError> {
    let resolution = if reduced {
        scale.resolution()
    } else {
        Resolution::Full
    };
    let img = glia_media::load(path, resolution)?;
    Ok(prepare(&img, norm, sampling, samplings, scale))
}
