//! Rating and flagging, and undoing it: every change (one key press, or "keep the best of
//! each group" over a whole folder) is one step of the undo history. Changes show at once
//! and the worker saves them to the catalog and the XMP sidecar.

use glia_catalog::Labels;

use super::GliaApp;
use super::worker::Command;

/// Steps kept; older ones are forgotten.
const UNDO_STEPS: usize = 200;

/// One undoable change: each photo's labels before it.
pub type UndoStep = Vec<(usize, Labels)>;

impl GliaApp {
    /// Changes one photo's labels (one undo step).
    pub fn set_labels(&mut self, index: usize, change: impl FnOnce(&mut Labels)) {
        let Some(p) = self.shoot.photos.get(index) else {
            return;
        };
        let mut labels = p.labels;
        change(&mut labels);
        self.change_labels(&[(index, labels)]);
    }

    /// Sets these photos' labels as one undo step; photos that cannot be labelled yet are
    /// skipped with a message. Returns how many changed.
    pub fn change_labels(&mut self, changes: &[(usize, Labels)]) -> usize {
        let step = self.write_labels(changes);
        let n = step.len();
        if n > 0 {
            self.undo.push(step);
            if self.undo.len() > UNDO_STEPS {
                self.undo.remove(0);
            }
        }
        n
    }

    /// Undoes the last change (Ctrl+Z).
    pub fn undo(&mut self) {
        match self.undo.pop() {
            Some(step) => {
                let n = self.write_labels(&step).len();
                self.status = format!(
                    "Undone: the labels of {n} photo{} are back",
                    if n == 1 { "" } else { "s" }
                );
            }
            None => self.status = "Nothing to undo.".into(),
        }
    }

    /// Applies and sends the changes; returns each changed photo's labels before.
    fn write_labels(&mut self, changes: &[(usize, Labels)]) -> UndoStep {
        let mut before = Vec::with_capacity(changes.len());
        for &(index, labels) in changes {
            let Some(p) = self.shoot.photos.get_mut(index) else {
                continue;
            };
            if p.problem.is_some() {
                self.status = format!("{} cannot be read, so it cannot be rated", p.name);
                continue;
            }
            let Some(id) = p.id.clone() else {
                self.status = format!("{} is still being read; rate it in a moment", p.name);
                continue;
            };
            if p.labels == labels {
                continue;
            }
            before.push((index, p.labels));
            p.labels = labels;
            self.worker.send(Command::SetLabels {
                index,
                path: p.path.clone(),
                id,
                labels,
            });
        }
        // Keep the order as it is while culling: a filter that would hide the photo
        // applies when the user moves on (the next rebuild).
        self.shoot.dirty = self.settings.view.filters();
        self.shoot.version += 1;
        before
    }
}
