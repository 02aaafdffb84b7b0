//! Everything around the grid and the viewer: the top bar, the side panel (histogram,
//! filters, details), the status bar with scoring progress, the welcome view, and the
//! problems and export windows.

use std::path::PathBuf;

use crossbeam_channel::Receiver;
use eframe::egui::{self, Color32, RichText};
use egui_plot::{Bar, BarChart, Plot};
use glia_catalog::Flag;

use super::GliaApp;
use super::export_ui::ExportAction;
use super::grid::score_color;
use super::photos::{FlagFilter, SortKey, histogram};
use super::worker::Command;

/// A folder dialog running on its own thread (the portal dialog blocks until closed).
pub struct FolderPick {
    pub purpose: PickFor,
    pub rx: Receiver<Option<PathBuf>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PickFor {
    Open,
    ExportDest,
    /// Where to save the HTML report (a save dialog).
    ReportDest,
}

impl GliaApp {
    /// Writes the open folder's report to `dest` (on the worker; progress in the status line).
    pub fn start_report(&mut self, dest: PathBuf) {
        let Some(folder) = self.shoot.folder.clone() else {
            return;
        };
        let dest = if dest.extension().is_none() {
            dest.with_extension("html")
        } else {
            dest
        };
        self.report_running = true;
        self.status = "Writing the report…".into();
        self.worker.send(Command::Report { folder, dest });
    }

    pub(super) fn pick_folder(&mut self) {
        self.start_pick(PickFor::Open);
    }

    pub(super) fn start_pick(&mut self, purpose: PickFor) {
        if self.folder_pick.is_some() {
            return;
        }
        let (tx, rx) = crossbeam_channel::bounded(1);
        let ctx = self.ctx.clone();
        let start = self.shoot.folder.clone();
        let spawned = std::thread::Builder::new()
            .name("glia-dialog".into())
            .spawn(move || {
                let mut dialog = rfd::AsyncFileDialog::new();
                if let Some(s) = start {
                    dialog = dialog.set_directory(s);
                }
                let picked = if purpose == PickFor::ReportDest {
                    let dialog = dialog
                        .set_title("Save the report")
                        .add_filter("HTML", &["html"])
                        .set_file_name("glia-report.html");
                    pollster::block_on(dialog.save_file())
                } else {
                    pollster::block_on(dialog.set_title("Choose a folder").pick_folder())
                }
                .map(|h| h.path().to_owned());
                let _ = tx.send(picked);
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => self.folder_pick = Some(FolderPick { purpose, rx }),
            Err(e) => self.status = format!("The folder dialog could not start: {e}"),
        }
    }

    fn poll_pick(&mut self) {
        let Some(pick) = &self.folder_pick else {
            return;
        };
        let Ok(result) = pick.rx.try_recv() else {
            return;
        };
        let purpose = pick.purpose;
        self.folder_pick = None;
        match (purpose, result) {
            (PickFor::Open, Some(f)) => self.open(f),
            (PickFor::ExportDest, Some(f)) => {
                self.export.set_dest(&f);
            }
            (PickFor::ReportDest, Some(dest)) => self.start_report(dest),
            (_, None) => {}
        }
    }
}

pub fn top_bar(app: &mut GliaApp, ui: &mut egui::Ui) {
    app.poll_pick();
    egui::Panel::top("top").show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            if ui
                .button("📂 Open folder…")
                .on_hover_text("Ctrl+O")
                .clicked()
            {
                app.pick_folder();
            }
            ui.menu_button("Recent", |ui| {
                if app.recent.is_empty() {
                    ui.weak("No recent folders");
                }
                for f in app.recent.clone() {
                    if ui.button(f.display().to_string()).clicked() {
                        app.open(f);
                        ui.close();
                    }
                }
            });
            ui.separator();
            let view = &mut app.settings.view;
            let before = *view;
            egui::ComboBox::from_label("sorted by")
                .selected_text(match view.sort {
                    SortKey::Score => "Score",
                    SortKey::Name => "Name",
                    SortKey::Date => "Date",
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut view.sort, SortKey::Score, "Score");
                    ui.selectable_value(&mut view.sort, SortKey::Name, "Name");
                    ui.selectable_value(&mut view.sort, SortKey::Date, "Date");
                });
            let arrow = if view.descending {
                "⬇ descending"
            } else {
                "⬆ ascending"
            };
            if ui.button(arrow).clicked() {
                view.descending = !view.descending;
            }
            if *view != before {
                app.shoot.mark_dirty();
            }
            ui.separator();
            ui.add(
                egui::Slider::new(&mut app.settings.cell, 96.0..=320.0)
                    .text("size")
                    .show_value(false),
            );
            ui.separator();
            if ui.button("Export…").clicked() {
                app.export.open();
            }
            if app.report_running {
                if ui.button("Cancel report").clicked() {
                    app.worker.send(Command::CancelReport);
                }
            } else if ui
                .button("Report…")
                .on_hover_text(
                    "One HTML file to share: the histogram, the photos worst first with their quality maps, unreadable files",
                )
                .clicked()
            {
                app.start_pick(PickFor::ReportDest);
            }
            let label = if app.tune.running() {
                "Learning…"
            } else {
                "Learn my taste…"
            };
            if ui.button(label).clicked() {
                app.tune.open = true;
                app.worker.send(Command::ListModels);
            }
            ui.menu_button("Settings", |ui| settings_menu(app, ui));
            ui.toggle_value(&mut app.settings.show_side_panel, "Panel");
            if ui
                .button("?")
                .on_hover_text("Keyboard shortcuts (F1)")
                .clicked()
            {
                app.show_help = !app.show_help;
            }
        });
    });
}

fn settings_menu(app: &mut GliaApp, ui: &mut egui::Ui) {
    ui.label("XMP sidecars for ratings and flags:");
    let before = app.settings.sidecar_replaces_extension;
    ui.radio_value(
        &mut app.settings.sidecar_replaces_extension,
        false,
        "photo.jpg.xmp (darktable, digiKam)",
    );
    ui.radio_value(
        &mut app.settings.sidecar_replaces_extension,
        true,
        "photo.xmp (Lightroom)",
    );
    if app.settings.sidecar_replaces_extension != before {
        app.worker
            .send(Command::SidecarStyle(app.settings.sidecar_style()));
    }
    ui.separator();
    ui.weak(format!("Catalog: {}", app.paths.catalog.display()));
    ui.weak(format!("Thumbnails: {}", app.paths.thumbs.display()));
}

pub fn status_bar(app: &mut GliaApp, ui: &mut egui::Ui) {
    egui::Panel::bottom("status").show(ui, |ui| {
        ui.horizontal(|ui| {
            let (done, total) = app.shoot.progress();
            if total > 0 {
                let frac = done as f32 / total as f32;
                let text = if done == total {
                    format!("{done} of {total} scored")
                } else if app.shoot.scoring.paused {
                    format!("paused: {done} of {total} scored")
                } else {
                    format!("scoring {done} of {total}")
                };
                ui.add(egui::ProgressBar::new(frac).text(text).desired_width(220.0));
                if app.shoot.scoring.running && done < total {
                    let label = if app.shoot.scoring.paused {
                        "Resume"
                    } else {
                        "Pause"
                    };
                    if ui.button(label).clicked() {
                        app.shoot.scoring.paused = !app.shoot.scoring.paused;
                        app.worker.send(Command::Pause(app.shoot.scoring.paused));
                    }
                    if ui.button("Cancel").clicked() {
                        app.worker.send(Command::CancelScoring);
                        app.shoot.scoring.running = false;
                    }
                } else if done < total && app.model.is_some() {
                    let left: Vec<_> = app
                        .shoot
                        .photos
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| p.pending())
                        .filter_map(|(i, p)| p.id.clone().map(|id| (i, p.path.clone(), id)))
                        .collect();
                    if !left.is_empty() && ui.button("Score the rest").clicked() {
                        app.shoot.scoring = super::shoot::Scoring {
                            running: true,
                            paused: false,
                        };
                        app.worker.send(Command::Pause(false));
                        app.worker.send(Command::Score(left));
                    }
                }
            }
            let problems = app
                .shoot
                .photos
                .iter()
                .filter(|p| p.problem.is_some())
                .count();
            if problems > 0
                && ui
                    .button(
                        RichText::new(format!("⚠ {problems} unreadable"))
                            .color(Color32::from_rgb(230, 160, 60)),
                    )
                    .clicked()
            {
                app.show_problems = true;
            }
            ui.separator();
            if let Some(m) = &app.model {
                ui.weak(format!("model {}", m.name));
            }
            ui.weak(&app.device);
            if !app.status.is_empty() {
                ui.separator();
                ui.label(&app.status);
            }
        });
    });
}

pub fn side_panel(app: &mut GliaApp, ui: &mut egui::Ui) {
    egui::Panel::right("side")
        .default_size(260.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.heading("Scores");
                let bins = histogram(&app.shoot.photos, 20);
                let bars: Vec<Bar> = bins
                    .iter()
                    .enumerate()
                    .map(|(i, &n)| {
                        let mid = (i as f64 + 0.5) * 5.0;
                        Bar::new(mid, n as f64)
                            .width(4.6)
                            .fill(score_color(mid as f32))
                    })
                    .collect();
                Plot::new("histogram")
                    .height(120.0)
                    .allow_drag(false)
                    .allow_zoom(false)
                    .allow_scroll(false)
                    .show_y(false)
                    .include_x(0.0)
                    .include_x(100.0)
                    .show(ui, |plot| plot.bar_chart(BarChart::new("photos", bars)));
                let picks = app
                    .shoot
                    .photos
                    .iter()
                    .filter(|p| p.labels.flag == Flag::Pick)
                    .count();
                let rejects = app
                    .shoot
                    .photos
                    .iter()
                    .filter(|p| p.labels.flag == Flag::Reject)
                    .count();
                ui.label(format!(
                    "{} photos · {} scored · {picks} picks · {rejects} rejects",
                    app.shoot.photos.len(),
                    app.scored()
                ));
                ui.separator();
                filters(app, ui);
                ui.separator();
                super::bursts_ui::section(app, ui);
                ui.separator();
                details(app, ui);
            });
        });
}

fn filters(app: &mut GliaApp, ui: &mut egui::Ui) {
    ui.heading("Filter");
    let view = &mut app.settings.view;
    let before = *view;
    ui.add(
        egui::Slider::new(&mut view.min_score, 0.0..=100.0)
            .text("min score")
            .integer(),
    );
    ui.add(
        egui::Slider::new(&mut view.max_score, 0.0..=100.0)
            .text("max score")
            .integer(),
    );
    if view.min_score > view.max_score {
        view.max_score = view.min_score;
    }
    ui.add(egui::Slider::new(&mut view.min_rating, 0..=5).text("min stars"));
    ui.horizontal(|ui| {
        ui.selectable_value(&mut view.flags, FlagFilter::All, "All");
        ui.selectable_value(&mut view.flags, FlagFilter::Picks, "Picks");
        ui.selectable_value(&mut view.flags, FlagFilter::Rejects, "Rejects");
        ui.selectable_value(&mut view.flags, FlagFilter::Unflagged, "Unflagged");
    });
    if view.filters() && ui.button("Clear filters").clicked() {
        let sort = (view.sort, view.descending);
        *view = super::photos::View::default();
        (view.sort, view.descending) = sort;
    }
    if *view != before {
        app.shoot.mark_dirty();
    }
    ui.label(format!(
        "showing {} of {}",
        app.shoot.order.len(),
        app.shoot.photos.len()
    ));
}

fn details(app: &GliaApp, ui: &mut egui::Ui) {
    let Some(p) = app.shoot.selected.and_then(|i| app.shoot.photos.get(i)) else {
        return;
    };
    ui.heading("Photo");
    ui.label(RichText::new(&p.name).strong());
    match (p.score, &p.problem) {
        (Some(s), _) => {
            ui.colored_label(score_color(s), format!("score {s:.1} / 100"));
        }
        (None, Some(e)) => {
            ui.colored_label(Color32::from_rgb(230, 160, 60), format!("⚠ {e}"));
        }
        (None, None) => {
            ui.weak("not scored yet");
        }
    }
    ui.label(format!(
        "{} · {}",
        super::grid::stars(p.labels.rating),
        match p.labels.flag {
            Flag::Pick => "pick",
            Flag::Reject => "reject",
            Flag::None => "unflagged",
        }
    ));
    ui.weak(format!("{:.1} MB", p.size as f64 / 1e6));
    if let Some(t) = p.taken {
        ui.weak(format!("taken {}", glia_media::dates::format(t)));
    }
    ui.weak(p.path.display().to_string());
}

pub fn welcome(app: &mut GliaApp, ui: &mut egui::Ui) {
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.2);
        ui.heading(RichText::new("glia").size(40.0));
        ui.label("Which of your photos are good? Open a shoot and glia scores every frame.");
        ui.add_space(16.0);
        if ui
            .button(RichText::new("📂 Open a folder…").size(18.0))
            .clicked()
        {
            app.pick_folder();
        }
        if !app.recent.is_empty() {
            ui.add_space(16.0);
            ui.weak("Recent folders");
            for f in app.recent.clone() {
                if ui.link(f.display().to_string()).clicked() {
                    app.open(f);
                }
            }
        }
    });
}

pub fn windows(app: &mut GliaApp, ctx: &egui::Context) {
    if app.show_problems {
        let mut open = true;
        egui::Window::new("Files that could not be read")
            .open(&mut open)
            .default_size([520.0, 300.0])
            .show(ctx, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    for p in app.shoot.photos.iter().filter(|p| p.problem.is_some()) {
                        ui.label(RichText::new(&p.name).strong());
                        ui.weak(p.problem.as_deref().unwrap_or_default());
                    }
                });
            });
        app.show_problems = open;
    }
    match app.export.ui(ctx, &app.shoot) {
        Some(ExportAction::ChooseFolder) => app.start_pick(PickFor::ExportDest),
        Some(ExportAction::Start { paths, dest, mode }) => {
            app.worker.send(Command::Export { paths, dest, mode })
        }
        None => {}
    }
}
