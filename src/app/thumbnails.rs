//! Decoding for display, off the UI thread: thumbnails for the grid (cached on disk, the
//! EXIF thumbnail shown first when there is one) and the full view. Requests for cells
//! that scrolled out of sight are dropped, newest requests go first, so a fast scroll
//! through 10,000 photos never queues 10,000 decodes.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

use crossbeam_channel::{Receiver, Sender, unbounded};
use glia_media::ThumbCache;
use image::RgbImage;

use super::Wake;

/// Longest side of a grid thumbnail in pixels (cells are drawn at most this large).
pub const THUMB_SIDE: u32 = 320;
/// Disk the thumbnail cache may take (about 50,000 thumbnails).
const CACHE_BYTES: u64 = 1 << 30;
/// Longest side of the full view's texture (GPUs take 8192; this keeps memory sane).
pub const VIEW_SIDE: u32 = 4096;

pub enum Loaded {
    Thumb {
        generation: u64,
        index: usize,
        image: Result<RgbImage, String>,
        /// False for the EXIF thumbnail shown while the real one is made.
        last: bool,
    },
    /// The cell scrolled out of sight before its turn: ask again when it is back.
    Dropped { generation: u64, index: usize },
    Full {
        index: usize,
        image: Result<RgbImage, String>,
    },
}

struct Request {
    generation: u64,
    index: usize,
    path: PathBuf,
    key: String,
}

type Queue = Arc<(Mutex<Vec<Request>>, Condvar)>;
type Visible = Arc<Mutex<HashSet<usize>>>;

pub struct Loader {
    queue: Queue,
    /// The photos on screen, with a margin.
    visible: Visible,
    pub results: Receiver<Loaded>,
    tx: Sender<Loaded>,
    wake: Wake,
}

/// A cache key that changes when the file does, without reading it.
fn thumb_key(path: &Path, size: u64, modified: i64) -> String {
    let text = format!("{}|{size}|{modified}", path.display());
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(text.as_bytes()))
}

impl Loader {
    pub fn start(cache_dir: PathBuf, threads: usize, wake: Wake) -> Self {
        let queue: Queue = Arc::default();
        let visible = Visible::default();
        let (tx, rx) = unbounded();
        let cache = Arc::new(ThumbCache::new(cache_dir));
        {
            // The cache is bounded: least recently used thumbnails go first.
            let cache = cache.clone();
            let _ = thread::Builder::new()
                .name("glia-thumb-prune".into())
                .spawn(move || cache.prune(CACHE_BYTES));
        }
        for i in 0..threads.max(1) {
            let (queue, visible, tx, cache, wake) = (
                queue.clone(),
                visible.clone(),
                tx.clone(),
                cache.clone(),
                wake.clone(),
            );
            let spawned = thread::Builder::new()
                .name(format!("glia-thumb-{i}"))
                .spawn(move || thumb_loop(&queue, &visible, &tx, &cache, &wake));
            if let Err(e) = spawned {
                eprintln!("glia: cannot start a thumbnail thread: {e}");
            }
        }
        Self {
            queue,
            visible,
            results: rx,
            tx,
            wake,
        }
    }

    pub fn set_visible(&self, indices: HashSet<usize>) {
        *self.visible.lock().unwrap_or_else(|p| p.into_inner()) = indices;
    }

    pub fn request_thumb(
        &self,
        generation: u64,
        index: usize,
        path: &Path,
        size: u64,
        modified: i64,
    ) {
        let (lock, cv) = &*self.queue;
        lock.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Request {
                generation,
                index,
                path: path.to_owned(),
                key: thumb_key(path, size, modified),
            });
        cv.notify_one();
    }

    /// Forgets queued thumbnails (another folder was opened).
    pub fn clear(&self) {
        self.queue
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    pub fn request_full(&self, index: usize, path: &Path) {
        let (tx, wake, path) = (self.tx.clone(), self.wake.clone(), path.to_owned());
        let spawned = thread::Builder::new()
            .name("glia-view".into())
            .spawn(move || {
                let image = glia_media::load_rgb(&path)
                    .map(|img| glia_media::downscale(&img, VIEW_SIDE))
                    .map_err(|e| e.to_string());
                if tx.send(Loaded::Full { index, image }).is_ok() {
                    wake();
                }
            });
        if let Err(e) = spawned {
            eprintln!("glia: cannot start the viewer's decoder: {e}");
        }
    }
}

fn thumb_loop(
    queue: &Queue,
    visible: &Visible,
    tx: &Sender<Loaded>,
    cache: &ThumbCache,
    wake: &Wake,
) {
    loop {
        let req = {
            let (lock, cv) = &**queue;
            let mut q = lock.lock().unwrap_or_else(|p| p.into_inner());
            while q.is_empty() {
                q = cv.wait(q).unwrap_or_else(|p| p.into_inner());
            }
            // Newest first: what the user looks at now.
            q.pop()
        };
        let Some(req) = req else { continue };
        let on_screen = visible
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&req.index);
        let send = |l: Loaded| {
            if tx.send(l).is_ok() {
                wake();
            }
        };
        if !on_screen {
            send(Loaded::Dropped {
                generation: req.generation,
                index: req.index,
            });
            continue;
        }
        let thumb = |image, last| Loaded::Thumb {
            generation: req.generation,
            index: req.index,
            image,
            last,
        };
        if let Some(img) = cache.get(&req.key, THUMB_SIDE) {
            send(thumb(Ok(img), true));
            continue;
        }
        let made = make_thumb(&req.path, &|quick| send(thumb(Ok(quick), false)));
        if let Ok(img) = &made {
            let _ = cache.put(&req.key, THUMB_SIDE, img);
        }
        send(thumb(made, true));
    }
}

/// A thumbnail from the photo; `quick` gets the EXIF thumbnail first when there is one.
fn make_thumb(path: &Path, quick: &dyn Fn(RgbImage)) -> Result<RgbImage, String> {
    use glia_media::{Resolution, apply_orientation, decode, decode_raw, decode_rgb};
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let raw = glia_media::is_raw(path);
    let jpeg: &[u8] = if raw {
        glia_media::raw_preview(&bytes).map_err(|e| e.to_string())?
    } else {
        &bytes
    };
    if let Some(small) = glia_media::exif_thumbnail(jpeg)
        && let Ok(img) = decode_rgb(&small)
    {
        let turn = glia_media::orientation(jpeg)
            .or_else(|| raw.then(|| glia_media::raw_orientation(&bytes)).flatten());
        quick(apply_orientation(img, turn));
    }
    // A thumbnail's long side is THUMB_SIDE, so a short side of THUMB_SIDE is always enough.
    let enough = Resolution::ShortSide(THUMB_SIDE);
    let img = if raw {
        decode_raw(&bytes, enough)
    } else {
        decode(&bytes, enough)
    };
    Ok(glia_media::downscale(
        &img.map_err(|e| e.to_string())?,
        THUMB_SIDE,
    ))
}
