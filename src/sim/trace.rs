//! The trace: every step of a run as a serialisable event, for viewers, checks and replays.

use crate::model::message::{Message, MessageKind, RequestId};
use crate::model::types::{Key, NodeId, Time, Value, Version};
use crate::sim::chunks::Chunks;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceKind {
    /// A client command was typed on `node`.
    Command,
    /// A message left `from` for `to`; it is due at `due`.
    Send,
    /// A message reached `to`.
    Deliver,
    /// The network lost a message; `text` says why (one of the `DROP_*` reasons).
    Drop,
    /// The network is holding a message on its link until the link is released.
    Hold,
    /// `node` answered its client.
    Reply,
    /// `node`'s request deadline passed and the node acted on it.
    Timeout,
    /// `node`'s store now holds `version` of `key` (or, with no version, purged its tombstone).
    Store,
    /// A fault was applied; `text` is its canonical script line, `node` the node it is about.
    Fault,
    /// With checks on, a guarantee broke: `text` names it and says why; `node`, `request` and
    /// `key` are the operation that showed it.
    Anomaly,
}

/// Why a message was dropped (the `text` of a `drop` event). A message dropped when it is sent
/// was still sent by its node; one dropped later was already on its way.
pub const DROP_LINK_CUT: &str = "link cut";
/// The link's loss probability struck, when the message was sent.
pub const DROP_LOSS: &str = "message loss";
/// The receiver was down when the message arrived.
pub const DROP_NODE_DOWN: &str = "node down";
/// The message was held on its link, and the link was then cut.
pub const DROP_HELD_THEN_CUT: &str = "link cut while held";

/// The `text` of a `send` event for a held message the network sends on, and for the second copy
/// of a duplicated message: neither is a new send by the node.
pub const SEND_RELEASED: &str = "released";
pub const SEND_DUPLICATE: &str = "duplicate";

/// One step of a run. Times are virtual microseconds. Fields that do not apply are absent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEvent {
    pub time: Time,
    pub kind: TraceKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<NodeId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NodeId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NodeId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg: Option<MessageKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Key>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// The version carried or stored; a version with no value is a tombstone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Version>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Time>,
    /// The command typed, the reply in the original's words, a fault's line, why a message was
    /// dropped or sent again, or an anti-entropy message's payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl TraceEvent {
    /// An event with only its time and kind set.
    pub fn new(time: Time, kind: TraceKind) -> TraceEvent {
        TraceEvent {
            time,
            kind,
            node: None,
            from: None,
            to: None,
            msg: None,
            request: None,
            key: None,
            value: None,
            version: None,
            sent: None,
            due: None,
            text: None,
        }
    }

    /// An event about a message on the link `from -> to`.
    pub fn message(
        time: Time,
        kind: TraceKind,
        from: NodeId,
        to: NodeId,
        msg: &Message,
        sent: Time,
        due: Option<Time>,
    ) -> TraceEvent {
        let entry = msg.entry();
        TraceEvent {
            from: Some(from),
            to: Some(to),
            msg: Some(msg.kind()),
            request: msg.request(),
            key: msg.key().cloned(),
            value: entry.and_then(|e| e.value.clone()),
            version: entry.map(|e| e.version),
            sent: Some(sent),
            due,
            text: msg.summary(),
            ..TraceEvent::new(time, kind)
        }
    }
}

/// The recorded events of a run; recording can be switched off for benchmarks. Stored in
/// [`Chunks`], so the page's checkpoints, which copy the scheduler every 200 steps, do not copy
/// the whole trace again.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    enabled: bool,
    events: Chunks<TraceEvent>,
}

impl Trace {
    pub fn new(enabled: bool) -> Trace {
        Trace { enabled, events: Chunks::default() }
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Records the event `make` builds, building it only when recording is on.
    pub fn record(&mut self, make: impl FnOnce() -> TraceEvent) {
        if self.enabled {
            self.events.push(make());
        }
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Every event, oldest first.
    pub fn events(&self) -> impl Iterator<Item = &TraceEvent> + Clone {
        self.events.iter()
    }

    /// The events from index `start` on (none when `start` is past the end).
    pub fn events_from(&self, start: usize) -> impl Iterator<Item = &TraceEvent> + Clone {
        self.events.iter_from(start)
    }

    /// Drops the events recorded so far; recording goes on. A driver that streamed them out
    /// (`kvsim run`) keeps memory bounded by the cluster, not by the length of the run.
    pub fn clear(&mut self) {
        self.events = Chunks::default();
    }

    /// The trace as JSON lines.
    pub fn to_json_lines(&self) -> String {
        let mut out = String::new();
        for event in self.events() {
            out.push_str(&serde_json::to_string(event).expect("trace events serialise"));
            out.push('\n');
        }
        out
    }

    /// A stable fingerprint of the run: 64-bit FNV-1a of the JSON lines' bytes, as 16 hex digits.
    /// Equal on every platform for equal traces, so native and wasm runs can be compared.
    pub fn hash_hex(&self) -> String {
        let mut hasher = TraceHasher::default();
        for event in self.events() {
            hasher.push_line(&serde_json::to_string(event).expect("trace events serialise"));
        }
        hasher.hex()
    }
}

/// [`Trace::hash_hex`] computed as the events come, one JSON line at a time, so a streamed run
/// keeps no events.
#[derive(Default)]
pub struct TraceHasher(fnv::FnvHasher);

impl TraceHasher {
    /// Adds one event's JSON line (without its newline).
    pub fn push_line(&mut self, line: &str) {
        use std::hash::Hasher;
        self.0.write(line.as_bytes());
        self.0.write(b"\n");
    }

    pub fn hex(&self) -> String {
        use std::hash::Hasher;
        format!("{:016x}", self.0.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::chunks::CHUNK;

    fn traced(events: usize) -> Trace {
        let mut trace = Trace::new(true);
        for i in 0..events {
            trace.record(|| TraceEvent::new(i as Time, TraceKind::Command));
        }
        trace
    }

    fn times<'a>(events: impl Iterator<Item = &'a TraceEvent>) -> Vec<Time> {
        events.map(|e| e.time).collect()
    }

    #[test]
    fn a_clone_goes_its_own_way() {
        let mut trace = traced(CHUNK + 3);
        let mut copy = trace.clone();
        copy.record(|| TraceEvent::new(999, TraceKind::Reply));
        trace.record(|| TraceEvent::new(7, TraceKind::Reply));
        assert_eq!(times(copy.events_from(CHUNK + 3)), [999]);
        assert_eq!(times(trace.events_from(CHUNK + 3)), [7]);
        assert_eq!(times(trace.events().take(3)), [0, 1, 2]);
    }

    #[test]
    fn a_trace_switched_off_records_nothing() {
        let mut trace = Trace::new(false);
        trace.record(|| unreachable!("the event is not even built"));
        assert!(trace.is_empty());
    }
}
