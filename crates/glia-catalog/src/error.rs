use std::path::PathBuf;

/// Everything that can go wrong in the catalog, sidecars and export.
///
/// Messages name the file involved and, where there is one, what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("could not {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "{path} is not a glia catalog (it is not an SQLite database); \
         move it aside and glia will start a new catalog"
    )]
    NotACatalog { path: PathBuf },

    #[error(
        "the catalog {path} was written by a newer glia (schema version {found}, this glia \
         understands up to {supported}); update glia to open it"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error("catalog {path}: {source}")]
    Database {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    #[error("a rating must be 0 (unrated) to 5 stars, not {0}")]
    InvalidRating(u8),

    #[error(
        "score for photo {id} under model {model:?} is not a finite number ({score}, raw {raw})"
    )]
    InvalidScore {
        id: String,
        model: String,
        score: f32,
        raw: f32,
    },

    #[error("embedding of photo {id} under backbone {backbone:?} is empty or not finite")]
    InvalidEmbedding { id: String, backbone: String },

    #[error(
        "{path} is not a valid XMP sidecar ({reason}); glia left it unchanged. \
         Fix or remove it to let glia write labels there"
    )]
    InvalidSidecar { path: PathBuf, reason: String },

    #[error("{0} has the extension .xmp, so it cannot have a sidecar of that style")]
    SidecarIsPhoto(PathBuf),

    #[error("{0} is not valid Unicode, which the catalog needs on this system; rename it")]
    NonUnicodePath(PathBuf),
}

impl CatalogError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        CatalogError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
