//! Where glia finds its models: the shipped default and its backbone.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use glia_engine::Model;
use glia_engine::burn::tensor::Device;

/// File name of the shipped default model inside a model directory.
pub const DEFAULT_MODEL: &str = "glianet-vit-tiny.safetensors";

/// Model directories, most specific first: `$GLIA_MODEL_DIR`, beside the executable
/// (`models/`, then the installed `../share/glia/models` and macOS `../Resources/models`),
/// and the source tree's `models/` for builds run from a checkout.
pub fn model_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("GLIA_MODEL_DIR") {
        dirs.push(PathBuf::from(d));
    }
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_owned))
    {
        dirs.push(exe_dir.join("models"));
        dirs.push(exe_dir.join("../share/glia/models"));
        dirs.push(exe_dir.join("../Resources/models"));
    }
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("models"));
    dirs
}

/// Where the user's own (fine-tuned, named) models live: the platform's data directory
/// (`~/.local/share/glia/models`, `%APPDATA%\glia\data\models`, `~/Library/Application
/// Support/glia/models`), never the install location.
pub fn user_models_dir() -> Option<PathBuf> {
    crate::paths::AppPaths::from_env().ok().map(|p| p.models)
}

/// The model file to use: the one given (a path, `default`, or a saved model's name), or the
/// shipped default.
pub fn resolve(model: Option<&Path>) -> Result<PathBuf> {
    if let Some(m) = model {
        if m.is_file() {
            return Ok(m.to_owned());
        }
        let bare_name = m.components().count() == 1 && m.extension().is_none();
        if bare_name && m.as_os_str() == "default" {
            return resolve(None);
        }
        if bare_name {
            let file = format!("{}.safetensors", m.display());
            let dirs: Vec<PathBuf> = user_models_dir().into_iter().chain(model_dirs()).collect();
            return dirs
                .iter()
                .map(|d| d.join(&file))
                .find(|p| p.is_file())
                .with_context(|| {
                    format!(
                        "no model file {} and no saved model named {:?} (looked for {file} in {})",
                        m.display(),
                        m.display().to_string(),
                        dirs.iter()
                            .map(|d| d.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
        }
        bail!("model file {} does not exist", m.display());
    }
    let dirs = model_dirs();
    dirs.iter()
        .map(|d| d.join(DEFAULT_MODEL))
        .find(|p| p.is_file())
        .with_context(|| {
            format!(
                "the default model {DEFAULT_MODEL} was not found in {}; pass --model FILE (a glia model .safetensors)",
                dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
            )
        })
}

/// The shipped backbone (for benchmarks with fresh adapters).
pub fn default_backbone() -> Option<PathBuf> {
    model_dirs()
        .into_iter()
        .map(|d| d.join("vit_tiny_patch16_224.safetensors"))
        .find(|p| p.is_file())
}

pub fn load(model: Option<&Path>, backbone: Option<&Path>, device: &Device) -> Result<Model> {
    let path = resolve(model)?;
    Model::load(&path, backbone, &model_dirs(), device)
        .with_context(|| format!("cannot load model {}", path.display()))
}
