//! `glia heatmap IMAGE -o OUT.png`: why a photo scored as it did: the quality map (what
//! lowers the score, where) and the attention maps of paper Figure 3.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use glia_engine::Scorer;
use glia_engine::attention::{self, MapKind, Sinks};
use glia_engine::overlay::{OverlayOptions, Which, figure, rendered_map, rendered_quality};
use glia_engine::quality_map::QualityMap;

#[derive(Clone, Copy, ValueEnum)]
pub enum MapArg {
    /// What lowers the score, where.
    Quality,
    /// The GLIANet detail stream's attention.
    Glia,
    /// The plain ViT's attention.
    Vit,
    /// ViT | GLIANet side by side (paper Figure 3).
    Both,
    /// Quality | ViT | GLIANet.
    All,
}

/// Long side of each map in `--raw`'s `photo_maps`.
const PHOTO_MAP_SIDE: u32 = 256;

#[derive(Clone, Copy, ValueEnum)]
pub enum KindArg {
    Last,
    Rollout,
}

#[derive(Args)]
pub struct HeatmapArgs {
    /// The photo.
    pub image: PathBuf,
    /// Where to write the overlay (PNG).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Which map: the quality map, an attention map (GLIANet detail stream, plain ViT), ViT |
    /// GLIANet side by side, or all three.
    #[arg(long, value_enum, default_value = "both")]
    pub map: MapArg,
    /// Attention maps as computed, without suppressing the high-norm sink tokens.
    #[arg(long)]
    pub raw_attention: bool,
    /// Last block's CLS attention, or attention rollout over all blocks.
    #[arg(long, value_enum, default_value = "last")]
    pub kind: KindArg,
    /// Opacity of the colormap over the photo, 0–1.
    #[arg(long, default_value_t = 0.5)]
    pub opacity: f32,
    /// Long side of each panel in pixels.
    #[arg(long, default_value_t = 1024)]
    pub max_size: u32,
    /// Also write the maps as JSON, for scripts: the raw token maps and the fragment layout,
    /// and `photo_maps` (every map drawn, over the photo as shown).
    #[arg(long)]
    pub raw: Option<PathBuf>,
    #[command(flatten)]
    pub run: super::RunArgs,
}

/// `w`×`h` scaled so the long side is at most `side`.
fn fit(w: u32, h: u32, side: u32) -> (u32, u32) {
    let s = (side as f32 / w.max(h) as f32).min(1.0);
    (
        ((w as f32 * s).round() as u32).max(1),
        ((h as f32 * s).round() as u32).max(1),
    )
}

pub fn run(args: HeatmapArgs) -> Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.opacity) {
        bail!("--opacity must be between 0 and 1, got {}", args.opacity);
    }
    if let Some(raw) = &args.raw
        && raw.extension().and_then(|e| e.to_str()) != Some("json")
    {
        bail!(
            "--raw writes JSON: give it a .json file name ({})",
            raw.display()
        );
    }
    let photo = glia_media::load_rgb(&args.image)
        .with_context(|| format!("cannot read {}", args.image.display()))?;
    let (device, model) = args.run.load()?;
    let maps = attention::compute(&model, &photo, &device.device);
    let which = match args.map {
        MapArg::Quality => Which::Quality,
        MapArg::Glia => Which::Glia,
        MapArg::Vit => Which::Vit,
        MapArg::Both => Which::Both,
        MapArg::All => Which::All,
    };
    let opts = OverlayOptions {
        which,
        kind: match args.kind {
            KindArg::Last => MapKind::Last,
            KindArg::Rollout => MapKind::Rollout,
        },
        sinks: if args.raw_attention {
            Sinks::Raw
        } else {
            Sinks::Suppressed
        },
        opacity: args.opacity,
        max_side: args.max_size.max(16),
    };
    // The quality map only when drawn: it scores 25 tiles of the photo.
    let quality = if which.panels().contains(&Which::Quality) {
        let scorer = Scorer::new(model.clone(), device.clone());
        let q = QualityMap::compute(&scorer, &photo)
            .map_err(|e| anyhow::anyhow!("the quality map failed: {e}"))?;
        Some(q)
    } else {
        None
    };
    figure(&photo, &maps, quality.as_ref(), &opts)
        .save_with_format(&args.output, image::ImageFormat::Png)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    if let Some(raw) = &args.raw {
        let layout = &maps.layout;
        let (pw, ph) = fit(layout.width, layout.height, PHOTO_MAP_SIDE);
        let mut photo_maps = serde_json::Map::new();
        for panel in which.panels() {
            let (name, values) = match (panel, &quality) {
                (Which::Quality, Some(q)) => ("quality", rendered_quality(q, pw, ph)),
                (Which::Vit, _) => (
                    "vit",
                    rendered_map(&maps, panel, opts.kind, opts.sinks, pw, ph),
                ),
                (Which::Glia, _) => (
                    "glia",
                    rendered_map(&maps, panel, opts.kind, opts.sinks, pw, ph),
                ),
                _ => continue,
            };
            photo_maps.insert(
                name.to_owned(),
                serde_json::json!({ "size": [pw, ph], "values": values }),
            );
        }
        let mut json = serde_json::json!({
            "image": args.image.display().to_string(),
            "score": maps.score,
            "token_grid": [maps.grid.side, maps.grid.side],
            "note": format!("row-major {0}x{0} token maps, raw attention weights (not normalised, sinks not suppressed); vit_* lie over the photo stretched to a square, glia_* and glr over the fragment mosaic: token (r, c) comes from photo region token_regions[r*{0}+c] = [x0, y0, x1, y1]. photo_maps: each map drawn, row-major over the photo as shown (EXIF orientation applied), 0-1, larger = more; quality = how much a region lowers the score", maps.grid.side),
            "vit_last": maps.vit_last,
            "vit_rollout": maps.vit_rollout,
            "glia_last": maps.glia_last,
            "glia_rollout": maps.glia_rollout,
            "glr_cls_per_block": maps.glr,
            "vit_sinks": maps.vit_sinks,
            "glia_sinks": maps.glia_sinks,
            "photo_size": [layout.width, layout.height],
            "token_regions": (0..maps.grid.tokens()).map(|t| {
                let (x0, y0, x1, y1) = attention::token_region(layout, maps.grid, t);
                [x0, y0, x1, y1]
            }).collect::<Vec<_>>(),
            "photo_maps": photo_maps,
        });
        if let Some(q) = &quality {
            json["quality_tiles"] = serde_json::json!({
                "regions": q.tiles.iter().map(|t| [t.0, t.1, t.2, t.3]).collect::<Vec<_>>(),
                "scores": q.tile_scores,
                "deficits": q.deficits,
            });
        }
        std::fs::write(raw, serde_json::to_vec_pretty(&json)?)
            .with_context(|| format!("cannot write {}", raw.display()))?;
    }
    if !args.run.quiet {
        eprintln!(
            "glia: wrote {} (score {:.1})",
            args.output.display(),
            maps.score
        );
    }
    Ok(ExitCode::SUCCESS)
}
