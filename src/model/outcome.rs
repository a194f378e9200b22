//! What a client sees: the outcome of a command, in data and in the original's words.

use crate::model::message::RequestId;
use crate::model::types::{format_time, Entry, Key, NodeId, Time, Version};
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
            Outcome::Value { entry, heard_from, .. } => describe_value(
                &mut s,
                entry.as_ref().filter(|e| !e.is_tombstone()).map(|e| (value_text(e), e.version)),
                heard_from,
            ),
            Outcome::Written { op, entry, acked_by, .. } => describe_written(&mut s, *op, entry.version, acked_by),
            Outcome::Repaired { entry, repaired, .. } => {
                describe_repaired(&mut s, entry.value.as_deref(), entry.version, repaired)
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

/// A get's words: the live value found (its text and version), or not found.
pub fn describe_value(s: &mut String, found: Option<(&str, Version)>, heard_from: &[NodeId]) {
    match found {
        Some((value, version)) => write!(s, "Get return: {value}  (timestamp {version})"),
        None => write!(s, "Get return: not found"),
    }
    .ok();
    write!(s, "  [replies from {}]", node_list(heard_from)).ok();
}

/// A write's words.
pub fn describe_written(s: &mut String, op: WriteOp, version: Version, acked_by: &[NodeId]) {
    write!(s, "{} successful  (timestamp {version}, acked by {})", op.name(), node_list(acked_by)).ok();
}

/// A read repair's words: the value sent, or `None` for a tombstone.
pub fn describe_repaired(s: &mut String, value: Option<&str>, version: Version, repaired: &[NodeId]) {
    let what = value.unwrap_or("the tombstone");
    write!(s, "Executing repair: sent {what} (timestamp {version}) to {}", node_list(repaired)).ok();
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
    pub fn to_json(&self) -> ResultJson {
        let live_value = |e: &Entry| e.value.as_deref().map(String::from);
        let mut json = ResultJson {
            command: self.command.to_string(),
            node: self.node,
            ok: self.outcome.is_ok(),
            time: self.time as f64 / 1e6,
            ..ResultJson::default()
        };
        match &self.outcome {
            Outcome::Value { entry, heard_from, .. } => {
                json.result = "value";
                json.value = Some(entry.as_ref().and_then(live_value));
                json.timestamp = Some(entry.as_ref().map(|e| e.version));
                json.heard_from = Some(heard_from.clone());
            }
            Outcome::Written { op, entry, acked_by, .. } => {
                json.result = op.name();
                json.value = Some(live_value(entry));
                json.timestamp = Some(Some(entry.version));
                json.acked_by = Some(acked_by.clone());
            }
            Outcome::Repaired { entry, repaired, .. } => {
                json.result = "repair";
                json.value = Some(live_value(entry));
                json.timestamp = Some(Some(entry.version));
                json.repaired = Some(repaired.clone());
            }
            Outcome::Searched { replies, .. } => {
                json.result = "search";
                json.replies = Some(
                    replies
                        .iter()
                        .map(|r| ReplyJson {
                            answered: r.answered,
                            node: r.node,
                            replica: r.replica,
                            timestamp: r.entry.as_ref().map(|e| e.version),
                            value: r.entry.as_ref().and_then(live_value),
                        })
                        .collect(),
                );
            }
            Outcome::Listed { entries } => {
                json.result = "show-all";
                json.entries = Some(
                    entries
                        .iter()
                        .map(|(key, e)| EntryJson { key: key.to_string(), timestamp: e.version, value: live_value(e) })
                        .collect(),
                );
            }
            Outcome::Failed { error } => {
                json.result = "error";
                json.error = Some(error.clone());
            }
        }
        json
    }
}

/// A result as the flat JSON object `kvsim --json` prints (the page's `fields` too). Fields
/// that do not apply to a result are absent; `value` and `timestamp` are `null` for "not
/// found". In alphabetical order, as the output has always been.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ResultJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acked_by: Option<Vec<NodeId>>,
    pub command: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<EntryJson>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heard_from: Option<Vec<NodeId>>,
    pub node: NodeId,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repaired: Option<Vec<NodeId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replies: Option<Vec<ReplyJson>>,
    /// What kind of result: `value`, `insert`, `update`, `delete`, `repair`, `search`,
    /// `show-all` or `error`.
    pub result: &'static str,
    /// Seconds.
    pub time: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Option<Version>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Option<String>>,
}

/// One node's answer in a `search` result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReplyJson {
    pub answered: bool,
    pub node: NodeId,
    pub replica: bool,
    pub timestamp: Option<Version>,
    pub value: Option<String>,
}

/// One row of a `show-all` result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EntryJson {
    pub key: String,
    pub timestamp: Version,
    pub value: Option<String>,
}
