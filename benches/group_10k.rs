//! Regrouping a folder of 10,000 photos whose embeddings are in the catalog (issue 20):
//! the catalog read the app does when a folder opens (batches of 32), then grouping and
//! the best frames, as the app's grouping thread runs them on every slider move.
//!
//!     cargo bench --bench group_10k [-- N_PHOTOS]
//!
//! Embeddings are made here: 192-d unit vectors, in moments of 1–8 frames that differ by
//! a small random nudge (like the real bursts of `crates/glia-engine/tests/grouping.rs`,
//! whose frames are 0.75–0.97 alike), the moments unrelated to each other.

use std::time::Instant;

use glia_catalog::{Catalog, PhotoId};
use glia_engine::grouping::{GroupRule, best_of_groups, groups, pairwise_f1};

/// A fixed-seed xorshift: the same photos every run.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }
}

fn unit(v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.into_iter().map(|x| x / n).collect()
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    let (mut embeddings, mut truth, mut times) = (Vec::new(), Vec::new(), Vec::new());
    let mut moment = 0;
    while embeddings.len() < n {
        let base: Vec<f32> = (0..192).map(|_| noise.next()).collect();
        let frames = 1 + ((noise.next() + 1.0) * 4.0) as usize % 8;
        for _ in 0..frames.min(n - embeddings.len()) {
            let v: Vec<f32> = base.iter().map(|b| b + 0.35 * noise.next()).collect();
            embeddings.push(unit(v));
            truth.push(moment);
            // No capture times: the embeddings alone decide, the slower case.
            times.push(None::<i64>);
        }
        moment += 1;
    }
    let ids: Vec<PhotoId> = (0..n).map(|i| PhotoId(format!("{i:032x}"))).collect();
    let tmp = tempfile::tempdir().expect("temp dir");
    let catalog = Catalog::open(&tmp.path().join("catalog.sqlite3")).expect("catalog");
    let t = Instant::now();
    for (chunk, e) in ids.chunks(500).zip(embeddings.chunks(500)) {
        let batch: Vec<(PhotoId, &[f32])> = chunk
            .iter()
            .cloned()
            .zip(e.iter().map(Vec::as_slice))
            .collect();
        catalog
            .put_embeddings("vit_tiny_patch16_224", &batch)
            .expect("stored");
    }
    let write_ms = t.elapsed().as_secs_f64() * 1e3;

    let t = Instant::now();
    let mut read: Vec<Vec<f32>> = Vec::with_capacity(n);
    for chunk in ids.chunks(32) {
        let mut found = catalog
            .embeddings_many(chunk, "vit_tiny_patch16_224")
            .expect("read");
        read.extend(chunk.iter().map(|id| found.remove(id).unwrap_or_default()));
    }
    let read_ms = t.elapsed().as_secs_f64() * 1e3;
    assert_eq!(read, embeddings, "the catalog gives back what was stored");

    let scores: Vec<Option<f32>> = (0..n).map(|_| Some(50.0 + 40.0 * noise.next())).collect();
    let mut runs = Vec::new();
    let mut found = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        found = groups(&read, &times, &GroupRule::default());
        let best = best_of_groups(&found, &scores);
        runs.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(best.len(), n);
    }
    runs.sort_by(f64::total_cmp);
    let (p, r, f1) = pairwise_f1(&found, &truth);
    println!(
        "{{\"photos\": {n}, \"moments\": {moment}, \"catalog_write_ms\": {write_ms:.1}, \
         \"catalog_read_ms\": {read_ms:.1}, \"group_and_best_ms_median_of_5\": {:.1}, \
         \"group_and_best_ms_max\": {:.1}, \"read_plus_group_ms\": {:.1}, \
         \"precision\": {p:.3}, \"recall\": {r:.3}, \"f1\": {f1:.3}}}",
        runs[2],
        runs[4],
        read_ms + runs[2]
    );
}
