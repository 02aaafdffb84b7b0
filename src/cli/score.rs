//! `glia score PATH...`: scores photos and prints one line (or record) per photo.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use clap::Args;
use glia_engine::grouping::{self, GroupRule};
use glia_engine::{ScoreOptions, Scored, Scorer, discover};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Args)]
pub struct ScoreArgs {
    /// Photos and folders (searched recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print one JSON array of {path, score} / {path, error} objects.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV with columns path,score,error.
    #[arg(long)]
    pub csv: bool,
    /// Photos per device batch.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Test-time sampling: average each score over K further fragment samplings from seeded
    /// random offsets (slower: K more detail passes per photo; see BENCHMARKS.md for what it
    /// buys on LIVEC). 0 scores the centred fragments once.
    #[arg(long, alias = "samplings", default_value_t = 0)]
    pub test_samplings: usize,
    /// Group bursts and near-duplicates (similar frames, seconds apart when EXIF has the
    /// capture time): adds `group` (shared by the photos of one group; a photo alone has its
    /// own) and `best` (the group's highest score). Prints once everything is scored.
    #[arg(long)]
    pub group: bool,
    #[command(flatten)]
    pub run: super::RunArgs,
}

enum Format {
    Text,
    Csv(Box<csv::Writer<std::io::Stdout>>),
    Json(Vec<serde_json::Value>),
}

/// A photo's place among its bursts (`--group`): its group and whether it is the best.
type Grouped = Option<(usize, bool)>;

impl Format {
    fn emit(&mut self, s: &Scored, grouped: Grouped) -> Result<()> {
        let path = s.path.display().to_string();
        match self {
            Format::Text => {
                let mut out = std::io::stdout().lock();
                let tail = grouped.map_or_else(String::new, |(g, best)| {
                    format!("\tgroup {g}{}", if best { "\tbest" } else { "" })
                });
                match &s.outcome {
                    Ok(v) => writeln!(out, "{path}\t{:.1}{tail}", v.score)?,
                    Err(e) => writeln!(out, "{path}\terror: {e}{tail}")?,
                }
            }
            Format::Csv(w) => {
                let mut row = match &s.outcome {
                    Ok(v) => vec![path, format!("{:.2}", v.score), String::new()],
                    Err(e) => vec![path, String::new(), e.clone()],
                };
                if let Some((g, best)) = grouped {
                    row.extend([g.to_string(), best.to_string()]);
                }
                w.write_record(&row)?;
                w.flush()?;
            }
            Format::Json(items) => {
                let mut item = match &s.outcome {
                    Ok(v) => serde_json::json!({ "path": path, "score": round2(v.score) }),
                    Err(e) => serde_json::json!({ "path": path, "error": e }),
                };
                if let Some((g, best)) = grouped {
                    item["group"] = g.into();
                    item["best"] = best.into();
                }
                items.push(item);
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        if let Format::Json(items) = self {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &items)?;
            writeln!(out)?;
        }
        Ok(())
    }
}

/// Prints results in input order as soon as everything before them is done, and counts them.
struct Output {
    format: Format,
    pending: BTreeMap<usize, Scored>,
    next: usize,
    scored: usize,
    failed: usize,
    /// `--group`: hold everything back until all is scored.
    hold: bool,
}

impl Output {
    fn add(&mut self, s: Scored) -> Result<()> {
        self.pending.insert(s.index, s);
        while !self.hold
            && let Some(s) = self.pending.remove(&self.next)
        {
            self.count(&s);
            self.format.emit(&s, None)?;
            self.next += 1;
        }
        Ok(())
    }

    fn count(&mut self, s: &Scored) {
        match s.outcome {
            Ok(_) => self.scored += 1,
            Err(_) => self.failed += 1,
        }
    }

    /// `--group`: groups every held photo (embeddings, capture times), then prints all in order.
    fn release_grouped(&mut self) -> Result<()> {
        let held: Vec<Scored> = std::mem::take(&mut self.pending).into_values().collect();
        let scored: Vec<&Scored> = held.iter().filter(|s| s.outcome.is_ok()).collect();
        let emb: Vec<Vec<f32>> = scored
            .iter()
            .filter_map(|s| s.outcome.as_ref().ok().map(|v| v.embedding.clone()))
            .collect();
        let times: Vec<Option<i64>> = scored
            .iter()
            .map(|s| glia_media::date_taken_in_file(&s.path))
            .collect();
        let scores: Vec<Option<f32>> = scored
            .iter()
            .map(|s| s.outcome.as_ref().ok().map(|v| v.score))
            .collect();
        let groups = grouping::groups(&emb, &times, &GroupRule::default());
        let best = grouping::best_of_groups(&groups, &scores);
        let mut of_index = std::collections::HashMap::new();
        for (k, s) in scored.iter().enumerate() {
            of_index.insert(s.index, (groups[k], best[k]));
        }
        // Photos that could not be scored are alone: numbered after every group.
        let mut next_group = groups.iter().max().map_or(0, |m| m + 1);
        for s in &held {
            let grouped = of_index.get(&s.index).copied().unwrap_or_else(|| {
                next_group += 1;
                (next_group - 1, false)
            });
            self.count(s);
            self.format.emit(s, Some(grouped))?;
        }
        Ok(())
    }
}

fn round2(v: f32) -> f64 {
    (f64::from(v) * 100.0).round() / 100.0
}

pub fn run(args: ScoreArgs) -> Result<ExitCode> {
    let (device, model) = args.run.load()?;
    let entries = discover(&args.paths);
    let format = if args.json {
        Format::Json(Vec::new())
    } else if args.csv {
        let mut w = csv::Writer::from_writer(std::io::stdout());
        let mut header = vec!["path", "score", "error"];
        if args.group {
            header.extend(["group", "best"]);
        }
        w.write_record(&header)?;
        Format::Csv(Box::new(w))
    } else {
        Format::Text
    };
    let mut out = Output {
        format,
        pending: BTreeMap::new(),
        next: 0,
        scored: 0,
        failed: 0,
        hold: args.group,
    };

    // Entries skipped up front take their place in the output; the rest go to the engine,
    // which numbers them 0.. in `slots` order.
    let mut to_score = Vec::new();
    let mut slots = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        match &e.skip {
            Some(reason) => out.add(Scored {
                index: i,
                path: e.path.clone(),
                outcome: Err(reason.clone()),
            })?,
            None => {
                slots.push(i);
                to_score.push(e.path.clone());
            }
        }
    }

    let bar = if args.run.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(to_score.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} photos ({per_sec}, ETA {eta})",
        )
        .context("progress bar template")?,
    );
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = cancel.clone();
        // A second Ctrl-C while stopping falls through to the default handler.
        let _ = ctrlc::set_handler(move || cancel.store(true, Ordering::Relaxed));
    }

    let scorer = Scorer::new(model, device.clone());
    let mut opts = ScoreOptions::for_device(&device);
    opts.samplings = args.test_samplings;
    if let Some(b) = args.batch_size {
        opts.batch_size = b.max(1);
    }
    for mut s in scorer.run(to_score, &opts, cancel.clone()) {
        bar.inc(1);
        s.index = slots[s.index];
        bar.suspend(|| out.add(s))?;
    }
    bar.finish_and_clear();
    // What the engine never reached: cancelled, or it stopped.
    let cancelled = cancel.load(Ordering::Relaxed);
    let reason = if cancelled {
        "not scored: cancelled"
    } else {
        "not scored: the engine stopped before reaching it"
    };
    for (i, e) in entries.iter().enumerate().skip(out.next) {
        if !out.pending.contains_key(&i) {
            out.add(Scored {
                index: i,
                path: e.path.clone(),
                outcome: Err(reason.into()),
            })?;
        }
    }
    if args.group {
        out.release_grouped()?;
    }
    out.format.finish()?;

    if !args.run.quiet {
        eprintln!(
            "glia: {} scored, {} could not be scored{}",
            out.scored,
            out.failed,
            if cancelled { " (cancelled)" } else { "" }
        );
    }
    if entries.is_empty() {
        eprintln!("glia: no photos found in the given paths");
    }
    let scored = out.scored;
    Ok(if scored > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
