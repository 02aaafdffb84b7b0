//! `glia train --data CSV -o MODEL`: trains GLIANet's adapters and head on opinion scores.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use clap::Args;
use glia_engine::train::data::Sample;
use glia_engine::train::predict::predict;
use glia_engine::train::protocol::Variant;
use glia_engine::train::trainer::{Event, Progress, RANK_MARGIN, TrainConfig, train};
use glia_engine::{ComputeDevice, DeviceChoice, Model};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: super::DataArgs,
    /// Where to write the trained model (.safetensors).
    #[arg(short, long, required_unless_present = "splits")]
    pub output: Option<PathBuf>,
    /// The paper's protocol instead of one model: N seeded 80/20 splits (seeds --seed,
    /// --seed+1, …), each trained from fresh adapters and scored on its held-out 20 %; prints
    /// each split's figures and the medians as JSON.
    #[arg(long, conflicts_with_all = ["output", "init"])]
    pub splits: Option<usize>,
    /// With --splits: glianet, lgf-only (GLR off) or linear-probe (frozen CLS → ridge).
    #[arg(long, default_value = "glianet", requires = "splits")]
    pub variant: Variant,
    /// With --splits: the share of all photos used for training (at most 0.8; 0.2/0.4/0.6
    /// is the paper's data-efficient setting). The held-out 20 % is the same either way.
    #[arg(long, default_value_t = 0.8, requires = "splits")]
    pub train_fraction: f64,
    /// Hold out this share of the ratings (seeded) to check the result before, during and
    /// after training; default 0.2 with --init (a fine-tuning session), else 0.
    #[arg(long, conflicts_with = "splits")]
    pub holdout: Option<f64>,
    /// With --splits: also write the JSON report to this file.
    #[arg(long, requires = "splits")]
    pub report: Option<PathBuf>,
    /// With --splits: besides the centred fragments `glia score` uses, score each held-out
    /// photo with K seeded random fragment samplings averaged with the centred one (the
    /// `sampled` figures of the report; 0 turns them off).
    #[arg(long, default_value_t = 3, requires = "splits")]
    pub test_samplings: usize,
    /// With --splits: keep each split's trained model in this folder
    /// (`split-seed<S>.safetensors`), to evaluate it again later.
    #[arg(long, requires = "splits")]
    pub save_models: Option<PathBuf>,
    /// Start from this model (a path, a saved model's name, or `default` for the shipped one)
    /// instead of fresh adapters.
    #[arg(long)]
    pub init: Option<String>,
    /// Backbone for fresh adapters (default: the shipped ViT-Ti), or for `--init` when its own is not found.
    #[arg(long)]
    pub backbone: Option<PathBuf>,
    #[arg(long, default_value_t = 10)]
    pub epochs: usize,
    /// Samplings of each photo per epoch (random flip and fragment offsets).
    #[arg(long, default_value_t = 5)]
    pub patch_num: usize,
    #[arg(long, default_value_t = 16)]
    pub batch_size: usize,
    #[arg(long, default_value_t = 3e-4)]
    pub lr: f64,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Random rescaling: half of the samplings see the photo shrunk by a random factor down
    /// to this (same opinion score), so scores do not follow file size; 1 turns it off.
    #[arg(long, default_value_t = 1.0)]
    pub rescale_min: f32,
    /// Photos per batch also shown with random damage (blur, shake, noise, JPEG) and ranked
    /// below their undamaged selves by a margin loss beside the PLCC loss; 0 turns it off.
    #[arg(long, default_value_t = 0)]
    pub damage_pairs: usize,
    /// Where to train: cpu, gpu, or auto (a GPU if there is one).
    #[arg(long, default_value = "auto")]
    pub device: DeviceChoice,
    #[arg(long, short)]
    pub quiet: bool,
}

impl TrainArgs {
    pub fn config(&self) -> TrainConfig {
        TrainConfig {
            epochs: self.epochs,
            patch_num: self.patch_num,
            batch_size: self.batch_size,
            lr: self.lr,
            weight_decay: 1e-2,
            seed: self.seed,
            rescale_min: self.rescale_min,
            damage_pairs: self.damage_pairs,
            ..TrainConfig::default()
        }
    }

    pub fn protocol_line(&self) -> String {
        let c = self.config();
        let mut line = format!(
            "epochs={} patch_num={} batch={} lr={} weight_decay={} seed={} loss=plcc cosine",
            c.epochs, c.patch_num, c.batch_size, c.lr, c.weight_decay, c.seed
        );
        if c.rescale_min < 1.0 {
            line += &format!(" rescale_min={}", c.rescale_min);
        }
        if c.damage_pairs > 0 {
            line += &format!(
                " damage_pairs={} rank_margin={}",
                c.damage_pairs, RANK_MARGIN
            );
        }
        line
    }
}

/// The training progress bar: steps, the step's loss, ETA.
pub fn progress_bar(quiet: bool) -> Result<ProgressBar> {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} step {pos}/{len} {msg} (ETA {eta})",
        )
        .context("progress bar template")?,
    );
    Ok(bar)
}

/// Ctrl-C sets the returned flag (the trainer stops after its current step).
pub fn cancel_on_ctrl_c() -> Arc<AtomicBool> {
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    cancel
}

fn start_model(args: &TrainArgs, device: &glia_engine::burn::tensor::Device) -> Result<Model> {
    match args.init.as_deref() {
        Some(path) => glia::models::load(
            Some(std::path::Path::new(path)),
            args.backbone.as_deref(),
            device,
        ),
        None => fresh_model(args, device),
    }
}

/// Fresh adapters on `--backbone`, or on the shipped backbone.
pub fn fresh_model(args: &TrainArgs, device: &glia_engine::burn::tensor::Device) -> Result<Model> {
    let backbone = match &args.backbone {
        Some(b) => b.clone(),
        None => glia::models::default_backbone()
            .context("no shipped backbone found; pass --backbone FILE")?,
    };
    Model::with_new_adapters(&backbone, device)
        .with_context(|| format!("cannot load backbone {}", backbone.display()))
}

/// Maps the model's 0–100 onto the data's scale, records how it was made, and writes it
/// (atomically) to `--output`.
pub fn save_trained(
    mut model: Model,
    args: &TrainArgs,
    samples: &[Sample],
    device: &ComputeDevice,
    used: usize,
    stopped_early: bool,
    more: &[(&str, String)],
) -> Result<()> {
    let output = args.output.as_ref().context("--output is required")?;
    let (raw, mos, _) = predict(model.clone(), device, samples);
    let (scale, offset) = glia::models::fit_line(&raw, &mos);
    model.info.score_scale = scale as f32;
    model.info.score_offset = offset as f32;
    let extra = &mut model.info.extra;
    extra.insert("training_data".into(), args.data.data.display().to_string());
    extra.insert("training_samples".into(), used.to_string());
    extra.insert("training_protocol".into(), args.protocol_line());
    extra.insert("stopped_early".into(), stopped_early.to_string());
    if let Some(init) = &args.init {
        extra.insert("init".into(), init.clone());
    }
    for (k, v) in more {
        extra.insert((*k).into(), v.clone());
    }
    model
        .save(output)
        .with_context(|| format!("cannot write {}", output.display()))?;
    if !args.quiet {
        eprintln!(
            "glia: wrote {}{}",
            output.display(),
            if stopped_early {
                " (stopped early: trained so far)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

/// Moves the bar to a training step and shows its epoch and loss after `prefix`.
pub fn show_step(bar: &ProgressBar, p: &Progress, prefix: &str) {
    bar.set_length(p.steps as u64);
    bar.set_position(p.step as u64);
    bar.set_message(format!("{prefix}epoch {} loss {:.4}", p.epoch + 1, p.loss));
}

/// Prints a line above the progress bar, or on stderr when the bar is hidden (quiet, or not
/// a terminal), where println would swallow it.
pub fn say(bar: &ProgressBar, quiet: bool, line: String) {
    if !bar.is_hidden() {
        bar.println(line);
    } else if !quiet {
        eprintln!("{line}");
    }
}

pub fn run(args: TrainArgs) -> Result<ExitCode> {
    if args.splits.is_some() {
        return super::protocol::run(&args);
    }
    let Some(output) = args.output.clone() else {
        anyhow::bail!("--output is required");
    };
    let data = args.data.load(4, "training")?;
    let device = super::pick_device(args.device, args.quiet)?;
    let start = start_model(&args, &device.device)?;
    let holdout = args
        .holdout
        .unwrap_or(if args.init.is_some() { 0.2 } else { 0.0 });
    if !(0.0..0.9).contains(&holdout) {
        anyhow::bail!("--holdout must be in [0, 0.9), got {holdout}");
    }
    if holdout > 0.0 {
        return super::finetune::run(&args, data, device, start, holdout, output);
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
