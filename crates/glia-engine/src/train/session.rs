//! A fine-tuning session (docs/model.md §4): a user's few dozen ratings teach a model their taste.
//! A seeded fifth of the ratings is held out; the model is scored on it before and after, and
//! after every epoch, so the user sees whether it learned their taste or only their photos.

use super::data::{Sample, Skipped};
use super::metrics::{Metrics, evaluate};
use super::predict::predict;
use super::splits::split_counted;
use super::trainer::{Event, Progress, TrainConfig, train};
use crate::{ComputeDevice, Model};

/// Fewer rated photos than this cannot both train and validate.
pub const MIN_RATINGS: usize = 12;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SessionError {
    #[error(
        "{found} rated photos is too few to learn from: rate at least {MIN_RATINGS} (a fifth is kept aside to check the result)"
    )]
    TooFew { found: usize },
    #[error(
        "all rated photos have the same rating, so there is no preference to learn: rate some photos higher or lower than others"
    )]
    AllEqual,
    #[error(
        "too few of the held-out photos could be read to check the result ({readable} of {held_out})"
    )]
    Unreadable { readable: usize, held_out: usize },
}

/// The ratings split into what trains and what checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Holdout {
    pub train: Vec<Sample>,
    pub validation: Vec<Sample>,
}

/// Holds out `fraction` of `samples` (at least 3 photos), seeded; refuses what cannot work.
pub fn holdout(samples: &[Sample], fraction: f64, seed: u64) -> Result<Holdout, SessionError> {
    if samples.len() < MIN_RATINGS {
        return Err(SessionError::TooFew {
            found: samples.len(),
        });
    }
    let first = samples[0].score;
    if samples.iter().all(|s| s.score == first) {
        return Err(SessionError::AllEqual);
    }
    let n = samples.len();
    let n_val = ((n as f64 * fraction).round() as usize).clamp(3, n - 3);
    let s = split_counted(n, n - n_val, seed);
    let pick = |idx: &[usize]| idx.iter().map(|&i| samples[i].clone()).collect();
    Ok(Holdout {
        train: pick(&s.train),
        validation: pick(&s.test),
    })
}

/// What a session reports as it runs.
pub enum SessionEvent {
    /// `done` of `total` training photos prepared, before the first step.
    Caching {
        done: usize,
        total: usize,
    },
    Step(Progress),
    /// An epoch finished: its mean training loss and the model's agreement with the held-out
    /// ratings now.
    Epoch {
        epoch: usize,
        mean_loss: f64,
        validation: Metrics,
    },
}

/// A finished (or cancelled) session. The start model is untouched either way.
pub struct Outcome {
    pub model: Model,
    pub holdout: Holdout,
    pub before: Metrics,
    pub after: Metrics,
    pub cancelled: bool,
    /// Steps trained: 0 when cancelled before the first (`model` is then the start model).
    pub steps: usize,
    pub skipped: Skipped,
}

/// Fine-tunes `start` on `samples` with a seeded `holdout_fraction` kept aside.
pub fn fine_tune(
    start: &Model,
    device: &ComputeDevice,
    samples: &[Sample],
    holdout_fraction: f64,
    cfg: &TrainConfig,
    on_event: &mut dyn FnMut(SessionEvent) -> bool,
) -> Result<Outcome, SessionError> {
    let split = holdout(samples, holdout_fraction, cfg.seed)?;
    let validate = |model: Model| {
        let (pred, mos, skipped) = predict(model, device, &split.validation);
        if pred.len() < 3 {
            return Err(SessionError::Unreadable {
                readable: pred.len(),
                held_out: split.validation.len(),
            });
        }
        Ok((evaluate(&pred, &mos), skipped))
    };
    let (before, mut skipped) = validate(start.clone())?;
    let mut failed = None;
    let trained = train(
        &start.net,
        &start.info.normalization,
        &split.train,
        &TrainConfig {
            detail_scale: start.info.detail_scale,
            ..cfg.clone()
        },
        &device.device,
        None,
        &mut |e| match e {
            Event::Caching { done, total } => on_event(SessionEvent::Caching { done, total }),
            Event::Step(p) => on_event(SessionEvent::Step(p)),
            Event::Midway { .. } => true,
            Event::Epoch {
                epoch,
                mean_loss,
                net,
                ..
            } => match validate(Model {
                net: net.clone(),
                ..start.clone()
            }) {
                Ok((validation, _)) => on_event(SessionEvent::Epoch {
                    epoch,
                    mean_loss,
                    validation,
                }),
                Err(e) => {
                    failed = Some(e);
                    false
                }
            },
        },
    );
    if let Some(e) = failed {
        return Err(e);
    }
    skipped.extend(trained.skipped);
    let model = Model {
        net: trained.net,
        ..start.clone()
    };
    let (after, _) = validate(model.clone())?;
    Ok(Outcome {
        model,
        holdout: split,
        before,
        after,
        cancelled: trained.stopped_early,
        steps: trained.steps,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(scores: &[f64]) -> Vec<Sample> {
        scores
            .iter()
            .enumerate()
            .map(|(i, &score)| Sample {
                path: format!("{i}.jpg").into(),
                score,
            })
            .collect()
    }

    #[test]
    fn too_few_or_equal_ratings_are_refused_with_a_reason() {
        let few = samples(&[1.0; 11]);
        assert_eq!(
            holdout(&few, 0.2, 0),
            Err(SessionError::TooFew { found: 11 })
        );
        let equal = samples(&[3.0; 20]);
        assert_eq!(holdout(&equal, 0.2, 0), Err(SessionError::AllEqual));
        assert!(SessionError::AllEqual.to_string().contains("same rating"));
    }

    #[test]
    fn a_seeded_fifth_is_held_out() {
        let s = samples(&(0..50).map(f64::from).collect::<Vec<_>>());
        let h = holdout(&s, 0.2, 7).unwrap();
        assert_eq!((h.train.len(), h.validation.len()), (40, 10));
        assert!(h.validation.iter().all(|v| !h.train.contains(v)));
        assert_eq!(h, holdout(&s, 0.2, 7).unwrap());
        assert_ne!(h.validation, holdout(&s, 0.2, 8).unwrap().validation);
        // Twelve ratings still keep three aside.
        let twelve = holdout(&s[..12], 0.2, 7).unwrap();
        assert_eq!(twelve.validation.len(), 3);
    }
}
