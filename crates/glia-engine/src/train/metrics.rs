//! IQA metrics as the paper reports them (docs/model.md §3): SRCC, KRCC, and PLCC and RMSE after
//! the standard 4-parameter logistic mapping of predictions to opinion scores
//! (VQEG: `f(x) = (β1 − β2) / (1 + exp(−(x − β3)/|β4|)) + β2`).

/// Agreement of predictions with opinion scores.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Metrics {
    pub srcc: f64,
    pub plcc: f64,
    pub krcc: f64,
    pub rmse: f64,
    pub n: usize,
}

/// 1-based ranks; tied values share the mean of their ranks.
pub fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut out = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        let mean_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            out[k] = mean_rank;
        }
        i = j + 1;
    }
    out
}

/// Pearson's correlation; 0 when either side is constant.
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let n = a.len() as f64;
    if a.is_empty() {
        return 0.0;
    }
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (dx, dy) = (x - ma, y - mb);
        cov += dx * dy;
        va += dx * dx;
        vb += dy * dy;
    }
    if va == 0.0 || vb == 0.0 {
        0.0
    } else {
        cov / (va * vb).sqrt()
    }
}

/// Spearman's rank correlation (Pearson on tie-averaged ranks).
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(&ranks(a), &ranks(b))
}

/// Kendall's tau-b, which corrects for ties on either side.
pub fn kendall(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let (mut concordant, mut discordant, mut tie_a, mut tie_b, mut pairs) =
        (0i64, 0i64, 0i64, 0i64, 0i64);
    for i in 0..a.len() {
        for j in i + 1..a.len() {
            pairs += 1;
            let (da, db) = (a[i].total_cmp(&a[j]), b[i].total_cmp(&b[j]));
            match (da.is_eq(), db.is_eq()) {
                (true, true) => {
                    tie_a += 1;
                    tie_b += 1;
                }
                (true, false) => tie_a += 1,
                (false, true) => tie_b += 1,
                (false, false) if da == db => concordant += 1,
                (false, false) => discordant += 1,
            }
        }
    }
    let denom = (((pairs - tie_a) * (pairs - tie_b)) as f64).sqrt();
    if denom == 0.0 {
        0.0
    } else {
        (concordant - discordant) as f64 / denom
    }
}

/// The 4-parameter logistic `(β1 − β2) / (1 + exp(−(x − β3)/|β4|)) + β2`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Logistic4 {
    pub beta: [f64; 4],
}

impl Logistic4 {
    pub fn eval(&self, x: f64) -> f64 {
        let [b1, b2, b3, b4] = self.beta;
        (b1 - b2) / (1.0 + (-(x - b3) / b4.abs().max(1e-12)).exp()) + b2
    }

    /// The function and its gradient with respect to β.
    fn with_gradient(&self, x: f64) -> (f64, [f64; 4]) {
        let [b1, b2, b3, b4] = self.beta;
        let scale = b4.abs().max(1e-12);
        let t = (x - b3) / scale;
        let s = 1.0 / (1.0 + (-t).exp());
        let ds = (b1 - b2) * s * (1.0 - s);
        let f = (b1 - b2) * s + b2;
        (
            f,
            [
                s,
                1.0 - s,
                -ds / scale,
                -ds * t / b4.abs().max(1e-12) * b4.signum(),
            ],
        )
    }
}

/// Fits the logistic to map predictions `x` to scores `y` (least squares). The fit is not
/// convex: Levenberg–Marquardt from the usual guess alone (β1 = max y, β2 = min y, β3 = mean
/// x, β4 = std x) can stop in a worse local minimum, so it also starts from the best points of
/// a coarse grid over (β3, β4), where β1 and β2 are solved for exactly, and keeps the best.
pub fn fit_logistic(x: &[f64], y: &[f64]) -> Logistic4 {
    let sse =
        |m: &Logistic4| -> f64 { x.iter().zip(y).map(|(a, b)| (m.eval(*a) - b).powi(2)).sum() };
    let mut best: Option<(f64, Logistic4)> = None;
    for start in starting_points(x, y) {
        let fit = refine(start, x, y);
        let e = sse(&fit);
        if best.as_ref().is_none_or(|(b, _)| e < *b) {
            best = Some((e, fit));
        }
    }
    best.map_or(usual_guess(x, y), |(_, fit)| fit)
}

fn mean_std(x: &[f64]) -> (f64, f64) {
    let n = x.len().max(1) as f64;
    let mean = x.iter().sum::<f64>() / n;
    (
        mean,
        (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt(),
    )
}

fn usual_guess(x: &[f64], y: &[f64]) -> Logistic4 {
    let (mean, std) = mean_std(x);
    let (lo, hi) = y
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
    Logistic4 {
        beta: [hi, lo, mean, if std > 0.0 { std } else { 1.0 }],
    }
}

/// The usual guess and the three best grid points. For fixed (β3, β4) the curve is
/// `β2 + (β1 − β2)·s(x)`, linear in β1 and β2, so they come from ordinary least squares.
fn starting_points(x: &[f64], y: &[f64]) -> Vec<Logistic4> {
    let (_, std) = mean_std(x);
    let (lo, hi) = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
    let mut grid = Vec::new();
    if std > 0.0 && hi > lo {
        for i in 0..=20 {
            let b3 = lo + (hi - lo) * f64::from(i) / 20.0;
            for j in 0..=12 {
                let b4 = std * 10f64.powf(-1.5 + 2.5 * f64::from(j) / 12.0);
                let s: Vec<f64> = x
                    .iter()
                    .map(|v| 1.0 / (1.0 + (-(v - b3) / b4).exp()))
                    .collect();
                let (ms, vs) = mean_std(&s);
                if vs < 1e-9 {
                    continue;
                }
                let my = y.iter().sum::<f64>() / y.len() as f64;
                let slope = s
                    .iter()
                    .zip(y)
                    .map(|(a, b)| (a - ms) * (b - my))
                    .sum::<f64>()
                    / (vs * vs * s.len() as f64);
                let b2 = my - slope * ms;
                let m = Logistic4 {
                    beta: [b2 + slope, b2, b3, b4],
                };
                let e: f64 = x.iter().zip(y).map(|(a, b)| (m.eval(*a) - b).powi(2)).sum();
                grid.push((e, m));
            }
        }
    }
    grid.sort_by(|a, b| a.0.total_cmp(&b.0));
    std::iter::once(usual_guess(x, y))
        .chain(grid.into_iter().take(3).map(|(_, m)| m))
        .collect()
}

/// Levenberg–Marquardt from `start`.
fn refine(start: Logistic4, x: &[f64], y: &[f64]) -> Logistic4 {
    let mut model = start;
    let sse = |m: &Logistic4| {
        x.iter()
            .zip(y)
            .map(|(a, b)| (m.eval(*a) - b).powi(2))
            .sum::<f64>()
    };
    let mut err = sse(&model);
    let mut lambda = 1e-3;
    for _ in 0..500 {
        let mut jtj = [[0.0f64; 4]; 4];
        let mut jtr = [0.0f64; 4];
        for (&xi, &yi) in x.iter().zip(y) {
            let (f, g) = model.with_gradient(xi);
            let r = f - yi;
            for a in 0..4 {
                jtr[a] += g[a] * r;
                for b in 0..4 {
                    jtj[a][b] += g[a] * g[b];
                }
            }
        }
        let mut improved = false;
        while lambda < 1e12 {
            let mut m = jtj;
            for (a, row) in m.iter_mut().enumerate() {
                row[a] += lambda * jtj[a][a].max(1e-12);
            }
            let Some(step) = solve4(m, jtr.map(|v| -v)) else {
                lambda *= 10.0;
                continue;
            };
            let trial = Logistic4 {
                beta: std::array::from_fn(|i| model.beta[i] + step[i]),
            };
            let e = sse(&trial);
            if e.is_finite() && e < err {
                let done = (err - e) <= 1e-12 * err.max(1e-300);
                model = trial;
                err = e;
                lambda = (lambda / 10.0).max(1e-12);
                improved = !done;
                break;
            }
            lambda *= 10.0;
        }
        if !improved {
            break;
        }
    }
    model
}

/// Solves a 4×4 system by Gaussian elimination with partial pivoting.
fn solve4(mut m: [[f64; 4]; 4], mut v: [f64; 4]) -> Option<[f64; 4]> {
    for c in 0..4 {
        let p = (c..4).max_by(|&a, &b| m[a][c].abs().total_cmp(&m[b][c].abs()))?;
        if m[p][c].abs() < 1e-300 {
            return None;
        }
        m.swap(c, p);
        v.swap(c, p);
        let pivot = m[c];
        for r in c + 1..4 {
            let k = m[r][c] / pivot[c];
            for (dst, src) in m[r][c..].iter_mut().zip(&pivot[c..]) {
                *dst -= k * src;
            }
            v[r] -= k * v[c];
        }
    }
    let mut x = [0.0; 4];
    for r in (0..4).rev() {
        let s: f64 = (r + 1..4).map(|j| m[r][j] * x[j]).sum();
        x[r] = (v[r] - s) / m[r][r];
    }
    Some(x)
}

/// All four metrics of predictions against opinion scores.
pub fn evaluate(pred: &[f64], mos: &[f64]) -> Metrics {
    let fit = fit_logistic(pred, mos);
    let mapped: Vec<f64> = pred.iter().map(|&p| fit.eval(p)).collect();
    let rmse = (mapped
        .iter()
        .zip(mos)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        / mos.len().max(1) as f64)
        .sqrt();
    Metrics {
        srcc: spearman(pred, mos),
        plcc: pearson(&mapped, mos),
        krcc: kendall(pred, mos),
        rmse,
        n: pred.len(),
    }
}
