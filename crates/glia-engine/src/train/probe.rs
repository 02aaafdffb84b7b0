//! The linear-probe baseline (docs/model.md §3): the frozen backbone's final-norm CLS of the
//! semantic view, then ridge regression to the opinion scores. It shows how much of GLIANet's
//! accuracy comes from the adapters rather than from the backbone's features.

use burn::tensor::{Device, Tensor, TensorData};

use super::data::{Sample, Skipped};
use crate::model::GliaNet;
use crate::preprocess::{INPUT, Normalization, normalize, resize};
use glia_media::load_rgb;

/// The frozen CLS feature of each sample; samples that cannot be read are returned apart
/// with their reason (their slot in `features` is `None`).
pub fn cls_features(
    net: &GliaNet,
    norm: &Normalization,
    samples: &[Sample],
    device: &Device,
) -> (Vec<Option<Vec<f32>>>, Skipped) {
    let side = INPUT as usize;
    let mut skipped = Vec::new();
    let features = samples
        .iter()
        .map(|s| match load_rgb(&s.path) {
            Ok(img) => {
                let x = normalize(&resize(&img, INPUT, INPUT), norm);
                let x = Tensor::<4>::from_data(TensorData::new(x, [1, 3, side, side]), device);
                let tokens = net.semantic_tokens(x);
                let dim = tokens.dims()[2];
                tokens
                    .narrow(1, 0, 1)
                    .reshape([dim])
                    .try_into_vec_as::<f32>()
                    .ok()
            }
            Err(e) => {
                skipped.push((s.path.clone(), e.to_string()));
                None
            }
        })
        .collect();
    (features, skipped)
}

/// Ridge regression on z-scored features: `y ≈ z(x)·w + b`.
#[derive(Debug, Clone)]
pub struct Ridge {
    mean: Vec<f64>,
    std: Vec<f64>,
    weights: Vec<f64>,
    bias: f64,
}

impl Ridge {
    /// Fits with penalty `alpha` (scikit-learn's default is 1.0; the probe uses it untuned so
    /// no split's test photos choose it). `None` when there are no rows.
    pub fn fit(x: &[Vec<f32>], y: &[f64], alpha: f64) -> Option<Self> {
        let (n, dim) = (x.len(), x.first()?.len());
        let col = |j: usize| x.iter().map(move |r| f64::from(r[j]));
        let mean: Vec<f64> = (0..dim).map(|j| col(j).sum::<f64>() / n as f64).collect();
        let std: Vec<f64> = (0..dim)
            .map(|j| {
                let var = col(j).map(|v| (v - mean[j]).powi(2)).sum::<f64>() / n as f64;
                if var > 0.0 { var.sqrt() } else { 1.0 }
            })
            .collect();
        let z: Vec<Vec<f64>> = x
            .iter()
            .map(|r| {
                (0..dim)
                    .map(|j| (f64::from(r[j]) - mean[j]) / std[j])
                    .collect()
            })
            .collect();
        let bias = y.iter().sum::<f64>() / n as f64;
        // Normal equations (ZᵀZ + αI) w = Zᵀ(y − ȳ); the matrix is positive definite for α > 0.
        let mut a = vec![0.0; dim * dim];
        let mut rhs = vec![0.0; dim];
        for (row, &t) in z.iter().zip(y) {
            for i in 0..dim {
                rhs[i] += row[i] * (t - bias);
                for j in 0..=i {
                    a[i * dim + j] += row[i] * row[j];
                }
            }
        }
        for i in 0..dim {
            a[i * dim + i] += alpha;
        }
        let weights = cholesky_solve(&mut a, rhs, dim)?;
        Some(Self {
            mean,
            std,
            weights,
            bias,
        })
    }

    pub fn predict(&self, x: &[f32]) -> f64 {
        self.bias
            + x.iter()
                .enumerate()
                .map(|(j, &v)| (f64::from(v) - self.mean[j]) / self.std[j] * self.weights[j])
                .sum::<f64>()
    }
}

/// Solves `A x = b` for symmetric positive definite `A`, given by its lower triangle
/// (row-major, `n × n`, overwritten by the Cholesky factor). `None` if `A` is not positive definite.
fn cholesky_solve(a: &mut [f64], mut b: Vec<f64>, n: usize) -> Option<Vec<f64>> {
    for j in 0..n {
        let d = a[j * n + j] - (0..j).map(|k| a[j * n + k].powi(2)).sum::<f64>();
        if d.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return None;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let s = a[i * n + j] - (0..j).map(|k| a[i * n + k] * a[j * n + k]).sum::<f64>();
            a[i * n + j] = s / d;
        }
    }
    for i in 0..n {
        b[i] = (b[i] - (0..i).map(|k| a[i * n + k] * b[k]).sum::<f64>()) / a[i * n + i];
    }
    for i in (0..n).rev() {
        b[i] = (b[i] - (i + 1..n).map(|k| a[k * n + i] * b[k]).sum::<f64>()) / a[i * n + i];
    }
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_a_hand_computed_system() {
        // [[4,2],[2,3]] x = [2,5]  →  x = [-0.5, 2].
        let mut a = vec![4.0, 0.0, 2.0, 3.0];
        let x = cholesky_solve(&mut a, vec![2.0, 5.0], 2).unwrap();
        assert!(
            (x[0] + 0.5).abs() < 1e-12 && (x[1] - 2.0).abs() < 1e-12,
            "{x:?}"
        );
        let mut singular = vec![1.0, 0.0, 1.0, 1.0];
        assert!(cholesky_solve(&mut singular, vec![1.0, 1.0], 2).is_none());
    }

    #[test]
    fn ridge_matches_the_closed_form_of_a_one_feature_case() {
        // One feature x = [0, 1, 2, 3] (mean 1.5, std √1.25), y = 2x + 1.
        // z = (x − 1.5)/√1.25, Σz² = 4, Σz(y − ȳ) = 2·Σz(x − 1.5) = 2·5/√1.25;
        // w = 10/√1.25 / (4 + α); prediction at x: ȳ + (x − 1.5)/√1.25 · w.
        let x: Vec<Vec<f32>> = (0..4).map(|v| vec![v as f32]).collect();
        let y: Vec<f64> = (0..4).map(|v| 2.0 * v as f64 + 1.0).collect();
        for alpha in [0.0, 1.0] {
            let r = Ridge::fit(&x, &y, alpha + 1e-12).unwrap();
            let w = 10.0 / 1.25f64.sqrt() / (4.0 + alpha);
            let want = 4.0 + (3.0 - 1.5) / 1.25f64.sqrt() * w;
            assert!((r.predict(&[3.0]) - want).abs() < 1e-9, "alpha {alpha}");
        }
        // No penalty recovers the line exactly.
        let exact = Ridge::fit(&x, &y, 1e-12).unwrap();
        assert!((exact.predict(&[10.0]) - 21.0).abs() < 1e-6);
    }
}
