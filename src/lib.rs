//! The `glia` application: the desktop app, and what it shares with the command line (where
//! models and the user's data live).
//! The engine (model, preprocessing, scoring, training) lives in `crates/glia-engine`; the
//! catalog and sidecars in `crates/glia-catalog`; photo file handling in `crates/glia-media`.

pub mod app;
pub mod models;
pub mod paths;
pub mod report;
