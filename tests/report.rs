//! `glia report` as a user shares it: one HTML file, opened in a real headless browser
//! (Debian's chromium, which `.ci/run` installs): every photo and its quality-map overlay
//! decode, worst first, and the unreadable file is listed with its reason.

mod common;

use std::path::Path;
use std::process::Command;

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"].into_iter().find(|b| {
        Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn browse(browser: &str, page: &Path, what: &[&str]) -> std::process::Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1280,1400",
        ])
        .args(what)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium")
}

#[test]
fn the_report_shows_every_photo_worst_first_with_its_quality_map() {
    let Some(shared) = common::shared("html_report") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("shoot");
    std::fs::create_dir(&photos).unwrap();
    for n in ["100.png", "300.png", "500.png"] {
        std::fs::copy(shared.join("data/livec/images").join(n), photos.join(n)).unwrap();
    }
    std::fs::copy(
        shared.join("data/camera/images/Sony-DSC-H9.jpg"),
        photos.join("Sony-DSC-H9.jpg"),
    )
    .unwrap();
    std::fs::write(photos.join("broken.jpg"), b"\xff\xd8\xff not really").unwrap();
    let page = dir.path().join("report.html");
    let out = Command::new(env!("CARGO_BIN_EXE_glia"))
        .args(["report", "--quiet", "--device", "cpu"])
        .arg(&photos)
        .arg("-o")
        .arg(&page)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("<figure class=\"photo\">").count(), 4);
    assert_eq!(html.matches("class=\"overlay\"").count(), 4);
    assert!(
        html.contains("broken.jpg") && html.contains("Could not be read (1)"),
        "the unreadable file and its reason are listed"
    );
    // Worst first: the scores in page order never rise.
    let scores: Vec<f64> = html
        .split("<span class=\"score\">")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(scores.len(), 4);
    assert!(scores.windows(2).all(|w| w[0] <= w[1]), "{scores:?}");

    let Some(browser) = chromium() else {
        eprintln!("skipping the browser check: no chromium on PATH (.ci/run installs it)");
        return;
    };
    // Every <img> decoded (the page's own load handler counts them into the DOM).
    let dom = String::from_utf8_lossy(&browse(browser, &page, &["--dump-dom"]).stdout).into_owned();
    assert!(
        dom.contains("data-images=\"8\"") && dom.contains("data-broken=\"0\""),
        "{}",
        dom.lines()
            .find(|l| l.contains("<body"))
            .unwrap_or("no body")
    );
    // And they are on screen: a page of text and flat bars has a few hundred colours, photos
    // and turbo overlays tens of thousands.
    let shot = dir.path().join("shot.png");
    let arg = format!("--screenshot={}", shot.display());
    assert!(browse(browser, &page, &[&arg]).status.success());
    let img = image::open(&shot).unwrap().to_rgb8();
    let mut colours: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(
        colours.len() > 20_000,
        "{} colours on screen",
        colours.len()
    );
    // Warm overlay colours (turbo's orange and red, where a region lowers the score) show.
    let warm = img
        .pixels()
        .filter(|p| p[0] > 170 && p[1] < 140 && p[2] < 90)
        .count();
    assert!(warm > 500, "{warm} warm pixels");
}
