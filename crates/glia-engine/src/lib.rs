//! glia's engine: GLIANet (a frozen timm ViT with Global-Local Interaction Adapters,
//! arXiv 2605.17748) in burn, its preprocessing, and the batched scoring pipeline.
//! No GUI code lives here.

pub mod attention;
pub mod damage;
pub mod device;
pub mod error;
pub mod grouping;
pub mod judgement;
pub mod localisation;
pub mod model;
pub mod overlay;
pub mod pipeline;
pub mod preprocess;
pub mod quality_map;
pub mod seeded;
pub mod train;

pub use burn;
pub use device::{ComputeDevice, DeviceChoice};
pub use error::{DeviceError, ImageError, WeightsError};
pub use model::{Model, ModelInfo};
pub use pipeline::{Entry, Score, ScoreOptions, Scored, Scorer, discover};
