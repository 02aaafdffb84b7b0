//! The open folder as the app holds it: its photos, the order they are shown in, the
//! selection, and how far scoring got. Every change bumps `version`, so what is derived from
//! the photos (the export window's count, the tuning window's hold-out) is recomputed when
//! they change, not on every frame.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::photos::{Photo, View};
use super::stacks::Stacks;

/// Scoring progress of the open folder.
#[derive(Default)]
pub struct Scoring {
    pub running: bool,
    pub paused: bool,
}

pub struct Shoot {
    pub folder: Option<PathBuf>,
    /// The worker's count of folder openings: events of an older one are dropped.
    pub generation: u64,
    pub photos: Vec<Photo>,
    /// Display order (indices into `photos`), rebuilt at once when `dirty`, within a moment
    /// when `stale`.
    pub order: Vec<usize>,
    pub dirty: bool,
    pub stale: bool,
    sorted_at: Instant,
    /// Index into `photos` of the selected photo.
    pub selected: Option<usize>,
    /// Scroll the grid so the selection shows.
    pub reveal: bool,
    pub scoring: Scoring,
    /// Photos the model scored in this session (the rest came from the catalog's cache).
    pub scored_now: usize,
    /// A photo to show in the viewer once its folder is listed.
    pub open_photo: Option<PathBuf>,
    pub version: u64,
    /// Bursts: the latest grouping, and which stacks are open.
    pub stacks: Stacks,
}

impl Default for Shoot {
    fn default() -> Self {
        Self {
            folder: None,
            generation: 0,
            photos: Vec::new(),
            order: Vec::new(),
            dirty: false,
            stale: false,
            sorted_at: Instant::now(),
            selected: None,
            reveal: false,
            scoring: Scoring::default(),
            scored_now: 0,
            open_photo: None,
            version: 0,
            stacks: Stacks::default(),
        }
    }
}

impl Shoot {
    /// The user changed something the order depends on: re-sort at once.
    pub fn mark_dirty(&mut self) {
        self.dirty = true;
        self.version += 1;
    }

    /// Background news (an identification, a score): re-sort within a moment.
    pub fn mark_stale(&mut self) {
        self.stale = true;
        self.version += 1;
    }

    /// Position of the selected photo in the display order.
    pub fn selected_pos(&self) -> Option<usize> {
        let sel = self.selected?;
        self.order.iter().position(|&i| i == sel)
    }

    /// Photos that can still be scored, and all photos that could be.
    pub fn progress(&self) -> (usize, usize) {
        let scorable = self.photos.iter().filter(|p| p.problem.is_none()).count();
        let done = self
            .photos
            .iter()
            .filter(|p| p.problem.is_none() && p.score.is_some())
            .count();
        (done, scorable)
    }

    /// Rebuilds the order when due. Scores stream in, and re-sorting a large folder on every
    /// one would cost frames, so background changes re-sort a few times a second and the
    /// user's own at once. With `stacked`, each burst shows as one stack. Returns when to
    /// look again, if a re-sort is pending.
    pub fn resort(&mut self, view: &View, stacked: bool) -> Option<Duration> {
        let due = self.stale && self.sorted_at.elapsed() > Duration::from_millis(400);
        if self.dirty || due {
            let order = view.order(&self.photos);
            self.order = if stacked {
                self.stacks.arrange(&order)
            } else {
                self.stacks.unstack();
                order
            };
            self.dirty = false;
            self.stale = false;
            self.sorted_at = Instant::now();
            self.version += 1;
            if self.selected.is_none() {
                self.selected = self.order.first().copied();
            }
        }
        self.stale.then_some(Duration::from_millis(450))
    }
}
