//! `glia train --splits N`: the paper's protocol (seeded 80/20 splits, medians over splits).

use std::process::ExitCode;
use std::sync::atomic::Ordering;

use anyhow::{Context, Result, bail};
use glia_engine::train::protocol::{
    SplitOutcome, SplitPlan, SplitReport, Variant, medians, run_split,
};
use glia_engine::train::trainer::Event;

use super::args::TrainArgs;
use super::models::fresh_model;
use super::progress::{cancel_on_ctrl_c, progress_bar, say, show_caching, show_step};

pub fn run(args: &TrainArgs) -> Result<ExitCode> {
    let n_splits = args.splits.unwrap_or(1);
    if n_splits == 0 {
        bail!("--splits needs at least 1");
    }
    if !(args.train_fraction > 0.0 && args.train_fraction <= 0.8) {
        bail!(
            "--train-fraction must be in (0, 0.8]: the held-out 20 % is never trained on (got {})",
            args.train_fraction
        );
    }
    let data = args.data.load(10, "the split protocol")?;
    let device = crate::cli::pick_device(args.device, args.quiet)?;
    // Each split starts from fresh adapters on this backbone.
    let base = fresh_model(args, &device.device)?;
    if let Some(dir) = &args.save_models {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let plan = SplitPlan {
        variant: args.variant,
        fraction: args.train_fraction,
        test_samplings: args.test_samplings,
        calibrate: args.save_models.is_some(),
    };
    let cancel = cancel_on_ctrl_c();
    let cfg = args.config();
    let mut reports: Vec<SplitReport> = Vec::new();
    for i in 0..n_splits {
        let seed = args.seed + i as u64;
        let bar = progress_bar(args.quiet)?;
        bar.set_message(format!("split {}/{n_splits} (seed {seed})", i + 1));
        let outcome = run_split(&base, &data.samples, plan, seed, &cfg, &device, &mut |e| {
            match e {
                Event::Caching { done, total } => {
                    show_caching(&bar, done, total, &format!("split {}/{n_splits} ", i + 1));
                }
                Event::Step(p) => show_step(&bar, &p, &format!("split {}/{n_splits} ", i + 1)),
                Event::Midway { .. } => {}
                Event::Epoch {
                    epoch, mean_loss, ..
                } => say(
                    &bar,
                    args.quiet,
                    format!(
                        "split {}/{n_splits} epoch {}: mean loss {mean_loss:.4}",
                        i + 1,
                        epoch + 1
                    ),
                ),
            }
            !cancel.load(Ordering::Relaxed)
        });
        bar.finish_and_clear();
        let Some(SplitOutcome { report, model }) = outcome else {
            eprintln!(
                "glia: stopped during split {}; reporting the finished ones",
                i + 1
            );
            break;
        };
        for (path, reason) in &report.skipped {
            eprintln!("glia: {}: skipped: {reason}", path.display());
        }
        if let (Some(dir), Some(model)) = (&args.save_models, model) {
            let path = dir.join(format!("split-seed{seed}.safetensors"));
            model
                .save(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        if !args.quiet {
            let m = &report.metrics;
            eprintln!(
                "split {} (seed {seed}): train {} test {}: SRCC {:.4} PLCC {:.4} KRCC {:.4} RMSE {:.3} ({:.0} s)",
                i + 1,
                report.train,
                report.test,
                m.srcc,
                m.plcc,
                m.krcc,
                m.rmse,
                report.train_seconds
            );
            if let Some(m) = &report.sampled {
                eprintln!(
                    "  centred + {} random samplings: SRCC {:.4} PLCC {:.4} KRCC {:.4} RMSE {:.3}",
                    report.test_samplings, m.srcc, m.plcc, m.krcc, m.rmse
                );
            }
        }
        reports.push(report);
    }
    if reports.is_empty() {
        bail!("no split finished");
    }
    let (srcc, plcc) = medians(&reports, |r| Some(r.metrics)).context("no split finished")?;
    let sampled = medians(&reports, |r| r.sampled);
    let json = serde_json::to_string_pretty(&serde_json::json!({
        "data": args.data.data.display().to_string(),
        "variant": args.variant,
        "train_fraction": args.train_fraction,
        "protocol": if args.variant == Variant::LinearProbe {
            "ridge alpha=1 on z-scored frozen CLS".to_string()
        } else {
            args.protocol_line()
        },
        "device": device.name,
        "splits": reports,
        "median_srcc": srcc,
        "median_plcc": plcc,
        "test_samplings": args.test_samplings,
        "median_srcc_sampled": sampled.map(|m| m.0),
        "median_plcc_sampled": sampled.map(|m| m.1),
    }))?;
    println!("{json}");
    if let Some(path) = &args.report {
        std::fs::write(path, format!("{json}\n"))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if !args.quiet {
        eprintln!(
            "median of {} split(s): SRCC {srcc:.4} PLCC {plcc:.4}",
            reports.len()
        );
        if let Some((s, p)) = sampled {
            eprintln!(
                "  centred + {} random samplings: SRCC {s:.4} PLCC {p:.4}",
                args.test_samplings
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
