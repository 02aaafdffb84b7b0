//! The desktop app (eframe/egui, wgpu renderer). It draws and sends commands; the work
//! happens in [`worker`] and [`thumbnails`] threads that report back over channels.

mod autoshot;
mod bursts_ui;
mod compare;
mod export_ui;
mod grid;
mod keys;
mod labels;
mod panels;
pub mod photos;
mod shoot;
pub mod stacks;
pub mod thumbnails;
mod tune_ui;
mod viewer;
pub mod worker;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use eframe::egui;
use glia_catalog::{Catalog, ExportOutcome, SidecarStyle};
use serde::{Deserialize, Serialize};

use self::compare::Comparing;
use self::export_ui::ExportUi;
use self::photos::{Photo, View};
use self::shoot::{Scoring, Shoot};
use self::stacks::{KeepBest, StackSettings};
use self::thumbnails::{Loaded, Loader};
use self::worker::{Command, Event, Worker, WorkerOptions};
use crate::paths::AppPaths;

/// Asks the GUI to repaint: how worker threads say something arrived.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// What the app remembers between runs (window state is eframe's).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub last_folder: Option<PathBuf>,
    pub view: View,
    /// Grid cell size in points.
    pub cell: f32,
    pub overlay: Overlay,
    pub opacity: f32,
    pub rollout: bool,
    /// Attention maps with their sink tokens kept.
    pub raw_attention: bool,
    /// Sidecars named `photo.xmp` (Lightroom) instead of `photo.jpg.xmp` (darktable, digiKam).
    pub sidecar_replaces_extension: bool,
    pub show_side_panel: bool,
    /// Bursts: stacks shown, and the grouping rule.
    pub stacks: StackSettings,
    /// Frames side by side in the compare view (2–4).
    pub compare_panes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            last_folder: None,
            view: View::default(),
            cell: 180.0,
            overlay: Overlay::Off,
            opacity: 0.5,
            rollout: false,
            raw_attention: false,
            sidecar_replaces_extension: false,
            show_side_panel: true,
            stacks: StackSettings::default(),
            compare_panes: 2,
        }
    }
}

impl Settings {
    pub fn sidecar_style(&self) -> SidecarStyle {
        if self.sidecar_replaces_extension {
            SidecarStyle::ReplaceExtension
        } else {
            SidecarStyle::AppendXmp
        }
    }
}

/// The viewer's map overlay (H cycles through them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Overlay {
    #[default]
    Off,
    /// What lowers the score, where.
    Quality,
    Glia,
    Vit,
    SideBySide,
}

impl Overlay {
    pub fn next(self) -> Self {
        match self {
            Overlay::Off => Overlay::Quality,
            Overlay::Quality => Overlay::Glia,
            Overlay::Glia => Overlay::Vit,
            Overlay::Vit => Overlay::SideBySide,
            Overlay::SideBySide => Overlay::Off,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Overlay::Off => "Off",
            Overlay::Quality => "Quality",
            Overlay::Glia => "GLIANet",
            Overlay::Vit => "ViT",
            Overlay::SideBySide => "ViT | GLIANet",
        }
    }
}

/// How the app is started (the binary passes the command line; tests their own folders).
#[derive(Debug, Clone, Default)]
pub struct Launch {
    pub folder: Option<PathBuf>,
    pub paths: Option<AppPaths>,
    pub device: glia_engine::DeviceChoice,
    pub model: Option<PathBuf>,
}

enum Thumb {
    Requested,
    Ready {
        texture: egui::TextureHandle,
        last: bool,
    },
    Failed(String),
}

/// The full view of one photo.
pub struct Viewing {
    index: usize,
    texture: Option<egui::TextureHandle>,
    error: Option<String>,
    /// Zoom relative to fit-to-window, and pan in points.
    zoom: f32,
    pan: egui::Vec2,
    heat: Option<HeatTextures>,
    /// Open the worst region at 100 % once the maps are there (L).
    loupe: bool,
    heat_pending: bool,
    heat_error: Option<String>,
}

struct HeatTextures {
    quality: egui::TextureHandle,
    worst: [f32; 4],
    vit: egui::TextureHandle,
    glia: egui::TextureHandle,
    /// (rollout, raw attention) the layers were made for.
    made_for: (bool, bool),
}

/// The grid's view of the thumbnails and of where it is scrolled.
#[derive(Default)]
struct GridState {
    thumbs: HashMap<usize, Thumb>,
    cols: usize,
    offset: f32,
    height: f32,
    /// Photos whose cells are on screen (thumbnails for others are dropped).
    visible: HashSet<usize>,
}

pub struct GliaApp {
    settings: Settings,
    paths: AppPaths,
    worker: Worker,
    loader: Loader,
    shoot: Shoot,
    grid: GridState,
    viewing: Option<Viewing>,
    model: Option<worker::ModelKey>,
    device: String,
    status: String,
    recent: Vec<PathBuf>,
    show_help: bool,
    show_problems: bool,
    export: ExportUi,
    folder_pick: Option<panels::FolderPick>,
    ctx: egui::Context,
    autoshot: Option<autoshot::AutoShot>,
    tune: tune_ui::TuneUi,
    report_running: bool,
    comparing: Option<Comparing>,
    /// "Keep the best of each group", awaiting its confirmation.
    keep_best: Option<KeepBest>,
    undo: Vec<labels::UndoStep>,
}

pub const STORAGE_KEY: &str = "glia-settings";

impl GliaApp {
    pub fn new(cc: &eframe::CreationContext<'_>, launch: Launch) -> Result<Self> {
        let settings: Settings = cc
            .storage
            .and_then(|s| eframe::get_value(s, STORAGE_KEY))
            .unwrap_or_default();
        let paths = match launch.paths {
            Some(p) => p,
            None => AppPaths::from_env()?,
        };
        let ctx = cc.egui_ctx.clone();
        let wake: Wake = Arc::new(move || ctx.request_repaint());
        let worker = worker::start(
            WorkerOptions {
                paths: paths.clone(),
                device: launch.device,
                model: launch.model,
                sidecar: settings.sidecar_style(),
            },
            wake.clone(),
        );
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
        let loader = Loader::start(paths.thumbs.clone(), threads, wake);
        let recent = Catalog::open(&paths.catalog)
            .and_then(|c| c.recent_folders(10))
            .unwrap_or_default();
        let mut app = Self {
            settings,
            paths,
            worker,
            loader,
            shoot: Shoot::default(),
            grid: GridState {
                cols: 1,
                ..GridState::default()
            },
            viewing: None,
            model: None,
            device: "starting the model…".into(),
            status: String::new(),
            recent,
            show_help: false,
            show_problems: false,
            export: ExportUi::default(),
            folder_pick: None,
            ctx: cc.egui_ctx.clone(),
            autoshot: autoshot::AutoShot::from_env(),
            tune: tune_ui::TuneUi::default(),
            report_running: false,
            comparing: None,
            keep_best: None,
            undo: Vec::new(),
        };
        app.worker.send(Command::ListModels);
        // "Open with glia" on a photo opens its folder with that photo in the viewer.
        let (folder, photo) = match launch.folder {
            Some(p) if p.is_file() => (p.parent().map(PathBuf::from), Some(p)),
            Some(p) => (Some(p), None),
            None => (
                app.settings.last_folder.clone().filter(|f| f.is_dir()),
                None,
            ),
        };
        if let Some(f) = folder {
            app.open(f);
            app.shoot.open_photo = photo;
        }
        Ok(app)
    }

    pub fn open(&mut self, folder: PathBuf) {
        self.loader.clear();
        self.shoot.photos.clear();
        self.shoot.order.clear();
        self.grid.thumbs.clear();
        self.viewing = None;
        self.comparing = None;
        self.keep_best = None;
        // Undo steps name photos by their place in this folder's list.
        self.undo.clear();
        self.shoot.stacks = stacks::Stacks::default();
        self.shoot.selected = None;
        self.shoot.scoring = Scoring {
            running: true,
            paused: false,
        };
        self.status = format!("Opening {}…", folder.display());
        self.settings.last_folder = Some(folder.clone());
        self.recent.retain(|r| r != &folder);
        self.recent.insert(0, folder.clone());
        self.recent.truncate(10);
        self.shoot.folder = Some(folder.clone());
        self.worker.send(Command::Pause(false));
        self.worker.send(Command::Open(folder));
    }

    // Read by tests and the status line.
    pub fn photos(&self) -> &[Photo] {
        &self.shoot.photos
    }

    pub fn order(&self) -> &[usize] {
        &self.shoot.order
    }

    pub fn selected(&self) -> Option<usize> {
        self.shoot.selected
    }

    /// Photos the model scored since the app started (not taken from the catalog).
    pub fn scored_now(&self) -> usize {
        self.shoot.scored_now
    }

    /// Whether the viewer shows a photo, and whether its heatmap is ready.
    pub fn viewer_state(&self) -> Option<(usize, bool, bool)> {
        self.viewing
            .as_ref()
            .map(|v| (v.index, v.texture.is_some(), v.heat.is_some()))
    }

    /// The viewer's overlay, and its zoom (1 = fit to the window) when a photo is on view.
    pub fn overlay(&self) -> (Overlay, Option<f32>) {
        (self.settings.overlay, self.viewing.as_ref().map(|v| v.zoom))
    }

    /// The status line's message.
    pub fn status(&self) -> &str {
        &self.status
    }

    /// Whether the grid's order reflects every score that has arrived (background
    /// updates re-sort within half a second).
    pub fn settled(&self) -> bool {
        !self.shoot.stale && !self.shoot.dirty
    }

    /// Whether the bursts are grouped as the latest photos and rule say.
    pub fn grouped(&self) -> bool {
        self.shoot.stacks.settled()
    }

    /// Photo `index`'s group and whether it is the group's best frame.
    pub fn group_of(&self, index: usize) -> Option<(usize, bool)> {
        let s = &self.shoot.stacks;
        s.group_of(index).map(|g| (g, s.is_best(index)))
    }

    /// The frames of the compare view, the focused one's position, the zoom (1 = fit) and
    /// the frames on screen whose full view has loaded.
    pub fn comparing(&self) -> Option<(Vec<usize>, usize, f32, usize)> {
        self.comparing.as_ref().map(|c| {
            let panes = c.panes(self.settings.compare_panes);
            (c.frames.clone(), c.focus, c.zoom, c.ready_on_screen(panes))
        })
    }

    /// Whether "keep the best of each group" waits for its confirmation.
    pub fn keep_best_asked(&self) -> bool {
        self.keep_best.is_some()
    }

    /// The key of the model in use, once loaded.
    pub fn model_key(&self) -> Option<&worker::ModelKey> {
        self.model.as_ref()
    }

    pub fn scored(&self) -> usize {
        self.shoot
            .photos
            .iter()
            .filter(|p| p.score.is_some())
            .count()
    }

    fn drain_events(&mut self, ctx: &egui::Context) {
        while let Ok(ev) = self.worker.events.try_recv() {
            self.on_event(ctx, ev);
        }
        while let Ok(l) = self.loader.results.try_recv() {
            self.on_loaded(ctx, l);
        }
        if let Some(later) = self
            .shoot
            .resort(&self.settings.view, self.settings.stacks.on)
        {
            ctx.request_repaint_after(later);
        }
        self.regroup(false);
        if self.shoot.stacks.pending() {
            ctx.request_repaint_after(std::time::Duration::from_millis(320));
        }
    }

    fn on_event(&mut self, ctx: &egui::Context, ev: Event) {
        match ev {
            Event::ModelReady {
                model,
                device,
                reason,
            } => {
                self.device = format!("{device} — {reason}");
                let switched = self.model.as_ref().is_some_and(|m| *m != model);
                self.model = Some(model);
                // Another model scores now: reopen, so what it scored before comes from the
                // catalog and only the rest is scored.
                if switched && let Some(f) = self.shoot.folder.clone() {
                    self.open(f);
                }
            }
            Event::ModelFailed(e) => {
                self.device = "no model".into();
                self.status = format!("The model could not be loaded: {e}");
                self.shoot.scoring.running = false;
            }
            Event::Listed {
                generation,
                folder,
                photos,
            } => {
                self.shoot.generation = generation;
                self.shoot.photos = photos.into_iter().map(Photo::from_listed).collect();
                photos::rank_names(&mut self.shoot.photos);
                self.shoot.mark_dirty();
                self.status = format!("{} — {} files", folder.display(), self.shoot.photos.len());
                if let Some(want) = self.shoot.open_photo.take()
                    && let Some(i) = self.shoot.photos.iter().position(|p| p.path == want)
                {
                    self.shoot.selected = Some(i);
                    self.open_viewer(i);
                }
            }
            Event::Identified { generation, items } if generation == self.shoot.generation => {
                for item in items {
                    if let Some(p) = self.shoot.photos.get_mut(item.index) {
                        match item.outcome {
                            Ok(known) => p.apply(known),
                            Err(e) => p.problem = Some(e),
                        }
                    }
                }
                self.shoot.mark_stale();
                self.shoot.stacks.mark_stale();
            }
            Event::Scored {
                generation,
                index,
                outcome,
            } if generation == self.shoot.generation => {
                if let Some(p) = self.shoot.photos.get_mut(index) {
                    match outcome {
                        Ok(s) => {
                            p.score = Some(s.score);
                            p.embedding = Some(s.embedding);
                            self.shoot.scored_now += 1;
                        }
                        Err(e) => p.problem = Some(e),
                    }
                }
                self.shoot.mark_stale();
                self.shoot.stacks.mark_stale();
            }
            Event::Grouped(g) => {
                if g.generation == self.shoot.generation
                    && self.shoot.stacks.apply(g, self.shoot.photos.len())
                {
                    self.shoot.mark_stale();
                }
            }
            Event::ScoringStopped { generation } if generation == self.shoot.generation => {
                self.shoot.scoring.running = false;
            }
            Event::Heatmap { index, outcome } => {
                if let Some(v) = self.viewing.as_mut().filter(|v| v.index == index) {
                    v.heat_pending = false;
                    match outcome {
                        Ok(heat) => {
                            if let Some(p) = self.shoot.photos.get_mut(index) {
                                p.worst = Some(heat.worst);
                            }
                            v.heat = Some(viewer::heat_textures(ctx, &heat))
                        }
                        Err(e) => v.heat_error = Some(e),
                    }
                }
            }
            Event::Saved { index, error } => {
                if let Some(e) = error {
                    let name = self.shoot.photos.get(index).map_or("", |p| p.name.as_str());
                    self.status = format!("{name}: {e}");
                }
            }
            Event::ExportProgress(done, total) => {
                self.status = format!("Exporting… {done}/{total}");
            }
            Event::Exported(outcomes) => {
                let done = outcomes
                    .iter()
                    .filter(|o| matches!(o, ExportOutcome::Done { .. }))
                    .count();
                self.status = format!("Exported {done} of {} photos", outcomes.len());
                // Moved photos left this folder: list it again.
                let moved = outcomes
                    .iter()
                    .any(|o| matches!(o, ExportOutcome::Done { from, .. } if !from.exists()));
                self.export.result = Some(outcomes);
                if moved && let Some(f) = self.shoot.folder.clone() {
                    let status = std::mem::take(&mut self.status);
                    self.open(f);
                    self.status = status;
                }
            }
            Event::Notice(n) => self.status = n,
            Event::ReportProgress(done, total) => {
                self.status = format!("Writing the report… quality maps {done}/{total}");
            }
            Event::ReportDone(outcome) => {
                self.report_running = false;
                self.status = match outcome {
                    Ok(p) => format!("Report written to {}", p.display()),
                    Err(e) => format!("The report was not written: {e}"),
                };
            }
            Event::Tune(e) => self.tune.on_event(e),
            Event::Models(m) => self.tune.models = m,
            // Events of a folder that is no longer open.
            Event::Identified { .. } | Event::Scored { .. } | Event::ScoringStopped { .. } => {}
        }
    }

    fn on_loaded(&mut self, ctx: &egui::Context, l: Loaded) {
        match l {
            Loaded::Thumb {
                generation,
                index,
                image,
                last,
            } if generation == self.shoot.generation => {
                let t = match image {
                    Ok(img) => Thumb::Ready {
                        texture: ctx.load_texture(
                            format!("thumb-{generation}-{index}"),
                            to_color_image(&img),
                            egui::TextureOptions::LINEAR,
                        ),
                        last,
                    },
                    Err(e) => Thumb::Failed(e),
                };
                // A late EXIF thumbnail must not replace the real one.
                if !matches!(
                    self.grid.thumbs.get(&index),
                    Some(Thumb::Ready { last: true, .. })
                ) {
                    self.grid.thumbs.insert(index, t);
                }
            }
            Loaded::Dropped { generation, index } if generation == self.shoot.generation => {
                self.grid.thumbs.remove(&index);
            }
            Loaded::Full { index, image } => {
                let viewer = self.viewing.as_ref().is_some_and(|v| v.index == index);
                let compare = self.comparing.as_ref().is_some_and(|c| c.wants(index));
                if !viewer && !compare {
                    return;
                }
                let texture = image.map(|img| {
                    ctx.load_texture(
                        format!("view-{index}"),
                        to_color_image(&img),
                        egui::TextureOptions::LINEAR,
                    )
                });
                if let Some(c) = self.comparing.as_mut().filter(|_| compare) {
                    c.loaded(index, texture.clone());
                }
                if let Some(v) = self.viewing.as_mut().filter(|_| viewer) {
                    match texture {
                        Ok(t) => v.texture = Some(t),
                        Err(e) => v.error = Some(e),
                    }
                }
            }
            Loaded::Thumb { .. } | Loaded::Dropped { .. } => {}
        }
    }
}

pub fn to_color_image(img: &image::RgbImage) -> egui::ColorImage {
    let (w, h) = img.dimensions();
    egui::ColorImage::from_rgb([w as usize, h as usize], img.as_raw())
}

/// Opens the window. `launch.folder` is opened at once; otherwise the last folder, or the
/// welcome view.
pub fn run(launch: Launch) -> Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("glia")
            .with_app_id("glia")
            .with_inner_size([1280.0, 820.0])
            .with_min_inner_size([640.0, 400.0])
            .with_icon(app_icon()),
        ..Default::default()
    };
    eframe::run_native(
        "glia",
        options,
        Box::new(move |cc| {
            let app = GliaApp::new(cc, launch)?;
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("the window could not be opened: {e}"))
}

fn app_icon() -> egui::IconData {
    let bytes = include_bytes!("../../assets/icon.png");
    eframe::icon_data::from_png_bytes(bytes).unwrap_or_default()
}

impl eframe::App for GliaApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.drain_events(&ctx);
        self.handle_keys(&ctx);
        panels::top_bar(self, ui);
        panels::status_bar(self, ui);
        if self.settings.show_side_panel && self.viewing.is_none() && self.comparing.is_none() {
            panels::side_panel(self, ui);
        }
        egui::CentralPanel::default().show(ui, |ui| {
            if self.shoot.folder.is_none() {
                panels::welcome(self, ui);
            } else if self.comparing.is_some() {
                compare::show(self, ui);
            } else if self.viewing.is_some() {
                viewer::show(self, ui);
            } else {
                grid::show(self, ui);
            }
        });
        panels::windows(self, &ctx);
        bursts_ui::confirm_window(self, &ctx);
        tune_ui::window(self, &ctx);
        autoshot::tick(self, &ctx);
        if self.show_help {
            keys::help(self, &ctx);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.settings);
    }
}
