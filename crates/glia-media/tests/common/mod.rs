//! Synthetic photo files for the tests: no real RAW files ship with glia, so each test builds the
//! container it reads, around JPEGs encoded here from known pixels.
#![allow(dead_code)]

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};

/// A smooth gradient with a distinct colour per corner, so decoded pixels can be checked.
pub fn gradient(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            (x * 255 / (width - 1).max(1)) as u8,
            (y * 255 / (height - 1).max(1)) as u8,
            128,
        ])
    })
}

pub fn encode_jpeg(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(img)
        .unwrap();
    out
}

/// The 64x48 "full-size preview" and 16x12 "thumbnail" used throughout.
pub fn preview_jpeg() -> Vec<u8> {
    encode_jpeg(&gradient(64, 48))
}

pub fn thumb_jpeg() -> Vec<u8> {
    encode_jpeg(&gradient(16, 12))
}

/// A lossless (SOF3) JPEG stream like the sensor data of CR2 and DNG.
pub fn lossless_jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    // SOF3: length 11, precision 14, height, width, one component (id 1, 1x1 sampling, table 0).
    out.extend([0xFF, 0xC3, 0, 11, 14]);
    out.extend(height.to_be_bytes());
    out.extend(width.to_be_bytes());
    out.extend([1, 1, 0x11, 0]);
    // DHT with a single one-bit code, then SOS and some entropy data with stuffing.
    out.extend([0xFF, 0xC4, 0, 20, 0x00, 1]);
    out.extend([0; 15]);
    out.push(0);
    out.extend([0xFF, 0xDA, 0, 8, 1, 1, 0, 1, 0, 0]);
    out.extend([0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD0, 0x78]);
    out.extend([0xFF, 0xD9]);
    out
}

pub enum Val {
    Short(u16),
    Long(u32),
    Longs(Vec<u32>),
    Ascii(&'static str),
}

/// Writes TIFF structures by hand: each directory is laid down with any out-of-line values right
/// after it, and offsets are from the start of the TIFF, as the format says.
pub struct TiffWriter {
    pub le: bool,
    pub buf: Vec<u8>,
}

impl TiffWriter {
    pub fn new(le: bool, magic: u16) -> TiffWriter {
        let mut w = TiffWriter {
            le,
            buf: Vec::new(),
        };
        w.buf.extend(if le { b"II" } else { b"MM" });
        let magic = w.u16(magic);
        w.buf.extend(magic);
        w.buf.extend([0; 4]);
        w
    }

    fn u16(&self, v: u16) -> [u8; 2] {
        if self.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    }

    fn u32(&self, v: u32) -> [u8; 4] {
        if self.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    }

    pub fn pos(&self) -> u32 {
        self.buf.len() as u32
    }

    /// Appends raw bytes (word-aligned) and returns their offset.
    pub fn append(&mut self, bytes: &[u8]) -> u32 {
        if self.buf.len() % 2 == 1 {
            self.buf.push(0);
        }
        let at = self.pos();
        self.buf.extend(bytes);
        at
    }

    pub fn set_u32(&mut self, at: u32, v: u32) {
        let b = self.u32(v);
        self.buf[at as usize..at as usize + 4].copy_from_slice(&b);
    }

    pub fn set_ifd0(&mut self, offset: u32) {
        self.set_u32(4, offset);
    }

    /// Writes a directory (entries must be sorted by tag) and returns its offset and the offset
    /// of its next-IFD field, to link later.
    pub fn ifd(&mut self, entries: &[(u16, Val)], next: u32) -> (u32, u32) {
        if self.buf.len() % 2 == 1 {
            self.buf.push(0);
        }
        let start = self.pos();
        let mut extra_at = start + 2 + 12 * entries.len() as u32 + 4;
        let mut extra = Vec::new();
        let count = self.u16(entries.len() as u16);
        self.buf.extend(count);
        for (tag, val) in entries {
            let tag = self.u16(*tag);
            self.buf.extend(tag);
            let (kind, n, inline): (u16, u32, [u8; 4]) = match val {
                Val::Short(v) => {
                    let b = self.u16(*v);
                    (3, 1, [b[0], b[1], 0, 0])
                }
                Val::Long(v) => (4, 1, self.u32(*v)),
                Val::Longs(vs) => {
                    let at = self.u32(extra_at);
                    extra_at += 4 * vs.len() as u32;
                    for v in vs {
                        let b = self.u32(*v);
                        extra.extend(b);
                    }
                    (4, vs.len() as u32, at)
                }
                Val::Ascii(s) => {
                    let mut bytes = s.as_bytes().to_vec();
                    bytes.push(0);
                    let n = bytes.len() as u32;
                    let at = self.u32(extra_at);
                    extra_at += n + n % 2;
                    if n % 2 == 1 {
                        bytes.push(0);
                    }
                    extra.extend(bytes);
                    (2, n, at)
                }
            };
            let kind = self.u16(kind);
            self.buf.extend(kind);
            let n = self.u32(n);
            self.buf.extend(n);
            self.buf.extend(inline);
        }
        let next_at = self.pos();
        let next = self.u32(next);
        self.buf.extend(next);
        self.buf.extend(extra);
        (start, next_at)
    }
}

pub struct RawParts {
    pub file: Vec<u8>,
    pub preview: Vec<u8>,
    pub thumb: Vec<u8>,
}

/// A TIFF-based RAW file like NEF: IFD0 holds a tiny uncompressed strip, Orientation 6, a
/// DateTimeOriginal in its EXIF directory and a SubIFD with the 64x48 preview; IFD1 holds the
/// 16x12 thumbnail.
pub fn tiff_raw(le: bool, magic: u16) -> RawParts {
    let preview = preview_jpeg();
    let thumb = thumb_jpeg();
    let mut w = TiffWriter::new(le, magic);
    let strip = w.append(&[200; 4 * 2 * 3]);
    let thumb_at = w.append(&thumb);
    let preview_at = w.append(&preview);
    let (sub, _) = w.ifd(
        &[
            (0x0103, Val::Short(6)),
            (0x0201, Val::Long(preview_at)),
            (0x0202, Val::Long(preview.len() as u32)),
        ],
        0,
    );
    let (exif, _) = w.ifd(&[(0x9003, Val::Ascii("2024:05:06 07:08:09"))], 0);
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
            (0x0100, Val::Short(4)),
            (0x0101, Val::Short(2)),
            (0x0103, Val::Short(1)),
            (0x0111, Val::Long(strip)),
            (0x0112, Val::Short(6)),
            (0x0117, Val::Long(24)),
            (0x014A, Val::Long(sub)),
            (0x8769, Val::Long(exif)),
        ],
        ifd1,
    );
    w.set_ifd0(ifd0);
    RawParts {
        file: w.buf,
        preview,
        thumb,
    }
}

/// Puts an APP1 EXIF segment holding `tiff` right after the SOI of `jpeg`.
pub fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(((2 + 6 + tiff.len()) as u16).to_be_bytes());
    out.extend(b"Exif\0\0");
    out.extend(tiff);
    out.extend(&jpeg[2..]);
    out
}

/// An ISO-BMFF box.
pub fn bmff_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = ((8 + body.len()) as u32).to_be_bytes().to_vec();
    out.extend(kind);
    out.extend(body);
    out
}

/// The real camera files of `../shared/data/camera/images` (or `$GLIA_SHARED`), or `None`
/// with a message saying the test is skipped.
pub fn shared_camera_dir() -> Option<std::path::PathBuf> {
    let shared = std::env::var_os("GLIA_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
        });
    let dir = shared.join("data/camera/images");
    dir.is_dir().then_some(dir)
}
