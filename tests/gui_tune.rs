//! "Learn my taste" driven through the real widgets: the guard for too few ratings, a
//! session on the CPU (estimate, progress, before/after), keeping it as a named model that
//! then scores the folder, and switching back to the shipped default from the cache.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use glia::app::{GliaApp, Launch};
use glia::paths::AppPaths;

fn wait_for(
    h: &mut Harness<'_, GliaApp>,
    what: &str,
    secs: u64,
    done: impl Fn(&Harness<'_, GliaApp>) -> bool,
) {
    let start = Instant::now();
    while !done(h) {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what}; status: {}",
            h.state().status()
        );
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    h.step();
}

fn has(h: &Harness<'_, GliaApp>, text: &str) -> bool {
    h.query_by_label_contains(text).is_some()
}

#[test]
fn learn_my_taste_keep_and_switch_back() {
    let Some(shared) = common::shared("learn_my_taste_keep_and_switch_back") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (folder, data) = (tmp.path().join("shoot"), tmp.path().join("data"));
    std::fs::create_dir_all(&folder).unwrap();
    let images = shared.join("data/livec/images");
    let mut names: Vec<String> = std::fs::read_dir(&images)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".JPG"))
        .collect();
    names.sort();
    for name in names.iter().step_by(37).take(14) {
        std::fs::copy(images.join(name), folder.join(name)).unwrap();
    }
    let default_model =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("models/glianet-vit-tiny.safetensors");
    let default_bytes = std::fs::read(&default_model).unwrap();
    let launch = Launch {
        folder: Some(folder.clone()),
        paths: Some(AppPaths::in_dir(&data)),
        device: glia_engine::DeviceChoice::Cpu,
        model: None,
    };
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1400.0, 900.0))
        .build_eframe(move |cc| GliaApp::new(cc, launch).expect("the app starts"));
    // Scored, and the grid re-sorted by score, so stepping through it visits each photo once.
    wait_for(&mut h, "the folder scored and sorted", 300, |h| {
        h.state().scored() == 14 && h.state().settled()
    });

    // Too few ratings: the window explains instead of starting.
    h.get_by_label("Learn my taste…").click();
    h.run_steps(2);
    assert!(has(&h, "too few to learn from"));
    assert!(h.query_by_label("Start learning").is_none());

    // Rate every photo by name order with a rule the user "likes": 1..5 stars cycling.
    h.key_press(egui::Key::Home);
    h.step();
    let keys = [
        egui::Key::Num1,
        egui::Key::Num2,
        egui::Key::Num3,
        egui::Key::Num4,
        egui::Key::Num5,
    ];
    for i in 0..14 {
        h.key_press(keys[i % 5]);
        h.step();
        h.key_press(egui::Key::ArrowRight);
        h.step();
    }
    h.run_steps(2);
    assert!(has(&h, "14 rated photos"));
    h.get_by_label("Start learning").click();
    h.step();
    // On the CPU it measures a few steps and asks first.
    wait_for(&mut h, "the CPU estimate", 300, |h| {
        has(h, "This runs on the CPU")
    });
    h.get_by_label("Continue").click();
    wait_for(&mut h, "the session to finish", 900, |h| {
        has(h, "held-out ratings (of 14)")
    });
    assert!(has(&h, "before") && has(&h, "after"));

    // Keep it as "mine": it is saved in the user's models and scores the folder.
    // The name field offers a free name; the user types their own instead.
    h.get_by_role(egui::accesskit::Role::TextInput).focus();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.step();
    h.get_by_role(egui::accesskit::Role::TextInput)
        .type_text("mine");
    h.step();
    h.get_by_label("Keep").click();
    wait_for(&mut h, "the kept model in use", 120, |h| {
        h.state().model_key().is_some_and(|k| k.name == "mine")
    });
    let scored_before = h.state().scored_now();
    wait_for(&mut h, "the folder rescored by the new model", 300, |h| {
        h.state().scored() == 14 && h.state().scored_now() >= scored_before + 14
    });
    assert!(data.join("models/mine.safetensors").is_file());
    assert!(data.join("models/mine.json").is_file());
    wait_for(&mut h, "the model list", 30, |h| {
        has(h, "Use the shipped default")
    });
    assert_eq!(
        std::fs::read(&default_model).unwrap(),
        default_bytes,
        "the default is never written"
    );

    // Back to the default: its scores come from the catalog, nothing is rescored.
    let scored = h.state().scored_now();
    h.get_by_label("Use the shipped default").click();
    wait_for(&mut h, "the default in use", 120, |h| {
        h.state()
            .model_key()
            .is_some_and(|k| k.name == "glianet-vit-tiny")
            && h.state().scored() == 14
    });
    assert_eq!(h.state().scored_now(), scored);
}
