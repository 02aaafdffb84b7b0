//! Bursts and near-duplicates (issue 20, engine part): photos grouped by the similarity of
//! their embeddings — the frozen ViT's final-norm CLS token of the semantic view, which
//! scoring computes anyway — together with capture time where known (bursts are seconds
//! apart; a shot re-framed minutes later is a new moment). The best frame of a group is the
//! one the model in use scores highest.
//!
//! Photos are compared with their neighbours in capture order (time, else the order given)
//! only, within [`GroupRule::window`]: a burst is consecutive, so 10,000 photos cost
//! 10,000 × window comparisons, not 50 million.

use image::RgbImage;

use crate::pipeline::Scorer;
use crate::preprocess::{INPUT, normalize, resize};

/// When two photos belong to one group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupRule {
    /// Cosine similarity of the embeddings at least this.
    pub min_similarity: f32,
    /// With both capture times known: at most this many seconds apart.
    pub max_gap_s: i64,
    /// Neighbours in capture order each photo is compared with.
    pub window: usize,
}

impl Default for GroupRule {
    fn default() -> Self {
        Self {
            min_similarity: 0.75,
            max_gap_s: 30,
            window: 40,
        }
    }
}

/// L2-normalised embeddings of decoded photos (one semantic forward each, batched).
pub fn embeddings(scorer: &Scorer, images: &[&RgbImage]) -> Result<Vec<Vec<f32>>, String> {
    use burn::tensor::{Tensor, TensorData};
    let model = scorer.model();
    let norm = &model.info.normalization;
    let side = INPUT as usize;
    let mut out = Vec::with_capacity(images.len());
    for chunk in images.chunks(8) {
        let v: Vec<f32> = chunk
            .iter()
            .flat_map(|img| normalize(&resize(img, INPUT, INPUT), norm))
            .collect();
        let x = Tensor::<4>::from_data(
            TensorData::new(v, [chunk.len(), 3, side, side]),
            &scorer.device().device,
        );
        out.extend(cls_embeddings(&model.net.semantic_tokens(x))?);
    }
    Ok(out)
}

/// Each photo's embedding from its semantic tokens `[photos, tokens, dim]`: the CLS token,
/// read back from the device and L2-normalised.
pub(crate) fn cls_embeddings(tokens: &burn::tensor::Tensor<3>) -> Result<Vec<Vec<f32>>, String> {
    let [n, _, d] = tokens.dims();
    let cls = tokens
        .clone()
        .narrow(1, 0, 1)
        .reshape([n, d])
        .try_into_vec_as::<f32>()
        .map_err(|e| format!("the device failed to run the model: {e}"))?;
    Ok(cls.chunks(d).map(unit).collect())
}

fn unit(v: &[f32]) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter().map(|x| x / n).collect()
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// A group number per photo (0, 1, … in order of first appearance; a photo alone has its
/// own). `embeddings` unit length (an empty one, a photo not embedded yet, matches none);
/// `times` capture times in seconds where known.
pub fn groups<E: AsRef<[f32]>>(
    embeddings: &[E],
    times: &[Option<i64>],
    rule: &GroupRule,
) -> Vec<usize> {
    let n = embeddings.len();
    let mut order: Vec<usize> = (0..n).collect();
    // Capture order; photos without a time keep their given place among themselves.
    order.sort_by_key(|&i| (times.get(i).copied().flatten().unwrap_or(i64::MAX), i));
    let mut parent: Vec<usize> = (0..n).collect();
    for (k, &i) in order.iter().enumerate() {
        for &j in order.iter().skip(k + 1).take(rule.window) {
            let apart = match (
                times.get(i).copied().flatten(),
                times.get(j).copied().flatten(),
            ) {
                (Some(a), Some(b)) => (a - b).abs() > rule.max_gap_s,
                _ => false,
            };
            let (a, b) = (embeddings[i].as_ref(), embeddings[j].as_ref());
            if !apart && !a.is_empty() && !b.is_empty() && cosine(a, b) >= rule.min_similarity {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut number = vec![usize::MAX; n];
    let mut next = 0;
    (0..n)
        .map(|i| {
            let root = find(&mut parent, i);
            if number[root] == usize::MAX {
                number[root] = next;
                next += 1;
            }
            number[root]
        })
        .collect()
}

/// Per photo: whether it is its group's best (highest score; the first on a tie). Photos
/// without a score are never best unless no photo of the group has one.
pub fn best_of_groups(groups: &[usize], scores: &[Option<f32>]) -> Vec<bool> {
    let mut best: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for (i, &g) in groups.iter().enumerate() {
        let better = |j: usize| {
            scores[i].unwrap_or(f32::NEG_INFINITY) > scores[j].unwrap_or(f32::NEG_INFINITY)
        };
        match best.get(&g) {
            Some(&j) if !better(j) => {}
            _ => {
                best.insert(g, i);
            }
        }
    }
    (0..groups.len())
        .map(|i| best.get(&groups[i]) == Some(&i))
        .collect()
}

/// Pairwise precision, recall and F1 of `found` groups against `truth`: every pair of
/// photos is "together" or not in each.
pub fn pairwise_f1(found: &[usize], truth: &[usize]) -> (f64, f64, f64) {
    let (mut tp, mut fp, mut fn_) = (0u64, 0u64, 0u64);
    for i in 0..found.len() {
        for j in i + 1..found.len() {
            match (found[i] == found[j], truth[i] == truth[j]) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, true) => fn_ += 1,
                (false, false) => {}
            }
        }
    }
    let p = if tp + fp == 0 {
        1.0
    } else {
        tp as f64 / (tp + fp) as f64
    };
    let r = if tp + fn_ == 0 {
        1.0
    } else {
        tp as f64 / (tp + fn_) as f64
    };
    let f1 = if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    };
    (p, r, f1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(v: &[f32]) -> Vec<f32> {
        unit(v)
    }

    #[test]
    fn similar_neighbours_group_and_time_splits_moments() {
        let emb = vec![
            e(&[1.0, 0.0]),
            e(&[0.99, 0.1]),
            e(&[0.0, 1.0]),
            e(&[0.98, 0.12]),
        ];
        let rule = GroupRule::default();
        // No times: 0, 1 and 3 are alike, 2 is not.
        assert_eq!(groups(&emb, &[None; 4], &rule), vec![0, 0, 1, 0]);
        // Photo 3 taken ten minutes later is a new moment.
        let t = [Some(0), Some(1), Some(2), Some(600)];
        assert_eq!(groups(&emb, &t, &rule), vec![0, 0, 1, 2]);
    }

    #[test]
    fn the_best_frame_is_the_highest_score_and_f1_counts_pairs() {
        let g = [0, 0, 1, 0];
        let best = best_of_groups(&g, &[Some(40.0), Some(70.0), None, Some(55.0)]);
        assert_eq!(best, vec![false, true, true, false]);
        assert_eq!(pairwise_f1(&g, &g), (1.0, 1.0, 1.0));
        // One photo wrongly alone: of 3 true pairs, 1 found, none false.
        let (p, r, f) = pairwise_f1(&[0, 0, 1, 2], &g);
        assert_eq!((p, r), (1.0, 1.0 / 3.0));
        assert!((f - 0.5).abs() < 1e-12);
    }
}
