mod common;

use common::*;
use glia_media::{date_taken, exif_thumbnail, orientation};

/// A JPEG whose APP1 EXIF has Orientation 6, DateTime, DateTimeOriginal and an IFD1 thumbnail,
/// written byte by byte so the expected values are independent of any EXIF library.
fn jpeg_with_exif(date_time_original: Option<&'static str>) -> (Vec<u8>, Vec<u8>) {
    let thumb = thumb_jpeg();
    let mut w = TiffWriter::new(false, 42);
    let thumb_at = w.append(&thumb);
    let (exif, _) = match date_time_original {
        Some(date) => w.ifd(&[(0x9003, Val::Ascii(date))], 0),
        None => w.ifd(&[(0x9000, Val::Long(0x3032_3330))], 0),
    };
    let (ifd1, _) = w.ifd(
        &[
            (0x0103, Val::Short(6)),
            (0x0201, Val::Long(thumb_at)),
            (0x0202, Val::Long(thumb.len() as u32)),
        ],
        0,
    );
    let (ifd0, _) = w.ifd(
        &[
            (0x0112, Val::Short(6)),
            (0x0132, Val::Ascii("2020:01:01 00:00:00")),
            (0x8769, Val::Long(exif)),
        ],
        ifd1,
    );
    w.set_ifd0(ifd0);
    (with_exif(&preview_jpeg(), &w.buf), thumb)
}

#[test]
fn exif_facts_of_a_jpeg() {
    let (jpeg, thumb) = jpeg_with_exif(Some("2024:05:06 07:08:09"));
    // The file is still a JPEG any decoder reads.
    assert_eq!(image::load_from_memory(&jpeg).unwrap().width(), 64);
    assert_eq!(exif_thumbnail(&jpeg), Some(thumb));
    assert_eq!(date_taken(&jpeg), Some(1_714_979_289));
    assert_eq!(orientation(&jpeg), Some(6));
}

#[test]
fn date_falls_back_to_date_time() {
    let (jpeg, _) = jpeg_with_exif(None);
    assert_eq!(date_taken(&jpeg), Some(1_577_836_800));
}

#[test]
fn jpeg_without_exif_has_none() {
    let jpeg = preview_jpeg();
    assert_eq!(exif_thumbnail(&jpeg), None);
    assert_eq!(date_taken(&jpeg), None);
    assert_eq!(orientation(&jpeg), None);
    assert_eq!(date_taken(&[]), None);
}

#[test]
fn exif_facts_of_a_tiff_based_raw() {
    let raw = tiff_raw(true, 42);
    assert_eq!(exif_thumbnail(&raw.file), Some(raw.thumb));
    assert_eq!(date_taken(&raw.file), Some(1_714_979_289));
    assert_eq!(orientation(&raw.file), Some(6));
}

#[test]
fn raf_exif_comes_from_its_preview() {
    let (jpeg, thumb) = jpeg_with_exif(Some("2024:05:06 07:08:09"));
    let mut raf = b"FUJIFILMCCD-RAW ".to_vec();
    raf.resize(84, 0);
    raf.extend(100u32.to_be_bytes());
    raf.extend((jpeg.len() as u32).to_be_bytes());
    raf.resize(100, 0);
    raf.extend(&jpeg);
    assert_eq!(date_taken(&raf), Some(1_714_979_289));
    assert_eq!(exif_thumbnail(&raf), Some(thumb));
    assert_eq!(glia_media::raw_orientation(&raf), Some(6));
    assert_eq!(glia_media::raw_preview(&raf).unwrap(), &jpeg[..]);
}

/// A real camera JPEG from the LIVEC data set, when the shared data is present.
#[test]
fn real_camera_jpeg_smoke_test() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/livec/Images");
    let Some(path) = std::fs::read_dir(&dir).ok().and_then(|entries| {
        entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("jpg")))
    }) else {
        eprintln!("skipped: no LIVEC images in {}", dir.display());
        return;
    };
    let bytes = std::fs::read(&path).unwrap();
    // LIVEC images are phone and camera photos; whatever they carry must parse without panics and
    // a thumbnail, if there is one, must decode.
    if let Some(thumb) = exif_thumbnail(&bytes) {
        image::load_from_memory(&thumb).unwrap();
    }
    if let Some(t) = date_taken(&bytes) {
        assert!(t > 0, "{}: date {t} before 1970", path.display());
    }
    let _ = orientation(&bytes);
}
