//! Reading safetensors files into burn tensors, with explicit key names. A [`Scope`] reads
//! under a key prefix (`file.at("blocks.3").linear("attn.qkv", …)`), so each module names
//! only its own keys.
//!
//! Key mapping, timm ViT (`vit_{tiny,small,base}_patch16_224`) → [`super::vit::Vit`]:
//!
//! | timm key                              | glia field                          | note                         |
//! |---------------------------------------|-------------------------------------|------------------------------|
//! | `patch_embed.proj.weight` [D,3,P,P]   | `patch_embed.weight` [3·P·P, D]     | conv as matmul, transposed   |
//! | `patch_embed.proj.bias` [D]           | `patch_embed.bias`                  |                              |
//! | `cls_token` [1,1,D]                   | `cls_token` [1,1,D]                 |                              |
//! | `pos_embed` [1,1+N,D]                 | `pos_embed` [1,1+N,D]               | N = (224/P)²                 |
//! | `blocks.i.norm1.{weight,bias}`        | `blocks[i].norm1.{gamma,beta}`      | eps 1e-6                     |
//! | `blocks.i.attn.qkv.{weight,bias}`     | `blocks[i].qkv` [D, 3D]             | transposed; heads = D/64     |
//! | `blocks.i.attn.proj.{weight,bias}`    | `blocks[i].proj` [D, D]             | transposed                   |
//! | `blocks.i.norm2.{weight,bias}`        | `blocks[i].norm2`                   |                              |
//! | `blocks.i.mlp.fc{1,2}.{weight,bias}`  | `blocks[i].fc{1,2}`                 | transposed, exact GELU       |
//! | `norm.{weight,bias}`                  | `norm`                              | final norm                   |
//! | `head.{weight,bias}` [C,D]            | `head` [D, C] (optional)            | ImageNet classifier          |
//!
//! PyTorch stores linear weights as `[out, in]`; burn's `Linear` wants `[in, out]`, so every
//! linear weight is transposed here, once, on the host.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use burn::module::Param;
use burn::nn::{LayerNorm, LayerNormConfig, Linear};
use burn::tensor::{Device, Tensor, TensorData};
use safetensors::tensor::{Dtype, Metadata, SafeTensors};

use crate::error::WeightsError;

/// An open safetensors file. Tensors are converted to f32 on request.
pub struct TensorFile {
    path: PathBuf,
    bytes: Vec<u8>,
    header_len: usize,
    meta: Metadata,
}

impl TensorFile {
    pub fn open(path: &Path) -> Result<Self, WeightsError> {
        let bytes = std::fs::read(path).map_err(|source| WeightsError::Io {
            path: path.to_owned(),
            source,
        })?;
        let (header_len, meta) =
            SafeTensors::read_metadata(&bytes).map_err(|e| WeightsError::Format {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            path: path.to_owned(),
            bytes,
            header_len,
            meta,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's `__metadata__` string map (empty when it has none).
    pub fn metadata(&self) -> HashMap<String, String> {
        self.meta.metadata().clone().unwrap_or_default()
    }

    pub fn contains(&self, key: &str) -> bool {
        self.meta.info(key).is_some()
    }

    pub fn shape(&self, key: &str) -> Option<&[usize]> {
        self.meta.info(key).map(|i| i.shape.as_slice())
    }

    /// All tensor names, sorted.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.meta.tensors().keys().cloned().collect();
        keys.sort();
        keys
    }

    fn missing(&self, key: &str, what: &'static str) -> WeightsError {
        WeightsError::MissingKey {
            path: self.path.clone(),
            key: key.to_owned(),
            what,
        }
    }

    /// The shape of `key`, or an error naming the key and what it is for.
    pub fn require_shape(&self, key: &str, what: &'static str) -> Result<Vec<usize>, WeightsError> {
        self.shape(key)
            .map(<[usize]>::to_vec)
            .ok_or_else(|| self.missing(key, what))
    }

    /// The values of `key` as f32, checking its shape.
    pub fn read(
        &self,
        key: &str,
        expected: &[usize],
        what: &'static str,
    ) -> Result<Vec<f32>, WeightsError> {
        let info = self.meta.info(key).ok_or_else(|| self.missing(key, what))?;
        if info.shape != expected {
            return Err(WeightsError::Shape {
                path: self.path.clone(),
                key: key.to_owned(),
                found: info.shape.clone(),
                expected: expected.to_vec(),
            });
        }
        let start = 8 + self.header_len + info.data_offsets.0;
        let end = 8 + self.header_len + info.data_offsets.1;
        let raw = self
            .bytes
            .get(start..end)
            .ok_or_else(|| WeightsError::Format {
                path: self.path.clone(),
                reason: format!("data of `{key}` lies outside the file"),
            })?;
        let values: Vec<f32> = match info.dtype {
            Dtype::F32 => raw
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            Dtype::F16 => raw
                .chunks_exact(2)
                .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect(),
            Dtype::BF16 => raw
                .chunks_exact(2)
                .map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect(),
            other => {
                return Err(WeightsError::Dtype {
                    path: self.path.clone(),
                    key: key.to_owned(),
                    dtype: format!("{other:?}"),
                });
            }
        };
        Ok(values)
    }

    pub fn tensor<const D: usize>(
        &self,
        key: &str,
        shape: [usize; D],
        what: &'static str,
        device: &Device,
    ) -> Result<Tensor<D>, WeightsError> {
        let values = self.read(key, &shape, what)?;
        Ok(Tensor::from_data(TensorData::new(values, shape), device))
    }

    pub fn param<const D: usize>(
        &self,
        key: &str,
        shape: [usize; D],
        what: &'static str,
        device: &Device,
    ) -> Result<Param<Tensor<D>>, WeightsError> {
        Ok(Param::from_tensor(self.tensor(key, shape, what, device)?))
    }

    /// A PyTorch `nn.Linear` stored as `{prefix}.weight` [out, in] and `{prefix}.bias` [out].
    pub fn linear(
        &self,
        prefix: &str,
        d_in: usize,
        d_out: usize,
        what: &'static str,
        device: &Device,
    ) -> Result<Linear, WeightsError> {
        let w = self.read(&format!("{prefix}.weight"), &[d_out, d_in], what)?;
        let bias = self.param(&format!("{prefix}.bias"), [d_out], what, device)?;
        Ok(linear_from_torch(&w, d_in, d_out, Some(bias), device))
    }

    /// A reader of the keys under `prefix` (`prefix.name`).
    pub fn at(&self, prefix: &str) -> Scope<'_> {
        Scope {
            file: self,
            prefix: prefix.to_owned(),
        }
    }

    pub fn layer_norm(
        &self,
        prefix: &str,
        d: usize,
        eps: f64,
        what: &'static str,
        device: &Device,
    ) -> Result<LayerNorm, WeightsError> {
        let mut norm = LayerNormConfig::new(d).with_epsilon(eps).init(device);
        norm.gamma = self.param(&format!("{prefix}.weight"), [d], what, device)?;
        norm.beta = Some(self.param(&format!("{prefix}.bias"), [d], what, device)?);
        Ok(norm)
    }
}

/// The keys of a [`TensorFile`] under one prefix, like candle's `VarBuilder::pp`.
#[derive(Clone)]
pub struct Scope<'a> {
    file: &'a TensorFile,
    prefix: String,
}

impl<'a> Scope<'a> {
    /// The full key of `name` in this scope.
    pub fn key(&self, name: &str) -> String {
        match (self.prefix.is_empty(), name.is_empty()) {
            (true, _) => name.to_owned(),
            (false, true) => self.prefix.clone(),
            (false, false) => format!("{}.{name}", self.prefix),
        }
    }

    /// A narrower scope: `blocks` then `3` reads `blocks.3.*`.
    pub fn at(&self, name: &str) -> Scope<'a> {
        Scope {
            file: self.file,
            prefix: self.key(name),
        }
    }

    pub fn file(&self) -> &'a TensorFile {
        self.file
    }

    pub fn read(
        &self,
        name: &str,
        expected: &[usize],
        what: &'static str,
    ) -> Result<Vec<f32>, WeightsError> {
        self.file.read(&self.key(name), expected, what)
    }

    pub fn param<const D: usize>(
        &self,
        name: &str,
        shape: [usize; D],
        what: &'static str,
        device: &Device,
    ) -> Result<Param<Tensor<D>>, WeightsError> {
        self.file.param(&self.key(name), shape, what, device)
    }

    pub fn linear(
        &self,
        name: &str,
        d_in: usize,
        d_out: usize,
        what: &'static str,
        device: &Device,
    ) -> Result<Linear, WeightsError> {
        self.file.linear(&self.key(name), d_in, d_out, what, device)
    }

    pub fn layer_norm(
        &self,
        name: &str,
        d: usize,
        eps: f64,
        what: &'static str,
        device: &Device,
    ) -> Result<LayerNorm, WeightsError> {
        self.file.layer_norm(&self.key(name), d, eps, what, device)
    }
}

/// Builds a burn `Linear` from a PyTorch-layout `[out, in]` weight.
pub fn linear_from_torch(
    weight_out_in: &[f32],
    d_in: usize,
    d_out: usize,
    bias: Option<Param<Tensor<1>>>,
    device: &Device,
) -> Linear {
    let mut transposed = vec![0.0f32; d_in * d_out];
    for o in 0..d_out {
        for i in 0..d_in {
            transposed[i * d_out + o] = weight_out_in[o * d_in + i];
        }
    }
    let weight = Tensor::from_data(TensorData::new(transposed, [d_in, d_out]), device);
    Linear {
        weight: Param::from_tensor(weight),
        bias,
    }
}
