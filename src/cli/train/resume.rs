//! `glia train --resume`: the state a run leaves beside its output after every epoch and
//! every `--checkpoint-minutes` within one (`MODEL.safetensors.resume/`: the weights, AdamW's
//! state, how far the run had got), and taking it up again. A run with a longer schedule planned than it ran
//! (`--epochs 5 --schedule-epochs 10`) keeps it, to be taken on to the planned end later.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use glia_engine::Model;
use glia_engine::burn::optim::OptimizerRecord;
use glia_engine::train::resume::{Checkpoint, Position, Resume};
use glia_engine::train::trainer::RANK_MARGIN;
use serde::{Deserialize, Serialize};

use super::args::{TrainArgs, damage_note, order_note};

#[derive(Serialize, Deserialize)]
struct State {
    epochs_done: usize,
    /// Batches of the epoch under way already trained; states from before it was kept
    /// ended on an epoch.
    #[serde(default)]
    batches: usize,
    #[serde(default)]
    steps: Option<usize>,
    /// A u128 does not survive every JSON reader; kept as decimal text.
    rng_pos: String,
    #[serde(default)]
    loss_sum: f64,
    #[serde(default)]
    loss_n: usize,
    /// NaN (no epoch finished yet) is written as null.
    #[serde(default)]
    best_loss: Option<f64>,
    /// What must not change between the run and its resumption.
    run: String,
}

/// The folder beside `output` that holds its run's state.
pub fn dir(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".resume");
    PathBuf::from(name)
}

/// The folder a new state is written to before it replaces the old one.
fn staging(output: &Path) -> PathBuf {
    let mut name = dir(output).into_os_string();
    name.push("-new");
    PathBuf::from(name)
}

/// Everything that shapes the steps of a run but `--epochs` (a run may be taken further
/// along the schedule it planned).
pub fn run_key(args: &TrainArgs, photos: usize) -> String {
    let c = args.config();
    // Named only when not the default, so states kept before the option existed still match.
    let margin = if c.rank_margin == RANK_MARGIN {
        String::new()
    } else {
        format!(" rank_margin={}", c.rank_margin)
    };
    let damage = damage_note(&c);
    let order = match order_note(&c) {
        note if note.is_empty() => note,
        note => format!(" loss=plcc{note}"),
    };
    format!(
        "data={} photos={photos} init={} planned_epochs={} patch_num={} batch={} lr={} \
         weight_decay={} seed={} rescale_min={} damage_pairs={}{margin}{damage}{order}",
        args.data.data.display(),
        args.init.as_deref().unwrap_or("fresh"),
        c.planned_epochs(),
        c.patch_num,
        c.batch_size,
        c.lr,
        c.weight_decay,
        c.seed,
        c.rescale_min,
        c.damage_pairs
    )
}

/// Writes the state: into a staging folder first, which then replaces the
/// old state, so a run killed mid-write still has one whole state to resume from.
pub fn save(output: &Path, model: Model, checkpoint: &Checkpoint<'_>, run: &str) -> Result<()> {
    let (target, new) = (dir(output), staging(output));
    if new.exists() {
        std::fs::remove_dir_all(&new).with_context(|| format!("cannot clear {}", new.display()))?;
    }
    std::fs::create_dir_all(&new).with_context(|| format!("cannot create {}", new.display()))?;
    model.save(&new.join("net.safetensors"))?;
    checkpoint
        .optimizer()
        .save(new.join("optimizer.bpk"))
        .map_err(|e| anyhow::anyhow!("cannot write the optimizer state: {e:?}"))?;
    let at = &checkpoint.at;
    let state = State {
        epochs_done: at.epochs_done,
        batches: at.batches,
        steps: at.steps,
        rng_pos: at.rng_pos.to_string(),
        loss_sum: at.loss_sum,
        loss_n: at.loss_n,
        best_loss: Some(checkpoint.best_loss).filter(|b| b.is_finite()),
        run: run.to_owned(),
    };
    std::fs::write(new.join("state.json"), serde_json::to_vec_pretty(&state)?)?;
    if target.exists() {
        std::fs::remove_dir_all(&target)
            .with_context(|| format!("cannot replace {}", target.display()))?;
    }
    std::fs::rename(&new, &target).with_context(|| format!("cannot write {}", target.display()))
}

/// Drops the state once the run it belongs to has nothing left to do.
pub fn remove(output: &Path) {
    for d in [dir(output), staging(output)] {
        if d.exists() {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// The state `--resume` goes on from.
pub fn load(
    output: &Path,
    run: &str,
    backbone: Option<&Path>,
    device: &glia_engine::burn::tensor::Device,
) -> Result<Resume> {
    // A run killed between clearing the old state and renaming the new one left the new.
    let d = [dir(output), staging(output)]
        .into_iter()
        .find(|d| d.join("state.json").is_file())
        .with_context(|| {
            format!(
                "nothing to resume: {} holds no training state (a run leaves it after each \
                 finished epoch and every --checkpoint-minutes)",
                dir(output).display()
            )
        })?;
    let text = std::fs::read(d.join("state.json"))
        .with_context(|| format!("cannot read {}", d.display()))?;
    let state: State = serde_json::from_slice(&text)
        .with_context(|| format!("{}: not a training state", d.display()))?;
    if state.run != run {
        bail!(
            "{} belongs to another run; resume with the same data and options but --epochs.\n  \
             it was: {}\n  now:    {run}",
            d.display(),
            state.run
        );
    }
    let rng_pos = state
        .rng_pos
        .parse()
        .with_context(|| format!("{}: bad sampler position", d.display()))?;
    let model = glia::models::load(Some(&d.join("net.safetensors")), backbone, device)?;
    let optimizer = OptimizerRecord::load(d.join("optimizer.bpk"))
        .map_err(|e| anyhow::anyhow!("{}: cannot read the optimizer state: {e:?}", d.display()))?;
    Ok(Resume {
        at: Position {
            epochs_done: state.epochs_done,
            batches: state.batches,
            steps: state.steps,
            rng_pos,
            loss_sum: state.loss_sum,
            loss_n: state.loss_n,
        },
        best_loss: state.best_loss.unwrap_or(f64::NAN),
        net: model.net,
        optimizer,
    })
}
