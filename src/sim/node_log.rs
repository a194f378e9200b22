//! The trace of a real node (`kvnode --trace`, `kvnode --watch`): a hello, then one event line
//! per event, each a [`TraceEvent`] plus the node's vector clock after it. Times are wall-clock
//! microseconds since the UNIX epoch. `kvnode` writes these lines and [`crate::sim::merge`]
//! reads them back, so both sides share the types here.

use crate::model::config::Config;
use crate::model::types::{Entry, Key, NodeId, Time, Value, Version};
use crate::node::Node;
use crate::sim::trace::TraceEvent;
use serde::{Deserialize, Serialize};

/// The wire protocol `kvnode` speaks, also stamped on every hello.
pub const PROTOCOL: u32 = 2;

/// One key of a node's store: `value: null` is a tombstone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreEntry {
    pub key: Key,
    pub value: Option<Value>,
    pub version: Version,
}

impl StoreEntry {
    pub fn of(key: Key, entry: Entry) -> StoreEntry {
        StoreEntry { key, value: entry.value, version: entry.version }
    }

    /// A node's whole store, sorted by key, tombstones included: what a node's hello and the
    /// page's store tables show.
    pub fn all_of(node: &Node) -> Vec<StoreEntry> {
        node.store().sorted().into_iter().map(|(key, entry)| StoreEntry::of(key, entry)).collect()
    }
}

/// The first line of a node's trace (and the first frame of its watch stream).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeHello {
    pub protocol: u32,
    pub node: NodeId,
    pub config: Config,
    /// Wall-clock microseconds when the hello was written.
    pub time: Time,
    pub clock: Vec<u64>,
    pub store: Vec<StoreEntry>,
}

/// `{"hello": {...}}`, as the line is written.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelloLine<H> {
    pub hello: H,
}

/// An event line as it is written: the event's fields, then `clock`.
#[derive(Serialize)]
pub struct EventLineRef<'a> {
    #[serde(flatten)]
    pub event: &'a TraceEvent,
    pub clock: &'a [u64],
}

/// An event line as it is read.
#[derive(Debug, Deserialize)]
pub struct EventLine {
    #[serde(flatten)]
    pub event: TraceEvent,
    pub clock: Vec<u64>,
}

impl NodeHello {
    /// The hello as one JSON line (no newline).
    pub fn to_line(&self) -> String {
        serde_json::to_string(&HelloLine { hello: self }).expect("a hello serialises")
    }
}

impl EventLineRef<'_> {
    /// The event as one JSON line (no newline).
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("a trace event serialises")
    }
}
