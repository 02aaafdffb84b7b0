//! Training and evaluation: data sets, metrics.

pub mod data;
pub mod metrics;
