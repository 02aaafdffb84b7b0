//! File writes that never leave a half-written file under the user's name.

use std::fs::{self, File, Permissions};
use std::io::Write;
use std::path::Path;

use crate::CatalogError;

/// Writes `bytes` to `path` through a temporary file in the same folder, fsynced and renamed over
/// the target, so a crash leaves either the old file or the new one, never a mix.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CatalogError> {
    let dir = parent_dir(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".glia-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| CatalogError::io("create a temporary file in", dir, e))?;
    // tempfile creates files readable by the owner only; a sidecar must stay readable by the
    // other tools and users that could read the file it replaces.
    let permissions = match fs::metadata(path) {
        Ok(meta) => Some(meta.permissions()),
        Err(_) => default_permissions(),
    };
    if let Some(permissions) = permissions {
        tmp.as_file()
            .set_permissions(permissions)
            .map_err(|e| CatalogError::io("set permissions on", tmp.path(), e))?;
    }
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| CatalogError::io("write", tmp.path(), e))?;
    tmp.persist(path)
        .map_err(|e| CatalogError::io("replace", path, e.error))?;
    sync_dir(dir);
    Ok(())
}

/// The folder `path` lives in; "." for a bare file name.
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Makes a rename durable. Best effort: not every OS or filesystem lets a folder be fsynced, and
/// the data itself is already safe.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}

#[cfg(unix)]
fn default_permissions() -> Option<Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<Permissions> {
    None
}
