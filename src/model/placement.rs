//! Which nodes hold a key: a stable hash picks the first replica, the next RF-1 around the ring
//! hold the rest.
//!
//! The hash is 64-bit FNV-1a over the key's UTF-8 bytes: defined by its spec, so it is the same on
//! every platform and release (unlike `std`'s `DefaultHasher`).

use crate::model::types::NodeId;
use std::hash::Hasher;

/// The replica set of one key on a ring of `n` nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Replicas {
    first: NodeId,
    rf: usize,
    n: usize,
}

/// The key's position on the ring: the stable hash placement and anti-entropy buckets use.
pub fn key_hash(key: &str) -> u64 {
    let mut hasher = fnv::FnvHasher::default();
    hasher.write(key.as_bytes());
    hasher.finish()
}

impl Replicas {
    pub fn of(key: &str, n: usize, rf: usize) -> Replicas {
        Replicas::of_hash(key_hash(key), n, rf)
    }

    /// The replica set of a key whose [`key_hash`] is `hash`.
    pub fn of_hash(hash: u64, n: usize, rf: usize) -> Replicas {
        debug_assert!(n > 0 && rf >= 1 && rf <= n);
        Replicas { first: (hash % n as u64) as NodeId, rf, n }
    }

    pub fn len(&self) -> usize {
        self.rf
    }

    pub fn is_empty(&self) -> bool {
        self.rf == 0
    }

    pub fn contains(&self, node: NodeId) -> bool {
        // Distance clockwise from the first replica, without a division (this runs per reply).
        let distance = if node >= self.first { node - self.first } else { node + self.n - self.first };
        distance < self.rf
    }

    pub fn iter(&self) -> impl Iterator<Item = NodeId> + '_ {
        (self.first..self.first + self.rf).map(move |i| if i >= self.n { i - self.n } else { i })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_is_the_published_function() {
        // Test vectors from the FNV reference: FNV-1a 64 of "" and "a".
        let mut h = fnv::FnvHasher::default();
        h.write(b"");
        assert_eq!(h.finish(), 0xcbf29ce484222325);
        let mut h = fnv::FnvHasher::default();
        h.write(b"a");
        assert_eq!(h.finish(), 0xaf63dc4c8601ec8c);
    }

    #[test]
    fn replicas_are_consecutive_around_the_ring() {
        for key in ["5", "hello", "a-much-longer-key", ""] {
            let r = Replicas::of(key, 4, 3);
            let nodes: Vec<_> = r.iter().collect();
            assert_eq!(nodes.len(), 3);
            for w in nodes.windows(2) {
                assert_eq!(w[1], (w[0] + 1) % 4);
            }
            for node in 0..4 {
                assert_eq!(r.contains(node), nodes.contains(&node), "{key} {node}");
            }
        }
    }

    #[test]
    fn placement_is_pinned() {
        // Pinned so a change of hash (which would move every key) cannot pass unnoticed.
        let firsts: Vec<_> = ["5", "hello", "x", "key42"].iter().map(|k| Replicas::of(k, 16, 3).first).collect();
        let expected: Vec<_> = ["5", "hello", "x", "key42"]
            .iter()
            .map(|k| {
                let mut h: u64 = 0xcbf29ce484222325;
                for b in k.bytes() {
                    h ^= b as u64;
                    h = h.wrapping_mul(0x100000001b3);
                }
                (h % 16) as usize
            })
            .collect();
        assert_eq!(firsts, expected);
    }

    #[test]
    fn rf_equal_to_n_covers_every_node() {
        let r = Replicas::of("k", 5, 5);
        let mut nodes: Vec<_> = r.iter().collect();
        nodes.sort();
        assert_eq!(nodes, vec![0, 1, 2, 3, 4]);
    }
}
