//! The scoring pipeline: a folder walk feeds a bounded pipeline — parallel decode and
//! preprocessing on named threads → batches → the device → results streamed back.
//!
//! Memory is bounded whatever the number of photos: only paths are listed up front; at most
//! `decode_threads` photos are decoded at once and at most `2 × batch` prepared inputs wait
//! for the device.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use burn::tensor::{Tensor, TensorData};
use crossbeam_channel::{Receiver, Sender, bounded, unbounded};

use crate::device::ComputeDevice;
use crate::model::Model;
use crate::preprocess::{INPUT, Prepared, Sampling, prepare, prepare_file};

/// Extensions glia decodes. Anything else found in a folder is reported as unsupported.
pub const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "jpe", "png", "tif", "tiff", "webp", "bmp"];
/// Files that live beside photos and are not photos: skipped silently in folder walks.
const COMPANION_EXTENSIONS: &[&str] = &["xmp", "pp3", "dop", "thm", "aae"];

/// One thing to score, or a reason it cannot be.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: PathBuf,
    pub skip: Option<String>,
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn classify(path: PathBuf, named: bool) -> Option<Entry> {
    let ext = extension(&path);
    // Camera RAW files are read through their embedded full-size JPEG preview.
    let skip = if IMAGE_EXTENSIONS.contains(&ext.as_str())
        || glia_media::RAW_EXTENSIONS.contains(&ext.as_str())
    {
        None
    } else if named {
        // Named on the command line: try it, the decoder sniffs the format from the bytes.
        None
    } else if COMPANION_EXTENSIONS.contains(&ext.as_str()) {
        return None;
    } else if ext.is_empty() {
        Some("unsupported file type (no extension)".to_owned())
    } else {
        Some(format!("unsupported file type (.{ext})"))
    };
    Some(Entry { path, skip })
}

/// Expands files and folders (recursively, sorted by name, hidden entries skipped) into
/// entries in a stable order. Paths that do not exist are entries with a reason.
pub fn discover(inputs: &[PathBuf]) -> Vec<Entry> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let walk = walkdir::WalkDir::new(input)
                .follow_links(true)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
                });
            for item in walk {
                match item {
                    Ok(e) if e.file_type().is_file() => {
                        out.extend(classify(e.into_path(), false));
                    }
                    Ok(_) => {}
                    Err(e) => out.push(Entry {
                        path: e.path().map_or_else(|| input.clone(), Path::to_owned),
                        skip: Some(format!("cannot read folder entry: {e}")),
                    }),
                }
            }
        } else if input.is_file() {
            out.extend(classify(input.clone(), true));
        } else {
            let reason = match std::fs::metadata(input) {
                Err(e) => format!("cannot read: {e}"),
                Ok(_) => "not a regular file or folder".to_owned(),
            };
            out.push(Entry {
                path: input.clone(),
                skip: Some(reason),
            });
        }
    }
    out
}

/// A prepared (semantic view, mosaic) pair, both normalised CHW 224×224.
pub type View = (Vec<f32>, Vec<f32>);

/// A photo's result.
#[derive(Debug, Clone)]
pub struct Scored {
    /// Position in the list given to [`Scorer::run`].
    pub index: usize,
    pub path: PathBuf,
    pub outcome: Result<Score, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// glia's 0–100 score.
    pub score: f32,
    /// The raw head output (with test-time samplings, the mean over the mosaics).
    pub raw: f32,
    /// The raw output of each mosaic: the one of [`ScoreOptions::sampling`] first, then one
    /// per test-time sampling (a single entry without them).
    pub mosaics: Vec<f32>,
    /// The photo's embedding for grouping near-duplicates ([`crate::grouping`]).
    pub embedding: Vec<f32>,
}

/// One photo's raw outputs from a batch.
#[derive(Debug, Clone)]
pub struct Raw {
    /// The head's output per mosaic, as [`Score::mosaics`].
    pub mosaics: Vec<f32>,
    /// The semantic view's final-norm CLS, unit length.
    pub embedding: Vec<f32>,
}

#[derive(Debug, Clone)]
pub struct ScoreOptions {
    pub batch_size: usize,
    pub decode_threads: usize,
    /// Parallel model replicas; on the CPU one per core pays off (flex runs each op on one core).
    pub workers: usize,
    pub sampling: Sampling,
    /// Test-time sampling: average each photo's score over this many further mosaics from
    /// seeded random offsets (0: one pass). The semantic view runs once either way.
    pub samplings: usize,
    /// Decode JPEGs at a reduced DCT scale when the model's working resolution allows it
    /// (off only to measure what it saves).
    pub reduced_decode: bool,
}

impl ScoreOptions {
    pub fn for_device(device: &ComputeDevice) -> Self {
        let cores = thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            batch_size: if device.is_gpu() { 32 } else { 4 },
            decode_threads: cores.max(2),
            workers: if device.is_gpu() { 1 } else { cores },
            sampling: Sampling::Centered,
            samplings: 0,
            reduced_decode: true,
        }
    }
}

/// Runs a model on a device.
#[derive(Clone)]
pub struct Scorer {
    model: Arc<Model>,
    device: ComputeDevice,
}

impl Scorer {
    pub fn new(model: Model, device: ComputeDevice) -> Self {
        Self {
            model: Arc::new(model),
            device,
        }
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn device(&self) -> &ComputeDevice {
        &self.device
    }

    /// Raw head outputs for prepared photos, in one batch: per photo, one per mosaic (the
    /// primary mosaic, then each test-time sampling's), all scored against one pass of the
    /// semantic view.
    pub fn raw_scores(&self, batch: &[&Prepared]) -> Result<Vec<Raw>, String> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let net = &self.model.net;
        let f_s = net.semantic_tokens(self.stack(batch, |p| &p.semantic));
        let extra = batch
            .iter()
            .map(|p| p.extra_mosaics.len())
            .min()
            .unwrap_or(0);
        let passes: Vec<Tensor<1>> = (0..=extra)
            .map(|k| {
                let x_d = match k {
                    0 => self.stack(batch, |p| &p.mosaic),
                    k => self.stack(batch, |p| &p.extra_mosaics[k - 1]),
                };
                net.forward_from_tokens(f_s.clone(), x_d).score
            })
            .collect();
        // One read back from the device for all passes: `[pass][photo]`.
        let all = Tensor::cat(passes, 0)
            .try_into_vec_as::<f32>()
            .map_err(|e| format!("the device failed to run the model: {e}"))?;
        let n = batch.len();
        let embeddings = crate::grouping::cls_embeddings(&f_s)?;
        Ok(embeddings
            .into_iter()
            .enumerate()
            .map(|(i, embedding)| Raw {
                mosaics: (0..=extra).map(|k| all[k * n + i]).collect(),
                embedding,
            })
            .collect())
    }

    /// 0–100 scores of photos already in memory (centred fragments, as in scoring a file
    /// decoded in full): for checks that make their own variants of a photo.
    pub fn score_images(&self, images: &[&image::RgbImage]) -> Result<Vec<f32>, String> {
        use rayon::prelude::*;
        let info = &self.model.info;
        let prepared: Vec<Prepared> = images
            .par_iter()
            .map(|img| {
                prepare(
                    img,
                    &info.normalization,
                    Sampling::Centered,
                    0,
                    info.detail_scale,
                )
            })
            .collect();
        let mut out = Vec::with_capacity(images.len());
        for chunk in prepared.chunks(8) {
            let refs: Vec<&Prepared> = chunk.iter().collect();
            out.extend(
                self.raw_scores(&refs)?
                    .iter()
                    .map(|r| info.to_percent(mean(&r.mosaics))),
            );
        }
        Ok(out)
    }

    /// 0–100 scores of prepared (semantic view, mosaic) pairs, both normalised 224×224:
    /// for views that are not whole photos (the quality map's tiles).
    pub fn score_views(&self, views: &[View]) -> Result<Vec<f32>, String> {
        let side = INPUT as usize;
        let stack = |chunk: &[View], pick: fn(&View) -> &[f32]| {
            let v: Vec<f32> = chunk.iter().flat_map(|p| pick(p).iter().copied()).collect();
            Tensor::<4>::from_data(
                TensorData::new(v, [chunk.len(), 3, side, side]),
                &self.device.device,
            )
        };
        let net = &self.model.net;
        let mut out = Vec::with_capacity(views.len());
        for chunk in views.chunks(8) {
            let raw = net
                .forward(stack(chunk, |p| &p.0), stack(chunk, |p| &p.1))
                .score
                .try_into_vec_as::<f32>()
                .map_err(|e| format!("the device failed to run the model: {e}"))?;
            out.extend(raw.into_iter().map(|r| self.model.info.to_percent(r)));
        }
        Ok(out)
    }

    /// One view of each photo in `batch`, as a `[B, 3, 224, 224]` tensor on the device.
    fn stack(&self, batch: &[&Prepared], view: impl Fn(&Prepared) -> &[f32]) -> Tensor<4> {
        let side = INPUT as usize;
        let mut v = Vec::with_capacity(batch.len() * 3 * side * side);
        for p in batch {
            v.extend_from_slice(view(p));
        }
        Tensor::<4>::from_data(
            TensorData::new(v, [batch.len(), 3, side, side]),
            &self.device.device,
        )
    }

    /// Scores `paths` in the background. Results arrive on the returned channel as they are
    /// ready (not in order; `index` says which). Setting `cancel` stops the run soon; the
    /// channel then closes.
    pub fn run(
        &self,
        paths: Vec<PathBuf>,
        opts: &ScoreOptions,
        cancel: Arc<AtomicBool>,
    ) -> Receiver<Scored> {
        let (jobs_tx, jobs_rx) = unbounded::<(usize, PathBuf)>();
        for job in paths.into_iter().enumerate() {
            // The receiver is alive: it is owned below.
            let _ = jobs_tx.send(job);
        }
        drop(jobs_tx);
        self.run_jobs(jobs_rx, opts, cancel)
    }

    /// Like [`Scorer::run`], for photos that arrive over time (the app feeds them as it
    /// identifies a folder, and holds them back while paused). The run ends when `jobs` is
    /// closed and drained, or soon after `cancel` is set.
    pub fn run_jobs(
        &self,
        jobs_rx: Receiver<(usize, PathBuf)>,
        opts: &ScoreOptions,
        cancel: Arc<AtomicBool>,
    ) -> Receiver<Scored> {
        let (results_tx, results_rx) = unbounded();
        let batch = opts.batch_size.max(1);
        let (ready_tx, ready_rx) = bounded::<(usize, PathBuf, Prepared)>(2 * batch);
        let norm = self.model.info.normalization;
        let scale = self.model.info.detail_scale;
        for i in 0..opts.decode_threads.max(1) {
            let (jobs, ready, results, cancel) = (
                jobs_rx.clone(),
                ready_tx.clone(),
                results_tx.clone(),
                cancel.clone(),
            );
            let (sampling, samplings, reduced) =
                (opts.sampling, opts.samplings, opts.reduced_decode);
            spawn(format!("glia-decode-{i}"), move || {
                for (index, path) in jobs {
                    if cancel.load(Ordering::Relaxed) {
                        break;
                    }
                    match prepare_file(&path, &norm, sampling, samplings, scale, reduced) {
                        Ok(p) => {
                            if ready.send((index, path, p)).is_err() {
                                break;
                            }
                        }
                        Err(e) => {
                            let _ = results.send(Scored {
                                index,
                                path,
                                outcome: Err(e.to_string()),
                            });
                        }
                    }
                }
            });
        }
        drop(ready_tx);
        for i in 0..opts.workers.max(1) {
            let (ready, results, cancel, scorer) = (
                ready_rx.clone(),
                results_tx.clone(),
                cancel.clone(),
                self.clone(),
            );
            spawn(format!("glia-infer-{i}"), move || {
                scorer.infer_loop(&ready, &results, &cancel, batch);
            });
        }
        results_rx
    }

    fn infer_loop(
        &self,
        ready: &Receiver<(usize, PathBuf, Prepared)>,
        results: &Sender<Scored>,
        cancel: &AtomicBool,
        batch: usize,
    ) {
        while let Ok(first) = ready.recv() {
            let mut items = vec![first];
            // Fill the batch with what is ready now, waiting only briefly: a slow decoder
            // must not hold back results that could be shown.
            while items.len() < batch {
                match ready.recv_timeout(Duration::from_millis(5)) {
                    Ok(item) => items.push(item),
                    Err(_) => break,
                }
            }
            if cancel.load(Ordering::Relaxed) {
                break;
            }
            let refs: Vec<&Prepared> = items.iter().map(|(_, _, p)| p).collect();
            // A panic inside the backend (a lost or out-of-memory GPU) costs this batch, not
            // the run: its photos are reported with the reason.
            let raw =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.raw_scores(&refs)))
                    .unwrap_or_else(
                        |_| Err("the device failed while running the model".to_owned()),
                    );
            for (i, (index, path, _)) in items.into_iter().enumerate() {
                let outcome = match raw.as_ref().map(|r| (mean(&r[i].mosaics), &r[i])) {
                    Ok((raw, r)) if raw.is_finite() => Ok(Score {
                        score: self.model.info.to_percent(raw),
                        raw,
                        mosaics: r.mosaics.clone(),
                        embedding: r.embedding.clone(),
                    }),
                    Ok(_) => Err("the model produced no finite score for this photo".to_owned()),
                    Err(e) => Err(e.clone()),
                };
                if results
                    .send(Scored {
                        index,
                        path,
                        outcome,
                    })
                    .is_err()
                {
                    return;
                }
            }
        }
    }

    /// Scores everything and returns the results in input order (for tests and scripts).
    pub fn score_all(&self, paths: Vec<PathBuf>, opts: &ScoreOptions) -> Vec<Scored> {
        let n = paths.len();
        let mut out: Vec<Scored> = self
            .run(paths, opts, Arc::new(AtomicBool::new(false)))
            .iter()
            .collect();
        out.sort_by_key(|s| s.index);
        debug_assert_eq!(out.len(), n);
        out
    }
}

/// The mean of a photo's mosaic outputs: its raw score.
fn mean(mosaics: &[f32]) -> f32 {
    mosaics.iter().sum::<f32>() / mosaics.len().max(1) as f32
}

fn spawn(name: String, f: impl FnOnce() + Send + 'static) {
    thread::Builder::new()
        .name(name)
        .spawn(f)
        .expect("the OS refused to start a worker thread");
}
