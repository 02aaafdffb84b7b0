//! `glia bench --train`: samples/s of a training step (detail stream forward and backward
//! through the frozen backbone, AdamW update; semantic tokens cached as in real training)
//! and the process's peak memory, per device and batch size.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use glia_engine::train::data::Sample;
use glia_engine::train::trainer::{Event, TrainConfig, train};
use glia_engine::{ComputeDevice, Model};
use serde::Serialize;

#[derive(Serialize)]
pub struct TrainSpeed {
    pub device: String,
    pub batch_size: usize,
    pub steps_timed: usize,
    pub samples_per_s: f64,
    /// Peak resident memory of the process while this batch size ran (Linux only).
    pub peak_rss_mb: Option<f64>,
}

/// Peak RSS since the last reset, from /proc (None elsewhere).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Writing 5 to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Times `steps` training steps (after one warm-up step) at each batch size.
pub fn measure(
    model: &Model,
    dev: &ComputeDevice,
    photos: &[PathBuf],
    batch_sizes: &[usize],
    steps: usize,
) -> Result<Vec<TrainSpeed>> {
    // Made-up targets: only the cost of a step is measured, not what it learns.
    let samples: Vec<Sample> = photos
        .iter()
        .enumerate()
        .map(|(i, p)| Sample {
            path: p.clone(),
            score: (i * 37 % 100) as f64,
        })
        .collect();
    let mut out = Vec::new();
    for &batch_size in batch_sizes {
        reset_peak_rss();
        let cfg = TrainConfig {
            epochs: usize::MAX / 2,
            // Enough samplings that every epoch holds full batches, however few the photos.
            patch_num: (2 * batch_size).div_ceil(samples.len().max(1)),
            batch_size,
            ..Default::default()
        };
        let (mut timer, mut timed) = (None, 0);
        let mut elapsed = 0.0;
        let started = Instant::now();
        train(
            &model.net,
            &model.info.normalization,
            &samples,
            &cfg,
            &dev.device,
            None,
            &mut |e| {
                let Event::Step(p) = e else { return true };
                match timer {
                    // The first step warms up (allocations, autotune); time from its end.
                    None => timer = Some(Instant::now()),
                    Some(t) => {
                        timed += 1;
                        elapsed = t.elapsed().as_secs_f64();
                    }
                }
                // Each step's time on stderr, so a slow warm-up shows apart from the steady state.
                eprintln!(
                    "glia bench: batch {batch_size} step {}: {:.2} s since start",
                    p.step,
                    started.elapsed().as_secs_f64()
                );
                p.step <= steps
            },
        );
        out.push(TrainSpeed {
            device: dev.name.clone(),
            batch_size,
            steps_timed: timed,
            samples_per_s: (timed * batch_size) as f64 / elapsed.max(1e-9),
            peak_rss_mb: peak_rss_mb(),
        });
    }
    Ok(out)
}
