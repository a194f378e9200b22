//! What goes into a node and what comes out: the node's whole interface with its driver.

use crate::model::command::Command;
use crate::model::message::{Message, RequestId};
use crate::model::outcome::Outcome;
use crate::model::types::{Entry, Key, NodeId, Time};

/// Something that happens to a node.
#[derive(Clone, Debug)]
pub enum Input {
    /// A client typed `command` on this node; the driver names the request.
    Client { id: RequestId, command: Command },
    /// A message from another node (or this one) arrived.
    Deliver { from: NodeId, msg: Message },
    /// A timer this node set has fired.
    Timer(Timer),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(tag = "timer", rename_all = "snake_case")]
pub enum Timer {
    /// The request's deadline: fail it if its level was not reached, repair with what came in,
    /// keep hints for the replicas that did not acknowledge a write.
    RequestTimeout { id: RequestId },
    /// Resend the hints kept for replica `target`.
    HintRetry { target: NodeId },
    /// Start the next anti-entropy round (if `epoch` is still the current schedule).
    AntiEntropy { epoch: u32 },
}

impl Timer {
    /// A timer that recurs for as long as the node runs: it does not keep a run from being
    /// quiet.
    pub fn is_periodic(&self) -> bool {
        matches!(self, Timer::AntiEntropy { .. })
    }
}

/// Something a node asks its driver to do.
#[derive(Clone, Debug)]
pub enum Output {
    Send {
        to: NodeId,
        msg: Message,
    },
    /// An answer for the client of request `id` (a request may answer more than once: a get
    /// answers with its value, and later reports its read repair).
    Reply {
        id: RequestId,
        outcome: Outcome,
    },
    SetTimer {
        at: Time,
        timer: Timer,
    },
    /// Request `id` finished before its deadline (show-all at once): no more results will come,
    /// and its `RequestTimeout` timer, if it set one, is moot (the only timer a node ever takes
    /// back).
    Finished {
        id: RequestId,
    },
    /// The local store changed: `entry` is the new version, or `None` when a tombstone was purged.
    StoreChanged {
        key: Key,
        entry: Option<Entry>,
    },
}
