//! The model in use: loaded once on a thread of its own (the one load path, for the start
//! and for every switch), shared with scoring runs that start before it is ready.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use glia_engine::{ComputeDevice, Scorer};

use super::{Event, Out, spawn};

/// Which model scores are cached under in the catalog: the model file's name and the start
/// of its content hash, so a retrained file of the same name never reuses old scores.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModelKey {
    pub name: String,
    pub hash: String,
}

impl ModelKey {
    pub fn of_file(path: &Path) -> anyhow::Result<Self> {
        let hash = glia_catalog::hash_file(path)?;
        let name = path
            .file_stem()
            .map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
        Ok(Self {
            name,
            hash: hash.0[..16.min(hash.0.len())].to_owned(),
        })
    }

    /// The catalog's key, `name@hash` (the format existing catalogs hold).
    pub fn catalog_key(&self) -> String {
        format!("{}@{}", self.name, self.hash)
    }
}

#[derive(Clone)]
pub struct ModelState {
    pub scorer: Scorer,
    pub key: ModelKey,
}

#[derive(Clone, Default)]
pub struct ModelSlot(Arc<(Mutex<Option<ModelState>>, Condvar)>);

impl ModelSlot {
    fn set(&self, state: ModelState) {
        let (lock, cv) = &*self.0;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) = Some(state);
        cv.notify_all();
    }

    pub fn get(&self) -> Option<ModelState> {
        self.0.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits for the model; `None` when `cancel` is set first.
    pub fn wait(&self, cancel: &AtomicBool) -> Option<ModelState> {
        let (lock, cv) = &*self.0;
        let mut guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(m) = guard.as_ref() {
                return Some(m.clone());
            }
            if cancel.load(Ordering::Relaxed) {
                return None;
            }
            guard = cv
                .wait_timeout(guard, Duration::from_millis(100))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Loads `model` (the shipped default when `None`) on `device` in the background and
    /// makes it the one that scores. `device` is chosen on that thread at the start
    /// (`Err(choice)`), and reused for a switch (`Ok(device)`). Reports `ModelReady`, or a
    /// failure: `ModelFailed` when there was no model yet, a notice when a switch failed
    /// (the previous model stays).
    pub fn load(
        &self,
        model: Option<PathBuf>,
        device: Result<ComputeDevice, glia_engine::DeviceChoice>,
        out: &Out,
    ) {
        let (slot, out) = (self.clone(), out.clone());
        spawn("glia-model", move || {
            let first = device.is_err();
            let loaded = (|| -> anyhow::Result<ModelState> {
                let device = match device {
                    Ok(d) => d,
                    Err(choice) => glia_engine::device::select(choice)?,
                };
                let file = crate::models::resolve(model.as_deref())?;
                let net = crate::models::load(Some(&file), None, &device.device)?;
                Ok(ModelState {
                    key: ModelKey::of_file(&file)?,
                    scorer: Scorer::new(net, device),
                })
            })();
            match loaded {
                Ok(state) => {
                    let d = state.scorer.device();
                    let ready = Event::ModelReady {
                        model: state.key.clone(),
                        device: d.name.clone(),
                        reason: d.reason.clone(),
                    };
                    slot.set(state);
                    out.send(ready);
                }
                Err(e) if first => out.send(Event::ModelFailed(format!("{e:#}"))),
                Err(e) => out.send(Event::Notice(format!(
                    "The model could not be loaded: {e:#}"
                ))),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_names_the_file_and_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("mine.safetensors");
        std::fs::write(&a, b"one").unwrap();
        let k = ModelKey::of_file(&a).unwrap();
        assert_eq!(k.name, "mine");
        assert_eq!(k.hash.len(), 16);
        assert_eq!(k.catalog_key(), format!("mine@{}", k.hash));
        std::fs::write(&a, b"two").unwrap();
        assert_ne!(ModelKey::of_file(&a).unwrap(), k, "new content, new key");
    }
}
