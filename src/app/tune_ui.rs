//! "Learn my taste": a fine-tuning session on the user's ratings (progress, live loss and
//! held-out agreement plots, cancel; before/after; keep, discard or train more), and the
//! list of named models (use, rename, export, delete). The grid stays usable meanwhile.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Legend, Line, Plot, PlotPoints};
use glia_engine::train::session::{MIN_RATINGS, SessionError, holdout};

use super::GliaApp;
use super::worker::Command;
use super::worker::model_library::Named;
use super::worker::tuning::{Finished, HOLDOUT, SEED, TuneEvent, samples, target};

#[derive(Default, Clone)]
pub enum Phase {
    #[default]
    Idle,
    Running,
    /// CPU: waiting for the user to accept the measured estimate.
    Estimate {
        per_step: f64,
        total: f64,
    },
    Done(Finished),
    Failed(String),
}

pub struct TuneUi {
    pub open: bool,
    epochs: usize,
    /// Learn from the photos the filters show rather than the whole folder.
    only_shown: bool,
    pub phase: Phase,
    split: Option<(usize, Vec<String>)>,
    losses: Vec<[f64; 2]>,
    validation: Vec<[f64; 2]>,
    step: (usize, usize, usize, f64),
    name: String,
    pub models: Vec<Named>,
    renaming: Option<(String, String)>,
    export_to: String,
    /// The setup view's ratings and hold-out check, for (photos version, only_shown):
    /// redone when the photos or the choice change, not every frame.
    setup: Option<(u64, bool, Ratings)>,
}

type Ratings = (
    Vec<(std::path::PathBuf, f64)>,
    Result<(usize, usize), SessionError>,
);

impl Default for TuneUi {
    fn default() -> Self {
        Self {
            open: false,
            epochs: 6,
            only_shown: false,
            phase: Phase::Idle,
            split: None,
            losses: Vec::new(),
            validation: Vec::new(),
            step: (0, 0, 0, f64::NAN),
            name: String::new(),
            models: Vec::new(),
            renaming: None,
            export_to: String::new(),
            setup: None,
        }
    }
}

impl TuneUi {
    pub fn on_event(&mut self, e: TuneEvent) {
        match e {
            TuneEvent::Split { train, held_out } => self.split = Some((train, held_out)),
            TuneEvent::Estimate { per_step, total } => {
                self.phase = Phase::Estimate { per_step, total };
            }
            TuneEvent::Step {
                step,
                steps,
                epoch,
                loss,
                eta,
            } => {
                self.losses.push([step as f64, loss]);
                self.step = (step, steps, epoch, eta);
                if !matches!(self.phase, Phase::Estimate { .. }) {
                    self.phase = Phase::Running;
                }
            }
            TuneEvent::Epoch { epoch, srcc, .. } => {
                self.validation.push([(epoch + 1) as f64, srcc]);
            }
            TuneEvent::Finished(f) => {
                self.validation.insert(0, [0.0, f.before.0]);
                if self.name.trim().is_empty() {
                    self.name = self.free_name();
                }
                self.phase = Phase::Done(f);
            }
            TuneEvent::Failed(e) => self.phase = Phase::Failed(e),
        }
    }

    /// "my taste", "my taste 2", …: the first name no kept model has.
    fn free_name(&self) -> String {
        (1..)
            .map(|i| {
                if i == 1 {
                    "my taste".to_owned()
                } else {
                    format!("my taste {i}")
                }
            })
            .find(|n| !self.models.iter().any(|m| m.card.name == *n))
            .unwrap_or_default()
    }

    fn reset_run(&mut self) {
        self.phase = Phase::Running;
        self.split = None;
        self.losses.clear();
        self.validation.clear();
        self.step = (0, 0, 0, f64::NAN);
    }

    pub fn running(&self) -> bool {
        matches!(self.phase, Phase::Running | Phase::Estimate { .. })
    }
}

/// The rated photos a session would learn from, as (path, 0–100).
fn rated(app: &GliaApp, only_shown: bool) -> Vec<(std::path::PathBuf, f64)> {
    let pick = |i: usize| {
        let p = &app.shoot.photos[i];
        p.problem
            .is_none()
            .then(|| target(p.labels).map(|t| (p.path.clone(), t)))
            .flatten()
    };
    if only_shown {
        app.shoot.order.iter().filter_map(|&i| pick(i)).collect()
    } else {
        (0..app.shoot.photos.len()).filter_map(pick).collect()
    }
}

fn minutes(secs: f64) -> String {
    if !secs.is_finite() {
        "…".into()
    } else if secs < 90.0 {
        format!("{secs:.0} s")
    } else {
        format!("{:.0} min", secs / 60.0)
    }
}

pub fn window(app: &mut GliaApp, ctx: &egui::Context) {
    if !app.tune.open {
        return;
    }
    let mut open = true;
    egui::Window::new("Learn my taste")
        .open(&mut open)
        .default_size([560.0, 520.0])
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                session(app, ui);
                ui.separator();
                models(app, ui);
            });
        });
    app.tune.open = open;
}

fn session(app: &mut GliaApp, ui: &mut egui::Ui) {
    match app.tune.phase.clone() {
        Phase::Idle => setup(app, ui),
        Phase::Failed(e) => {
            ui.colored_label(
                Color32::from_rgb(230, 120, 80),
                format!("The session failed: {e}"),
            );
            setup(app, ui);
        }
        Phase::Estimate { per_step, total } => {
            progress(app, ui);
            ui.label(
                RichText::new(format!(
                    "This runs on the CPU: about {} in all ({per_step:.1} s per measured step). Go on?",
                    minutes(total)
                ))
                .strong(),
            );
            ui.horizontal(|ui| {
                if ui.button("Continue").clicked() {
                    app.worker.send(Command::ConfirmTune(true));
                    app.tune.phase = Phase::Running;
                }
                if ui.button("Cancel").clicked() {
                    app.worker.send(Command::CancelTune);
                    app.tune.phase = Phase::Idle;
                }
            });
        }
        Phase::Running => {
            progress(app, ui);
            if ui.button("Cancel").clicked() {
                app.worker.send(Command::CancelTune);
                app.tune.phase = Phase::Idle;
                app.status = "Fine-tuning cancelled; the model in use is unchanged.".into();
            }
        }
        Phase::Done(f) => {
            plots(app, ui);
            done(app, ui, &f);
        }
    }
}

fn setup(app: &mut GliaApp, ui: &mut egui::Ui) {
    ui.label(
        "glia learns your taste from your own ratings: stars count as 20 per star, a pick \
         without stars as 80, a reject as 0. It trains the adapters and head of the model in \
         use, keeps a fifth of your ratings aside (seeded) to check the result, and never \
         changes the model in use until you keep the new one.",
    );
    ui.checkbox(&mut app.tune.only_shown, "Only the photos the filters show");
    let only_shown = app.tune.only_shown;
    let version = app.shoot.version;
    let fresh = matches!(&app.tune.setup, Some((v, o, _)) if *v == version && *o == only_shown);
    if !fresh {
        let ratings = rated(app, only_shown);
        let check = holdout(&samples(ratings.clone()), HOLDOUT, SEED)
            .map(|h| (h.train.len(), h.validation.len()));
        app.tune.setup = Some((version, only_shown, (ratings, check)));
    }
    let Some((_, _, (ratings, check))) = &app.tune.setup else {
        return;
    };
    ui.label(format!("{} rated photos", ratings.len()));
    let check = check
        .as_ref()
        .map(|&split| split)
        .map_err(ToString::to_string);
    let too_few = matches!(
        &app.tune.setup,
        Some((_, _, (_, Err(SessionError::TooFew { .. }))))
    );
    ui.add(egui::Slider::new(&mut app.tune.epochs, 1..=20).text("epochs"));
    match check {
        Err(e) => {
            let why = if too_few {
                format!("{e}. Rate photos with 1–5, P or X first (at least {MIN_RATINGS}).")
            } else {
                e
            };
            ui.colored_label(Color32::from_rgb(230, 160, 60), why);
        }
        Ok((train, held_out)) => {
            ui.weak(format!("{train} train, {held_out} held out"));
            let ready = app.model.is_some();
            if ui
                .add_enabled(ready, egui::Button::new("Start learning"))
                .clicked()
            {
                let ratings = app
                    .tune
                    .setup
                    .as_ref()
                    .map(|(_, _, (r, _))| r.clone())
                    .unwrap_or_default();
                app.tune.reset_run();
                app.worker.send(Command::StartTune {
                    ratings,
                    epochs: app.tune.epochs,
                });
            }
        }
    }
}

fn progress(app: &GliaApp, ui: &mut egui::Ui) {
    let (step, steps, epoch, eta) = app.tune.step;
    if let Some((train, held)) = &app.tune.split {
        ui.label(format!(
            "Training on {train} photos; held out: {}",
            held.join(", ")
        ));
    }
    let frac = if steps > 0 {
        step as f32 / steps as f32
    } else {
        0.0
    };
    ui.add(
        egui::ProgressBar::new(frac)
            .text(format!(
                "epoch {} of {} · step {step}/{steps} · {} left",
                epoch + 1,
                app.tune.epochs,
                minutes(eta)
            ))
            .animate(true),
    );
    plots(app, ui);
}

fn plots(app: &GliaApp, ui: &mut egui::Ui) {
    ui.columns(2, |cols| {
        Plot::new("tune-loss")
            .height(140.0)
            .legend(Legend::default())
            .x_axis_label("step")
            .show(&mut cols[0], |p| {
                p.line(Line::new(
                    "training loss",
                    PlotPoints::from(app.tune.losses.clone()),
                ));
            });
        Plot::new("tune-srcc")
            .height(140.0)
            .legend(Legend::default())
            .x_axis_label("epoch")
            .include_y(0.0)
            .include_y(1.0)
            .show(&mut cols[1], |p| {
                p.line(Line::new(
                    "held-out SRCC",
                    PlotPoints::from(app.tune.validation.clone()),
                ));
            });
    });
}

fn done(app: &mut GliaApp, ui: &mut egui::Ui, f: &Finished) {
    let Finished {
        before,
        after,
        cancelled,
        photos,
        held_out,
    } = *f;
    if cancelled {
        ui.label("Cancelled: the model in use is unchanged.");
        if ui.button("Close").clicked() {
            app.tune.phase = Phase::Idle;
        }
        return;
    }
    ui.label(format!(
        "Agreement with your {held_out} held-out ratings (of {photos}), which it did not train on:"
    ));
    egui::Grid::new("before-after")
        .striped(true)
        .show(ui, |ui| {
            ui.label("");
            ui.strong("before");
            ui.strong("after");
            ui.end_row();
            for (name, b, a) in [("SRCC", before.0, after.0), ("PLCC", before.1, after.1)] {
                ui.label(name);
                ui.label(format!("{b:.3}"));
                let color = if a > b {
                    Color32::from_rgb(90, 200, 90)
                } else {
                    Color32::from_rgb(230, 120, 80)
                };
                ui.colored_label(color, format!("{a:.3}"));
                ui.end_row();
            }
        });
    ui.horizontal(|ui| {
        ui.label("Name");
        ui.text_edit_singleline(&mut app.tune.name);
        if ui.button("Keep").clicked() {
            app.worker
                .send(Command::KeepTuned(app.tune.name.trim().to_owned()));
            app.tune.phase = Phase::Idle;
            app.tune.name.clear();
        }
    });
    ui.horizontal(|ui| {
        if ui.button("Discard").clicked() {
            app.worker.send(Command::DiscardTuned);
            app.tune.phase = Phase::Idle;
        }
        if ui.button("Keep training").clicked() {
            app.tune.reset_run();
            app.worker.send(Command::ContinueTune {
                epochs: app.tune.epochs,
            });
        }
    });
}

fn models(app: &mut GliaApp, ui: &mut egui::Ui) {
    ui.heading("Models");
    let current_name = app
        .model
        .as_ref()
        .map_or_else(String::new, |k| k.name.clone());
    ui.horizontal(|ui| {
        ui.label(format!("In use: {current_name}"));
        if current_name != "glianet-vit-tiny" && ui.button("Use the shipped default").clicked() {
            app.worker.send(Command::UseModel(None));
        }
    });
    if app.tune.models.is_empty() {
        ui.weak("No models of your own yet.");
        return;
    }
    ui.horizontal(|ui| {
        ui.label("Export to folder");
        ui.text_edit_singleline(&mut app.tune.export_to);
    });
    let mut command = None;
    egui::Grid::new("models").striped(true).show(ui, |ui| {
        for h in ["name", "base", "photos", "made", "SRCC before / after", ""] {
            ui.strong(h);
        }
        ui.end_row();
        for m in &app.tune.models {
            let c = &m.card;
            match &mut app.tune.renaming {
                Some((old, new)) if *old == c.name => {
                    ui.text_edit_singleline(new);
                }
                _ => {
                    ui.label(&c.name);
                }
            }
            ui.label(&c.base);
            ui.label(format!("{} ({} held out)", c.photos, c.held_out));
            ui.label(glia_media::dates::format(c.created));
            ui.label(format!("{:.2} / {:.2}", c.before.0, c.after.0));
            ui.horizontal(|ui| {
                if c.name != current_name && ui.button("Use").clicked() {
                    command = Some(Command::UseModel(Some(m.path.clone())));
                }
                match &app.tune.renaming {
                    Some((old, new)) if *old == c.name => {
                        if ui.button("Save name").clicked() {
                            command = Some(Command::RenameModel {
                                old: old.clone(),
                                new: new.trim().to_owned(),
                            });
                        }
                    }
                    _ => {
                        if ui.button("Rename").clicked() {
                            app.tune.renaming = Some((c.name.clone(), c.name.clone()));
                        }
                    }
                }
                let dest = app.tune.export_to.trim();
                if ui
                    .add_enabled(!dest.is_empty(), egui::Button::new("Export"))
                    .clicked()
                {
                    command = Some(Command::ExportModel {
                        name: c.name.clone(),
                        dest: dest.into(),
                    });
                }
                if c.name != current_name && ui.button("Delete").clicked() {
                    command = Some(Command::DeleteModel(c.name.clone()));
                }
            });
            ui.end_row();
        }
    });
    if let Some(c) = command {
        if matches!(c, Command::RenameModel { .. }) {
            app.tune.renaming = None;
        }
        app.worker.send(c);
    }
}
