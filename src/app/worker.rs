//! The app's engine side: everything that touches files, the catalog or the model runs
//! here, on named threads, and reports back over a channel. The GUI only sends
//! [`Command`]s and draws what [`Event`]s say; nothing here knows about egui (a `wake`
//! callback asks the GUI to repaint).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, UNIX_EPOCH};

use crossbeam_channel::{Receiver, Sender, bounded, unbounded};
use glia_catalog::{
    Catalog, ExportMode, ExportOutcome, Labels, PhotoId, SidecarStyle, StoredScore,
};
use glia_engine::{ScoreOptions, Scorer, device, discover};

use super::paths::AppPaths;

pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// A photo as the folder walk found it, before it is read.
#[derive(Debug, Clone)]
pub struct Listed {
    pub path: PathBuf,
    pub size: u64,
    /// Modification time, seconds since the epoch (for sorting by date without EXIF).
    pub modified: i64,
    /// Why it cannot be read at all (unsupported type, unreadable entry).
    pub skip: Option<String>,
}

/// What the catalog knows of a photo once its content is identified.
#[derive(Debug, Clone)]
pub struct Identified {
    pub index: usize,
    pub outcome: Result<Known, String>,
}

#[derive(Debug, Clone)]
pub struct Known {
    pub id: PhotoId,
    pub labels: Labels,
    /// The score for the current model, when it was computed before.
    pub score: Option<f32>,
    pub taken: Option<i64>,
}

/// One heatmap layer per stream, rendered at the size the viewer draws it.
#[derive(Debug, Clone)]
pub struct Heat {
    pub width: u32,
    pub height: u32,
    /// Normalised 0–1, row-major.
    pub vit: Vec<f32>,
    pub glia: Vec<f32>,
    pub score: f32,
}

pub enum Command {
    Open(PathBuf),
    SetLabels {
        index: usize,
        path: PathBuf,
        id: PhotoId,
        labels: Labels,
    },
    Pause(bool),
    CancelScoring,
    /// Score these photos (index, path, id): the ones left when a run was cancelled.
    Score(Vec<(usize, PathBuf, PhotoId)>),
    Heatmap {
        index: usize,
        path: PathBuf,
        kind: glia_engine::attention::MapKind,
    },
    SidecarStyle(SidecarStyle),
    /// Fine-tune the model in use on these (photo, 0–100) ratings.
    StartTune {
        ratings: Vec<(PathBuf, f64)>,
        epochs: usize,
    },
    /// The answer to a CPU time estimate.
    ConfirmTune(bool),
    CancelTune,
    /// Keep the finished session's model under this name and switch to it.
    KeepTuned(String),
    DiscardTuned,
    /// Train the finished session's model further on the same ratings.
    ContinueTune {
        epochs: usize,
    },
    /// Switch models: a named model's file, or the shipped default (`None`).
    UseModel(Option<PathBuf>),
    ListModels,
    RenameModel {
        old: String,
        new: String,
    },
    DeleteModel(String),
    ExportModel {
        name: String,
        dest: PathBuf,
    },
    Export {
        paths: Vec<PathBuf>,
        dest: PathBuf,
        mode: ExportMode,
    },
}

pub enum Event {
    ModelReady {
        model: String,
        device: String,
        reason: String,
    },
    ModelFailed(String),
    Listed {
        generation: u64,
        folder: PathBuf,
        photos: Vec<Listed>,
    },
    Identified {
        generation: u64,
        items: Vec<Identified>,
    },
    Scored {
        generation: u64,
        index: usize,
        outcome: Result<f32, String>,
    },
    ScoringStopped {
        generation: u64,
    },
    Heatmap {
        index: usize,
        outcome: Result<Heat, String>,
    },
    Saved {
        index: usize,
        error: Option<String>,
    },
    Exported(Vec<ExportOutcome>),
    ExportProgress(usize, usize),
    /// Something the user should read (status line).
    Notice(String),
    Tune(super::tuning::TuneEvent),
    Models(Vec<super::named::Named>),
}

/// The model once it is loaded, shared with scoring runs that start before it is.
#[derive(Clone, Default)]
struct ModelSlot(Arc<(Mutex<Option<ModelState>>, Condvar)>);

#[derive(Clone)]
struct ModelState {
    scorer: Scorer,
    /// The key scores are cached under in the catalog: the model's name and content hash.
    key: String,
}

impl ModelSlot {
    fn set(&self, state: ModelState) {
        let (lock, cv) = &*self.0;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) = Some(state);
        cv.notify_all();
    }

    fn get(&self) -> Option<ModelState> {
        self.0.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits for the model; `None` when `cancel` is set first.
    fn wait(&self, cancel: &AtomicBool) -> Option<ModelState> {
        let (lock, cv) = &*self.0;
        let mut guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(m) = guard.as_ref() {
                return Some(m.clone());
            }
            if cancel.load(Ordering::Relaxed) {
                return None;
            }
            guard = cv
                .wait_timeout(guard, Duration::from_millis(100))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

/// Handle to the worker: send commands, receive events.
pub struct Worker {
    pub commands: Sender<Command>,
    pub events: Receiver<Event>,
}

/// Options the app starts the worker with.
#[derive(Clone)]
pub struct WorkerOptions {
    pub paths: AppPaths,
    pub device: glia_engine::DeviceChoice,
    /// Model file; the shipped default when `None`.
    pub model: Option<PathBuf>,
    pub sidecar: SidecarStyle,
}

pub fn start(opts: WorkerOptions, wake: Wake) -> Worker {
    let (cmd_tx, cmd_rx) = unbounded();
    let (ev_tx, ev_rx) = unbounded();
    let out = Out {
        tx: ev_tx,
        wake: wake.clone(),
    };
    let slot = ModelSlot::default();
    {
        let (out, slot, opts) = (out.clone(), slot.clone(), opts.clone());
        spawn("glia-model", move || load_model(&opts, &slot, &out));
    }
    spawn("glia-worker", move || {
        let mut w = State {
            opts,
            out,
            slot,
            generation: 0,
            open_cancel: Arc::new(AtomicBool::new(false)),
            run: None,
            paused: Arc::new(AtomicBool::new(false)),
            catalog: None,
            tune: None,
            tuned: Arc::default(),
        };
        for cmd in cmd_rx {
            w.handle(cmd);
        }
        w.stop_all();
    });
    Worker {
        commands: cmd_tx,
        events: ev_rx,
    }
}

#[derive(Clone)]
struct Out {
    tx: Sender<Event>,
    wake: Wake,
}

impl Out {
    fn send(&self, ev: Event) {
        if self.tx.send(ev).is_ok() {
            (self.wake)();
        }
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) {
    if let Err(e) = thread::Builder::new().name(name.to_owned()).spawn(f) {
        eprintln!("glia: cannot start thread {name}: {e}");
    }
}

fn load_model(opts: &WorkerOptions, slot: &ModelSlot, out: &Out) {
    let result = (|| -> anyhow::Result<(ModelState, String, String)> {
        let dev = device::select(opts.device)?;
        let path = crate::models::resolve(opts.model.as_deref())?;
        let model = crate::models::load(Some(&path), None, &dev.device)?;
        let state = ModelState {
            scorer: Scorer::new(model, dev.clone()),
            key: model_key(&path)?,
        };
        Ok((state, dev.name, dev.reason))
    })();
    match result {
        Ok((state, device, reason)) => {
            let model = state.key.clone();
            slot.set(state);
            out.send(Event::ModelReady {
                model,
                device,
                reason,
            });
        }
        Err(e) => out.send(Event::ModelFailed(format!("{e:#}"))),
    }
}

/// One scoring run: its feed and its stop flag.
struct Run {
    cancel: Arc<AtomicBool>,
}

struct State {
    opts: WorkerOptions,
    out: Out,
    slot: ModelSlot,
    generation: u64,
    /// Stops the identification of the open folder.
    open_cancel: Arc<AtomicBool>,
    run: Option<Run>,
    paused: Arc<AtomicBool>,
    catalog: Option<Catalog>,
    tune: Option<super::tuning::Session>,
    tuned: super::tuning::TunedSlot,
}

impl State {
    fn catalog(&mut self) -> Result<&Catalog, String> {
        if self.catalog.is_none() {
            let c = Catalog::open(&self.opts.paths.catalog).map_err(|e| e.to_string())?;
            self.catalog = Some(c);
        }
        self.catalog.as_ref().ok_or_else(|| "no catalog".to_owned())
    }

    fn stop_all(&mut self) {
        self.open_cancel.store(true, Ordering::Relaxed);
        if let Some(run) = self.run.take() {
            run.cancel.store(true, Ordering::Relaxed);
        }
    }

    fn handle(&mut self, cmd: Command) {
        match cmd {
            Command::Open(folder) => self.open(folder),
            Command::SetLabels {
                index,
                path,
                id,
                labels,
            } => {
                let error = self.save_labels(&path, &id, labels).err();
                self.out.send(Event::Saved { index, error });
            }
            Command::Pause(p) => self.paused.store(p, Ordering::Relaxed),
            Command::CancelScoring => {
                if let Some(run) = self.run.take() {
                    run.cancel.store(true, Ordering::Relaxed);
                }
            }
            Command::Score(items) => {
                let feed = self.start_run();
                for item in items {
                    let _ = feed.send(item);
                }
            }
            Command::Heatmap { index, path, kind } => self.heatmap(index, path, kind),
            Command::SidecarStyle(s) => self.opts.sidecar = s,
            Command::StartTune { ratings, epochs } => {
                let samples = super::tuning::samples(ratings);
                self.start_tune(None, samples, epochs);
            }
            Command::ContinueTune { epochs } => {
                let taken = self.tuned.lock().unwrap_or_else(|p| p.into_inner()).take();
                match taken {
                    Some(t) => self.start_tune(Some(t.model), t.samples, epochs),
                    None => self
                        .out
                        .send(Event::Notice("no finished session to continue".into())),
                }
            }
            Command::ConfirmTune(yes) => {
                if let Some(t) = &self.tune {
                    let _ = t.confirm.send(yes);
                }
            }
            Command::CancelTune => {
                if let Some(t) = self.tune.take() {
                    t.cancel.store(true, Ordering::Relaxed);
                    let _ = t.confirm.send(false);
                }
            }
            Command::KeepTuned(name) => {
                if let Err(e) = self.keep_tuned(&name) {
                    self.out
                        .send(Event::Notice(format!("The model was not kept: {e:#}")));
                }
                self.send_models();
            }
            Command::DiscardTuned => {
                self.tuned.lock().unwrap_or_else(|p| p.into_inner()).take();
            }
            Command::UseModel(path) => self.use_model(path),
            Command::ListModels => self.send_models(),
            Command::RenameModel { old, new } => {
                let r = super::named::rename(&self.opts.paths.models, &old, &new);
                self.report(r.map(|()| format!("Renamed {old} to {new}")));
                self.send_models();
            }
            Command::DeleteModel(name) => {
                let r = super::named::delete(&self.opts.paths.models, &name);
                self.report(r.map(|()| format!("Deleted the model {name}")));
                self.send_models();
            }
            Command::ExportModel { name, dest } => {
                let r = super::named::export(&self.opts.paths.models, &name, &dest);
                self.report(r.map(|p| format!("Exported {name} to {}", p.display())));
            }
            Command::Export { paths, dest, mode } => {
                let out = self.out.clone();
                spawn("glia-export", move || {
                    let progress_out = out.clone();
                    let outcomes = glia_catalog::export(&paths, &dest, mode, &mut |d, t| {
                        progress_out.send(Event::ExportProgress(d, t));
                    });
                    out.send(Event::Exported(outcomes));
                });
            }
        }
    }

    fn report(&self, r: anyhow::Result<String>) {
        self.out.send(Event::Notice(match r {
            Ok(m) => m,
            Err(e) => format!("{e:#}"),
        }));
    }

    fn send_models(&self) {
        self.out
            .send(Event::Models(super::named::list(&self.opts.paths.models)));
    }

    /// Starts a session from `start` (the model in use when `None`).
    fn start_tune(
        &mut self,
        start: Option<glia_engine::Model>,
        samples: Vec<glia_engine::train::data::Sample>,
        epochs: usize,
    ) {
        let Some(current) = self.slot.get() else {
            self.out
                .send(Event::Notice("the model is still loading".into()));
            return;
        };
        if let Some(old) = self.tune.take() {
            old.cancel.store(true, Ordering::Relaxed);
        }
        let device = current.scorer.device().clone();
        let start = start.unwrap_or_else(|| current.scorer.model().clone());
        let cancel = Arc::new(AtomicBool::new(false));
        let (confirm_tx, confirm_rx) = unbounded();
        self.tune = Some(super::tuning::Session {
            cancel: cancel.clone(),
            confirm: confirm_tx,
        });
        let (out, slot) = (self.out.clone(), self.tuned.clone());
        spawn("glia-finetune", move || {
            super::tuning::run(
                start,
                device,
                samples,
                epochs,
                cancel,
                confirm_rx,
                slot,
                |e| {
                    out.send(Event::Tune(e));
                },
            );
        });
    }

    fn keep_tuned(&mut self, name: &str) -> anyhow::Result<()> {
        use anyhow::Context;
        super::named::check_name(name)?;
        let dir = self.opts.paths.models.clone();
        let path = super::named::model_path(&dir, name);
        anyhow::ensure!(!path.exists(), "a model named {name:?} exists already");
        let tuned = self
            .tuned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .context("no finished session to keep")?;
        let base = self.slot.get().map_or_else(String::new, |m| m.key);
        std::fs::create_dir_all(&dir)?;
        let mut model = tuned.model;
        model.info.extra.insert("base".into(), base.clone());
        model
            .info
            .extra
            .insert("training_samples".into(), tuned.samples.len().to_string());
        model.save(&path)?;
        let created = std::time::SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        super::named::write_card(
            &dir,
            &super::named::Card {
                name: name.to_owned(),
                base: base.split('@').next().unwrap_or_default().to_owned(),
                photos: tuned.samples.len(),
                held_out: tuned.held_out,
                created,
                before: tuned.before,
                after: tuned.after,
            },
        )?;
        self.use_model(Some(path));
        Ok(())
    }

    /// Loads a model on the device in use and makes it the one that scores; the GUI then
    /// reopens the folder, so photos already scored by it come from the catalog.
    fn use_model(&mut self, path: Option<PathBuf>) {
        let Some(current) = self.slot.get() else {
            return;
        };
        let (slot, out) = (self.slot.clone(), self.out.clone());
        let device = current.scorer.device().clone();
        spawn("glia-model", move || {
            let loaded = (|| -> anyhow::Result<ModelState> {
                let file = crate::models::resolve(path.as_deref())?;
                let model = crate::models::load(Some(&file), None, &device.device)?;
                Ok(ModelState {
                    key: model_key(&file)?,
                    scorer: Scorer::new(model, device.clone()),
                })
            })();
            match loaded {
                Ok(state) => {
                    let model = state.key.clone();
                    slot.set(state);
                    out.send(Event::ModelReady {
                        model,
                        device: device.name.clone(),
                        reason: device.reason.clone(),
                    });
                }
                Err(e) => out.send(Event::Notice(format!(
                    "The model could not be loaded: {e:#}"
                ))),
            }
        });
    }

    fn save_labels(&mut self, path: &Path, id: &PhotoId, labels: Labels) -> Result<(), String> {
        let style = self.opts.sidecar;
        self.catalog()?
            .set_labels(id, labels)
            .map_err(|e| format!("the catalog could not be updated: {e}"))?;
        glia_catalog::write_sidecar(path, style, labels)
            .map(|_| ())
            .map_err(|e| format!("saved in the catalog, but not in the XMP sidecar: {e}"))
    }

    /// Starts a scoring run fed through the returned sender; the previous run stops.
    fn start_run(&mut self) -> Sender<(usize, PathBuf, PhotoId)> {
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

    fn open(&mut self, folder: PathBuf) {
        self.stop_all();
        self.generation += 1;
        let generation = self.generation;
        self.open_cancel = Arc::new(AtomicBool::new(false));
        if let Ok(c) = self.catalog() {
            let _ = c.touch_folder(&folder);
        }
        let feed = self.start_run();
        let (out, cancel, opts) = (
            self.out.clone(),
            self.open_cancel.clone(),
            self.opts.clone(),
        );
        let slot = self.slot.clone();
        spawn("glia-identify", move || {
            identify_folder(&folder, generation, &opts, &slot, &out, &cancel, feed);
        });
    }

    fn heatmap(&mut self, index: usize, path: PathBuf, kind: glia_engine::attention::MapKind) {
        let (slot, out) = (self.slot.clone(), self.out.clone());
        spawn("glia-heatmap", move || {
            let never = AtomicBool::new(false);
            let outcome = slot
                .wait(&never)
                .ok_or_else(|| "the model is not loaded".to_owned())
                .and_then(|m| compute_heat(&m.scorer, &path, kind));
            out.send(Event::Heatmap { index, outcome });
        });
    }
}

/// The longest side heatmap layers are rendered at: the viewer stretches them smoothly.
const HEAT_SIDE: u32 = 768;

fn compute_heat(
    scorer: &Scorer,
    path: &Path,
    kind: glia_engine::attention::MapKind,
) -> Result<Heat, String> {
    use glia_engine::overlay::{Which, rendered_map};
    let img = crate::app::loader::decode(path)?;
    let (w, h) = img.dimensions();
    let s = (HEAT_SIDE as f32 / w.max(h) as f32).min(1.0);
    let (rw, rh) = (
        ((w as f32 * s).round() as u32).max(1),
        ((h as f32 * s).round() as u32).max(1),
    );
    let model = scorer.model();
    let maps = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        glia_engine::attention::compute(model, &img, &scorer.device().device)
    }))
    .map_err(|_| "the device failed while computing the heatmap".to_owned())?;
    Ok(Heat {
        width: rw,
        height: rh,
        vit: rendered_map(&maps, Which::Vit, kind, rw, rh),
        glia: rendered_map(&maps, Which::Glia, kind, rw, rh),
        score: maps.score,
    })
}

fn modified_secs(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64)
}

/// Lists the folder at once, then identifies each photo (content hash, labels, cached
/// score, date) and feeds the ones without a score to the scoring run.
fn identify_folder(
    folder: &Path,
    generation: u64,
    opts: &WorkerOptions,
    slot: &ModelSlot,
    out: &Out,
    cancel: &AtomicBool,
    feed: Sender<(usize, PathBuf, PhotoId)>,
) {
    let entries = discover(&[folder.to_owned()]);
    let photos: Vec<Listed> = entries
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
    out.send(Event::Listed {
        generation,
        folder: folder.to_owned(),
        photos,
    });
    let catalog = match Catalog::open(&opts.paths.catalog) {
        Ok(c) => c,
        Err(e) => {
            out.send(Event::Notice(format!(
                "the catalog at {} cannot be opened ({e}); ratings will not be kept",
                opts.paths.catalog.display()
            )));
            return;
        }
    };
    // Scores are looked up for the model in use; before it is loaded, photos are identified
    // and their cached scores looked up once it is.
    let model_key = slot.wait(cancel).map(|m| m.key);
    let Some(model_key) = model_key else { return };
    for chunk in todo.chunks(32) {
        if cancel.load(Ordering::Relaxed) {
            return;
        }
        let items: Vec<Identified> = chunk
            .iter()
            .map(|(index, path)| Identified {
                index: *index,
                outcome: identify_one(&catalog, path, opts.sidecar, &model_key),
            })
            .collect();
        for item in &items {
            if let Ok(k) = &item.outcome
                && k.score.is_none()
            {
                let _ = feed.send((item.index, photos_path(chunk, item.index), k.id.clone()));
            }
        }
        out.send(Event::Identified { generation, items });
    }
}

fn photos_path(chunk: &[(usize, PathBuf)], index: usize) -> PathBuf {
    chunk
        .iter()
        .find(|(i, _)| *i == index)
        .map(|(_, p)| p.clone())
        .unwrap_or_default()
}

fn identify_one(
    catalog: &Catalog,
    path: &Path,
    sidecar: SidecarStyle,
    model_key: &str,
) -> Result<Known, String> {
    let id = catalog.identify(path).map_err(|e| e.to_string())?;
    let labels = match catalog.labels(&id).map_err(|e| e.to_string())? {
        Some(l) => l,
        // First time glia sees this photo: take what another tool wrote in its sidecar.
        None => match glia_catalog::read_sidecar(path, sidecar) {
            Ok(Some(l)) => {
                let _ = catalog.set_labels(&id, l);
                l
            }
            _ => Labels::default(),
        },
    };
    let score = catalog
        .score(&id, model_key)
        .map_err(|e| e.to_string())?
        .map(|s| s.score);
    Ok(Known {
        id,
        labels,
        score,
        taken: crate::app::loader::date_taken(path),
    })
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
                let _ = c.put_scores(&model.key, &[(id, stored)]);
            }
            s.score
        });
        out.send(Event::Scored {
            generation,
            index: r.index,
            outcome,
        });
    }
    out.send(Event::ScoringStopped { generation });
}

impl Worker {
    pub fn send(&self, cmd: Command) {
        // The worker lives as long as the app; a send after it stopped has nowhere to go.
        let _ = self.commands.send(cmd);
    }
}

/// The key scores are cached under: the model file's name and a hash of its content.
fn model_key(path: &Path) -> anyhow::Result<String> {
    let hash = glia_catalog::hash_file(path)?;
    let name = path
        .file_stem()
        .map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
    Ok(format!("{name}@{}", &hash.0[..16.min(hash.0.len())]))
}
