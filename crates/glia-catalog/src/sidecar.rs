//! XMP sidecars that Lightroom, darktable and digiKam read.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::fsutil::write_atomic;
use crate::{CatalogError, Flag, Labels, xmp};

/// Which sidecar name the user's other tools look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SidecarStyle {
    /// `photo.jpg.xmp`, as darktable and digiKam name them.
    #[default]
    AppendXmp,
    /// `photo.xmp`, as Lightroom names them.
    ReplaceExtension,
}

pub fn sidecar_path(photo: &Path, style: SidecarStyle) -> PathBuf {
    match style {
        SidecarStyle::AppendXmp => {
            let mut name = photo.as_os_str().to_owned();
            name.push(".xmp");
            PathBuf::from(name)
        }
        SidecarStyle::ReplaceExtension => photo.with_extension("xmp"),
    }
}

/// Labels from an existing sidecar; Ok(None) if there is no sidecar or it has neither xmp:Rating nor a glia label.
///
/// A reject is stored as xmp:Rating -1, the way the other tools mark it, so a rejected photo reads
/// back with rating 0 whatever stars it had in the catalog.
pub fn read_sidecar(photo: &Path, style: SidecarStyle) -> Result<Option<Labels>, CatalogError> {
    let path = checked_sidecar_path(photo, style)?;
    match read_text(&path)? {
        Some(text) if !text.trim().is_empty() => {
            xmp::read_labels(&text).map_err(|reason| CatalogError::InvalidSidecar { path, reason })
        }
        _ => Ok(None),
    }
}

/// Writes labels into the photo's sidecar, returns its path. Never touches the photo itself.
///
/// An existing sidecar keeps everything but xmp:Rating and glia's own xmp:Label; one glia cannot
/// parse is left as it is and reported as an error.
pub fn write_sidecar(
    photo: &Path,
    style: SidecarStyle,
    labels: Labels,
) -> Result<PathBuf, CatalogError> {
    if labels.rating > 5 {
        return Err(CatalogError::InvalidRating(labels.rating));
    }
    let path = checked_sidecar_path(photo, style)?;
    let invalid = |reason: String| CatalogError::InvalidSidecar {
        path: path.clone(),
        reason,
    };
    let old = read_text(&path)?;
    let new = match &old {
        // An empty file holds nothing of the user's to preserve.
        Some(text) if !text.trim().is_empty() => xmp::rewrite(text, labels).map_err(invalid)?,
        _ => xmp::new_packet(labels),
    };
    // Checked before the write so that a bug in the editing can never replace the user's file
    // with one that says something other than what was asked.
    let expected = Labels {
        rating: if labels.flag == Flag::Reject {
            0
        } else {
            labels.rating
        },
        flag: labels.flag,
    };
    let written =
        xmp::read_labels(&new).map_err(|e| invalid(format!("glia's edit broke it: {e}")))?;
    if written != Some(expected) {
        return Err(invalid(format!(
            "glia's edit would read back as {written:?} instead of {expected:?}"
        )));
    }
    // Rewriting an unchanged file would only move its mtime and make other tools think it changed.
    if old.as_deref() != Some(new.as_str()) {
        write_atomic(&path, new.as_bytes())?;
    }
    Ok(path)
}

fn checked_sidecar_path(photo: &Path, style: SidecarStyle) -> Result<PathBuf, CatalogError> {
    let path = sidecar_path(photo, style);
    if path == photo {
        return Err(CatalogError::SidecarIsPhoto(photo.to_path_buf()));
    }
    Ok(path)
}

/// `None` if there is no such file.
fn read_text(path: &Path) -> Result<Option<String>, CatalogError> {
    match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| CatalogError::InvalidSidecar {
                path: path.to_path_buf(),
                reason: "it is not UTF-8 text".into(),
            }),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CatalogError::io("read", path, e)),
    }
}
