//! Reproducible random draws. burn keeps one random generator per backend per process,
//! seeded by `Device::seed`; weight initialisation and dropout masks both draw from it. Two
//! threads that seed and draw at the same time interleave their draws, and neither gets the
//! sequence its seed names (two trainings in one process did exactly that). Whoever needs
//! the sequence a seed names seeds through here and draws while holding the guard. (Loading
//! a model file may draw too, for modules it then overwrites, without the guard: it must not
//! wait behind a training, and its draws can shift a concurrent training's dropout masks.)

use std::sync::{Mutex, MutexGuard};

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor};

static GENERATOR: Mutex<()> = Mutex::new(());

/// Seeds the backend's generator and keeps it for the caller until the guard is dropped.
/// Re-seeding (`device.seed`) while holding the guard stays reproducible.
#[must_use = "the generator is only the caller's while the guard lives"]
pub fn seeded(device: &Device, seed: u64) -> MutexGuard<'static, ()> {
    // A panic elsewhere while holding the lock leaves nothing half-done: the generator is
    // re-seeded here before anyone draws.
    let guard = GENERATOR.lock().unwrap_or_else(|e| e.into_inner());
    device.seed(seed);
    guard
}

/// Draws every parameter of `module` now. burn initialises parameters lazily, on first use:
/// a module made while holding the guard is only the seed's once materialised before the
/// guard is dropped; later, it would draw from whoever holds the generator then.
pub fn materialise<M: Module>(module: &M) {
    module.visit(&mut Materialise);
}

struct Materialise;

impl ModuleVisitor for Materialise {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
    }
}
