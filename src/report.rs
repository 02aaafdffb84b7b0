//! A folder's quality report to share: one self-contained HTML file (every image embedded)
//! with the score histogram, the photos worst first (score, thumbnail, quality-map overlay),
//! the files that could not be read and why, and the model and device that judged them.
//! `glia report` and the app's Report button both write it.

use std::fmt::Write as _;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use base64::Engine as _;
use glia_engine::overlay::{blend, rendered_quality};
use glia_engine::quality_map::QualityMap;
use glia_engine::{ScoreOptions, Scorer, discover};
use html_escape::encode_text as esc;
use image::RgbImage;

/// Long side of the embedded thumbnails and overlays.
const THUMB_SIDE: u32 = 360;

/// One scored photo of the report.
pub struct ReportPhoto {
    pub path: PathBuf,
    pub score: f32,
    /// JPEG bytes of the thumbnail and of the thumbnail with the quality map over it.
    pub thumb: Vec<u8>,
    pub overlay: Option<Vec<u8>>,
}

/// Everything the report shows.
pub struct Report {
    pub folder: PathBuf,
    pub model: String,
    pub device: String,
    pub photos: Vec<ReportPhoto>,
    /// Files that could not be read, and why.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Progress of [`build`]: photos done, photos in all.
pub type OnProgress<'a> = &'a mut dyn FnMut(usize, usize);

fn jpeg(img: &RgbImage) -> Result<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(img)
        .context("cannot encode a thumbnail")?;
    Ok(out.into_inner())
}

fn thumbnail(img: &RgbImage) -> RgbImage {
    let (w, h) = img.dimensions();
    let s = (THUMB_SIDE as f32 / w.max(h) as f32).min(1.0);
    let (tw, th) = (
        ((w as f32 * s).round() as u32).max(1),
        ((h as f32 * s).round() as u32).max(1),
    );
    glia_engine::preprocess::resize(img, tw, th)
}

/// Scores every photo in `folder` and draws the quality map of the worst `max_maps`
/// (maps cost a second or two each on a CPU). Stops early, keeping what is done, when
/// `cancel` is set.
pub fn build(
    scorer: &Scorer,
    folder: &Path,
    max_maps: usize,
    cancel: &AtomicBool,
    on_progress: OnProgress<'_>,
) -> Result<Report> {
    let entries = discover(&[folder.to_owned()]);
    let mut unreadable: Vec<(PathBuf, String)> = Vec::new();
    let mut paths = Vec::new();
    for e in entries {
        match e.skip {
            Some(reason) => unreadable.push((e.path, reason)),
            None => paths.push(e.path),
        }
    }
    let total = paths.len();
    let opts = ScoreOptions::for_device(scorer.device());
    let mut scored: Vec<(PathBuf, f32)> = Vec::new();
    for r in scorer.score_all(paths, &opts) {
        match r.outcome {
            Ok(s) => scored.push((r.path, s.score)),
            Err(e) => unreadable.push((r.path, e)),
        }
    }
    scored.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut photos = Vec::with_capacity(scored.len());
    for (i, (path, score)) in scored.into_iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        on_progress(i, total);
        let img = match glia_media::load_rgb(&path) {
            Ok(img) => img,
            Err(e) => {
                unreadable.push((path, e.to_string()));
                continue;
            }
        };
        let small = thumbnail(&img);
        let overlay = if i < max_maps {
            let q = QualityMap::compute(scorer, &img).map_err(anyhow::Error::msg)?;
            let map = rendered_quality(&q, small.width(), small.height());
            Some(jpeg(&blend(&small, &map, 0.5))?)
        } else {
            None
        };
        photos.push(ReportPhoto {
            path,
            score,
            thumb: jpeg(&small)?,
            overlay,
        });
    }
    on_progress(total, total);
    unreadable.sort();
    let model = scorer.model();
    Ok(Report {
        folder: folder.to_owned(),
        model: model
            .path
            .file_name()
            .map_or_else(|| "model".into(), |n| n.to_string_lossy().into_owned()),
        device: scorer.device().name.clone(),
        photos,
        unreadable,
    })
}

fn data_uri(jpeg: &[u8]) -> String {
    format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(jpeg)
    )
}

/// The score histogram (10-point bins) as an inline SVG.
fn histogram(scores: &[f32]) -> String {
    let mut bins = [0usize; 10];
    for &s in scores {
        bins[((s / 10.0) as usize).min(9)] += 1;
    }
    let top = bins.iter().copied().max().unwrap_or(1).max(1);
    let (w, h, bar) = (420.0, 140.0, 40.0);
    let mut svg = format!(
        r##"<svg class="hist" width="{w}" height="{}" viewBox="0 0 {w} {}" role="img" aria-label="score histogram">"##,
        h + 20.0,
        h + 20.0
    );
    for (i, &n) in bins.iter().enumerate() {
        let bh = h * n as f64 / top as f64;
        let x = i as f64 * (bar + 2.0);
        let _ = write!(
            svg,
            r##"<rect x="{x}" y="{}" width="{bar}" height="{bh}" fill="hsl({} 70% 50%)"><title>{}–{}: {n}</title></rect><text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>"##,
            h - bh,
            12 * i,
            i * 10,
            i * 10 + 10,
            x + bar / 2.0,
            h + 14.0,
            i * 10
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The report as one HTML page.
pub fn html(r: &Report) -> String {
    let scores: Vec<f32> = r.photos.iter().map(|p| p.score).collect();
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>glia report: {folder}</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 24px; background: #161616; color: #e8e8e8; }}
h1 {{ font-size: 20px; }} .meta {{ color: #aaa; }}
.photos {{ display: flex; flex-wrap: wrap; gap: 16px; }}
figure {{ margin: 0; background: #222; padding: 8px; border-radius: 6px; }}
figure img {{ display: block; max-width: 360px; max-height: 360px; }}
.pair {{ display: flex; gap: 6px; }}
figcaption {{ margin-top: 6px; }} .score {{ font-weight: bold; font-size: 16px; }}
.hist text {{ fill: #ccc; }} li {{ margin: 2px 0; }}
</style></head><body>
<h1>glia report: {folder}</h1>
<p class="meta">{n} photos scored by {model} on {device}; worst first. The overlay is the
quality map: warmer = the region lowers the score more.</p>
{hist}
<div class="photos">
"##,
        folder = esc(&r.folder.display().to_string()),
        n = r.photos.len(),
        model = esc(&r.model),
        device = esc(&r.device),
        hist = histogram(&scores),
    );
    for p in &r.photos {
        let name = p.path.file_name().map_or_else(
            || p.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let name = esc(&name);
        let _ = write!(
            out,
            r##"<figure class="photo"><div class="pair"><img class="thumb" alt="{name}" src="{}">"##,
            data_uri(&p.thumb)
        );
        if let Some(o) = &p.overlay {
            let _ = write!(
                out,
                r##"<img class="overlay" alt="quality map of {name}" src="{}">"##,
                data_uri(o)
            );
        }
        let _ = writeln!(
            out,
            r##"</div><figcaption><span class="score">{:.1}</span> {name}</figcaption></figure>"##,
            p.score
        );
    }
    out.push_str("</div>\n");
    if !r.unreadable.is_empty() {
        let _ = write!(
            out,
            "<h2>Could not be read ({})</h2><ul class=\"unreadable\">",
            r.unreadable.len()
        );
        for (path, reason) in &r.unreadable {
            let _ = write!(
                out,
                "<li>{}: {}</li>",
                esc(&path.display().to_string()),
                esc(reason)
            );
        }
        out.push_str("</ul>\n");
    }
    // Lets a headless browser (and a curious reader) tell that every image decoded.
    out.push_str(
        r##"<script>
window.addEventListener("load", () => {
  const imgs = [...document.images];
  document.body.dataset.images = imgs.length;
  document.body.dataset.broken = imgs.filter(i => !i.complete || i.naturalWidth === 0).length;
});
</script>
</body></html>
"##,
    );
    out
}

/// Writes the report atomically (a temporary file beside `dest`, then renamed).
pub fn write(r: &Report, dest: &Path) -> Result<()> {
    let dir = dest
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // The user's file, readable like any they create (0666 less the umask), not owner-only
    // as tempfile makes its files.
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, html(r).as_bytes())
        .with_context(|| format!("cannot write {}", dest.display()))?;
    tmp.persist(dest)
        .with_context(|| format!("cannot write {}", dest.display()))?;
    Ok(())
}
