//! `glia train --data CSV -o MODEL`: trains GLIANet's adapters and head on opinion scores.
//! `--splits N` runs the paper's protocol instead (`protocol`), `--init` with a hold-out a
//! fine-tuning session (`finetune`); `args`, `progress` and `models` are what all three share.

mod args;
mod finetune;
mod models;
mod progress;
mod protocol;

use std::process::ExitCode;
use std::sync::atomic::Ordering;

use anyhow::Result;
use glia_engine::Model;
use glia_engine::train::trainer::{Event, TrainConfig, train};

pub use self::args::TrainArgs;
use self::models::{save_trained, start_model};
use self::progress::{cancel_on_ctrl_c, progress_bar, say, show_step};

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
        return finetune::run(&args, data, device, start, holdout, output);
    }
    let cfg = TrainConfig {
        detail_scale: start.info.detail_scale,
        ..args.config()
    };
    let cancel = cancel_on_ctrl_c();
    let bar = progress_bar(args.quiet)?;
    bar.set_message("caching semantic tokens");
    let trained = train(
        &start.net,
        &start.info.normalization,
        &data.samples,
        &cfg,
        &device.device,
        &mut |e| {
            match e {
                Event::Step(p) => show_step(&bar, &p, ""),
                Event::Epoch {
                    epoch,
                    mean_loss,
                    net,
                    best,
                } => {
                    say(
                        &bar,
                        args.quiet,
                        format!("epoch {}: mean loss {mean_loss:.4}", epoch + 1),
                    );
                    // The best epoch so far goes to disk at once, so even a killed run keeps it.
                    if best {
                        let mut checkpoint = Model {
                            net: net.clone(),
                            ..start.clone()
                        };
                        checkpoint
                            .info
                            .extra
                            .insert("checkpoint_epoch".into(), (epoch + 1).to_string());
                        if let Err(e) = checkpoint.save(&output) {
                            bar.println(format!("glia: cannot write checkpoint: {e}"));
                        }
                    }
                }
            }
            !cancel.load(Ordering::Relaxed)
        },
    );
    bar.finish_and_clear();
    for (path, reason) in &trained.skipped {
        eprintln!("glia: {}: skipped: {reason}", path.display());
    }

    let model = Model {
        net: trained.net,
        ..start
    };
    let used = data.samples.len() - trained.skipped.len();
    save_trained(
        model,
        &args,
        &data.samples,
        &device,
        used,
        trained.stopped_early,
        &[],
    )?;
    Ok(ExitCode::SUCCESS)
}
