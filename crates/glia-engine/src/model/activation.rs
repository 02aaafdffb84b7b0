//! Exact (erf) GELU, fast on the CPU backend.
//!
//! burn-flex evaluates erf with scalar libm, which took a third of the ViT's CPU time
//! (`perf`: `erff` + `erfc2` + their `expf`). For inference on that backend GELU is read from
//! a table of the exact function (computed once in f64) with linear interpolation: the
//! error bound is h²/8 · max|GELU''| = 2⁻²⁰/8 · 0.80 ≈ 1e-7, below f32 rounding of the
//! activations. Autodiff devices and GPUs use burn's own `gelu`.

use std::sync::LazyLock;

use burn::tensor::{Device, Tensor, TensorData};

/// Table range: GELU(x) = x beyond +8 and 0 below −8 to within 1e-14.
const LIMIT: f64 = 8.0;
const STEPS_PER_UNIT: f64 = 1024.0;

static TABLE: LazyLock<Vec<f32>> = LazyLock::new(|| {
    let n = (2.0 * LIMIT * STEPS_PER_UNIT) as usize;
    (0..=n + 1)
        .map(|i| gelu_f64(i as f64 / STEPS_PER_UNIT - LIMIT) as f32)
        .collect()
});

/// The reference definition: x · Φ(x) = x/2 · (1 + erf(x/√2)).
pub fn gelu_f64(x: f64) -> f64 {
    0.5 * x * (1.0 + libm::erf(x / std::f64::consts::SQRT_2))
}

/// GELU of one value from the table. `x · 1024` and its fractional part are exact in f32
/// (a power-of-two scale, then a subtraction within one binade), so no precision is lost
/// finding the interval.
pub fn gelu_table(x: f32) -> f32 {
    let limit = LIMIT as f32;
    if x >= limit {
        return x;
    }
    if x.is_nan() {
        return x;
    }
    if x < -limit {
        return 0.0;
    }
    let t = x * STEPS_PER_UNIT as f32;
    let floor = t.floor();
    let f = t - floor;
    let i = (floor as i32 + (LIMIT * STEPS_PER_UNIT) as i32) as usize;
    let (a, b) = (TABLE[i], TABLE[i + 1]);
    a + f * (b - a)
}

/// Exact GELU of a tensor.
pub fn gelu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let device = x.device();
    if device.is_autodiff() || device != Device::flex() {
        return burn::tensor::activation::gelu(x);
    }
    let shape = x.shape();
    match x.clone().try_into_vec_as::<f32>() {
        Ok(mut v) => {
            v.iter_mut().for_each(|e| *e = gelu_table(*e));
            Tensor::from_data(TensorData::new(v, shape), &device)
        }
        Err(_) => burn::tensor::activation::gelu(x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_gelu_matches_the_exact_function() {
        // Hand-checked values: GELU(1) = Φ(1) = 0.841344746, GELU(−1) = −0.158655254.
        assert!((f64::from(gelu_table(1.0)) - 0.841_344_746).abs() < 2e-7);
        assert!((f64::from(gelu_table(-1.0)) + 0.158_655_254).abs() < 2e-7);
        assert_eq!(gelu_table(0.0), 0.0);
        assert_eq!(gelu_table(20.0), 20.0);
        assert_eq!(gelu_table(-20.0), 0.0);
        assert!(gelu_table(f32::NAN).is_nan());
        // Interpolation error (≤ 1e-7) on top of f32 rounding of the result (≤ 1.2e-7 relative).
        let mut worst = 0.0f64;
        for k in -200_000..200_000 {
            let x = k as f32 * 4.7e-5;
            let exact = gelu_f64(f64::from(x));
            let excess = (f64::from(gelu_table(x)) - exact).abs() - 1.2e-7 * exact.abs();
            worst = worst.max(excess);
        }
        assert!(worst < 1.5e-7, "error beyond f32 rounding: {worst}");
    }

    #[test]
    fn tensor_gelu_on_cpu_equals_burns_exact_gelu() {
        let device = Device::flex();
        let x = Tensor::<2>::random(
            [64, 97],
            burn::tensor::Distribution::Normal(0.0, 3.0),
            &device,
        );
        let fast = gelu(x.clone()).try_into_vec_as::<f32>().unwrap();
        let exact = burn::tensor::activation::gelu(x)
            .try_into_vec_as::<f32>()
            .unwrap();
        let d = fast
            .iter()
            .zip(&exact)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(d < 1e-6, "{d}");
    }
}
