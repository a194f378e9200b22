//! Small, plain view structs for drivers that draw the cluster (the page): what is in flight,
//! what each store holds, and each result, without exposing the core's internals.

use crate::model::message::{MessageKind, RequestId};
use crate::model::outcome::{ClientResult, ResultJson};
use crate::model::types::{Key, NodeId, Time, Value, Version};
use crate::node::Node;
use crate::sim::scheduler::InFlight;
use serde::Serialize;

/// A message on its way, for animation: its position is interpolated from `sent` and `due`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MessageView {
    /// Unique per message within a run (the scheduler's sequence number).
    pub id: u64,
    pub from: NodeId,
    pub to: NodeId,
    pub kind: MessageKind,
    /// `None` for anti-entropy messages, which cover many keys.
    pub key: Option<Key>,
    pub value: Option<Value>,
    pub version: Option<Version>,
    pub request: Option<RequestId>,
    pub sent: Time,
    pub due: Time,
}

impl MessageView {
    pub fn of(s: InFlight<'_>) -> MessageView {
        let msg = &s.delivery.msg;
        let entry = msg.entry();
        MessageView {
            id: s.seq,
            from: s.delivery.from,
            to: s.delivery.to,
            kind: msg.kind(),
            key: msg.key().cloned(),
            value: entry.and_then(|e| e.value.clone()),
            version: entry.map(|e| e.version),
            request: msg.request(),
            sent: s.delivery.sent,
            due: s.due,
        }
    }
}

/// One row of a node's store.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoreRow {
    pub key: Key,
    /// `None` for a tombstone.
    pub value: Option<Value>,
    pub version: Version,
}

pub fn store_rows(node: &Node) -> Vec<StoreRow> {
    node.store().sorted().into_iter().map(|(key, e)| StoreRow { key, value: e.value, version: e.version }).collect()
}

/// A result as the page shows it: the original's words plus the structured fields.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResultView {
    pub time: Time,
    pub node: NodeId,
    /// The request the result answers (`None` only for lines that never became a request).
    pub request: Option<RequestId>,
    pub command: String,
    pub ok: bool,
    /// The result in the original's words (one or more lines).
    pub text: String,
    /// The same fields `kvsim run --json` prints.
    pub fields: ResultJson,
}

impl ResultView {
    pub fn of(r: &ClientResult) -> ResultView {
        ResultView {
            time: r.time,
            node: r.node,
            request: r.request,
            command: r.command.to_string(),
            ok: r.outcome.is_ok(),
            text: r.outcome.describe(),
            fields: r.to_json(),
        }
    }
}
