//! UI-thread cost of the grid on a folder of 10,000 photos while it is being identified,
//! thumbnailed and scored in the background: frame times (median, p99, max) while
//! scrolling from top to bottom through egui_kittest (the egui pass and tessellation, no
//! GPU), and the process's peak memory.
//!
//!     cargo bench --bench grid_10k [-- N_PHOTOS]

use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::Harness;
use glia::app::{GliaApp, Launch};
use glia::paths::AppPaths;

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// CPU time of the calling thread: what the UI thread itself spent, whatever else runs.
fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let tmp = tempfile::tempdir().expect("temp dir");
    let folder = tmp.path().join("shoot");
    std::fs::create_dir_all(&folder).expect("folder");
    let t = Instant::now();
    for i in 0..n {
        // Small distinct photos: the grid's cost does not depend on their size.
        let img = image::RgbImage::from_fn(96, 64, |x, y| {
            image::Rgb([(x * 2 + i as u32) as u8, (y * 3) as u8, (i / 7) as u8])
        });
        img.save(folder.join(format!("IMG_{i:05}.jpg")))
            .expect("write photo");
    }
    eprintln!("made {n} photos in {:.1} s", t.elapsed().as_secs_f64());

    let launch = Launch {
        folder: Some(folder.clone()),
        paths: Some(AppPaths::in_dir(&tmp.path().join("data"))),
        device: glia_engine::DeviceChoice::Cpu,
        model: None,
    };
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1440.0, 900.0))
        .build_eframe(move |cc| GliaApp::new(cc, launch).expect("app"));
    let t = Instant::now();
    while h.state().photos().len() < n {
        h.step();
        std::thread::sleep(Duration::from_millis(5));
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "listing took too long"
        );
    }
    eprintln!("listed in {:.2} s", t.elapsed().as_secs_f64());

    // Scroll top to bottom: each frame a wheel step, as a user flicking through the shoot.
    let mut frames = Vec::new();
    let mut cpu = Vec::new();
    h.hover_at(egui::pos2(400.0, 400.0));
    let t = Instant::now();
    for _ in 0..1500 {
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -400.0),
            phase: egui::TouchPhase::Move,
            modifiers: egui::Modifiers::NONE,
            source: egui::MouseWheelSource::Wheel,
        });
        let (f, c) = (Instant::now(), thread_cpu_ms());
        h.step();
        cpu.push(thread_cpu_ms() - c);
        frames.push(f.elapsed().as_secs_f64() * 1e3);
    }
    let wall = t.elapsed().as_secs_f64();
    frames.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    let pct = |p: f64| frames[((frames.len() - 1) as f64 * p) as usize];
    let cpct = |p: f64| cpu[((cpu.len() - 1) as f64 * p) as usize];
    let app = h.state();
    println!(
        "{{\"photos\": {n}, \"frames\": {}, \"frame_ms_median\": {:.2}, \"frame_ms_p99\": {:.2}, \"frame_ms_max\": {:.2}, \"ui_cpu_ms_median\": {:.2}, \"ui_cpu_ms_p99\": {:.2}, \"ui_cpu_ms_max\": {:.2}, \"scroll_wall_s\": {wall:.1}, \"identified_or_scored\": {}, \"peak_rss_mb\": {:.0}}}",
        frames.len(),
        pct(0.5),
        pct(0.99),
        frames[frames.len() - 1],
        cpct(0.5),
        cpct(0.99),
        cpu[cpu.len() - 1],
        app.photos().iter().filter(|p| p.id.is_some()).count(),
        peak_rss_mb()
    );
}
