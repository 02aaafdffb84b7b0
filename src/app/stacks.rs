//! Bursts as stacks: the worker groups the folder's photos (embeddings and capture times,
//! `glia_engine::grouping`), and the grid can show each group collapsed to its best frame
//! with a count badge, open one stack (S), and keep the best of each group (K).
//!
//! Groups are kept whether stacks are shown or not: the compare view and "keep the best"
//! use them too.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use glia_catalog::{Flag, Labels};
use glia_engine::grouping::GroupRule;
use serde::{Deserialize, Serialize};

use super::photos::Photo;
use super::worker::{Embedding, GroupRequest, Grouped};

/// How bursts are grouped and shown; remembered between runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StackSettings {
    /// Show each group as one stack in the grid.
    pub on: bool,
    /// Cosine similarity of the embeddings two frames of one group have at least.
    pub similarity: f32,
    /// With capture times known: at most this many seconds between frames of one group.
    pub gap_s: u32,
}

impl Default for StackSettings {
    fn default() -> Self {
        let rule = GroupRule::default();
        Self {
            on: false,
            similarity: rule.min_similarity,
            gap_s: rule.max_gap_s as u32,
        }
    }
}

impl StackSettings {
    pub fn rule(&self) -> GroupRule {
        GroupRule {
            min_similarity: self.similarity,
            max_gap_s: i64::from(self.gap_s),
            ..GroupRule::default()
        }
    }
}

/// The latest grouping of the open folder and which stacks are open.
pub struct Stacks {
    /// Per photo (index into the folder's photos): its group and whether it is the best.
    groups: Vec<usize>,
    best: Vec<bool>,
    /// Groups of two or more frames (counted once per grouping, not per frame drawn).
    multi: usize,
    /// Photos whose stack is open: a stack is open while any of its frames is here, so
    /// opening survives regrouping.
    opened: HashSet<usize>,
    /// Per cover shown in the grid: frames of its stack that the filters let through, and
    /// whether the stack is open (so drawing a cell never walks the whole folder).
    counts: HashMap<usize, (usize, bool)>,
    /// Photos shown inside an open stack (not its cover).
    inside_open: HashSet<usize>,
    /// Requests sent, the one whose answer is applied, and whether the inputs changed.
    sent: u64,
    applied: u64,
    stale: bool,
    sent_at: Instant,
}

impl Default for Stacks {
    fn default() -> Self {
        Self {
            groups: Vec::new(),
            best: Vec::new(),
            multi: 0,
            opened: HashSet::new(),
            counts: HashMap::new(),
            inside_open: HashSet::new(),
            sent: 0,
            applied: 0,
            stale: false,
            sent_at: Instant::now(),
        }
    }
}

/// What "keep the best of each group" would do: photos to pick and to reject, with the
/// number of groups of two or more frames they come from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeepBest {
    pub groups: usize,
    pub pick: Vec<usize>,
    pub reject: Vec<usize>,
}

impl KeepBest {
    /// Each photo's new labels (stars kept).
    pub fn changes(&self, photos: &[Photo]) -> Vec<(usize, Labels)> {
        let with = |i: usize, flag: Flag| {
            let mut l = photos[i].labels;
            l.flag = flag;
            (i, l)
        };
        self.pick
            .iter()
            .map(|&i| with(i, Flag::Pick))
            .chain(self.reject.iter().map(|&i| with(i, Flag::Reject)))
            .collect()
    }
}

impl Stacks {
    /// Photos' embeddings, times or scores changed: regroup soon.
    pub fn mark_stale(&mut self) {
        self.stale = true;
    }

    /// The grouping to ask the worker for, when one is due: at once after the user changed
    /// the rule (`now`), else at most every 300 ms while scores stream in.
    pub fn request(
        &mut self,
        generation: u64,
        photos: &[Photo],
        settings: &StackSettings,
        now: bool,
    ) -> Option<GroupRequest> {
        let due = now || (self.stale && self.sent_at.elapsed() > Duration::from_millis(300));
        if !due || photos.is_empty() {
            return None;
        }
        self.stale = false;
        self.sent += 1;
        self.sent_at = Instant::now();
        let none: Embedding = Embedding::from(Vec::new());
        Some(GroupRequest {
            generation,
            stamp: self.sent,
            rule: settings.rule(),
            embeddings: photos
                .iter()
                .map(|p| p.embedding.clone().unwrap_or_else(|| none.clone()))
                .collect(),
            times: photos.iter().map(|p| p.taken).collect(),
            scores: photos.iter().map(|p| p.score).collect(),
        })
    }

    /// Whether a regrouping is still to be sent (for repainting until it is).
    pub fn pending(&self) -> bool {
        self.stale
    }

    /// Takes the worker's answer if it is the newest; true when the grouping changed.
    pub fn apply(&mut self, g: Grouped, photos: usize) -> bool {
        if g.stamp <= self.applied || g.groups.len() != photos {
            return false;
        }
        self.applied = g.stamp;
        let changed = g.groups != self.groups || g.best != self.best;
        self.groups = g.groups;
        self.best = g.best;
        let mut sizes: HashMap<usize, usize> = HashMap::new();
        for &g in &self.groups {
            *sizes.entry(g).or_default() += 1;
        }
        self.multi = sizes.values().filter(|&&n| n > 1).count();
        changed
    }

    /// Whether every request sent has been answered.
    pub fn settled(&self) -> bool {
        !self.stale && self.applied == self.sent
    }

    pub fn group_of(&self, photo: usize) -> Option<usize> {
        self.groups.get(photo).copied()
    }

    pub fn is_best(&self, photo: usize) -> bool {
        self.best.get(photo).copied().unwrap_or(false)
    }

    /// The frames of `photo`'s group, itself included, in index order.
    pub fn members(&self, photo: usize) -> Vec<usize> {
        match self.group_of(photo) {
            Some(g) => (0..self.groups.len())
                .filter(|&i| self.groups[i] == g)
                .collect(),
            None => vec![photo],
        }
    }

    /// Groups of two or more frames.
    pub fn group_count(&self) -> usize {
        self.multi
    }

    /// Frames of the stack `photo` is the cover of, as the grid shows it collapsed.
    pub fn count(&self, photo: usize) -> Option<usize> {
        self.counts.get(&photo).map(|c| c.0)
    }

    /// Whether `photo` is the cover of an open stack in the grid.
    pub fn cover_open(&self, photo: usize) -> bool {
        self.counts.get(&photo).is_some_and(|c| c.1)
    }

    pub fn is_open(&self, photo: usize) -> bool {
        self.members(photo).iter().any(|m| self.opened.contains(m))
    }

    /// Whether `photo` is shown inside an open stack, after its cover.
    pub fn inside_open(&self, photo: usize) -> bool {
        self.inside_open.contains(&photo)
    }

    /// Opens `photo`'s stack, or closes it. Returns the photo to select: the cover when a
    /// stack closes (its other frames leave the grid).
    pub fn toggle(&mut self, photo: usize) -> usize {
        let members = self.members(photo);
        if self.is_open(photo) {
            for m in &members {
                self.opened.remove(m);
            }
            members
                .iter()
                .copied()
                .find(|&m| self.is_best(m))
                .unwrap_or(photo)
        } else {
            self.opened.insert(photo);
            photo
        }
    }

    /// The grid shows every photo on its own.
    pub fn unstack(&mut self) {
        self.counts.clear();
        self.inside_open.clear();
    }

    /// The grid's order with stacks: each group at the place of its first frame in `order`,
    /// shown as its best frame (or, when the filters hide that, its first shown frame),
    /// followed by the rest in `order`'s order when the stack is open.
    pub fn arrange(&mut self, order: &[usize]) -> Vec<usize> {
        self.unstack();
        if self.groups.is_empty() {
            return order.to_vec();
        }
        let group = |i: usize| self.groups.get(i).copied();
        let mut members: HashMap<Option<usize>, Vec<usize>> = HashMap::new();
        for &i in order {
            // Photos the grouping has not seen yet (index beyond it) stand alone.
            let key = group(i).or(Some(usize::MAX - i));
            members.entry(key).or_default().push(i);
        }
        let mut out = Vec::with_capacity(order.len());
        let mut placed = HashSet::new();
        for &i in order {
            let key = group(i).or(Some(usize::MAX - i));
            if !placed.insert(key) {
                continue;
            }
            let m = &members[&key];
            let cover = m.iter().copied().find(|&j| self.is_best(j)).unwrap_or(m[0]);
            out.push(cover);
            let open = m.iter().any(|j| self.opened.contains(j));
            if m.len() > 1 {
                self.counts.insert(cover, (m.len(), open));
            }
            if open {
                for &j in m.iter().filter(|&&j| j != cover) {
                    out.push(j);
                    self.inside_open.insert(j);
                }
            }
        }
        out
    }

    /// Keep the best of each group: in every group of two or more frames, the best frame
    /// (the model's highest score) is picked and every other scored frame rejected; frames
    /// without a score, and photos alone, are left as they are.
    pub fn keep_best(&self, photos: &[Photo]) -> KeepBest {
        let mut by_group: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, &g) in self.groups.iter().enumerate() {
            if photos
                .get(i)
                .is_some_and(|p| p.problem.is_none() && p.score.is_some() && p.id.is_some())
            {
                by_group.entry(g).or_default().push(i);
            }
        }
        let mut plan = KeepBest::default();
        let mut groups: Vec<_> = by_group.into_values().filter(|m| m.len() > 1).collect();
        groups.sort();
        for m in groups {
            let Some(&best) = m.iter().find(|&&i| self.is_best(i)) else {
                continue;
            };
            plan.groups += 1;
            plan.pick.push(best);
            plan.reject.extend(m.iter().copied().filter(|&i| i != best));
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stacks(groups: &[usize], best: &[bool]) -> Stacks {
        let mut s = Stacks {
            sent: 1,
            ..Stacks::default()
        };
        assert!(s.apply(
            Grouped {
                generation: 0,
                stamp: 1,
                groups: groups.to_vec(),
                best: best.to_vec(),
            },
            groups.len()
        ));
        s
    }

    fn photo(score: Option<f32>) -> Photo {
        let labels = Labels {
            rating: 3,
            flag: Flag::None,
        };
        Photo::for_test("p.jpg", score, labels, 0)
    }

    #[test]
    fn collapsed_stacks_show_their_best_frame_where_the_group_first_appears() {
        // Groups: {0, 2, 3} best 3, {1} alone, {4, 5} best 4.
        let mut s = stacks(
            &[0, 1, 0, 0, 2, 2],
            &[false, true, false, true, true, false],
        );
        assert_eq!(s.group_count(), 2, "groups of two or more frames");
        let order = [2, 1, 0, 5, 3, 4];
        assert_eq!(s.arrange(&order), [3, 1, 4]);
        assert_eq!(s.count(3), Some(3));
        assert_eq!(s.count(1), None);
        assert_eq!(s.count(4), Some(2));
        // Opening from any frame opens the stack: the cover, then the rest in order.
        assert_eq!(s.toggle(0), 0);
        assert_eq!(s.arrange(&order), [3, 2, 0, 1, 4]);
        assert!(s.inside_open(2) && s.inside_open(0) && !s.inside_open(3));
        // Closing selects the cover.
        assert_eq!(s.toggle(2), 3);
        assert_eq!(s.arrange(&order), [3, 1, 4]);
        // A filter hiding the best frame: the first shown frame stands for the stack.
        assert_eq!(s.arrange(&[2, 0, 1]), [2, 1]);
        assert_eq!(s.count(2), Some(2));
    }

    #[test]
    fn photos_the_grouping_has_not_seen_stand_alone() {
        let mut s = stacks(&[0, 0], &[true, false]);
        assert_eq!(s.arrange(&[7, 0, 1, 8]), [7, 0, 8]);
    }

    #[test]
    fn stale_answers_are_dropped() {
        let mut s = stacks(&[0, 0], &[true, false]);
        s.sent = 3;
        let answer = |stamp, groups: Vec<usize>| Grouped {
            generation: 0,
            stamp,
            best: vec![true; groups.len()],
            groups,
        };
        assert!(s.apply(answer(3, vec![0, 1]), 2));
        assert!(
            !s.apply(answer(2, vec![0, 0]), 2),
            "older than the one applied"
        );
        assert_eq!(s.group_of(1), Some(1));
        assert!(!s.apply(answer(4, vec![0]), 2), "another folder's size");
    }

    #[test]
    fn keep_best_picks_one_per_group_and_leaves_the_rest_alone() {
        let s = stacks(
            &[0, 0, 0, 1, 2, 2],
            &[false, true, false, true, false, true],
        );
        let mut photos: Vec<Photo> = [60.0, 70.0, 50.0, 40.0, 30.0, 35.0]
            .into_iter()
            .map(|x| photo(Some(x)))
            .collect();
        photos[2].score = None; // not scored yet: left as it is
        let plan = s.keep_best(&photos);
        assert_eq!(plan.groups, 2);
        assert_eq!(plan.pick, [1, 5]);
        assert_eq!(plan.reject, [0, 4]);
        let changes = plan.changes(&photos);
        assert!(changes.iter().all(|(_, l)| l.rating == 3), "stars kept");
        assert_eq!(changes[0].1.flag, Flag::Pick);
        assert_eq!(changes[3].1.flag, Flag::Reject);
    }
}
