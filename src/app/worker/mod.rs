//! The app's engine side: everything that touches files, the catalog or the model runs
//! here, on named threads, and reports back over a channel. The GUI only sends
//! [`Command`]s and draws what [`Event`]s say; nothing here knows about egui (a
//! [`Wake`](super::Wake) callback asks the GUI to repaint).
//!
//! `mod.rs` starts the thread and dispatches; each job has its file: the folder and its
//! scoring (`folder`), the model in use (`model_slot`), heatmaps, fine-tuning (`tuning`),
//! the user's saved models (`model_library`), burst grouping (`grouping`).

mod folder;
mod grouping;
mod heatmap;
mod messages;
pub mod model_library;
mod model_slot;
mod report;
pub mod tuning;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use crossbeam_channel::{Receiver, Sender, unbounded};
use glia_catalog::{Catalog, Labels, PhotoId, SidecarStyle};

pub use self::messages::{
    Command, Embedding, Event, GroupRequest, Grouped, Heat, Identified, Known, Listed, Scored,
};
pub use self::model_slot::ModelKey;
use self::model_slot::ModelSlot;
use super::Wake;
use crate::paths::AppPaths;

/// Handle to the worker: send commands, receive events.
pub struct Worker {
    pub commands: Sender<Command>,
    pub events: Receiver<Event>,
}

impl Worker {
    pub fn send(&self, cmd: Command) {
        // The worker lives as long as the app; a send after it stopped has nowhere to go.
        let _ = self.commands.send(cmd);
    }
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
    let out = Out { tx: ev_tx, wake };
    let slot = ModelSlot::default();
    slot.load(opts.model.clone(), Err(opts.device), &out);
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
            report_cancel: Arc::default(),
            grouper: None,
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

/// Where events go: the channel, and a nudge for the GUI to repaint.
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

/// One scoring run's stop flag.
struct Run {
    cancel: Arc<AtomicBool>,
}

struct State {
    opts: WorkerOptions,
    out: Out,
    slot: ModelSlot,
    /// Counts folder openings: events of an older one are ignored by the GUI.
    generation: u64,
    /// Stops the identification of the open folder.
    open_cancel: Arc<AtomicBool>,
    run: Option<Run>,
    paused: Arc<AtomicBool>,
    catalog: Option<Catalog>,
    tune: Option<tuning::Session>,
    tuned: tuning::TunedSlot,
    /// Stops the report being written.
    report_cancel: Arc<AtomicBool>,
    /// The grouping thread's queue, once started.
    grouper: Option<Sender<GroupRequest>>,
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
        let models = self.opts.paths.models.clone();
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
            Command::Heatmap {
                index,
                path,
                kind,
                sinks,
            } => self.heatmap(index, path, kind, sinks),
            Command::SidecarStyle(s) => self.opts.sidecar = s,
            Command::StartTune { ratings, epochs } => {
                self.start_tune(None, tuning::samples(ratings), epochs);
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
                let r = model_library::rename(&models, &old, &new);
                self.notice(r.map(|()| format!("Renamed {old} to {new}")));
                self.send_models();
            }
            Command::DeleteModel(name) => {
                let r = model_library::delete(&models, &name);
                self.notice(r.map(|()| format!("Deleted the model {name}")));
                self.send_models();
            }
            Command::ExportModel { name, dest } => {
                let r = model_library::export(&models, &name, &dest);
                self.notice(r.map(|p| format!("Exported {name} to {}", p.display())));
            }
            Command::Report { folder, dest } => self.report(folder, dest),
            Command::CancelReport => self.report_cancel.store(true, Ordering::Relaxed),
            Command::Group(request) => self.group(request),
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

    fn notice(&self, r: anyhow::Result<String>) {
        self.out.send(Event::Notice(match r {
            Ok(m) => m,
            Err(e) => format!("{e:#}"),
        }));
    }

    fn send_models(&self) {
        self.out
            .send(Event::Models(model_library::list(&self.opts.paths.models)));
    }

    /// Loads a model on the device in use and makes it the one that scores; the GUI then
    /// reopens the folder, so photos already scored by it come from the catalog.
    fn use_model(&mut self, path: Option<PathBuf>) {
        if let Some(current) = self.slot.get() {
            let device = current.scorer.device().clone();
            self.slot.load(path, Ok(device), &self.out);
        }
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
}
