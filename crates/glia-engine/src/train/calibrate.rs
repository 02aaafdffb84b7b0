//! The 0–100 line of a trained model: its raw head outputs mapped onto the scale of the
//! opinion scores it learned from (LIVEC's MOS, a user's stars × 20), by least squares.

use super::data::Sample;
use super::predict::predict;
use crate::{ComputeDevice, Model};

/// Least-squares `mos ≈ offset + scale × raw`: `(scale, offset)`. A constant `raw` gives
/// scale 0 and the mean score.
pub fn fit_line(raw: &[f64], mos: &[f64]) -> (f64, f64) {
    let n = raw.len().max(1) as f64;
    let (mx, my) = (raw.iter().sum::<f64>() / n, mos.iter().sum::<f64>() / n);
    let sxx: f64 = raw.iter().map(|x| (x - mx).powi(2)).sum();
    let sxy: f64 = raw.iter().zip(mos).map(|(x, y)| (x - mx) * (y - my)).sum();
    let scale = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (scale, my - scale * mx)
}

/// Scores `samples` with `model` and sets its `score_scale` / `score_offset` to the fitted
/// line. Returns how many photos the line was fitted on; with fewer than 2 readable photos
/// the model is left as it was.
pub fn calibrate(model: &mut Model, device: &ComputeDevice, samples: &[Sample]) -> usize {
    let (raw, mos, _) = predict(model.clone(), device, samples);
    if raw.len() >= 2 {
        let (scale, offset) = fit_line(&raw, &mos);
        model.info.score_scale = scale as f32;
        model.info.score_offset = offset as f32;
    }
    raw.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_through_exact_points_is_found() {
        // mos = 40 + 20·raw
        let raw = [-1.0, 0.0, 0.5, 2.0];
        let mos: Vec<f64> = raw.iter().map(|r| 40.0 + 20.0 * r).collect();
        let (scale, offset) = fit_line(&raw, &mos);
        assert!((scale - 20.0).abs() < 1e-12 && (offset - 40.0).abs() < 1e-12);
        // Noise symmetric about the line leaves it in place.
        let noisy = [mos[0] + 1.0, mos[1] - 1.0, mos[2] - 1.0, mos[3] + 1.0];
        let (s2, _) = fit_line(&raw, &noisy);
        assert!((s2 - 20.0).abs() < 1.0, "{s2}");
        assert_eq!(fit_line(&[3.0, 3.0], &[10.0, 30.0]), (0.0, 20.0));
    }
}
