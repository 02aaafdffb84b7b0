//! Copying or moving the chosen photos, with their sidecars, into a folder.

use std::fs::{self, File};
use std::io::{self, ErrorKind};
use std::path::{Path, PathBuf};

use crate::fsutil::{parent_dir, sync_dir};
use crate::{SidecarStyle, sidecar_path};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportMode {
    Copy,
    Move,
}

#[derive(Debug)]
pub enum ExportOutcome {
    Done {
        from: PathBuf,
        to: PathBuf,
    },
    /// `reason` is a sentence for the user; the photo was not exported (or, if it says so, only
    /// partly: a photo that went over while its sidecar did not is reported here too).
    Skipped {
        from: PathBuf,
        reason: String,
    },
}

/// Copies or moves photos (and their sidecars of either style, if present) into `dest` (created if
/// missing). Never overwrites: a name already taken in `dest` is Skipped with the reason. Move = rename
/// when on the same filesystem, else copy (fsync) + verify size + remove source. One file failing never
/// stops the others. `progress` is called after each photo with (done, total).
pub fn export(
    photos: &[PathBuf],
    dest: &Path,
    mode: ExportMode,
    progress: &mut dyn FnMut(usize, usize),
) -> Vec<ExportOutcome> {
    let total = photos.len();
    let dest_ready = fs::create_dir_all(dest)
        .map_err(|e| format!("the folder {} could not be created: {e}", dest.display()));
    photos
        .iter()
        .enumerate()
        .map(|(done, photo)| {
            let result = dest_ready
                .clone()
                .and_then(|()| export_one(photo, dest, mode));
            progress(done + 1, total);
            match result {
                Ok(to) => ExportOutcome::Done {
                    from: photo.clone(),
                    to,
                },
                Err(reason) => ExportOutcome::Skipped {
                    from: photo.clone(),
                    reason,
                },
            }
        })
        .collect()
}

fn export_one(photo: &Path, dest: &Path, mode: ExportMode) -> Result<PathBuf, String> {
    let meta = fs::metadata(photo).map_err(|e| format!("it could not be read: {e}"))?;
    if !meta.is_file() {
        return Err("it is not a file".into());
    }
    let name = photo.file_name().ok_or("it has no file name")?;
    let to = dest.join(name);

    // Every target is checked before anything moves, so a clash never separates a photo from
    // its sidecar.
    if to.symlink_metadata().is_ok() {
        return Err(format!("{} already exists", to.display()));
    }
    let mut sidecars: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut already_moved: Vec<PathBuf> = Vec::new();
    for style in [SidecarStyle::AppendXmp, SidecarStyle::ReplaceExtension] {
        let from = sidecar_path(photo, style);
        if from == photo || !from.is_file() || sidecars.iter().any(|(f, _)| *f == from) {
            continue;
        }
        let target = sidecar_path(&to, style);
        match already_there(&from, &target) {
            Ok(Presence::Absent) => sidecars.push((from, target)),
            // A RAW and its JPEG share one Lightroom sidecar: the first of the pair took it over.
            Ok(Presence::Identical) => already_moved.push(from),
            Ok(Presence::Different) => {
                return Err(format!(
                    "a different sidecar {} already exists",
                    target.display()
                ));
            }
            Err(e) => {
                return Err(format!(
                    "could not compare sidecar {}: {e}",
                    target.display()
                ));
            }
        }
    }

    transfer(photo, &to, mode)?;
    for (from, target) in &sidecars {
        transfer(from, target, mode).map_err(|e| {
            format!(
                "the photo went to {}, but its sidecar {} did not: {e}",
                to.display(),
                from.display()
            )
        })?;
    }
    if mode == ExportMode::Move {
        for from in &already_moved {
            fs::remove_file(from).map_err(|e| {
                format!(
                    "the photo went to {}, but the sidecar {} could not be removed: {e}",
                    to.display(),
                    from.display()
                )
            })?;
        }
    }
    Ok(to)
}

enum Presence {
    Absent,
    Identical,
    Different,
}

fn already_there(from: &Path, target: &Path) -> io::Result<Presence> {
    match target.symlink_metadata() {
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Presence::Absent),
        Err(e) => Err(e),
        Ok(_) if fs::read(from)? == fs::read(target)? => Ok(Presence::Identical),
        Ok(_) => Ok(Presence::Different),
    }
}

fn transfer(from: &Path, to: &Path, mode: ExportMode) -> Result<(), String> {
    match mode {
        ExportMode::Copy => copy_no_clobber(from, to),
        ExportMode::Move => {
            // `to` was checked to be free just before; a file appearing there in between would
            // be replaced, a window too small to matter for a user's export.
            match fs::rename(from, to) {
                Ok(()) => {
                    sync_dir(parent_dir(to));
                    Ok(())
                }
                Err(e) if e.kind() == ErrorKind::CrossesDevices => {
                    copy_no_clobber(from, to)?;
                    fs::remove_file(from).map_err(|e| {
                        format!(
                            "it was copied to {} but the original could not be removed: {e}",
                            to.display()
                        )
                    })
                }
                Err(e) => Err(format!("could not move it to {}: {e}", to.display())),
            }
        }
    }
}

/// Copies through a temporary file that only takes the final name once complete, fsynced and
/// of the right size; the final rename refuses to replace anything that got there meanwhile.
fn copy_no_clobber(from: &Path, to: &Path) -> Result<(), String> {
    let fail = |what: &str, e: io::Error| format!("could not {what}: {e}");
    let dir = parent_dir(to);
    let mut input = File::open(from).map_err(|e| fail("open it", e))?;
    let src_meta = input.metadata().map_err(|e| fail("read it", e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".glia-")
        .suffix(".part")
        .tempfile_in(dir)
        .map_err(|e| fail(&format!("create a file in {}", dir.display()), e))?;
    io::copy(&mut input, tmp.as_file_mut()).map_err(|e| fail("copy it", e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| fail("flush the copy", e))?;
    let written = tmp
        .as_file()
        .metadata()
        .map_err(|e| fail("check the copy", e))?
        .len();
    if written != src_meta.len() {
        return Err(format!(
            "the copy has {written} bytes but the original has {}",
            src_meta.len()
        ));
    }
    tmp.as_file()
        .set_permissions(src_meta.permissions())
        .map_err(|e| fail("set the copy's permissions", e))?;
    // Keeping the modification time keeps "sort by date" in file browsers meaningful; not every
    // filesystem can, and the copy is good without it.
    if let Ok(modified) = src_meta.modified() {
        let _ = tmp.as_file().set_modified(modified);
    }
    tmp.persist_noclobber(to).map_err(|e| {
        if e.error.kind() == ErrorKind::AlreadyExists {
            format!("{} already exists", to.display())
        } else {
            fail(&format!("name the copy {}", to.display()), e.error)
        }
    })?;
    sync_dir(dir);
    Ok(())
}
