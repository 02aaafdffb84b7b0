//! Going on with a training run after it stopped, as if it had not: the weights, AdamW's
//! moments, the data sampler's position and the dropout seed of the next epoch are all that
//! a run carries from one epoch to the next. A CPU epoch of the paper's recipe takes an hour
//! on a slow core, so a 10-epoch run has to survive being stopped.

use burn::module::{Module, ModuleMapper, Param, ParamId};
use burn::optim::{ModuleOptimizer, OptimizerRecord};
use burn::tensor::Tensor;

use crate::model::GliaNet;

/// Where a run stood after its last finished epoch; [`super::trainer::train`] goes on from
/// here and takes the same steps the unbroken run would have.
pub struct Resume {
    pub epochs_done: usize,
    /// Word position of the sampler's ChaCha8 stream (seeded with the run's seed).
    pub rng_pos: u128,
    /// The lowest mean training loss of the finished epochs (what a stopped run keeps).
    pub best_loss: f64,
    /// The last finished epoch's weights (plain device).
    pub net: GliaNet,
    pub optimizer: OptimizerRecord,
}

/// What the trainer hands over at the end of each epoch to write a [`Resume`] from.
pub struct Checkpoint<'a> {
    pub(super) optim: &'a ModuleOptimizer,
    pub epochs_done: usize,
    pub rng_pos: u128,
    pub best_loss: f64,
}

impl Checkpoint<'_> {
    /// AdamW's state (moments and step counts per parameter), ready to save.
    pub fn optimizer(&self) -> OptimizerRecord {
        self.optim.to_record()
    }
}

/// The dropout seed of epoch `epoch`: the run's seed for the first, so a run's first epoch
/// is what it was before runs could be resumed.
pub(super) fn epoch_seed(seed: u64, epoch: usize) -> u64 {
    seed.wrapping_add((epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
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
