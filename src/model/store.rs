//! One node's local store: `key => (value, timestamp)` with last-write-wins and tombstones.

use crate::model::types::{Entry, Key, Time, Version};
use rustc_hash::FxHashMap;
use std::collections::{hash_map, VecDeque};

/// What applying a version did to the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The version was newer and replaced what was stored (or nothing).
    Changed,
    /// The store already held this version or a newer one; nothing changed.
    Kept,
    /// An update-only write found no live value for the key; nothing changed.
    NotFound,
}

#[derive(Clone, Debug)]
pub struct Store {
    entries: FxHashMap<Key, Entry>,
    /// Tombstones in the order they were stored, with the time they may be purged. The grace
    /// period is constant, so the queue is ordered by expiry.
    expiries: VecDeque<(Time, Key, Version)>,
    grace: Time,
}

impl Store {
    pub fn new(grace: Time) -> Store {
        Store { entries: FxHashMap::default(), expiries: VecDeque::new(), grace }
    }

    /// How long a tombstone is kept before it is purged.
    pub fn grace(&self) -> Time {
        self.grace
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Keeps the newer of the stored version and `entry` (last-write-wins).
    pub fn apply(&mut self, now: Time, key: &Key, entry: &Entry) -> Applied {
        // One hash of the key whether it is new or not (cloning a `Key` only counts a reference).
        match self.entries.entry(key.clone()) {
            hash_map::Entry::Occupied(current) if current.get().version >= entry.version => return Applied::Kept,
            hash_map::Entry::Occupied(mut current) => *current.get_mut() = entry.clone(),
            hash_map::Entry::Vacant(slot) => {
                slot.insert(entry.clone());
            }
        }
        if entry.is_tombstone() {
            self.expiries.push_back((now + self.grace, key.clone(), entry.version));
        }
        Applied::Changed
    }

    /// Stores the value `entry` whatever is stored now, unless it is that very version: the
    /// course project's insert and update (`Config::original_bugs`).
    pub fn overwrite(&mut self, key: &Key, entry: &Entry) -> Applied {
        debug_assert!(!entry.is_tombstone(), "the original's deletes remove the key");
        if self.entries.get(key.as_ref()) == Some(entry) {
            return Applied::Kept;
        }
        self.entries.insert(key.clone(), entry.clone());
        Applied::Changed
    }

    /// Removes the key outright, leaving no tombstone: the course project's delete
    /// (`Config::original_bugs`). Whether there was anything to remove.
    pub fn remove(&mut self, key: &str) -> bool {
        self.entries.remove(key).is_some()
    }

    /// Like [`Store::apply`], but only when a live (not deleted) value is stored: the replica
    /// side of `update`, which must not create a key.
    pub fn apply_if_present(&mut self, now: Time, key: &Key, entry: &Entry) -> Applied {
        match self.entries.get(key.as_ref()) {
            Some(current) if !current.is_tombstone() => self.apply(now, key, entry),
            _ => Applied::NotFound,
        }
    }

    /// When the oldest tombstone's grace period ends, if any tombstone is waiting.
    pub fn next_expiry(&self) -> Option<Time> {
        self.expiries.front().map(|(expiry, _, _)| *expiry)
    }

    /// Removes tombstones whose grace period has passed and returns their keys.
    pub fn purge_expired(&mut self, now: Time, purged: &mut Vec<Key>) {
        while let Some((expiry, _, _)) = self.expiries.front() {
            if *expiry > now {
                break;
            }
            let Some((_, key, version)) = self.expiries.pop_front() else { break };
            // Only purge the tombstone this expiry was for: a newer write replaces it.
            if self.entries.get(key.as_ref()).is_some_and(|e| e.is_tombstone() && e.version == version) {
                self.entries.remove(key.as_ref());
                purged.push(key);
            }
        }
    }

    /// Every entry, tombstones included, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&Key, &Entry)> {
        self.entries.iter()
    }

    /// Every entry, tombstones included, sorted by key.
    pub fn sorted(&self) -> Vec<(Key, Entry)> {
        let mut all: Vec<_> = self.entries.iter().map(|(k, e)| (k.clone(), e.clone())).collect();
        // Keys are unique: the unstable sort (smaller code than the stable one) gives the same order.
        all.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    fn e(ts: i64, value: Option<&str>) -> Entry {
        Entry { value: value.map(Rc::from), version: Version { timestamp: ts, node: 0 } }
    }

    #[test]
    fn newest_version_wins_whatever_the_arrival_order() {
        let k: Key = Rc::from("k");
        let mut s = Store::new(100);
        assert_eq!(s.apply(0, &k, &e(2, Some("new"))), Applied::Changed);
        assert_eq!(s.apply(0, &k, &e(1, Some("old"))), Applied::Kept);
        assert_eq!(s.apply(0, &k, &e(2, Some("new"))), Applied::Kept);
        assert_eq!(s.get("k").unwrap().value.as_deref(), Some("new"));
    }

    #[test]
    fn update_only_applies_to_live_keys() {
        let k: Key = Rc::from("k");
        let mut s = Store::new(100);
        assert_eq!(s.apply_if_present(0, &k, &e(1, Some("v"))), Applied::NotFound);
        s.apply(0, &k, &e(1, Some("v")));
        assert_eq!(s.apply_if_present(0, &k, &e(2, Some("w"))), Applied::Changed);
        s.apply(0, &k, &e(3, None));
        assert_eq!(s.apply_if_present(0, &k, &e(4, Some("x"))), Applied::NotFound);
    }

    #[test]
    fn the_originals_writes_ignore_timestamps_and_leave_no_tombstone() {
        let k: Key = Rc::from("k");
        let mut s = Store::new(100);
        s.apply(0, &k, &e(5, Some("new")));
        assert_eq!(s.overwrite(&k, &e(1, Some("old"))), Applied::Changed);
        assert_eq!(s.get("k").unwrap().value.as_deref(), Some("old"));
        assert_eq!(s.overwrite(&k, &e(1, Some("old"))), Applied::Kept);
        assert!(s.remove("k"));
        assert!(s.get("k").is_none() && !s.remove("k"));
    }

    #[test]
    fn tombstones_are_purged_after_the_grace_period_unless_overwritten() {
        let (a, b): (Key, Key) = (Rc::from("a"), Rc::from("b"));
        let mut s = Store::new(100);
        s.apply(10, &a, &e(1, None));
        s.apply(20, &b, &e(1, None));
        s.apply(30, &b, &e(2, Some("back"))); // a newer write replaces b's tombstone
        let mut purged = vec![];
        s.purge_expired(109, &mut purged);
        assert!(purged.is_empty());
        s.purge_expired(200, &mut purged);
        assert_eq!(purged, vec![a.clone()]);
        assert!(s.get("a").is_none());
        assert_eq!(s.get("b").unwrap().value.as_deref(), Some("back"));
    }

    #[test]
    fn sorted_lists_every_entry_by_key() {
        let mut s = Store::new(0);
        for k in ["b", "a", "c"] {
            s.apply(0, &Rc::from(k), &e(1, Some(k)));
        }
        let keys: Vec<_> = s.sorted().into_iter().map(|(k, _)| k.to_string()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
    }
}
