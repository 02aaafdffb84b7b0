//! Exact (erf) GELU, fast on the CPU backend.
//!
//! burn-flex evaluates erf with scalar libm, which took a third of the ViT's CPU time
//! (`perf`: `erff` + `erfc2` + their `expf`). For inference on that backend GELU is read from
//! a table of the exact function (computed once in f64) with linear interpolation: the
//! error bound is h²/8 · max|GELU''| = 2⁻²⁰/8 · 0.80 ≈ 1e-7, below f32 rounding of the
//! activations.
//!
//! Training on that backend spent as long again in the backward pass (`erff` and `expf` once
//! more per element), so on an autodiff CPU device the slope GELU'(x) = Φ(x) + x·φ(x) comes
//! from a second table and GELU is written as `x·g + (GELU(x) − x·g)` with both `g` and the
//! bracket constants: the value is GELU(x) and the gradient `g`, with no custom backward op.
//! GPUs use burn's own `gelu`.

use std::sync::LazyLock;

use burn::tensor::{Device, Tensor, TensorData};

/// Table range: GELU(x) = x beyond +8 and 0 below −8 to within 1e-14.
const LIMIT: f64 = 8.0;
const STEPS_PER_UNIT: f64 = 1024.0;

static TABLE: LazyLock<Vec<f32>> = LazyLock::new(|| tabulate(gelu_f64));
static SLOPE: LazyLock<Vec<f32>> = LazyLock::new(|| tabulate(gelu_slope_f64));

fn tabulate(f: fn(f64) -> f64) -> Vec<f32> {
    let n = (2.0 * LIMIT * STEPS_PER_UNIT) as usize;
    (0..=n + 1)
        .map(|i| f(i as f64 / STEPS_PER_UNIT - LIMIT) as f32)
        .collect()
}

/// The reference definition: x · Φ(x) = x/2 · (1 + erf(x/√2)).
pub fn gelu_f64(x: f64) -> f64 {
    0.5 * x * (1.0 + libm::erf(x / std::f64::consts::SQRT_2))
}

/// The derivative: Φ(x) + x·φ(x).
pub fn gelu_slope_f64(x: f64) -> f64 {
    let pdf = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
    0.5 * (1.0 + libm::erf(x / std::f64::consts::SQRT_2)) + x * pdf
}

/// GELU of one value from the table.
pub fn gelu_table(x: f32) -> f32 {
    match locate(x) {
        Place::Inside(i, f) => interpolate(&TABLE, i, f),
        Place::Above | Place::NotANumber => x,
        Place::Below => 0.0,
    }
}

/// GELU'(x) from its table; the error bound is h²/8 · max|GELU'''| ≈ 2⁻²⁰/8 · 0.7 ≈ 1e-7.
pub fn gelu_slope_table(x: f32) -> f32 {
    gelu_and_slope_table(x).1
}

/// GELU(x) and GELU'(x) together: training needs both, and the interval is found once.
pub fn gelu_and_slope_table(x: f32) -> (f32, f32) {
    match locate(x) {
        Place::Inside(i, f) => (interpolate(&TABLE, i, f), interpolate(&SLOPE, i, f)),
        Place::Above => (x, 1.0),
        Place::Below => (0.0, 0.0),
        Place::NotANumber => (x, x),
    }
}

enum Place {
    /// Table interval `i` and the fraction of the way through it.
    Inside(usize, f32),
    Above,
    Below,
    NotANumber,
}

/// Where `x` falls in the tables (beyond +8 is above, below −8 below). `t = x · 1024` is exact
/// in f32 (a power-of-two scale) and so is its fractional part except for −1/1024 < x < 0,
/// where `1 + t` rounds (at worst to 1, and interpolation then gives the next knot's value).
/// The floor is taken by truncation (|t| ≤ 8192 fits an i32 exactly) because `f32::floor` is a
/// libm call on baseline x86-64 and this runs once per activation.
fn locate(x: f32) -> Place {
    let limit = LIMIT as f32;
    if x >= limit {
        return Place::Above;
    }
    if x.is_nan() {
        return Place::NotANumber;
    }
    if x < -limit {
        return Place::Below;
    }
    let t = x * STEPS_PER_UNIT as f32;
    let truncated = t as i32;
    let floor = if truncated as f32 > t {
        truncated - 1
    } else {
        truncated
    };
    let i = (floor + (LIMIT * STEPS_PER_UNIT) as i32) as usize;
    Place::Inside(i, t - floor as f32)
}

fn interpolate(table: &[f32], i: usize, f: f32) -> f32 {
    let (a, b) = (table[i], table[i + 1]);
    a + f * (b - a)
}

/// Exact GELU of a tensor.
pub fn gelu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let device = x.device();
    if device.clone().without_autodiff() != Device::flex() {
        return burn::tensor::activation::gelu(x);
    }
    let shape = x.shape();
    let Ok(mut v) = x.clone().detach().try_into_vec_as::<f32>() else {
        return burn::tensor::activation::gelu(x);
    };
    if !device.is_autodiff() {
        v.iter_mut().for_each(|e| *e = gelu_table(*e));
        return Tensor::from_data(TensorData::new(v, shape), &device);
    }
    // `x·g` is rounded the same way here and in the tensor product below (one f32 multiply
    // each), so the sum gives GELU(x) to within the rounding of the bracket.
    let mut rest = Vec::with_capacity(v.len());
    for e in v.iter_mut() {
        let (value, g) = gelu_and_slope_table(*e);
        rest.push(value - *e * g);
        *e = g;
    }
    let slope = Tensor::from_data(TensorData::new(v, shape.clone()), &device);
    let rest = Tensor::from_data(TensorData::new(rest, shape), &device);
    x * slope + rest
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
    fn intervals_are_found_as_with_a_true_floor() {
        // Table knots (t an integer, where truncation and floor meet), just either side of
        // them, negatives (where truncation rounds the other way) and the ends of the range.
        let mut xs = vec![-8.0f32, -7.999_999, 7.999_999, -0.0, 1e-30, -1e-30];
        for k in -8192..8192 {
            let knot = k as f32 / 1024.0;
            xs.extend([knot, knot.next_up(), knot.next_down(), knot + 0.37 / 1024.0]);
        }
        for x in xs.into_iter().filter(|x| (-8.0..8.0).contains(x)) {
            let t = x * 1024.0;
            let Place::Inside(i, f) = locate(x) else {
                panic!("{x} is in the table's range")
            };
            assert_eq!(i as f32, t.floor() + 8192.0, "{x}");
            assert_eq!(f, t - t.floor(), "{x}");
            // A tiny negative x gives f = 1 after rounding: the next knot's value, as right.
            assert!((0.0..=1.0).contains(&f), "{x}: {f}");
        }
        assert!(matches!(locate(8.0), Place::Above));
        assert!(matches!(locate(-8.000_001), Place::Below));
        assert!(matches!(locate(f32::NAN), Place::NotANumber));
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

    #[test]
    fn slope_table_matches_the_exact_derivative() {
        // Hand-checked: GELU'(0) = 1/2, GELU'(1) = Φ(1) + φ(1) = 0.841344746 + 0.241970725.
        assert!((f64::from(gelu_slope_table(0.0)) - 0.5).abs() < 2e-7);
        assert!((f64::from(gelu_slope_table(1.0)) - 1.083_315_471).abs() < 2e-7);
        assert_eq!(gelu_slope_table(20.0), 1.0);
        assert_eq!(gelu_slope_table(-20.0), 0.0);
        let mut worst = 0.0f64;
        for k in -200_000..200_000 {
            let x = k as f32 * 4.7e-5;
            let d = (f64::from(gelu_slope_table(x)) - gelu_slope_f64(f64::from(x))).abs();
            worst = worst.max(d);
        }
        assert!(worst < 2.5e-7, "{worst}");
        // The slope is the derivative of the value: central differences of the f64 definition.
        for x in [-3.1, -0.7, 0.2, 1.9] {
            let h = 1e-5;
            let fd = (gelu_f64(x + h) - gelu_f64(x - h)) / (2.0 * h);
            assert!((fd - gelu_slope_f64(x)).abs() < 1e-8, "{x}: {fd}");
        }
    }

    #[test]
    fn training_gelu_has_exact_values_and_gradients() {
        let device = Device::flex().autodiff();
        let n = [48, 75];
        let normal = burn::tensor::Distribution::Normal(0.0, 3.0);
        let x = Tensor::<2>::random(n, normal, &device).require_grad();
        let weights = Tensor::<2>::random(n, normal, &device);
        let y = gelu(x.clone());
        let grads = (y.clone() * weights.clone()).sum().backward();
        let xs = x.clone().detach().try_into_vec_as::<f32>().unwrap();
        let ys = y.detach().try_into_vec_as::<f32>().unwrap();
        let ws = weights.try_into_vec_as::<f32>().unwrap();
        let gs = x.grad(&grads).unwrap().try_into_vec_as::<f32>().unwrap();
        for i in 0..xs.len() {
            let xi = f64::from(xs[i]);
            let value = gelu_f64(xi);
            let grad = f64::from(ws[i]) * gelu_slope_f64(xi);
            assert!(
                (f64::from(ys[i]) - value).abs() < 1e-6 * (1.0 + xi.abs()),
                "{xi}"
            );
            let tol = 1e-6 * (1.0 + grad.abs());
            assert!(
                (f64::from(gs[i]) - grad).abs() < tol,
                "{xi}: {} vs {grad}",
                gs[i]
            );
        }
    }
}
