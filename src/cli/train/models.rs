//! The model a training run starts from and the file it writes.

use anyhow::{Context, Result};
use glia_engine::train::data::Sample;
use glia_engine::{ComputeDevice, Model};

use super::args::TrainArgs;

pub fn start_model(args: &TrainArgs, device: &glia_engine::burn::tensor::Device) -> Result<Model> {
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
    Model::with_new_adapters(&backbone, args.seed, device)
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
    glia_engine::train::calibrate(&mut model, device, samples);
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
