//! What the GUI and the worker say to each other.

use std::path::PathBuf;
use std::sync::Arc;

use glia_catalog::{ExportMode, ExportOutcome, Labels, PhotoId, SidecarStyle};

use super::model_library::Named;
use super::model_slot::ModelKey;
use super::tuning::TuneEvent;

/// A photo as the folder walk found it, before it is read.
#[derive(Debug, Clone)]
pub struct Listed {
    pub path: PathBuf,
    pub size: u64,
    /// Modification time, seconds since the epoch (for sorting by date without EXIF).
    pub modified: i64,
    /// Why it cannot be read at all (unsupported type, unreadable entry).
    pub skip: Option<String>,
}

/// What the catalog knows of a photo once its content is identified.
#[derive(Debug, Clone)]
pub struct Identified {
    pub index: usize,
    pub outcome: Result<Known, String>,
}

#[derive(Debug, Clone)]
pub struct Known {
    pub id: PhotoId,
    pub labels: Labels,
    /// The score for the current model, when it was computed before.
    pub score: Option<f32>,
    /// The backbone's embedding (for grouping bursts), when it was computed before.
    pub embedding: Option<Embedding>,
    pub taken: Option<i64>,
}

/// A photo's unit-length embedding, shared between the GUI's photo list and grouping runs.
pub type Embedding = Arc<[f32]>;

/// What scoring a photo gave.
#[derive(Debug, Clone)]
pub struct Scored {
    pub score: f32,
    pub embedding: Embedding,
}

/// Group the open folder's photos: per photo (by index) its embedding (empty when it has
/// none yet), capture time and score.
pub struct GroupRequest {
    pub generation: u64,
    /// The GUI's count of requests: only the answer to the latest is applied.
    pub stamp: u64,
    pub rule: glia_engine::grouping::GroupRule,
    pub embeddings: Vec<Embedding>,
    pub times: Vec<Option<i64>>,
    pub scores: Vec<Option<f32>>,
}

/// Per photo: its group number and whether it is its group's best frame.
pub struct Grouped {
    pub generation: u64,
    pub stamp: u64,
    pub groups: Vec<usize>,
    pub best: Vec<bool>,
}

/// The viewer's map layers (the quality map, and each stream's attention with its sink
/// tokens suppressed), coloured (turbo) and rendered at the size the viewer draws them, so
/// the GUI only uploads them.
#[derive(Debug, Clone)]
pub struct Heat {
    pub width: u32,
    pub height: u32,
    /// RGBA, row-major.
    pub quality: Vec<u8>,
    pub vit: Vec<u8>,
    pub glia: Vec<u8>,
    /// The region that lowers the score most, as fractions of the photo `[x0, y0, x1, y1]`.
    pub worst: [f32; 4],
    pub score: f32,
    /// What the attention layers were made as: rollout (else last block), raw (else sinks
    /// suppressed).
    pub made_for: (bool, bool),
}

pub enum Command {
    Open(PathBuf),
    SetLabels {
        index: usize,
        path: PathBuf,
        id: PhotoId,
        labels: Labels,
    },
    Pause(bool),
    CancelScoring,
    /// Score these photos (index, path, id): the ones left when a run was cancelled.
    Score(Vec<(usize, PathBuf, PhotoId)>),
    Heatmap {
        index: usize,
        path: PathBuf,
        kind: glia_engine::attention::MapKind,
        sinks: glia_engine::attention::Sinks,
    },
    SidecarStyle(SidecarStyle),
    /// Fine-tune the model in use on these (photo, 0–100) ratings.
    StartTune {
        ratings: Vec<(PathBuf, f64)>,
        epochs: usize,
    },
    /// The answer to a CPU time estimate.
    ConfirmTune(bool),
    CancelTune,
    /// Keep the finished session's model under this name and switch to it.
    KeepTuned(String),
    DiscardTuned,
    /// Train the finished session's model further on the same ratings.
    ContinueTune {
        epochs: usize,
    },
    /// Switch models: a named model's file, or the shipped default (`None`).
    UseModel(Option<PathBuf>),
    ListModels,
    RenameModel {
        old: String,
        new: String,
    },
    DeleteModel(String),
    ExportModel {
        name: String,
        dest: PathBuf,
    },
    Export {
        paths: Vec<PathBuf>,
        dest: PathBuf,
        mode: ExportMode,
    },
    /// Write the HTML report of `folder` to `dest`.
    Report {
        folder: PathBuf,
        dest: PathBuf,
    },
    CancelReport,
    /// Group the photos into bursts (the answer to the latest request wins).
    Group(GroupRequest),
}

pub enum Event {
    ModelReady {
        model: ModelKey,
        device: String,
        reason: String,
    },
    ModelFailed(String),
    Listed {
        generation: u64,
        folder: PathBuf,
        photos: Vec<Listed>,
    },
    Identified {
        generation: u64,
        items: Vec<Identified>,
    },
    Scored {
        generation: u64,
        index: usize,
        outcome: Result<Scored, String>,
    },
    ScoringStopped {
        generation: u64,
    },
    Heatmap {
        index: usize,
        outcome: Result<Heat, String>,
    },
    Saved {
        index: usize,
        error: Option<String>,
    },
    Exported(Vec<ExportOutcome>),
    ExportProgress(usize, usize),
    /// Something the user should read (status line).
    Notice(String),
    /// The report: photos done of all, then where it was written (or why not).
    ReportProgress(usize, usize),
    ReportDone(Result<PathBuf, String>),
    Tune(TuneEvent),
    Models(Vec<Named>),
    Grouped(Grouped),
}
