//! `glia report FOLDER -o report.html`: the folder's quality report as one HTML file to share.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Result, bail};
use clap::Args;
use glia_engine::Scorer;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Args)]
pub struct ReportArgs {
    /// The folder of photos (recursively).
    pub folder: PathBuf,
    /// Where to write the report (.html; images are embedded).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Draw the quality map of at most this many photos, the worst first (each takes a
    /// second or two on a CPU); the others are listed with their thumbnail.
    #[arg(long, default_value_t = 200)]
    pub max_maps: usize,
    #[command(flatten)]
    pub run: super::RunArgs,
}

pub fn run(args: ReportArgs) -> Result<ExitCode> {
    if !args.folder.is_dir() {
        bail!("{} is not a folder", args.folder.display());
    }
    if args.output.extension().and_then(|e| e.to_str()) != Some("html") {
        bail!(
            "the report is HTML: give it a .html file name ({})",
            args.output.display()
        );
    }
    let (device, model) = args.run.load()?;
    let scorer = Scorer::new(model, device);
    let bar = if args.run.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    if let Ok(style) = ProgressStyle::with_template("{spinner} {wide_bar} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    bar.set_message("scoring, then drawing quality maps");
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = cancel.clone();
        // Ctrl-C stops drawing maps and writes what is done.
        let _ = ctrlc::set_handler(move || cancel.store(true, Ordering::Relaxed));
    }
    let report = glia::report::build(
        &scorer,
        &args.folder,
        args.max_maps,
        &cancel,
        &mut |d, t| {
            bar.set_length(t as u64);
            bar.set_position(d as u64);
        },
    )?;
    bar.finish_and_clear();
    glia::report::write(&report, &args.output)?;
    for (path, reason) in &report.unreadable {
        eprintln!("glia: {}: skipped: {reason}", path.display());
    }
    if !args.run.quiet {
        eprintln!(
            "glia: wrote {} ({} photos, {} unreadable)",
            args.output.display(),
            report.photos.len(),
            report.unreadable.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}
