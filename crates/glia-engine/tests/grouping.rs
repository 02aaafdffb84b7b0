//! Burst grouping on bursts made here from real photos (issue 20): each photo with four
//! siblings — re-framed by a few per cent, exposure nudged, turned a degree, out of focus —
//! mixed with every other photo's burst. Pairwise F1 of the groups found against the bursts
//! made; and the out-of-focus sibling never wins its burst.

mod common;

use common::shared;
use glia_engine::grouping::{GroupRule, best_of_groups, embeddings, groups, pairwise_f1};
use glia_engine::{Model, Scorer};
use image::{Rgb, RgbImage};

/// `img` turned by `degrees` about its centre (bilinear), cropped 3 % per side so no border
/// shows.
fn turned(img: &RgbImage, degrees: f32) -> RgbImage {
    let (w, h) = img.dimensions();
    let (s, c) = degrees.to_radians().sin_cos();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let out = RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let (sx, sy) = (c * dx + s * dy + cx, -s * dx + c * dy + cy);
        let (x0, y0) = (
            sx.floor().clamp(0.0, (w - 2) as f32),
            sy.floor().clamp(0.0, (h - 2) as f32),
        );
        let (fx, fy) = ((sx - x0).clamp(0.0, 1.0), (sy - y0).clamp(0.0, 1.0));
        let p = |xx: f32, yy: f32| img.get_pixel(xx as u32, yy as u32).0;
        let (a, b, cc, d) = (
            p(x0, y0),
            p(x0 + 1.0, y0),
            p(x0, y0 + 1.0),
            p(x0 + 1.0, y0 + 1.0),
        );
        Rgb(std::array::from_fn(|k| {
            let top = f32::from(a[k]) * (1.0 - fx) + f32::from(b[k]) * fx;
            let bottom = f32::from(cc[k]) * (1.0 - fx) + f32::from(d[k]) * fx;
            (top * (1.0 - fy) + bottom * fy).round() as u8
        }))
    });
    let (mx, my) = (w * 3 / 100, h * 3 / 100);
    image::imageops::crop_imm(&out, mx, my, w - 2 * mx, h - 2 * my).to_image()
}

/// The burst of `img`: itself, re-framed, brighter, turned, out of focus (last).
fn burst(img: &RgbImage) -> Vec<RgbImage> {
    let (w, h) = img.dimensions();
    let reframed =
        image::imageops::crop_imm(img, w * 5 / 100, h * 2 / 100, w * 92 / 100, h * 95 / 100)
            .to_image();
    let mut brighter = img.clone();
    for p in brighter.pixels_mut() {
        for v in &mut p.0 {
            *v = (f32::from(*v) * 1.12).min(255.0) as u8;
        }
    }
    let blurred = image::imageops::blur(img, w.min(h) as f32 / 150.0);
    vec![img.clone(), reframed, brighter, turned(img, 1.0), blurred]
}

/// The embeddings of the first `n` photos' unchanged frames (frame 0 of each burst).
fn emb_of_originals(emb: &[Vec<f32>], n: usize) -> Vec<Vec<f32>> {
    (0..n).map(|b| emb[b * 5].clone()).collect()
}

#[test]
fn bursts_made_from_real_photos_are_found_and_the_sharp_frame_wins() {
    let Some(shared) = shared("burst_grouping") else {
        return;
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let device = glia_engine::device::select(glia_engine::DeviceChoice::Cpu).unwrap();
    let model = Model::load(
        &root.join("models/glianet-vit-tiny.safetensors"),
        None,
        &[root.join("models")],
        &device.device,
    )
    .unwrap();
    let scorer = Scorer::new(model, device);
    let mut photos: Vec<RgbImage> = Vec::new();
    for entry in std::fs::read_dir(shared.join("data/camera/images")).unwrap() {
        let path = entry.unwrap().path();
        photos.push(glia_media::load(&path, glia_media::Resolution::ShortSide(512)).unwrap());
    }
    let labels = std::fs::read_to_string(shared.join("data/livec/labels.csv")).unwrap();
    for line in labels.lines().skip(1).step_by(100) {
        let image = line.split(',').next().unwrap();
        photos.push(glia_media::load_rgb(&shared.join("data/livec").join(image)).unwrap());
    }
    let (mut frames, mut truth) = (Vec::new(), Vec::new());
    for (b, p) in photos.iter().enumerate() {
        for f in burst(p) {
            frames.push(f);
            truth.push(b);
        }
    }
    let refs: Vec<&RgbImage> = frames.iter().collect();
    let emb = embeddings(&scorer, &refs).unwrap();
    let none = vec![None; frames.len()];
    for t in [0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9] {
        let rule = GroupRule {
            min_similarity: t,
            ..GroupRule::default()
        };
        let (p, r, f1) = pairwise_f1(&groups(&emb, &none, &rule), &truth);
        eprintln!("similarity ≥ {t:.2}: precision {p:.3} recall {r:.3} F1 {f1:.3}");
    }
    let found = groups(&emb, &none, &GroupRule::default());
    let (p, r, f1) = pairwise_f1(&found, &truth);
    eprintln!(
        "{} bursts of 5 frames: default rule precision {p:.3} recall {r:.3} F1 {f1:.3}",
        photos.len()
    );
    assert!(
        f1 >= 0.9,
        "pairwise F1 {f1:.3} (precision {p:.3}, recall {r:.3})"
    );

    // Capture time: each burst's frames a second apart, bursts ten minutes apart, and the
    // same scene re-framed five minutes after its burst — another moment, which only the
    // time tells apart (it looks like its burst).
    let later: Vec<RgbImage> = photos
        .iter()
        .map(|p| {
            let (w, h) = p.dimensions();
            image::imageops::crop_imm(p, w * 8 / 100, h * 6 / 100, w * 88 / 100, h * 90 / 100)
                .to_image()
        })
        .collect();
    let later_refs: Vec<&RgbImage> = later.iter().collect();
    let mut all_emb = emb.clone();
    all_emb.extend(embeddings(&scorer, &later_refs).unwrap());
    let mut all_truth = truth.clone();
    all_truth.extend((0..photos.len()).map(|b| 1000 + b));
    let mut times: Vec<Option<i64>> = (0..frames.len())
        .map(|i| Some((i / 5) as i64 * 600 + (i % 5) as i64))
        .collect();
    times.extend((0..photos.len()).map(|b| Some(b as i64 * 600 + 300)));
    let rule = GroupRule::default();
    let (p, r, f1) = pairwise_f1(&groups(&all_emb, &times, &rule), &all_truth);
    eprintln!("with capture times: precision {p:.3} recall {r:.3} F1 {f1:.3}");
    let (pn, rn, f1n) = pairwise_f1(
        &groups(&all_emb, &vec![None; all_emb.len()], &rule),
        &all_truth,
    );
    eprintln!("same frames without times: precision {pn:.3} recall {rn:.3} F1 {f1n:.3}");
    assert!(f1 >= 0.9, "with times: F1 {f1:.3}");
    assert!(
        p > pn,
        "the time separates the later shot: precision {p:.3} against {pn:.3} without"
    );
    // The camera files themselves: different scenes, each its own group.
    let dated = std::fs::read_dir(shared.join("data/camera/images"))
        .unwrap()
        .filter(|e| glia_media::date_taken_in_file(&e.as_ref().unwrap().path()).is_some())
        .count();
    let camera = 11.min(photos.len());
    let alone = groups(&emb_of_originals(&emb, camera), &vec![None; camera], &rule);
    let distinct = alone.iter().collect::<std::collections::HashSet<_>>().len();
    eprintln!(
        "{dated} of {camera} camera files carry a capture time; {distinct} groups of {camera}"
    );
    assert_eq!(distinct, camera, "different camera photos grouped together");

    // Grouping alone on 10,000 embeddings (these 110 repeated with a little noise), for
    // BENCHMARKS.md; not asserted.
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let many: Vec<Vec<f32>> = (0..10_000)
        .map(|i| {
            let v: Vec<f32> = emb[i % emb.len()]
                .iter()
                .map(|x| x + rng.random_range(-0.01..0.01))
                .collect();
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter().map(|x| x / n).collect()
        })
        .collect();
    let started = std::time::Instant::now();
    let g = groups(&many, &vec![None; many.len()], &GroupRule::default());
    eprintln!(
        "grouping 10,000 photos: {:.1} ms ({} groups)",
        started.elapsed().as_secs_f64() * 1e3,
        g.iter().max().map_or(0, |m| m + 1)
    );

    // The best of each true burst is never its out-of-focus frame.
    let scores: Vec<Option<f32>> = scorer
        .score_images(&refs)
        .unwrap()
        .into_iter()
        .map(Some)
        .collect();
    let best = best_of_groups(&truth, &scores);
    let blurred_wins = (0..photos.len()).filter(|b| best[b * 5 + 4]).count();
    assert_eq!(blurred_wins, 0, "an out-of-focus frame won its burst");
}
