//! The export window (copy or move the picks, or the best N by score, with their sidecars)
//! and the list of what the last export did. It owns its state; the app only carries out
//! what it asks for ([`ExportAction`]).

use std::path::PathBuf;

use eframe::egui::{self, Color32};
use glia_catalog::{ExportMode, ExportOutcome, Flag};

use super::shoot::Shoot;

/// What the export window asks for.
pub struct ExportDialog {
    pub top_n: Option<usize>,
    pub mode: ExportMode,
    pub dest: String,
    pub confirm: bool,
    /// How many photos the export takes, for (photos version, top_n): recounted when either
    /// changes, not every frame.
    count: Option<(u64, Option<usize>, usize)>,
}

/// What the app must do for the window.
pub enum ExportAction {
    ChooseFolder,
    Start {
        paths: Vec<PathBuf>,
        dest: PathBuf,
        mode: ExportMode,
    },
}

#[derive(Default)]
pub struct ExportUi {
    pub dialog: Option<ExportDialog>,
    /// The outcome of the last export, until its window is closed.
    pub result: Option<Vec<ExportOutcome>>,
}

/// The photos an export would take, best first.
fn selection(shoot: &Shoot, top_n: Option<usize>) -> Vec<PathBuf> {
    let photos = &shoot.photos;
    let mut idx: Vec<usize> = match top_n {
        None => (0..photos.len())
            .filter(|&i| photos[i].labels.flag == Flag::Pick)
            .collect(),
        Some(_) => (0..photos.len())
            .filter(|&i| photos[i].score.is_some())
            .collect(),
    };
    idx.sort_by(|&a, &b| {
        let (x, y) = (photos[a].score, photos[b].score);
        y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal)
    });
    if let Some(n) = top_n {
        idx.truncate(n);
    }
    idx.into_iter().map(|i| photos[i].path.clone()).collect()
}

impl ExportUi {
    pub fn open(&mut self) {
        self.dialog = Some(ExportDialog {
            top_n: None,
            mode: ExportMode::Copy,
            dest: String::new(),
            confirm: false,
            count: None,
        });
    }

    /// The folder chosen in the folder dialog.
    pub fn set_dest(&mut self, folder: &std::path::Path) {
        if let Some(d) = self.dialog.as_mut() {
            d.dest = folder.display().to_string();
        }
    }

    pub fn ui(&mut self, ctx: &egui::Context, shoot: &Shoot) -> Option<ExportAction> {
        self.result_window(ctx);
        let mut d = self.dialog.take()?;
        let mut open = true;
        let mut start = false;
        let mut choose = false;
        let count = match d.count {
            Some((version, top_n, n)) if version == shoot.version && top_n == d.top_n => n,
            _ => {
                let n = selection(shoot, d.top_n).len();
                d.count = Some((shoot.version, d.top_n, n));
                n
            }
        };
        egui::Window::new("Export photos")
            .open(&mut open)
            .collapsible(false)
            .show(ctx, |ui| {
                let mut top = d.top_n.is_some();
                ui.radio_value(&mut top, false, "The picks");
                ui.horizontal(|ui| {
                    ui.radio_value(&mut top, true, "The best by score:");
                    let mut n = d.top_n.unwrap_or(20);
                    ui.add_enabled(top, egui::DragValue::new(&mut n).range(1..=100_000));
                    d.top_n = top.then_some(n);
                });
                ui.horizontal(|ui| {
                    ui.radio_value(&mut d.mode, ExportMode::Copy, "Copy");
                    ui.radio_value(&mut d.mode, ExportMode::Move, "Move");
                });
                ui.horizontal(|ui| {
                    ui.label("To folder");
                    ui.text_edit_singleline(&mut d.dest);
                    choose = ui.button("Choose…").clicked();
                });
                ui.separator();
                let verb = if d.mode == ExportMode::Copy { "Copy" } else { "Move" };
                let photos = if count == 1 { "photo" } else { "photos" };
                if d.confirm {
                    ui.label(format!(
                        "{verb} {count} {photos} (and sidecars) to {}? Files already there are never overwritten.",
                        d.dest
                    ));
                    ui.horizontal(|ui| {
                        start = ui.button(format!("Yes, {}", verb.to_lowercase())).clicked();
                        if ui.button("No").clicked() {
                            d.confirm = false;
                        }
                    });
                } else {
                    let ready = count > 0 && !d.dest.trim().is_empty();
                    if ui
                        .add_enabled(ready, egui::Button::new(format!("{verb} {count} {photos}…")))
                        .clicked()
                    {
                        d.confirm = true;
                    }
                }
            });
        if start {
            return Some(ExportAction::Start {
                paths: selection(shoot, d.top_n),
                dest: PathBuf::from(d.dest.trim()),
                mode: d.mode,
            });
        }
        if open {
            self.dialog = Some(d);
        }
        choose.then_some(ExportAction::ChooseFolder)
    }

    fn result_window(&mut self, ctx: &egui::Context) {
        let Some(outcomes) = &self.result else {
            return;
        };
        let mut open = true;
        egui::Window::new("Export finished")
            .open(&mut open)
            .show(ctx, |ui| {
                egui::ScrollArea::vertical()
                    .max_height(300.0)
                    .show(ui, |ui| {
                        for o in outcomes {
                            match o {
                                ExportOutcome::Done { to, .. } => {
                                    ui.label(format!("✔ {}", to.display()));
                                }
                                ExportOutcome::Skipped { from, reason } => {
                                    ui.colored_label(
                                        Color32::from_rgb(230, 160, 60),
                                        format!("skipped {}: {reason}", from.display()),
                                    );
                                }
                            }
                        }
                    });
            });
        if !open {
            self.result = None;
        }
    }
}
