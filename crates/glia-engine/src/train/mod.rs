//! Training and evaluation: data sets, splits, losses, metrics, the 0–100 line.

pub use calibrate::calibrate;

mod batch;
pub mod calibrate;
pub mod data;
pub mod loss;
pub mod metrics;
pub mod predict;
pub mod probe;
pub mod protocol;
pub mod resume;
pub mod session;
pub mod splits;
pub mod trainer;
