//! The arguments of `glia train` and the training config they make.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use glia_engine::DeviceChoice;
use glia_engine::damage::DamageKind;
use glia_engine::train::protocol::Variant;
use glia_engine::train::trainer::{RANK_MARGIN, TrainConfig};

#[derive(Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: crate::cli::DataArgs,
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
    /// Plan the cosine learning-rate decay over this many epochs and stop after --epochs
    /// (default: --epochs); e.g. `--epochs 5 --schedule-epochs 10` is the first half of a
    /// 10-epoch run.
    #[arg(long)]
    pub schedule_epochs: Option<usize>,
    /// Samplings of each photo per epoch (random flip and fragment offsets).
    #[arg(long, default_value_t = 5)]
    pub patch_num: usize,
    #[arg(long, default_value_t = 16)]
    pub batch_size: usize,
    #[arg(long, default_value_t = 3e-4)]
    pub lr: f64,
    /// Seeds everything random in a run: fresh adapters, the photo order, flips, fragments,
    /// rescaling, damage and dropout. The same seed and options train the same model.
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
    /// How far below its undamaged self each damaged copy must score, in the batch's standard
    /// deviations of predictions (0: only a copy scored above its original costs anything).
    #[arg(long, default_value_t = RANK_MARGIN, value_parser = margin)]
    pub rank_margin: f32,
    /// The kinds of damage the pairs draw from, comma-separated: defocus, motion, noise,
    /// chroma-noise, shadow-noise, jpeg, centre-defocus. Drawn evenly from the list, so a kind
    /// named twice comes twice as often; all kinds once when not given.
    #[arg(long, value_delimiter = ',')]
    pub damage_kinds: Vec<DamageKind>,
    /// Damage each copy as if it were a file up to this many times larger (a random factor
    /// from 1), then shrink it back: damage at a camera file's full size as the model sees
    /// it at its working resolution (faint noise, JPEG blocks shrunk to texture). 1: off.
    #[arg(long, default_value_t = 1.0, value_parser = enlarge)]
    pub damage_enlarge: f32,
    /// Damage ladders: each damaged copy also gets one damaged 1.5–3× harder (same kind),
    /// ranked below it, so more damage scores lower, not only damage below none.
    #[arg(long)]
    pub damage_ladder: bool,
    /// Each damaged photo also gets a sharpened copy (unsharp mask), ranked above the damaged
    /// copy and at most the margin below the photo, so that fine texture is not learnt as
    /// noise.
    #[arg(long)]
    pub sharpened_pairs: bool,
    /// Noise damage only where the photo is flat (sky, skin, walls), faded out where fine
    /// texture would hide it, so that texture is not learnt as noise.
    #[arg(long)]
    pub noise_where_flat: bool,
    /// Weight of a pairwise ranking loss on the opinion scores beside the PLCC loss (every
    /// pair of a batch ordered as its scores, as FAST-VQA and DOVER train); 0: off.
    #[arg(long, default_value_t = 0.0, value_parser = weight)]
    pub order_loss: f32,
    /// Where to train: cpu, gpu, or auto (a GPU if there is one).
    #[arg(long, default_value = "auto")]
    pub device: DeviceChoice,
    /// Go on with the run that writes --output from where it last kept its state, as if it
    /// had not stopped (same data and options; --epochs may be raised up to the planned
    /// schedule). Every run keeps its state in OUTPUT.resume/ until it has trained all it
    /// planned.
    #[arg(long, conflicts_with = "splits")]
    pub resume: bool,
    /// Keep the run's state after every epoch and, within an epoch, every this many minutes
    /// (0: after every batch), so a stopped or killed run loses at most that much.
    #[arg(long, default_value_t = 10.0, value_parser = minutes)]
    pub checkpoint_minutes: f64,
    #[arg(long, short)]
    pub quiet: bool,
}

impl TrainArgs {
    pub fn config(&self) -> TrainConfig {
        TrainConfig {
            epochs: self.epochs,
            schedule_epochs: self.schedule_epochs,
            patch_num: self.patch_num,
            batch_size: self.batch_size,
            lr: self.lr,
            weight_decay: 1e-2,
            seed: self.seed,
            rescale_min: self.rescale_min,
            damage_pairs: self.damage_pairs,
            rank_margin: self.rank_margin,
            damage_kinds: self.damage_kinds.clone(),
            damage_enlarge: self.damage_enlarge,
            damage_ladder: self.damage_ladder,
            sharpened_pairs: self.sharpened_pairs,
            noise_where_flat: self.noise_where_flat,
            order_weight: self.order_loss,
            checkpoint_every: Some(Duration::from_secs_f64(self.checkpoint_minutes * 60.0)),
            ..TrainConfig::default()
        }
    }

    pub fn protocol_line(&self) -> String {
        let c = self.config();
        let mut line = format!(
            "epochs={} patch_num={} batch={} lr={} weight_decay={} seed={} loss=plcc{} cosine",
            c.epochs,
            c.patch_num,
            c.batch_size,
            c.lr,
            c.weight_decay,
            c.seed,
            order_note(&c)
        );
        if let Some(planned) = c.schedule_epochs.filter(|&p| p > c.epochs) {
            line += &format!(" of {planned}");
        }
        if c.rescale_min < 1.0 {
            line += &format!(" rescale_min={}", c.rescale_min);
        }
        if c.damage_pairs > 0 {
            line += &format!(
                " damage_pairs={} rank_margin={}",
                c.damage_pairs, c.rank_margin
            );
            line += &damage_note(&c);
        }
        line
    }
}

/// The damage options that are not their defaults (` damage_kinds=a,b damage_enlarge=F
/// damage_ladder sharpened_pairs noise_where_flat`), for the protocol line and the run key:
/// nothing when all are defaults, so what ran before they existed keeps its description and
/// its kept state. All kinds in their usual order draw what no choice draws, so they count as
/// the default.
pub fn damage_note(c: &TrainConfig) -> String {
    let mut note = String::new();
    if !c.damage_kinds.is_empty() && c.damage_kinds != DamageKind::ALL {
        let names: Vec<_> = c.damage_kinds.iter().map(|k| k.name()).collect();
        note += &format!(" damage_kinds={}", names.join(","));
    }
    if c.damage_enlarge > 1.0 {
        note += &format!(" damage_enlarge={}", c.damage_enlarge);
    }
    if c.damage_ladder {
        note += " damage_ladder";
    }
    if c.sharpened_pairs {
        note += " sharpened_pairs";
    }
    if c.noise_where_flat {
        note += " noise_where_flat";
    }
    note
}

/// The ranking loss on the opinion scores, when on (`+0.3order`), for the protocol line and
/// the run key: nothing when off, so runs from before it existed keep their kept state.
pub fn order_note(c: &TrainConfig) -> String {
    if c.order_weight > 0.0 {
        format!("+{}order", c.order_weight)
    } else {
        String::new()
    }
}

fn weight(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(w) if w.is_finite() && (0.0..=10.0).contains(&w) => Ok(w),
        _ => Err(format!("`{text}` is not a loss weight between 0 and 10")),
    }
}

fn enlarge(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(f) if f.is_finite() && (1.0..=8.0).contains(&f) => Ok(f),
        _ => Err(format!("`{text}` is not an enlargement between 1 and 8")),
    }
}

fn margin(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(m) if m.is_finite() && (0.0..=10.0).contains(&m) => Ok(m),
        _ => Err(format!("`{text}` is not a margin between 0 and 10")),
    }
}

fn minutes(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(m) if m.is_finite() && (0.0..=1e6).contains(&m) => Ok(m),
        _ => Err(format!("`{text}` is not a number of minutes (0 or more)")),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        train: TrainArgs,
    }

    fn parse(extra: &[&str]) -> Result<TrainArgs, clap::Error> {
        let base = [
            "glia",
            "--data",
            "x.csv",
            "-o",
            "m.safetensors",
            "--damage-pairs",
            "4",
        ];
        Cli::try_parse_from(base.iter().chain(extra)).map(|c| c.train)
    }

    #[test]
    fn damage_options_are_named_only_when_chosen() {
        let plain = parse(&[]).unwrap();
        assert!(
            plain
                .protocol_line()
                .ends_with("damage_pairs=4 rank_margin=0.25")
        );
        let chosen = parse(&[
            "--damage-kinds",
            "noise,jpeg,noise",
            "--damage-enlarge",
            "4",
            "--damage-ladder",
            "--sharpened-pairs",
            "--noise-where-flat",
        ])
        .unwrap();
        assert!(
            chosen.protocol_line().ends_with(
                " damage_kinds=noise,jpeg,noise damage_enlarge=4 damage_ladder sharpened_pairs \
                 noise_where_flat"
            ),
            "{}",
            chosen.protocol_line()
        );
        let ordered = parse(&["--order-loss", "0.3"]).unwrap();
        assert!(
            ordered
                .protocol_line()
                .contains(" loss=plcc+0.3order cosine"),
            "{}",
            ordered.protocol_line()
        );
        assert!(plain.protocol_line().contains(" loss=plcc cosine"));
        assert!(parse(&["--order-loss", "-1"]).is_err());
        // All kinds in the usual order draw what no choice draws: the same run.
        let all = DamageKind::ALL.map(DamageKind::name).join(",");
        let every = parse(&["--damage-kinds", &all]).unwrap();
        assert_eq!(every.config().damage_kinds, DamageKind::ALL);
        assert_eq!(every.protocol_line(), plain.protocol_line());
        let err = parse(&["--damage-kinds", "noise,grain"])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("unknown damage kind \"grain\""), "{err}");
        assert!(parse(&["--damage-enlarge", "0.5"]).is_err());
    }
}
