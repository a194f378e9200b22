//! One step of a run as a serialisable record: what the trace stores and every viewer reads.

use crate::model::message::{Message, MessageKind, RequestId};
use crate::model::types::{Key, NodeId, Time, Value, Version};
use serde::{Deserialize, Serialize};

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
