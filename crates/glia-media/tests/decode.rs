//! Decoding at a reduced DCT scale: the pixels a caller asks for, no fewer, the same picture
//! as a full decode shrunk, EXIF orientation applied, and the full decoder where no reduction
//! is possible.

mod common;

use common::*;
use glia_media::{ImageError, Resolution, decode, decode_rgb};
use image::RgbImage;

/// Mean absolute difference per channel value.
fn mad(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

/// A photo-like test card: smooth gradients plus a coarse checker, 1200×800.
fn card() -> RgbImage {
    let g = gradient(1200, 800);
    RgbImage::from_fn(1200, 800, |x, y| {
        let mut p = *g.get_pixel(x, y);
        if ((x / 100) + (y / 100)) % 2 == 0 {
            p[2] = 220;
        }
        p
    })
}

#[test]
fn the_smallest_dct_scale_that_keeps_the_short_side() {
    let jpeg = encode_jpeg(&card());
    let dims = |short| {
        decode(&jpeg, Resolution::ShortSide(short))
            .unwrap()
            .dimensions()
    };
    assert_eq!(dims(100), (150, 100), "1/8");
    assert_eq!(dims(101), (300, 200), "1/4: 1/8 would give 100 < 101");
    assert_eq!(dims(300), (600, 400), "1/2");
    assert_eq!(
        dims(401),
        (1200, 800),
        "full size: no reduction reaches 401"
    );
    assert_eq!(decode_rgb(&jpeg).unwrap().dimensions(), (1200, 800));
}

#[test]
fn a_reduced_decode_is_the_full_decode_shrunk() {
    let jpeg = encode_jpeg(&card());
    let full = decode_rgb(&jpeg).unwrap();
    let quarter = decode(&jpeg, Resolution::ShortSide(200)).unwrap();
    let shrunk = image::imageops::resize(&full, 300, 200, image::imageops::FilterType::Triangle);
    let d = mad(&quarter, &shrunk);
    assert!(d < 3.0, "mean abs difference {d:.2} of 255");
}

#[test]
fn a_reduced_decode_is_turned_by_its_exif_orientation() {
    // Orientation 6: shown rotated 90° clockwise, so the 1200×800 file is 800 wide.
    let mut w = TiffWriter::new(false, 42);
    let (ifd0, _) = w.ifd(&[(0x0112, Val::Short(6))], 0);
    w.set_ifd0(ifd0);
    let jpeg = with_exif(&encode_jpeg(&card()), &w.buf);
    let full = decode_rgb(&jpeg).unwrap();
    assert_eq!(full.dimensions(), (800, 1200));
    let reduced = decode(&jpeg, Resolution::ShortSide(200)).unwrap();
    assert_eq!(reduced.dimensions(), (200, 300));
    let shrunk = image::imageops::resize(&full, 200, 300, image::imageops::FilterType::Triangle);
    assert!(mad(&reduced, &shrunk) < 3.0);
}

#[test]
fn grayscale_jpegs_reduce_too_and_truncated_ones_are_refused() {
    let gray = image::DynamicImage::ImageRgb8(card()).into_luma8();
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
        .encode_image(&gray)
        .unwrap();
    let img = decode(&bytes, Resolution::ShortSide(200)).unwrap();
    assert_eq!(img.dimensions(), (300, 200));
    assert!(img.pixels().all(|p| p[0] == p[1] && p[1] == p[2]));
    let cut = &bytes[..bytes.len() / 2];
    assert!(matches!(
        decode(cut, Resolution::ShortSide(200)),
        Err(ImageError::Decode(_))
    ));
}

/// `img` encoded by libjpeg-turbo's encoder (an encoder independent of the image crate's),
/// progressive or as CMYK.
fn turbo_encode(img: &RgbImage, progressive: bool, cmyk: bool) -> Vec<u8> {
    let mut c = turbojpeg::Compressor::new().unwrap();
    c.set_quality(90).unwrap();
    c.set_progressive(progressive).unwrap();
    let (w, h) = (img.width() as usize, img.height() as usize);
    if cmyk {
        // Naive RGB → CMYK, as Adobe's inverted CMYK files hold it.
        let px: Vec<u8> = img
            .pixels()
            .flat_map(|p| {
                let k = 255 - p[0].max(p[1]).max(p[2]);
                [255 - p[0] - k, 255 - p[1] - k, 255 - p[2] - k, k].map(|v| 255 - v)
            })
            .collect();
        c.set_subsamp(turbojpeg::Subsamp::None).unwrap();
        let image = turbojpeg::Image {
            pixels: px.as_slice(),
            width: w,
            pitch: 4 * w,
            height: h,
            format: turbojpeg::PixelFormat::CMYK,
        };
        return c.compress_to_vec(image).unwrap();
    }
    let image = turbojpeg::Image {
        pixels: img.as_raw().as_slice(),
        width: w,
        pitch: 3 * w,
        height: h,
        format: turbojpeg::PixelFormat::RGB,
    };
    c.compress_to_vec(image).unwrap()
}

#[test]
fn progressive_jpegs_reduce_too() {
    let progressive = turbo_encode(&card(), true, false);
    let full = decode_rgb(&progressive).unwrap();
    assert!(mad(&full, &card()) < 3.0, "the file holds the card");
    let quarter = decode(&progressive, Resolution::ShortSide(200)).unwrap();
    assert_eq!(quarter.dimensions(), (300, 200));
    let shrunk = image::imageops::resize(&full, 300, 200, image::imageops::FilterType::Triangle);
    assert!(mad(&quarter, &shrunk) < 3.0);
}

#[test]
fn cmyk_jpegs_are_left_to_the_full_decoder() {
    let cmyk = turbo_encode(&card(), false, true);
    let full = decode_rgb(&cmyk).unwrap();
    let asked = decode(&cmyk, Resolution::ShortSide(200)).unwrap();
    assert_eq!(asked.dimensions(), (1200, 800), "no reduction: full size");
    assert_eq!(asked, full);
}

/// Every real camera file of `../shared` (4–16 MP, baseline and with EXIF rotation) decodes at
/// its reduced scale to the picture the full decoder (zune-jpeg, through `image`) gives,
/// shrunk: libjpeg-turbo's scaled inverse DCT checked against an independent decoder.
#[test]
fn camera_files_reduce_to_the_full_decode_shrunk() {
    let Some(dir) = shared_camera_dir() else {
        eprintln!(
            "SKIPPED camera_files_reduce_to_the_full_decode_shrunk: ../shared/data/camera not found (set GLIA_SHARED)"
        );
        return;
    };
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if !path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("jpg"))
        {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let full = decode_rgb(&bytes).unwrap();
        let reduced = decode(&bytes, Resolution::ShortSide(512)).unwrap();
        let (w, h) = reduced.dimensions();
        assert!(
            w.min(h) >= 512 && w.min(h) < full.width().min(full.height()),
            "{}",
            path.display()
        );
        let shrunk = image::imageops::resize(&full, w, h, image::imageops::FilterType::Triangle);
        let d = mad(&reduced, &shrunk);
        assert!(d < 3.0, "{}: mean abs difference {d:.2}", path.display());
        n += 1;
    }
    assert!(n >= 10, "only {n} camera files");
}
