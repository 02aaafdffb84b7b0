//! The adapters' weights under their PyTorch names, walked by one function per module for
//! both directions: loading reads each key into the (freshly initialised, correctly shaped)
//! field, saving writes the field under the same key. A key is therefore written once, and
//! a saved file always reloads (the key table is in [`super::glia`]).

use std::collections::BTreeMap;

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, TensorData};

use super::tensor_file::{Scope, linear_from_torch};
use crate::error::WeightsError;

/// One tensor as it is written to a safetensors file (f32, little-endian).
pub(crate) struct Stored {
    pub shape: Vec<usize>,
    pub bytes: Vec<u8>,
}

/// A walk over weights under a key prefix, loading or saving.
pub(crate) enum Walk<'a> {
    Load {
        at: Scope<'a>,
        device: &'a Device,
    },
    Save {
        prefix: String,
        out: &'a mut BTreeMap<String, Stored>,
    },
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.try_into_vec_as::<f32>()
        .expect("reading adapter weights back from the device")
}

/// burn `[in, out]` linear → PyTorch `[out, in]` weight and its bias.
fn torch_linear(l: &Linear) -> (Vec<f32>, [usize; 2], Vec<f32>) {
    let [d_in, d_out] = l.weight.dims();
    let w = values(l.weight.val().transpose());
    let b = l
        .bias
        .as_ref()
        .map_or(vec![0.0; d_out], |b| values(b.val()));
    (w, [d_out, d_in], b)
}

impl<'a> Walk<'a> {
    pub fn load(at: Scope<'a>, device: &'a Device) -> Self {
        Walk::Load { at, device }
    }

    pub fn save(out: &'a mut BTreeMap<String, Stored>) -> Self {
        Walk::Save {
            prefix: String::new(),
            out,
        }
    }

    /// The walk one level down (`glia` then `3` walks `glia.3.*`).
    pub fn at(&mut self, name: &str) -> Walk<'_> {
        match self {
            Walk::Load { at, device } => Walk::Load {
                at: at.at(name),
                device,
            },
            Walk::Save { prefix, out } => Walk::Save {
                prefix: join(prefix, name),
                out,
            },
        }
    }

    fn put(&mut self, name: &str, shape: Vec<usize>, v: Vec<f32>) {
        if let Walk::Save { prefix, out } = self {
            let bytes = bytemuck::cast_slice(&v).to_vec();
            out.insert(join(prefix, name), Stored { shape, bytes });
        }
    }

    /// A PyTorch `nn.Linear`: `{name}.weight` [out, in] and `{name}.bias` [out].
    pub fn linear(
        &mut self,
        name: &str,
        l: &mut Linear,
        what: &'static str,
    ) -> Result<(), WeightsError> {
        let [d_in, d_out] = l.weight.dims();
        match self {
            Walk::Load { at, device } => *l = at.linear(name, d_in, d_out, what, device)?,
            Walk::Save { .. } => {
                let (w, shape, b) = torch_linear(l);
                self.put(&format!("{name}.bias"), vec![shape[0]], b);
                self.put(&format!("{name}.weight"), shape.to_vec(), w);
            }
        }
        Ok(())
    }

    /// A 1-d parameter (gates, scales).
    pub fn param(
        &mut self,
        name: &str,
        p: &mut Param<Tensor<1>>,
        what: &'static str,
    ) -> Result<(), WeightsError> {
        let shape = p.dims();
        match self {
            Walk::Load { at, device } => *p = at.param(name, shape, what, device)?,
            Walk::Save { .. } => self.put(name, shape.to_vec(), values(p.val())),
        }
        Ok(())
    }

    /// `nn.MultiheadAttention`'s packed input projection: `in_proj_weight` [3d, d] with the
    /// rows of q, k and v stacked, and `in_proj_bias` [3d].
    pub fn in_proj(
        &mut self,
        [q, k, v]: [&mut Linear; 3],
        what: &'static str,
    ) -> Result<(), WeightsError> {
        let [d, _] = q.weight.dims();
        match self {
            Walk::Load { at, device } => {
                let w = at.read("in_proj_weight", &[3 * d, d], what)?;
                let b = at.read("in_proj_bias", &[3 * d], what)?;
                for (i, l) in [q, k, v].into_iter().enumerate() {
                    let bias = Tensor::<1>::from_data(
                        TensorData::new(b[i * d..(i + 1) * d].to_vec(), [d]),
                        *device,
                    );
                    *l = linear_from_torch(
                        &w[i * d * d..(i + 1) * d * d],
                        d,
                        d,
                        Some(Param::from_tensor(bias)),
                        device,
                    );
                }
            }
            Walk::Save { .. } => {
                let (mut w, mut b) = (Vec::new(), Vec::new());
                for l in [q, k, v] {
                    let (lw, _, lb) = torch_linear(l);
                    w.extend(lw);
                    b.extend(lb);
                }
                self.put("in_proj_weight", vec![3 * d, d], w);
                self.put("in_proj_bias", vec![3 * d], b);
            }
        }
        Ok(())
    }
}
