//! The real window: `glia FOLDER` under Xvfb renders the scored grid through wgpu and
//! saves a screenshot of itself (the hook the README's screenshot uses). Skips when there
//! is no display and no Xvfb to start one.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Xvfb(Child);

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A display for the window: the session's own, or a private Xvfb.
fn display(test: &str) -> Option<(String, Option<Xvfb>)> {
    if let Ok(d) = std::env::var("DISPLAY")
        && !d.is_empty()
    {
        return Some((d, None));
    }
    let n = 50 + std::process::id() % 40;
    let d = format!(":{n}");
    match Command::new("Xvfb")
        .args([
            d.as_str(),
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => {
            std::thread::sleep(Duration::from_secs(2));
            Some((d, Some(Xvfb(child))))
        }
        Err(e) => {
            eprintln!("SKIPPED {test}: no DISPLAY and Xvfb cannot start ({e})");
            None
        }
    }
}

#[test]
fn window_renders_the_scored_folder() {
    let Some(shared) = common::shared("window_renders_the_scored_folder") else {
        return;
    };
    let Some((display, _xvfb)) = display("window_renders_the_scored_folder") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("shoot");
    std::fs::create_dir_all(&folder).unwrap();
    for name in ["1000.JPG", "1010.JPG", "1020.JPG"] {
        std::fs::copy(
            shared.join("data/livec/images").join(name),
            folder.join(name),
        )
        .unwrap();
    }
    let shot = tmp.path().join("shot.png");
    let out = Command::new(env!("CARGO_BIN_EXE_glia"))
        .arg(&folder)
        .env("DISPLAY", &display)
        .env_remove("WAYLAND_DISPLAY")
        .env("GLIA_DATA_DIR", tmp.path().join("data"))
        .env("GLIA_SCREENSHOT", &shot)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "glia exited with {}: {stderr}",
        out.status
    );
    let img = image::open(&shot)
        .unwrap_or_else(|e| panic!("no screenshot ({e}); glia said: {stderr}"))
        .to_rgb8();
    assert!(
        img.width() >= 640 && img.height() >= 400,
        "{:?}",
        img.dimensions()
    );
    // A rendered grid, not a blank frame: many distinct colours (the photos' thumbnails).
    let distinct: std::collections::HashSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    assert!(distinct.len() > 2000, "only {} colours", distinct.len());
    assert_eq!(
        catalog_scores(&tmp.path().join("data/catalog.sqlite3"), &folder),
        3
    );
}

/// How many of the folder's photos have a score for the shipped model in the catalog the
/// window wrote (the key is the model's name and content hash).
fn catalog_scores(catalog: &Path, folder: &Path) -> usize {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/glianet-vit-tiny.safetensors");
    let hash = glia_catalog::hash_file(&model).unwrap();
    let key = format!("glianet-vit-tiny@{}", &hash.0[..16]);
    let c = glia_catalog::Catalog::open(catalog).unwrap();
    let ids: Vec<_> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| c.identify(&e.unwrap().path()).unwrap())
        .collect();
    c.scores_many(&ids, &key).unwrap().len()
}
