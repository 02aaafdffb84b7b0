//! `glia check FOLDER`: does the model judge these photos as a photographer would? Score
//! drift between each photo at full size, 1/2 and 1/4, and damage ladders (blur, shake,
//! noise, JPEG at two visible levels, applied at full size), with no opinion scores needed.
//! `--maps` checks the explanations instead: one quadrant damaged, does each map's peak
//! land there?

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;
use glia_engine::judgement::{PhotoJudgement, Summary, judge, summarise};
use glia_engine::localisation::{self, MapSummary, PhotoLocalisation};
use glia_engine::preprocess::DetailScale;
use glia_engine::{Scorer, discover};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

#[derive(Args)]
pub struct CheckArgs {
    /// Photos or folders (recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub run: super::RunArgs,
    /// Cut the detail view at this working short side instead of the model's own (0: the
    /// photo's native pixels): for sweeping the working resolution.
    #[arg(long)]
    pub detail_side: Option<u32>,
    /// Print every photo's scores and the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Seed of the damage noise.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Check the maps instead: blur, noise and heavy JPEG in each quadrant in turn; how often
    /// each map's peak lies in the damaged quadrant (chance 25 %), and how often attention
    /// peaks in a corner of the clean photo.
    #[arg(long)]
    pub maps: bool,
}

#[derive(Serialize)]
struct MapsReport<'a> {
    model: String,
    summary: &'a [MapSummary],
    photos: &'a [PhotoLocalisation],
    unreadable: &'a [(String, String)],
}

#[derive(Serialize)]
struct Report<'a> {
    model: String,
    detail_scale: String,
    summary: &'a Summary,
    photos: &'a [PhotoJudgement],
    unreadable: &'a [(String, String)],
}

pub fn run(args: CheckArgs) -> Result<ExitCode> {
    let (device, mut model) = args.run.load()?;
    if let Some(side) = args.detail_side {
        model.info.detail_scale = match side {
            0 => DetailScale::Native,
            s => DetailScale::ShortSide(s),
        };
    }
    let detail_scale = match model.info.detail_scale {
        DetailScale::Native => "native".to_owned(),
        DetailScale::ShortSide(s) => format!("short side {s} px"),
    };
    let name = model.path.display().to_string();
    let scorer = Scorer::new(model, device);
    let entries = discover(&args.paths);
    if entries.is_empty() {
        bail!("no photos found in the given paths");
    }
    let bar = if args.run.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(entries.len() as u64)
    };
    if let Ok(style) = ProgressStyle::with_template("{spinner} {wide_bar} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    if args.maps {
        return check_maps(&args, &scorer, &name, &entries, &bar);
    }
    let (photos, unreadable) = each_photo(&entries, &bar, args.seed, |file, img, seed| {
        judge(&scorer, file, img, seed)
    });
    let summary = summarise(&photos);
    if args.json {
        let report = Report {
            model: name,
            detail_scale,
            summary: &summary,
            photos: &photos,
            unreadable: &unreadable,
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&name, &detail_scale, &summary, &photos);
    }
    Ok(finish(&unreadable, !photos.is_empty()))
}

/// Lists what could not be checked; fails when nothing could.
fn finish(unreadable: &[(String, String)], any_checked: bool) -> ExitCode {
    for (path, reason) in unreadable {
        eprintln!("glia: {path}: skipped: {reason}");
    }
    if any_checked {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Decodes each photo and runs `check` on it (its file name, pixels, and a damage seed of its
/// own), with progress; what could not be read or checked is listed with the reason.
fn each_photo<T>(
    entries: &[glia_engine::Entry],
    bar: &ProgressBar,
    seed: u64,
    mut check: impl FnMut(&str, &image::RgbImage, u64) -> Result<T, String>,
) -> (Vec<T>, Vec<(String, String)>) {
    let (mut done, mut unreadable) = (Vec::new(), Vec::new());
    for (i, e) in entries.iter().enumerate() {
        let shown = e.path.display().to_string();
        bar.set_message(shown.clone());
        let file = e
            .path
            .file_name()
            .map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
        let outcome = match &e.skip {
            Some(reason) => Err(reason.clone()),
            None => glia_media::load_rgb(&e.path)
                .map_err(|err| err.to_string())
                .and_then(|img| check(&file, &img, seed.wrapping_add(i as u64 * 1000))),
        };
        match outcome {
            Ok(p) => done.push(p),
            Err(reason) => unreadable.push((shown, reason)),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    (done, unreadable)
}

fn check_maps(
    args: &CheckArgs,
    scorer: &Scorer,
    model: &str,
    entries: &[glia_engine::Entry],
    bar: &ProgressBar,
) -> Result<ExitCode> {
    let (photos, unreadable) = each_photo(entries, bar, args.seed, |file, img, seed| {
        localisation::localise(scorer, file, img, seed)
    });
    let summary = localisation::summarise(&photos);
    if args.json {
        let report = MapsReport {
            model: model.to_owned(),
            summary: &summary,
            photos: &photos,
            unreadable: &unreadable,
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "model {model}: peak in the damaged quadrant (chance 25 %), {} photos",
            photos.len()
        );
        for m in &summary {
            let kinds: Vec<String> = m
                .per_kind
                .iter()
                .map(|(k, n)| format!("{k} {n}/{}", m.cases / 3))
                .collect();
            println!(
                "  {:<9} {:>3}/{:<3} ({:3.0} %)  {}  | clean photo's peak in a corner: {}/{}",
                m.map,
                m.hits,
                m.cases,
                100.0 * m.hits as f64 / m.cases.max(1) as f64,
                kinds.join(", "),
                m.clean_in_corner,
                photos.len()
            );
        }
    }
    Ok(finish(&unreadable, !photos.is_empty()))
}

fn print_text(model: &str, scale: &str, s: &Summary, photos: &[PhotoJudgement]) {
    println!("model {model}, detail view cut at {scale}");
    println!(
        "photo                                  size      full   1/2   1/4 | damage steps ordered | centre blur"
    );
    for p in photos {
        let ordered: usize = p
            .ladders
            .iter()
            .map(|l| {
                usize::from(l.scores[1] < l.scores[0]) + usize::from(l.scores[2] < l.scores[1])
            })
            .sum();
        println!(
            "{:<38} {:>4}x{:<4} {:5.1} {:5.1} {:5.1} | {:>2}/{:<2} | {:5.1} -> {:5.1}",
            p.name,
            p.width,
            p.height,
            p.sizes[0],
            p.sizes[1],
            p.sizes[2],
            ordered,
            2 * p.ladders.len(),
            p.sizes[0],
            p.centre_blurred
        );
    }
    println!(
        "size drift: mean |Δ| {:.1}, max |Δ| {:.1}, mean signed {:+.1} (smaller minus full)",
        s.mean_size_drift, s.max_size_drift, s.mean_size_bias
    );
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    println!(
        "damage steps ordered: {}/{} ({:.0} %)",
        s.steps_ordered,
        s.steps,
        pct(s.steps_ordered, s.steps)
    );
    for (kind, n, ok) in &s.per_kind {
        println!("  {kind:<14} {ok}/{n} ({:.0} %)", pct(*ok, *n));
    }
    println!(
        "centre blur lowers the score: {}/{} ({:.0} %)",
        s.centre_lowered,
        s.photos,
        pct(s.centre_lowered, s.photos)
    );
}
