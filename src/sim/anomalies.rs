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
use crate::model::store::Store;
use crate::model::types::{format_time, Entry, Key, NodeId, Time, Value, Version};
use crate::sim::chains::{Chains, Head, ReadHeads, Seen};
use crate::sim::chunks::Chunks;
use crate::sim::history::{Function, History, Operation};
use crate::sim::written::{address, WrittenValues};
use rustc_hash::FxHashSet;
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
    /// Every kind, in their declared order (so `kind as usize` is its index here).
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

#[derive(Clone, Debug)]
pub struct Anomalies {
    replication_factor: usize,
    /// The head of each key's chain of acknowledged writes, by key number (the history's).
    writes: Vec<Head>,
    /// The head of the chain of completed reads of each (key number, node).
    reads: ReadHeads,
    seen: Chains,
    /// The values inserted or updated, by key number and address, shared with every copy.
    written: WrittenValues,
    /// Values found written under the same text in another allocation (rare), by key number
    /// and address; `copies` holds them, so no address is reused while they are here.
    same_text: FxHashSet<(u32, usize)>,
    copies: Vec<Value>,
    /// Shared with copies like the history: a run at ONE on 64 nodes finds thousands, and each
    /// of the page's checkpoints copied them all (2 MB each).
    found: Chunks<Anomaly>,
}

impl Anomalies {
    pub fn new(replication_factor: usize) -> Anomalies {
        Anomalies {
            replication_factor,
            writes: Vec::new(),
            reads: ReadHeads::default(),
            seen: Chains::default(),
            written: WrittenValues::default(),
            same_text: FxHashSet::default(),
            copies: Vec::new(),
            found: Chunks::default(),
        }
    }

    /// Notes an operation of the history as it is invoked: the values a read may legitimately
    /// return.
    pub fn invoked(&mut self, op: &Operation) {
        let id = op.key_id;
        if id as usize >= self.writes.len() {
            self.writes.resize(id as usize + 1, Head::default());
        }
        if let (Function::Insert | Function::Update, Some(value)) = (op.function, &op.value) {
            self.written.insert(id, value);
        }
    }

    /// Checks operation `index` of `history`, which just completed with `outcome`; returns the
    /// anomalies it shows.
    pub fn completed(&mut self, history: &History, index: usize, outcome: &Outcome) -> impl Iterator<Item = &Anomaly> {
        let before = self.found.len();
        self.check(history, index, outcome);
        self.found.iter_from(before)
    }

    fn check(&mut self, history: &History, index: usize, outcome: &Outcome) {
        let Some(op) = history.operation(index) else { return };
        let (Some((completed, _)), id) = (op.completed, op.key_id) else { return };
        if id as usize >= self.writes.len() {
            self.writes.resize(id as usize + 1, Head::default());
        }
        match outcome {
            Outcome::Written { acked_by, .. } => {
                self.check_write(history, id, &op);
                self.seen.push(&mut self.writes[id as usize], completed, op.version, index as u32, acked_by);
            }
            Outcome::Value { heard_from, .. } => {
                let version_of = |op| history.version(op as usize);
                let mut reads = self.seen.head_at(self.reads.get(id, op.node), version_of);
                let read_before = self.seen.newest_before(reads, op.invoked, version_of);
                self.seen.push(&mut reads, completed, op.version, index as u32, heard_from);
                self.reads.set(id, op.node, reads.at());
                self.check_read(history, id, &op, heard_from, read_before);
            }
            _ => {}
        }
    }

    /// The anomalies found so far, oldest first.
    pub fn found(&self) -> &Chunks<Anomaly> {
        &self.found
    }

    fn report(&mut self, kind: AnomalyKind, op: &Operation, earlier: Option<RequestId>, explanation: String) {
        let time = op.completed.map_or(op.invoked, |(t, _)| t);
        let (process, request, key) = (op.node, op.request, op.key.clone());
        self.found.push(Anomaly { kind, time, process, request, key, earlier, explanation });
    }

    fn check_write(&mut self, history: &History, id: u32, op: &Operation) {
        let version_of = |op| history.version(op as usize);
        let Some((version, at)) = self.seen.newest_before(self.writes[id as usize], op.invoked, version_of) else {
            return;
        };
        if version <= op.version {
            return;
        }
        let newer = *self.seen.get(at);
        let newer_op = &operation(history, newer.op);
        let explanation = format!(
            "{} was acknowledged with version {}, older than {}'s {}, acknowledged at {} s before it \
             began: n{}'s clock is behind, and last-write-wins keeps the newer version everywhere, \
             so this acknowledged write is lost.",
            describe(op),
            version_text(op.version),
            describe(newer_op),
            version_text(newer_op.version),
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
        let same = history.wrote(id, value);
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
        let newer = self.seen.newest_before(self.writes[id as usize], op.invoked, |op| history.version(op as usize));
        if let Some((_, at)) = newer.filter(|(version, _)| *version > op.version) {
            let newer = *self.seen.get(at);
            let newer_op = &operation(history, newer.op);
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
            let earlier_op = &operation(history, earlier.op);
            let explanation = format!(
                "{} returned {} ({}), older than what n{} read before: {} ({}) at {} s. Reads from one \
                 node need not move forward when each read asks different replicas.",
                describe(op),
                value_text(&op.value),
                version_text(op.version),
                op.node,
                value_text(&earlier_op.value),
                version_text(earlier_op.version),
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
            version_text(newer_op.version),
            format_time(newer.completed),
            format_time(op.invoked),
            nodes_text(heard_from),
            nodes_text(&self.seen.replicas(newer)),
        )
    }
}

fn operation(history: &History, index: u32) -> Operation {
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
/// anti-entropy have not (yet) fixed. `stores`: every node's store, in node order.
pub fn divergent(stores: &[&Store], replication_factor: usize) -> Vec<Divergence> {
    // Inserted one by one: collecting a BTreeSet sorts, and that sort was 5.5 KB of wasm.
    let mut keys = BTreeSet::new();
    for store in stores {
        keys.extend(store.sorted().into_iter().map(|(k, _)| k));
    }
    keys.into_iter()
        .filter_map(|key| {
            let replicas: Vec<(NodeId, Option<Entry>)> = Replicas::of(&key, stores.len(), replication_factor)
                .iter()
                .map(|r| (r, stores[r].get(&key).filter(|e| !e.is_tombstone()).cloned()))
                .collect();
            let first = &replicas[0].1;
            replicas.iter().any(|(_, e)| e != first).then_some(Divergence { key, replicas })
        })
        .collect()
}
