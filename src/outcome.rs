//! What a client sees: the outcome of a command, in data and in the original's words.

use crate::message::RequestId;
use crate::types::{format_time, Entry, Key, NodeId, Time};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::rc::Rc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WriteOp {
    Insert,
    Update,
    Delete,
}

impl WriteOp {
    pub fn name(self) -> &'static str {
        match self {
            WriteOp::Insert => "insert",
            WriteOp::Update => "update",
            WriteOp::Delete => "delete",
        }
    }
}

/// One node's answer to `search`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchReply {
    pub node: NodeId,
    /// Whether the node is one of the key's replicas.
    pub replica: bool,
    /// `false` when the node did not answer before the timeout.
    pub answered: bool,
    pub entry: Option<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// `get` reached its level: the newest version among the replies (a tombstone or nothing
    /// means not found) and the replicas heard from.
    Value {
        key: Key,
        entry: Option<Entry>,
        heard_from: Vec<NodeId>,
    },
    /// A write reached its level.
    Written {
        key: Key,
        op: WriteOp,
        entry: Entry,
        acked_by: Vec<NodeId>,
    },
    /// Read repair after a get: the newest version was sent to these replicas.
    Repaired {
        key: Key,
        entry: Entry,
        repaired: Vec<NodeId>,
    },
    Searched {
        key: Key,
        replies: Vec<SearchReply>,
    },
    /// `show-all`: the node's local store, tombstones included, sorted by key.
    Listed {
        entries: Vec<(Key, Entry)>,
    },
    /// The command could not be parsed or did not reach its level.
    Failed {
        error: String,
    },
}

impl Outcome {
    pub fn is_ok(&self) -> bool {
        !matches!(self, Outcome::Failed { .. })
    }

    /// The outcome in the original project's words (possibly several lines).
    pub fn describe(&self) -> String {
        let mut s = String::new();
        match self {
            Outcome::Value { entry, heard_from, .. } => {
                match entry.as_ref().filter(|e| !e.is_tombstone()) {
                    Some(e) => write!(s, "Get return: {}  (timestamp {})", value_text(e), e.version),
                    None => write!(s, "Get return: not found"),
                }
                .ok();
                write!(s, "  [replies from {}]", node_list(heard_from)).ok();
            }
            Outcome::Written { op, entry, acked_by, .. } => {
                write!(s, "{} successful  (timestamp {}, acked by {})", op.name(), entry.version, node_list(acked_by))
                    .ok();
            }
            Outcome::Repaired { entry, repaired, .. } => {
                let what =
                    if entry.is_tombstone() { "the tombstone".to_string() } else { value_text(entry).to_string() };
                write!(s, "Executing repair: sent {what} (timestamp {}) to {}", entry.version, node_list(repaired))
                    .ok();
            }
            Outcome::Searched { replies, .. } => {
                for (i, r) in replies.iter().enumerate() {
                    if i > 0 {
                        s.push('\n');
                    }
                    let answer = match (r.answered, r.entry.as_ref()) {
                        (false, _) => "no answer before the timeout".to_string(),
                        (true, Some(e)) if !e.is_tombstone() => format!("{}  (timestamp {})", value_text(e), e.version),
                        (true, Some(e)) => format!("deleted  (tombstone {})", e.version),
                        (true, None) => "not found".to_string(),
                    };
                    let role = if r.replica { "  [replica]" } else { "" };
                    write!(s, "Server #{} returned value: {answer}{role}", r.node).ok();
                }
            }
            Outcome::Listed { entries } => {
                if entries.is_empty() {
                    s.push_str("(store is empty)");
                }
                for (i, (key, e)) in entries.iter().enumerate() {
                    if i > 0 {
                        s.push('\n');
                    }
                    let value = if e.is_tombstone() { "<deleted>" } else { value_text(e) };
                    write!(s, "{key} => ({value}, {})", e.version).ok();
                }
            }
            Outcome::Failed { error } => s.push_str(error),
        }
        s
    }
}

fn value_text(e: &Entry) -> &str {
    e.value.as_deref().unwrap_or("")
}

/// `n1, n2` or `none`.
pub fn node_list(nodes: &[NodeId]) -> String {
    if nodes.is_empty() {
        return "none".into();
    }
    nodes.iter().map(|n| format!("n{n}")).collect::<Vec<_>>().join(", ")
}

/// A result as a driver reports it: when, where, for which command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientResult {
    pub time: Time,
    pub node: NodeId,
    /// The request, or `None` for a line that did not parse.
    pub request: Option<RequestId>,
    /// The command as typed.
    pub command: Rc<str>,
    pub outcome: Outcome,
}

impl ClientResult {
    /// One or more text lines, each prefixed by time and node: `[  3.010 n0] insert successful`.
    pub fn to_text(&self) -> String {
        let prefix = format!("[{:>8} n{}]", format_time(self.time), self.node);
        self.outcome.describe().lines().map(|line| format!("{prefix} {line}")).collect::<Vec<_>>().join("\n")
    }

    /// The flat JSON object `kvsim --json` prints.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let mut obj = json!({
            "time": self.time as f64 / 1e6,
            "node": self.node,
            "command": &*self.command,
            "ok": self.outcome.is_ok(),
        });
        let map = obj.as_object_mut().expect("json! of an object literal is an object");
        let live_value = |e: Option<&Entry>| e.and_then(|e| e.value.as_deref()).map(String::from);
        match &self.outcome {
            Outcome::Value { entry, heard_from, .. } => {
                map.insert("result".into(), json!("value"));
                map.insert("value".into(), json!(live_value(entry.as_ref())));
                map.insert("timestamp".into(), json!(entry.as_ref().map(|e| e.version)));
                map.insert("heard_from".into(), json!(heard_from));
            }
            Outcome::Written { op, entry, acked_by, .. } => {
                map.insert("result".into(), json!(op));
                map.insert("value".into(), json!(live_value(Some(entry))));
                map.insert("timestamp".into(), json!(entry.version));
                map.insert("acked_by".into(), json!(acked_by));
            }
            Outcome::Repaired { entry, repaired, .. } => {
                map.insert("result".into(), json!("repair"));
                map.insert("value".into(), json!(live_value(Some(entry))));
                map.insert("timestamp".into(), json!(entry.version));
                map.insert("repaired".into(), json!(repaired));
            }
            Outcome::Searched { replies, .. } => {
                map.insert("result".into(), json!("search"));
                let list: Vec<_> = replies
                    .iter()
                    .map(|r| {
                        json!({"node": r.node, "value": live_value(r.entry.as_ref()), "replica": r.replica,
                                    "answered": r.answered, "timestamp": r.entry.as_ref().map(|e| e.version)})
                    })
                    .collect();
                map.insert("replies".into(), json!(list));
            }
            Outcome::Listed { entries } => {
                map.insert("result".into(), json!("show-all"));
                let list: Vec<_> = entries
                    .iter()
                    .map(|(k, e)| json!({"key": k, "value": live_value(Some(e)), "timestamp": e.version}))
                    .collect();
                map.insert("entries".into(), json!(list));
            }
            Outcome::Failed { error } => {
                map.insert("result".into(), json!("error"));
                map.insert("error".into(), json!(error));
            }
        }
        obj
    }
}
