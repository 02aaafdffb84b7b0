//! `glia train --resume`: the state a run leaves beside its output after every epoch
//! (`MODEL.safetensors.resume/`: the last epoch's weights, AdamW's state, where the sampler
//! stands), and taking it up again. A run with a longer schedule planned than it ran
//! (`--epochs 5 --schedule-epochs 10`) keeps it, to be taken on to the planned end later.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use glia_engine::Model;
use glia_engine::burn::optim::OptimizerRecord;
use glia_engine::train::resume::{Checkpoint, Resume};
use serde::{Deserialize, Serialize};

use super::args::TrainArgs;

#[derive(Serialize, Deserialize)]
struct State {
    epochs_done: usize,
    /// A u128 does not survive every JSON reader; kept as decimal text.
    rng_pos: String,
    best_loss: f64,
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
    format!(
        "data={} photos={photos} init={} planned_epochs={} patch_num={} batch={} lr={} \
         weight_decay={} seed={} rescale_min={} damage_pairs={}",
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

/// Writes the state after an epoch: into a staging folder first, which then replaces the
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
    let state = State {
        epochs_done: checkpoint.epochs_done,
        rng_pos: checkpoint.rng_pos.to_string(),
        best_loss: checkpoint.best_loss,
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
                 finished epoch)",
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
        epochs_done: state.epochs_done,
        rng_pos,
        best_loss: state.best_loss,
        net: model.net,
        optimizer,
    })
}
