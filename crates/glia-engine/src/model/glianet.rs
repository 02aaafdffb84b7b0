//! GLIANet: a frozen ViT with a GLIA block before each of its blocks (DESIGN.md §1).

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use super::glia::{GliaBlock, Interactions, Mlp};
use super::loader::TensorFile;
use super::vit::Vit;
use crate::error::WeightsError;

fn head_dropout() -> Dropout {
    DropoutConfig::new(0.1).init()
}

/// Outputs of one batch through both streams.
#[derive(Debug, Clone)]
pub struct GliaOutput {
    /// Raw head output per image `[B]`; map to 0–100 with [`super::ModelInfo::to_percent`].
    pub score: Tensor<1>,
    /// Final-norm CLS of the detail stream `[B, D]`.
    pub detail_cls: Tensor<2>,
    /// CLS of the semantic latent after the last GLIA block `[B, d]`.
    pub latent_cls: Tensor<2>,
}

/// The detail stream's outputs with its attention weights.
#[derive(Debug, Clone)]
pub struct DetailAttention {
    pub output: GliaOutput,
    /// Self-attention of each frozen block on the mosaic, `[B, H, 1+N, 1+N]`.
    pub detail: Vec<Tensor<4>>,
    /// GLR weights of each GLIA block (empty when GLR is off), `[B, heads, 1+N, 1+N]`.
    pub glr: Vec<Tensor<4>>,
}

#[derive(Module, Debug)]
pub struct GliaNet {
    /// Frozen: no gradients are ever taken for it, but they flow through it.
    pub backbone: Vit,
    /// `F_s` (D) → latent (d): MLP D→d→d.
    pub semantic_proj: Mlp,
    pub glia: Vec<GliaBlock>,
    /// Before the head (p = 0.1); active only while training on an autodiff device.
    pub dropout: Dropout,
    pub head: Linear,
    pub lgf: bool,
    pub glr: bool,
}

impl GliaNet {
    /// Loads adapters + head from `adapters` onto an already loaded backbone.
    pub fn load_adapters(
        backbone: Vit,
        adapters: &TensorFile,
        latent: usize,
        heads: usize,
        on: Interactions,
        device: &Device,
    ) -> Result<Self, WeightsError> {
        let dim = backbone.dim();
        let depth = backbone.blocks.len();
        let semantic_proj = Mlp::load(adapters, "semantic_proj", [dim, latent, latent], device)?;
        let glia = (0..depth)
            .map(|i| GliaBlock::load(adapters, i, dim, latent, heads, device))
            .collect::<Result<Vec<_>, _>>()?;
        let head = adapters.linear("head", dim, 1, "regression head", device)?;
        Ok(Self {
            backbone,
            semantic_proj,
            glia,
            dropout: head_dropout(),
            head,
            lgf: on.lgf,
            glr: on.glr,
        })
    }

    /// New adapters and head (seeded by the device's RNG) on a loaded backbone.
    pub fn init(
        backbone: Vit,
        latent: usize,
        heads: usize,
        on: Interactions,
        device: &Device,
    ) -> Self {
        let dim = backbone.dim();
        let depth = backbone.blocks.len();
        Self {
            semantic_proj: Mlp::init([dim, latent, latent], device),
            glia: (0..depth)
                .map(|_| GliaBlock::init(dim, latent, heads, device))
                .collect(),
            dropout: head_dropout(),
            head: LinearConfig::new(dim, 1).init(device),
            backbone,
            lgf: on.lgf,
            glr: on.glr,
        }
    }

    pub fn interactions(&self) -> Interactions {
        Interactions {
            lgf: self.lgf,
            glr: self.glr,
        }
    }

    /// The frozen semantic tokens `F_s` `[B, 1+N, D]` of the 224×224 semantic view.
    /// Deterministic per image: callers may cache them.
    pub fn semantic_tokens(&self, x_s: Tensor<4>) -> Tensor<3> {
        self.backbone.forward_features(x_s)
    }

    /// The detail stream on the fragment mosaic `x_d`, guided by cached `F_s`.
    pub fn forward_from_tokens(&self, f_s: Tensor<3>, x_d: Tensor<4>) -> GliaOutput {
        let on = self.interactions();
        let mut f_sd = self.semantic_proj.forward(f_s);
        let mut f_d = self.backbone.embed(x_d);
        for (adapter, block) in self.glia.iter().zip(&self.backbone.blocks) {
            let (d, s) = adapter.forward(f_d, f_sd, on);
            f_d = block.forward(d);
            f_sd = s;
        }
        self.finish(f_d, f_sd)
    }

    /// The detail stream, also returning each block's self-attention `[B, H, 1+N, 1+N]` and,
    /// when GLR is on, each GLIA block's GLR weights. Slower: for attention maps only.
    pub fn forward_with_attention(&self, f_s: Tensor<3>, x_d: Tensor<4>) -> DetailAttention {
        let on = self.interactions();
        let mut f_sd = self.semantic_proj.forward(f_s);
        let mut f_d = self.backbone.embed(x_d);
        let (mut detail, mut glr) = (Vec::new(), Vec::new());
        for (adapter, block) in self.glia.iter().zip(&self.backbone.blocks) {
            let (d, s, w) = adapter.forward_with_weights(f_d, f_sd, on);
            let (next, attn) = block.forward_with_attention(d);
            f_d = next;
            f_sd = s;
            detail.push(attn);
            glr.extend(w);
        }
        DetailAttention {
            output: self.finish(f_d, f_sd),
            detail,
            glr,
        }
    }

    fn finish(&self, f_d: Tensor<3>, f_sd: Tensor<3>) -> GliaOutput {
        let [b, _, dim] = f_d.dims();
        let latent = f_sd.dims()[2];
        let cls = self
            .backbone
            .norm
            .forward(f_d)
            .narrow(1, 0, 1)
            .reshape([b, dim]);
        let score = self
            .head
            .forward(self.dropout.forward(cls.clone()))
            .reshape([b]);
        GliaOutput {
            score,
            detail_cls: cls,
            latent_cls: f_sd.narrow(1, 0, 1).reshape([b, latent]),
        }
    }

    /// Both streams: semantic view `x_s` and fragment mosaic `x_d`, each `[B, 3, 224, 224]`.
    pub fn forward(&self, x_s: Tensor<4>, x_d: Tensor<4>) -> GliaOutput {
        self.forward_from_tokens(self.semantic_tokens(x_s), x_d)
    }

    /// Trainable parameters: projection, GLIA blocks and head (the backbone is frozen).
    pub fn trainable_params(&self) -> usize {
        self.semantic_proj.num_params()
            + self.glia.iter().map(Module::num_params).sum::<usize>()
            + self.head.num_params()
    }
}
