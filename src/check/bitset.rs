//! The set of operations a partial linearization holds, as bits, with a hash kept up to date
//! as bits change (each op has a fixed pseudo-random 64-bit code; the hash is the XOR of the
//! codes of the ops in the set), so the search's memo never rehashes the whole set.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bitset {
    words: Box<[u64]>,
    hash: u64,
}

/// SplitMix64's finaliser: a fixed, well-mixed code for each number.
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Bitset {
    pub fn new(bits: usize) -> Self {
        Bitset { words: vec![0; bits.div_ceil(64)].into_boxed_slice(), hash: 0 }
    }

    pub fn contains(&self, bit: usize) -> bool {
        self.words.get(bit / 64).is_some_and(|w| w & (1 << (bit % 64)) != 0)
    }

    /// Adds `bit`; no change if it is there already (or beyond the set's size).
    pub fn insert(&mut self, bit: usize) {
        if let Some(word) = self.words.get_mut(bit / 64) {
            if *word & (1 << (bit % 64)) == 0 {
                *word |= 1 << (bit % 64);
                self.hash ^= mix(bit as u64);
            }
        }
    }

    pub fn remove(&mut self, bit: usize) {
        if let Some(word) = self.words.get_mut(bit / 64) {
            if *word & (1 << (bit % 64)) != 0 {
                *word &= !(1 << (bit % 64));
                self.hash ^= mix(bit as u64);
            }
        }
    }

    pub fn hash(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_depends_only_on_the_members() {
        let (mut a, mut b) = (Bitset::new(130), Bitset::new(130));
        a.insert(3);
        a.insert(129);
        b.insert(129);
        b.insert(7);
        b.insert(3);
        b.remove(7);
        b.insert(3);
        assert_eq!(a, b);
        assert_eq!(a.hash(), b.hash());
        assert!(a.contains(129) && !a.contains(7) && !a.contains(500));
        a.insert(500);
        a.remove(500);
        assert_eq!(a, b);
        a.remove(3);
        assert_ne!(a.hash(), b.hash());
    }
}
