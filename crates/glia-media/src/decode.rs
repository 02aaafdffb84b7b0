//! From a photo file to 8-bit RGB pixels, the way a viewer shows it.
//!
//! - the format is sniffed from the bytes, not the extension;
//! - EXIF orientation is applied (the image crate's `Orientation`);
//! - any pixel format (8/16-bit, grayscale, alpha, CMYK JPEG) becomes 8-bit RGB, alpha
//!   composited over white;
//! - camera RAW files are read through their embedded full-size JPEG preview;
//! - a JPEG can be decoded at a reduced DCT scale (1/2, 1/4, 1/8) when the caller only needs a
//!   given short side: the entropy decoding is the same, but the inverse DCT and colour
//!   conversion run on 1/4 … 1/64 of the pixels, which is most of the time for a 24 MP frame.

use std::io::Cursor;
use std::path::Path;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage};

/// Photos above this many megapixels are refused rather than risking the memory.
pub const MAX_MEGAPIXELS: u32 = 250;

/// How many pixels the caller needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Resolution {
    /// Every pixel of the file.
    #[default]
    Full,
    /// At least this short side (after orientation); a JPEG may be decoded at a reduced DCT
    /// scale down to it. Other formats are decoded in full.
    ShortSide(u32),
}

/// Problems with one photo. The run goes on; the reason is reported beside the path.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("cannot read file: {0}")]
    Io(#[from] std::io::Error),
    #[error("empty file")]
    Empty,
    #[error("unsupported file type{0}")]
    Unsupported(String),
    #[error("corrupt or truncated image: {0}")]
    Decode(String),
    #[error("image too large: {width}x{height} pixels (limit {limit} megapixels)")]
    TooLarge { width: u32, height: u32, limit: u32 },
    #[error("image has no pixels ({width}x{height})")]
    Degenerate { width: u32, height: u32 },
}

/// Reads and decodes a photo from disk in full, EXIF orientation applied, as 8-bit RGB.
pub fn load_rgb(path: &Path) -> Result<RgbImage, ImageError> {
    load(path, Resolution::Full)
}

/// Reads and decodes a photo from disk at (at least) `resolution`.
pub fn load(path: &Path, resolution: Resolution) -> Result<RgbImage, ImageError> {
    let bytes = std::fs::read(path)?;
    if crate::is_raw(path) {
        return decode_raw(&bytes, resolution);
    }
    decode(&bytes, resolution)
}

/// A camera RAW file's embedded full-size JPEG preview (what the camera showed), turned as
/// the RAW file says when the preview carries no orientation of its own.
pub fn decode_raw(raw: &[u8], resolution: Resolution) -> Result<RgbImage, ImageError> {
    let preview = crate::raw_preview(raw).map_err(|e| ImageError::Decode(e.to_string()))?;
    let img = decode(preview, resolution)?;
    if crate::orientation(preview).is_some() {
        return Ok(img);
    }
    Ok(apply_orientation(img, crate::raw_orientation(raw)))
}

/// Decodes image bytes (any supported format) in full, EXIF orientation applied, as 8-bit RGB.
pub fn decode_rgb(bytes: &[u8]) -> Result<RgbImage, ImageError> {
    decode(bytes, Resolution::Full)
}

/// Decodes image bytes at (at least) `resolution`, EXIF orientation applied, as 8-bit RGB.
pub fn decode(bytes: &[u8], resolution: Resolution) -> Result<RgbImage, ImageError> {
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
        Some(image::ImageFormat::Jpeg) => {
            if crate::jpeg::stream_len(bytes).is_none() {
                return Err(ImageError::Decode(
                    "truncated JPEG (the image data ends before its end-of-image marker)".into(),
                ));
            }
            if let Resolution::ShortSide(short) = resolution
                && let Some(img) = decode_jpeg_reduced(bytes, short)?
            {
                return Ok(img);
            }
        }
        Some(_) => {}
    }
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    check_size(width, height)?;
    // A broken EXIF block must not cost the photo: fall back to no rotation.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img =
        DynamicImage::from_decoder(decoder).map_err(|e| ImageError::Decode(e.to_string()))?;
    img.apply_orientation(orientation);
    Ok(to_rgb8(img))
}

fn check_size(width: u32, height: u32) -> Result<(), ImageError> {
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
    Ok(())
}

/// A JPEG decoded at the smallest DCT scale (1/2, 1/4, 1/8) whose short side is still at
/// least `short`, or `None` when no reduction is possible (the full decoder is as fast then)
/// or the stream is CMYK / YCCK (left to the full decoder, which knows their colour
/// conversion).
///
/// libjpeg-turbo (through `turbojpeg`) rather than the full decoder's zune-jpeg: at 24 MP most
/// of the work is the entropy decoding no DCT scale avoids, and libjpeg-turbo's is the
/// fastest there is (BENCHMARKS.md has the three decoders side by side).
fn decode_jpeg_reduced(bytes: &[u8], short: u32) -> Result<Option<RgbImage>, ImageError> {
    let turbo = |e: turbojpeg::Error| ImageError::Decode(e.to_string());
    let mut decoder = turbojpeg::Decompressor::new().map_err(turbo)?;
    let header = decoder.read_header(bytes).map_err(turbo)?;
    let (w, h) = (
        u32::try_from(header.width).unwrap_or(u32::MAX),
        u32::try_from(header.height).unwrap_or(u32::MAX),
    );
    check_size(w, h)?;
    let colour = !matches!(
        header.colorspace,
        turbojpeg::Colorspace::CMYK | turbojpeg::Colorspace::YCCK
    );
    let factor = (1..=3)
        .rev()
        .map(|k| 1u32 << k)
        .find(|f| w.min(h).div_ceil(*f) >= short.max(1))
        .unwrap_or(1);
    if factor == 1 || !colour || header.is_lossless {
        return Ok(None);
    }
    let scale = turbojpeg::ScalingFactor::new(1, factor as usize);
    decoder.set_scaling_factor(scale).map_err(turbo)?;
    let out = header.scaled(scale);
    let mut pixels = vec![0u8; 3 * out.width * out.height];
    let image = turbojpeg::Image {
        pixels: pixels.as_mut_slice(),
        width: out.width,
        pitch: 3 * out.width,
        height: out.height,
        format: turbojpeg::PixelFormat::RGB,
    };
    decoder.decompress(bytes, image).map_err(turbo)?;
    let img = RgbImage::from_raw(out.width as u32, out.height as u32, pixels)
        .ok_or_else(|| ImageError::Decode("the JPEG decoder returned too few pixels".into()))?;
    Ok(Some(apply_orientation(img, crate::orientation(bytes))))
}

/// Applies an EXIF orientation (1..=8) when there is one (EXIF thumbnails and RAW previews
/// carry none of their own: they follow the main image's).
pub fn apply_orientation(img: RgbImage, orientation: Option<u32>) -> RgbImage {
    match orientation
        .and_then(|o| u8::try_from(o).ok())
        .and_then(Orientation::from_exif)
    {
        Some(o) if o != Orientation::NoTransforms => {
            let mut d = DynamicImage::ImageRgb8(img);
            d.apply_orientation(o);
            d.into_rgb8()
        }
        _ => img,
    }
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
