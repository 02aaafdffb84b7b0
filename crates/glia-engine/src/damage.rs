//! Photographic damage made on purpose: missed focus, camera shake, sensor noise, heavy
//! compression. Training ranks a photo above its damaged copy (RankIQA-style pairs beside the
//! opinion scores), and the judgement check (`judgement.rs`) asks whether the model orders
//! damage the way a photographer would. Every kind is applied at the resolution of the image
//! it is given, so damage on a camera file is damage at full size.

use image::RgbImage;
use image::codecs::jpeg::JpegEncoder;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One kind of damage at one strength.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Damage {
    /// Missed focus: a Gaussian blur of this σ (px).
    Defocus { sigma: f32 },
    /// Camera shake: a horizontal streak this many pixels long.
    Motion { length: u32 },
    /// Luminance noise: the same Gaussian value added to R, G and B, σ in 0–255 units.
    Noise { sigma: f32 },
    /// Chroma noise: independent Gaussian noise per channel (coloured speckle).
    ChromaNoise { sigma: f32 },
    /// Noise that grows in the shadows, as on a sensor pushed in post: σ at black, falling as
    /// (1 − luminance)² to nothing at white; per channel.
    ShadowNoise { sigma: f32 },
    /// Heavy JPEG compression at this quality (1–100).
    Jpeg { quality: u8 },
    /// The subject out of focus, the background sharp: a Gaussian blur of the centred
    /// rectangle covering 40 % of the frame's area.
    CentreDefocus { sigma: f32 },
}

impl Damage {
    /// Which kind of damage this is.
    pub fn kind(&self) -> DamageKind {
        match self {
            Damage::Defocus { .. } => DamageKind::Defocus,
            Damage::Motion { .. } => DamageKind::Motion,
            Damage::Noise { .. } => DamageKind::Noise,
            Damage::ChromaNoise { .. } => DamageKind::ChromaNoise,
            Damage::ShadowNoise { .. } => DamageKind::ShadowNoise,
            Damage::Jpeg { .. } => DamageKind::Jpeg,
            Damage::CentreDefocus { .. } => DamageKind::CentreDefocus,
        }
    }

    /// The strength as written in tables.
    pub fn level(&self) -> String {
        match *self {
            Damage::Defocus { sigma } | Damage::CentreDefocus { sigma } => format!("σ {sigma} px"),
            Damage::Motion { length } => format!("{length} px"),
            Damage::Noise { sigma } | Damage::ChromaNoise { sigma } => format!("σ {sigma}"),
            Damage::ShadowNoise { sigma } => format!("σ {sigma} at black"),
            Damage::Jpeg { quality } => format!("quality {quality}"),
        }
    }

    /// The damaged copy; noise is drawn from `seed`.
    pub fn apply(&self, img: &RgbImage, seed: u64) -> RgbImage {
        match *self {
            Damage::Defocus { sigma } => image::imageops::fast_blur(img, sigma),
            Damage::Motion { length } => streak(img, length),
            Damage::Noise { sigma } => noise(img, seed, |_| sigma, false),
            Damage::ChromaNoise { sigma } => noise(img, seed, |_| sigma, true),
            Damage::ShadowNoise { sigma } => {
                noise(img, seed, |luma| sigma * (1.0 - luma).powi(2), true)
            }
            Damage::Jpeg { quality } => jpeg(img, quality),
            Damage::CentreDefocus { sigma } => centre_defocus(img, sigma),
        }
    }

    /// The damage where a viewer sees it: noise of the three noise kinds only where the
    /// photo is flat (weighted by [`flatness`]), as grain shows in sky and skin and hides in
    /// foliage and gravel (contrast masking); other kinds as [`Damage::apply`]. Training pairs
    /// made this way never ask that noise hidden in fine texture be found, which would teach
    /// the model to mark texture down.
    pub fn apply_where_flat(&self, img: &RgbImage, seed: u64) -> RgbImage {
        let noisy = self.apply(img, seed);
        if !matches!(
            self.kind(),
            DamageKind::Noise | DamageKind::ChromaNoise | DamageKind::ShadowNoise
        ) {
            return noisy;
        }
        let weight = flatness(img);
        let mut out = img.clone();
        for ((o, n), w) in out.pixels_mut().zip(noisy.pixels()).zip(weight) {
            for c in 0..3 {
                let (a, b) = (f32::from(o[c]), f32::from(n[c]));
                o[c] = (a + w * (b - a)).round().clamp(0.0, 255.0) as u8;
            }
        }
        out
    }

    /// The same kind `factor` times as strong (JPEG: the quality divided by it, at least 1).
    pub fn stronger(&self, factor: f32) -> Damage {
        let f = factor.max(1.0);
        match *self {
            Damage::Defocus { sigma } => Damage::Defocus { sigma: sigma * f },
            Damage::Motion { length } => Damage::Motion {
                length: (length as f32 * f).round() as u32,
            },
            Damage::Noise { sigma } => Damage::Noise { sigma: sigma * f },
            Damage::ChromaNoise { sigma } => Damage::ChromaNoise { sigma: sigma * f },
            Damage::ShadowNoise { sigma } => Damage::ShadowNoise { sigma: sigma * f },
            Damage::Jpeg { quality } => Damage::Jpeg {
                quality: ((f32::from(quality) / f).round() as u8).max(1),
            },
            Damage::CentreDefocus { sigma } => Damage::CentreDefocus { sigma: sigma * f },
        }
    }

    /// A random damage for training, of one of `kinds` (drawn evenly, so a kind listed twice
    /// comes twice as often; all kinds when empty), at a strength visible on a photo of
    /// `short` px short side (LIVEC's 500 px photos: blur σ 0.8–3 px, noise σ 5–30, JPEG
    /// quality 5–30).
    pub fn random(rng: &mut impl Rng, short: u32, kinds: &[DamageKind]) -> Damage {
        let kinds = if kinds.is_empty() {
            &DamageKind::ALL[..]
        } else {
            kinds
        };
        let kind = kinds[rng.random_range(0..kinds.len())];
        // Spatial strengths scale with the photo; noise and JPEG strengths do not.
        let px = short.max(1) as f32 / 500.0;
        match kind {
            DamageKind::Defocus => Damage::Defocus {
                sigma: rng.random_range(0.8..3.0) * px,
            },
            DamageKind::Motion => Damage::Motion {
                length: (rng.random_range(4.0..16.0) * px).round().max(2.0) as u32,
            },
            DamageKind::Noise => Damage::Noise {
                sigma: rng.random_range(5.0..30.0),
            },
            DamageKind::ChromaNoise => Damage::ChromaNoise {
                sigma: rng.random_range(5.0..30.0),
            },
            DamageKind::ShadowNoise => Damage::ShadowNoise {
                sigma: rng.random_range(10.0..50.0),
            },
            DamageKind::Jpeg => Damage::Jpeg {
                quality: rng.random_range(5..=30),
            },
            DamageKind::CentreDefocus => Damage::CentreDefocus {
                sigma: rng.random_range(1.2..3.0) * px,
            },
        }
    }
}

/// The kinds of [`Damage`], by name (for tables and for choosing what training ranks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DamageKind {
    Defocus,
    Motion,
    Noise,
    ChromaNoise,
    ShadowNoise,
    Jpeg,
    CentreDefocus,
}

impl DamageKind {
    /// Every kind, in the order training has always drawn them (so a run over all kinds
    /// draws what it drew before kinds could be chosen).
    pub const ALL: [DamageKind; 7] = [
        DamageKind::Defocus,
        DamageKind::Motion,
        DamageKind::Noise,
        DamageKind::ChromaNoise,
        DamageKind::ShadowNoise,
        DamageKind::Jpeg,
        DamageKind::CentreDefocus,
    ];

    /// The kind's short name (for tables and the command line).
    pub fn name(self) -> &'static str {
        match self {
            DamageKind::Defocus => "defocus",
            DamageKind::Motion => "motion",
            DamageKind::Noise => "noise",
            DamageKind::ChromaNoise => "chroma-noise",
            DamageKind::ShadowNoise => "shadow-noise",
            DamageKind::Jpeg => "jpeg",
            DamageKind::CentreDefocus => "centre-defocus",
        }
    }
}

impl std::str::FromStr for DamageKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        DamageKind::ALL
            .into_iter()
            .find(|k| k.name() == text.trim())
            .ok_or_else(|| {
                let names: Vec<_> = DamageKind::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "unknown damage kind {text:?}; the kinds are {}",
                    names.join(", ")
                )
            })
    }
}

/// A horizontal box filter of `length` px (clamped at the edges): the trace of a steady pan.
fn streak(img: &RgbImage, length: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    let len = length.max(1) as i64;
    let half = len / 2;
    let mut out = RgbImage::new(w, h);
    let row_len = w as usize * 3;
    let (src, dst) = (img.as_raw(), &mut *out);
    for y in 0..h as usize {
        let row = &src[y * row_len..(y + 1) * row_len];
        let at = |x: i64, c: usize| u32::from(row[x.clamp(0, w as i64 - 1) as usize * 3 + c]);
        for c in 0..3 {
            let mut sum: u32 = (-half..len - half).map(|x| at(x, c)).sum();
            for x in 0..w as i64 {
                dst[y * row_len + x as usize * 3 + c] = ((sum + len as u32 / 2) / len as u32) as u8;
                sum = sum + at(x + len - half, c) - at(x - half, c);
            }
        }
    }
    out
}

/// Gaussian noise of σ `sigma(luminance in 0..1)`; one value for all channels unless `chroma`.
fn noise(img: &RgbImage, seed: u64, sigma: impl Fn(f32) -> f32, chroma: bool) -> RgbImage {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut gauss = move || {
        // Box–Muller: two uniforms, one normal (the second is not worth keeping here).
        let u1: f32 = rng.random_range(f32::EPSILON..1.0);
        let u2: f32 = rng.random();
        (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
    };
    let mut out = img.clone();
    for p in out.pixels_mut() {
        let luma =
            (0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])) / 255.0;
        let s = sigma(luma);
        let shared = gauss();
        for c in 0..3 {
            let n = if chroma { gauss() } else { shared };
            p[c] = (f32::from(p[c]) + s * n).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// Local luminance contrast at which [`flatness`] is one half (σ in 0–255 units): JPEG-smooth
/// sky sits at 1–3, foliage and gravel at 15–40.
const FLAT_CONTRAST: f64 = 6.0;

/// Per pixel (row-major), how flat the photo is around it: 1 where the luminance is even,
/// towards 0 where it varies, `c² / (c² + local variance)` over a window of about 1 % of the
/// short side (5 px at LIVEC's 500).
pub fn flatness(img: &RgbImage) -> Vec<f32> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let r = ((w.min(h) as f64 / 200.0).round() as usize).max(2);
    // Summed-area tables of luminance and its square, one row and column of zeros in front.
    let (sw, sh) = (w + 1, h + 1);
    let (mut sum, mut sq) = (vec![0f64; sw * sh], vec![0f64; sw * sh]);
    for y in 0..h {
        let (mut row, mut row_sq) = (0f64, 0f64);
        for x in 0..w {
            let p = img.get_pixel(x as u32, y as u32);
            let l = 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]);
            row += l;
            row_sq += l * l;
            sum[(y + 1) * sw + x + 1] = sum[y * sw + x + 1] + row;
            sq[(y + 1) * sw + x + 1] = sq[y * sw + x + 1] + row_sq;
        }
    }
    let boxed = |t: &[f64], x0: usize, y0: usize, x1: usize, y1: usize| {
        t[y1 * sw + x1] - t[y0 * sw + x1] - t[y1 * sw + x0] + t[y0 * sw + x0]
    };
    let c2 = FLAT_CONTRAST * FLAT_CONTRAST;
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let n = ((x1 - x0) * (y1 - y0)) as f64;
            let mean = boxed(&sum, x0, y0, x1, y1) / n;
            let var = (boxed(&sq, x0, y0, x1, y1) / n - mean * mean).max(0.0);
            out.push((c2 / (c2 + var)) as f32);
        }
    }
    out
}

fn jpeg(img: &RgbImage, quality: u8) -> RgbImage {
    let mut bytes = Vec::new();
    let encoded = JpegEncoder::new_with_quality(&mut bytes, quality.clamp(1, 100))
        .encode_image(img)
        .is_ok();
    match encoded
        .then(|| image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).ok())
        .flatten()
    {
        Some(decoded) => decoded.into_rgb8(),
        // Encoding an in-memory RGB8 image cannot fail; stay total if it ever does.
        None => img.clone(),
    }
}

fn centre_defocus(img: &RgbImage, sigma: f32) -> RgbImage {
    let (w, h) = img.dimensions();
    let side = 0.4f64.sqrt();
    let (cw, ch) = ((f64::from(w) * side) as u32, (f64::from(h) * side) as u32);
    let (x0, y0) = ((w - cw) / 2, (h - ch) / 2);
    // Blur a margin around the rectangle too, so its edge pixels see real neighbours.
    let margin = (3.0 * sigma).ceil() as u32 + 1;
    let (bx, by) = (x0.saturating_sub(margin), y0.saturating_sub(margin));
    let (bw, bh) = ((cw + 2 * margin).min(w - bx), (ch + 2 * margin).min(h - by));
    let region = image::imageops::crop_imm(img, bx, by, bw, bh).to_image();
    let blurred = image::imageops::fast_blur(&region, sigma);
    let mut out = img.clone();
    for y in y0..y0 + ch {
        for x in x0..x0 + cw {
            out.put_pixel(x, y, *blurred.get_pixel(x - bx, y - by));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stripes() -> RgbImage {
        RgbImage::from_fn(64, 48, |x, _| {
            if (x / 4) % 2 == 0 {
                image::Rgb([200, 200, 200])
            } else {
                image::Rgb([40, 40, 40])
            }
        })
    }

    #[test]
    fn training_draws_only_the_chosen_kinds() {
        let draw = |kinds: &[DamageKind]| {
            let mut rng = ChaCha8Rng::seed_from_u64(9);
            (0..400)
                .map(|_| Damage::random(&mut rng, 500, kinds))
                .collect::<Vec<_>>()
        };
        let all = draw(&[]);
        for kind in DamageKind::ALL {
            let n = all.iter().filter(|d| d.kind() == kind).count();
            assert!(
                (35..=80).contains(&n),
                "{} drawn {n} times of 400",
                kind.name()
            );
        }
        // All kinds in their usual order draw exactly what no choice draws.
        assert_eq!(draw(&DamageKind::ALL), all);
        let blur = [DamageKind::Defocus, DamageKind::Motion];
        let chosen = draw(&blur);
        assert!(chosen.iter().all(|d| blur.contains(&d.kind())));
        assert!(chosen.iter().any(|d| d.kind() == DamageKind::Motion));
        // A kind named twice is drawn about twice as often.
        let twice = draw(&[DamageKind::Noise, DamageKind::Noise, DamageKind::Jpeg]);
        let noise = twice
            .iter()
            .filter(|d| d.kind() == DamageKind::Noise)
            .count();
        assert!(
            (230..=300).contains(&noise),
            "noise drawn {noise} times of 400"
        );
        assert_eq!("chroma-noise".parse(), Ok(DamageKind::ChromaNoise));
        let err = "grain".parse::<DamageKind>().unwrap_err();
        assert!(
            err.contains("grain") && err.contains("centre-defocus"),
            "{err}"
        );
    }

    #[test]
    fn a_stronger_damage_is_the_same_kind_harder() {
        let cases = [
            (Damage::Noise { sigma: 6.0 }, 2.5, "σ 15"),
            (Damage::Jpeg { quality: 15 }, 3.0, "quality 5"),
            (Damage::Jpeg { quality: 2 }, 3.0, "quality 1"),
            (Damage::Motion { length: 4 }, 1.5, "6 px"),
            (Damage::Defocus { sigma: 2.0 }, 0.5, "σ 2 px"), // never weaker
        ];
        for (damage, factor, level) in cases {
            let harder = damage.stronger(factor);
            assert_eq!(harder.kind(), damage.kind());
            assert_eq!(harder.level(), level, "{damage:?} × {factor}");
        }
    }

    #[test]
    fn streak_averages_along_rows_only() {
        let img = stripes();
        let out = streak(&img, 8);
        // A period of 8 px averaged over 8 px: every inner pixel is the mean, 120.
        for x in 8..56 {
            assert_eq!(out.get_pixel(x, 10)[0], 120, "x = {x}");
        }
        // Rows are identical, so columns are untouched by a horizontal streak.
        assert_eq!(out.get_pixel(20, 0), out.get_pixel(20, 47));
    }

    #[test]
    fn noise_has_the_asked_spread() {
        let img = RgbImage::from_pixel(200, 200, image::Rgb([128, 128, 128]));
        let out = Damage::Noise { sigma: 20.0 }.apply(&img, 1);
        let v: Vec<f64> = out.pixels().map(|p| f64::from(p[0]) - 128.0).collect();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let sd = (v.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
        assert!(
            mean.abs() < 0.5 && (sd - 20.0).abs() < 0.5,
            "mean {mean}, sd {sd}"
        );
        // Luminance noise moves the three channels together; chroma noise does not.
        assert!(out.pixels().all(|p| p[0] == p[1] && p[1] == p[2]));
        let chroma = Damage::ChromaNoise { sigma: 20.0 }.apply(&img, 1);
        assert!(chroma.pixels().filter(|p| p[0] != p[1]).count() > 30_000);
    }

    #[test]
    fn shadow_noise_spares_the_highlights() {
        let mut img = RgbImage::from_pixel(100, 100, image::Rgb([255, 255, 255]));
        for y in 0..50 {
            for x in 0..100 {
                img.put_pixel(x, y, image::Rgb([20, 20, 20]));
            }
        }
        let out = Damage::ShadowNoise { sigma: 40.0 }.apply(&img, 3);
        let changed = |ys: std::ops::Range<u32>| {
            ys.flat_map(|y| (0..100).map(move |x| (x, y)))
                .filter(|&(x, y)| out.get_pixel(x, y) != img.get_pixel(x, y))
                .count()
        };
        assert!(changed(0..50) > 4_000, "dark half barely changed");
        assert_eq!(changed(50..100), 0, "white half changed");
    }

    #[test]
    fn noise_where_flat_spares_texture() {
        // Left half flat grey, right half 4 px stripes of high contrast (ending in a dark
        // stripe as wide as the window's reach: flat, so left out of the textured half).
        let img = RgbImage::from_fn(120, 60, |x, _| {
            let v = if x < 60 || (x / 4) % 2 == 0 { 128 } else { 40 };
            image::Rgb([v, v, v])
        });
        let out = Damage::Noise { sigma: 20.0 }.apply_where_flat(&img, 4);
        let spread = |xs: std::ops::Range<u32>| {
            let d: Vec<f64> = xs
                .flat_map(|x| (0..60).map(move |y| (x, y)))
                .map(|(x, y)| f64::from(out.get_pixel(x, y)[0]) - f64::from(img.get_pixel(x, y)[0]))
                .collect();
            (d.iter().map(|v| v * v).sum::<f64>() / d.len() as f64).sqrt()
        };
        let (flat, textured) = (spread(0..50), spread(70..116));
        assert!(flat > 15.0, "flat half: rms change {flat}");
        assert!(textured < 1.0, "textured half: rms change {textured}");
        // Kinds that are not noise are applied as they always are.
        let jpeg = Damage::Jpeg { quality: 10 };
        assert_eq!(jpeg.apply_where_flat(&img, 4), jpeg.apply(&img, 4));
    }

    #[test]
    fn centre_defocus_leaves_the_border_sharp() {
        let img = stripes();
        let out = Damage::CentreDefocus { sigma: 3.0 }.apply(&img, 0);
        assert_eq!(out.get_pixel(2, 2), img.get_pixel(2, 2));
        assert_eq!(out.get_pixel(61, 45), img.get_pixel(61, 45));
        assert_ne!(out.get_pixel(32, 24), img.get_pixel(32, 24));
    }

    #[test]
    fn heavy_jpeg_changes_fine_detail() {
        let img = stripes();
        let out = Damage::Jpeg { quality: 5 }.apply(&img, 0);
        assert_eq!(out.dimensions(), img.dimensions());
        let diff: u64 = out
            .pixels()
            .zip(img.pixels())
            .map(|(a, b)| u64::from(a[0].abs_diff(b[0])))
            .sum();
        assert!(diff > 64 * 48 * 5, "mean abs diff too small: {diff}");
    }
}
