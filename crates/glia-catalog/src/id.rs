use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use xxhash_rust::xxh3::Xxh3;

use crate::CatalogError;

/// Content identity of a photo: hex of xxh3-128 over the file's full bytes (32 lowercase hex chars).
///
/// Identity by content rather than by path is what lets ratings, flags and scores follow a photo
/// that is renamed, moved or copied.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhotoId(pub String);

impl fmt::Display for PhotoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

const CHUNK: usize = 1 << 20;

/// Hashes the whole file in 1 MiB chunks, so a 100 MB RAW never sits in memory at once.
pub fn hash_file(path: &Path) -> Result<PhotoId, CatalogError> {
    let mut file = File::open(path).map_err(|e| CatalogError::io("open", path, e))?;
    let mut hasher = Xxh3::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CatalogError::io("read", path, e)),
        };
        hasher.update(&buf[..n]);
    }
    Ok(PhotoId(format!("{:032x}", hasher.digest128())))
}
