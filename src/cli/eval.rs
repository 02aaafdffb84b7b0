//! `glia eval --data CSV --model M`: agreement of a model with opinion scores.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use glia_engine::train::metrics::evaluate;
use glia_engine::{ScoreOptions, Scorer};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub data: super::DataArgs,
    /// Print the metrics as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub run: super::RunArgs,
}

pub fn run(args: EvalArgs) -> Result<ExitCode> {
    let data = args.data.load(3, "evaluation")?;
    let (device, model) = args.run.load()?;
    let model_name = model.path.display().to_string();
    let scorer = Scorer::new(model, device.clone());
    let opts = ScoreOptions::for_device(&device);
    let paths: Vec<PathBuf> = data.samples.iter().map(|s| s.path.clone()).collect();
    let bar = if args.run.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(paths.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {wide_bar} {pos}/{len} photos (ETA {eta})")
            .context("progress bar")?,
    );
    let mut results: Vec<_> = scorer
        .run(paths, &opts, Default::default())
        .iter()
        .inspect(|_| bar.inc(1))
        .collect();
    bar.finish_and_clear();
    results.sort_by_key(|r| r.index);
    let (mut pred, mut mos) = (Vec::new(), Vec::new());
    for r in &results {
        match &r.outcome {
            // Raw outputs: the 0–100 mapping clamps, which would add ties.
            Ok(s) => {
                pred.push(f64::from(s.raw));
                mos.push(data.samples[r.index].score);
            }
            Err(e) => eprintln!("glia: {}: skipped: {e}", r.path.display()),
        }
    }
    if pred.len() < 3 {
        bail!(
            "only {} photos could be scored; at least 3 are needed",
            pred.len()
        );
    }
    let m = evaluate(&pred, &mos);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "data": args.data.data.display().to_string(),
                "model": model_name,
                "srcc": m.srcc, "plcc": m.plcc, "krcc": m.krcc, "rmse": m.rmse, "n": m.n,
            }))?
        );
    } else {
        println!(
            "SRCC {:.4}  PLCC {:.4}  KRCC {:.4}  RMSE {:.3}  (n = {}, PLCC and RMSE after the 4-parameter logistic fit)",
            m.srcc, m.plcc, m.krcc, m.rmse, m.n
        );
    }
    Ok(ExitCode::SUCCESS)
}
