//! Messages between nodes. Every message names its key, so the trace and the page can show it.

use crate::types::{Entry, Key};
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
    /// Read repair: the newest version the coordinator saw. No reply.
    Repair {
        key: Key,
        entry: Entry,
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
    Search,
    SearchReply,
}

impl Message {
    pub fn kind(&self) -> MessageKind {
        match self {
            Message::Read { .. } => MessageKind::Read,
            Message::ReadReply { .. } => MessageKind::ReadReply,
            Message::Write { .. } => MessageKind::Write,
            Message::WriteAck { .. } => MessageKind::WriteAck,
            Message::Repair { .. } => MessageKind::Repair,
            Message::SearchRead { .. } => MessageKind::Search,
            Message::SearchReply { .. } => MessageKind::SearchReply,
        }
    }

    pub fn key(&self) -> &Key {
        match self {
            Message::Read { key, .. }
            | Message::ReadReply { key, .. }
            | Message::Write { key, .. }
            | Message::WriteAck { key, .. }
            | Message::Repair { key, .. }
            | Message::SearchRead { key, .. }
            | Message::SearchReply { key, .. } => key,
        }
    }

    /// The version the message carries, if any.
    pub fn entry(&self) -> Option<&Entry> {
        match self {
            Message::ReadReply { entry, .. } | Message::SearchReply { entry, .. } => entry.as_ref(),
            Message::Write { entry, .. } | Message::Repair { entry, .. } => Some(entry),
            Message::Read { .. } | Message::WriteAck { .. } | Message::SearchRead { .. } => None,
        }
    }

    /// The client request the message belongs to (repairs belong to none).
    pub fn request(&self) -> Option<RequestId> {
        match self {
            Message::Read { req, .. }
            | Message::ReadReply { req, .. }
            | Message::Write { req, .. }
            | Message::WriteAck { req, .. }
            | Message::SearchRead { req, .. }
            | Message::SearchReply { req, .. } => Some(*req),
            Message::Repair { .. } => None,
        }
    }
}
