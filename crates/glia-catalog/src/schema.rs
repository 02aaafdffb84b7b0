//! The catalog's tables and their upgrades, versioned with `PRAGMA user_version`.

use rusqlite::{Connection, Transaction, TransactionBehavior};

/// One entry per schema version; entry `i` upgrades a catalog from version `i` to `i + 1`.
/// Never edit a shipped entry: catalogs in the field were made by it. Append a new one instead.
const MIGRATIONS: &[&str] = &[
    // Paths are BLOBs of the OS's own bytes so that file names that are not valid Unicode
    // still get a cache entry and a recent-folder entry.
    "CREATE TABLE photos (
         id TEXT PRIMARY KEY,
         rating INTEGER NOT NULL DEFAULT 0,
         flag INTEGER NOT NULL DEFAULT 0,
         updated_at INTEGER
     );
     CREATE TABLE files (
         path BLOB PRIMARY KEY,
         size INTEGER NOT NULL,
         mtime_ns INTEGER NOT NULL,
         id TEXT NOT NULL
     );
     CREATE INDEX files_id ON files(id);
     CREATE TABLE scores (
         id TEXT NOT NULL,
         model TEXT NOT NULL,
         score REAL NOT NULL,
         raw REAL NOT NULL,
         PRIMARY KEY (id, model)
     );
     CREATE TABLE folders (
         path BLOB PRIMARY KEY,
         opened_at INTEGER NOT NULL
     );
     CREATE TABLE settings (
         key TEXT PRIMARY KEY,
         value TEXT NOT NULL
     );",
    // Embeddings for grouping bursts: the frozen backbone's, so one per backbone, shared by
    // every model trained on it. Little-endian f32 bytes. The settings table was never used.
    "CREATE TABLE embeddings (
         id TEXT NOT NULL,
         backbone TEXT NOT NULL,
         vec BLOB NOT NULL,
         PRIMARY KEY (id, backbone)
     );
     DROP TABLE settings;",
];

pub(crate) const VERSION: i64 = MIGRATIONS.len() as i64;

pub(crate) enum Outcome {
    Ready,
    Newer(i64),
}

/// Brings the schema up to date. IMMEDIATE takes the write lock up front, so two processes
/// opening a fresh catalog at once serialise here instead of both creating the tables.
pub(crate) fn migrate(conn: &Connection) -> rusqlite::Result<Outcome> {
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > VERSION {
        return Ok(Outcome::Newer(found));
    }
    for (from, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", from as i64 + 1)?;
    }
    tx.commit()?;
    Ok(Outcome::Ready)
}
