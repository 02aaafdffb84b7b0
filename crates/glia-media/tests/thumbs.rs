mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::gradient;
use glia_media::{MediaError, ThumbCache, downscale};
use image::{Rgb, RgbImage};

fn half_red_half_blue(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    })
}

#[test]
fn downscale_fits_the_longer_side_and_keeps_the_picture() {
    let small = downscale(&half_red_half_blue(400, 200), 256);
    assert_eq!(small.dimensions(), (256, 128));
    let left = small.get_pixel(10, 64);
    let right = small.get_pixel(245, 64);
    assert!(
        left[0] > 240 && left[2] < 15,
        "left should stay red: {left:?}"
    );
    assert!(
        right[2] > 240 && right[0] < 15,
        "right should stay blue: {right:?}"
    );
    assert_eq!(downscale(&gradient(200, 400), 256).dimensions(), (128, 256));
    assert_eq!(downscale(&gradient(1000, 3), 100).dimensions(), (100, 1));
}

#[test]
fn downscale_never_upscales() {
    let img = gradient(100, 50);
    assert_eq!(downscale(&img, 256), img);
    assert_eq!(downscale(&img, 100), img);
}

#[test]
fn downscale_averages_instead_of_picking_pixels() {
    // A one-pixel checkerboard shrunk 4x: an antialiased filter gives grey, nearest pixel gives
    // black or white.
    let checker = RgbImage::from_fn(64, 64, |x, y| {
        if (x + y) % 2 == 0 {
            Rgb([255; 3])
        } else {
            Rgb([0; 3])
        }
    });
    let small = downscale(&checker, 16);
    for p in small.pixels() {
        assert!((100..=155).contains(&p[0]), "expected grey, got {p:?}");
    }
}

fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(all_files(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn put_then_get_round_trips_within_jpeg_tolerance() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = ThumbCache::new(tmp.path().join("thumbs"));
    assert!(cache.get("abcdef", 256).is_none());
    assert!(
        !tmp.path().join("thumbs").exists(),
        "nothing is created before the first put"
    );

    let img = gradient(64, 48);
    cache.put("abcdef", 256, &img).unwrap();
    assert!(tmp.path().join("thumbs/ab/abcdef-256.jpg").is_file());
    let back = cache.get("abcdef", 256).unwrap();
    assert_eq!(back.dimensions(), (64, 48));
    let diff: u64 = img
        .as_raw()
        .iter()
        .zip(back.as_raw())
        .map(|(a, b)| u64::from(a.abs_diff(*b)))
        .sum();
    let mean = diff as f64 / img.as_raw().len() as f64;
    assert!(mean < 4.0, "mean difference {mean}");
    assert!(cache.get("abcdef", 512).is_none(), "sizes are cached apart");

    // Writes go through a temporary file renamed into place: none is left behind.
    cache.put("abcdef", 256, &gradient(32, 32)).unwrap();
    cache.put("ab0123", 128, &img).unwrap();
    let names: Vec<_> = all_files(tmp.path())
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["ab0123-128.jpg", "abcdef-256.jpg"]);
    assert_eq!(cache.get("abcdef", 256).unwrap().dimensions(), (32, 32));
}

#[test]
fn corrupt_cache_file_is_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = ThumbCache::new(tmp.path());
    cache.put("ff00aa", 64, &gradient(8, 8)).unwrap();
    let path = tmp.path().join("ff/ff00aa-64.jpg");
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() / 3]).unwrap();
    assert!(cache.get("ff00aa", 64).is_none());
    assert!(!path.exists());
}

#[test]
fn ids_that_could_leave_the_cache_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = ThumbCache::new(tmp.path().join("c"));
    for id in ["../../etc", "a", "", "ab/cd", "ab.cd"] {
        assert!(matches!(
            cache.put(id, 64, &gradient(4, 4)),
            Err(MediaError::BadThumbId { .. })
        ));
        assert!(cache.get(id, 64).is_none());
    }
    assert!(!tmp.path().join("c").exists());
}

fn set_age(path: &Path, seconds_ago: u64) {
    let file = fs::File::options().append(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(seconds_ago))
        .unwrap();
}

#[test]
fn prune_deletes_oldest_first_down_to_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = ThumbCache::new(tmp.path());
    assert_eq!(
        ThumbCache::new(tmp.path().join("none")).prune(0).unwrap(),
        0
    );
    let ids = ["aa01", "bb02", "cc03", "dd04", "ee05"];
    let mut sizes = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        cache
            .put(id, 64, &gradient(20 + 10 * i as u32, 20))
            .unwrap();
        let path = tmp.path().join(&id[..2]).join(format!("{id}-64.jpg"));
        // The first id is the oldest.
        set_age(&path, 1000 - 100 * i as u64);
        sizes.push(fs::metadata(&path).unwrap().len());
    }
    let total: u64 = sizes.iter().sum();
    assert_eq!(cache.prune(total).unwrap(), 0);

    let limit = total - sizes[0] - 1;
    assert_eq!(cache.prune(limit).unwrap(), sizes[0] + sizes[1]);
    let left: u64 = all_files(tmp.path())
        .iter()
        .map(|p| fs::metadata(p).unwrap().len())
        .sum();
    assert!(left <= limit);
    assert!(cache.get("aa01", 64).is_none());
    assert!(cache.get("bb02", 64).is_none());

    // Reading a thumbnail makes it recent, so it outlives older unread ones.
    cache.get("cc03", 64).unwrap();
    assert_eq!(cache.prune(sizes[2]).unwrap(), sizes[3] + sizes[4]);
    assert!(cache.get("cc03", 64).is_some());
    assert_eq!(cache.prune(0).unwrap(), sizes[2]);
    assert!(all_files(tmp.path()).is_empty());
}

#[test]
fn prune_clears_stale_temporary_files_but_not_fresh_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = ThumbCache::new(tmp.path());
    cache.put("abcd", 64, &gradient(8, 8)).unwrap();
    let stale = tmp.path().join("ab/.tmpOLD");
    let fresh = tmp.path().join("ab/.tmpNEW");
    fs::write(&stale, [0; 10]).unwrap();
    fs::write(&fresh, [0; 10]).unwrap();
    set_age(&stale, 7200);
    assert_eq!(cache.prune(u64::MAX).unwrap(), 10);
    assert!(!stale.exists() && fresh.exists());
}
