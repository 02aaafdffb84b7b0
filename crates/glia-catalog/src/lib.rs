//! glia's persistent store: the SQLite catalog, XMP sidecars, and exporting picks.
//!
//! No GUI and no model here: the GUI calls this crate, and the scorer's results arrive as plain
//! numbers keyed by an opaque model string.

mod catalog;
mod error;
mod export;
mod fsutil;
mod id;
mod labels;
mod schema;
mod sidecar;
mod xmp;

pub use catalog::Catalog;
pub use error::CatalogError;
pub use export::{ExportMode, ExportOutcome, export};
pub use id::{PhotoId, hash_file};
pub use labels::{Flag, Labels, StoredScore};
pub use sidecar::{SidecarStyle, read_sidecar, sidecar_path, write_sidecar};
