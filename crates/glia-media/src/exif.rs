//! EXIF facts glia shows or sorts by: the embedded thumbnail, the capture time, the orientation.

use std::borrow::Cow;
use std::io::Cursor;

use exif::{Exif, In, Reader, Tag, Value};

use crate::raw;
use crate::tiff::{self, Tiff};

/// The EXIF of a JPEG, TIFF or TIFF-based RAW file, or of the preview a RAF file carries.
fn read_exif(bytes: &[u8]) -> Option<Exif> {
    let reader = {
        let mut reader = Reader::new();
        // A damaged maker note or GPS block should not hide the date and orientation beside it.
        reader.continue_on_error(true);
        reader
    };
    let result = if let Some(jpeg) = raw::raf_jpeg(bytes) {
        reader.read_from_container(&mut Cursor::new(jpeg))
    } else if Tiff::parse(bytes).is_some() {
        reader.read_raw(standard_tiff(bytes).into_owned())
    } else {
        reader.read_from_container(&mut Cursor::new(bytes))
    };
    result.or_else(|e| e.distill_partial_result(|_| {})).ok()
}

/// kamadak-exif accepts only TIFF's own magic number, so ORF's and RW2's is rewritten to 42.
fn standard_tiff(bytes: &[u8]) -> Cow<'_, [u8]> {
    let magic_42 = if bytes.starts_with(b"II") {
        [42, 0]
    } else {
        [0, 42]
    };
    if bytes.get(2..4) == Some(&magic_42[..]) {
        return Cow::Borrowed(bytes);
    }
    let mut owned = bytes.to_vec();
    owned[2..4].copy_from_slice(&magic_42);
    Cow::Owned(owned)
}

/// The EXIF thumbnail embedded in a JPEG or TIFF-based file (IFD1's JPEGInterchangeFormat), as JPEG
/// bytes, to show something at once before a proper thumbnail is made. None when absent.
pub fn exif_thumbnail(bytes: &[u8]) -> Option<Vec<u8>> {
    let exif = read_exif(bytes)?;
    let value = |tag| exif.get_field(tag, In::THUMBNAIL)?.value.get_uint(0);
    let start = usize::try_from(value(Tag::JPEGInterchangeFormat)?).ok()?;
    let len = usize::try_from(value(Tag::JPEGInterchangeFormatLength)?).ok()?;
    let thumb = exif.buf().get(start..start.checked_add(len)?)?;
    thumb.starts_with(&[0xFF, 0xD8]).then(|| thumb.to_vec())
}

/// EXIF DateTimeOriginal (else DateTime) as seconds since the Unix epoch, reading the camera's
/// local time as UTC: cameras rarely record their zone, and ordering within a shoot is what
/// matters. None when absent.
pub fn date_taken(bytes: &[u8]) -> Option<i64> {
    if let Some(exif) = read_exif(bytes) {
        let ascii = |tag| match &exif.get_field(tag, In::PRIMARY)?.value {
            Value::Ascii(v) => v.first().and_then(|s| crate::dates::from_exif(s)),
            _ => None,
        };
        return ascii(Tag::DateTimeOriginal).or_else(|| ascii(Tag::DateTime));
    }
    cr3_date(bytes)
}

/// [`date_taken`] of a file, from its first 256 KiB (where EXIF lives in JPEG and TIFF-based
/// RAW files); None when it cannot be read or has no date.
pub fn date_taken_in_file(path: &std::path::Path) -> Option<i64> {
    use std::io::Read;
    let mut head = Vec::with_capacity(256 * 1024);
    std::fs::File::open(path)
        .ok()?
        .take(256 * 1024)
        .read_to_end(&mut head)
        .ok()?;
    date_taken(&head)
}

/// CR3 keeps its EXIF directory as a TIFF of its own in the CMT2 box, and IFD0 in CMT1.
fn cr3_date(bytes: &[u8]) -> Option<i64> {
    let date_in = |box_type, tag| {
        let tiff = raw::cr3_tiff(bytes, box_type)?;
        let ifd0 = tiff.ifd0()?;
        crate::dates::from_exif(tiff.ascii(ifd0.get(tag)?)?)
    };
    date_in(b"CMT2", tiff::DATE_TIME_ORIGINAL).or_else(|| date_in(b"CMT1", tiff::DATE_TIME))
}

/// EXIF orientation 1..=8 of a JPEG or TIFF, None when absent.
pub fn orientation(bytes: &[u8]) -> Option<u32> {
    read_exif(bytes)?
        .get_field(Tag::Orientation, In::PRIMARY)?
        .value
        .get_uint(0)
        .filter(|o| (1..=8).contains(o))
}

/// EXIF orientation (1..=8) of a RAW file's own IFD0, for previews that lack one; None if absent.
pub fn raw_orientation(raw: &[u8]) -> Option<u32> {
    if let Some(jpeg) = raw::raf_jpeg(raw) {
        return orientation(jpeg);
    }
    let tiff = Tiff::parse(raw).or_else(|| raw::cr3_tiff(raw, b"CMT1"))?;
    let ifd0 = tiff.ifd0()?;
    tiff.uint(ifd0.get(tiff::ORIENTATION)?)
        .filter(|o| (1..=8).contains(o))
}
