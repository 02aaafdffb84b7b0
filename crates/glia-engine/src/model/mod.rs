//! The GLIANet model: timm ViT backbone, GLIA adapters, and the model file.

pub mod activation;
mod file;
pub mod glia;
pub mod glianet;
pub mod loader;
pub mod vit;

pub use file::{Model, ModelInfo, save_adapters};
pub use glia::Interactions;
pub use glianet::{DetailAttention, GliaNet, GliaOutput};
pub use vit::{Vit, VitConfig};
