use std::path::PathBuf;

/// Problems with a photo file or the thumbnail cache, worded for the person using glia.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error(
        "this RAW file has no embedded JPEG preview; glia shows RAW files through the preview the camera stores in them (export a JPEG from your RAW editor instead)"
    )]
    NoRawPreview,
    #[error("thumbnail id {id:?} must be at least two letters or digits (a content hash)")]
    BadThumbId { id: String },
    #[error(
        "cannot write the thumbnail cache at {path}: {source}; check the disk has space and the folder is writable"
    )]
    CacheIo {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode the thumbnail {path} as JPEG: {source}")]
    Encode {
        path: PathBuf,
        source: image::ImageError,
    },
}
