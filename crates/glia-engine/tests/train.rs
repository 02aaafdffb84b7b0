//! Training and evaluation building blocks: metrics against hand-computed values (ties
//! included) and a known logistic, CSV data sets, seeded splits, the PLCC loss.

use glia_engine::train::data::{Columns, load_csv};
use glia_engine::train::metrics::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn ranks_average_ties() {
    assert_eq!(ranks(&[10.0, 20.0, 20.0, 30.0]), [1.0, 2.5, 2.5, 4.0]);
    assert_eq!(ranks(&[3.0, 1.0, 2.0]), [3.0, 1.0, 2.0]);
    assert_eq!(ranks(&[5.0, 5.0, 5.0]), [2.0, 2.0, 2.0]);
}

#[test]
fn pearson_spearman_kendall_by_hand() {
    // Pearson: cov 11, var 5 and 26 → 11/√130.
    assert!(close(
        pearson(&[1.0, 2.0, 3.0, 4.0], &[2.0, 4.0, 5.0, 9.0]),
        11.0 / 130f64.sqrt(),
        1e-12
    ));
    // Spearman with a tie: ranks [1, 2.5, 2.5, 4] vs [1, 3, 2, 4] → 4.5/√(4.5·5).
    let (a, b) = ([1.0, 2.0, 2.0, 3.0], [1.0, 3.0, 2.0, 4.0]);
    assert!(close(spearman(&a, &b), 4.5 / (4.5f64 * 5.0).sqrt(), 1e-12));
    // Kendall tau-b: 5 concordant, 0 discordant, 1 pair tied in a only, 6 pairs → 5/√(5·6).
    assert!(close(kendall(&a, &b), 5.0 / 30f64.sqrt(), 1e-12));
    // Ties on both sides: a = [1,1,2], b = [1,1,3]: 2 concordant, pair (0,1) tied in both → 2/√(2·2).
    assert!(close(
        kendall(&[1.0, 1.0, 2.0], &[1.0, 1.0, 3.0]),
        1.0,
        1e-12
    ));
    assert!(close(
        kendall(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]),
        -1.0,
        1e-12
    ));
    assert!(close(
        spearman(&[1.0, 2.0, 3.0], &[30.0, 20.0, 10.0]),
        -1.0,
        1e-12
    ));
    assert_eq!(pearson(&[1.0, 1.0], &[1.0, 2.0]), 0.0, "constant side");
}

#[test]
fn the_logistic_fit_recovers_a_known_curve() {
    let truth = Logistic4 {
        beta: [80.0, 10.0, 0.3, 0.1],
    };
    let x: Vec<f64> = (0..60).map(|i| -0.5 + i as f64 * 0.025).collect();
    let y: Vec<f64> = x.iter().map(|&v| truth.eval(v)).collect();
    let fit = fit_logistic(&x, &y);
    for (got, want) in fit.beta.iter().zip(truth.beta) {
        assert!(
            close(got.abs(), want, 1e-3 * want.abs().max(1.0)),
            "{:?}",
            fit.beta
        );
    }
    let m = evaluate(&x, &y);
    assert!(close(m.plcc, 1.0, 1e-9) && m.rmse < 1e-6, "{m:?}");
    assert!(close(m.srcc, 1.0, 1e-12) && close(m.krcc, 1.0, 1e-12));
    // Raw PLCC of a saturating relation is below 1; after the logistic mapping it is 1.
    assert!(pearson(&x, &y) < 0.97);
    assert_eq!(m.n, 60);
}

#[test]
fn logistic_fit_on_noisy_data_beats_the_linear_fit() {
    // Deterministic noise around a logistic: mapped PLCC ≥ raw PLCC, RMSE near the noise.
    let truth = Logistic4 {
        beta: [90.0, 5.0, 50.0, 8.0],
    };
    let x: Vec<f64> = (0..200).map(|i| i as f64 * 0.5).collect();
    let noise = |i: usize| ((i * 7919) % 101) as f64 / 100.0 - 0.5;
    let y: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(i, &v)| truth.eval(v) + 4.0 * noise(i))
        .collect();
    let m = evaluate(&x, &y);
    assert!(m.plcc >= pearson(&x, &y));
    assert!(m.rmse < 1.5, "{m:?}");
}

#[test]
fn logistic_fit_finds_the_global_least_squares_optimum() {
    // Predictions of an undertrained model on 12 held-out photos: a weak, non-monotone
    // relation where Levenberg–Marquardt from the usual start alone stops in a local minimum
    // (RMSE 16.61 instead of 15.45).
    let x = [
        0.5479, -0.9126, -0.7014, 0.7247, -2.4092, 0.4298, -0.8727, -1.1575, 0.1128, -1.3814,
        -1.0968, -4.0407,
    ];
    let y = [
        66.36, 41.33, 31.29, 19.75, 67.3, 48.53, 32.31, 65.94, 61.93, 20.58, 66.39, 55.78,
    ];
    let sse = |f: &dyn Fn(f64) -> f64| {
        x.iter()
            .zip(&y)
            .map(|(a, b)| (f(*a) - b).powi(2))
            .sum::<f64>()
    };
    let fit = fit_logistic(&x, &y);
    let got = sse(&|v| fit.eval(v));
    // Brute force: a fine grid over the centre and the slope, each with the exact best
    // height and floor (the curve is linear in those two).
    let mut brute = f64::INFINITY;
    for i in 0..=400 {
        let centre = -4.5 + 5.5 * f64::from(i) / 400.0;
        for j in 0..=200 {
            let slope = 10f64.powf(-3.0 + 4.0 * f64::from(j) / 200.0);
            let s: Vec<f64> = x
                .iter()
                .map(|v| 1.0 / (1.0 + (-(v - centre) / slope).exp()))
                .collect();
            let n = s.len() as f64;
            let (ms, my) = (s.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
            let var: f64 = s.iter().map(|a| (a - ms).powi(2)).sum();
            if var < 1e-12 {
                continue;
            }
            let k = s
                .iter()
                .zip(&y)
                .map(|(a, b)| (a - ms) * (b - my))
                .sum::<f64>()
                / var;
            let e: f64 = s
                .iter()
                .zip(&y)
                .map(|(a, b)| (my + k * (a - ms) - b).powi(2))
                .sum();
            brute = brute.min(e);
        }
    }
    assert!(
        got <= brute * (1.0 + 1e-6),
        "fit SSE {got}, brute force {brute}"
    );
}

#[test]
fn csv_rows_that_cannot_be_used_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("images")).unwrap();
    std::fs::write(dir.path().join("images/a.jpg"), b"x").unwrap();
    std::fs::write(dir.path().join("images/b.jpg"), b"x").unwrap();
    let csv = dir.path().join("labels.csv");
    std::fs::write(
        &csv,
        "name,quality,extra\nimages/a.jpg,55.5,x\nimages/b.jpg,not-a-number,y\nimages/missing.jpg,12,z\n,40,w\nimages/b.jpg, 70 ,v\n",
    )
    .unwrap();
    let cols = Columns {
        image: "name".into(),
        score: "quality".into(),
    };
    let data = load_csv(&csv, &cols).unwrap();
    assert_eq!(data.samples.len(), 2);
    assert_eq!(data.samples[0].path, dir.path().join("images/a.jpg"));
    assert_eq!(data.samples[1].score, 70.0);
    let lines: Vec<usize> = data.skipped.iter().map(|s| s.0).collect();
    assert_eq!(lines, [3, 4, 5]);
    assert!(data.skipped[1].1.contains("missing.jpg"));
    let err = load_csv(&csv, &Columns::default()).unwrap_err().to_string();
    assert!(
        err.contains("no column `image`") && err.contains("name, quality, extra"),
        "{err}"
    );
}

#[test]
fn splits_are_seeded_disjoint_and_80_20() {
    use glia_engine::train::splits::{median, split};
    let s = split(1007, 0.8, 3);
    assert_eq!((s.train.len(), s.test.len()), (806, 201));
    let mut all: Vec<usize> = s.train.iter().chain(&s.test).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..1007).collect::<Vec<_>>(), "every item once");
    assert_eq!(s, split(1007, 0.8, 3), "same seed, same split");
    assert_ne!(s.test, split(1007, 0.8, 4).test);
    assert_eq!(split(10, 0.2, 1).train.len(), 2);
    assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
}

#[test]
fn order_loss_counts_misordered_pairs_by_how_far() {
    use glia_engine::burn::tensor::{Device, Tensor};
    use glia_engine::train::loss::order_loss;
    let device = Device::flex();
    let t = |v: &[f32]| Tensor::<1>::from_floats(v, &device);
    let value = |l: Tensor<1>| l.try_into_vec_as::<f32>().unwrap()[0] as f64;
    let target = [10.0f32, 30.0, 30.0, 70.0];
    // Ordered as the scores (the tie costs nothing either way): 0.
    assert!(value(order_loss(t(&[1.0, 2.0, 1.5, 4.0]), &target, t(&[1.0]))) < 1e-9);
    // By hand: pairs with differing scores, each counted both ways.
    let pred = [3.0f32, 1.0, 2.5, 2.0];
    let spread = 0.5f64;
    let (mut sum, mut n) = (0.0f64, 0);
    for i in 0..4 {
        for j in 0..4 {
            if target[i] != target[j] {
                let sign = if target[i] > target[j] { 1.0 } else { -1.0 };
                let d = (f64::from(pred[i]) - f64::from(pred[j])) / spread;
                sum += (-sign * d).max(0.0);
                n += 1;
            }
        }
    }
    let got = value(order_loss(t(&pred), &target, t(&[spread as f32])));
    assert!(
        (got - sum / f64::from(n)).abs() < 1e-6,
        "{got} against {}",
        sum / f64::from(n)
    );

    // Gradient descent on the predictions lowers it.
    let ad = Device::flex().autodiff();
    let p = Tensor::<1>::from_floats(pred, &ad).require_grad();
    let s = Tensor::<1>::from_floats([0.5], &ad);
    let loss = order_loss(p.clone(), &target, s.clone());
    let before = value(loss.clone());
    let grads = loss.backward();
    let g = p.grad(&grads).expect("gradient of the predictions");
    let after = value(order_loss(p.detach() - g * 0.2, &target, s));
    assert!(after < before, "{before} → {after}");
}

#[test]
fn plcc_loss_by_hand_and_its_gradient() {
    use glia_engine::burn::tensor::{Device, Tensor};
    use glia_engine::train::loss::plcc_loss;
    let device = Device::flex();
    let t = |v: &[f32]| Tensor::<1>::from_floats(v, &device);
    let value = |l: Tensor<1>| l.try_into_vec_as::<f32>().unwrap()[0] as f64;
    // Perfect linear agreement at any scale: 0; reversed: 1.
    assert!(
        value(plcc_loss(
            t(&[1.0, 2.0, 3.0, 4.0]),
            t(&[10.0, 30.0, 50.0, 70.0])
        ))
        .abs()
            < 1e-6
    );
    assert!((value(plcc_loss(t(&[1.0, 2.0, 3.0]), t(&[3.0, 2.0, 1.0]))) - 1.0).abs() < 1e-6);
    // r = 11/√130 (hand-computed above) → (1 − r)/2.
    let want = (1.0 - 11.0 / 130f64.sqrt()) / 2.0;
    assert!(
        (value(plcc_loss(
            t(&[1.0, 2.0, 3.0, 4.0]),
            t(&[2.0, 4.0, 5.0, 9.0])
        )) - want)
            .abs()
            < 1e-6
    );

    // Gradient descent on the predictions lowers the loss.
    let ad = Device::flex().autodiff();
    let pred = Tensor::<1>::from_floats([1.0, 3.0, 2.0, 4.0], &ad).require_grad();
    let target = Tensor::<1>::from_floats([1.0, 2.0, 3.0, 4.0], &ad);
    let loss = plcc_loss(pred.clone(), target.clone());
    let before = value(loss.clone());
    let grads = loss.backward();
    let g = pred.grad(&grads).expect("gradient of the predictions");
    let stepped = pred.detach() - g * 0.5;
    let after = value(plcc_loss(stepped, target));
    assert!(after < before, "{before} → {after}");
}
