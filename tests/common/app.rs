//! The app under egui_kittest, for the GUI tests: started on a folder with its data in a
//! folder of the test's own, and stepped until something is true.
#![allow(dead_code)] // not every test binary that shares `common` drives the app

use std::path::Path;
use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::Harness;
use glia::app::{GliaApp, Launch};
use glia::paths::AppPaths;

/// The app on `folder`, its catalog and caches in `data`, the model on the CPU.
pub fn harness(folder: &Path, data: &Path) -> Harness<'static, GliaApp> {
    let launch = Launch {
        folder: Some(folder.to_owned()),
        paths: Some(AppPaths::in_dir(data)),
        device: glia_engine::DeviceChoice::Cpu,
        model: None,
    };
    Harness::builder()
        .with_size(egui::Vec2::new(1280.0, 820.0))
        .build_eframe(move |cc| GliaApp::new(cc, launch).expect("the app starts"))
}

/// Steps frames (the worker threads run meanwhile) until `done` — of the app, or of files
/// it writes — or five minutes have passed.
pub fn wait_for(h: &mut Harness<'_, GliaApp>, what: &str, done: impl Fn(&GliaApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "timed out waiting for {what}; status: {}",
            h.state().status()
        );
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    h.step();
}
