//! The paper's protocol (LoDa's): random train/test splits by seed, repeated.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Indices of one split: `train_fraction` of `0..n` for training, the rest held out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

/// A seeded random split of `n` items (ChaCha8: the same on every platform and version).
pub fn split(n: usize, train_fraction: f64, seed: u64) -> Split {
    let n_train = ((n as f64) * train_fraction.clamp(0.0, 1.0)).round() as usize;
    split_counted(n, n_train, seed)
}

/// A seeded random split of `n` items with exactly `n_train` (at most `n`) for training.
pub fn split_counted(n: usize, n_train: usize, seed: u64) -> Split {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let test = order.split_off(n_train.min(n));
    let (mut train, mut test) = (order, test);
    train.sort_unstable();
    test.sort_unstable();
    Split { train, test }
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}
