//! Anti-entropy: every period a node compares the keys it shares with one peer and the two
//! exchange only the entries of the key ranges that differ, so replicas converge without reads.
//!
//! A round between initiator A and peer B:
//! 1. A sends `ae_digest`: for each of [`BUCKETS`] ranges of the key hash ring (the top bits of
//!    the placement hash), a hash of the `(key, version)` of every entry A holds of the keys
//!    both nodes replicate, combined by wrapping addition so the order does not matter.
//! 2. B computes the same digest, and answers `ae_diff`: the buckets that differ and B's entries
//!    in them.
//! 3. A applies B's entries (last-write-wins) and sends `ae_entries`: its entries in those
//!    buckets that B lacks or holds older. B applies them and answers `ae_ack`. When A has
//!    nothing newer, the round ends at step 3 with no message.
//!
//! Peers are taken round-robin (A+1, A+2, ... around the ring); the first round of node `i` is
//! `(i + 1) / N` of a period after anti-entropy starts, so nodes do not all start at once.
//!
//! Tombstones (so that anti-entropy never revives a deleted key):
//! - With anti-entropy on, a node purges a tombstone only after the grace period *and* after a
//!   round it started with every other node has completed since the tombstone was stored
//!   ([`AntiEntropy::purge_horizon`]). Such a round leaves the peer holding the tombstone, a newer
//!   version, or nothing for the key, never an older live value that could later flow back to a
//!   node that purged. While a peer is unreachable, tombstones are kept: Cassandra's "gc grace
//!   must exceed the repair period", made a rule rather than an assumption.
//! - A tombstone whose version is older than the grace period is left out of digests and never
//!   creates a key on the receiving side; it still replaces an older live value. Otherwise two
//!   nodes that purged it at different times would hand it back and forth for ever.

use super::io::{Output, Timer};
use super::params::NodeParams;
use super::replica;
use crate::model::config::MIN_ANTI_ENTROPY_PERIOD;
use crate::model::message::Message;
use crate::model::placement::{key_hash, Replicas};
use crate::model::store::Store;
use crate::model::types::{Entry, Key, NodeId, Time, Version};
use rustc_hash::FxHashMap;
use std::hash::Hasher;

/// Key ranges compared per round.
pub const BUCKETS: usize = 64;

#[derive(Clone, Debug)]
pub struct AntiEntropy {
    period: Option<Time>,
    /// Names the current chain of round timers; a timer of an earlier chain is ignored.
    epoch: u32,
    /// The next peer is `(id + next_offset) % nodes`, with `next_offset` in `1..nodes`.
    next_offset: usize,
    next_round: u64,
    /// Per node: the round this node started with it that has not completed, and its start.
    open: Vec<Option<(u64, Time)>>,
    /// Per node: when the last completed round this node started with it began.
    synced: Vec<Option<Time>>,
}

impl AntiEntropy {
    pub fn new(nodes: usize, period: Option<Time>) -> AntiEntropy {
        AntiEntropy {
            period,
            epoch: 0,
            next_offset: 1,
            next_round: 0,
            open: vec![None; nodes],
            synced: vec![None; nodes],
        }
    }

    pub fn period(&self) -> Option<Time> {
        self.period
    }

    /// Switches anti-entropy to one round every `period` (`None`: off), the first one soon.
    pub fn set_period(&mut self, p: &NodeParams, now: Time, period: Option<Time>, out: &mut Vec<Output>) {
        self.epoch = self.epoch.wrapping_add(1);
        self.period = period.map(|t| t.max(MIN_ANTI_ENTROPY_PERIOD));
        if let (Some(period), true) = (self.period, p.nodes > 1) {
            let stagger = period * (p.id as Time + 1) / p.nodes as Time;
            out.push(Output::SetTimer { at: now + stagger, timer: Timer::AntiEntropy { epoch: self.epoch } });
        }
    }

    /// Tombstones stored before the returned time may be purged once their grace period has
    /// passed; `None` when anti-entropy is off and the grace period alone decides.
    pub fn purge_horizon(&self, p: &NodeParams) -> Option<Time> {
        self.period?;
        let peers = (0..p.nodes).filter(|&n| n != p.id);
        Some(peers.map(|n| self.synced[n].unwrap_or(0)).min().unwrap_or(Time::MAX))
    }

    /// The round timer fired: starts a round with the next peer and sets the next timer.
    pub fn on_tick(&mut self, p: &NodeParams, store: &Store, now: Time, epoch: u32, out: &mut Vec<Output>) {
        let Some(period) = self.period.filter(|_| epoch == self.epoch && p.nodes > 1) else { return };
        let peer = (p.id + self.next_offset) % p.nodes;
        self.next_offset = self.next_offset % (p.nodes - 1) + 1;
        let round = self.next_round;
        self.next_round += 1;
        self.open[peer] = Some((round, now));
        let buckets = digest(p, store, now, peer);
        out.push(Output::Send { to: peer, msg: Message::AeDigest { round, buckets } });
        out.push(Output::SetTimer { at: now + period, timer: Timer::AntiEntropy { epoch } });
    }

    /// Serves an anti-entropy message. A node answers its peers' rounds even with its own
    /// anti-entropy off.
    pub fn on_message(
        &mut self,
        p: &NodeParams,
        store: &mut Store,
        now: Time,
        from: NodeId,
        msg: Message,
        out: &mut Vec<Output>,
    ) {
        match msg {
            Message::AeDigest { round, buckets: theirs } => {
                let mine = digest(p, store, now, from);
                if theirs.len() != mine.len() {
                    return;
                }
                let differing: Vec<u16> = (0..BUCKETS).filter(|&b| mine[b] != theirs[b]).map(|b| b as u16).collect();
                let entries = entries_in(p, store, from, &differing, &|_, _| true);
                out.push(Output::Send { to: from, msg: Message::AeDiff { round, buckets: differing, entries } });
            }
            Message::AeDiff { round, buckets, entries } => {
                receive(p, store, now, &entries, out);
                if self.open.get(from).copied().flatten().is_none_or(|(open, _)| open != round) {
                    return;
                }
                let theirs: FxHashMap<&str, Version> = entries.iter().map(|(k, e)| (k.as_ref(), e.version)).collect();
                let newer = entries_in(p, store, from, &buckets, &|key, entry| match theirs.get(key.as_ref()) {
                    Some(version) => *version < entry.version,
                    None => !is_old_tombstone(p, now, entry),
                });
                if newer.is_empty() {
                    self.complete(from, round);
                } else {
                    out.push(Output::Send { to: from, msg: Message::AeEntries { round, entries: newer } });
                }
            }
            Message::AeEntries { round, entries } => {
                receive(p, store, now, &entries, out);
                out.push(Output::Send { to: from, msg: Message::AeAck { round } });
            }
            Message::AeAck { round } => self.complete(from, round),
            _ => debug_assert!(false, "only anti-entropy messages come here"),
        }
    }

    /// Round `round` with `peer` completed: the peer held everything this node held when the
    /// round started (or newer).
    fn complete(&mut self, peer: NodeId, round: u64) {
        if let Some(Some((open, started))) = self.open.get(peer).copied() {
            if open == round {
                self.open[peer] = None;
                self.synced[peer] = Some(started);
            }
        }
    }
}

/// Which bucket a key falls in: its range of the hash ring.
fn bucket(hash: u64) -> usize {
    (hash >> (64 - BUCKETS.trailing_zeros())) as usize
}

/// A stable hash of one entry: FNV-1a over the key, the version's timestamp and node.
fn entry_hash(hash: u64, version: Version) -> u64 {
    let mut h = fnv::FnvHasher::with_key(hash);
    h.write(&version.timestamp.to_le_bytes());
    h.write(&(version.node as u64).to_le_bytes());
    h.finish()
}

/// A tombstone older than the grace period (by its version): it no longer needs spreading to
/// nodes that hold nothing for its key.
fn is_old_tombstone(p: &NodeParams, now: Time, entry: &Entry) -> bool {
    entry.is_tombstone() && i128::from(entry.version.timestamp) + i128::from(p.tombstone_grace) <= i128::from(now)
}

/// This node's entries of the keys it shares with `peer`, with their hashes.
fn shared<'a>(p: &'a NodeParams, store: &'a Store, peer: NodeId) -> impl Iterator<Item = (u64, &'a Key, &'a Entry)> {
    store.iter().filter_map(move |(key, entry)| {
        let hash = key_hash(key);
        let replicas = Replicas::of_hash(hash, p.nodes, p.replication_factor);
        (replicas.contains(peer) && replicas.contains(p.id)).then_some((hash, key, entry))
    })
}

/// The hash of each bucket of the keys shared with `peer`.
fn digest(p: &NodeParams, store: &Store, now: Time, peer: NodeId) -> Vec<u64> {
    let mut buckets = vec![0u64; BUCKETS];
    for (hash, _, entry) in shared(p, store, peer) {
        if !is_old_tombstone(p, now, entry) {
            let b = &mut buckets[bucket(hash)];
            *b = b.wrapping_add(entry_hash(hash, entry.version));
        }
    }
    buckets
}

/// The entries shared with `peer` in `buckets` that `wanted` accepts, sorted by key so the
/// message is the same on every platform. `wanted` is a `dyn` so that the function and its sort
/// are compiled once, not once per caller (a smaller wasm).
fn entries_in(
    p: &NodeParams,
    store: &Store,
    peer: NodeId,
    buckets: &[u16],
    wanted: &dyn Fn(&Key, &Entry) -> bool,
) -> Vec<(Key, Entry)> {
    let mut selected = [false; BUCKETS];
    for &b in buckets {
        if let Some(slot) = selected.get_mut(b as usize) {
            *slot = true;
        }
    }
    let mut entries: Vec<(Key, Entry)> = shared(p, store, peer)
        .filter(|(hash, key, entry)| selected[bucket(*hash)] && wanted(key, entry))
        .map(|(_, key, entry)| (key.clone(), entry.clone()))
        .collect();
    // Keys are unique: the unstable sort (smaller code than the stable one) gives the same order.
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    entries
}

/// Applies a peer's entries for keys this node replicates. An old tombstone only replaces an
/// older version; it never creates a key.
fn receive(p: &NodeParams, store: &mut Store, now: Time, entries: &[(Key, Entry)], out: &mut Vec<Output>) {
    for (key, entry) in entries {
        let ours = Replicas::of(key, p.nodes, p.replication_factor).contains(p.id);
        if ours && !(is_old_tombstone(p, now, entry) && store.get(key).is_none()) {
            replica::apply(store, now, key, entry, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    const S: Time = 1_000_000;

    fn params(id: NodeId) -> NodeParams {
        NodeParams::for_tests(id)
    }

    fn entry(ts: i64, value: Option<&str>) -> Entry {
        Entry { value: value.map(Rc::from), version: Version { timestamp: ts, node: 0 } }
    }

    fn store(entries: &[(&str, Entry)]) -> Store {
        let mut store = Store::new(100 * S);
        for (key, e) in entries {
            store.apply(0, &Rc::from(*key), e);
        }
        store
    }

    #[test]
    fn buckets_are_ranges_of_the_hash_ring() {
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
        assert_eq!(bucket(1 << 58), 1);
    }

    #[test]
    fn the_digest_depends_on_contents_not_insertion_order() {
        let entries: Vec<_> = (0..50).map(|i| (format!("k{i}"), entry(i, Some("v")))).collect();
        let forward: Vec<_> = entries.iter().map(|(k, e)| (k.as_str(), e.clone())).collect();
        let backward: Vec<_> = forward.iter().rev().cloned().collect();
        let p = params(0);
        assert_eq!(digest(&p, &store(&forward), 0, 1), digest(&p, &store(&backward), 0, 1));
        let mut changed = forward.clone();
        changed[7].1 = entry(99, Some("v"));
        let (a, b) = (digest(&p, &store(&forward), 0, 1), digest(&p, &store(&changed), 0, 1));
        let differing: Vec<_> = (0..BUCKETS).filter(|&i| a[i] != b[i]).collect();
        assert_eq!(differing, [bucket(key_hash("k7"))], "one changed version changes one bucket");
    }

    #[test]
    fn old_tombstones_are_left_out_of_digests_and_never_create_keys() {
        let p = params(0);
        let old = store(&[("k", entry(0, None))]);
        assert_eq!(digest(&p, &old, 200 * S, 1), digest(&p, &store(&[]), 200 * S, 1));
        assert_ne!(digest(&p, &old, 50 * S, 1), digest(&p, &store(&[]), 50 * S, 1), "a young one counts");

        let mut out = vec![];
        let mut empty = store(&[]);
        receive(&p, &mut empty, 200 * S, &[(Rc::from("k"), entry(0, None))], &mut out);
        assert!(empty.is_empty(), "an old tombstone does not create a key");
        let mut stale = store(&[("k", entry(-5, Some("old")))]);
        receive(&p, &mut stale, 200 * S, &[(Rc::from("k"), entry(0, None))], &mut out);
        assert!(stale.get("k").unwrap().is_tombstone(), "it still replaces an older value");
    }

    #[test]
    fn rounds_go_round_robin_and_a_completed_round_moves_the_purge_horizon() {
        let p = params(1);
        let mut ae = AntiEntropy::new(3, None);
        assert_eq!(ae.purge_horizon(&p), None, "off: the grace period alone decides");
        let mut out = vec![];
        ae.set_period(&p, 0, Some(3 * S), &mut out);
        assert!(matches!(out[..], [Output::SetTimer { at, timer: Timer::AntiEntropy { epoch: 1 } }] if at == 2 * S));
        assert_eq!(ae.purge_horizon(&p), Some(0), "nothing may be purged before a round with every peer");
        let s = store(&[]);
        let mut peers = vec![];
        for (i, now) in [2 * S, 5 * S, 8 * S].into_iter().enumerate() {
            out.clear();
            ae.on_tick(&p, &s, now, 1, &mut out);
            let Output::Send { to, msg: Message::AeDigest { round, .. } } = &out[0] else { panic!("{out:?}") };
            assert_eq!(*round, i as u64);
            peers.push(*to);
        }
        assert_eq!(peers, [2, 0, 2]);
        // The round with n0 (round 1, started at 5 s) completes; the latest with n2 (round 2).
        ae.complete(0, 1);
        assert_eq!(ae.purge_horizon(&p), Some(0), "n2 has not completed a round");
        ae.complete(2, 0);
        assert_eq!(ae.purge_horizon(&p), Some(0), "round 0 with n2 was superseded by round 2");
        ae.complete(2, 2);
        assert_eq!(ae.purge_horizon(&p), Some(5 * S));
        // A timer from an earlier schedule does nothing.
        out.clear();
        ae.set_period(&p, 10 * S, None, &mut out);
        ae.on_tick(&p, &s, 11 * S, 1, &mut out);
        assert!(out.is_empty());
    }
}
