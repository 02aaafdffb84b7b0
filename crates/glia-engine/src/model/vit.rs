//! timm's Vision Transformer (`vit_{tiny,small,base}_patch16_224`), inference only.
//!
//! Pre-norm blocks, qkv with bias, LayerNorm eps 1e-6, exact (erf) GELU, learned position
//! embedding and a CLS token. The size is read from the weights (see [`VitConfig::from_file`]).

use burn::module::{Module, Param};
use burn::nn::{LayerNorm, Linear};
use burn::tensor::activation::softmax;

use super::activation::gelu;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Device, Tensor};

use super::tensor_file::{Scope, TensorFile, linear_from_torch};
use crate::error::WeightsError;

/// timm's LayerNorm epsilon for ViTs (burn's default, 1e-5, drifts from timm by ~1e-4).
pub const VIT_LN_EPS: f64 = 1e-6;

/// Shapes of a ViT, as found in its weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VitConfig {
    pub dim: usize,
    pub depth: usize,
    pub heads: usize,
    pub mlp_dim: usize,
    pub patch: usize,
    /// Patches per side: 14 for 224 px with patch 16.
    pub grid: usize,
    /// ImageNet classes of the classifier head, when the file has one.
    pub classes: Option<usize>,
}

impl VitConfig {
    /// Reads the size from the tensor shapes of a timm-layout file.
    pub fn from_file(file: &TensorFile) -> Result<Self, WeightsError> {
        let invalid = |reason: String| WeightsError::Invalid {
            path: file.path().to_owned(),
            reason,
        };
        let proj = file.require_shape("patch_embed.proj.weight", "patch embedding")?;
        let [dim, channels, patch, patch_w] = proj[..] else {
            return Err(invalid(format!(
                "patch_embed.proj.weight has shape {proj:?}, expected [dim, 3, patch, patch]"
            )));
        };
        if channels != 3 || patch != patch_w {
            return Err(invalid(format!(
                "patch_embed.proj.weight has shape {proj:?}, expected [dim, 3, patch, patch]"
            )));
        }
        let pos = file.require_shape("pos_embed", "position embedding")?;
        let tokens = match pos[..] {
            [1, n, d] if d == dim => n,
            _ => {
                return Err(invalid(format!(
                    "pos_embed has shape {pos:?}, expected [1, 1+N, {dim}]"
                )));
            }
        };
        let grid = ((tokens - 1) as f64).sqrt().round() as usize;
        if grid * grid + 1 != tokens {
            return Err(invalid(format!(
                "pos_embed has {tokens} tokens: not a CLS token plus a square grid (glia needs a class-token ViT)"
            )));
        }
        if grid * patch != 224 {
            return Err(invalid(format!(
                "this ViT takes {} px inputs; glia needs a 224 px ViT",
                grid * patch
            )));
        }
        let depth = (0..)
            .take_while(|i| file.contains(&format!("blocks.{i}.attn.qkv.weight")))
            .count();
        if depth == 0 {
            return Err(file_missing(
                file,
                "blocks.0.attn.qkv.weight",
                "transformer block 0",
            ));
        }
        let mlp = file.require_shape("blocks.0.mlp.fc1.weight", "MLP of block 0")?;
        let mlp_dim = mlp[0];
        if dim % 64 != 0 {
            return Err(invalid(format!(
                "embedding size {dim} is not a multiple of timm's head size 64"
            )));
        }
        let classes = file.shape("head.weight").map(|s| s[0]);
        Ok(Self {
            dim,
            depth,
            heads: dim / 64,
            mlp_dim,
            patch,
            grid,
            classes,
        })
    }

    pub fn tokens(&self) -> usize {
        self.grid * self.grid + 1
    }

    /// A short name of the architecture, for messages and model metadata.
    pub fn name(&self) -> String {
        let size = match (self.dim, self.depth) {
            (192, 12) => "tiny",
            (384, 12) => "small",
            (768, 12) => "base",
            (1024, 24) => "large",
            _ => "custom",
        };
        format!("vit_{size}_patch{}_{}", self.patch, self.patch * self.grid)
    }
}

fn file_missing(file: &TensorFile, key: &str, what: &'static str) -> WeightsError {
    WeightsError::MissingKey {
        path: file.path().to_owned(),
        key: key.to_owned(),
        what,
    }
}

#[derive(Module, Debug)]
pub struct Block {
    pub norm1: LayerNorm,
    pub qkv: Linear,
    pub proj: Linear,
    pub norm2: LayerNorm,
    pub fc1: Linear,
    pub fc2: Linear,
    pub heads: usize,
}

impl Block {
    /// Block `i` from the keys under `blocks.{i}` (`at`).
    fn load(at: &Scope<'_>, c: &VitConfig, device: &Device) -> Result<Self, WeightsError> {
        let what = "transformer block";
        Ok(Self {
            norm1: at.layer_norm("norm1", c.dim, VIT_LN_EPS, what, device)?,
            qkv: at.linear("attn.qkv", c.dim, 3 * c.dim, what, device)?,
            proj: at.linear("attn.proj", c.dim, c.dim, what, device)?,
            norm2: at.layer_norm("norm2", c.dim, VIT_LN_EPS, what, device)?,
            fc1: at.linear("mlp.fc1", c.dim, c.mlp_dim, what, device)?,
            fc2: at.linear("mlp.fc2", c.mlp_dim, c.dim, what, device)?,
            heads: c.heads,
        })
    }

    /// q, k, v as `[batch, heads, tokens, head_dim]`.
    fn qkv(&self, x: Tensor<3>) -> [Tensor<4>; 3] {
        let [b, n, d] = x.dims();
        let hd = d / self.heads;
        let qkv = self.qkv.forward(x).reshape([b, n, 3, self.heads, hd]);
        let part = |i: usize| {
            qkv.clone()
                .narrow(2, i, 1)
                .reshape([b, n, self.heads, hd])
                .swap_dims(1, 2)
        };
        [part(0), part(1), part(2)]
    }

    fn merge_heads(&self, x: Tensor<4>) -> Tensor<3> {
        let [b, h, n, hd] = x.dims();
        self.proj.forward(x.swap_dims(1, 2).reshape([b, n, h * hd]))
    }

    fn mlp(&self, x: Tensor<3>) -> Tensor<3> {
        self.fc2.forward(gelu(self.fc1.forward(x)))
    }

    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [q, k, v] = self.qkv(self.norm1.forward(x.clone()));
        let a = attention(q, k, v, None, None, AttentionModuleOptions::default());
        let x = x + self.merge_heads(a);
        x.clone() + self.mlp(self.norm2.forward(x))
    }

    /// Like [`Self::forward`], also returning the attention weights `[batch, heads, n, n]`.
    /// Slower (explicit softmax): only for attention maps, never for bulk scoring.
    pub fn forward_with_attention(&self, x: Tensor<3>) -> (Tensor<3>, Tensor<4>) {
        let [q, k, v] = self.qkv(self.norm1.forward(x.clone()));
        let hd = q.dims()[3];
        let scores = q.matmul(k.swap_dims(2, 3)) * (1.0 / (hd as f64).sqrt());
        let weights = softmax(scores, 3);
        let x = x + self.merge_heads(weights.clone().matmul(v));
        (x.clone() + self.mlp(self.norm2.forward(x)), weights)
    }
}

#[derive(Module, Debug)]
pub struct Vit {
    /// The patch convolution as a matmul: `[3·P·P, D]`.
    pub patch_embed: Linear,
    pub cls_token: Param<Tensor<3>>,
    pub pos_embed: Param<Tensor<3>>,
    pub blocks: Vec<Block>,
    pub norm: LayerNorm,
    pub head: Option<Linear>,
    pub patch: usize,
    pub grid: usize,
}

impl Vit {
    /// Loads a timm-layout ViT; see the key table in [`super::tensor_file`].
    pub fn load(file: &TensorFile, device: &Device) -> Result<(Self, VitConfig), WeightsError> {
        let c = VitConfig::from_file(file)?;
        let k = 3 * c.patch * c.patch;
        let what = "patch embedding";
        let w = file.read(
            "patch_embed.proj.weight",
            &[c.dim, 3, c.patch, c.patch],
            what,
        )?;
        let bias = file.param("patch_embed.proj.bias", [c.dim], what, device)?;
        let patch_embed = linear_from_torch(&w, k, c.dim, Some(bias), device);
        let blocks_at = file.at("blocks");
        let blocks = (0..c.depth)
            .map(|i| Block::load(&blocks_at.at(&i.to_string()), &c, device))
            .collect::<Result<Vec<_>, _>>()?;
        let head = match c.classes {
            Some(n) => Some(file.linear("head", c.dim, n, "classifier head", device)?),
            None => None,
        };
        let vit = Self {
            patch_embed,
            cls_token: file.param("cls_token", [1, 1, c.dim], "class token", device)?,
            pos_embed: file.param(
                "pos_embed",
                [1, c.tokens(), c.dim],
                "position embedding",
                device,
            )?,
            blocks,
            norm: file.layer_norm("norm", c.dim, VIT_LN_EPS, "final norm", device)?,
            head,
            patch: c.patch,
            grid: c.grid,
        };
        Ok((vit.no_grad(), c))
    }

    /// Patch embedding + CLS + position embedding of `[B, 3, 224, 224]` normalised pixels.
    pub fn embed(&self, x: Tensor<4>) -> Tensor<3> {
        let [b, c, h, w] = x.dims();
        let (p, g) = (self.patch, self.grid);
        assert!(
            h == p * g && w == p * g,
            "ViT input must be {0}x{0}, got {h}x{w}",
            p * g
        );
        let patches = x
            .reshape([b, c, g, p, g, p])
            .permute([0, 2, 4, 1, 3, 5])
            .reshape([b, g * g, c * p * p]);
        let tokens = self.patch_embed.forward(patches);
        let d = tokens.dims()[2];
        let cls = self.cls_token.val().expand([b, 1, d]);
        Tensor::cat(vec![cls, tokens], 1) + self.pos_embed.val()
    }

    /// Final-norm tokens `[B, 1+N, D]`.
    pub fn forward_features(&self, x: Tensor<4>) -> Tensor<3> {
        let mut t = self.embed(x);
        for block in &self.blocks {
            t = block.forward(t);
        }
        self.norm.forward(t)
    }

    /// Final-norm tokens, each block's attention weights `[B, H, 1+N, 1+N]`, and the last
    /// block's output before the final norm, where high-norm "sink" tokens stand out.
    pub fn forward_features_with_attention(
        &self,
        x: Tensor<4>,
    ) -> (Tensor<3>, Vec<Tensor<4>>, Tensor<3>) {
        let mut t = self.embed(x);
        let mut maps = Vec::with_capacity(self.blocks.len());
        for block in &self.blocks {
            let (next, attn) = block.forward_with_attention(t);
            t = next;
            maps.push(attn);
        }
        (self.norm.forward(t.clone()), maps, t)
    }

    /// ImageNet logits from final-norm tokens; `None` when the file had no classifier.
    pub fn logits(&self, features: Tensor<3>) -> Option<Tensor<2>> {
        let head = self.head.as_ref()?;
        let [b, _, d] = features.dims();
        Some(head.forward(features.narrow(1, 0, 1).reshape([b, d])))
    }

    pub fn dim(&self) -> usize {
        self.norm.gamma.dims()[0]
    }
}
