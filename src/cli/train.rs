//! `glia train --data CSV -o MODEL`: trains GLIANet's adapters and head on opinion scores.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use clap::Args;
use glia_engine::train::trainer::{TrainConfig, train};
use glia_engine::{DeviceChoice, Model, ScoreOptions, Scorer};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: super::DataArgs,
    /// Where to write the trained model (.safetensors).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Start from this model (a path, or `default` for the shipped one) instead of fresh adapters.
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
    #[arg(long, short)]
    pub quiet: bool,
}

fn start_model(args: &TrainArgs, device: &glia_engine::burn::tensor::Device) -> Result<Model> {
    match args.init.as_deref() {
        Some("default") => crate::models::load(None, args.backbone.as_deref(), device),
        Some(path) => crate::models::load(
            Some(std::path::Path::new(path)),
            args.backbone.as_deref(),
            device,
        ),
        None => {
            let backbone = match &args.backbone {
                Some(b) => b.clone(),
                None => crate::models::default_backbone()
                    .context("no shipped backbone found; pass --backbone FILE")?,
            };
            Model::with_new_adapters(&backbone, device)
                .with_context(|| format!("cannot load backbone {}", backbone.display()))
        }
    }
}

/// Least-squares line from raw outputs to opinion scores, so 0–100 reads like the data's scale.
fn fit_line(raw: &[f64], mos: &[f64]) -> (f64, f64) {
    let n = raw.len() as f64;
    let (mx, my) = (raw.iter().sum::<f64>() / n, mos.iter().sum::<f64>() / n);
    let sxx: f64 = raw.iter().map(|x| (x - mx).powi(2)).sum();
    let sxy: f64 = raw.iter().zip(mos).map(|(x, y)| (x - mx) * (y - my)).sum();
    let scale = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (scale, my - scale * mx)
}

pub fn run(args: TrainArgs) -> Result<ExitCode> {
    let data = args.data.load(4, "training")?;
    // The trainer runs on the CPU backend (autodiff over flex); GPU training comes with the device work of issue 4.
    let device = super::pick_device(DeviceChoice::Cpu, args.quiet)?;
    let start = start_model(&args, &device.device)?;
    let cfg = TrainConfig {
        epochs: args.epochs,
        patch_num: args.patch_num,
        batch_size: args.batch_size,
        lr: args.lr,
        weight_decay: 1e-2,
        seed: args.seed,
    };
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = cancel.clone();
        let _ = ctrlc::set_handler(move || cancel.store(true, Ordering::Relaxed));
    }
    let bar = if args.quiet {
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
    bar.set_message("caching semantic tokens");
    let trained = train(
        &start.net,
        &start.info.normalization,
        &data.samples,
        &cfg,
        &device.device,
        &mut |p| {
            bar.set_length(p.steps as u64);
            bar.set_position(p.step as u64);
            bar.set_message(format!("epoch {} loss {:.4}", p.epoch + 1, p.loss));
            !cancel.load(Ordering::Relaxed)
        },
    );
    bar.finish_and_clear();
    for (path, reason) in &trained.skipped {
        eprintln!("glia: {}: skipped: {reason}", path.display());
    }

    let mut model = Model {
        net: trained.net,
        ..start
    };
    let scorer = Scorer::new(model.clone(), device.clone());
    let paths = data.samples.iter().map(|s| s.path.clone()).collect();
    let (mut raw, mut mos) = (Vec::new(), Vec::new());
    for r in scorer.score_all(paths, &ScoreOptions::for_device(&device)) {
        if let Ok(s) = r.outcome {
            raw.push(f64::from(s.raw));
            mos.push(data.samples[r.index].score);
        }
    }
    let (scale, offset) = fit_line(&raw, &mos);
    model.info.score_scale = scale as f32;
    model.info.score_offset = offset as f32;
    let extra = &mut model.info.extra;
    extra.insert("training_data".into(), args.data.data.display().to_string());
    extra.insert(
        "training_samples".into(),
        (data.samples.len() - trained.skipped.len()).to_string(),
    );
    extra.insert(
        "training_protocol".into(),
        format!(
            "epochs={} patch_num={} batch={} lr={} weight_decay=0.01 seed={} loss=plcc cosine",
            cfg.epochs, cfg.patch_num, cfg.batch_size, cfg.lr, cfg.seed
        ),
    );
    extra.insert("stopped_early".into(), trained.stopped_early.to_string());
    if let Some(init) = &args.init {
        extra.insert("init".into(), init.clone());
    }
    model
        .save(&args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    if !args.quiet {
        eprintln!(
            "glia: wrote {}{}",
            args.output.display(),
            if trained.stopped_early {
                " (stopped early: trained so far)"
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
