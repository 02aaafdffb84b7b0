//! The user's own models: fine-tuned in the app, kept by name in the user's data directory
//! (`NAME.safetensors` with a `NAME.json` card beside it). The shipped default lives in the
//! install location and is never written.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// What the model list shows of a named model.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Card {
    pub name: String,
    /// The model it was fine-tuned from.
    pub base: String,
    /// Rated photos it learned from, and how many of them were held out.
    pub photos: usize,
    pub held_out: usize,
    /// Seconds since the epoch.
    pub created: i64,
    /// Agreement with the held-out ratings before and after (SRCC, PLCC).
    pub before: (f64, f64),
    pub after: (f64, f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub card: Card,
    pub path: PathBuf,
}

/// A name that is safe as a file name on every platform and not the default's.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'))
        && !name.starts_with('.')
        && !name.ends_with(['.', ' ']);
    if !ok {
        bail!("use 1–64 letters, digits, spaces, '-', '_' or '.' for a model's name");
    }
    if name.eq_ignore_ascii_case("default") {
        bail!("\"default\" is the shipped model's name; choose another");
    }
    Ok(())
}

fn card_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.json"))
}

pub fn model_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.safetensors"))
}

/// Every named model with a readable card, newest first.
pub fn list(dir: &Path) -> Vec<Named> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<Named> = entries
        .filter_map(|e| {
            let p = e.ok()?.path();
            if p.extension()? != "json" {
                return None;
            }
            let card: Card = serde_json::from_slice(&std::fs::read(&p).ok()?).ok()?;
            let path = model_path(dir, &card.name);
            path.is_file().then_some(Named { card, path })
        })
        .collect();
    out.sort_by_key(|n| std::cmp::Reverse(n.card.created));
    out
}

/// Writes the card atomically (the model file is written by the caller first).
pub fn write_card(dir: &Path, card: &Card) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer_pretty(&mut tmp, card)?;
    tmp.persist(card_path(dir, &card.name))
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write the card of {}", card.name))?;
    Ok(())
}

pub fn rename(dir: &Path, old: &str, new: &str) -> Result<()> {
    check_name(new)?;
    if model_path(dir, new).exists() {
        bail!("a model named {new:?} exists already");
    }
    let card_file = card_path(dir, old);
    let mut card: Card = serde_json::from_slice(&std::fs::read(&card_file)?)
        .with_context(|| format!("the card of {old:?} cannot be read"))?;
    std::fs::rename(model_path(dir, old), model_path(dir, new))?;
    card.name = new.to_owned();
    write_card(dir, &card)?;
    std::fs::remove_file(card_file)?;
    Ok(())
}

pub fn delete(dir: &Path, name: &str) -> Result<()> {
    std::fs::remove_file(model_path(dir, name))
        .with_context(|| format!("cannot delete the model {name:?}"))?;
    let _ = std::fs::remove_file(card_path(dir, name));
    Ok(())
}

/// Copies a named model (with its card) into `dest`, never over an existing file.
pub fn export(dir: &Path, name: &str, dest: &Path) -> Result<PathBuf> {
    let to = model_path(dest, name);
    if to.exists() {
        bail!("{} exists already", to.display());
    }
    std::fs::copy(model_path(dir, name), &to)
        .with_context(|| format!("cannot copy the model to {}", to.display()))?;
    let _ = std::fs::copy(card_path(dir, name), card_path(dest, name));
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(name: &str, created: i64) -> Card {
        Card {
            name: name.into(),
            base: "default".into(),
            photos: 40,
            held_out: 8,
            created,
            before: (0.1, 0.2),
            after: (0.5, 0.6),
        }
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("my taste 2").is_ok());
        for bad in [
            "",
            "default",
            "../x",
            "a/b",
            ".hidden",
            "x.",
            &"y".repeat(65),
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn list_rename_export_delete() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for (name, t) in [("old", 1), ("new", 2)] {
            std::fs::write(model_path(d, name), name.as_bytes()).unwrap();
            write_card(d, &card(name, t)).unwrap();
        }
        // A card without its model is not listed.
        write_card(d, &card("orphan", 3)).unwrap();
        let names: Vec<_> = list(d).into_iter().map(|n| n.card.name).collect();
        assert_eq!(names, ["new", "old"]);

        assert!(rename(d, "old", "new").is_err(), "no overwrite");
        rename(d, "old", "older").unwrap();
        assert_eq!(std::fs::read(model_path(d, "older")).unwrap(), b"old");
        assert!(!model_path(d, "old").exists());
        let listed = list(d);
        assert!(
            listed
                .iter()
                .any(|n| n.card.name == "older" && n.card.photos == 40)
        );

        let out = tempfile::tempdir().unwrap();
        let to = export(d, "older", out.path()).unwrap();
        assert_eq!(std::fs::read(&to).unwrap(), b"old");
        assert!(export(d, "older", out.path()).is_err(), "no overwrite");

        delete(d, "older").unwrap();
        assert_eq!(list(d).len(), 1);
    }
}
