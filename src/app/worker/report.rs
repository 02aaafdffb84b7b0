//! The folder's HTML report (`crate::report`), written on a thread of its own with the model
//! in use; progress and the outcome go to the status line.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::{Event, State, spawn};

/// Quality maps drawn at most (the worst photos first), as `glia report`'s default.
const MAX_MAPS: usize = 200;

impl State {
    pub(super) fn report(&mut self, folder: PathBuf, dest: PathBuf) {
        self.report_cancel
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let cancel = Arc::new(AtomicBool::new(false));
        self.report_cancel = cancel.clone();
        let (slot, out) = (self.slot.clone(), self.out.clone());
        spawn("glia-report", move || {
            let outcome = slot
                .wait(&cancel)
                .ok_or_else(|| "cancelled".to_owned())
                .and_then(|m| {
                    let report =
                        crate::report::build(&m.scorer, &folder, MAX_MAPS, &cancel, &mut |d, t| {
                            out.send(Event::ReportProgress(d, t))
                        })
                        .map_err(|e| format!("{e:#}"))?;
                    crate::report::write(&report, &dest).map_err(|e| format!("{e:#}"))?;
                    Ok(dest)
                });
            out.send(Event::ReportDone(outcome));
        });
    }
}
