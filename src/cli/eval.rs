//! `glia eval --data CSV --model M`: agreement of a model with opinion scores.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use glia_engine::train::metrics::evaluate;
use glia_engine::train::predict::{Prediction, predict_sampled};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub data: super::DataArgs,
    /// Average the centred fragments with K seeded random fragment samplings per photo
    /// (the same seeds as `glia train --splits --test-samplings` and `glia score
    /// --test-samplings`); 0 scores as `glia score` does.
    #[arg(long, alias = "samplings", default_value_t = 0)]
    pub test_samplings: usize,
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
    let bar = if args.run.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(data.samples.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {wide_bar} {pos}/{len} photos (ETA {eta})")
            .context("progress bar")?,
    );
    let (found, skipped) = predict_sampled(
        model,
        &device,
        &data.samples,
        args.test_samplings,
        &mut || bar.inc(1),
    );
    bar.finish_and_clear();
    for (path, reason) in &skipped {
        eprintln!("glia: {}: skipped: {reason}", path.display());
    }
    if found.len() < 3 {
        bail!(
            "only {} photos could be scored; at least 3 are needed",
            found.len()
        );
    }
    // Raw outputs: the 0–100 mapping clamps, which would add ties.
    let pred: Vec<f64> = found.iter().map(Prediction::averaged).collect();
    let mos: Vec<f64> = found.iter().map(|p| p.mos).collect();
    let m = evaluate(&pred, &mos);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "data": args.data.data.display().to_string(),
                "model": model_name,
                "test_samplings": args.test_samplings,
                "srcc": m.srcc, "plcc": m.plcc, "krcc": m.krcc, "rmse": m.rmse, "n": m.n,
            }))?
        );
    } else {
        println!(
            "SRCC {:.4}  PLCC {:.4}  KRCC {:.4}  RMSE {:.3}  (n = {}, PLCC and RMSE after the 4-parameter logistic fit{})",
            m.srcc,
            m.plcc,
            m.krcc,
            m.rmse,
            m.n,
            if args.test_samplings > 0 {
                format!("; centred + {} random samplings", args.test_samplings)
            } else {
                String::new()
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
