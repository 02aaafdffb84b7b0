//! The open folder: list it, identify each photo in the catalog (content id, labels, a score
//! cached for the model in use, date taken) in batches, and score what has no score yet.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, UNIX_EPOCH};

use crossbeam_channel::{Receiver, Sender, bounded, unbounded};
use glia_catalog::{Catalog, Labels, PhotoId, SidecarStyle, StoredScore};
use glia_engine::{ScoreOptions, discover};

use super::model_slot::{ModelKey, ModelSlot};
use super::{Embedding, Event, Identified, Known, Listed, Out, Run, Scored, State, spawn};

/// Photos identified per catalog round trip and per `Identified` event.
const BATCH: usize = 32;

impl State {
    pub(super) fn open(&mut self, folder: PathBuf) {
        self.stop_all();
        self.generation += 1;
        let generation = self.generation;
        self.open_cancel = Arc::new(AtomicBool::new(false));
        if let Ok(c) = self.catalog() {
            let _ = c.touch_folder(&folder);
        }
        let feed = self.start_run();
        let (out, cancel, slot) = (
            self.out.clone(),
            self.open_cancel.clone(),
            self.slot.clone(),
        );
        let (catalog, sidecar) = (self.opts.paths.catalog.clone(), self.opts.sidecar);
        spawn("glia-identify", move || {
            let walk = Walk {
                generation,
                out: &out,
                cancel: &cancel,
            };
            walk.identify_folder(&folder, &catalog, sidecar, &slot, feed);
        });
    }

    /// Starts a scoring run fed through the returned sender; the previous run stops.
    pub(super) fn start_run(&mut self) -> Sender<(usize, PathBuf, PhotoId)> {
        if let Some(old) = self.run.take() {
            old.cancel.store(true, Ordering::Relaxed);
        }
        let (feed_tx, feed_rx) = unbounded::<(usize, PathBuf, PhotoId)>();
        let cancel = Arc::new(AtomicBool::new(false));
        self.run = Some(Run {
            cancel: cancel.clone(),
        });
        let (slot, out, paused, generation) = (
            self.slot.clone(),
            self.out.clone(),
            self.paused.clone(),
            self.generation,
        );
        let catalog_path = self.opts.paths.catalog.clone();
        spawn("glia-scoring", move || {
            score_run(
                feed_rx,
                &slot,
                &out,
                &paused,
                &cancel,
                generation,
                &catalog_path,
            );
        });
        feed_tx
    }
}

fn modified_secs(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64)
}

/// One folder opening: its generation, where to report, and its stop flag.
struct Walk<'a> {
    generation: u64,
    out: &'a Out,
    cancel: &'a AtomicBool,
}

impl Walk<'_> {
    /// Lists the folder at once, then identifies its photos in batches and feeds the ones
    /// without a score to the scoring run.
    fn identify_folder(
        &self,
        folder: &Path,
        catalog_path: &Path,
        sidecar: SidecarStyle,
        slot: &ModelSlot,
        feed: Sender<(usize, PathBuf, PhotoId)>,
    ) {
        let photos: Vec<Listed> = discover(&[folder.to_owned()])
            .into_iter()
            .map(|e| {
                let meta = std::fs::metadata(&e.path).ok();
                Listed {
                    size: meta.as_ref().map_or(0, |m| m.len()),
                    modified: meta.as_ref().map_or(0, modified_secs),
                    skip: e.skip,
                    path: e.path,
                }
            })
            .collect();
        let todo: Vec<(usize, PathBuf)> = photos
            .iter()
            .enumerate()
            .filter(|(_, p)| p.skip.is_none())
            .map(|(i, p)| (i, p.path.clone()))
            .collect();
        self.out.send(Event::Listed {
            generation: self.generation,
            folder: folder.to_owned(),
            photos,
        });
        let catalog = match Catalog::open(catalog_path) {
            Ok(c) => c,
            Err(e) => {
                self.out.send(Event::Notice(format!(
                    "the catalog at {} cannot be opened ({e}); ratings will not be kept",
                    catalog_path.display()
                )));
                return;
            }
        };
        // Cached scores are looked up for the model in use, so identification waits for it.
        let Some(model) = slot.wait(self.cancel) else {
            return;
        };
        let backbone = model.scorer.model().info.backbone.clone();
        for chunk in todo.chunks(BATCH) {
            if self.cancel.load(Ordering::Relaxed) {
                return;
            }
            let items = identify_batch(&catalog, chunk, sidecar, &model.key, &backbone);
            for (item, (_, path)) in items.iter().zip(chunk) {
                // Photos scored before embeddings were kept get theirs once, with a score.
                if let Ok(k) = &item.outcome
                    && (k.score.is_none() || k.embedding.is_none())
                {
                    let _ = feed.send((item.index, path.clone(), k.id.clone()));
                }
            }
            self.out.send(Event::Identified {
                generation: self.generation,
                items,
            });
        }
    }
}

/// Identifies `chunk` (index, path): content ids one by one (each file is hashed), then
/// labels, cached scores and embeddings for all of them in one catalog read each.
fn identify_batch(
    catalog: &Catalog,
    chunk: &[(usize, PathBuf)],
    sidecar: SidecarStyle,
    model: &ModelKey,
    backbone: &str,
) -> Vec<Identified> {
    let ids: Vec<Result<PhotoId, String>> = chunk
        .iter()
        .map(|(_, path)| catalog.identify(path).map_err(|e| e.to_string()))
        .collect();
    let known_ids: Vec<PhotoId> = ids
        .iter()
        .filter_map(|r| r.as_ref().ok().cloned())
        .collect();
    let labels = catalog.labels_many(&known_ids);
    let scores = catalog.scores_many(&known_ids, &model.catalog_key());
    let mut embeddings = catalog
        .embeddings_many(&known_ids, backbone)
        .unwrap_or_default();
    chunk
        .iter()
        .zip(ids)
        .map(|((index, path), id)| Identified {
            index: *index,
            outcome: id.and_then(|id| {
                let labels = match &labels {
                    Ok(found) => found.get(&id).copied(),
                    Err(e) => return Err(e.to_string()),
                };
                let score = match &scores {
                    Ok(found) => found.get(&id).map(|s| s.score),
                    Err(e) => return Err(e.to_string()),
                };
                Ok(Known {
                    labels: labels.unwrap_or_else(|| first_labels(catalog, &id, path, sidecar)),
                    score,
                    embedding: embeddings.remove(&id).map(Embedding::from),
                    taken: glia_media::date_taken_in_file(path),
                    id,
                })
            }),
        })
        .collect()
}

/// The first time glia sees a photo: take what another tool wrote in its sidecar.
fn first_labels(catalog: &Catalog, id: &PhotoId, path: &Path, sidecar: SidecarStyle) -> Labels {
    match glia_catalog::read_sidecar(path, sidecar) {
        Ok(Some(l)) => {
            let _ = catalog.set_labels(id, l);
            l
        }
        _ => Labels::default(),
    }
}

/// Scores what arrives on `feed` (holding back while paused), stores each score in the
/// catalog under the model's key and reports it.
fn score_run(
    feed: Receiver<(usize, PathBuf, PhotoId)>,
    slot: &ModelSlot,
    out: &Out,
    paused: &Arc<AtomicBool>,
    cancel: &Arc<AtomicBool>,
    generation: u64,
    catalog_path: &Path,
) {
    let Some(model) = slot.wait(cancel) else {
        return;
    };
    let key = model.key.catalog_key();
    let backbone = model.scorer.model().info.backbone.clone();
    let catalog = Catalog::open(catalog_path).ok();
    let ids: Arc<Mutex<HashMap<usize, PhotoId>>> = Arc::default();
    let opts = ScoreOptions::for_device(model.scorer.device());
    // A short queue so pausing takes effect within a batch or two.
    let (jobs_tx, jobs_rx) = bounded::<(usize, PathBuf)>(opts.batch_size * 2);
    {
        let (ids, paused, cancel) = (ids.clone(), paused.clone(), cancel.clone());
        spawn("glia-feed", move || {
            for (index, path, id) in feed {
                while paused.load(Ordering::Relaxed) && !cancel.load(Ordering::Relaxed) {
                    thread::sleep(Duration::from_millis(50));
                }
                if cancel.load(Ordering::Relaxed) {
                    return;
                }
                ids.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(index, id);
                if jobs_tx.send((index, path)).is_err() {
                    return;
                }
            }
        });
    }
    let results = model.scorer.run_jobs(jobs_rx, &opts, cancel.clone());
    for r in results {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        let outcome = r.outcome.map(|s| {
            let id = ids
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&r.index)
                .cloned();
            if let (Some(c), Some(id)) = (&catalog, id) {
                let stored = StoredScore {
                    score: s.score,
                    raw: s.raw,
                };
                let _ = c.put_scores(&key, &[(id.clone(), stored)]);
                let _ = c.put_embeddings(&backbone, &[(id, &s.embedding)]);
            }
            Scored {
                score: s.score,
                embedding: Embedding::from(s.embedding),
            }
        });
        out.send(Event::Scored {
            generation,
            index: r.index,
            outcome,
        });
    }
    out.send(Event::ScoringStopped { generation });
}
