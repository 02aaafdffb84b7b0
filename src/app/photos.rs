//! The open folder as the app holds it: one [`Photo`] per file, and the sorted, filtered
//! order the grid shows.

use std::cmp::Ordering;
use std::path::PathBuf;

use glia_catalog::{Flag, Labels, PhotoId};
use serde::{Deserialize, Serialize};

use super::worker::{Embedding, Known, Listed};

#[derive(Debug, Clone)]
pub struct Photo {
    pub path: PathBuf,
    pub name: String,
    pub size: u64,
    pub modified: i64,
    pub id: Option<PhotoId>,
    pub labels: Labels,
    pub score: Option<f32>,
    /// Why it cannot be shown or scored (unsupported, unreadable, corrupt).
    pub problem: Option<String>,
    pub taken: Option<i64>,
    /// Position in natural name order, so sorting compares integers, not strings.
    pub name_rank: u32,
    /// The region that lowers the score most (fractions of the photo), once its quality
    /// map was computed in the viewer.
    pub worst: Option<[f32; 4]>,
    /// The backbone's embedding, for grouping bursts.
    pub embedding: Option<Embedding>,
}

/// Sets each photo's `name_rank`: one natural sort per folder.
pub fn rank_names(photos: &mut [Photo]) {
    let mut idx: Vec<usize> = (0..photos.len()).collect();
    idx.sort_by(|&a, &b| natural_cmp(&photos[a].name, &photos[b].name));
    for (rank, i) in idx.into_iter().enumerate() {
        photos[i].name_rank = rank as u32;
    }
}

impl Photo {
    pub fn from_listed(l: Listed) -> Self {
        let name = l.path.file_name().map_or_else(
            || l.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Self {
            name,
            size: l.size,
            modified: l.modified,
            id: None,
            labels: Labels::default(),
            score: None,
            problem: l.skip,
            taken: None,
            name_rank: 0,
            worst: None,
            embedding: None,
            path: l.path,
        }
    }

    pub fn apply(&mut self, known: Known) {
        self.id = Some(known.id);
        self.labels = known.labels;
        if known.score.is_some() {
            self.score = known.score;
        }
        if known.embedding.is_some() {
            self.embedding = known.embedding;
        }
        self.taken = known.taken;
    }

    /// Capture time for sorting: EXIF, else the file's modification time.
    pub fn date(&self) -> i64 {
        self.taken.unwrap_or(self.modified)
    }

    /// A photo as a listed and identified file would be, for unit tests.
    #[cfg(test)]
    pub fn for_test(name: &str, score: Option<f32>, labels: Labels, date: i64) -> Self {
        Self {
            path: PathBuf::from(name),
            name: name.into(),
            size: 1,
            modified: date,
            id: Some(PhotoId(name.into())),
            labels,
            score,
            problem: None,
            taken: None,
            name_rank: 0,
            worst: None,
            embedding: None,
        }
    }

    /// Can still be scored: readable so far and no score yet.
    pub fn pending(&self) -> bool {
        self.problem.is_none() && self.score.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum SortKey {
    #[default]
    Score,
    Name,
    Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum FlagFilter {
    #[default]
    All,
    Picks,
    Rejects,
    Unflagged,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct View {
    pub sort: SortKey,
    /// Best first for score, newest first for date, Z–A for name.
    pub descending: bool,
    pub min_score: f32,
    pub max_score: f32,
    pub min_rating: u8,
    pub flags: FlagFilter,
}

impl Default for View {
    fn default() -> Self {
        Self {
            sort: SortKey::Score,
            descending: true,
            min_score: 0.0,
            max_score: 100.0,
            min_rating: 0,
            flags: FlagFilter::All,
        }
    }
}

impl View {
    /// Whether the filters hide anything at all.
    pub fn filters(&self) -> bool {
        self.min_score > 0.0
            || self.max_score < 100.0
            || self.min_rating > 0
            || self.flags != FlagFilter::All
    }

    fn keeps(&self, p: &Photo) -> bool {
        let score_ok = match p.score {
            // Unscored photos stay visible unless a score range is asked for.
            None => self.min_score <= 0.0 && self.max_score >= 100.0,
            Some(s) => s >= self.min_score && s <= self.max_score,
        };
        let flag_ok = match self.flags {
            FlagFilter::All => true,
            FlagFilter::Picks => p.labels.flag == Flag::Pick,
            FlagFilter::Rejects => p.labels.flag == Flag::Reject,
            FlagFilter::Unflagged => p.labels.flag == Flag::None,
        };
        score_ok && flag_ok && p.labels.rating >= self.min_rating
    }

    /// Indices into `photos` in display order. Photos without a score sort after scored
    /// ones whatever the direction, and ties fall back to the name so the order is stable.
    pub fn order(&self, photos: &[Photo]) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..photos.len())
            .filter(|&i| self.keeps(&photos[i]))
            .collect();
        let by_name = |a: &Photo, b: &Photo| a.name_rank.cmp(&b.name_rank);
        idx.sort_by(|&i, &j| {
            let (a, b) = (&photos[i], &photos[j]);
            let primary = match self.sort {
                SortKey::Name => {
                    let o = by_name(a, b);
                    if self.descending { o.reverse() } else { o }
                }
                SortKey::Date => {
                    let o = a.date().cmp(&b.date());
                    if self.descending { o.reverse() } else { o }
                }
                SortKey::Score => match (a.score, b.score) {
                    (Some(x), Some(y)) => {
                        let o = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
                        if self.descending { o.reverse() } else { o }
                    }
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                },
            };
            primary.then_with(|| by_name(a, b))
        });
        idx
    }
}

/// Name order as people expect it: "IMG_9.jpg" before "IMG_10.jpg", case ignored.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let take = |it: &mut std::iter::Peekable<std::str::Chars>| {
                    let mut s = String::new();
                    while let Some(c) = it.peek().copied().filter(char::is_ascii_digit) {
                        s.push(c);
                        it.next();
                    }
                    s
                };
                let (m, n) = (take(&mut x), take(&mut y));
                let (mt, nt) = (m.trim_start_matches('0'), n.trim_start_matches('0'));
                let o = mt.len().cmp(&nt.len()).then_with(|| mt.cmp(nt));
                if o != Ordering::Equal {
                    return o;
                }
            }
            (Some(c), Some(d)) => {
                let o = c.to_lowercase().cmp(d.to_lowercase());
                if o != Ordering::Equal {
                    return o;
                }
                x.next();
                y.next();
            }
        }
    }
}

/// Counts of scores in `bins` equal bins over 0–100.
pub fn histogram(photos: &[Photo], bins: usize) -> Vec<usize> {
    let mut counts = vec![0; bins.max(1)];
    for s in photos.iter().filter_map(|p| p.score) {
        let b = ((s / 100.0 * bins as f32) as usize).min(bins - 1);
        counts[b] += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(name: &str, score: Option<f32>, rating: u8, flag: Flag, date: i64) -> Photo {
        Photo::for_test(name, score, Labels { rating, flag }, date)
    }

    fn ranked(mut photos: Vec<Photo>) -> Vec<Photo> {
        rank_names(&mut photos);
        photos
    }

    #[test]
    fn natural_order_of_camera_names() {
        let mut names = vec![
            "IMG_10.jpg",
            "img_9.jpg",
            "IMG_100.jpg",
            "IMG_09a.jpg",
            "a.jpg",
        ];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            [
                "a.jpg",
                "img_9.jpg",
                "IMG_09a.jpg",
                "IMG_10.jpg",
                "IMG_100.jpg"
            ]
        );
    }

    #[test]
    fn score_order_puts_unscored_last_both_ways() {
        let photos = ranked(vec![
            photo("a", Some(40.0), 0, Flag::None, 3),
            photo("b", None, 0, Flag::None, 1),
            photo("c", Some(90.0), 0, Flag::None, 2),
            photo("d", Some(40.0), 0, Flag::None, 0),
        ]);
        let mut v = View::default();
        assert_eq!(v.order(&photos), [2, 0, 3, 1]);
        v.descending = false;
        assert_eq!(v.order(&photos), [0, 3, 2, 1]);
        v.sort = SortKey::Date;
        assert_eq!(v.order(&photos), [3, 1, 2, 0]);
    }

    #[test]
    fn filters_by_range_rating_and_flag() {
        let photos = ranked(vec![
            photo("a", Some(40.0), 3, Flag::Pick, 0),
            photo("b", None, 5, Flag::None, 0),
            photo("c", Some(90.0), 1, Flag::Reject, 0),
            photo("d", Some(60.0), 4, Flag::None, 0),
        ]);
        let mut v = View {
            min_score: 50.0,
            ..View::default()
        };
        assert_eq!(v.order(&photos), [2, 3]);
        v.min_score = 0.0;
        v.min_rating = 3;
        assert_eq!(v.order(&photos), [3, 0, 1]);
        v.flags = FlagFilter::Unflagged;
        assert_eq!(v.order(&photos), [3, 1]);
        v.flags = FlagFilter::Picks;
        assert_eq!(v.order(&photos), [0]);
    }

    #[test]
    fn histogram_bins_cover_the_ends() {
        let photos = vec![
            photo("a", Some(0.0), 0, Flag::None, 0),
            photo("b", Some(100.0), 0, Flag::None, 0),
            photo("c", Some(49.9), 0, Flag::None, 0),
            photo("d", None, 0, Flag::None, 0),
        ];
        assert_eq!(histogram(&photos, 10), [1, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    }
}
