//! Just enough of the JPEG container to find a stream's frame header and its end, without decoding.

/// The frame header (SOFn) of a JPEG stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Frame {
    pub marker: u8,
    pub width: u32,
    pub height: u32,
}

impl Frame {
    /// Baseline, extended or progressive DCT: what cameras use for previews. Lossless (SOF3) is the
    /// sensor data of CR2/DNG, which no ordinary decoder shows as a picture.
    pub fn is_preview(&self) -> bool {
        matches!(self.marker, 0xC0..=0xC2) && self.width > 0 && self.height > 0
    }

    pub fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;

fn is_sof(marker: u8) -> bool {
    // C4 (DHT), C8 (JPG extension) and CC (DAC) share the range but are not frame headers.
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

fn is_standalone(marker: u8) -> bool {
    matches!(marker, 0x01 | 0xD0..=0xD7)
}

fn u16_at(data: &[u8], pos: usize) -> Option<usize> {
    let b = data.get(pos..pos.checked_add(2)?)?;
    Some(usize::from(u16::from_be_bytes([b[0], b[1]])))
}

/// What walking a stream's markers found.
enum Step {
    Frame(Frame),
    End(usize),
}

/// Walks the markers of the stream starting at `data[0]` (which must be SOI). With `stop_at_frame`
/// it returns at the first frame header; otherwise it goes on through the scans to EOI, so a caller
/// learns where the stream ends.
fn walk(data: &[u8], stop_at_frame: bool) -> Option<Step> {
    if data.get(..2)? != [0xFF, SOI] {
        return None;
    }
    let mut pos = 2;
    loop {
        if *data.get(pos)? != 0xFF {
            return None;
        }
        // Any number of 0xFF fill bytes may precede a marker.
        while *data.get(pos + 1)? == 0xFF {
            pos += 1;
        }
        let marker = data[pos + 1];
        pos += 2;
        match marker {
            EOI => return Some(Step::End(pos)),
            SOI | 0x00 => return None,
            m if is_standalone(m) => continue,
            _ => {}
        }
        let len = u16_at(data, pos)?;
        if len < 2 {
            return None;
        }
        let body = pos;
        pos = pos.checked_add(len)?;
        if pos > data.len() {
            return None;
        }
        if is_sof(marker) && stop_at_frame {
            let height = u16_at(data, body + 3)? as u32;
            let width = u16_at(data, body + 5)? as u32;
            return Some(Step::Frame(Frame {
                marker,
                width,
                height,
            }));
        }
        if marker == SOS {
            if stop_at_frame {
                // A scan before any frame header is not a JPEG a decoder would accept.
                return None;
            }
            pos = skip_entropy_data(data, pos)?;
        }
    }
}

/// Returns the position of the marker that ends the entropy-coded data starting at `pos`. Inside
/// that data 0xFF is always followed by a stuffed 0x00 or a restart marker, so any other pair is the
/// next real marker.
fn skip_entropy_data(data: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        pos += data.get(pos..)?.iter().position(|&b| b == 0xFF)?;
        match *data.get(pos + 1)? {
            0x00 | 0xD0..=0xD7 => pos += 2,
            0xFF => pos += 1,
            _ => return Some(pos),
        }
    }
}

/// The frame header of the JPEG stream at the start of `data`, if it is one.
pub(crate) fn frame(data: &[u8]) -> Option<Frame> {
    match walk(data, true)? {
        Step::Frame(frame) => Some(frame),
        Step::End(_) => None,
    }
}

/// The length of the JPEG stream at the start of `data`, through its EOI marker.
pub(crate) fn stream_len(data: &[u8]) -> Option<usize> {
    match walk(data, false)? {
        Step::End(len) => Some(len),
        Step::Frame(_) => None,
    }
}

/// The offset of the next `FF D8 FF` (a JPEG start of image followed by a marker) in `data`.
pub(crate) fn find_soi(data: &[u8]) -> Option<usize> {
    let mut pos = 0;
    loop {
        pos += data.get(pos..)?.iter().position(|&b| b == 0xFF)?;
        if data.get(pos + 1..pos + 3)? == [SOI, 0xFF] {
            return Some(pos);
        }
        pos += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_files::*;

    #[test]
    fn frame_and_length_of_an_encoded_jpeg() {
        let jpeg = preview_jpeg();
        let f = frame(&jpeg).unwrap();
        assert_eq!((f.marker, f.width, f.height), (0xC0, 64, 48));
        assert!(f.is_preview());
        let mut padded = jpeg.clone();
        padded.extend([0xFF, 0xD9, 0, 0]);
        assert_eq!(stream_len(&padded), Some(jpeg.len()));
        assert_eq!(stream_len(&jpeg[..jpeg.len() - 1]), None);
    }

    #[test]
    fn lossless_is_a_frame_but_not_a_preview() {
        let jpeg = lossless_jpeg(300, 200);
        let f = frame(&jpeg).unwrap();
        assert_eq!((f.marker, f.width, f.height), (0xC3, 300, 200));
        assert!(!f.is_preview());
        assert_eq!(stream_len(&jpeg), Some(jpeg.len()));
    }

    #[test]
    fn soi_is_found_only_before_a_marker() {
        assert_eq!(find_soi(&[0, 0xFF, 0xD8, 0, 0xFF, 0xD8, 0xFF]), Some(4));
        assert_eq!(find_soi(&[0xFF, 0xD8]), None);
    }
}
