//! The command-line interface: one module per subcommand.

pub mod bench;
pub mod bench_train;
pub mod check;
pub mod eval;
pub mod heatmap;
pub mod report;
pub mod score;
pub mod train;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use glia_engine::train::data::{Columns, Dataset, load_csv};
use glia_engine::{ComputeDevice, DeviceChoice, Model, device};

/// A CSV of photos and opinion scores, as `train` and `eval` take it.
#[derive(Args)]
pub struct DataArgs {
    /// CSV of image paths (relative to the CSV, or absolute) and opinion scores.
    #[arg(long)]
    pub data: PathBuf,
    /// Column with the image paths.
    #[arg(long, default_value = "image")]
    pub image_column: String,
    /// Column with the opinion scores (higher = better).
    #[arg(long, default_value = "mos")]
    pub score_column: String,
}

impl DataArgs {
    /// Loads the CSV, lists each skipped row on stderr, and requires `min_rows` usable rows
    /// (`purpose` says what for, in the error).
    pub fn load(&self, min_rows: usize, purpose: &str) -> Result<Dataset> {
        let columns = Columns {
            image: self.image_column.clone(),
            score: self.score_column.clone(),
        };
        let data = load_csv(&self.data, &columns)?;
        for (line, reason) in &data.skipped {
            eprintln!("glia: {}:{line}: skipped: {reason}", self.data.display());
        }
        if data.samples.len() < min_rows {
            bail!(
                "{} has {} usable rows; {purpose} needs at least {min_rows}",
                self.data.display(),
                data.samples.len()
            );
        }
        Ok(data)
    }
}

/// Options every command that runs the model shares.
#[derive(Args)]
pub struct RunArgs {
    /// Where the model runs: auto (a GPU if there is one), gpu, or cpu.
    #[arg(long, default_value = "auto")]
    pub device: DeviceChoice,
    /// Model: a .safetensors file or a saved model's name; the shipped default when omitted.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Backbone weights (timm ViT .safetensors), when the model's own cannot be found.
    #[arg(long)]
    pub backbone: Option<PathBuf>,
    /// No device line and no progress bar on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

impl RunArgs {
    /// Starts the device (saying which and why) and loads the model on it.
    pub fn load(&self) -> Result<(ComputeDevice, Model)> {
        let device = pick_device(self.device, self.quiet)?;
        let model = glia::models::load(
            self.model.as_deref(),
            self.backbone.as_deref(),
            &device.device,
        )?;
        Ok((device, model))
    }
}

/// Picks the device and says on stderr which one and why.
pub fn pick_device(choice: DeviceChoice, quiet: bool) -> Result<ComputeDevice> {
    let d = device::select(choice).context("cannot start the requested device")?;
    if !quiet {
        eprintln!("glia: running on {} — {}", d.name, d.reason);
    }
    Ok(d)
}
