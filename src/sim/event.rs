//! One step of a run as a serialisable record: what the trace stores and every viewer reads.

use crate::model::message::{Message, MessageKind, RequestId};
use crate::model::outcome::Outcome;
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

/// Whether an event of `kind` with `reason` (its text) is a node sending a message: a send that is
/// neither a release nor a duplicate, a message held on its link (released later without a new
/// send), or a message dropped as it was sent. Every view that counts sends asks this.
pub fn is_new_send(kind: TraceKind, reason: Option<&str>) -> bool {
    match kind {
        TraceKind::Send => reason != Some(SEND_RELEASED) && reason != Some(SEND_DUPLICATE),
        TraceKind::Hold => true,
        TraceKind::Drop => reason == Some(DROP_LINK_CUT) || reason == Some(DROP_LOSS),
        _ => false,
    }
}

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
        EventRef::new(time, kind).to_event()
    }

    /// An event about a message on the link `from -> to` (see [`EventRef::message`]).
    pub fn message(
        time: Time,
        kind: TraceKind,
        from: NodeId,
        to: NodeId,
        msg: &Message,
        sent: Time,
        due: Option<Time>,
    ) -> TraceEvent {
        EventRef::message(time, kind, from, to, msg, sent, due).to_event()
    }
}

/// A trace event's text as the recorder is handed it. A reply comes as its outcome, so recording
/// formats nothing: the trace keeps a common outcome's parts and writes its words when read.
#[derive(Clone, Copy, Debug)]
pub enum Text<'a> {
    Str(&'a str),
    /// A reply's text: its outcome in the original's words ([`Outcome::describe`]).
    Reply(&'a Outcome),
    /// An anti-entropy message's payload ([`Message::summary`]).
    Summary(&'a Message),
}

/// One trace event's fields borrowed from the scheduler's own data: what the recorder packs,
/// with no [`TraceEvent`] built and no text allocated. It stands for the `TraceEvent` with the
/// same fields, the text written out.
#[derive(Clone, Copy, Debug)]
pub struct EventRef<'a> {
    pub time: Time,
    pub kind: TraceKind,
    pub node: Option<NodeId>,
    pub from: Option<NodeId>,
    pub to: Option<NodeId>,
    pub msg: Option<MessageKind>,
    pub request: Option<RequestId>,
    pub key: Option<&'a str>,
    pub value: Option<&'a str>,
    pub version: Option<Version>,
    pub sent: Option<Time>,
    pub due: Option<Time>,
    pub text: Option<Text<'a>>,
}

impl<'a> EventRef<'a> {
    /// An event with only its time and kind set.
    pub fn new(time: Time, kind: TraceKind) -> EventRef<'a> {
        EventRef {
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

    /// An event about a message on the link `from -> to`: its kind, request, key, entry and, for
    /// anti-entropy, its payload as text.
    pub fn message(
        time: Time,
        kind: TraceKind,
        from: NodeId,
        to: NodeId,
        msg: &'a Message,
        sent: Time,
        due: Option<Time>,
    ) -> EventRef<'a> {
        let entry = msg.entry();
        let kind_of_msg = msg.kind();
        EventRef {
            from: Some(from),
            to: Some(to),
            msg: Some(kind_of_msg),
            request: msg.request(),
            key: msg.key().map(|k| &**k),
            value: entry.and_then(|e| e.value.as_deref()),
            version: entry.map(|e| e.version),
            sent: Some(sent),
            due,
            text: kind_of_msg.is_anti_entropy().then_some(Text::Summary(msg)),
            ..EventRef::new(time, kind)
        }
    }

    /// The text written out, as the event's `text` field.
    pub fn text_string(&self) -> Option<String> {
        self.text.and_then(|text| match text {
            Text::Str(s) => Some(s.to_string()),
            Text::Reply(outcome) => Some(outcome.describe()),
            Text::Summary(msg) => msg.summary(),
        })
    }

    /// The [`TraceEvent`] this stands for.
    pub fn to_event(&self) -> TraceEvent {
        TraceEvent {
            time: self.time,
            kind: self.kind,
            node: self.node,
            from: self.from,
            to: self.to,
            msg: self.msg,
            request: self.request,
            key: self.key.map(Key::from),
            value: self.value.map(Value::from),
            version: self.version,
            sent: self.sent,
            due: self.due,
            text: self.text_string(),
        }
    }
}

impl TraceEvent {
    /// The event's fields borrowed, to record it again (a merged or filtered trace).
    pub fn borrowed(&self) -> EventRef<'_> {
        EventRef {
            time: self.time,
            kind: self.kind,
            node: self.node,
            from: self.from,
            to: self.to,
            msg: self.msg,
            request: self.request,
            key: self.key.as_deref(),
            value: self.value.as_deref(),
            version: self.version,
            sent: self.sent,
            due: self.due,
            text: self.text.as_deref().map(Text::Str),
        }
    }
}
