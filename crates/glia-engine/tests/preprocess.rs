//! Preprocessing against hand-built cases: decoding of every pixel format, EXIF orientation,
//! fragment positions (Eq. 1–2), antialiased resizing, normalisation.

use glia_engine::preprocess::*;
use glia_media::decode_rgb;
use image::{ImageBuffer, Luma, Rgb, RgbImage, Rgba};

/// Pixel (x, y) encodes its own coordinates: R = x mod 256, G = y mod 256, B = high bits.
fn coordinate_image(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb([
            (x % 256) as u8,
            (y % 256) as u8,
            ((x / 256) * 16 + y / 256) as u8,
        ])
    })
}

fn decode_coord(p: &Rgb<u8>) -> (u32, u32) {
    let (r, g, b) = (u32::from(p[0]), u32::from(p[1]), u32::from(p[2]));
    ((b / 16) * 256 + r, (b % 16) * 256 + g)
}

fn jpeg(
    data: &[u8],
    w: u16,
    h: u16,
    color: jpeg_encoder::ColorType,
    app1: Option<Vec<u8>>,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 100);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_1_1);
    if let Some(exif) = app1 {
        enc.add_app_segment(1, exif).unwrap();
    }
    enc.encode(data, w, h, color).unwrap();
    out
}

/// A minimal little-endian EXIF block holding only the Orientation tag (0x0112).
fn exif_orientation(value: u16) -> Vec<u8> {
    let mut e = b"Exif\0\0II*\0".to_vec();
    e.extend(8u32.to_le_bytes()); // IFD0 offset
    e.extend(1u16.to_le_bytes()); // one entry
    e.extend(0x0112u16.to_le_bytes());
    e.extend(3u16.to_le_bytes()); // SHORT
    e.extend(1u32.to_le_bytes());
    e.extend(value.to_le_bytes());
    e.extend([0, 0]);
    e.extend(0u32.to_le_bytes()); // no next IFD
    e
}

fn png<P: image::PixelWithColorType>(img: &ImageBuffer<P, Vec<P::Subpixel>>) -> Vec<u8>
where
    [P::Subpixel]: image::EncodableLayout,
{
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn fragments_are_cut_where_eq_1_2_say() {
    // 700×490: cells of g_w = 100, g_h = 70; centred 32×32 fragments start 34 / 19 px in.
    let img = coordinate_image(700, 490);
    let (mosaic, layout) = fragment_mosaic(&img, Sampling::Centered, DetailScale::Native);
    assert_eq!(mosaic.dimensions(), (224, 224));
    assert_eq!(layout.cell(), (100, 70));
    for row in 0..7u32 {
        for col in 0..7u32 {
            for (u, v) in [(0, 0), (31, 0), (0, 31), (31, 31), (13, 7)] {
                let got = decode_coord(mosaic.get_pixel(col * 32 + u, row * 32 + v));
                let want = (col * 100 + 34 + u, row * 70 + 19 + v);
                assert_eq!(got, want, "cell ({row},{col}) pixel ({u},{v})");
            }
        }
    }
}

#[test]
fn random_fragments_stay_in_their_cells_and_follow_the_seed() {
    let (w, h) = (1000u32, 600u32);
    let (gw, gh) = (w / 7, h / 7);
    let a = fragment_origins(w, h, Sampling::Random(7));
    assert_eq!(
        a,
        fragment_origins(w, h, Sampling::Random(7)),
        "same seed, same offsets"
    );
    assert_ne!(
        a,
        fragment_origins(w, h, Sampling::Random(8)),
        "another seed, other offsets"
    );
    assert_ne!(a, fragment_origins(w, h, Sampling::Centered));
    for (cell, &(x, y)) in a.iter().enumerate() {
        let (row, col) = (cell as u32 / 7, cell as u32 % 7);
        assert!(
            x >= col * gw && x + 32 <= (col + 1) * gw,
            "cell {cell}: x {x}"
        );
        assert!(
            y >= row * gh && y + 32 <= (row + 1) * gh,
            "cell {cell}: y {y}"
        );
    }
    // Over many seeds every offset in a cell is reachable, both ends included.
    let xs: Vec<u32> = (0..2000)
        .map(|s| fragment_origins(w, h, Sampling::Random(s))[0].0)
        .collect();
    assert_eq!(xs.iter().min(), Some(&0));
    assert_eq!(xs.iter().max(), Some(&(gw - 32)));
}

#[test]
fn small_photos_are_upscaled_to_a_224_short_side() {
    assert_eq!(work_size(150, 100, DetailScale::Native), (336, 224));
    assert_eq!(work_size(100, 150, DetailScale::Native), (224, 336));
    assert_eq!(work_size(224, 500, DetailScale::Native), (224, 500));
    assert_eq!(work_size(50, 50, DetailScale::Native), (224, 224));
    let img = coordinate_image(150, 100);
    let (mosaic, layout) = fragment_mosaic(&img, Sampling::Centered, DetailScale::Native);
    assert_eq!(mosaic.dimensions(), (224, 224));
    assert_eq!(
        (
            layout.width,
            layout.height,
            layout.work_width,
            layout.work_height
        ),
        (150, 100, 336, 224)
    );
    assert_eq!(layout.cell(), (48, 32));
    // Every fragment lies inside the upscaled photo, at the cell's centre.
    assert_eq!(layout.origins[8], (48 + 8, 32));
    // Exactly 224: the cells are exactly the fragments and the mosaic is the photo.
    let exact = coordinate_image(224, 224);
    assert_eq!(
        fragment_mosaic(&exact, Sampling::Centered, DetailScale::Native).0,
        exact
    );
}

#[test]
fn a_working_short_side_shrinks_large_photos_and_enlarges_small_ones() {
    let at = DetailScale::ShortSide(512);
    assert_eq!(work_size(4000, 3000, at), (683, 512));
    assert_eq!(work_size(3000, 4000, at), (512, 683));
    assert_eq!(
        work_size(750, 500, at),
        (750, 500),
        "from 3/4 of the working side up, photos keep their pixels"
    );
    assert_eq!(work_size(576, 384, at), (576, 384));
    assert_eq!(
        work_size(375, 250, at),
        (563, 375),
        "a small photo is enlarged 1.5×"
    );
    assert_eq!(
        work_size(450, 300, at),
        (576, 384),
        "... but not past 3/4 of the working side"
    );
    assert_eq!(
        work_size(150, 100, at),
        (336, 224),
        "tiny photos are still upscaled to 224"
    );
    assert_eq!(work_size(600, 400, DetailScale::Native), (600, 400));
    // The mosaic of a 2× copy cut at a working side equals the one of the photo itself
    // (up to resampling): both are cut from the same 768 px image.
    let img = coordinate_image(1536, 1024);
    let (_, layout) = fragment_mosaic(&img, Sampling::Centered, DetailScale::ShortSide(512));
    assert_eq!(
        (
            layout.width,
            layout.height,
            layout.work_width,
            layout.work_height
        ),
        (1536, 1024, 768, 512)
    );
    assert_eq!(layout.cell(), (109, 73));
}

#[test]
fn semantic_resize_is_antialiased() {
    // A one-pixel checkerboard shrunk 4×: an antialiased filter gives flat mid-grey,
    // point sampling would give pure black or white.
    let board = RgbImage::from_fn(896, 896, |x, y| {
        if (x + y) % 2 == 0 {
            Rgb([255; 3])
        } else {
            Rgb([0; 3])
        }
    });
    let small = resize(&board, 224, 224);
    let interior = small
        .enumerate_pixels()
        .filter(|(x, y, _)| (4..220).contains(x) && (4..220).contains(y));
    for (_, _, p) in interior {
        assert!((120..=135).contains(&p[0]), "aliased value {}", p[0]);
    }
    // A flat image stays flat, whatever the aspect change.
    let flat = resize(
        &RgbImage::from_pixel(640, 480, Rgb([10, 200, 90])),
        224,
        224,
    );
    assert!(flat.pixels().all(|p| p.0 == [10, 200, 90]));
}

#[test]
fn normalisation_maps_0_255_to_minus1_plus1_channel_first() {
    let img = RgbImage::from_fn(2, 1, |x, _| {
        if x == 0 {
            Rgb([0, 255, 51])
        } else {
            Rgb([255, 0, 204])
        }
    });
    let v = normalize(&img, &Normalization::default());
    let want = [-1.0, 1.0, 1.0, -1.0, -0.6, 0.6];
    for (a, b) in v.iter().zip(want) {
        assert!((a - b).abs() < 1e-6, "{v:?}");
    }
    let imagenet = Normalization {
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
    };
    let v = normalize(&RgbImage::from_pixel(1, 1, Rgb([255, 255, 255])), &imagenet);
    assert!((v[0] - (1.0 - 0.485) / 0.229).abs() < 1e-5);
}

#[test]
fn exif_orientation_is_applied() {
    // 40×20, left half red, right half blue; orientation 6 = rotate 90° clockwise to show.
    let mut data = Vec::new();
    for _y in 0..20 {
        for x in 0..40 {
            data.extend(if x < 20 { [255u8, 0, 0] } else { [0, 0, 255] });
        }
    }
    let plain = decode_rgb(&jpeg(&data, 40, 20, jpeg_encoder::ColorType::Rgb, None)).unwrap();
    assert_eq!(plain.dimensions(), (40, 20));
    let rotated = decode_rgb(&jpeg(
        &data,
        40,
        20,
        jpeg_encoder::ColorType::Rgb,
        Some(exif_orientation(6)),
    ))
    .unwrap();
    assert_eq!(rotated.dimensions(), (20, 40));
    let (top, bottom) = (rotated.get_pixel(10, 5), rotated.get_pixel(10, 35));
    assert!(top[0] > 200 && top[2] < 60, "top should be red, is {top:?}");
    assert!(
        bottom[2] > 200 && bottom[0] < 60,
        "bottom should be blue, is {bottom:?}"
    );
    // Orientation 3 = rotate 180°: red ends on the right.
    let flipped = decode_rgb(&jpeg(
        &data,
        40,
        20,
        jpeg_encoder::ColorType::Rgb,
        Some(exif_orientation(3)),
    ))
    .unwrap();
    assert_eq!(flipped.dimensions(), (40, 20));
    assert!(flipped.get_pixel(35, 10)[0] > 200 && flipped.get_pixel(5, 10)[2] > 200);
}

#[test]
fn cmyk_jpeg_is_converted_to_rgb() {
    // Pure red in CMYK is C=0, M=255, Y=255, K=0; black is K=255.
    let mut data = Vec::new();
    for _ in 0..16 * 16 {
        data.extend([0u8, 255, 255, 0]);
    }
    for _ in 0..16 * 16 {
        data.extend([0u8, 0, 0, 255]);
    }
    let img = decode_rgb(&jpeg(&data, 16, 32, jpeg_encoder::ColorType::Cmyk, None)).unwrap();
    let (red, black) = (img.get_pixel(8, 4), img.get_pixel(8, 28));
    assert!(
        red[0] > 200 && red[1] < 60 && red[2] < 60,
        "red decoded as {red:?}"
    );
    assert!(
        black.0.iter().all(|&c| c < 40),
        "black decoded as {black:?}"
    );
}

#[test]
fn sixteen_bit_grayscale_and_alpha_are_converted() {
    let rgb16 = ImageBuffer::<Rgb<u16>, _>::from_pixel(4, 4, Rgb([65535, 32896, 0]));
    let img = decode_rgb(&png(&rgb16)).unwrap();
    assert_eq!(img.get_pixel(1, 1).0, [255, 128, 0]);

    let gray = ImageBuffer::<Luma<u8>, _>::from_fn(4, 4, |x, _| Luma([x as u8 * 60]));
    let img = decode_rgb(&png(&gray)).unwrap();
    assert_eq!(img.get_pixel(2, 0).0, [120, 120, 120]);

    let gray16 = ImageBuffer::<Luma<u16>, _>::from_pixel(3, 3, Luma([257 * 77]));
    assert_eq!(
        decode_rgb(&png(&gray16)).unwrap().get_pixel(0, 0).0,
        [77, 77, 77]
    );

    // Alpha: opaque keeps its colour, transparent shows white, half blends.
    let rgba = ImageBuffer::<Rgba<u8>, _>::from_fn(3, 1, |x, _| {
        Rgba([0, 0, 0, [255, 0, 128][x as usize]])
    });
    let img = decode_rgb(&png(&rgba)).unwrap();
    assert_eq!(img.get_pixel(0, 0).0, [0, 0, 0]);
    assert_eq!(img.get_pixel(1, 0).0, [255, 255, 255]);
    assert_eq!(img.get_pixel(2, 0).0, [127, 127, 127]);
}

#[test]
fn bad_bytes_give_reasons() {
    use glia_engine::ImageError;
    assert!(matches!(decode_rgb(b""), Err(ImageError::Empty)));
    assert!(matches!(
        decode_rgb(b"hello, this is not an image"),
        Err(ImageError::Unsupported(_))
    ));
    let mut data = Vec::new();
    for i in 0..64 * 64 * 3 {
        data.push((i * 37 % 251) as u8);
    }
    let good = jpeg(&data, 64, 64, jpeg_encoder::ColorType::Rgb, None);
    assert!(decode_rgb(&good).is_ok());
    let truncated = &good[..good.len() / 2];
    let err = decode_rgb(truncated).expect_err("a half JPEG must not pass as a photo");
    assert!(
        err.to_string().contains("truncated") || err.to_string().contains("corrupt"),
        "{err}"
    );
    // A JPEG whose EXIF thumbnail is whole but whose main image is cut off.
    let thumb = jpeg(&data[..8 * 8 * 3], 8, 8, jpeg_encoder::ColorType::Rgb, None);
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(&thumb);
    let with_thumb = jpeg(&data, 64, 64, jpeg_encoder::ColorType::Rgb, Some(exif));
    assert!(decode_rgb(&with_thumb).is_ok());
    assert!(decode_rgb(&with_thumb[..with_thumb.len() - 200]).is_err());
    let png_bytes = png(&RgbImage::from_fn(64, 64, |x, y| {
        Rgb([x as u8 * 3, y as u8 * 3, 7])
    }));
    assert!(
        decode_rgb(&png_bytes[..png_bytes.len() / 2]).is_err(),
        "half a PNG"
    );
    let mut corrupt = good.clone();
    for b in corrupt.iter_mut().skip(200).take(400) {
        *b = 0xFF;
    }
    assert!(
        decode_rgb(&corrupt).is_err(),
        "garbage in the entropy-coded data"
    );
}
