//! Capture dates as glia keeps them: seconds since the Unix epoch, the camera's local time
//! read as UTC (cameras rarely record their zone, and ordering within a shoot is what
//! matters). Parsed from EXIF, shown as `YYYY-MM-DD HH:MM`.

use chrono::{DateTime, NaiveDate};

/// "YYYY:MM:DD HH:MM:SS" as seconds since the epoch; None for blank or impossible values,
/// which cameras write when their clock was never set.
pub fn from_exif(ascii: &[u8]) -> Option<i64> {
    let dt = exif::DateTime::from_ascii(ascii).ok()?;
    if dt.year == 0 {
        return None;
    }
    // EXIF allows a leap second (60); chrono does not name it, so it counts as :59.
    NaiveDate::from_ymd_opt(i32::from(dt.year), u32::from(dt.month), u32::from(dt.day))?
        .and_hms_opt(
            u32::from(dt.hour),
            u32::from(dt.minute),
            u32::from(dt.second.min(59)),
        )
        .map(|t| t.and_utc().timestamp())
}

/// `YYYY-MM-DD HH:MM` of seconds since the epoch, for display.
pub fn format(secs: i64) -> String {
    DateTime::from_timestamp(secs, 0).map_or_else(
        || "?".to_owned(),
        |t| t.format("%Y-%m-%d %H:%M").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_match_known_calendar_days() {
        assert_eq!(format(0), "1970-01-01 00:00");
        assert_eq!(format(1_714_979_289), "2024-05-06 07:08");
        assert_eq!(format(951_782_400), "2000-02-29 00:00");
        assert_eq!(from_exif(b"2024:05:06 07:08:09"), Some(1_714_979_289));
        assert_eq!(from_exif(b"2000:02:29 00:00:00"), Some(951_782_400));
        assert_eq!(from_exif(b"1969:12:31 23:59:59"), Some(-1));
    }

    #[test]
    fn unset_clocks_are_no_date() {
        assert_eq!(from_exif(b"0000:00:00 00:00:00"), None);
        assert_eq!(from_exif(b"    :  :     :  :  "), None);
        assert_eq!(from_exif(b"2023:02:30 10:00:00"), None);
        assert_eq!(from_exif(b"2023:13:01 10:00:00"), None);
    }
}
