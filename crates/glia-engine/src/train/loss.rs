//! Training losses (docs/model.md §3).

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

/// Margin ranking loss for pairs that must be ordered: mean of
/// `max(0, margin − (better − worse) / spread)`. `spread` (a one-element tensor, the batch's
/// standard deviation of predictions) makes it as indifferent to the output's scale as the
/// PLCC loss; 0 once every pair is ordered by at least `margin` spreads. A negative margin
/// lets `worse` score up to that many spreads above `better` at no cost (a bound, not an
/// order).
pub fn rank_loss(better: Tensor<1>, worse: Tensor<1>, spread: Tensor<1>, margin: f32) -> Tensor<1> {
    let gap = (better - worse) / spread;
    (gap.neg() + margin).clamp_min(0.0).mean()
}

/// Pairwise ranking loss on the opinion scores, as FAST-VQA and DOVER add beside the PLCC
/// loss: over every pair of the batch whose scores differ, the mean of
/// `max(0, −sign(yᵢ − yⱼ)(predᵢ − predⱼ) / spread)`. The PLCC loss weighs every photo by its
/// distance from the batch's mean; this one asks only that each pair be ordered, so photos
/// near the mean count as much as the extremes. `spread` as for [`rank_loss`].
pub fn order_loss(pred: Tensor<1>, target: &[f32], spread: Tensor<1>) -> Tensor<1> {
    let b = target.len();
    let mut signs = Vec::with_capacity(b * b);
    for yi in target {
        for yj in target {
            signs.push(if yi > yj {
                1.0f32
            } else if yi < yj {
                -1.0
            } else {
                0.0
            });
        }
    }
    let pairs = signs.iter().filter(|s| **s != 0.0).count().max(1) as f32;
    let scaled = pred / spread;
    let device = scaled.device();
    let col = scaled.clone().reshape([b, 1]).repeat_dim(1, b);
    let row = scaled.reshape([1, b]).repeat_dim(0, b);
    let signs = Tensor::<2>::from_data(burn::tensor::TensorData::new(signs, [b, b]), &device);
    ((col - row) * signs).neg().clamp_min(0.0).sum() / pairs
}
