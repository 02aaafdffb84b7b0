//! GLIANet: a frozen ViT with a GLIA block before each of its blocks (docs/model.md).

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use super::adapter_weights::Walk;
use super::glia::{GliaBlock, Interactions, Mlp};
use super::tensor_file::TensorFile;
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
    /// The last block's output before the final norm `[B, 1+N, D]` (for finding sinks).
    pub hidden: Tensor<3>,
}

/// The adapters' shape and switches: what a model file's metadata stores, and all
/// [`GliaNet`] needs beside its backbone. Defaults are the paper's ViT-Ti setting.
#[derive(Config, Debug, PartialEq)]
pub struct AdapterConfig {
    /// Latent size d of the GLIA blocks.
    #[config(default = 64)]
    pub latent: usize,
    /// Heads of the GLIA cross-attention.
    #[config(default = 4)]
    pub heads: usize,
    /// Local-Global Fusion (paper Eq. 3) on.
    #[config(default = true)]
    pub lgf: bool,
    /// Global-Local Refinement (paper Eq. 4) on.
    #[config(default = true)]
    pub glr: bool,
}

impl AdapterConfig {
    pub fn interactions(&self) -> Interactions {
        Interactions {
            lgf: self.lgf,
            glr: self.glr,
        }
    }

    pub fn with_interactions(self, on: Interactions) -> Self {
        self.with_lgf(on.lgf).with_glr(on.glr)
    }

    /// New adapters and head, drawn from the backend's generator, on a loaded backbone.
    /// Seed it through [`crate::seeded`] for adapters a seed names.
    pub fn init(&self, backbone: Vit, device: &Device) -> GliaNet {
        let dim = backbone.dim();
        let depth = backbone.blocks.len();
        GliaNet {
            semantic_proj: Mlp::init([dim, self.latent, self.latent], device),
            glia: (0..depth)
                .map(|_| GliaBlock::init(dim, self.latent, self.heads, device))
                .collect(),
            dropout: head_dropout(),
            head: LinearConfig::new(dim, 1).init(device),
            backbone,
            config: self.clone(),
        }
    }

    /// New adapters and head that `seed` names, whatever other threads draw meanwhile.
    pub fn init_seeded(&self, backbone: Vit, seed: u64, device: &Device) -> GliaNet {
        let _generator = crate::seeded::seeded(device, seed);
        let net = self.init(backbone, device);
        crate::seeded::materialise(&net);
        net
    }

    /// Adapters + head read from `adapters` (PyTorch key names, see [`super::glia`]) onto an
    /// already loaded backbone; every tensor's shape is checked against this config.
    pub fn load(
        &self,
        backbone: Vit,
        adapters: &TensorFile,
        device: &Device,
    ) -> Result<GliaNet, WeightsError> {
        let mut net = self.init(backbone, device);
        net.walk_adapters(&mut Walk::load(adapters.at(""), device))?;
        Ok(net)
    }
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
    #[module(skip)]
    pub config: AdapterConfig,
}

impl GliaNet {
    /// The trainable part's keys, walked once for both loading and saving.
    pub(crate) fn walk_adapters(&mut self, w: &mut Walk<'_>) -> Result<(), WeightsError> {
        self.semantic_proj.walk(&mut w.at("semantic_proj"))?;
        for (i, block) in self.glia.iter_mut().enumerate() {
            block.walk(&mut w.at(&format!("glia.{i}")))?;
        }
        w.linear("head", &mut self.head, "regression head")
    }

    pub fn interactions(&self) -> Interactions {
        self.config.interactions()
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
            output: self.finish(f_d.clone(), f_sd),
            detail,
            glr,
            hidden: f_d,
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
