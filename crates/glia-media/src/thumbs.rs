//! Thumbnails: a fast downscale and the on-disk cache that keeps them between runs.

use std::fs;
use std::io::{BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;
use image::codecs::jpeg::JpegEncoder;

use crate::MediaError;

/// A fast, antialiased downscale so the longer side is at most `max_side`; never upscales.
/// For thumbnails, not model input.
pub fn downscale(img: &RgbImage, max_side: u32) -> RgbImage {
    let max_side = max_side.max(1);
    let (w, h) = img.dimensions();
    let long = w.max(h);
    if long <= max_side {
        return img.clone();
    }
    let scale = |side: u32| {
        let scaled =
            (u64::from(side) * u64::from(max_side) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(scaled).unwrap_or(max_side).clamp(1, max_side)
    };
    let mut out = RgbImage::new(scale(w), scale(h));
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    match Resizer::new().resize(img, &mut out, &options) {
        Ok(()) => out,
        // Both images are RGB8 of valid sizes, so this cannot fail; stay correct if it ever does.
        Err(_) => image::imageops::thumbnail(img, out.width(), out.height()),
    }
}

const JPEG_QUALITY: u8 = 85;
/// A temporary file this old belongs to a put that crashed, not one still writing.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// The on-disk thumbnail cache: one JPEG per photo content id and size, in
/// `dir/<first two chars>/<id>-<max_side>.jpg`, bounded by [`ThumbCache::prune`].
#[derive(Debug, Clone)]
pub struct ThumbCache {
    dir: PathBuf,
}

impl ThumbCache {
    /// A cache in `dir`; nothing is created until the first [`ThumbCache::put`].
    pub fn new(dir: impl Into<PathBuf>) -> ThumbCache {
        ThumbCache { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the thumbnail of `id` at `max_side` lives. Ids become file names, so only letters and
    /// digits are accepted: anything else could climb out of the cache folder.
    fn path(&self, id: &str, max_side: u32) -> Option<PathBuf> {
        if id.len() < 2 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        Some(self.dir.join(&id[..2]).join(format!("{id}-{max_side}.jpg")))
    }

    /// The cached thumbnail, or None. A cache file that no longer decodes is deleted.
    pub fn get(&self, id: &str, max_side: u32) -> Option<RgbImage> {
        let path = self.path(id, max_side)?;
        let bytes = fs::read(&path).ok()?;
        match image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg) {
            Ok(img) => {
                // Pruning goes by modification time; touching on use makes it evict the
                // thumbnails nobody looked at lately rather than the ones made first.
                if let Ok(file) = fs::File::options().append(true).open(&path) {
                    let _ = file.set_modified(SystemTime::now());
                }
                Some(img.to_rgb8())
            }
            Err(_) => {
                let _ = fs::remove_file(&path);
                None
            }
        }
    }

    /// Stores `img` as the thumbnail of `id` at `max_side`. Written to a temporary file and renamed
    /// into place, so a reader never sees half a JPEG.
    pub fn put(&self, id: &str, max_side: u32, img: &RgbImage) -> Result<(), MediaError> {
        let path = self
            .path(id, max_side)
            .ok_or_else(|| MediaError::BadThumbId { id: id.to_owned() })?;
        let io_err = |path: &Path| {
            let path = path.to_owned();
            move |source| MediaError::CacheIo { path, source }
        };
        let folder = path.parent().unwrap_or(&self.dir);
        fs::create_dir_all(folder).map_err(io_err(folder))?;
        let temp = tempfile::NamedTempFile::new_in(folder).map_err(io_err(folder))?;
        let mut writer = BufWriter::new(temp.as_file());
        JpegEncoder::new_with_quality(&mut writer, JPEG_QUALITY)
            .encode_image(img)
            .map_err(|source| MediaError::Encode {
                path: path.clone(),
                source,
            })?;
        writer.flush().map_err(io_err(&path))?;
        drop(writer);
        temp.persist(&path).map_err(|e| io_err(&path)(e.error))?;
        Ok(())
    }

    /// Deletes the least recently used thumbnails until the cache holds at most `max_bytes`;
    /// returns the bytes freed. Temporary files left by a crash are removed too.
    pub fn prune(&self, max_bytes: u64) -> Result<u64, MediaError> {
        let mut files = Vec::new();
        let mut freed = 0;
        let now = SystemTime::now();
        for entry in read_dir(&self.dir)? {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                for file in read_dir(&entry.path())? {
                    let Ok(meta) = file.metadata() else { continue };
                    if !meta.is_file() {
                        continue;
                    }
                    let modified = meta.modified().unwrap_or(now);
                    let path = file.path();
                    if path.extension().is_some_and(|e| e == "jpg") {
                        files.push((modified, meta.len(), path));
                    } else if now
                        .duration_since(modified)
                        .is_ok_and(|age| age > STALE_TEMP)
                    {
                        freed += remove(&path, meta.len())?;
                    }
                }
            }
        }
        files.sort();
        let mut total: u64 = files.iter().map(|(_, len, _)| len).sum();
        for (_, len, path) in files {
            if total <= max_bytes {
                break;
            }
            freed += remove(&path, len)?;
            total -= len;
        }
        Ok(freed)
    }
}

/// The entries of a cache folder; a folder not made yet is empty.
fn read_dir(dir: &Path) -> Result<Vec<fs::DirEntry>, MediaError> {
    match fs::read_dir(dir) {
        Ok(entries) => Ok(entries.filter_map(Result::ok).collect()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(MediaError::CacheIo {
            path: dir.to_owned(),
            source,
        }),
    }
}

/// Removes a cache file; one already gone (another glia pruning) freed nothing.
fn remove(path: &Path, len: u64) -> Result<u64, MediaError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(len),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(0),
        Err(source) => Err(MediaError::CacheIo {
            path: path.to_owned(),
            source,
        }),
    }
}
