//! `GLIA_SCREENSHOT=out.png glia FOLDER` saves a screenshot of the real window once the
//! folder is scored and its thumbnails are on screen, then quits (the README's screenshot
//! and the Xvfb window test use it). `GLIA_SCREENSHOT_VIEW=1` shows the best photo in the
//! viewer with the side-by-side heatmap first; `=stacks` the grid with bursts stacked and
//! the best stack open; `=compare` the best stack's frames in the compare view.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use eframe::egui;

use super::{GliaApp, Overlay, Thumb};

/// Give up (and say so) when the folder is not ready by then.
const DEADLINE: Duration = Duration::from_secs(600);

#[derive(Clone, Copy, PartialEq)]
enum Shot {
    Grid,
    Viewer,
    Stacks,
    Compare,
}

pub struct AutoShot {
    path: PathBuf,
    view: Shot,
    started: Instant,
    ready_frames: u32,
    requested: bool,
    saved: Arc<AtomicBool>,
}

impl AutoShot {
    pub fn from_env() -> Option<Self> {
        let path = std::env::var_os("GLIA_SCREENSHOT")?;
        Some(Self {
            path: PathBuf::from(path),
            view: match std::env::var("GLIA_SCREENSHOT_VIEW").as_deref() {
                Ok("stacks") => Shot::Stacks,
                Ok("compare") => Shot::Compare,
                Ok("0") | Err(_) => Shot::Grid,
                Ok(_) => Shot::Viewer,
            },
            started: Instant::now(),
            ready_frames: 0,
            requested: false,
            saved: Arc::default(),
        })
    }
}

fn ready(app: &mut GliaApp) -> bool {
    let (done, total) = app.shoot.progress();
    if app.model.is_none() || total == 0 || done < total || app.shoot.stale || app.shoot.dirty {
        return false;
    }
    let thumbs_done = !app.grid.visible.is_empty()
        && app.grid.visible.iter().all(|i| {
            app.shoot.photos[*i].problem.is_some()
                || matches!(
                    app.grid.thumbs.get(i),
                    Some(Thumb::Ready { last: true, .. })
                )
        });
    if !thumbs_done {
        return false;
    }
    let Some(shot) = app.autoshot.as_ref() else {
        return false;
    };
    match shot.view {
        Shot::Grid => return true,
        Shot::Viewer => {}
        Shot::Stacks | Shot::Compare => return stacks_ready(app, shot.view),
    }
    if app.viewing.is_none() {
        app.shoot.selected = app.shoot.order.first().copied();
        app.settings.overlay = Overlay::SideBySide;
        if let Some(i) = app.shoot.selected {
            app.open_viewer(i);
        }
        return false;
    }
    app.viewing
        .as_ref()
        .is_some_and(|v| v.texture.is_some() && v.heat.is_some())
}

/// The best stack (the group of two or more whose best frame scores highest): open in the
/// stacked grid, or in the compare view.
fn stacks_ready(app: &mut GliaApp, shot: Shot) -> bool {
    if !app.shoot.stacks.settled() || app.shoot.stacks.group_count() == 0 {
        return false;
    }
    if let Some(c) = &app.comparing {
        return c.ready_on_screen(c.panes(app.settings.compare_panes)) >= 2;
    }
    if !app.settings.stacks.on {
        app.settings.stacks.on = true;
        app.shoot.mark_dirty();
        return false;
    }
    let best = app
        .shoot
        .order
        .iter()
        .copied()
        .find(|&i| app.shoot.stacks.count(i).is_some());
    let Some(best) = best else {
        return false;
    };
    app.shoot.selected = Some(best);
    if shot == Shot::Compare {
        app.open_compare();
        return false;
    }
    if !app.shoot.stacks.is_open(best) {
        app.toggle_stack();
        return false;
    }
    true
}

pub fn tick(app: &mut GliaApp, ctx: &egui::Context) {
    let Some(shot) = app.autoshot.as_ref() else {
        return;
    };
    if shot.started.elapsed() > DEADLINE {
        eprintln!("glia: screenshot: the folder was not ready in time; quitting");
        std::process::exit(3);
    }
    if shot.saved.load(Ordering::Relaxed) {
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        return;
    }
    let is_ready = ready(app);
    let Some(shot) = app.autoshot.as_mut() else {
        return;
    };
    if shot.requested {
        return;
    }
    shot.ready_frames = if is_ready { shot.ready_frames + 1 } else { 0 };
    // A few settled frames so textures uploaded this frame are drawn.
    if shot.ready_frames >= 5 {
        shot.requested = true;
        let (path, saved, repaint) = (shot.path.clone(), shot.saved.clone(), ctx.clone());
        ctx.request_screenshot(move |image| {
            save(&image, &path);
            saved.store(true, Ordering::Relaxed);
            repaint.request_repaint();
        });
    }
    ctx.request_repaint_after(Duration::from_millis(100));
}

fn save(image: &egui::ColorImage, path: &Path) {
    let [w, h] = image.size;
    // RGB so the format follows the extension (JPEG has no alpha).
    let rgb: Vec<u8> = image
        .pixels
        .iter()
        .flat_map(|c| {
            let [r, g, b, _] = c.to_array();
            [r, g, b]
        })
        .collect();
    match image::RgbImage::from_raw(w as u32, h as u32, rgb).map(|img| img.save(path)) {
        Some(Ok(())) => eprintln!("glia: screenshot saved to {}", path.display()),
        Some(Err(e)) => eprintln!("glia: screenshot: cannot save {}: {e}", path.display()),
        None => eprintln!("glia: screenshot: the window returned no image"),
    }
}
