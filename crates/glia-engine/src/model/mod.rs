//! The GLIANet model: timm ViT backbone, GLIA adapters, and the model file.

pub mod activation;
mod adapter_weights;
mod file;
pub mod glia;
pub mod glianet;
pub mod tensor_file;
pub mod vit;

pub use file::{Model, ModelInfo, save_adapters};
pub use glia::Interactions;
pub use glianet::{AdapterConfig, DetailAttention, GliaNet, GliaOutput};
pub use vit::{Vit, VitConfig};
