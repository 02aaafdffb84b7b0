//! `glia bench [FOLDER]`: images/s of the GLIANet forward (batch 1 and 16) and of
//! end-to-end scoring of a folder, on each available device, as text and JSON; with
//! `--train`, the speed and memory of a training step instead.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use glia_engine::burn::tensor::{Distribution, Tensor};
use glia_engine::model::GliaNet;
use glia_engine::{ComputeDevice, DeviceChoice, Model, ScoreOptions, Scorer, device, discover};
use serde::Serialize;

#[derive(Args)]
pub struct BenchArgs {
    /// Folder of photos for the end-to-end figure; 48 synthetic 1600×1200 JPEGs when omitted.
    pub folder: Option<PathBuf>,
    /// Devices to measure: all (CPU, and the GPU if there is one), cpu or gpu.
    #[arg(long, default_value = "all")]
    pub device: String,
    /// Model file; the shipped default, or fresh adapters on the shipped backbone (same cost).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Forward passes timed per batch size (after one warm-up).
    #[arg(long, default_value_t = 5)]
    pub iters: usize,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Measure training steps (samples/s, peak memory) instead of scoring.
    #[arg(long)]
    pub train: bool,
    /// With --train: batch sizes to measure.
    #[arg(long, value_delimiter = ',', default_value = "8,16,32")]
    pub batch_sizes: Vec<usize>,
    /// With --train: steps timed per batch size (after one warm-up step).
    #[arg(long, default_value_t = 4)]
    pub steps: usize,
}

#[derive(Serialize)]
struct DeviceReport {
    device: String,
    forward_batch1_one_thread_images_per_s: f64,
    forward_threads: usize,
    forward_batch1_images_per_s: f64,
    forward_batch16_images_per_s: f64,
    end_to_end_images_per_s: f64,
    end_to_end_photos: usize,
    end_to_end_batch_size: usize,
    end_to_end_workers: usize,
    /// The same folder with `glia score --test-samplings 3` (test-time sampling).
    end_to_end_samplings3_images_per_s: f64,
    /// Megapixels of the folder's photos scored per second, end to end.
    end_to_end_megapixels_per_s: f64,
    /// The same run with every JPEG decoded in full (before reduced-scale decoding).
    end_to_end_full_decode_images_per_s: f64,
    /// The quality map of the folder's largest photo, decoding included (what the viewer
    /// and `glia heatmap --map quality` wait for): its megapixels and seconds.
    quality_map_megapixels: f64,
    quality_map_seconds: f64,
}

/// Decoding alone, one thread, every photo of the folder once.
#[derive(Serialize)]
struct DecodeReport {
    photos: usize,
    megapixels: f64,
    full_megapixels_per_s: f64,
    /// At the model's working resolution (JPEG DCT scaling where the model allows it).
    reduced_megapixels_per_s: f64,
}

#[derive(Serialize)]
struct Report {
    glia_version: &'static str,
    cpu: String,
    cores: usize,
    model: String,
    backbone: String,
    folder: String,
    devices: Vec<DeviceReport>,
    decode: Option<DecodeReport>,
    training: Vec<super::bench_train::TrainSpeed>,
}

/// Megapixels of each photo (from its header; 0 where unreadable).
fn megapixels(paths: &[PathBuf]) -> Vec<f64> {
    paths
        .iter()
        .map(|p| image::image_dimensions(p).map_or(0.0, |(w, h)| f64::from(w) * f64::from(h) / 1e6))
        .collect()
}

/// Times decoding every photo once at `resolution`, on this thread; megapixels of the files
/// per second.
fn decode_speed(paths: &[PathBuf], mp: f64, resolution: glia_media::Resolution) -> f64 {
    let start = Instant::now();
    for p in paths {
        let _ = glia_media::load(p, resolution);
    }
    mp / start.elapsed().as_secs_f64()
}

fn load_model(arg: Option<&Path>, dev: &ComputeDevice) -> Result<Model> {
    if arg.is_some() || glia::models::resolve(None).is_ok() {
        return glia::models::load(arg, None, &dev.device);
    }
    let backbone = glia::models::default_backbone()
        .context("no model and no shipped backbone found; pass --model FILE")?;
    Model::with_new_adapters(&backbone, 0, &dev.device)
        .with_context(|| format!("cannot load backbone {}", backbone.display()))
}

/// Images/s of `net.forward` at batch `b`, with `threads` model replicas running side by
/// side as the engine's workers do (inputs made up front: only the network is timed).
fn forward_speed(
    model: &Model,
    dev: &ComputeDevice,
    b: usize,
    iters: usize,
    threads: usize,
) -> f64 {
    let (iters, threads) = (iters.max(1), threads.max(1));
    let x = Tensor::<4>::random(
        [b, 3, 224, 224],
        Distribution::Normal(0.0, 1.0),
        &dev.device,
    );
    let run = |net: &GliaNet, x: &Tensor<4>| {
        let out = net.forward(x.clone(), x.clone());
        // Reading the result waits for the device: asynchronous backends are timed fully.
        let _ = out.score.into_data();
    };
    run(&model.net, &x);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (net, x) = (model.net.clone(), x.clone());
            scope.spawn(move || {
                for _ in 0..iters {
                    run(&net, &x);
                }
            });
        }
    });
    (b * iters * threads) as f64 / start.elapsed().as_secs_f64()
}

fn synthetic_folder() -> Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    for i in 0..48u32 {
        let img = image::RgbImage::from_fn(1600, 1200, |x, y| {
            let v = (x * 7 + y * 13 + i * 31) ^ (x * y + i);
            image::Rgb([(v % 251) as u8, (x / 7 + i) as u8, (y / 5) as u8])
        });
        img.save(dir.path().join(format!("synthetic_{i:02}.jpg")))?;
    }
    Ok(dir)
}

fn cpu_name() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned())
}

pub fn run(args: BenchArgs) -> Result<ExitCode> {
    let choices: Vec<DeviceChoice> = match args.device.as_str() {
        "all" => vec![DeviceChoice::Cpu, DeviceChoice::Gpu],
        "cpu" => vec![DeviceChoice::Cpu],
        "gpu" => vec![DeviceChoice::Gpu],
        other => bail!("unknown --device `{other}`: use all, cpu or gpu"),
    };
    let synthetic;
    let folder = match &args.folder {
        Some(f) => f.clone(),
        None => {
            synthetic = synthetic_folder().context("cannot write synthetic photos")?;
            synthetic.path().to_owned()
        }
    };
    let paths: Vec<PathBuf> = discover(std::slice::from_ref(&folder))
        .into_iter()
        .filter(|e| e.skip.is_none())
        .map(|e| e.path)
        .collect();
    if paths.is_empty() {
        bail!("no photos in {}", folder.display());
    }
    let mut report = Report {
        glia_version: env!("CARGO_PKG_VERSION"),
        cpu: cpu_name(),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        model: String::new(),
        backbone: String::new(),
        folder: if args.folder.is_some() {
            folder.display().to_string()
        } else {
            "48 synthetic 1600x1200 JPEGs".into()
        },
        devices: Vec::new(),
        decode: None,
        training: Vec::new(),
    };
    let folder_mp: f64 = megapixels(&paths).iter().sum();
    for choice in choices {
        let dev = match device::select(choice) {
            Ok(d) => d,
            Err(e) if args.device == "all" => {
                eprintln!("glia bench: skipping the GPU: {e}");
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        eprintln!("glia bench: measuring {}", dev.name);
        let model = load_model(args.model.as_deref(), &dev)?;
        report.model = if model.path.as_os_str().is_empty() {
            "fresh adapters (untrained)".into()
        } else {
            model.path.display().to_string()
        };
        report.backbone = model.vit.name();
        if args.train {
            report.training.extend(super::bench_train::measure(
                &model,
                &dev,
                &paths,
                &args.batch_sizes,
                args.steps,
            )?);
            continue;
        }
        let opts = ScoreOptions::for_device(&dev);
        let single = forward_speed(&model, &dev, 1, args.iters * 4, 1);
        let b1 = forward_speed(&model, &dev, 1, args.iters * 4, opts.workers);
        let b16 = forward_speed(&model, &dev, 16, args.iters, opts.workers);
        if report.decode.is_none() {
            let reduced = model.info.detail_scale.resolution();
            report.decode = Some(DecodeReport {
                photos: paths.len(),
                megapixels: folder_mp,
                full_megapixels_per_s: decode_speed(
                    &paths,
                    folder_mp,
                    glia_media::Resolution::Full,
                ),
                reduced_megapixels_per_s: decode_speed(&paths, folder_mp, reduced),
            });
        }
        let scorer = Scorer::new(model, dev.clone());
        // One untimed batch first: a GPU compiles and autotunes its kernels for each new
        // batch shape on first use, which a folder of a few photos would otherwise time.
        let warm = paths.len().min(opts.batch_size);
        let _ = scorer.score_all(paths[..warm].to_vec(), &opts);
        let (largest, largest_mp) = paths
            .iter()
            .zip(megapixels(&paths))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(p, mp)| (p.clone(), mp))
            .unwrap_or_default();
        let start = Instant::now();
        let quality = glia_media::load_rgb(&largest)
            .map_err(|e| e.to_string())
            .and_then(|img| glia_engine::quality_map::QualityMap::compute(&scorer, &img));
        let quality_seconds = start.elapsed().as_secs_f64();
        if let Err(e) = quality {
            eprintln!(
                "glia bench: warning: no quality map of {}: {e}",
                largest.display()
            );
        }
        let start = Instant::now();
        let full_decoded = scorer.score_all(
            paths.clone(),
            &ScoreOptions {
                reduced_decode: false,
                ..opts.clone()
            },
        );
        let e2e_full = full_decoded.len() as f64 / start.elapsed().as_secs_f64();
        let start = Instant::now();
        let results = scorer.score_all(paths.clone(), &opts);
        let seconds = start.elapsed().as_secs_f64();
        let e2e = results.len() as f64 / seconds;
        let start = Instant::now();
        let sampled = scorer.score_all(
            paths.clone(),
            &ScoreOptions {
                samplings: 3,
                ..opts.clone()
            },
        );
        let e2e_sampled = sampled.len() as f64 / start.elapsed().as_secs_f64();
        if let Some(bad) = results.iter().find(|r| r.outcome.is_err()) {
            eprintln!(
                "glia bench: warning: {} could not be scored",
                bad.path.display()
            );
        }
        report.devices.push(DeviceReport {
            device: dev.name.clone(),
            forward_batch1_one_thread_images_per_s: single,
            forward_threads: opts.workers,
            forward_batch1_images_per_s: b1,
            forward_batch16_images_per_s: b16,
            end_to_end_images_per_s: e2e,
            end_to_end_photos: results.len(),
            end_to_end_batch_size: opts.batch_size,
            end_to_end_workers: opts.workers,
            end_to_end_samplings3_images_per_s: e2e_sampled,
            end_to_end_megapixels_per_s: folder_mp / seconds,
            end_to_end_full_decode_images_per_s: e2e_full,
            quality_map_megapixels: largest_mp,
            quality_map_seconds: quality_seconds,
        });
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "glia {} bench — {} ({} cores), backbone {}, model {}",
            report.glia_version, report.cpu, report.cores, report.backbone, report.model
        );
        println!("end-to-end folder: {}", report.folder);
        for d in &report.devices {
            println!("{}", d.device);
            let t = d.forward_threads;
            println!(
                "  forward, batch 1, 1 thread:   {:8.2} images/s",
                d.forward_batch1_one_thread_images_per_s
            );
            println!(
                "  forward, batch 1, {t} threads:  {:8.2} images/s",
                d.forward_batch1_images_per_s
            );
            println!(
                "  forward, batch 16, {t} threads: {:8.2} images/s",
                d.forward_batch16_images_per_s
            );
            println!(
                "  end-to-end scoring:           {:8.2} images/s ({} photos, batch {}, {} model workers)",
                d.end_to_end_images_per_s,
                d.end_to_end_photos,
                d.end_to_end_batch_size,
                d.end_to_end_workers
            );
            println!(
                "                                {:8.1} megapixels/s",
                d.end_to_end_megapixels_per_s
            );
            println!(
                "  the same, JPEGs decoded in full: {:5.2} images/s",
                d.end_to_end_full_decode_images_per_s
            );
            println!(
                "  the same, --test-samplings 3:      {:8.2} images/s",
                d.end_to_end_samplings3_images_per_s
            );
            println!(
                "  quality map of the largest photo ({:.1} MP), decoding included: {:.2} s",
                d.quality_map_megapixels, d.quality_map_seconds
            );
        }
        if let Some(d) = &report.decode {
            println!(
                "decoding {} photos ({:.0} MP), one thread: full {:.1} MP/s, at the model's working resolution {:.1} MP/s",
                d.photos, d.megapixels, d.full_megapixels_per_s, d.reduced_megapixels_per_s
            );
        }
        for t in &report.training {
            println!(
                "{}: training step, batch {:3}: {:8.2} samples/s ({} steps), peak RSS {}",
                t.device,
                t.batch_size,
                t.samples_per_s,
                t.steps_timed,
                t.peak_rss_mb
                    .map_or_else(|| "n/a".to_string(), |m| format!("{m:.0} MB"))
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
