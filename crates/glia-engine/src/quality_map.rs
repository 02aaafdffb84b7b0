//! The quality map: what pulls a photo's score down, and where (docs/model.md §2).
//!
//! Attention says where the model looked, not what it disliked. Here the model itself is
//! asked: overlapping tiles of half the photo's width and height (a 4 × 4 grid of
//! positions) are each scored as a photo of their own, brought to the model's working
//! resolution as a whole photo would be (the photo is resized to twice the working short
//! side, so a tile's short side is the working side), with the detail view cut at those
//! pixels. A tile that scores below the best one holds something that lowers the score: its
//! *deficit* (points on the 0–100 scale). Deficits are interpolated between tile centres
//! over the whole frame, so the map covers every pixel, not only where the 49 fragments
//! were cut. Measured alternatives (BENCHMARKS.md): tiles at the whole photo's working
//! resolution missed half the heavy JPEG on camera files; guiding every tile by the whole
//! photo's semantic view was faster but found the damage less often; 5 × 5 tiles cost half
//! as much again for little more.

use image::RgbImage;

use crate::attention::interpolate;
use crate::pipeline::{Scorer, View};
use crate::preprocess::{
    DetailScale, INPUT, Sampling, fragment_mosaic, normalize, resize, work_size,
};

/// Tile positions per side.
pub const POSITIONS: usize = 4;

/// A photo's quality map.
#[derive(Debug, Clone)]
pub struct QualityMap {
    /// The photo's size (pixels, as shown).
    pub width: u32,
    pub height: u32,
    /// Per tile, row-major over `POSITIONS`²: its 0–100 score and its deficit from the best
    /// tile (≥ 0; larger = lowers the score more).
    pub tile_scores: Vec<f32>,
    pub deficits: Vec<f32>,
    /// Each tile's region in photo pixels, `(x0, y0, x1, y1)`.
    pub tiles: Vec<(f32, f32, f32, f32)>,
}

impl QualityMap {
    /// Scores the tiles of `img` with `scorer`'s model (all cores prepare the tiles; a CPU
    /// scores them one replica per core, a GPU as batches). Errors only when the device fails.
    pub fn compute(scorer: &Scorer, img: &RgbImage) -> Result<Self, String> {
        let (width, height) = img.dimensions();
        let scale = scorer.model().info.detail_scale;
        let (ww, wh) = match scale {
            DetailScale::ShortSide(side) => {
                work_size(width, height, DetailScale::ShortSide(2 * side))
            }
            DetailScale::Native => (width, height),
        };
        let work = resize(img, ww, wh);
        let norm = &scorer.model().info.normalization;
        let (tw, th) = ((ww / 2).max(1), (wh / 2).max(1));
        let step = |full: u32, tile: u32, i: usize| {
            ((full - tile) as f32 * i as f32 / (POSITIONS - 1) as f32).round() as u32
        };
        let mut crops = Vec::with_capacity(POSITIONS * POSITIONS);
        let mut tiles = Vec::with_capacity(POSITIONS * POSITIONS);
        let (sx, sy) = (width as f32 / ww as f32, height as f32 / wh as f32);
        for r in 0..POSITIONS {
            for c in 0..POSITIONS {
                let (x, y) = (step(ww, tw, c), step(wh, th, r));
                crops.push(image::imageops::crop_imm(&work, x, y, tw, th).to_image());
                tiles.push((
                    x as f32 * sx,
                    y as f32 * sy,
                    (x + tw) as f32 * sx,
                    (y + th) as f32 * sy,
                ));
            }
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let per = crops.len().div_ceil(threads.max(1)).max(1);
        let views: Vec<View> = std::thread::scope(|s| {
            let handles: Vec<_> = crops
                .chunks(per)
                .map(|chunk| {
                    s.spawn(move || {
                        chunk
                            .iter()
                            .map(|tile| {
                                let (m, _) =
                                    fragment_mosaic(tile, Sampling::Centered, DetailScale::Native);
                                (
                                    normalize(&resize(tile, INPUT, INPUT), norm),
                                    normalize(&m, norm),
                                )
                            })
                            .collect::<Vec<View>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        if views.len() != crops.len() {
            return Err("a tile could not be prepared".to_owned());
        }
        // A CPU scores tiles fastest one model replica per core; a GPU runs batch 1 over ten
        // times slower per image than a batch of tiles (BENCHMARKS.md, the H200 figures).
        let tile_scores = if scorer.device().is_gpu() {
            scorer.score_views(&views)?
        } else {
            std::thread::scope(|s| {
                let handles: Vec<_> = views
                    .chunks(per)
                    .map(|chunk| s.spawn(move || scorer.score_views(chunk)))
                    .collect();
                let mut all = Vec::with_capacity(views.len());
                for h in handles {
                    let part = h
                        .join()
                        .map_err(|_| "the device failed while scoring the tiles".to_owned())??;
                    all.extend(part);
                }
                Ok::<_, String>(all)
            })?
        };
        let best = tile_scores
            .iter()
            .copied()
            .fold(f32::NEG_INFINITY, f32::max);
        let deficits = tile_scores.iter().map(|&s| best - s).collect();
        Ok(Self {
            width,
            height,
            tile_scores,
            deficits,
            tiles,
        })
    }

    /// The tile that lowers the score most: `(x0, y0, x1, y1)` in photo pixels.
    pub fn worst(&self) -> (f32, f32, f32, f32) {
        let i = self
            .deficits
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(i, _)| i);
        self.tiles[i]
    }

    /// The deficits over a `width`×`height` rendering of the photo (points; 0 where the
    /// photo is at its best), interpolated between tile centres.
    pub fn render(&self, width: u32, height: u32) -> Vec<f32> {
        let n = POSITIONS;
        let grid: Vec<Vec<f32>> = (0..n)
            .map(|r| self.deficits[r * n..(r + 1) * n].to_vec())
            .collect();
        let centre = |t: &(f32, f32, f32, f32)| ((t.0 + t.2) / 2.0, (t.1 + t.3) / 2.0);
        let xs: Vec<f32> = (0..n).map(|c| centre(&self.tiles[c]).0).collect();
        let ys: Vec<f32> = (0..n).map(|r| centre(&self.tiles[r * n]).1).collect();
        let to_photo = (
            self.width as f32 / width.max(1) as f32,
            self.height as f32 / height.max(1) as f32,
        );
        interpolate(&grid, &xs, &ys, width, height, to_photo)
    }
}
