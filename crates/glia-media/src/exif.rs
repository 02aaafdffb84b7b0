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
            Value::Ascii(v) => v.first().and_then(|s| parse_date_time(s)),
            _ => None,
        };
        return ascii(Tag::DateTimeOriginal).or_else(|| ascii(Tag::DateTime));
    }
    cr3_date(bytes)
}

/// CR3 keeps its EXIF directory as a TIFF of its own in the CMT2 box, and IFD0 in CMT1.
fn cr3_date(bytes: &[u8]) -> Option<i64> {
    let date_in = |box_type, tag| {
        let tiff = raw::cr3_tiff(bytes, box_type)?;
        let ifd0 = tiff.ifd0()?;
        parse_date_time(tiff.ascii(ifd0.get(tag)?)?)
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

/// "YYYY:MM:DD HH:MM:SS" as seconds since the epoch; None for blank or impossible values, which
/// cameras write when their clock was never set.
fn parse_date_time(ascii: &[u8]) -> Option<i64> {
    let dt = exif::DateTime::from_ascii(ascii).ok()?;
    let valid = dt.year > 0
        && (1..=12).contains(&dt.month)
        && (1..=31).contains(&dt.day)
        && dt.hour < 24
        && dt.minute < 60
        && dt.second <= 60;
    if !valid {
        return None;
    }
    let days = days_from_civil(i64::from(dt.year), i64::from(dt.month), i64::from(dt.day));
    Some(
        days * 86_400
            + i64::from(dt.hour) * 3600
            + i64::from(dt.minute) * 60
            + i64::from(dt.second),
    )
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
    }

    #[test]
    fn dates_parse_and_blank_dates_do_not() {
        assert_eq!(parse_date_time(b"2024:05:06 07:08:09"), Some(1_714_979_289));
        assert_eq!(parse_date_time(b"0000:00:00 00:00:00"), None);
        assert_eq!(parse_date_time(b"    :  :     :  :  "), None);
        assert_eq!(parse_date_time(b"2024:13:06 07:08:09"), None);
    }
}
