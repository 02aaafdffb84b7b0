//! Camera RAW files, shown through the JPEG preview the camera embeds in them: decoding sensor
//! data needs a RAW developer per camera model, while every format carries a ready preview.

use std::path::Path;

use crate::MediaError;
use crate::jpeg;
use crate::tiff::{self, Tiff};

/// RAW extensions glia reads through their embedded preview.
pub const RAW_EXTENSIONS: &[&str] = &[
    "cr2", "cr3", "nef", "nrw", "arw", "dng", "raf", "orf", "rw2", "pef", "srw",
];

/// Whether `path` names a camera RAW file, by its extension in any case.
pub fn is_raw(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| RAW_EXTENSIONS.iter().any(|r| r.eq_ignore_ascii_case(e)))
}

const RAF_MAGIC: &[u8] = b"FUJIFILMCCD-RAW ";

/// The largest embedded JPEG preview in a camera RAW file, as a slice of `raw`.
///
/// Candidates come from the TIFF directories (CR2, NEF, ARW, DNG, ORF, PEF, SRW, RW2), the RAF
/// header, and a scan of the whole file for JPEG streams, which is what finds the previews of CR3
/// and those kept in maker notes. Only baseline, extended or progressive JPEGs count: the lossless
/// JPEG sensor data of CR2 and DNG is not a picture.
pub fn raw_preview(raw: &[u8]) -> Result<&[u8], MediaError> {
    let mut best = Best::default();
    let mut known = Vec::new();
    for (start, len) in tiff_candidates(raw).into_iter().chain(raf_candidate(raw)) {
        if let Some(bytes) = slice(raw, start, len)
            && best.consider(bytes)
        {
            // Both fit in usize: `slice` found them inside `raw`.
            known.push((start as usize, bytes.len()));
        }
    }
    let mut pos = 0;
    while let Some(found) = raw.get(pos..).and_then(jpeg::find_soi) {
        let start = pos + found;
        // A stream already read through the directories need not be walked again.
        if let Some(&(_, len)) = known.iter().find(|(s, _)| *s == start) {
            pos = start + len;
            continue;
        }
        let stream = &raw[start..];
        let len = jpeg::frame(stream)
            .filter(jpeg::Frame::is_preview)
            .and_then(|_| jpeg::stream_len(stream));
        match len {
            Some(len) => {
                best.consider(&stream[..len]);
                // Streams nested inside this one (its EXIF thumbnail) are smaller, so skip them.
                pos = start + len;
            }
            None => pos = start + 2,
        }
    }
    best.bytes.ok_or(MediaError::NoRawPreview)
}

#[derive(Default)]
struct Best<'a> {
    pixels: u64,
    bytes: Option<&'a [u8]>,
}

impl<'a> Best<'a> {
    /// Keeps `bytes` if it is a preview JPEG larger than the best so far; says whether it is one.
    fn consider(&mut self, bytes: &'a [u8]) -> bool {
        let Some(frame) = jpeg::frame(bytes).filter(jpeg::Frame::is_preview) else {
            return false;
        };
        if self.bytes.is_none() || frame.pixels() > self.pixels {
            self.pixels = frame.pixels();
            self.bytes = Some(bytes);
        }
        true
    }
}

fn slice(data: &[u8], start: u32, len: u32) -> Option<&[u8]> {
    let start = usize::try_from(start).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    data.get(start..end)
}

/// (offset, length) of every JPEG a TIFF-based RAW file's directories point at.
fn tiff_candidates(raw: &[u8]) -> Vec<(u32, u32)> {
    let Some(tiff) = Tiff::parse(raw) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for ifd in tiff.all_ifds() {
        let value = |tag| ifd.get(tag).and_then(|e| tiff.uint(e));
        if let (Some(start), Some(len)) = (value(tiff::JPEG_OFFSET), value(tiff::JPEG_LENGTH)) {
            found.push((start, len));
        }
        // Compression 6 and 7 are old- and new-style JPEG; CR2 keeps its full-size preview in
        // IFD0's strip and DNG its previews in SubIFD strips.
        if matches!(value(tiff::COMPRESSION), Some(6 | 7))
            && let Some(strip) = single_strip(&tiff, &ifd)
        {
            found.push(strip);
        }
    }
    found
}

/// The strips of a JPEG directory as one run, when they lie back to back as cameras write them.
fn single_strip(tiff: &Tiff, ifd: &tiff::Ifd) -> Option<(u32, u32)> {
    let offsets = tiff.uints(ifd.get(tiff::STRIP_OFFSETS)?)?;
    let counts = tiff.uints(ifd.get(tiff::STRIP_BYTE_COUNTS)?)?;
    let (&start, _) = offsets.first().zip(counts.first())?;
    let mut end = start;
    for (&offset, &count) in offsets.iter().zip(&counts) {
        if offset != end {
            break;
        }
        end = end.checked_add(count)?;
    }
    Some((start, end - start))
}

/// A Fujifilm RAF header names its JPEG preview at bytes 84..92 (offset, length, big-endian).
fn raf_candidate(raw: &[u8]) -> Option<(u32, u32)> {
    if !raw.starts_with(RAF_MAGIC) {
        return None;
    }
    let be = |at: usize| {
        raw.get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    Some((be(84)?, be(88)?))
}

/// The JPEG preview of a RAF file, whose EXIF stands in for the RAW file's own.
pub(crate) fn raf_jpeg(raw: &[u8]) -> Option<&[u8]> {
    let (start, len) = raf_candidate(raw)?;
    slice(raw, start, len)
}

/// The TIFF block that follows a CR3 metadata box (`CMT1` holds IFD0, `CMT2` the EXIF directory).
/// CR3 is ISO-BMFF; those boxes sit within the first few hundred KiB, inside Canon's header box.
pub(crate) fn cr3_tiff<'a>(raw: &'a [u8], box_type: &[u8; 4]) -> Option<Tiff<'a>> {
    if raw.get(4..8)? != b"ftyp" {
        return None;
    }
    let head = &raw[..raw.len().min(1 << 20)];
    let at = head.windows(4).position(|w| w == box_type)?;
    let box_start = at.checked_sub(4)?;
    let size = u32::from_be_bytes(raw.get(box_start..at)?.try_into().ok()?);
    let body = raw.get(at + 4..box_start.checked_add(usize::try_from(size).ok()?)?)?;
    Tiff::parse(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_files::*;

    fn offset_of(file: &[u8], part: &[u8]) -> u32 {
        file.windows(part.len()).position(|w| w == part).unwrap() as u32
    }

    #[test]
    fn tiff_directories_name_the_preview_and_thumbnail_but_not_the_plain_strip() {
        for le in [true, false] {
            let raw = tiff_raw(le, 42);
            let mut found = tiff_candidates(&raw.file);
            found.sort();
            let mut expected = vec![
                (offset_of(&raw.file, &raw.preview), raw.preview.len() as u32),
                (offset_of(&raw.file, &raw.thumb), raw.thumb.len() as u32),
            ];
            expected.sort();
            assert_eq!(found, expected);
        }
    }

    #[test]
    fn raf_header_offsets_are_read_big_endian() {
        let mut raf = RAF_MAGIC.to_vec();
        raf.resize(84, 0);
        raf.extend([0, 0, 1, 2, 0, 0, 0, 9]);
        assert_eq!(raf_candidate(&raf), Some((0x102, 9)));
        assert_eq!(raf_candidate(&raf[..90]), None);
    }

    #[test]
    fn contiguous_strips_join_and_scattered_ones_stop_at_the_gap() {
        for (offsets, expected) in [(vec![100, 150], (100, 80)), (vec![100, 300], (100, 50))] {
            let mut w = TiffWriter::new(true, 42);
            let (ifd0, _) = w.ifd(
                &[
                    (tiff::STRIP_OFFSETS, Val::Longs(offsets)),
                    (tiff::STRIP_BYTE_COUNTS, Val::Longs(vec![50, 30])),
                ],
                0,
            );
            w.set_ifd0(ifd0);
            let tiff = Tiff::parse(&w.buf).unwrap();
            assert_eq!(single_strip(&tiff, &tiff.ifd0().unwrap()), Some(expected));
        }
    }
}
