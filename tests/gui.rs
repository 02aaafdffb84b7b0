//! The app driven as a user would, through egui_kittest: real widgets, the real engine and
//! model on the CPU, a real SQLite catalog and real XMP sidecars in a temporary folder.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::app::{harness, wait_for};
use eframe::egui;
use egui_kittest::kittest::Queryable;
use glia_catalog::{Catalog, Flag};

const PHOTOS: &[&str] = &["1000.JPG", "1001.JPG", "1002.JPG", "1003.JPG", "1004.JPG"];

fn livec(test: &str) -> Option<PathBuf> {
    let dir = common::shared(test)?.join("data/livec/images");
    dir.is_dir().then_some(dir)
}

fn file_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "xmp"))
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn open_score_rate_and_reopen() {
    let Some(images) = livec("open_score_rate_and_reopen") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (folder, data) = (tmp.path().join("shoot"), tmp.path().join("data"));
    std::fs::create_dir_all(&folder).unwrap();
    for name in PHOTOS {
        std::fs::copy(images.join(name), folder.join(name)).unwrap();
    }
    // A photo cut short by a failed copy, and a file that is not a photo.
    let whole = std::fs::read(images.join("1005.JPG")).unwrap();
    std::fs::write(folder.join("broken.jpg"), &whole[..whole.len() / 3]).unwrap();
    std::fs::write(folder.join("notes.txt"), "shot list").unwrap();
    let originals = file_bytes(&folder);

    let mut h = harness(&folder, &data);
    wait_for(&mut h, "every photo scored", |app| {
        app.photos().len() == 7 && app.scored() == PHOTOS.len() && app.settled()
    });
    let app = h.state();
    assert_eq!(
        app.scored_now(),
        PHOTOS.len(),
        "first open scores with the model"
    );
    // The grid shows each photo's score in its cell, best first.
    let order = app.order().to_vec();
    let scores: Vec<f32> = order
        .iter()
        .filter_map(|&i| app.photos()[i].score)
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    for &i in &order[..PHOTOS.len()] {
        let p = &app.photos()[i];
        let label = format!("{}, score {:.0}", p.name, p.score.unwrap());
        h.get_by_label(&label);
    }
    // The unreadable files are listed with their reasons, and the session went on.
    let problems: Vec<_> = h
        .state()
        .photos()
        .iter()
        .map(|p| (p.name.clone(), p.score, p.problem.clone()))
        .collect();
    assert_eq!(
        problems.iter().filter(|p| p.2.is_some()).count(),
        2,
        "{problems:?}"
    );
    h.get_by_label_contains("2 unreadable").click();
    h.run_steps(2);
    h.get_by_label_contains("truncated JPEG");
    h.get_by_label_contains("unsupported file type (.txt)");

    // Keyboard culling on the best photo: 4 stars, then pick.
    h.key_press(egui::Key::Home);
    h.step();
    let best = h.state().order()[0];
    assert_eq!(h.state().selected(), Some(best));
    h.key_press(egui::Key::Num4);
    h.step();
    h.key_press(egui::Key::P);
    h.step();
    // And reject the worst: the last scored photo, before the two unreadable files.
    h.key_press(egui::Key::End);
    h.step();
    h.key_press(egui::Key::ArrowLeft);
    h.step();
    h.key_press(egui::Key::ArrowLeft);
    h.step();
    let worst = h.state().order()[PHOTOS.len() - 1];
    assert_eq!(h.state().selected(), Some(worst));
    h.key_press(egui::Key::X);
    h.step();
    let best_path = h.state().photos()[best].path.clone();
    let worst_path = h.state().photos()[worst].path.clone();
    let sidecar = PathBuf::from(format!("{}.xmp", best_path.display()));
    let start = Instant::now();
    while !sidecar.is_file() || !PathBuf::from(format!("{}.xmp", worst_path.display())).is_file() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no sidecar written; status: {}; labels {:?}",
            h.state().status(),
            h.state().photos()[best].labels
        );
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    let xmp = std::fs::read_to_string(&sidecar).unwrap();
    assert!(
        xmp.contains("xmp:Rating=\"4\"") || xmp.contains("<xmp:Rating>4<"),
        "{xmp}"
    );
    assert!(xmp.contains("Pick"), "{xmp}");
    let xmp_worst = std::fs::read_to_string(format!("{}.xmp", worst_path.display())).unwrap();
    assert!(xmp_worst.contains("-1"), "{xmp_worst}");
    // The catalog holds the same, read through its own connection.
    let catalog = Catalog::open(&data.join("catalog.sqlite3")).unwrap();
    let id = catalog.identify(&best_path).unwrap();
    let labels = catalog
        .labels_many(std::slice::from_ref(&id))
        .unwrap()
        .remove(&id)
        .expect("labels saved");
    assert_eq!((labels.rating, labels.flag), (4, Flag::Pick));

    // Export the picks: a copy in another folder, after a confirmation.
    let picks = tmp.path().join("picks");
    h.get_by_label("Export…").click();
    h.run_steps(2);
    h.get_by_role(egui::accesskit::Role::TextInput).focus();
    h.step();
    h.get_by_role(egui::accesskit::Role::TextInput)
        .type_text(picks.to_str().unwrap());
    h.run_steps(2);
    h.get_by_label("Copy 1 photo…").click();
    h.run_steps(2);
    h.get_by_label("Yes, copy").click();
    let start = Instant::now();
    while !picks.join(best_path.file_name().unwrap()).is_file() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the pick was not exported"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        std::fs::read(picks.join(best_path.file_name().unwrap())).unwrap(),
        std::fs::read(&best_path).unwrap()
    );
    h.run_steps(3);

    // The viewer opens on Space and draws the heatmap on H.
    h.key_press(egui::Key::Home);
    h.step();
    h.key_press(egui::Key::Space);
    h.step();
    h.key_press(egui::Key::H);
    wait_for(&mut h, "the photo and its heatmap", |app| {
        app.viewer_state() == Some((best, true, true))
    });
    h.get_by_label("GLIANet");
    // The first overlay is the quality map; L opens its worst region at 100 %, and the grid
    // then marks that region on the photo's cell.
    assert_eq!(
        h.state().overlay(),
        (glia::app::Overlay::Quality, Some(1.0))
    );
    h.key_press(egui::Key::L);
    h.run_steps(3);
    let zoom = h.state().overlay().1.unwrap();
    assert!(
        (zoom - 1.0).abs() > 0.05,
        "the loupe shows the photo at 1:1, not fitted (zoom {zoom})"
    );
    h.key_press(egui::Key::Escape);
    h.step();
    assert!(h.state().viewer_state().is_none());
    assert!(h.state().photos()[best].worst.is_some());
    // The shortcuts are listed on F1.
    h.key_press(egui::Key::F1);
    h.run_steps(2);
    h.get_by_label("next photo without stars");
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert!(h.query_by_label("next photo without stars").is_none());
    drop(h);

    // Originals were never touched.
    assert_eq!(file_bytes(&folder), originals);

    // Rename the picked photo, reopen: scores come from the catalog, labels follow the file.
    let renamed = folder.join("keeper.jpg");
    std::fs::rename(&best_path, &renamed).unwrap();
    let mut h = harness(&folder, &data);
    wait_for(&mut h, "the folder identified", |app| {
        app.scored() == PHOTOS.len()
    });
    let app = h.state();
    assert_eq!(app.scored_now(), 0, "unchanged photos are not rescored");
    let keeper = app
        .photos()
        .iter()
        .find(|p| p.path == renamed)
        .expect("renamed photo listed");
    assert_eq!((keeper.labels.rating, keeper.labels.flag), (4, Flag::Pick));
}
