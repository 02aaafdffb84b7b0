//! A small, bounds-checked TIFF reader for RAW containers. kamadak-exif only reads the standard
//! EXIF directories and rejects the altered magic numbers of ORF and RW2; finding previews needs
//! every directory (IFD1, SubIFDs) of any TIFF-like file.

use std::collections::HashSet;

pub(crate) const COMPRESSION: u16 = 0x0103;
pub(crate) const STRIP_OFFSETS: u16 = 0x0111;
pub(crate) const ORIENTATION: u16 = 0x0112;
pub(crate) const STRIP_BYTE_COUNTS: u16 = 0x0117;
pub(crate) const DATE_TIME: u16 = 0x0132;
pub(crate) const SUB_IFDS: u16 = 0x014A;
pub(crate) const JPEG_OFFSET: u16 = 0x0201;
pub(crate) const JPEG_LENGTH: u16 = 0x0202;
pub(crate) const DATE_TIME_ORIGINAL: u16 = 0x9003;

/// Guards against files whose directories point at each other or fan out without end.
const MAX_IFDS: usize = 64;
/// No preview directory lists more values than this; larger counts come from a damaged file.
const MAX_VALUES: u32 = 4096;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Tiff<'a> {
    data: &'a [u8],
    little_endian: bool,
    ifd0: u32,
}

/// One directory entry: tag, type, count and where its value (or its offset) lies.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub tag: u16,
    kind: u16,
    count: u32,
    value_pos: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Ifd {
    pub entries: Vec<Entry>,
    next: u32,
}

impl Ifd {
    pub fn get(&self, tag: u16) -> Option<&Entry> {
        self.entries.iter().find(|e| e.tag == tag)
    }
}

impl<'a> Tiff<'a> {
    /// Reads the header of a TIFF or of a RAW format built on it: 42 is TIFF (CR2, NEF, ARW, DNG,
    /// PEF, SRW), "RO"/"RS" are Olympus ORF and 0x55 is Panasonic RW2.
    pub fn parse(data: &'a [u8]) -> Option<Tiff<'a>> {
        let little_endian = match data.get(..2)? {
            b"II" => true,
            b"MM" => false,
            _ => return None,
        };
        let mut tiff = Tiff {
            data,
            little_endian,
            ifd0: 0,
        };
        if !matches!(tiff.u16_at(2)?, 42 | 0x4F52 | 0x5352 | 0x55) {
            return None;
        }
        tiff.ifd0 = tiff.u32_at(4)?;
        Some(tiff)
    }

    fn u16_at(&self, pos: usize) -> Option<u16> {
        let b = self.data.get(pos..pos.checked_add(2)?)?;
        let b = [b[0], b[1]];
        Some(if self.little_endian {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    fn u32_at(&self, pos: usize) -> Option<u32> {
        let b = self.data.get(pos..pos.checked_add(4)?)?;
        let b = [b[0], b[1], b[2], b[3]];
        Some(if self.little_endian {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    pub fn ifd(&self, offset: u32) -> Option<Ifd> {
        let start = usize::try_from(offset).ok()?;
        let count = usize::from(self.u16_at(start)?);
        let table_end = start.checked_add(2 + 12 * count)?;
        let next = self.u32_at(table_end)?;
        let entries = (0..count)
            .map(|i| {
                let pos = start + 2 + 12 * i;
                Some(Entry {
                    tag: self.u16_at(pos)?,
                    kind: self.u16_at(pos + 2)?,
                    count: self.u32_at(pos + 4)?,
                    value_pos: pos + 8,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Ifd { entries, next })
    }

    pub fn ifd0(&self) -> Option<Ifd> {
        self.ifd(self.ifd0)
    }

    /// Where an entry's values start: inline when they fit in four bytes, else at an offset.
    fn values_pos(&self, entry: &Entry, size: usize) -> Option<usize> {
        let total = size.checked_mul(usize::try_from(entry.count).ok()?)?;
        if total <= 4 {
            Some(entry.value_pos)
        } else {
            usize::try_from(self.u32_at(entry.value_pos)?).ok()
        }
    }

    /// The unsigned integer values of a BYTE, SHORT, LONG or IFD entry.
    pub fn uints(&self, entry: &Entry) -> Option<Vec<u32>> {
        if entry.count > MAX_VALUES {
            return None;
        }
        let size = match entry.kind {
            1 => 1,
            3 => 2,
            4 | 13 => 4,
            _ => return None,
        };
        let pos = self.values_pos(entry, size)?;
        (0..entry.count as usize)
            .map(|i| {
                let at = pos.checked_add(i * size)?;
                match size {
                    1 => self.data.get(at).map(|&b| u32::from(b)),
                    2 => self.u16_at(at).map(u32::from),
                    _ => self.u32_at(at),
                }
            })
            .collect()
    }

    pub fn uint(&self, entry: &Entry) -> Option<u32> {
        self.uints(entry)?.first().copied()
    }

    /// The bytes of an ASCII entry, without the trailing NULs.
    pub fn ascii(&self, entry: &Entry) -> Option<&'a [u8]> {
        if entry.kind != 2 {
            return None;
        }
        let pos = self.values_pos(entry, 1)?;
        let bytes = self
            .data
            .get(pos..pos.checked_add(usize::try_from(entry.count).ok()?)?)?;
        let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        Some(&bytes[..end])
    }

    /// Every directory reachable from IFD0: the IFD0 → IFD1 → … chain and the SubIFDs of each,
    /// where NEF and DNG keep their full-size previews.
    pub fn all_ifds(&self) -> Vec<Ifd> {
        let mut found = Vec::new();
        let mut seen = HashSet::new();
        let mut pending = vec![self.ifd0];
        while let Some(offset) = pending.pop() {
            if offset == 0 || found.len() >= MAX_IFDS || !seen.insert(offset) {
                continue;
            }
            let Some(ifd) = self.ifd(offset) else {
                continue;
            };
            pending.push(ifd.next);
            if let Some(subs) = ifd.get(SUB_IFDS).and_then(|e| self.uints(e)) {
                pending.extend(subs);
            }
            found.push(ifd);
        }
        found
    }
}
