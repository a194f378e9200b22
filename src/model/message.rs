//! Messages between nodes. Every message about one key names it, so the trace and the page can
//! show it; anti-entropy messages cover many keys and name none.

use crate::model::types::{Entry, Key, Version};
use serde::{Deserialize, Serialize};

/// Identifies a client request cluster-wide; assigned by the driver that submits commands.
pub type RequestId = u64;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Message {
    /// Coordinator asks a replica for its version of `key` (get).
    Read {
        req: RequestId,
        key: Key,
    },
    /// A replica's version, or `None` if it holds nothing for `key`.
    ReadReply {
        req: RequestId,
        key: Key,
        entry: Option<Entry>,
    },
    /// Coordinator writes a version (insert, update, delete as a tombstone). With
    /// `only_if_present` (update) a replica holding no live value ignores it.
    Write {
        req: RequestId,
        key: Key,
        entry: Entry,
        only_if_present: bool,
    },
    /// A replica's acknowledgement; `applied: false` means an update found no live value.
    WriteAck {
        req: RequestId,
        key: Key,
        applied: bool,
    },
    /// Read repair: the newest version the coordinator saw. A blocking repair names its read
    /// (`req`) and is acknowledged; an asynchronous one names none and gets no reply.
    Repair {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        req: Option<RequestId>,
        key: Key,
        entry: Entry,
    },
    /// A blocking repair was applied: the replica holds its version or a newer one.
    RepairAck {
        req: RequestId,
        key: Key,
    },
    /// `search`: any node, replica or not, reports its local copy.
    SearchRead {
        req: RequestId,
        key: Key,
    },
    SearchReply {
        req: RequestId,
        key: Key,
        entry: Option<Entry>,
    },
    /// Hinted handoff: a version a replica did not acknowledge in time, redelivered by the
    /// write's coordinator until acknowledged.
    Hint {
        key: Key,
        entry: Entry,
    },
    /// The replica now holds `version` of `key` or a newer one: the hint can be dropped.
    HintAck {
        key: Key,
        version: Version,
    },
    /// Anti-entropy round `round`: the sender's hash of each bucket of the keys both nodes
    /// replicate (see `node::anti_entropy`).
    AeDigest {
        round: u64,
        buckets: Vec<u64>,
    },
    /// The buckets whose hashes differ, with the replier's entries in them.
    AeDiff {
        round: u64,
        buckets: Vec<u16>,
        entries: Vec<(Key, Entry)>,
    },
    /// The initiator's entries in the differing buckets that the replier lacks or holds older.
    AeEntries {
        round: u64,
        entries: Vec<(Key, Entry)>,
    },
    /// The replier applied the round's entries: the round is complete.
    AeAck {
        round: u64,
    },
}

/// The kind of a message, for colours, filters and the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Read,
    ReadReply,
    Write,
    WriteAck,
    Repair,
    RepairAck,
    Search,
    SearchReply,
    Hint,
    HintAck,
    AeDigest,
    AeDiff,
    AeEntries,
    AeAck,
}

impl MessageKind {
    /// Anti-entropy traffic: periodic background work, not part of any client request.
    pub fn is_anti_entropy(self) -> bool {
        matches!(self, MessageKind::AeDigest | MessageKind::AeDiff | MessageKind::AeEntries | MessageKind::AeAck)
    }
}

impl Message {
    pub fn kind(&self) -> MessageKind {
        match self {
            Message::Read { .. } => MessageKind::Read,
            Message::ReadReply { .. } => MessageKind::ReadReply,
            Message::Write { .. } => MessageKind::Write,
            Message::WriteAck { .. } => MessageKind::WriteAck,
            Message::Repair { .. } => MessageKind::Repair,
            Message::RepairAck { .. } => MessageKind::RepairAck,
            Message::SearchRead { .. } => MessageKind::Search,
            Message::SearchReply { .. } => MessageKind::SearchReply,
            Message::Hint { .. } => MessageKind::Hint,
            Message::HintAck { .. } => MessageKind::HintAck,
            Message::AeDigest { .. } => MessageKind::AeDigest,
            Message::AeDiff { .. } => MessageKind::AeDiff,
            Message::AeEntries { .. } => MessageKind::AeEntries,
            Message::AeAck { .. } => MessageKind::AeAck,
        }
    }

    /// The key the message is about; anti-entropy messages cover many keys.
    pub fn key(&self) -> Option<&Key> {
        match self {
            Message::Read { key, .. }
            | Message::ReadReply { key, .. }
            | Message::Write { key, .. }
            | Message::WriteAck { key, .. }
            | Message::Repair { key, .. }
            | Message::RepairAck { key, .. }
            | Message::SearchRead { key, .. }
            | Message::SearchReply { key, .. }
            | Message::Hint { key, .. }
            | Message::HintAck { key, .. } => Some(key),
            Message::AeDigest { .. } | Message::AeDiff { .. } | Message::AeEntries { .. } | Message::AeAck { .. } => {
                None
            }
        }
    }

    /// A short description of an anti-entropy message's payload, for the trace.
    pub fn summary(&self) -> Option<String> {
        match self {
            Message::AeDigest { round, buckets } => Some(format!("round {round}: {} bucket hashes", buckets.len())),
            Message::AeDiff { round, buckets, entries } => {
                Some(format!("round {round}: {} buckets differ, {} entries", buckets.len(), entries.len()))
            }
            Message::AeEntries { round, entries } => Some(format!("round {round}: {} entries", entries.len())),
            Message::AeAck { round } => Some(format!("round {round} complete")),
            _ => None,
        }
    }

    /// The version the message carries, if any.
    pub fn entry(&self) -> Option<&Entry> {
        match self {
            Message::ReadReply { entry, .. } | Message::SearchReply { entry, .. } => entry.as_ref(),
            Message::Write { entry, .. } | Message::Repair { entry, .. } | Message::Hint { entry, .. } => Some(entry),
            _ => None,
        }
    }

    /// The client request the message belongs to (asynchronous repairs, hints and anti-entropy
    /// belong to none).
    pub fn request(&self) -> Option<RequestId> {
        match self {
            Message::Repair { req, .. } => *req,
            Message::Read { req, .. }
            | Message::ReadReply { req, .. }
            | Message::Write { req, .. }
            | Message::WriteAck { req, .. }
            | Message::SearchRead { req, .. }
            | Message::SearchReply { req, .. }
            | Message::RepairAck { req, .. } => Some(*req),
            _ => None,
        }
    }
}
