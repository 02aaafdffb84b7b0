//! A fine-tuning session in the background: the engine's `train::session` (a seeded fifth
//! held out, adapters and head trained from the current model), reported step by step. On
//! the CPU the session measures its first steps and waits for the user to accept the
//! estimate before it goes on. Nothing replaces the model in use until the user keeps the
//! result.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};
use glia_engine::train::data::Sample;
use glia_engine::train::session::{SessionEvent, fine_tune, holdout};
use glia_engine::train::trainer::TrainConfig;
use glia_engine::{ComputeDevice, Model};

/// Share of the ratings held out to check the result, and the seed that picks them.
pub const HOLDOUT: f64 = 0.2;
pub const SEED: u64 = 0;

#[derive(Debug, Clone)]
pub enum TuneEvent {
    /// Which rated photos train and which are held out (names).
    Split {
        train: usize,
        held_out: Vec<String>,
    },
    /// CPU only: the measured time per step and the expected total; the session waits.
    Estimate {
        per_step: f64,
        total: f64,
    },
    Step {
        step: usize,
        steps: usize,
        epoch: usize,
        loss: f64,
        eta: f64,
    },
    Epoch {
        epoch: usize,
        loss: f64,
        srcc: f64,
        plcc: f64,
    },
    Finished(Finished),
    Failed(String),
}

/// How a session ended: agreement (SRCC, PLCC) with the held-out ratings before and after.
#[derive(Debug, Clone, Copy)]
pub struct Finished {
    pub before: (f64, f64),
    pub after: (f64, f64),
    pub cancelled: bool,
    pub photos: usize,
    pub held_out: usize,
}

/// A finished session's model, waiting for keep or discard.
pub struct Tuned {
    pub model: Model,
    pub samples: Vec<Sample>,
    pub held_out: usize,
    pub before: (f64, f64),
    pub after: (f64, f64),
}

pub type TunedSlot = Arc<Mutex<Option<Tuned>>>;

pub struct Session {
    pub cancel: Arc<AtomicBool>,
    pub confirm: Sender<bool>,
}

/// Steps timed before the CPU estimate is shown (the first one also warms caches).
const TIMED_STEPS: usize = 3;

pub fn config(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        patch_num: 3,
        batch_size: 8,
        lr: 3e-4,
        weight_decay: 1e-2,
        seed: SEED,
        ..TrainConfig::default()
    }
}

#[allow(clippy::too_many_arguments)]
pub fn run(
    start: Model,
    device: ComputeDevice,
    samples: Vec<Sample>,
    epochs: usize,
    cancel: Arc<AtomicBool>,
    confirm: Receiver<bool>,
    slot: TunedSlot,
    send: impl Fn(TuneEvent),
) {
    let split = match holdout(&samples, HOLDOUT, SEED) {
        Ok(s) => s,
        Err(e) => return send(TuneEvent::Failed(e.to_string())),
    };
    send(TuneEvent::Split {
        train: split.train.len(),
        held_out: split
            .validation
            .iter()
            .map(|s| {
                s.path
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
            })
            .collect(),
    });
    let cfg = config(epochs);
    let mut timer: Option<Instant> = None;
    let mut asked = device.is_gpu();
    let started = Instant::now();
    let outcome = fine_tune(&start, &device, &samples, HOLDOUT, &cfg, &mut |e| {
        if cancel.load(Ordering::Relaxed) {
            return false;
        }
        match e {
            // A few dozen photos: seconds, with the cancel check above still answering.
            SessionEvent::Caching { .. } => {}
            SessionEvent::Step(p) => {
                // Time from the end of the first step, so caching is not counted.
                if p.step == 1 {
                    timer = Some(Instant::now());
                }
                let per_step = timer
                    .filter(|_| p.step > 1)
                    .map(|t| t.elapsed().as_secs_f64() / (p.step - 1) as f64);
                if !asked && p.step > TIMED_STEPS {
                    asked = true;
                    if let Some(s) = per_step {
                        send(TuneEvent::Estimate {
                            per_step: s,
                            total: s * p.steps as f64 + started.elapsed().as_secs_f64(),
                        });
                        // Blocks this thread only; a closed channel counts as "no".
                        if !confirm.recv().unwrap_or(false) {
                            return false;
                        }
                    }
                }
                let eta = per_step.map_or(f64::NAN, |s| s * (p.steps - p.step) as f64);
                send(TuneEvent::Step {
                    step: p.step,
                    steps: p.steps,
                    epoch: p.epoch,
                    loss: p.loss,
                    eta,
                });
            }
            SessionEvent::Epoch {
                epoch,
                mean_loss,
                validation,
            } => send(TuneEvent::Epoch {
                epoch,
                loss: mean_loss,
                srcc: validation.srcc,
                plcc: validation.plcc,
            }),
        }
        !cancel.load(Ordering::Relaxed)
    });
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => return send(TuneEvent::Failed(e.to_string())),
    };
    let before = (outcome.before.srcc, outcome.before.plcc);
    let after = (outcome.after.srcc, outcome.after.plcc);
    let cancelled = outcome.cancelled || cancel.load(Ordering::Relaxed);
    let held_out = outcome.holdout.validation.len();
    if !cancelled {
        let mut model = outcome.model;
        // Scores on the user's own scale (stars × 20), like the shipped model's on LIVEC's.
        glia_engine::train::calibrate(&mut model, &device, &samples);
        *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(Tuned {
            model,
            samples: samples.clone(),
            held_out,
            before,
            after,
        });
    }
    send(TuneEvent::Finished(Finished {
        before,
        after,
        cancelled,
        photos: samples.len(),
        held_out,
    }));
}

/// The rating a photo's labels stand for, on 0–100: stars × 20; a pick without stars 80,
/// a reject 0; `None` for a photo with neither.
pub fn target(labels: glia_catalog::Labels) -> Option<f64> {
    use glia_catalog::Flag;
    match (labels.flag, labels.rating) {
        (Flag::Reject, _) => Some(0.0),
        (_, r) if r > 0 => Some(f64::from(r) * 20.0),
        (Flag::Pick, _) => Some(80.0),
        _ => None,
    }
}

pub fn samples(rated: impl IntoIterator<Item = (PathBuf, f64)>) -> Vec<Sample> {
    rated
        .into_iter()
        .map(|(path, score)| Sample { path, score })
        .collect()
}

impl super::State {
    /// Starts a session from `start` (the model in use when `None`).
    pub(super) fn start_tune(&mut self, start: Option<Model>, samples: Vec<Sample>, epochs: usize) {
        let Some(current) = self.slot.get() else {
            self.out
                .send(super::Event::Notice("the model is still loading".into()));
            return;
        };
        if let Some(old) = self.tune.take() {
            old.cancel.store(true, Ordering::Relaxed);
        }
        let device = current.scorer.device().clone();
        let start = start.unwrap_or_else(|| current.scorer.model().clone());
        let cancel = Arc::new(AtomicBool::new(false));
        let (confirm_tx, confirm_rx) = crossbeam_channel::unbounded();
        self.tune = Some(Session {
            cancel: cancel.clone(),
            confirm: confirm_tx,
        });
        let (out, slot) = (self.out.clone(), self.tuned.clone());
        super::spawn("glia-finetune", move || {
            run(
                start,
                device,
                samples,
                epochs,
                cancel,
                confirm_rx,
                slot,
                |e| out.send(super::Event::Tune(e)),
            );
        });
    }

    /// Saves the finished session's model under `name` in the user's model library, with
    /// its card, and switches to it.
    pub(super) fn keep_tuned(&mut self, name: &str) -> anyhow::Result<()> {
        use super::model_library::{Card, check_name, model_path, write_card};
        use anyhow::Context;
        check_name(name)?;
        let dir = self.opts.paths.models.clone();
        let path = model_path(&dir, name);
        anyhow::ensure!(!path.exists(), "a model named {name:?} exists already");
        let tuned = self
            .tuned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .context("no finished session to keep")?;
        let base = self.slot.get().map(|m| m.key);
        std::fs::create_dir_all(&dir)?;
        let mut model = tuned.model;
        let extra = &mut model.info.extra;
        extra.insert(
            "base".into(),
            base.as_ref().map_or_else(String::new, |k| k.catalog_key()),
        );
        extra.insert("training_samples".into(), tuned.samples.len().to_string());
        model.save(&path)?;
        let created = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        write_card(
            &dir,
            &Card {
                name: name.to_owned(),
                base: base.map_or_else(String::new, |k| k.name),
                photos: tuned.samples.len(),
                held_out: tuned.held_out,
                created,
                before: tuned.before,
                after: tuned.after,
            },
        )?;
        self.use_model(Some(path));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::target;
    use glia_catalog::{Flag, Labels};

    #[test]
    fn labels_map_to_targets() {
        let l = |rating, flag| Labels { rating, flag };
        assert_eq!(target(l(0, Flag::None)), None);
        assert_eq!(target(l(3, Flag::None)), Some(60.0));
        assert_eq!(target(l(5, Flag::Pick)), Some(100.0));
        assert_eq!(target(l(0, Flag::Pick)), Some(80.0));
        assert_eq!(target(l(4, Flag::Reject)), Some(0.0));
    }
}
