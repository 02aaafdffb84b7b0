//! `glia train --data CSV -o MODEL`: trains GLIANet's adapters and head on opinion scores.
//! `--splits N` runs the paper's protocol instead (`protocol`), `--init` with a hold-out a
//! fine-tuning session (`finetune`); `args`, `progress` and `models` are what all three share.

mod args;
mod finetune;
mod models;
mod progress;
mod protocol;
mod resume;

use std::process::ExitCode;
use std::sync::atomic::Ordering;

use anyhow::Result;
use glia_engine::Model;
use glia_engine::model::GliaNet;
use glia_engine::train::resume::{Checkpoint, Position};
use glia_engine::train::trainer::{Event, TrainConfig, train};

pub use self::args::TrainArgs;
use self::models::{save_trained, start_model};
use self::progress::{
    cancel_on_ctrl_c, progress_bar, say, show_caching, show_step, stopped_before_training,
};

pub fn run(args: TrainArgs) -> Result<ExitCode> {
    if let Some(planned) = args.schedule_epochs.filter(|&p| p < args.epochs) {
        anyhow::bail!(
            "--schedule-epochs {planned} is shorter than --epochs {}: the schedule must cover \
             every epoch that runs (leave it out to plan over --epochs)",
            args.epochs
        );
    }
    if args.splits.is_some() {
        return protocol::run(&args);
    }
    let Some(output) = args.output.clone() else {
        anyhow::bail!("--output is required");
    };
    let data = args.data.load(4, "training")?;
    let device = crate::cli::pick_device(args.device, args.quiet)?;
    let start = start_model(&args, &device.device)?;
    let holdout = args
        .holdout
        .unwrap_or(if args.init.is_some() { 0.2 } else { 0.0 });
    if !(0.0..0.9).contains(&holdout) {
        anyhow::bail!("--holdout must be in [0, 0.9), got {holdout}");
    }
    if holdout > 0.0 {
        if args.resume {
            anyhow::bail!("--resume goes on with a plain run; it cannot take up a --holdout run");
        }
        return finetune::run(&args, data, device, start, holdout, output);
    }
    let run_key = resume::run_key(&args, data.samples.len());
    let resumed = if args.resume {
        let state = resume::load(&output, &run_key, args.backbone.as_deref(), &device.device)?;
        if state.at.epochs_done >= args.epochs {
            anyhow::bail!(
                "the run already finished {} epochs; raise --epochs (up to its planned schedule)",
                state.at.epochs_done
            );
        }
        say_resumed(&args, &output, &state.at);
        Some(state)
    } else {
        None
    };
    let resumed_after = resumed.as_ref().map(|r| where_in_run(&r.at));
    let cfg = TrainConfig {
        detail_scale: start.info.detail_scale,
        ..args.config()
    };
    let cancel = cancel_on_ctrl_c();
    let bar = progress_bar(args.quiet)?;
    let keep_state = |net: &GliaNet, checkpoint: &Checkpoint<'_>| {
        let last = Model {
            net: net.clone(),
            ..start.clone()
        };
        if let Err(e) = resume::save(&output, last, checkpoint, &run_key) {
            bar.println(format!("glia: cannot write the training state: {e:#}"));
        }
    };
    let trained = train(
        &start.net,
        &start.info.normalization,
        &data.samples,
        &cfg,
        &device.device,
        resumed,
        &mut |e| {
            match e {
                Event::Caching { done, total } => show_caching(&bar, done, total, ""),
                Event::Step(p) => show_step(&bar, &p, ""),
                Event::Epoch {
                    epoch,
                    mean_loss,
                    net,
                    best,
                    checkpoint,
                } => {
                    say(
                        &bar,
                        args.quiet,
                        format!("epoch {}: mean loss {mean_loss:.4}", epoch + 1),
                    );
                    // The best epoch so far goes to disk at once, so even a killed run keeps it.
                    if best {
                        let mut saved = Model {
                            net: net.clone(),
                            ..start.clone()
                        };
                        saved
                            .info
                            .extra
                            .insert("checkpoint_epoch".into(), (epoch + 1).to_string());
                        if let Err(e) = saved.save(&output) {
                            bar.println(format!("glia: cannot write checkpoint: {e}"));
                        }
                    }
                    keep_state(net, &checkpoint);
                }
                Event::Midway { net, checkpoint } => keep_state(net, &checkpoint),
            }
            !cancel.load(Ordering::Relaxed)
        },
    );
    bar.finish_and_clear();
    for (path, reason) in &trained.skipped {
        eprintln!("glia: {}: skipped: {reason}", path.display());
    }
    if trained.steps == 0 && trained.stopped_early {
        return Ok(stopped_before_training(&output));
    }

    let model = Model {
        net: trained.net,
        ..start
    };
    let used = data.samples.len() - trained.skipped.len();
    let more: Vec<(&str, String)> = resumed_after
        .map(|at| ("resumed_after", at))
        .into_iter()
        .collect();
    save_trained(
        model,
        &args,
        &data.samples,
        &device,
        used,
        trained.stopped_early,
        &more,
    )?;
    // The state stays while the run has more of its schedule to go.
    let planned = args.config().planned_epochs();
    if !trained.stopped_early && trained.epochs >= planned {
        resume::remove(&output);
    } else if !args.quiet {
        eprintln!(
            "glia: {} epochs of {planned} trained; `--resume` goes on from {}",
            trained.epochs,
            resume::dir(&output).display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn say_resumed(args: &TrainArgs, output: &std::path::Path, at: &Position) {
    if !args.quiet {
        eprintln!(
            "glia: resuming after {} of {} epochs (state in {})",
            where_in_run(at),
            args.epochs,
            resume::dir(output).display()
        );
    }
}

/// "epoch 2" or "batch 37 of epoch 3".
fn where_in_run(at: &Position) -> String {
    match at.batches {
        0 => format!("epoch {}", at.epochs_done),
        b => format!("batch {b} of epoch {}", at.epochs_done + 1),
    }
}
