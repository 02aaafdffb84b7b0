//! `glia`: photo quality review with GLIANet. Subcommands give the engine to scripts.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "glia",
    version,
    about = "Tells photographers which of their photos are good (GLIANet image quality)"
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Folder to open in the app.
    folder: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Score photos (files and folders, recursively) from 0 (poor) to 100 (excellent).
    Score(cli::score::ScoreArgs),
    /// Draw why a photo scored as it did: the quality map and attention heatmaps (paper Figure 3).
    Heatmap(cli::heatmap::HeatmapArgs),
    /// Agreement with opinion scores: SRCC, PLCC (after the 4-parameter logistic fit), KRCC, RMSE.
    Eval(cli::eval::EvalArgs),
    /// Train GLIANet's adapters and head on a CSV of photos and opinion scores.
    // Boxed: its many options would make every command as large.
    Train(Box<cli::train::TrainArgs>),
    /// Measure images/s of the model forward and of end-to-end scoring on each device.
    Bench(cli::bench::BenchArgs),
    /// Check the model's judgement on your photos: score drift with file size, damage ladders.
    Check(cli::check::CheckArgs),
    /// Write a folder's quality report (one HTML file: histogram, photos worst first with
    /// their quality maps, unreadable files).
    Report(cli::report::ReportArgs),
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Some(Command::Score(a)) => cli::score::run(a),
        Some(Command::Bench(a)) => cli::bench::run(a),
        Some(Command::Train(a)) => cli::train::run(*a),
        Some(Command::Eval(a)) => cli::eval::run(a),
        Some(Command::Heatmap(a)) => cli::heatmap::run(a),
        Some(Command::Check(a)) => cli::check::run(a),
        Some(Command::Report(a)) => cli::report::run(a),
        None => glia::app::run(glia::app::Launch {
            folder: args.folder,
            ..Default::default()
        })
        .map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("glia: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
