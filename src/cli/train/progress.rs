//! What every kind of training run shows while it runs: the progress bar, lines above it,
//! and Ctrl-C, which stops after the current step and keeps what was trained (while the tokens
//! are cached, before the first step, it stops at once and nothing is written).

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use glia_engine::train::trainer::Progress;
use indicatif::{ProgressBar, ProgressStyle};

/// The training progress bar: steps, the step's loss, ETA.
pub fn progress_bar(quiet: bool) -> Result<ProgressBar> {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {prefix} {pos}/{len} {msg} (ETA {eta})",
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

/// Counts the photos whose semantic tokens are cached, before the first step (minutes for a
/// large set on a CPU).
pub fn show_caching(bar: &ProgressBar, done: usize, total: usize, prefix: &str) {
    bar.set_prefix("photo");
    bar.set_length(total as u64);
    bar.set_position(done as u64);
    bar.set_message(format!("{prefix}caching semantic tokens"));
}

/// Moves the bar to a training step and shows its epoch and loss after `prefix`.
pub fn show_step(bar: &ProgressBar, p: &Progress, prefix: &str) {
    bar.set_prefix("step");
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

/// Nothing was trained, so nothing is written: an existing model or state at `output` stays.
pub fn stopped_before_training(output: &Path) -> ExitCode {
    eprintln!(
        "glia: stopped before the first step; {} was not written",
        output.display()
    );
    // 130: interrupted, as a shell reports Ctrl-C, so scripts do not take the run as done.
    ExitCode::from(130)
}
