//! `glia heatmap IMAGE -o OUT.png`: why a photo scored as it did (paper Figure 3).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use glia_engine::attention::{self, MapKind, TOKENS};
use glia_engine::overlay::{OverlayOptions, Which, figure};

#[derive(Clone, Copy, ValueEnum)]
pub enum MapArg {
    Glia,
    Vit,
    Both,
}

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
    /// Which stream's attention: the GLIANet detail stream, the plain ViT, or both side by side.
    #[arg(long, value_enum, default_value = "both")]
    pub map: MapArg,
    /// Last block's CLS attention, or attention rollout over all blocks.
    #[arg(long, value_enum, default_value = "last")]
    pub kind: KindArg,
    /// Opacity of the colormap over the photo, 0–1.
    #[arg(long, default_value_t = 0.5)]
    pub opacity: f32,
    /// Long side of each panel in pixels.
    #[arg(long, default_value_t = 1024)]
    pub max_size: u32,
    /// Also write the raw maps as JSON (token maps and the fragment layout), for scripts.
    #[arg(long)]
    pub raw: Option<PathBuf>,
    #[command(flatten)]
    pub run: super::RunArgs,
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
    let opts = OverlayOptions {
        which: match args.map {
            MapArg::Glia => Which::Glia,
            MapArg::Vit => Which::Vit,
            MapArg::Both => Which::Both,
        },
        kind: match args.kind {
            KindArg::Last => MapKind::Last,
            KindArg::Rollout => MapKind::Rollout,
        },
        opacity: args.opacity,
        max_side: args.max_size.max(16),
    };
    figure(&photo, &maps, &opts)
        .save_with_format(&args.output, image::ImageFormat::Png)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    if let Some(raw) = &args.raw {
        let layout = &maps.layout;
        let json = serde_json::json!({
            "image": args.image.display().to_string(),
            "score": maps.score,
            "token_grid": [TOKENS, TOKENS],
            "note": "row-major 14x14 token maps, raw attention weights (not normalised); vit_* lie over the photo stretched to a square, glia_* and glr over the fragment mosaic: token (r, c) comes from photo region token_regions[r*14+c] = [x0, y0, x1, y1]",
            "vit_last": maps.vit_last,
            "vit_rollout": maps.vit_rollout,
            "glia_last": maps.glia_last,
            "glia_rollout": maps.glia_rollout,
            "glr_cls_per_block": maps.glr,
            "photo_size": [layout.width, layout.height],
            "token_regions": (0..TOKENS * TOKENS).map(|t| {
                let (x0, y0, x1, y1) = attention::token_region(layout, t);
                [x0, y0, x1, y1]
            }).collect::<Vec<_>>(),
        });
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
