//! Going on with a training run after it stopped, as if it had not: the weights, AdamW's
//! moments, the data sampler's position, the step count (which seeds each step's dropout) and
//! how far the epoch under way had got are all that a run carries from one batch to the next.
//! A CPU epoch of the paper's recipe takes an hour on a slow core, so a 10-epoch run has to
//! survive being stopped, and one stopped mid-epoch should not lose the epoch.

use burn::module::{Module, ModuleMapper, Param, ParamId};
use burn::optim::{ModuleOptimizer, OptimizerRecord};
use burn::tensor::Tensor;

use crate::model::GliaNet;

/// Where a run stood when it last handed over its state; [`super::trainer::train`] goes on
/// from here and takes the same steps the unbroken run would have.
pub struct Resume {
    pub at: Position,
    /// The lowest mean training loss of the finished epochs (what a stopped run keeps; NaN
    /// before the first epoch ends).
    pub best_loss: f64,
    /// The weights at that point (plain device).
    pub net: GliaNet,
    pub optimizer: OptimizerRecord,
}

/// How far a run had got: finished epochs, then batches into the next one.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Position {
    pub epochs_done: usize,
    /// Batches of the epoch under way already trained (0 at an epoch's end).
    pub batches: usize,
    /// Optimizer steps taken in all (the learning rate's place on its schedule, and each
    /// step's dropout seed); `None` in states written before it was kept, which all ended
    /// on an epoch whose every batch stepped.
    pub steps: Option<usize>,
    /// Word position of the sampler's ChaCha8 stream (seeded with the run's seed) where the
    /// epoch under way began: its order is drawn again from there and the choices of its
    /// trained batches replayed.
    pub rng_pos: u128,
    /// Sum and count of the finite batch losses of the epoch under way.
    pub loss_sum: f64,
    pub loss_n: usize,
}

/// What the trainer hands over at the end of each epoch, and within one every
/// [`super::trainer::TrainConfig::checkpoint_every`], to write a [`Resume`] from.
pub struct Checkpoint<'a> {
    pub(super) optim: &'a ModuleOptimizer,
    pub at: Position,
    pub best_loss: f64,
}

impl Checkpoint<'_> {
    /// AdamW's state (moments and step counts per parameter), ready to save.
    pub fn optimizer(&self) -> OptimizerRecord {
        self.optim.to_record()
    }
}

/// The dropout seed of step `step` (counted over the whole run): a run stopped after any
/// batch draws the next one's masks as the unbroken run would.
pub(super) fn step_seed(seed: u64, step: usize) -> u64 {
    seed.wrapping_add((step as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// Gives the network's parameters ids by their order in the module. The optimizer keys its
/// state by parameter id, and ids are otherwise random per process, so a saved state would
/// match nothing in the process that loads it.
pub(super) fn number_params(net: GliaNet) -> GliaNet {
    struct Numbering(u64);
    impl ModuleMapper for Numbering {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let (_, value, mapper) = param.consume();
            self.0 += 1;
            Param::from_mapped_value(ParamId::from(self.0), value, mapper)
        }
    }
    net.map(&mut Numbering(0))
}
