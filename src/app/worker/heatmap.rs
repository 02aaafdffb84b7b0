//! Maps for the viewer, on demand: the quality map and both streams' attention maps,
//! rendered at the size the viewer draws them and coloured here, off the UI thread.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use glia_engine::Scorer;
use glia_engine::attention::{MapKind, Sinks};
use glia_engine::overlay::{Which, rendered_map, rendered_quality, turbo};
use glia_engine::quality_map::QualityMap;

use super::{Event, Heat, State, spawn};

/// The longest side heatmap layers are rendered at: the viewer stretches them smoothly.
const HEAT_SIDE: u32 = 768;

impl State {
    pub(super) fn heatmap(&mut self, index: usize, path: PathBuf, kind: MapKind, sinks: Sinks) {
        let (slot, out) = (self.slot.clone(), self.out.clone());
        spawn("glia-heatmap", move || {
            let never = AtomicBool::new(false);
            let outcome = slot
                .wait(&never)
                .ok_or_else(|| "the model is not loaded".to_owned())
                .and_then(|m| compute(&m.scorer, &path, kind, sinks));
            out.send(Event::Heatmap { index, outcome });
        });
    }
}

fn rgba(map: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(map.len() * 4);
    for &v in map {
        let c = turbo(v);
        out.extend_from_slice(&[c[0], c[1], c[2], 255]);
    }
    out
}

fn compute(scorer: &Scorer, path: &Path, kind: MapKind, sinks: Sinks) -> Result<Heat, String> {
    let img = glia_media::load_rgb(path).map_err(|e| e.to_string())?;
    let (w, h) = img.dimensions();
    let s = (HEAT_SIDE as f32 / w.max(h) as f32).min(1.0);
    let (rw, rh) = (
        ((w as f32 * s).round() as u32).max(1),
        ((h as f32 * s).round() as u32).max(1),
    );
    let model = scorer.model();
    let maps = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        glia_engine::attention::compute(model, &img, &scorer.device().device)
    }))
    .map_err(|_| "the device failed while computing the heatmap".to_owned())?;
    let quality = QualityMap::compute(scorer, &img)?;
    let (x0, y0, x1, y1) = quality.worst();
    let (fw, fh) = (w as f32, h as f32);
    Ok(Heat {
        width: rw,
        height: rh,
        quality: rgba(&rendered_quality(&quality, rw, rh)),
        worst: [x0 / fw, y0 / fh, x1 / fw, y1 / fh],
        vit: rgba(&rendered_map(&maps, Which::Vit, kind, sinks, rw, rh)),
        glia: rgba(&rendered_map(&maps, Which::Glia, kind, sinks, rw, rh)),
        score: maps.score,
        made_for: (kind == MapKind::Rollout, sinks == Sinks::Raw),
    })
}
