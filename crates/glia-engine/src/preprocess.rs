//! From a file on disk to the two network inputs of DESIGN.md §1.
//!
//! - decode (format sniffed from the bytes, not the extension), EXIF orientation applied;
//! - any pixel format (8/16-bit, grayscale, alpha, CMYK JPEG) to 8-bit RGB, alpha composited
//!   over white;
//! - **semantic view**: the whole photo resized to 224×224, antialiased (bicubic, the filter
//!   widened when shrinking, as PIL does);
//! - **detail view**: paper Eq. 1–2: a 7×7 grid of cells `g_h = ⌊H/7⌋`, `g_w = ⌊W/7⌋`, one
//!   32×32 fragment per cell at native resolution, tiled into a 224×224 mosaic. A photo whose
//!   short side is under 224 px is first upscaled so that it is 224.
//! - normalisation `(x/255 − mean)/std` with the backbone's statistics.

use std::io::Cursor;
use std::path::Path;

use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer, images::Image};
use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::ImageError;

/// Side of the network input.
pub const INPUT: u32 = 224;
/// Grid cells per side (paper Eq. 1).
pub const GRID: u32 = 7;
/// Side of one fragment: 2×2 ViT patches.
pub const FRAGMENT: u32 = 32;
/// Photos above this many megapixels are refused rather than risking the memory.
pub const MAX_MEGAPIXELS: u32 = 250;

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
    /// Size of the photo after orientation, before any upscaling.
    pub width: u32,
    pub height: u32,
    /// Size of the image the fragments were cut from (the photo, or its upscaled copy).
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

/// Reads and decodes a photo from disk, EXIF orientation applied, as 8-bit RGB.
pub fn load_rgb(path: &Path) -> Result<RgbImage, ImageError> {
    let bytes = std::fs::read(path)?;
    if glia_media::is_raw(path) {
        return decode_raw(&bytes);
    }
    decode_rgb(&bytes)
}

/// A camera RAW file's embedded full-size JPEG preview (what the camera showed), turned as
/// the RAW file says when the preview carries no orientation of its own.
pub fn decode_raw(raw: &[u8]) -> Result<RgbImage, ImageError> {
    let preview = glia_media::raw_preview(raw).map_err(|e| ImageError::Decode(e.to_string()))?;
    let img = decode_rgb(preview)?;
    if glia_media::orientation(preview).is_some() {
        return Ok(img);
    }
    let turn = glia_media::raw_orientation(raw)
        .and_then(|o| u8::try_from(o).ok())
        .and_then(image::metadata::Orientation::from_exif);
    Ok(match turn {
        Some(o) => {
            let mut d = DynamicImage::ImageRgb8(img);
            d.apply_orientation(o);
            d.into_rgb8()
        }
        None => img,
    })
}

/// Decodes image bytes (any supported format), EXIF orientation applied, as 8-bit RGB.
pub fn decode_rgb(bytes: &[u8]) -> Result<RgbImage, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(ImageError::Io)?;
    match reader.format() {
        None => {
            return Err(ImageError::Unsupported(
                " (not JPEG, PNG, TIFF, WebP or BMP)".into(),
            ));
        }
        // The JPEG decoder fills a cut-off scan with grey rather than failing: catch it here.
        Some(image::ImageFormat::Jpeg) if !jpeg_is_complete(bytes) => {
            return Err(ImageError::Decode(
                "truncated JPEG (the image data ends before its end-of-image marker)".into(),
            ));
        }
        Some(_) => {}
    }
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(ImageError::Degenerate { width, height });
    }
    if u64::from(width) * u64::from(height) > u64::from(MAX_MEGAPIXELS) * 1_000_000 {
        return Err(ImageError::TooLarge {
            width,
            height,
            limit: MAX_MEGAPIXELS,
        });
    }
    // A broken EXIF block must not cost the photo: fall back to no rotation.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img =
        DynamicImage::from_decoder(decoder).map_err(|e| ImageError::Decode(e.to_string()))?;
    img.apply_orientation(orientation);
    Ok(to_rgb8(img))
}

/// Whether a JPEG's main image reaches its end-of-image marker. Marker segments are skipped
/// by their lengths up to the first scan (so an EXIF thumbnail's own marker does not count);
/// inside entropy-coded data `FF D9` cannot occur except as the real end.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut i = 2; // after SOI
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            return false;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1; // fill byte
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        if marker == 0xDA {
            let scan = i + 2 + len;
            return bytes
                .get(scan..)
                .is_some_and(|rest| rest.windows(2).any(|w| w == [0xFF, 0xD9]));
        }
        i += 2 + len;
    }
    false
}

/// 8-bit RGB; transparent pixels are composited over white, as a viewer shows them.
fn to_rgb8(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = RgbImage::new(w, h);
    for (o, p) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u32::from(p[3]);
        for c in 0..3 {
            let v = (u32::from(p[c]) * a + 255 * (255 - a) + 127) / 255;
            o[c] = v as u8;
        }
    }
    out
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

/// The size a photo is upscaled to for fragment sampling: short side at least 224.
pub fn work_size(width: u32, height: u32) -> (u32, u32) {
    let short = width.min(height);
    if short >= INPUT {
        return (width, height);
    }
    let s = f64::from(INPUT) / f64::from(short);
    let up = |v: u32| ((f64::from(v) * s).round() as u32).max(INPUT);
    (up(width), up(height))
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

/// Cuts the fragments of Eq. 1–2 and tiles them into the 224×224 mosaic.
pub fn fragment_mosaic(img: &RgbImage, sampling: Sampling) -> (RgbImage, FragmentLayout) {
    let (width, height) = img.dimensions();
    let (ww, wh) = work_size(width, height);
    let upscaled;
    let work = if (ww, wh) == (width, height) {
        img
    } else {
        upscaled = resize(img, ww, wh);
        &upscaled
    };
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

/// Both views of an already decoded photo.
pub fn prepare(img: &RgbImage, norm: &Normalization, sampling: Sampling) -> Prepared {
    let semantic = normalize(&resize(img, INPUT, INPUT), norm);
    let (mosaic, layout) = fragment_mosaic(img, sampling);
    Prepared {
        semantic,
        mosaic: normalize(&mosaic, norm),
        layout,
        extra_mosaics: Vec::new(),
    }
}

/// Decodes a photo file and prepares both views, plus `samplings` further mosaics from the
/// test-time seeds.
pub fn prepare_file(
    path: &Path,
    norm: &Normalization,
    sampling: Sampling,
    samplings: usize,
) -> Result<Prepared, ImageError> {
    let img = load_rgb(path)?;
    let mut prepared = prepare(&img, norm, sampling);
    prepared.extra_mosaics = (0..samplings as u64)
        .map(|k| {
            let (mosaic, _) = fragment_mosaic(&img, Sampling::Random(TEST_SAMPLING_SEED + k));
            normalize(&mosaic, norm)
        })
        .collect();
    Ok(prepared)
}
