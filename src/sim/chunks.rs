//! An append-only list stored as sealed chunks, shared between clones, and a tail. The page's
//! checkpoints copy the scheduler every few hundred steps: a clone of a long trace or history
//! then costs one pointer per chunk and at most a chunk of items, not all of them again; and
//! growing never moves what is already stored.

use std::rc::Rc;

/// Items per sealed chunk.
pub const CHUNK: usize = 1024;

#[derive(Clone, Debug)]
pub struct Chunks<T> {
    /// Full chunks, moved in whole (no copy) when the tail fills up.
    sealed: Vec<Rc<Vec<T>>>,
    tail: Vec<T>,
}

impl<T> Default for Chunks<T> {
    fn default() -> Self {
        Chunks { sealed: Vec::new(), tail: Vec::new() }
    }
}

impl<T> Chunks<T> {
    pub fn push(&mut self, item: T) {
        if self.tail.capacity() == 0 {
            self.tail.reserve_exact(CHUNK);
        }
        self.tail.push(item);
        if self.tail.len() == CHUNK {
            let full = std::mem::replace(&mut self.tail, Vec::with_capacity(CHUNK));
            self.sealed.push(Rc::new(full));
        }
    }

    pub fn len(&self) -> usize {
        self.sealed.len() * CHUNK + self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        match self.sealed.get(index / CHUNK) {
            Some(chunk) => chunk.get(index % CHUNK),
            None if index / CHUNK == self.sealed.len() => self.tail.get(index % CHUNK),
            None => None,
        }
    }

    /// The items from index `start` on (none when `start` is past the end), oldest first.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = &T> + Clone {
        let chunks = self.sealed.iter().map(|chunk| &chunk[..]).chain(std::iter::once(&self.tail[..]));
        let (skip_chunks, skip_items) = (start / CHUNK, start % CHUNK);
        chunks.skip(skip_chunks).enumerate().flat_map(move |(i, chunk)| {
            let from = if i == 0 { skip_items.min(chunk.len()) } else { 0 };
            chunk[from..].iter()
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> + Clone {
        self.iter_from(0)
    }
}

impl<T: Clone> Chunks<T> {
    /// The item at `index`, to change; a sealed chunk that a clone shares is copied first.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        let sealed = self.sealed.len();
        match self.sealed.get_mut(index / CHUNK) {
            Some(chunk) => Rc::make_mut(chunk).get_mut(index % CHUNK),
            None if index / CHUNK == sealed => self.tail.get_mut(index % CHUNK),
            None => None,
        }
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
}
