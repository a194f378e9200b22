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

use crate::model::command::Level;
use crate::model::message::RequestId;
use crate::model::outcome::Outcome;
use crate::model::placement::Replicas;
use crate::model::types::{format_time, Entry, Key, NodeId, Time, Value, Version};
use crate::node::Node;
use crate::sim::history::{Function, Operation};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::collections::BTreeSet;

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

/// An acknowledged write or a completed read: what a later operation is compared with.
#[derive(Clone, Debug)]
struct Seen {
    completed: Time,
    version: Option<Version>,
    request: RequestId,
    process: NodeId,
    function: Function,
    level: Level,
    /// The value written or read (`None`: a delete, or not found).
    value: Option<Value>,
    /// The replicas that acknowledged the write (or answered the read).
    replicas: NodeSet,
}

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

/// Completed operations in completion order, with the newest version among each prefix, so
/// "the newest one completed before `t`" is a binary search.
#[derive(Clone, Debug, Default)]
struct Timeline {
    seen: Vec<Seen>,
    /// `newest[i]`: the index of the newest version among `seen[..=i]`.
    newest: Vec<usize>,
}

impl Timeline {
    fn push(&mut self, seen: Seen) {
        let i = self.seen.len();
        let best = match self.newest.last() {
            Some(&b) if self.seen[b].version >= seen.version => b,
            _ => i,
        };
        self.seen.push(seen);
        self.newest.push(best);
    }

    /// The newest of those completed strictly before `t`. Searched from the end: what
    /// completed after `t` is what ran concurrently with the operation asking, a few entries.
    fn newest_before(&self, t: Time) -> Option<&Seen> {
        let count = self.seen.iter().rposition(|s| s.completed < t)? + 1;
        Some(&self.seen[self.newest[count - 1]])
    }
}

/// What the checks keep about one key.
#[derive(Clone, Debug, Default)]
struct KeyRecord {
    /// Acknowledged writes.
    writes: Timeline,
    /// Completed reads, by the node they were typed on.
    reads: Vec<Timeline>,
    /// Every value an insert or update of the key was invoked with.
    written_values: FxHashSet<Value>,
}

#[derive(Clone, Debug)]
pub struct Anomalies {
    replication_factor: usize,
    /// Each key's record, found by the key's hash once per operation.
    key_ids: FxHashMap<Key, usize>,
    keys: Vec<KeyRecord>,
    /// The key of each operation still running.
    running: FxHashMap<RequestId, usize>,
    found: Vec<Anomaly>,
}

impl Anomalies {
    pub fn new(replication_factor: usize) -> Anomalies {
        Anomalies {
            replication_factor,
            key_ids: FxHashMap::default(),
            keys: Vec::new(),
            running: FxHashMap::default(),
            found: Vec::new(),
        }
    }

    /// Notes an operation as it is invoked: the values a read may legitimately return.
    pub fn invoked(&mut self, op: &Operation) {
        let next = self.keys.len();
        let id = *self.key_ids.entry(op.key.clone()).or_insert(next);
        if id == next {
            self.keys.push(KeyRecord::default());
        }
        if let (Function::Insert | Function::Update, Some(value)) = (op.function, &op.value) {
            self.keys[id].written_values.insert(value.clone());
        }
        self.running.insert(op.request, id);
    }

    /// Checks an operation that just completed with `outcome`; returns the anomalies it shows.
    pub fn completed(&mut self, op: &Operation, outcome: &Outcome) -> &[Anomaly] {
        let before = self.found.len();
        let (Some((completed, _)), Some(id)) = (op.completed, self.running.remove(&op.request)) else { return &[] };
        let seen = |replicas: &[NodeId]| Seen {
            completed,
            version: op.version,
            request: op.request,
            process: op.node,
            function: op.function,
            level: op.level,
            value: op.value.clone(),
            replicas: NodeSet::of(replicas),
        };
        match outcome {
            Outcome::Written { acked_by, .. } => {
                self.check_write(id, op);
                self.keys[id].writes.push(seen(acked_by));
            }
            Outcome::Value { heard_from, .. } => {
                self.check_read(id, op, heard_from);
                let reads = &mut self.keys[id].reads;
                if reads.len() <= op.node {
                    reads.resize_with(op.node + 1, Timeline::default);
                }
                reads[op.node].push(seen(heard_from));
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

    fn check_write(&mut self, id: usize, op: &Operation) {
        let Some(newer) = self.keys[id].writes.newest_before(op.invoked) else { return };
        if newer.version <= op.version {
            return;
        }
        let explanation = format!(
            "{} was acknowledged with version {}, older than {}'s {}, acknowledged at {} s before it \
             began: n{}'s clock is behind, and last-write-wins keeps the newer version everywhere, \
             so this acknowledged write is lost.",
            describe(op),
            version_text(op.version),
            describe_seen(newer, &op.key),
            version_text(newer.version),
            format_time(newer.completed),
            op.node,
        );
        let earlier = Some(newer.request);
        self.report(AnomalyKind::LostWrite, op, earlier, explanation);
    }

    fn check_read(&mut self, id: usize, op: &Operation, heard_from: &[NodeId]) {
        if let Some(value) = &op.value {
            if !self.keys[id].written_values.contains(value) {
                let explanation =
                    format!("{} returned {value}, which no insert or update of the key wrote.", describe(op));
                self.report(AnomalyKind::PhantomValue, op, None, explanation);
            }
        }
        let newer = self.keys[id].writes.newest_before(op.invoked).cloned();
        if let Some(newer) = newer.filter(|w| w.version > op.version) {
            let kind = if newer.function == Function::Delete && op.value.is_some() {
                AnomalyKind::Resurrection
            } else if newer.process == op.node {
                AnomalyKind::ReadYourWrites
            } else {
                AnomalyKind::StaleRead
            };
            let explanation = self.explain_read(op, heard_from, &newer);
            self.report(kind, op, Some(newer.request), explanation);
        }
        let read_before = self.keys[id].reads.get(op.node).and_then(|t| t.newest_before(op.invoked));
        if let Some(earlier) = read_before.filter(|r| r.version > op.version).cloned() {
            let explanation = format!(
                "{} returned {} ({}), older than what n{} read before: {} ({}) at {} s. Reads from one \
                 node need not move forward when each read asks different replicas.",
                describe(op),
                value_text(&op.value),
                version_text(op.version),
                op.node,
                value_text(&earlier.value),
                version_text(earlier.version),
                format_time(earlier.completed),
            );
            self.report(AnomalyKind::MonotonicReads, op, Some(earlier.request), explanation);
        }
    }

    fn explain_read(&self, op: &Operation, heard_from: &[NodeId], newer: &Seen) -> String {
        let rf = self.replication_factor;
        let (r, w) = (op.level.required(rf), newer.level.required(rf));
        let why = if r + w <= rf {
            format!(
                "{} + {} = {} <= RF {rf}: the replicas a read hears from need not include one the write reached",
                op.level,
                newer.level,
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
            describe_seen(newer, &op.key),
            version_text(newer.version),
            format_time(newer.completed),
            format_time(op.invoked),
            nodes_text(heard_from),
            nodes_text(&newer.replicas.nodes()),
        )
    }
}

fn describe(op: &Operation) -> String {
    let value = if op.function == Function::Get { &None } else { &op.value };
    describe_parts(op.function, &op.key, op.node, op.level, value)
}

fn describe_seen(seen: &Seen, key: &str) -> String {
    describe_parts(seen.function, key, seen.process, seen.level, &seen.value)
}

/// `get 5 at ONE on n3`, `update 5=world at ONE on n0`, `delete 5 at ALL on n1`.
fn describe_parts(function: Function, key: &str, process: NodeId, level: Level, value: &Option<Value>) -> String {
    let value = match (function, value) {
        (Function::Insert | Function::Update, Some(v)) => format!("={v}"),
        _ => String::new(),
    };
    format!("{} {key}{value} at {level} on n{process}", function.name())
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
