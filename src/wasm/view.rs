//! Small, plain view structs for drivers that draw the cluster (the page): what is in flight,
//! what each store holds, each result, each anomaly and each client operation, without exposing
//! the core's internals.

use crate::model::message::{MessageKind, RequestId};
use crate::model::outcome::{ClientResult, ResultJson};
use crate::model::types::{Key, NodeId, Time, Value, Version};
use crate::sim::anomalies::{Anomaly, AnomalyKind};
use crate::sim::history::Operation;
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

/// An anomaly the live checks found, with its kind's name in words.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnomalyView<'a> {
    pub kind: AnomalyKind,
    /// `stale read`, `read-your-writes violation`...
    pub name: &'static str,
    /// When the operation that showed it completed.
    pub time: Time,
    pub process: NodeId,
    pub request: RequestId,
    pub key: &'a str,
    /// The request of the earlier operation it contradicts, if any.
    pub earlier: Option<RequestId>,
    pub explanation: &'a str,
}

impl AnomalyView<'_> {
    pub fn of(a: &Anomaly) -> AnomalyView<'_> {
        AnomalyView {
            kind: a.kind,
            name: a.kind.name(),
            time: a.time,
            process: a.process,
            request: a.request,
            key: &a.key,
            earlier: a.earlier,
            explanation: &a.explanation,
        }
    }
}

/// A kind of anomaly, and its name in words.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AnomalyKindView {
    pub kind: AnomalyKind,
    pub name: &'static str,
}

impl AnomalyKindView {
    pub fn all() -> Vec<AnomalyKindView> {
        AnomalyKind::ALL.into_iter().map(|kind| AnomalyKindView { kind, name: kind.name() }).collect()
    }
}

/// A client operation of the run, for the page's history view.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryOpView<'a> {
    /// The node it was typed on.
    pub node: NodeId,
    /// Its Jepsen process: the node, or `node + N x k` when the node ran others at once.
    pub process: usize,
    pub request: RequestId,
    pub f: &'static str,
    pub key: &'a str,
    /// The value written, or what an ok get read (`None`: nothing, or not found).
    pub value: Option<&'a str>,
    pub level: String,
    pub invoked: Time,
    /// `None` while it runs.
    pub completed: Option<Time>,
    /// `ok`, `fail` or `info`; `None` while it runs.
    pub outcome: Option<&'static str>,
    pub error: Option<&'a str>,
    /// The line of its invoke in the history's EDN.
    pub line: usize,
}

impl HistoryOpView<'_> {
    pub fn of(op: &Operation) -> HistoryOpView<'_> {
        HistoryOpView {
            node: op.node,
            process: op.process,
            request: op.request,
            f: op.function.name(),
            key: &op.key,
            value: op.value.as_deref(),
            level: op.level.to_string(),
            invoked: op.invoked,
            completed: op.completed.map(|(t, _)| t),
            outcome: op.completed.map(|(_, c)| c.name()),
            error: op.error.as_deref(),
            // Numbered from 1.
            line: op.line + 1,
        }
    }
}
