//! What the live checks ([`super::anomalies`]) remember of each acknowledged write and completed
//! read, in one arena linked into chains: per key (the writes) and per key and node (the reads).
//! An entry is 24 bytes in wasm (no version: its operation's, in the history, is read when
//! asked for; the replicas as the number of a set shared by the run and its copies), and a read
//! chain's head is the number of its newest entry: the page's checkpoints copy every head,
//! 16 nodes x 500 keys of them in its benchmark.

use crate::model::types::{NodeId, Time, Version};
use crate::sim::chunks::Chunks;
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::rc::Rc;

/// The end of a chain.
pub const END: u32 = u32::MAX;

/// An acknowledged write or a completed read, as the checks remember it: what a later operation
/// is compared with.
#[derive(Clone, Copy, Debug)]
pub struct Seen {
    pub completed: Time,
    /// The operation, by its index in the history (whose version is the entry's).
    pub op: u32,
    /// The entry before it in its chain, or [`END`].
    prev: u32,
    /// The entry with the newest version among this one and those before it in its chain.
    pub newest: u32,
    /// The replicas that acknowledged the write (or answered the read), by number in
    /// [`NodeSets`].
    replicas: u32,
}

/// A set of nodes (at most 256, as configs allow), copied without allocating.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
struct NodeSet([u64; 4]);

impl NodeSet {
    fn of(nodes: &[NodeId]) -> NodeSet {
        let mut set = NodeSet::default();
        for &n in nodes.iter().filter(|&&n| n < 256) {
            set.0[n / 64] |= 1 << (n % 64);
        }
        set
    }

    fn nodes(self) -> Vec<NodeId> {
        (0..256).filter(|n| self.0[n / 64] & (1 << (n % 64)) != 0).collect()
    }
}

/// The sets of replicas seen, numbered in the order first seen; one table serves a run and its
/// copies (numbers are only ever added, and a set keeps its number). A run sees few: subsets of
/// a key's preference list, or of the nodes that answered.
#[derive(Clone, Debug, Default)]
struct NodeSets(Rc<RefCell<SetTable>>);

/// The sets by number, and the number of each.
type SetTable = (Vec<NodeSet>, FxHashMap<NodeSet, u32>);

impl NodeSets {
    fn number(&self, set: NodeSet) -> u32 {
        let mut table = self.0.borrow_mut();
        let (sets, numbers) = &mut *table;
        *numbers.entry(set).or_insert_with(|| {
            sets.push(set);
            sets.len() as u32 - 1
        })
    }

    fn get(&self, number: u32) -> NodeSet {
        self.0.borrow().0[number as usize]
    }
}

/// A chain's head ([`END`] when it is empty), with what most checks ask of it: when it
/// completed and the newest version of the chain. Most operations are checked from the head
/// alone, without reading the arena.
#[derive(Clone, Copy, Debug)]
pub struct Head {
    at: u32,
    completed: Time,
    newest: u32,
    newest_version: Option<Version>,
}

impl Head {
    /// The chain's newest entry ([`END`] when it is empty).
    pub fn at(&self) -> u32 {
        self.at
    }
}

impl Default for Head {
    fn default() -> Self {
        Head { at: END, completed: 0, newest: END, newest_version: None }
    }
}

/// Every [`Seen`] of a run, in one arena, linked into chains.
#[derive(Clone, Debug, Default)]
pub struct Chains {
    entries: Chunks<Seen>,
    sets: NodeSets,
}

impl Chains {
    /// Adds at the head of a chain what operation `op`, which completed at `completed` with
    /// `version`, saw or reached (`replicas`). Versions are read back by operation with
    /// `version_of` (the history's).
    pub fn push(&mut self, head: &mut Head, completed: Time, version: Option<Version>, op: u32, replicas: &[NodeId]) {
        let at = self.entries.len() as u32;
        if head.at == END || version > head.newest_version {
            (head.newest, head.newest_version) = (at, version);
        }
        let replicas = self.sets.number(NodeSet::of(replicas));
        self.entries.push(Seen { completed, op, prev: head.at, newest: head.newest, replicas });
        (head.at, head.completed) = (at, completed);
    }

    /// The head of the chain whose newest entry is `at` ([`END`]: an empty chain).
    pub fn head_at(&self, at: u32, version_of: impl Fn(u32) -> Option<Version>) -> Head {
        if at == END {
            return Head::default();
        }
        let seen = self.get(at);
        let newest_version = version_of(self.get(seen.newest).op);
        Head { at, completed: seen.completed, newest: seen.newest, newest_version }
    }

    /// The newest version among a chain's entries that completed strictly before `t`, and
    /// the entry that has it. From the head when it completed before `t`; else walked back:
    /// what completed after `t` ran concurrently with the operation asking, a few entries.
    pub fn newest_before(
        &self,
        head: Head,
        t: Time,
        version_of: impl Fn(u32) -> Option<Version>,
    ) -> Option<(Option<Version>, u32)> {
        if head.at == END {
            return None;
        }
        if head.completed < t {
            return Some((head.newest_version, head.newest));
        }
        let mut at = self.get(head.at).prev;
        while let Some(seen) = self.entries.get(at as usize) {
            if seen.completed < t {
                return Some((version_of(self.get(seen.newest).op), seen.newest));
            }
            at = seen.prev;
        }
        None
    }

    pub fn get(&self, at: u32) -> &Seen {
        self.entries.get(at as usize).expect("chains link recorded entries")
    }

    /// The replicas of entry `seen`.
    pub fn replicas(&self, seen: &Seen) -> Vec<NodeId> {
        self.sets.get(seen.replicas).nodes()
    }
}

/// The head of each (key number, node)'s chain of reads: the number of its newest entry.
#[derive(Clone, Debug, Default)]
pub struct ReadHeads {
    /// By node, then key number.
    heads: Vec<Vec<u32>>,
}

impl ReadHeads {
    pub fn get(&self, key: u32, node: NodeId) -> u32 {
        self.heads.get(node).and_then(|keys| keys.get(key as usize)).copied().unwrap_or(END)
    }

    pub fn set(&mut self, key: u32, node: NodeId, at: u32) {
        if node >= self.heads.len() {
            self.heads.resize(node + 1, Vec::new());
        }
        let keys = &mut self.heads[node];
        if key as usize >= keys.len() {
            keys.resize(key as usize + 1, END);
        }
        keys[key as usize] = at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_give_back_their_operations_and_replicas_and_heads_their_chain() {
        let mut chains = Chains::default();
        let mut head = Head::default();
        let v = |timestamp, node| Some(Version { timestamp, node });
        let versions = [v(-5, 255), None, v(-7, 2)];
        let version_of = |op: u32| versions[op as usize];
        for (op, (completed, replicas)) in [(10, vec![0, 3, 255]), (20, vec![1]), (30, vec![])].into_iter().enumerate()
        {
            chains.push(&mut head, completed, versions[op], op as u32, &replicas);
        }
        let copy = chains.clone();
        let seen: Vec<_> = (0..3).map(|at| (copy.get(at).op, copy.replicas(copy.get(at)))).collect();
        assert_eq!(seen, [(0, vec![0, 3, 255]), (1, vec![1]), (2, vec![])]);
        let rebuilt = chains.head_at(head.at, version_of);
        assert_eq!((rebuilt.at, rebuilt.completed, rebuilt.newest, rebuilt.newest_version), (2, 30, 0, v(-5, 255)));
        assert_eq!(chains.newest_before(head, 25, version_of), Some((v(-5, 255), 0)));
        assert_eq!(chains.newest_before(head, 10, version_of), None);
    }

    #[test]
    fn read_heads_are_empty_until_set() {
        let mut heads = ReadHeads::default();
        assert_eq!(heads.get(3, 2), END);
        heads.set(3, 2, 7);
        assert_eq!((heads.get(3, 2), heads.get(2, 2), heads.get(3, 1)), (7, END, END));
    }
}
