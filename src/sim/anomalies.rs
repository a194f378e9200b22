//! Anomalies found live: each completed operation of the [`History`](super::history) is checked
//! against what completed before it was invoked, so a student sees the moment a guarantee broke
//! and why, in words.
//!
//! - stale read: a get returned a version older than one acknowledged before the get began;
//! - read-your-writes: the same, where the newer write was the reading process's own;
//! - monotonic reads: a get returned a version older than one its process read before;
//! - lost write: a write acknowledged after another one completed, yet older by version (a
//!   clock behind): last-write-wins discards it;
//! - resurrection: a get returned a value after a delete of the key was acknowledged;
//! - phantom value: a get returned a value no write ever wrote (a bug detector: never fires).
//!
//! Replicas that still disagree when the network is quiet are reported apart ([`divergent`]):
//! not an anomaly, but what read repair and anti-entropy left behind.

use crate::model::message::RequestId;
use crate::model::outcome::Outcome;
use crate::model::placement::Replicas;
use crate::model::types::{format_time, Entry, Key, NodeId, Time, Value, Version};
use crate::node::Node;
use crate::sim::chunks::Chunks;
use crate::sim::history::{Function, History, Operation};
use crate::sim::written::{address, WrittenValues};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::collections::BTreeSet;
use std::rc::Rc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    StaleRead,
    ReadYourWrites,
    MonotonicReads,
    LostWrite,
    Resurrection,
    PhantomValue,
}

impl AnomalyKind {
    pub const ALL: [AnomalyKind; 6] = [
        AnomalyKind::StaleRead,
        AnomalyKind::ReadYourWrites,
        AnomalyKind::MonotonicReads,
        AnomalyKind::LostWrite,
        AnomalyKind::Resurrection,
        AnomalyKind::PhantomValue,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AnomalyKind::StaleRead => "stale read",
            AnomalyKind::ReadYourWrites => "read-your-writes violation",
            AnomalyKind::MonotonicReads => "monotonic-reads violation",
            AnomalyKind::LostWrite => "lost acknowledged write",
            AnomalyKind::Resurrection => "resurrection",
            AnomalyKind::PhantomValue => "value no write wrote",
        }
    }
}

/// One anomaly: the operation that showed it, the one it contradicts, and why, in words.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    /// When the operation that showed it completed.
    pub time: Time,
    pub process: NodeId,
    pub request: RequestId,
    pub key: Key,
    /// The earlier operation it contradicts, if any.
    pub earlier: Option<RequestId>,
    pub explanation: String,
}

/// An acknowledged write or a completed read, as the checks remember it: what a later operation
/// is compared with. All of them live in one arena ([`Anomalies::seen`]), chained per key (the
/// writes) and per key and node (the reads), so a run of many keys allocates nothing per key.
#[derive(Clone, Copy, Debug)]
struct Seen {
    completed: Time,
    version: Option<Version>,
    /// The operation, by its index in the history.
    op: u32,
    /// The entry before it in its chain, or [`END`].
    prev: u32,
    /// The entry with the newest version among this one and those before it in its chain.
    newest: u32,
    /// The replicas that acknowledged the write (or answered the read).
    replicas: NodeSet,
}

/// The end of a chain.
const END: u32 = u32::MAX;

/// A set of nodes (at most 256, as configs allow), copied without allocating.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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

/// A chain's head ([`END`] when it is empty), with what most checks ask of it: when it
/// completed and the newest version of the chain. Most operations are checked from the head
/// alone, without reading the arena.
#[derive(Clone, Copy, Debug)]
struct Head {
    at: u32,
    completed: Time,
    newest: u32,
    newest_version: Option<Version>,
}

impl Default for Head {
    fn default() -> Self {
        Head { at: END, completed: 0, newest: END, newest_version: None }
    }
}

/// Every [`Seen`] of a run, in one arena, linked into chains.
#[derive(Clone, Debug, Default)]
struct Chains {
    entries: Chunks<Seen>,
}

impl Chains {
    /// Adds `seen` at the head of a chain.
    fn push(&mut self, head: &mut Head, mut seen: Seen) {
        let at = self.entries.len() as u32;
        seen.prev = head.at;
        if head.at == END || seen.version > head.newest_version {
            (head.newest, head.newest_version) = (at, seen.version);
        }
        seen.newest = head.newest;
        (head.at, head.completed) = (at, seen.completed);
        self.entries.push(seen);
    }

    /// The newest version among a chain's entries that completed strictly before `t`, and
    /// the entry that has it. From the head when it completed before `t`; else walked back:
    /// what completed after `t` ran concurrently with the operation asking, a few entries.
    fn newest_before(&self, head: Head, t: Time) -> Option<(Option<Version>, u32)> {
        if head.at == END {
            return None;
        }
        if head.completed < t {
            return Some((head.newest_version, head.newest));
        }
        let mut at = self.get(head.at).prev;
        while let Some(seen) = self.entries.get(at as usize) {
            if seen.completed < t {
                return Some((self.get(seen.newest).version, seen.newest));
            }
            at = seen.prev;
        }
        None
    }

    fn get(&self, at: u32) -> &Seen {
        self.entries.get(at as usize).expect("chains link recorded entries")
    }
}

#[derive(Clone, Debug)]
pub struct Anomalies {
    replication_factor: usize,
    /// Each key's number, found by the key's hash once per operation.
    key_ids: FxHashMap<Key, u32>,
    /// The head of each key's chain of acknowledged writes, by key number.
    writes: Vec<Head>,
    /// The head of the chain of completed reads of each node, by key number. Each key's heads
    /// are shared with the page's checkpoints (copies of the scheduler every few hundred steps)
    /// and copied when they change: a map of every (key, node) was half a megabyte to copy each
    /// time for 500 keys on 16 nodes, the largest part of a checkpoint.
    reads: Vec<Rc<Vec<Head>>>,
    seen: Chains,
    /// The key number of each operation, by its index in the history.
    op_keys: Chunks<u32>,
    /// The values inserted or updated, by key number and address, shared with every copy.
    written: WrittenValues,
    /// Values found written under the same text in another allocation (rare), by key number
    /// and address; `copies` holds them, so no address is reused while they are here.
    same_text: FxHashSet<(u32, usize)>,
    copies: Vec<Value>,
    found: Vec<Anomaly>,
}

impl Anomalies {
    pub fn new(replication_factor: usize) -> Anomalies {
        Anomalies {
            replication_factor,
            key_ids: FxHashMap::default(),
            writes: Vec::new(),
            reads: Vec::new(),
            seen: Chains::default(),
            op_keys: Chunks::default(),
            written: WrittenValues::default(),
            same_text: FxHashSet::default(),
            copies: Vec::new(),
            found: Vec::new(),
        }
    }

    /// Notes operation `index` of the history as it is invoked: the values a read may
    /// legitimately return. Operations must be noted in the history's order.
    pub fn invoked(&mut self, index: usize, op: &Operation) {
        debug_assert_eq!(index, self.op_keys.len(), "operations are noted in order");
        let next = self.writes.len() as u32;
        let id = *self.key_ids.entry(op.key.clone()).or_insert(next);
        if id == next {
            self.writes.push(Head::default());
            self.reads.push(Rc::default());
        }
        self.op_keys.push(id);
        if let (Function::Insert | Function::Update, Some(value)) = (op.function, &op.value) {
            self.written.insert(id, value);
        }
    }

    /// Checks operation `index` of `history`, which just completed with `outcome`; returns the
    /// anomalies it shows.
    pub fn completed(&mut self, history: &History, index: usize, outcome: &Outcome) -> &[Anomaly] {
        let before = self.found.len();
        let Some(op) = history.operation(index) else { return &[] };
        let (Some((completed, _)), Some(&id)) = (op.completed, self.op_keys.get(index)) else {
            return &self.found[before..];
        };
        let seen = |replicas: &[NodeId]| Seen {
            completed,
            version: op.version,
            op: index as u32,
            prev: END,
            newest: END,
            replicas: NodeSet::of(replicas),
        };
        match outcome {
            Outcome::Written { acked_by, .. } => {
                self.check_write(history, id, op);
                self.seen.push(&mut self.writes[id as usize], seen(acked_by));
            }
            Outcome::Value { heard_from, .. } => {
                let heads = Rc::make_mut(&mut self.reads[id as usize]);
                if heads.len() <= op.node {
                    heads.resize(op.node + 1, Head::default());
                }
                let reads = &mut heads[op.node];
                let read_before = self.seen.newest_before(*reads, op.invoked);
                self.seen.push(reads, seen(heard_from));
                self.check_read(history, id, op, heard_from, read_before);
            }
            _ => {}
        }
        &self.found[before..]
    }

    pub fn found(&self) -> &[Anomaly] {
        &self.found
    }

    fn report(&mut self, kind: AnomalyKind, op: &Operation, earlier: Option<RequestId>, explanation: String) {
        let time = op.completed.map_or(op.invoked, |(t, _)| t);
        let (process, request, key) = (op.node, op.request, op.key.clone());
        self.found.push(Anomaly { kind, time, process, request, key, earlier, explanation });
    }

    fn check_write(&mut self, history: &History, id: u32, op: &Operation) {
        let Some((version, at)) = self.seen.newest_before(self.writes[id as usize], op.invoked) else { return };
        if version <= op.version {
            return;
        }
        let newer = *self.seen.get(at);
        let newer_op = operation(history, newer.op);
        let explanation = format!(
            "{} was acknowledged with version {}, older than {}'s {}, acknowledged at {} s before it \
             began: n{}'s clock is behind, and last-write-wins keeps the newer version everywhere, \
             so this acknowledged write is lost.",
            describe(op),
            version_text(op.version),
            describe(newer_op),
            version_text(newer.version),
            format_time(newer.completed),
            op.node,
        );
        self.report(AnomalyKind::LostWrite, op, Some(newer_op.request), explanation);
    }

    /// Whether some insert or update of key `id` in `history` wrote `value`.
    fn was_written(&mut self, history: &History, id: u32, value: &Value) -> bool {
        if self.written.contains(id, value) || self.same_text.contains(&(id, address(value))) {
            return true;
        }
        // The same text in another allocation: look for it among the key's writes.
        let same = history.operations().zip(self.op_keys.iter()).any(|(w, &key)| {
            key == id && matches!(w.function, Function::Insert | Function::Update) && w.value.as_ref() == Some(value)
        });
        if same {
            self.same_text.insert((id, address(value)));
            self.copies.push(value.clone());
        }
        same
    }

    /// `read_before`: the newest version `op`'s node read of the key before `op` began.
    fn check_read(
        &mut self,
        history: &History,
        id: u32,
        op: &Operation,
        heard_from: &[NodeId],
        read_before: Option<(Option<Version>, u32)>,
    ) {
        if let Some(value) = &op.value {
            if !self.was_written(history, id, value) {
                let explanation =
                    format!("{} returned {value}, which no insert or update of the key wrote.", describe(op));
                self.report(AnomalyKind::PhantomValue, op, None, explanation);
            }
        }
        let newer = self.seen.newest_before(self.writes[id as usize], op.invoked);
        if let Some((_, at)) = newer.filter(|(version, _)| *version > op.version) {
            let newer = *self.seen.get(at);
            let newer_op = operation(history, newer.op);
            let kind = if newer_op.function == Function::Delete && op.value.is_some() {
                AnomalyKind::Resurrection
            } else if newer_op.node == op.node {
                AnomalyKind::ReadYourWrites
            } else {
                AnomalyKind::StaleRead
            };
            let explanation = self.explain_read(op, heard_from, &newer, newer_op);
            self.report(kind, op, Some(newer_op.request), explanation);
        }
        if let Some((_, at)) = read_before.filter(|(version, _)| *version > op.version) {
            let earlier = *self.seen.get(at);
            let earlier_op = operation(history, earlier.op);
            let explanation = format!(
                "{} returned {} ({}), older than what n{} read before: {} ({}) at {} s. Reads from one \
                 node need not move forward when each read asks different replicas.",
                describe(op),
                value_text(&op.value),
                version_text(op.version),
                op.node,
                value_text(&earlier_op.value),
                version_text(earlier.version),
                format_time(earlier.completed),
            );
            self.report(AnomalyKind::MonotonicReads, op, Some(earlier_op.request), explanation);
        }
    }

    fn explain_read(&self, op: &Operation, heard_from: &[NodeId], newer: &Seen, newer_op: &Operation) -> String {
        let rf = self.replication_factor;
        let (r, w) = (op.level.required(rf), newer_op.level.required(rf));
        let why = if r + w <= rf {
            format!(
                "{} + {} = {} <= RF {rf}: the replicas a read hears from need not include one the write reached",
                op.level,
                newer_op.level,
                r + w
            )
        } else {
            "the replicas that answered had not kept the write (a crash that lost a store, or a \
             tombstone purged)"
                .to_string()
        };
        format!(
            "{} returned {} ({}), but {} ({}) was acknowledged at {} s, before the get began at {} s. \
             The get heard from {}; the write had reached {}. {why}.",
            describe(op),
            value_text(&op.value),
            version_text(op.version),
            describe(newer_op),
            version_text(newer.version),
            format_time(newer.completed),
            format_time(op.invoked),
            nodes_text(heard_from),
            nodes_text(&newer.replicas.nodes()),
        )
    }
}

fn operation(history: &History, index: u32) -> &Operation {
    history.operation(index as usize).expect("the checks see only recorded operations")
}

/// `get 5 at ONE on n3`, `update 5=world at ONE on n0`, `delete 5 at ALL on n1`.
fn describe(op: &Operation) -> String {
    let value = match (op.function, &op.value) {
        (Function::Insert | Function::Update, Some(v)) => format!("={v}"),
        _ => String::new(),
    };
    format!("{} {}{value} at {} on n{}", op.function.name(), op.key, op.level, op.node)
}

fn version_text(version: Option<Version>) -> String {
    version.map_or_else(|| "no version".to_string(), |v| v.to_string())
}

fn value_text(value: &Option<Value>) -> String {
    value.as_deref().map_or_else(|| "not found".to_string(), str::to_string)
}

fn nodes_text(nodes: &[NodeId]) -> String {
    if nodes.is_empty() {
        return "no replica".to_string();
    }
    let names: Vec<String> = nodes.iter().map(|n| format!("n{n}")).collect();
    names.join(", ")
}

/// A key whose replicas disagree when the network is quiet: what each replica holds (`None`:
/// nothing, or only a tombstone, which reads the same).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Divergence {
    pub key: Key,
    pub replicas: Vec<(NodeId, Option<Entry>)>,
}

/// The keys whose replicas disagree, in key order. Not an anomaly: what read repair and
/// anti-entropy have not (yet) fixed.
pub fn divergent(nodes: &[Node], replication_factor: usize) -> Vec<Divergence> {
    let keys: BTreeSet<Key> = nodes.iter().flat_map(|n| n.store().sorted().into_iter().map(|(k, _)| k)).collect();
    keys.into_iter()
        .filter_map(|key| {
            let replicas: Vec<(NodeId, Option<Entry>)> = Replicas::of(&key, nodes.len(), replication_factor)
                .iter()
                .map(|r| (r, nodes[r].store().get(&key).filter(|e| !e.is_tombstone()).cloned()))
                .collect();
            let first = &replicas[0].1;
            replicas.iter().any(|(_, e)| e != first).then_some(Divergence { key, replicas })
        })
        .collect()
}
