//! An append-only list stored as sealed chunks, shared between clones, and a tail. The page's
//! checkpoints copy the scheduler every few thousand steps: a clone of a long history then costs
//! one pointer per chunk, not all of its items again; and growing never moves what is already
//! stored. The tail is shared too: its cells are filled once, in order, so a clone that holds
//! its first `len` items pushes into the same cells while no other copy has filled the next one,
//! and copies its items only when the copies part ways (a restored checkpoint running on).

use std::cell::OnceCell;
use std::rc::Rc;

/// Items per sealed chunk.
pub const CHUNK: usize = 1024;

#[derive(Clone, Debug)]
pub struct Chunks<T> {
    /// Full chunks, moved in whole when the tail fills up (copied only if a clone shares it).
    sealed: Vec<Rc<Vec<T>>>,
    /// The chunk being filled, `CHUNK` cells (none before the first push), shared with clones.
    tail: Rc<Vec<OnceCell<T>>>,
    /// The tail's cells this copy holds: the first `len`.
    len: usize,
}

impl<T> Default for Chunks<T> {
    fn default() -> Self {
        Chunks { sealed: Vec::new(), tail: Rc::new(Vec::new()), len: 0 }
    }
}

fn empty_cells<T>() -> Vec<OnceCell<T>> {
    (0..CHUNK).map(|_| OnceCell::new()).collect()
}

impl<T> Chunks<T> {
    pub fn len(&self) -> usize {
        self.sealed.len() * CHUNK + self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The tail's items this copy holds.
    fn tail_items(&self) -> impl Iterator<Item = &T> + Clone {
        self.tail[..self.len].iter().map(|cell| cell.get().expect("a copy holds only filled cells"))
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        match self.sealed.get(index / CHUNK) {
            Some(chunk) => chunk.get(index % CHUNK),
            None if index / CHUNK == self.sealed.len() && index % CHUNK < self.len => self.tail[index % CHUNK].get(),
            None => None,
        }
    }

    /// The items from index `start` on (none when `start` is past the end), oldest first.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = &T> + Clone {
        let (skip_chunks, skip_items) = (start / CHUNK, start % CHUNK);
        let sealed = self.sealed.iter().skip(skip_chunks).enumerate().flat_map(move |(i, chunk)| {
            let from = if i == 0 { skip_items.min(chunk.len()) } else { 0 };
            chunk[from..].iter()
        });
        let tail_from = match skip_chunks.cmp(&self.sealed.len()) {
            std::cmp::Ordering::Less => 0,
            std::cmp::Ordering::Equal => skip_items.min(self.len),
            std::cmp::Ordering::Greater => self.len,
        };
        sealed.chain(self.tail_items().skip(tail_from))
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> + Clone {
        self.iter_from(0)
    }

    /// The number of items before the first for which `pred` is false, `pred` being true for a
    /// prefix of the list (as [`slice::partition_point`]).
    pub fn partition_point(&self, pred: impl Fn(&T) -> bool) -> usize {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let mid = low + (high - low) / 2;
            match self.get(mid) {
                Some(item) if pred(item) => low = mid + 1,
                _ => high = mid,
            }
        }
        low
    }
}

impl<T: Clone> Chunks<T> {
    pub fn push(&mut self, item: T) {
        if self.tail.is_empty() {
            self.tail = Rc::new(empty_cells());
        }
        if let Err(item) = self.tail[self.len].set(item) {
            // Another copy went on from here: this one goes its own way with a copy of its items.
            self.part_ways();
            let _ = self.tail[self.len].set(item);
        }
        self.len += 1;
        if self.len == CHUNK {
            let full = std::mem::replace(&mut self.tail, Rc::new(Vec::new()));
            let items = match Rc::try_unwrap(full) {
                Ok(cells) => cells.into_iter().map(|cell| cell.into_inner().expect("a full tail is filled")).collect(),
                Err(shared) => shared.iter().map(|cell| cell.get().expect("a full tail is filled").clone()).collect(),
            };
            self.sealed.push(Rc::new(items));
            self.len = 0;
        }
    }

    /// Gives this copy a tail of its own, holding its items.
    fn part_ways(&mut self) {
        let cells = empty_cells();
        for (cell, item) in cells.iter().zip(self.tail_items()) {
            let _ = cell.set(item.clone());
        }
        self.tail = Rc::new(cells);
    }

    /// The item at `index`, to change; a chunk or tail that a clone shares is copied first.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        let (chunk, at) = (index / CHUNK, index % CHUNK);
        if chunk < self.sealed.len() {
            return Rc::make_mut(&mut self.sealed[chunk]).get_mut(at);
        }
        if chunk > self.sealed.len() || at >= self.len {
            return None;
        }
        if Rc::get_mut(&mut self.tail).is_none() {
            self.part_ways();
        }
        Rc::get_mut(&mut self.tail).expect("a tail of its own")[at].get_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(n: usize) -> Chunks<usize> {
        let mut chunks = Chunks::default();
        for i in 0..n {
            chunks.push(i);
        }
        chunks
    }

    #[test]
    fn items_read_back_in_order_from_any_index_across_chunks() {
        let n = 2 * CHUNK + 5;
        let chunks = numbers(n);
        assert_eq!(chunks.len(), n);
        for start in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, n - 1, n, n + 10] {
            let expected: Vec<usize> = (start.min(n)..n).collect();
            assert_eq!(chunks.iter_from(start).copied().collect::<Vec<_>>(), expected, "from {start}");
        }
        for i in [0, CHUNK - 1, CHUNK, n - 1] {
            assert_eq!(chunks.get(i), Some(&i));
        }
        for bound in [0, 1, CHUNK, 2 * CHUNK + 1, n, n + 7] {
            assert_eq!(chunks.partition_point(|&i| i < bound), bound.min(n), "below {bound}");
        }
        assert_eq!((chunks.get(n), chunks.get(n + CHUNK)), (None, None));
    }

    #[test]
    fn a_clone_shares_the_sealed_chunks_and_a_change_copies_only_its_chunk() {
        let mut chunks = numbers(2 * CHUNK + 3);
        let copy = chunks.clone();
        assert!(Rc::ptr_eq(&chunks.sealed[0], &copy.sealed[0]), "a sealed chunk is shared, not copied");
        *chunks.get_mut(5).unwrap() = 999;
        *chunks.get_mut(2 * CHUNK + 1).unwrap() = 998;
        assert_eq!((chunks.get(5), copy.get(5)), (Some(&999), Some(&5)));
        assert_eq!((chunks.get(2 * CHUNK + 1), copy.get(2 * CHUNK + 1)), (Some(&998), Some(&(2 * CHUNK + 1))));
        assert!(!Rc::ptr_eq(&chunks.sealed[0], &copy.sealed[0]), "the changed chunk was copied");
        assert!(Rc::ptr_eq(&chunks.sealed[1], &copy.sealed[1]), "the others are still shared");
    }

    #[test]
    fn a_clone_shares_the_tail_until_the_copies_part_ways() {
        let mut live = numbers(CHUNK + 10);
        let checkpoint = live.clone();
        live.push(1);
        assert!(Rc::ptr_eq(&live.tail, &checkpoint.tail), "pushing past the clone's items shares the tail");
        let mut restored = checkpoint.clone();
        restored.push(2);
        assert!(!Rc::ptr_eq(&restored.tail, &live.tail), "a copy that goes another way has its own");
        assert_eq!(
            (live.get(CHUNK + 10), restored.get(CHUNK + 10), checkpoint.get(CHUNK + 10)),
            (Some(&1), Some(&2), None)
        );
    }

    /// What a copy does: push, change an item, or become a copy of another.
    #[derive(Clone, Debug)]
    enum Step {
        Push(usize, usize),
        Change(usize, usize, usize),
        Copy(usize, usize),
    }

    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        prop_oneof![
            6 => (0..3usize, any::<usize>()).prop_map(|(c, v)| Step::Push(c, v)),
            2 => (0..3usize, any::<usize>(), any::<usize>()).prop_map(|(c, i, v)| Step::Change(c, i, v)),
            1 => (0..3usize, 0..3usize).prop_map(|(to, from)| Step::Copy(to, from)),
        ]
    }

    proptest::proptest! {
        /// Copies that share chunks and tails, pushed to and changed in any order, each read back
        /// exactly what a plain list given the same steps holds.
        #[test]
        fn copies_read_back_what_they_were_given(steps in proptest::collection::vec(step(), 0..3000)) {
            let mut copies: Vec<Chunks<usize>> = vec![Chunks::default(); 3];
            let mut lists: Vec<Vec<usize>> = vec![Vec::new(); 3];
            for step in steps {
                match step {
                    Step::Push(c, v) => {
                        // Runs of pushes, so that chunks fill and seal.
                        for k in 0..(v % 700) {
                            copies[c].push(v + k);
                            lists[c].push(v + k);
                        }
                    }
                    Step::Change(c, i, v) if !lists[c].is_empty() => {
                        let i = i % lists[c].len();
                        *copies[c].get_mut(i).unwrap() = v;
                        lists[c][i] = v;
                    }
                    Step::Change(..) => {}
                    Step::Copy(to, from) => {
                        copies[to] = copies[from].clone();
                        lists[to] = lists[from].clone();
                    }
                }
            }
            for (copy, list) in copies.iter().zip(&lists) {
                proptest::prop_assert_eq!(copy.len(), list.len());
                proptest::prop_assert_eq!(copy.iter().copied().collect::<Vec<_>>(), list.clone());
                let start = list.len() / 3;
                proptest::prop_assert_eq!(copy.iter_from(start).copied().collect::<Vec<_>>(), list[start..].to_vec());
                proptest::prop_assert_eq!(copy.get(list.len()), None);
            }
        }
    }
}
