//! Errors of the engine. Each message names the file and what to do about it.

use std::path::PathBuf;

/// Problems reading or interpreting a weights or model file.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    #[error("cannot read weights file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid safetensors file: {reason}")]
    Format { path: PathBuf, reason: String },
    #[error("{path} has no tensor `{key}` ({what}); is this a timm ViT / glia model file?")]
    MissingKey {
        path: PathBuf,
        key: String,
        what: &'static str,
    },
    #[error("tensor `{key}` in {path} has shape {found:?}, expected {expected:?}")]
    Shape {
        path: PathBuf,
        key: String,
        found: Vec<usize>,
        expected: Vec<usize>,
    },
    #[error("tensor `{key}` in {path} has dtype {dtype}; only F32, F16 and BF16 are supported")]
    Dtype {
        path: PathBuf,
        key: String,
        dtype: String,
    },
    #[error("{path}: {reason}")]
    Invalid { path: PathBuf, reason: String },
}

/// Problems with one photo: decoding lives in `glia-media`.
pub use glia_media::ImageError;

/// Problems choosing or starting a compute device.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error(
        "no GPU adapter found ({0}); run with --device cpu, or install a Vulkan/Metal/DX12 driver"
    )]
    NoGpu(String),
}
