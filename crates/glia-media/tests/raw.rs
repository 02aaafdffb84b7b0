mod common;

use std::path::Path;

use common::*;
use glia_media::{MediaError, is_raw, raw_orientation, raw_preview};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Decodes a returned preview independently and checks it is the known 64x48 gradient.
fn assert_is_preview(bytes: &[u8]) {
    let img = image::load_from_memory(bytes).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (64, 48));
    let corner = img.get_pixel(63, 0);
    assert!(
        corner[0] > 230 && corner[1] < 25,
        "top-right should be red-ish, got {corner:?}"
    );
    let corner = img.get_pixel(0, 47);
    assert!(
        corner[0] < 25 && corner[1] > 230,
        "bottom-left should be green-ish, got {corner:?}"
    );
}

#[test]
fn raw_extensions_are_recognised_in_any_case() {
    assert!(is_raw(Path::new("/photos/IMG_0001.CR2")));
    assert!(is_raw(Path::new("a.nef")));
    assert!(is_raw(Path::new("b.Rw2")));
    assert!(!is_raw(Path::new("c.jpg")));
    assert!(!is_raw(Path::new("cr2")));
    assert!(!is_raw(Path::new("d.cr2.txt")));
}

#[test]
fn little_endian_tiff_gives_the_subifd_preview_not_the_thumbnail() {
    let raw = tiff_raw(true, 42);
    let preview = raw_preview(&raw.file).unwrap();
    assert_eq!(preview, &raw.preview[..]);
    assert_is_preview(preview);
    assert_eq!(raw_orientation(&raw.file), Some(6));
}

#[test]
fn big_endian_tiff_gives_the_subifd_preview() {
    let raw = tiff_raw(false, 42);
    assert_eq!(&raw.file[..4], b"MM\0*");
    assert_eq!(raw_preview(&raw.file).unwrap(), &raw.preview[..]);
    assert_eq!(raw_orientation(&raw.file), Some(6));
}

#[test]
fn orf_and_rw2_magic_numbers_are_read_as_tiff() {
    for magic in [0x4F52, 0x55] {
        let raw = tiff_raw(true, magic);
        assert_eq!(raw_preview(&raw.file).unwrap(), &raw.preview[..]);
        assert_eq!(raw_orientation(&raw.file), Some(6));
        assert_eq!(glia_media::date_taken(&raw.file), Some(1_714_979_289));
    }
}

#[test]
fn cr2_style_strip_preview_is_found_and_lossless_sensor_data_skipped() {
    // CR2: IFD0 keeps the full-size preview as a JPEG strip, IFD3 the sensor data as a lossless
    // JPEG strip, both with Compression 6. The sensor data is bigger but must not win.
    let preview = preview_jpeg();
    let sensor = lossless_jpeg(4000, 3000);
    let mut w = TiffWriter::new(true, 42);
    let preview_at = w.append(&preview);
    let sensor_at = w.append(&sensor);
    let (ifd3, _) = w.ifd(
        &[
            (0x0103, Val::Short(6)),
            (0x0111, Val::Long(sensor_at)),
            (0x0117, Val::Long(sensor.len() as u32)),
        ],
        0,
    );
    let (ifd0, _) = w.ifd(
        &[
            (0x0103, Val::Short(6)),
            (0x0111, Val::Long(preview_at)),
            (0x0112, Val::Short(8)),
            (0x0117, Val::Long(preview.len() as u32)),
        ],
        ifd3,
    );
    w.set_ifd0(ifd0);
    assert_eq!(raw_preview(&w.buf).unwrap(), &preview[..]);
    assert_eq!(raw_orientation(&w.buf), Some(8));
}

#[test]
fn raf_header_points_at_the_preview() {
    let preview = preview_jpeg();
    let mut raf = b"FUJIFILMCCD-RAW 0201FF383501".to_vec();
    raf.resize(84, b' ');
    let offset = 160u32;
    raf.extend(offset.to_be_bytes());
    raf.extend((preview.len() as u32).to_be_bytes());
    raf.resize(offset as usize, 0);
    raf.extend(&preview);
    raf.extend([0x5A; 300]);
    assert_eq!(raw_preview(&raf).unwrap(), &preview[..]);
}

#[test]
fn cr3_like_file_is_scanned_for_its_largest_jpeg() {
    let preview = preview_jpeg();
    assert!(
        preview.windows(2).any(|w| w == [0xFF, 0x00]),
        "the preview should contain byte stuffing for this test to mean anything"
    );
    let thumb = thumb_jpeg();
    let mut ifd0 = TiffWriter::new(true, 42);
    let (at, _) = ifd0.ifd(
        &[
            (0x0112, Val::Short(3)),
            (0x0132, Val::Ascii("2023:01:02 03:04:05")),
        ],
        0,
    );
    ifd0.set_ifd0(at);
    let mut exif = TiffWriter::new(true, 42);
    let (at, _) = exif.ifd(&[(0x9003, Val::Ascii("2024:05:06 07:08:09"))], 0);
    exif.set_ifd0(at);
    let mut header = bmff_box(b"CMT1", &ifd0.buf);
    header.extend(bmff_box(b"CMT2", &exif.buf));
    // A false start: SOI and a marker, then nothing a JPEG could be.
    header.extend([0xFF, 0xD8, 0xFF, 0x12, 0x34]);
    header.extend(bmff_box(b"THMB", &thumb));
    let mut file = bmff_box(b"ftyp", b"crx \0\0\0\x01crx isom");
    file.extend(bmff_box(b"moov", &bmff_box(b"uuid", &header)));
    let mut mdat = vec![0x11; 500];
    mdat.extend(&preview);
    mdat.extend([0xFF, 0xD9, 0x00, 0xFF]);
    file.extend(bmff_box(b"mdat", &mdat));

    let found = raw_preview(&file).unwrap();
    assert_eq!(found, &preview[..]);
    assert_is_preview(found);
    assert_eq!(raw_orientation(&file), Some(3));
    assert_eq!(glia_media::date_taken(&file), Some(1_714_979_289));
}

#[test]
fn only_lossless_jpeg_is_no_preview() {
    let mut file = vec![0u8; 64];
    file.extend(lossless_jpeg(6000, 4000));
    file.extend([0u8; 64]);
    assert!(matches!(raw_preview(&file), Err(MediaError::NoRawPreview)));
}

#[test]
fn garbage_empty_and_truncated_files_are_errors() {
    assert!(matches!(raw_preview(&[]), Err(MediaError::NoRawPreview)));
    assert!(raw_preview(b"II*\0").is_err());
    let noise: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert!(raw_preview(&noise).is_err());

    // The only preview lies past the end of the file.
    let preview = preview_jpeg();
    let mut w = TiffWriter::new(true, 42);
    let (ifd0, _) = w.ifd(
        &[
            (0x0103, Val::Short(6)),
            (0x0201, Val::Long(1_000_000)),
            (0x0202, Val::Long(preview.len() as u32)),
        ],
        0,
    );
    w.set_ifd0(ifd0);
    assert!(raw_preview(&w.buf).is_err());

    // The preview is cut short: its directory says more bytes than there are, and no EOI ends it.
    let raw = tiff_raw(true, 42);
    let preview_at = raw
        .file
        .windows(raw.preview.len())
        .position(|w| w == raw.preview)
        .unwrap();
    let cut = &raw.file[..preview_at + raw.preview.len() / 2];
    // Only the thumbnail before it is whole.
    assert_eq!(raw_preview(cut).unwrap(), &raw.thumb[..]);

    let err = raw_preview(&[]).unwrap_err().to_string();
    assert!(err.contains("no embedded JPEG preview"), "{err}");
}

#[test]
fn random_and_damaged_files_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let valid = [tiff_raw(true, 42).file, tiff_raw(false, 42).file, {
        let tiff = tiff_raw(true, 42);
        with_exif(&tiff.preview, &tiff.file)
    }];
    let check = |bytes: &[u8]| {
        let _ = raw_preview(bytes);
        let _ = raw_orientation(bytes);
        let _ = glia_media::exif_thumbnail(bytes);
        let _ = glia_media::date_taken(bytes);
        let _ = glia_media::orientation(bytes);
    };
    for _ in 0..300 {
        let len = rng.random_range(0..4000);
        let noise: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        check(&noise);
        let mut prefixed = b"II*\0\x08\0\0\0".to_vec();
        prefixed.extend(&noise);
        check(&prefixed);
    }
    for file in &valid {
        for _ in 0..300 {
            let cut = rng.random_range(0..file.len());
            check(&file[..cut]);
            let mut damaged = file.clone();
            for _ in 0..rng.random_range(1..8) {
                let at = rng.random_range(0..damaged.len());
                damaged[at] = rng.random();
            }
            check(&damaged);
        }
    }
}
