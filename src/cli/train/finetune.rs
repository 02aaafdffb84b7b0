//! `glia train --init MODEL --data ratings.csv -o NEW`: a fine-tuning session, headless. A
//! seeded fifth of the ratings is held out; agreement with it is shown before, after every
//! epoch, and after. The start model is never written to.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use anyhow::{Result, bail};
use glia_engine::train::data::Dataset;
use glia_engine::train::session::{SessionEvent, fine_tune};
use glia_engine::{ComputeDevice, Model};

use super::args::TrainArgs;
use super::models::save_trained;
use super::progress::{
    cancel_on_ctrl_c, progress_bar, say, show_caching, show_step, stopped_before_training,
};

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

pub fn run(
    args: &TrainArgs,
    data: Dataset,
    device: ComputeDevice,
    start: Model,
    holdout: f64,
    output: PathBuf,
) -> Result<ExitCode> {
    if same_file(&output, &start.path) {
        bail!(
            "{} is the model this session starts from; write the fine-tuned model to another --output (the start model is never overwritten)",
            output.display()
        );
    }
    let cancel = cancel_on_ctrl_c();
    let bar = progress_bar(args.quiet)?;
    bar.set_message("checking the held-out photos");
    let outcome = fine_tune(
        &start,
        &device,
        &data.samples,
        holdout,
        &args.config(),
        &mut |e| {
            match e {
                SessionEvent::Caching { done, total } => show_caching(&bar, done, total, ""),
                SessionEvent::Step(p) => show_step(&bar, &p, ""),
                SessionEvent::Epoch {
                    epoch,
                    mean_loss,
                    validation,
                } => say(
                    &bar,
                    args.quiet,
                    format!(
                        "epoch {}: mean loss {mean_loss:.4}, held-out SRCC {:.3} PLCC {:.3}",
                        epoch + 1,
                        validation.srcc,
                        validation.plcc
                    ),
                ),
            }
            !cancel.load(Ordering::Relaxed)
        },
    )?;
    bar.finish_and_clear();
    for (path, reason) in &outcome.skipped {
        eprintln!("glia: {}: skipped: {reason}", path.display());
    }
    if outcome.cancelled && outcome.steps == 0 {
        return Ok(stopped_before_training(&output));
    }
    let (b, a) = (outcome.before, outcome.after);
    println!(
        "held out {} of {} rated photos (seed {}): before SRCC {:.3} PLCC {:.3}  ->  after SRCC {:.3} PLCC {:.3}{}",
        outcome.holdout.validation.len(),
        data.samples.len(),
        args.seed,
        b.srcc,
        b.plcc,
        a.srcc,
        a.plcc,
        if outcome.cancelled {
            " (cancelled)"
        } else {
            ""
        }
    );
    let used = outcome.holdout.train.len();
    save_trained(
        outcome.model,
        args,
        &data.samples,
        &device,
        used,
        outcome.cancelled,
        &[
            ("holdout_fraction", holdout.to_string()),
            (
                "validation_photos",
                outcome.holdout.validation.len().to_string(),
            ),
            ("validation_srcc_before", format!("{:.4}", b.srcc)),
            ("validation_plcc_before", format!("{:.4}", b.plcc)),
            ("validation_srcc", format!("{:.4}", a.srcc)),
            ("validation_plcc", format!("{:.4}", a.plcc)),
        ],
    )?;
    Ok(ExitCode::SUCCESS)
}
