use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::schema::{self, Outcome};
use crate::{CatalogError, Flag, Labels, PhotoId, StoredScore, hash_file};

/// How many recent folders are kept; older ones are forgotten on the next `touch_folder`.
const RECENT_FOLDERS_KEPT: i64 = 20;

/// The persistent catalog: labels, scores and the path -> content id cache, in one SQLite file.
///
/// Open one `Catalog` per thread; SQLite (WAL mode, 5 s busy timeout) arbitrates between them
/// and between processes.
pub struct Catalog {
    conn: Connection,
    path: PathBuf,
}

impl Catalog {
    /// Opens or creates the catalog file (parent dirs created), WAL journal, busy_timeout 5 s,
    /// schema created/migrated (keep a `PRAGMA user_version` schema version). Several Catalog
    /// values (one per thread) may be open on the same file at once. Catalog must be Send.
    pub fn open(path: &Path) -> Result<Catalog, CatalogError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)
                .map_err(|e| CatalogError::io("create the folder", parent, e))?;
        }
        let catalog = Catalog {
            conn: Connection::open(path).map_err(|e| db_error(path, e))?,
            path: path.to_path_buf(),
        };
        retry_busy(|| catalog.configure()).map_err(|e| catalog.err(e))?;
        match retry_busy(|| schema::migrate(&catalog.conn)).map_err(|e| catalog.err(e))? {
            Outcome::Ready => Ok(catalog),
            Outcome::Newer(found) => Err(CatalogError::NewerSchema {
                path: catalog.path,
                found,
                supported: schema::VERSION,
            }),
        }
    }

    fn configure(&self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(Duration::from_secs(5))?;
        // The first statement to touch the file: on a file that is not SQLite, this is what fails.
        let _mode: String =
            self.conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        // NORMAL is crash-safe under WAL (only the last commits may roll back after a power cut),
        // and it keeps rating a photo from waiting on an fsync.
        self.conn.pragma_update(None, "synchronous", "NORMAL")
    }

    fn err(&self, e: rusqlite::Error) -> CatalogError {
        db_error(&self.path, e)
    }

    /// Content id of the file at `path`. Cached in the catalog by (absolute path, size, mtime in ns):
    /// an unchanged file is not re-read; a changed one is re-hashed. A file moved or renamed gets the
    /// same id (so its ratings, flags and scores follow it).
    ///
    /// The cache trusts size and mtime: a file rewritten in place with the same size, whose mtime
    /// is then set back, keeps its old id. That is the price of not re-reading every RAW on every
    /// folder open; editors and cameras always move the mtime.
    pub fn identify(&self, path: &Path) -> Result<PhotoId, CatalogError> {
        let abs = fs::canonicalize(path).map_err(|e| CatalogError::io("find", path, e))?;
        let key = path_key(&abs)?;
        let before = Stamp::of(&abs)?;
        let cached: Option<(i64, i64, String)> = self
            .conn
            .prepare_cached("SELECT size, mtime_ns, id FROM files WHERE path = ?1")
            .and_then(|mut stmt| {
                stmt.query_row([&key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()
            })
            .map_err(|e| self.err(e))?;
        if let Some((size, mtime_ns, id)) = cached
            && (Stamp { size, mtime_ns }) == before
        {
            return Ok(PhotoId(id));
        }
        let id = hash_file(&abs)?;
        // A file still being written (an import in progress) must not be cached under a stamp
        // that does not belong to the bytes just hashed.
        if Stamp::of(&abs)? == before {
            self.conn
                .prepare_cached(
                    "INSERT INTO files (path, size, mtime_ns, id) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(path) DO UPDATE
                     SET size = excluded.size, mtime_ns = excluded.mtime_ns, id = excluded.id",
                )
                .and_then(|mut stmt| stmt.execute(params![key, before.size, before.mtime_ns, id.0]))
                .map_err(|e| self.err(e))?;
        }
        Ok(id)
    }

    /// Photos never labelled are absent from the map.
    pub fn labels_many(&self, ids: &[PhotoId]) -> Result<HashMap<PhotoId, Labels>, CatalogError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT rating, flag FROM photos WHERE id = ?1")
            .map_err(|e| self.err(e))?;
        let mut found = HashMap::with_capacity(ids.len());
        for id in ids {
            if let Some(labels) = stmt
                .query_row([&id.0], labels_from_row)
                .optional()
                .map_err(|e| self.err(e))?
            {
                found.insert(id.clone(), labels);
            }
        }
        Ok(found)
    }

    /// Also records the time of the change, for "recently rated" views and sync.
    pub fn set_labels(&self, id: &PhotoId, labels: Labels) -> Result<(), CatalogError> {
        if labels.rating > 5 {
            return Err(CatalogError::InvalidRating(labels.rating));
        }
        self.conn
            .prepare_cached(
                "INSERT INTO photos (id, rating, flag, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(id) DO UPDATE
                 SET rating = excluded.rating, flag = excluded.flag, updated_at = excluded.updated_at",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![id.0, labels.rating, labels.flag.code(), now_ms()])
            })
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Scores are kept per model: `model` is an opaque key (the app passes "name@contenthash").
    /// Photos without a score under `model` are absent from the map.
    pub fn scores_many(
        &self,
        ids: &[PhotoId],
        model: &str,
    ) -> Result<HashMap<PhotoId, StoredScore>, CatalogError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT score, raw FROM scores WHERE id = ?1 AND model = ?2")
            .map_err(|e| self.err(e))?;
        let mut found = HashMap::with_capacity(ids.len());
        for id in ids {
            if let Some(score) = stmt
                .query_row(params![id.0, model], score_from_row)
                .optional()
                .map_err(|e| self.err(e))?
            {
                found.insert(id.clone(), score);
            }
        }
        Ok(found)
    }

    /// All or nothing, in one transaction: a batch from the scorer is never half stored.
    /// A non-finite score rejects the whole batch, since SQLite would silently store NaN as NULL.
    pub fn put_scores(
        &self,
        model: &str,
        scores: &[(PhotoId, StoredScore)],
    ) -> Result<(), CatalogError> {
        if let Some((id, s)) = scores
            .iter()
            .find(|(_, s)| !s.score.is_finite() || !s.raw.is_finite())
        {
            return Err(CatalogError::InvalidScore {
                id: id.0.clone(),
                model: model.to_owned(),
                score: s.score,
                raw: s.raw,
            });
        }
        let write = || -> rusqlite::Result<()> {
            let tx = self.write_tx()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO scores (id, model, score, raw) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(id, model) DO UPDATE SET score = excluded.score, raw = excluded.raw",
                )?;
                for (id, s) in scores {
                    stmt.execute(params![id.0, model, f64::from(s.score), f64::from(s.raw)])?;
                }
            }
            tx.commit()
        };
        write().map_err(|e| self.err(e))
    }

    /// Embeddings are kept per backbone (frozen, so every model on it shares them). Photos
    /// without one are absent from the map; a stored value that is not whole f32s reads as
    /// absent (computed again) rather than failing the folder.
    pub fn embeddings_many(
        &self,
        ids: &[PhotoId],
        backbone: &str,
    ) -> Result<HashMap<PhotoId, Vec<f32>>, CatalogError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT vec FROM embeddings WHERE id = ?1 AND backbone = ?2")
            .map_err(|e| self.err(e))?;
        let mut found = HashMap::with_capacity(ids.len());
        for id in ids {
            let bytes: Option<Vec<u8>> = stmt
                .query_row(params![id.0, backbone], |r| r.get(0))
                .optional()
                .map_err(|e| self.err(e))?;
            if let Some(v) = bytes.and_then(|b| floats_from_bytes(&b)) {
                found.insert(id.clone(), v);
            }
        }
        Ok(found)
    }

    /// All or nothing, in one transaction, like [`Catalog::put_scores`].
    pub fn put_embeddings(
        &self,
        backbone: &str,
        embeddings: &[(PhotoId, &[f32])],
    ) -> Result<(), CatalogError> {
        if let Some((id, _)) = embeddings
            .iter()
            .find(|(_, v)| v.is_empty() || v.iter().any(|x| !x.is_finite()))
        {
            return Err(CatalogError::InvalidEmbedding {
                id: id.0.clone(),
                backbone: backbone.to_owned(),
            });
        }
        let write = || -> rusqlite::Result<()> {
            let tx = self.write_tx()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO embeddings (id, backbone, vec) VALUES (?1, ?2, ?3)
                     ON CONFLICT(id, backbone) DO UPDATE SET vec = excluded.vec",
                )?;
                for (id, v) in embeddings {
                    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                    stmt.execute(params![id.0, backbone, bytes])?;
                }
            }
            tx.commit()
        };
        write().map_err(|e| self.err(e))
    }

    /// Records that `folder` was opened now; the list keeps each folder once and the newest 20.
    pub fn touch_folder(&self, folder: &Path) -> Result<(), CatalogError> {
        // Canonical when it exists, so "~/Photos" and "~/Photos/" and a symlink to it are one entry.
        let abs = fs::canonicalize(folder)
            .or_else(|_| std::path::absolute(folder))
            .map_err(|e| CatalogError::io("find", folder, e))?;
        let key = path_key(&abs)?;
        let write = || -> rusqlite::Result<()> {
            let tx = self.write_tx()?;
            // Strictly increasing even when two opens land in the same millisecond or the clock
            // steps back, so "most recent first" never ties.
            tx.execute(
                "INSERT INTO folders (path, opened_at)
                 VALUES (?1, MAX(?2, COALESCE((SELECT MAX(opened_at) FROM folders), 0) + 1))
                 ON CONFLICT(path) DO UPDATE SET opened_at = excluded.opened_at",
                params![key, now_ms()],
            )?;
            tx.execute(
                "DELETE FROM folders WHERE path NOT IN
                 (SELECT path FROM folders ORDER BY opened_at DESC LIMIT ?1)",
                [RECENT_FOLDERS_KEPT],
            )?;
            tx.commit()
        };
        write().map_err(|e| self.err(e))
    }

    /// Most recent first.
    pub fn recent_folders(&self, limit: usize) -> Result<Vec<PathBuf>, CatalogError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let keys = self
            .conn
            .prepare_cached("SELECT path FROM folders ORDER BY opened_at DESC LIMIT ?1")
            .and_then(|mut stmt| {
                stmt.query_map([limit], |r| r.get::<_, Vec<u8>>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| self.err(e))?;
        Ok(keys.into_iter().map(path_from_key).collect())
    }

    /// IMMEDIATE: a deferred transaction that later upgrades to a write can fail with BUSY at
    /// once, without waiting on the busy timeout, when another handle writes at the same time.
    fn write_tx(&self) -> rusqlite::Result<Transaction<'_>> {
        Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
    }
}

fn db_error(path: &Path, source: rusqlite::Error) -> CatalogError {
    if source.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) {
        CatalogError::NotACatalog {
            path: path.to_path_buf(),
        }
    } else {
        CatalogError::Database {
            path: path.to_path_buf(),
            source,
        }
    }
}

fn labels_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Labels> {
    let rating: i64 = row.get(0)?;
    Ok(Labels {
        // Out-of-range values can only come from another tool editing the file; clamp, don't fail.
        rating: rating.clamp(0, 5) as u8,
        flag: Flag::from_code(row.get(1)?),
    })
}

fn score_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredScore> {
    let score: f64 = row.get(0)?;
    let raw: f64 = row.get(1)?;
    Ok(StoredScore {
        score: score as f32,
        raw: raw as f32,
    })
}

fn floats_from_bytes(b: &[u8]) -> Option<Vec<f32>> {
    if b.is_empty() || !b.len().is_multiple_of(4) {
        return None;
    }
    Some(
        b.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

/// What the path cache compares to decide a file is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    size: i64,
    mtime_ns: i64,
}

impl Stamp {
    fn of(path: &Path) -> Result<Stamp, CatalogError> {
        let meta = fs::metadata(path)
            .map_err(|e| CatalogError::io("read the size and date of", path, e))?;
        let mtime = meta
            .modified()
            .map_err(|e| CatalogError::io("read the modification time of", path, e))?;
        Ok(Stamp {
            size: i64::try_from(meta.len()).unwrap_or(i64::MAX),
            mtime_ns: ns_since_epoch(mtime),
        })
    }
}

fn ns_since_epoch(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_nanos()).map_or(i64::MIN, |ns| -ns),
    }
}

fn now_ms() -> i64 {
    ns_since_epoch(SystemTime::now()) / 1_000_000
}

/// The OS's own bytes for a path: exact, and works for names that are not valid Unicode.
#[cfg(unix)]
fn path_key(path: &Path) -> Result<Vec<u8>, CatalogError> {
    use std::os::unix::ffi::OsStrExt;
    Ok(path.as_os_str().as_bytes().to_vec())
}

#[cfg(unix)]
fn path_from_key(key: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(key))
}

#[cfg(not(unix))]
fn path_key(path: &Path) -> Result<Vec<u8>, CatalogError> {
    path.to_str()
        .map(|s| s.as_bytes().to_vec())
        .ok_or_else(|| CatalogError::NonUnicodePath(path.to_path_buf()))
}

#[cfg(not(unix))]
fn path_from_key(key: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&key).into_owned())
}

/// Runs `f` again while SQLite reports the database busy, for up to 5 s. Switching a fresh
/// file to WAL needs an exclusive lock and SQLite does not call the busy handler for it, so
/// several threads or processes creating the catalog at once must wait here themselves.
fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let start = std::time::Instant::now();
    loop {
        match f() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && start.elapsed() < Duration::from_secs(5) =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
}
