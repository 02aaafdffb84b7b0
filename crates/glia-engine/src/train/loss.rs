//! Training losses (DESIGN.md §3).

use burn::tensor::Tensor;

/// PLCC loss on a batch: `(1 − r) / 2` where r is Pearson's correlation of predictions and
/// opinion scores, both z-scored within the batch. 0 when they agree perfectly in linear
/// terms, 1 when perfectly opposite; independent of the scale and offset of either.
pub fn plcc_loss(pred: Tensor<1>, target: Tensor<1>) -> Tensor<1> {
    let z = |t: Tensor<1>| {
        let centred = t.clone() - t.mean();
        let norm = (centred.clone() * centred.clone()).sum().sqrt() + 1e-8;
        centred / norm
    };
    let r = (z(pred) * z(target)).sum();
    (r.neg() + 1.0) / 2.0
}
