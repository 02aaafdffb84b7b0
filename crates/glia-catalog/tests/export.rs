use std::fs;
use std::path::{Path, PathBuf};

use glia_catalog::{ExportMode, ExportOutcome, export};

fn write(path: &Path, bytes: &[u8]) -> PathBuf {
    fs::write(path, bytes).unwrap();
    path.to_path_buf()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

fn run(
    photos: &[PathBuf],
    dest: &Path,
    mode: ExportMode,
) -> (Vec<ExportOutcome>, Vec<(usize, usize)>) {
    let mut calls = Vec::new();
    let outcomes = export(photos, dest, mode, &mut |done, total| {
        calls.push((done, total))
    });
    (outcomes, calls)
}

#[test]
fn copy_skips_a_name_clash_and_leaves_everything_else_alone() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let photos = vec![
        write(&src.path().join("a.jpg"), b"AAAA"),
        write(&src.path().join("b.jpg"), b"BBBBBB"),
        write(&src.path().join("c.jpg"), b"CC"),
    ];
    let clash = write(&dest.path().join("b.jpg"), b"someone else's b");

    let (outcomes, calls) = run(&photos, dest.path(), ExportMode::Copy);
    assert_eq!(calls, vec![(1, 3), (2, 3), (3, 3)]);
    assert_eq!(outcomes.len(), 3);
    match &outcomes[0] {
        ExportOutcome::Done { from, to } => {
            assert_eq!(from, &photos[0]);
            assert_eq!(to, &dest.path().join("a.jpg"));
        }
        other => panic!("{other:?}"),
    }
    match &outcomes[1] {
        ExportOutcome::Skipped { from, reason } => {
            assert_eq!(from, &photos[1]);
            assert!(reason.contains("already exists"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(outcomes[2], ExportOutcome::Done { .. }));

    assert_eq!(fs::read(&clash).unwrap(), b"someone else's b");
    assert_eq!(fs::read(dest.path().join("a.jpg")).unwrap(), b"AAAA");
    assert_eq!(fs::read(dest.path().join("c.jpg")).unwrap(), b"CC");
    assert_eq!(fs::read(&photos[0]).unwrap(), b"AAAA");
    assert_eq!(fs::read(&photos[1]).unwrap(), b"BBBBBB");
    assert_eq!(fs::read(&photos[2]).unwrap(), b"CC");
    // No temporary files left behind.
    assert_eq!(names(dest.path()), ["a.jpg", "b.jpg", "c.jpg"]);
}

#[test]
fn move_takes_the_photo_and_both_sidecar_styles() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let out = dest.path().join("picks").join("2024");
    let photo = write(&src.path().join("DSC_1.NEF"), b"raw bytes");
    write(&src.path().join("DSC_1.NEF.xmp"), b"<darktable/>");
    write(&src.path().join("DSC_1.xmp"), b"<lightroom/>");
    let other = write(&src.path().join("DSC_2.NEF"), b"other raw");

    let (outcomes, calls) = run(&[photo.clone(), other.clone()], &out, ExportMode::Move);
    assert_eq!(calls, vec![(1, 2), (2, 2)]);
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, ExportOutcome::Done { .. })),
        "{outcomes:?}"
    );
    assert_eq!(names(src.path()), Vec::<String>::new());
    assert_eq!(
        names(&out),
        ["DSC_1.NEF", "DSC_1.NEF.xmp", "DSC_1.xmp", "DSC_2.NEF"]
    );
    assert_eq!(fs::read(out.join("DSC_1.NEF")).unwrap(), b"raw bytes");
    assert_eq!(
        fs::read(out.join("DSC_1.NEF.xmp")).unwrap(),
        b"<darktable/>"
    );
    assert_eq!(fs::read(out.join("DSC_1.xmp")).unwrap(), b"<lightroom/>");
}

#[test]
fn copy_takes_sidecars_and_keeps_the_sources() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let photo = write(&src.path().join("x.jpg"), b"jpeg");
    write(&src.path().join("x.jpg.xmp"), b"<side/>");
    let (outcomes, _) = run(&[photo], dest.path(), ExportMode::Copy);
    assert!(
        matches!(outcomes[0], ExportOutcome::Done { .. }),
        "{outcomes:?}"
    );
    assert_eq!(names(src.path()), ["x.jpg", "x.jpg.xmp"]);
    assert_eq!(names(dest.path()), ["x.jpg", "x.jpg.xmp"]);
    assert_eq!(fs::read(dest.path().join("x.jpg.xmp")).unwrap(), b"<side/>");
}

#[test]
fn a_sidecar_clash_keeps_the_photo_and_its_sidecar_together() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let photo = write(&src.path().join("y.jpg"), b"jpeg");
    write(&src.path().join("y.jpg.xmp"), b"<mine/>");
    write(&dest.path().join("y.jpg.xmp"), b"<theirs/>");
    let (outcomes, _) = run(&[photo], dest.path(), ExportMode::Move);
    match &outcomes[0] {
        ExportOutcome::Skipped { reason, .. } => assert!(reason.contains("y.jpg.xmp"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(names(src.path()), ["y.jpg", "y.jpg.xmp"]);
    assert_eq!(names(dest.path()), ["y.jpg.xmp"]);
    assert_eq!(
        fs::read(dest.path().join("y.jpg.xmp")).unwrap(),
        b"<theirs/>"
    );
}

#[test]
fn raw_and_jpeg_sharing_a_lightroom_sidecar_both_export() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let raw = write(&src.path().join("IMG_7.CR2"), b"raw");
    let jpg = write(&src.path().join("IMG_7.JPG"), b"jpg");
    write(&src.path().join("IMG_7.xmp"), b"<shared/>");
    let (outcomes, _) = run(&[raw, jpg], dest.path(), ExportMode::Copy);
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, ExportOutcome::Done { .. })),
        "{outcomes:?}"
    );
    assert_eq!(names(dest.path()), ["IMG_7.CR2", "IMG_7.JPG", "IMG_7.xmp"]);
}

#[test]
fn one_failure_does_not_stop_the_rest() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let missing = src.path().join("gone.jpg");
    let folder = src.path().join("a folder");
    fs::create_dir(&folder).unwrap();
    let ok = write(&src.path().join("ok.jpg"), b"ok");
    let (outcomes, calls) = run(&[missing, folder, ok], dest.path(), ExportMode::Move);
    assert_eq!(calls.last(), Some(&(3, 3)));
    assert!(matches!(outcomes[0], ExportOutcome::Skipped { .. }));
    assert!(matches!(outcomes[1], ExportOutcome::Skipped { .. }));
    assert!(matches!(outcomes[2], ExportOutcome::Done { .. }));
    assert_eq!(names(dest.path()), ["ok.jpg"]);
}

#[test]
fn exporting_into_the_photos_own_folder_changes_nothing() {
    let src = tempfile::tempdir().unwrap();
    let photo = write(&src.path().join("same.jpg"), b"same");
    for mode in [ExportMode::Copy, ExportMode::Move] {
        let (outcomes, _) = run(std::slice::from_ref(&photo), src.path(), mode);
        assert!(
            matches!(outcomes[0], ExportOutcome::Skipped { .. }),
            "{outcomes:?}"
        );
        assert_eq!(fs::read(&photo).unwrap(), b"same");
    }
}

#[test]
fn destination_that_cannot_be_created_skips_every_photo() {
    let src = tempfile::tempdir().unwrap();
    let blocker = write(&src.path().join("not-a-folder"), b"file");
    let photo = write(&src.path().join("p.jpg"), b"p");
    let (outcomes, calls) = run(
        std::slice::from_ref(&photo),
        &blocker.join("sub"),
        ExportMode::Move,
    );
    assert_eq!(calls, vec![(1, 1)]);
    match &outcomes[0] {
        ExportOutcome::Skipped { reason, .. } => {
            assert!(reason.contains("not-a-folder"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fs::read(&photo).unwrap(), b"p");
}

/// /dev/shm is a tmpfs on Linux, so a move there from the temp folder crosses filesystems and
/// takes the copy, verify, remove path.
#[cfg(target_os = "linux")]
#[test]
fn move_across_filesystems_copies_then_removes() {
    use std::os::unix::fs::MetadataExt;
    let shm = Path::new("/dev/shm");
    let src = tempfile::tempdir().unwrap();
    let Ok(dest) = tempfile::tempdir_in(shm) else {
        eprintln!("skipped: no writable /dev/shm");
        return;
    };
    if fs::metadata(src.path()).unwrap().dev() == fs::metadata(dest.path()).unwrap().dev() {
        eprintln!("skipped: /dev/shm is on the same filesystem as the temp folder");
        return;
    }
    let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let photo = write(&src.path().join("big.NEF"), &bytes);
    write(&src.path().join("big.NEF.xmp"), b"<side/>");
    let (outcomes, _) = run(&[photo], dest.path(), ExportMode::Move);
    assert!(
        matches!(outcomes[0], ExportOutcome::Done { .. }),
        "{outcomes:?}"
    );
    assert_eq!(names(src.path()), Vec::<String>::new());
    assert_eq!(names(dest.path()), ["big.NEF", "big.NEF.xmp"]);
    assert_eq!(fs::read(dest.path().join("big.NEF")).unwrap(), bytes);
}
