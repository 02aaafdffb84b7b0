use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use filetime::FileTime;
use glia_catalog::{Catalog, CatalogError, Flag, Labels, PhotoId, StoredScore, hash_file};

fn write(path: &Path, bytes: &[u8]) -> PathBuf {
    fs::write(path, bytes).unwrap();
    path.to_path_buf()
}

fn id(n: usize) -> PhotoId {
    PhotoId(format!("{n:032x}"))
}

fn labels_of(cat: &Catalog, id: &PhotoId) -> Option<Labels> {
    cat.labels_many(std::slice::from_ref(id))
        .unwrap()
        .remove(id)
}

fn score_of(cat: &Catalog, id: &PhotoId, model: &str) -> Option<StoredScore> {
    cat.scores_many(std::slice::from_ref(id), model)
        .unwrap()
        .remove(id)
}

#[test]
fn catalog_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Catalog>();
}

#[test]
fn hash_matches_an_independent_xxh3_128() {
    let dir = tempfile::tempdir().unwrap();
    // Bigger than one 1 MiB chunk and not a multiple of it, so chunk edges are exercised.
    let bytes: Vec<u8> = (0..(3 << 20) + 12345)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let path = write(&dir.path().join("big.raw"), &bytes);
    let want = xxhash_rust::xxh3::xxh3_128(&fs::read(&path).unwrap());
    let got = hash_file(&path).unwrap();
    assert_eq!(got.0, format!("{want:032x}"));
    assert_eq!(got.0.len(), 32);
    assert!(
        got.0
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );

    let empty = write(&dir.path().join("empty"), b"");
    assert_eq!(
        hash_file(&empty).unwrap().0,
        format!("{:032x}", xxhash_rust::xxh3::xxh3_128(b""))
    );

    let err = hash_file(&dir.path().join("missing.jpg")).unwrap_err();
    assert!(err.to_string().contains("missing.jpg"), "{err}");
}

#[test]
fn identity_follows_content_through_copies_and_renames() {
    let dir = tempfile::tempdir().unwrap();
    let cat = Catalog::open(&dir.path().join("catalog.db")).unwrap();
    let a = write(&dir.path().join("a.jpg"), b"photo one");
    let id_a = cat.identify(&a).unwrap();
    assert_eq!(id_a, hash_file(&a).unwrap());

    let copy = dir.path().join("copy.jpg");
    fs::copy(&a, &copy).unwrap();
    assert_eq!(cat.identify(&copy).unwrap(), id_a);

    cat.set_labels(
        &id_a,
        Labels {
            rating: 4,
            flag: Flag::Pick,
        },
    )
    .unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    let moved = dir.path().join("sub").join("renamed.jpg");
    fs::rename(&a, &moved).unwrap();
    let id_moved = cat.identify(&moved).unwrap();
    assert_eq!(id_moved, id_a);
    assert_eq!(
        labels_of(&cat, &id_moved),
        Some(Labels {
            rating: 4,
            flag: Flag::Pick
        })
    );

    let other = write(&dir.path().join("b.jpg"), b"photo two");
    assert_ne!(cat.identify(&other).unwrap(), id_a);
}

#[test]
fn changed_content_gets_a_new_id() {
    let dir = tempfile::tempdir().unwrap();
    let cat = Catalog::open(&dir.path().join("catalog.db")).unwrap();
    let path = write(&dir.path().join("a.jpg"), b"before the edit");
    let before = cat.identify(&path).unwrap();
    fs::write(&path, b"after the edit, longer").unwrap();
    // Some filesystems keep mtime in whole seconds: make sure it moved.
    filetime::set_file_mtime(
        &path,
        FileTime::from_system_time(SystemTime::now() + Duration::from_secs(5)),
    )
    .unwrap();
    let after = cat.identify(&path).unwrap();
    assert_ne!(after, before);
    assert_eq!(after, hash_file(&path).unwrap());
}

/// The cache trusts (path, size, mtime): that is what keeps opening a folder of RAWs fast. A file
/// rewritten with the same size whose mtime is then put back is knowingly not noticed.
#[test]
fn unchanged_stamp_is_not_re_read() {
    let dir = tempfile::tempdir().unwrap();
    let cat = Catalog::open(&dir.path().join("catalog.db")).unwrap();
    let path = write(&dir.path().join("a.jpg"), b"AAAAAAAA");
    let mtime = FileTime::from_last_modification_time(&fs::metadata(&path).unwrap());
    let cached = cat.identify(&path).unwrap();

    fs::write(&path, b"BBBBBBBB").unwrap();
    filetime::set_file_mtime(&path, mtime).unwrap();
    assert_ne!(hash_file(&path).unwrap(), cached, "the content did change");
    assert_eq!(
        cat.identify(&path).unwrap(),
        cached,
        "but the cache was used"
    );

    // Moving the mtime alone is enough to make it look again.
    filetime::set_file_mtime(
        &path,
        FileTime::from_unix_time(mtime.unix_seconds() + 10, 0),
    )
    .unwrap();
    assert_eq!(cat.identify(&path).unwrap(), hash_file(&path).unwrap());
}

#[test]
fn labels_persist_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nested").join("dirs").join("catalog.db");
    {
        let cat = Catalog::open(&db).unwrap();
        assert_eq!(labels_of(&cat, &id(1)), None);
        cat.set_labels(
            &id(1),
            Labels {
                rating: 5,
                flag: Flag::None,
            },
        )
        .unwrap();
        cat.set_labels(
            &id(2),
            Labels {
                rating: 0,
                flag: Flag::Reject,
            },
        )
        .unwrap();
        cat.set_labels(
            &id(3),
            Labels {
                rating: 2,
                flag: Flag::Pick,
            },
        )
        .unwrap();
        cat.set_labels(
            &id(3),
            Labels {
                rating: 3,
                flag: Flag::Pick,
            },
        )
        .unwrap();
    }
    let cat = Catalog::open(&db).unwrap();
    assert_eq!(
        labels_of(&cat, &id(1)),
        Some(Labels {
            rating: 5,
            flag: Flag::None
        })
    );
    assert_eq!(
        labels_of(&cat, &id(2)),
        Some(Labels {
            rating: 0,
            flag: Flag::Reject
        })
    );
    let many = cat.labels_many(&[id(1), id(3), id(4)]).unwrap();
    assert_eq!(many.len(), 2);
    assert_eq!(
        many[&id(3)],
        Labels {
            rating: 3,
            flag: Flag::Pick
        }
    );
    assert!(!many.contains_key(&id(4)));

    // Read back through SQLite directly, not through the catalog's own queries.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (rating, flag, updated): (i64, i64, Option<i64>) = conn
        .query_row(
            "SELECT rating, flag, updated_at FROM photos WHERE id = ?1",
            [&id(3).0],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((rating, flag), (3, 1));
    assert!(
        updated.unwrap() > 1_600_000_000_000,
        "updated_at is unix milliseconds"
    );
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert!(version >= 1);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn invalid_rating_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cat = Catalog::open(&dir.path().join("catalog.db")).unwrap();
    let err = cat
        .set_labels(
            &id(1),
            Labels {
                rating: 9,
                flag: Flag::None,
            },
        )
        .unwrap_err();
    assert!(matches!(err, CatalogError::InvalidRating(9)));
    assert_eq!(labels_of(&cat, &id(1)), None);
}

#[test]
fn scores_are_kept_per_model() {
    let dir = tempfile::tempdir().unwrap();
    let cat = Catalog::open(&dir.path().join("catalog.db")).unwrap();
    let a = StoredScore {
        score: 0.75,
        raw: 3.5,
    };
    let b = StoredScore {
        score: 0.25,
        raw: -1.0,
    };
    cat.put_scores("glianet@aaaa", &[(id(1), a)]).unwrap();
    cat.put_scores("glianet@bbbb", &[(id(1), b)]).unwrap();
    assert_eq!(score_of(&cat, &id(1), "glianet@aaaa"), Some(a));
    assert_eq!(score_of(&cat, &id(1), "glianet@bbbb"), Some(b));
    assert_eq!(score_of(&cat, &id(1), "other"), None);
    assert_eq!(score_of(&cat, &id(2), "glianet@aaaa"), None);
    // Re-scoring overwrites.
    cat.put_scores("glianet@aaaa", &[(id(1), b)]).unwrap();
    assert_eq!(score_of(&cat, &id(1), "glianet@aaaa"), Some(b));

    let err = cat
        .put_scores(
            "glianet@aaaa",
            &[
                (id(5), a),
                (
                    id(6),
                    StoredScore {
                        score: f32::NAN,
                        raw: 0.0,
                    },
                ),
            ],
        )
        .unwrap_err();
    assert!(matches!(err, CatalogError::InvalidScore { .. }), "{err:?}");
    assert_eq!(
        score_of(&cat, &id(5), "glianet@aaaa"),
        None,
        "the batch is all or nothing"
    );
}

#[test]
fn embeddings_are_kept_per_backbone_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let cat = Catalog::open(&dir.path().join("catalog.db")).unwrap();
    // Values whose bits must survive: negative zero, subnormal, extremes.
    let a: Vec<f32> = vec![0.25, -0.0, f32::MIN_POSITIVE / 2.0, f32::MAX, -1e-30, 0.1];
    let b: Vec<f32> = (0..192).map(|i| (i as f32 * 0.37).sin()).collect();
    cat.put_embeddings("vit_tiny", &[(id(1), &a), (id(2), &b)])
        .unwrap();
    cat.put_embeddings("vit_base", &[(id(1), &b)]).unwrap();
    let found = cat
        .embeddings_many(&[id(1), id(2), id(3)], "vit_tiny")
        .unwrap();
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&found[&id(1)]), bits(&a));
    assert_eq!(bits(&found[&id(2)]), bits(&b));
    assert!(!found.contains_key(&id(3)));
    let other = cat.embeddings_many(&[id(1), id(2)], "vit_base").unwrap();
    assert_eq!(bits(&other[&id(1)]), bits(&b));
    assert!(!other.contains_key(&id(2)));

    let bad = [1.0, f32::NAN];
    let err = cat
        .put_embeddings("vit_tiny", &[(id(5), &a), (id(6), &bad)])
        .unwrap_err();
    assert!(
        matches!(err, CatalogError::InvalidEmbedding { .. }),
        "{err:?}"
    );
    let empty: [f32; 0] = [];
    assert!(cat.put_embeddings("vit_tiny", &[(id(7), &empty)]).is_err());
    let none = cat.embeddings_many(&[id(5), id(7)], "vit_tiny").unwrap();
    assert!(none.is_empty(), "the batch is all or nothing");
}

#[test]
fn a_first_version_catalog_is_upgraded_with_its_labels_and_scores() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("catalog.db");
    {
        // A catalog as the first glia made it (schema version 1), written here by hand.
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE photos (id TEXT PRIMARY KEY, rating INTEGER NOT NULL DEFAULT 0,
                 flag INTEGER NOT NULL DEFAULT 0, updated_at INTEGER);
             CREATE TABLE files (path BLOB PRIMARY KEY, size INTEGER NOT NULL,
                 mtime_ns INTEGER NOT NULL, id TEXT NOT NULL);
             CREATE TABLE scores (id TEXT NOT NULL, model TEXT NOT NULL, score REAL NOT NULL,
                 raw REAL NOT NULL, PRIMARY KEY (id, model));
             CREATE TABLE folders (path BLOB PRIMARY KEY, opened_at INTEGER NOT NULL);
             CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             INSERT INTO photos VALUES ('p1', 4, 1, 0);
             INSERT INTO scores VALUES ('p1', 'm@1', 61.5, 0.5);
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let cat = Catalog::open(&db).unwrap();
    let p1 = PhotoId("p1".into());
    assert_eq!(
        labels_of(&cat, &p1),
        Some(Labels {
            rating: 4,
            flag: Flag::Pick
        })
    );
    assert_eq!(score_of(&cat, &p1, "m@1").map(|s| s.score), Some(61.5));
    cat.put_embeddings("vit_tiny", &[(p1.clone(), &[1.0, 0.0])])
        .unwrap();
    assert_eq!(
        cat.embeddings_many(std::slice::from_ref(&p1), "vit_tiny")
            .unwrap()[&p1],
        [1.0, 0.0]
    );
    drop(cat);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2);
}

#[test]
fn a_thousand_scores_in_one_call() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("catalog.db");
    let cat = Catalog::open(&db).unwrap();
    let batch: Vec<_> = (0..1000)
        .map(|i| {
            (
                id(i),
                StoredScore {
                    score: i as f32 / 1000.0,
                    raw: i as f32,
                },
            )
        })
        .collect();
    cat.put_scores("m@1", &batch).unwrap();
    let ids: Vec<_> = (0..1100).map(id).collect();
    let got = cat.scores_many(&ids, "m@1").unwrap();
    assert_eq!(got.len(), 1000);
    for (pid, score) in &batch {
        assert_eq!(got[pid], *score);
    }
    assert!(cat.scores_many(&ids, "m@2").unwrap().is_empty());

    let conn = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM scores WHERE model = 'm@1'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(n, 1000);
}

#[test]
fn recent_folders_order_dedup_and_limit() {
    let dir = tempfile::tempdir().unwrap();
    let cat = Catalog::open(&dir.path().join("catalog.db")).unwrap();
    let folders: Vec<PathBuf> = (0..25)
        .map(|i| {
            let f = dir.path().join(format!("shoot{i:02}"));
            fs::create_dir(&f).unwrap();
            f.canonicalize().unwrap()
        })
        .collect();
    cat.touch_folder(&folders[0]).unwrap();
    cat.touch_folder(&folders[1]).unwrap();
    // The same folder spelled differently is one entry.
    cat.touch_folder(&folders[0].join(".")).unwrap();
    assert_eq!(
        cat.recent_folders(10).unwrap(),
        vec![folders[0].clone(), folders[1].clone()]
    );
    assert_eq!(cat.recent_folders(1).unwrap(), vec![folders[0].clone()]);

    for f in &folders {
        cat.touch_folder(f).unwrap();
    }
    let recent = cat.recent_folders(100).unwrap();
    assert_eq!(recent.len(), 20, "only the newest 20 are kept");
    let want: Vec<PathBuf> = folders.iter().rev().take(20).cloned().collect();
    assert_eq!(recent, want);
}

#[test]
fn two_handles_write_concurrently() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("catalog.db");
    Catalog::open(&db).unwrap();
    let handles: Vec<_> = (0..2)
        .map(|t| {
            let db = db.clone();
            std::thread::spawn(move || {
                let cat = Catalog::open(&db).unwrap();
                for i in 0..200 {
                    cat.set_labels(
                        &id(t * 1000 + i),
                        Labels {
                            rating: (i % 6) as u8,
                            flag: Flag::Pick,
                        },
                    )
                    .unwrap();
                    let batch: Vec<_> = (0..20)
                        .map(|j| {
                            (
                                id(t * 1000 + j),
                                StoredScore {
                                    score: 0.5,
                                    raw: i as f32,
                                },
                            )
                        })
                        .collect();
                    cat.put_scores(&format!("model{t}"), &batch).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let cat = Catalog::open(&db).unwrap();
    let ids: Vec<_> = (0..200).flat_map(|i| [id(i), id(1000 + i)]).collect();
    assert_eq!(cat.labels_many(&ids).unwrap().len(), 400);
    assert_eq!(
        score_of(&cat, &id(1005), "model1"),
        Some(StoredScore {
            score: 0.5,
            raw: 199.0
        })
    );
}

#[test]
fn garbage_catalog_file_is_a_clear_error_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("catalog.db");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 + 3) as u8).collect();
    fs::write(&db, &garbage).unwrap();
    let err = Catalog::open(&db).err().unwrap();
    assert!(matches!(err, CatalogError::NotACatalog { .. }), "{err:?}");
    assert!(err.to_string().contains("catalog.db"), "{err}");
    assert_eq!(fs::read(&db).unwrap(), garbage);
}

#[test]
fn catalog_from_a_newer_glia_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("catalog.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let err = Catalog::open(&db).err().unwrap();
    assert!(
        matches!(err, CatalogError::NewerSchema { found: 99, .. }),
        "{err:?}"
    );
}

#[test]
fn identify_missing_file_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let cat = Catalog::open(&dir.path().join("catalog.db")).unwrap();
    let err = cat.identify(&dir.path().join("nope.jpg")).unwrap_err();
    assert!(err.to_string().contains("nope.jpg"), "{err}");
}

#[test]
fn several_threads_create_the_same_catalog_at_once() {
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("new").join("catalog.db");
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let (db, barrier) = (db.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let cat = Catalog::open(&db)?;
                    cat.set_labels(
                        &id(t),
                        Labels {
                            rating: t as u8,
                            flag: Flag::None,
                        },
                    )
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
        let cat = Catalog::open(&db).unwrap();
        for t in 0..4 {
            assert_eq!(labels_of(&cat, &id(t)).map(|l| l.rating), Some(t as u8));
        }
    }
}
