//! The `glia` application: the desktop app and the model lookup the command line shares.
//! The engine (model, preprocessing, scoring, training) lives in `crates/glia-engine`; the
//! catalog and sidecars in `crates/glia-catalog`; photo file handling in `crates/glia-media`.

pub mod app;
pub mod models;
