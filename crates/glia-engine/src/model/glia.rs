//! The Global-Local Interaction Adapter (docs/model.md §1, paper Eq. 3–4).
//!
//! Adapter key layout (PyTorch names, as in `glianet_tiny_golden.json`), read and written by
//! the `walk` methods ([`super::adapter_weights`]):
//!
//! | key                                   | shape      | glia field                      |
//! |---------------------------------------|------------|---------------------------------|
//! | `glia.i.down.fc{1,2}.{weight,bias}`   | [d,D],[d,d]| `down` (MLP D→d→d)              |
//! | `glia.i.up.fc{1,2}.{weight,bias}`     | [D,d],[D,D]| `up` (MLP d→D→D)                |
//! | `glia.i.lgf.in_proj_{weight,bias}`    | [3d,d]     | `lgf.{q,k,v}` (rows q; k; v)    |
//! | `glia.i.lgf.out_proj.{weight,bias}`   | [d,d]      | `lgf.out`                       |
//! | `glia.i.glr.*`                        | as `lgf`   | `glr`                           |
//! | `glia.i.lambda_d`, `glia.i.lambda_s`  | [1]        | LGF / GLR residual gates        |
//! | `glia.i.scale`                        | [D]        | per-channel scale of `up`       |

use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::softmax;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Device, Tensor};

use super::activation::gelu;
use super::adapter_weights::Walk;
use crate::error::WeightsError;

/// `fc2(gelu(fc1(x)))`, PyTorch keys `{prefix}.fc1` / `{prefix}.fc2`.
#[derive(Module, Debug)]
pub struct Mlp {
    pub fc1: Linear,
    pub fc2: Linear,
}

impl Mlp {
    pub(crate) fn walk(&mut self, w: &mut Walk<'_>) -> Result<(), WeightsError> {
        w.linear("fc1", &mut self.fc1, "adapter MLP")?;
        w.linear("fc2", &mut self.fc2, "adapter MLP")
    }

    /// Freshly initialised (PyTorch's default uniform init) `dims[0]→dims[1]→dims[2]`.
    pub fn init(dims: [usize; 3], device: &Device) -> Self {
        Self {
            fc1: LinearConfig::new(dims[0], dims[1]).init(device),
            fc2: LinearConfig::new(dims[1], dims[2]).init(device),
        }
    }

    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        self.fc2.forward(gelu(self.fc1.forward(x)))
    }
}

/// Multi-head cross-attention with PyTorch `nn.MultiheadAttention` weights.
#[derive(Module, Debug)]
pub struct CrossAttention {
    pub q: Linear,
    pub k: Linear,
    pub v: Linear,
    pub out: Linear,
    pub heads: usize,
}

impl CrossAttention {
    pub(crate) fn walk(&mut self, w: &mut Walk<'_>) -> Result<(), WeightsError> {
        let what = "GLIA cross-attention";
        w.in_proj([&mut self.q, &mut self.k, &mut self.v], what)?;
        w.linear("out_proj", &mut self.out, what)
    }

    pub fn init(d: usize, heads: usize, device: &Device) -> Self {
        let linear = || LinearConfig::new(d, d).init(device);
        Self {
            q: linear(),
            k: linear(),
            v: linear(),
            out: linear(),
            heads,
        }
    }

    fn split(&self, x: Tensor<3>) -> Tensor<4> {
        let [b, n, d] = x.dims();
        x.reshape([b, n, self.heads, d / self.heads])
            .swap_dims(1, 2)
    }

    fn merge(&self, x: Tensor<4>) -> Tensor<3> {
        let [b, h, n, hd] = x.dims();
        self.out.forward(x.swap_dims(1, 2).reshape([b, n, h * hd]))
    }

    /// `query` `[B, Nq, d]` attends to `context` `[B, Nk, d]`.
    pub fn forward(&self, query: Tensor<3>, context: Tensor<3>) -> Tensor<3> {
        let q = self.split(self.q.forward(query));
        let k = self.split(self.k.forward(context.clone()));
        let v = self.split(self.v.forward(context));
        self.merge(attention(
            q,
            k,
            v,
            None,
            None,
            AttentionModuleOptions::default(),
        ))
    }

    /// Like [`Self::forward`], also returning the weights `[B, heads, Nq, Nk]`.
    pub fn forward_with_weights(
        &self,
        query: Tensor<3>,
        context: Tensor<3>,
    ) -> (Tensor<3>, Tensor<4>) {
        let q = self.split(self.q.forward(query));
        let k = self.split(self.k.forward(context.clone()));
        let v = self.split(self.v.forward(context));
        let hd = q.dims()[3];
        let w = softmax(q.matmul(k.swap_dims(2, 3)) * (1.0 / (hd as f64).sqrt()), 3);
        (self.merge(w.clone().matmul(v)), w)
    }
}

/// One GLIA block; runs before frozen ViT block `i` of the detail stream.
#[derive(Module, Debug)]
pub struct GliaBlock {
    pub down: Mlp,
    pub up: Mlp,
    pub lgf: CrossAttention,
    pub glr: CrossAttention,
    pub lambda_d: Param<Tensor<1>>,
    pub lambda_s: Param<Tensor<1>>,
    pub scale: Param<Tensor<1>>,
}

/// Which interactions run (the paper's ablations, Tables 4–5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Interactions {
    /// Local-Global Fusion, Eq. 3: detail tokens query the semantic latent.
    pub lgf: bool,
    /// Global-Local Refinement, Eq. 4: the semantic latent queries the detail tokens.
    pub glr: bool,
}

impl Default for Interactions {
    fn default() -> Self {
        Self {
            lgf: true,
            glr: true,
        }
    }
}

impl GliaBlock {
    /// The block's keys under `glia.{i}` (the table above).
    pub(crate) fn walk(&mut self, w: &mut Walk<'_>) -> Result<(), WeightsError> {
        let what = "GLIA block";
        self.down.walk(&mut w.at("down"))?;
        self.up.walk(&mut w.at("up"))?;
        self.lgf.walk(&mut w.at("lgf"))?;
        self.glr.walk(&mut w.at("glr"))?;
        w.param("lambda_d", &mut self.lambda_d, what)?;
        w.param("lambda_s", &mut self.lambda_s, what)?;
        w.param("scale", &mut self.scale, what)
    }

    /// Freshly initialised: `s_i` at 0.02 so the frozen backbone starts almost untouched,
    /// the λ gates at 0.5 so both interactions get gradients from the first step.
    pub fn init(dim: usize, latent: usize, heads: usize, device: &Device) -> Self {
        let full = |n: usize, v: f32| Param::from_tensor(Tensor::<1>::full([n], v, device));
        Self {
            down: Mlp::init([dim, latent, latent], device),
            up: Mlp::init([latent, dim, dim], device),
            lgf: CrossAttention::init(latent, heads, device),
            glr: CrossAttention::init(latent, heads, device),
            lambda_d: full(1, 0.5),
            lambda_s: full(1, 0.5),
            scale: full(dim, 0.02),
        }
    }

    /// One interaction step: returns the updated detail tokens (before the frozen block)
    /// and the updated semantic latent.
    pub fn forward(
        &self,
        f_d: Tensor<3>,
        f_sd: Tensor<3>,
        on: Interactions,
    ) -> (Tensor<3>, Tensor<3>) {
        let (f_d, f_sd, _) = self.step(f_d, f_sd, on, false);
        (f_d, f_sd)
    }

    /// Like [`Self::forward`], also returning the GLR weights `[B, heads, 1+N, 1+N]`
    /// (semantic latent queries × detail tokens) when GLR is on.
    pub fn forward_with_weights(
        &self,
        f_d: Tensor<3>,
        f_sd: Tensor<3>,
        on: Interactions,
    ) -> (Tensor<3>, Tensor<3>, Option<Tensor<4>>) {
        self.step(f_d, f_sd, on, true)
    }

    fn step(
        &self,
        f_d: Tensor<3>,
        f_sd: Tensor<3>,
        on: Interactions,
        keep: bool,
    ) -> (Tensor<3>, Tensor<3>, Option<Tensor<4>>) {
        let mut z = self.down.forward(f_d.clone());
        if on.lgf {
            z = z.clone()
                + self.lgf.forward(z, f_sd.clone()) * self.lambda_d.val().reshape([1, 1, 1]);
        }
        let (f_sd, weights) = if on.glr {
            let (update, w) = if keep {
                let (u, w) = self.glr.forward_with_weights(f_sd.clone(), z.clone());
                (u, Some(w))
            } else {
                (self.glr.forward(f_sd.clone(), z.clone()), None)
            };
            (f_sd + update * self.lambda_s.val().reshape([1, 1, 1]), w)
        } else {
            (f_sd, None)
        };
        let d = f_d.dims()[2];
        let f_d = f_d + self.up.forward(z) * self.scale.val().reshape([1, 1, d]);
        (f_d, f_sd, weights)
    }
}
