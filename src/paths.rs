//! Where the app keeps the user's data: the platform's standard directories, never the
//! install location. `GLIA_DATA_DIR` puts everything under one folder instead (tests,
//! portable use).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

#[derive(Debug, Clone)]
pub struct AppPaths {
    /// The SQLite catalog: ratings, flags, scores per model, recent folders, settings.
    pub catalog: PathBuf,
    /// Thumbnail cache (may be deleted at any time).
    pub thumbs: PathBuf,
    /// Fine-tuned, named models.
    pub models: PathBuf,
}

impl AppPaths {
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            catalog: dir.join("catalog.sqlite3"),
            thumbs: dir.join("thumbnails"),
            models: dir.join("models"),
        }
    }

    pub fn from_env() -> Result<Self> {
        if let Some(dir) = std::env::var_os("GLIA_DATA_DIR") {
            return Ok(Self::in_dir(Path::new(&dir)));
        }
        let dirs = directories::ProjectDirs::from("", "", "glia")
            .context("cannot find a home directory for glia's catalog; set GLIA_DATA_DIR")?;
        Ok(Self {
            catalog: dirs.data_dir().join("catalog.sqlite3"),
            thumbs: dirs.cache_dir().join("thumbnails"),
            models: dirs.data_dir().join("models"),
        })
    }
}
