//! A server of the cluster as a pure state machine: `(now, input)` in, outputs out.
//!
//! The node plays two roles, kept in separate modules: [`coordinator`] runs the client commands
//! typed on this node, and [`replica`] serves the messages other coordinators send to it.

pub mod coordinator;
pub mod replica;

use crate::command::Command;
use crate::config::Config;
use crate::message::{Message, RequestId};
use crate::outcome::Outcome;
use crate::store::Store;
use crate::types::{Entry, Key, NodeId, Time};
use coordinator::Coordinator;

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
    /// The request's deadline: fail it if its level was not reached, repair with what came in.
    RequestTimeout { id: RequestId },
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
    /// The timer is no longer needed (its request finished before the deadline).
    CancelTimer {
        timer: Timer,
    },
    /// The local store changed: `entry` is the new version, or `None` when a tombstone was purged.
    StoreChanged {
        key: Key,
        entry: Option<Entry>,
    },
}

/// The fixed facts a node is started with.
#[derive(Clone, Copy, Debug)]
pub struct NodeParams {
    pub id: NodeId,
    pub nodes: usize,
    pub replication_factor: usize,
    pub request_timeout: Time,
    /// Added to virtual time to get this node's clock, in microseconds.
    pub clock_skew: i64,
}

#[derive(Clone, Debug)]
pub struct Node {
    params: NodeParams,
    store: Store,
    coordinator: Coordinator,
}

impl Node {
    pub fn new(id: NodeId, config: &Config) -> Node {
        let params = NodeParams {
            id,
            nodes: config.len(),
            replication_factor: config.replication_factor(),
            request_timeout: config.request_timeout(),
            clock_skew: config.clock_skew(id),
        };
        Node { params, store: Store::new(config.tombstone_grace()), coordinator: Coordinator::default() }
    }

    pub fn id(&self) -> NodeId {
        self.params.id
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// This node's clock: virtual time plus its skew.
    pub fn clock(&self, now: Time) -> i64 {
        now as i64 + self.params.clock_skew
    }

    /// Sets this node's clock skew (microseconds; its clock is virtual time plus the skew).
    pub fn set_clock_skew(&mut self, skew: i64) {
        self.params.clock_skew = skew;
    }

    /// Comes back after a crash: what was in memory (the requests it coordinated) is gone; the
    /// store is its disk and survives only with `keep_store`.
    pub fn restart(&mut self, keep_store: bool) {
        self.coordinator = Coordinator::default();
        if !keep_store {
            self.store = Store::new(self.store.grace());
        }
    }

    /// Whether request `id` (coordinated here) is still waiting for replies.
    pub fn is_pending(&self, id: RequestId) -> bool {
        self.coordinator.is_pending(id)
    }

    /// Handles one input at virtual time `now`, appending what the node wants done to `out`.
    pub fn handle(&mut self, now: Time, input: Input, out: &mut Vec<Output>) {
        self.purge_tombstones(now, out);
        match input {
            Input::Client { id, command } => {
                self.coordinator.start(&self.params, &mut self.store, now, id, command, out)
            }
            Input::Deliver { from, msg } => match msg {
                Message::Read { .. } | Message::Write { .. } | Message::Repair { .. } | Message::SearchRead { .. } => {
                    replica::serve(&mut self.store, now, from, msg, out)
                }
                Message::ReadReply { .. } | Message::WriteAck { .. } | Message::SearchReply { .. } => {
                    self.coordinator.on_reply(&self.params, from, msg, out)
                }
            },
            Input::Timer(Timer::RequestTimeout { id }) => self.coordinator.on_timeout(&self.params, id, out),
        }
    }

    /// Purges tombstones whose grace period has passed; drivers may call it to advance a node
    /// that has received no input for a while.
    pub fn purge_tombstones(&mut self, now: Time, out: &mut Vec<Output>) {
        let mut purged = Vec::new();
        self.store.purge_expired(now, &mut purged);
        out.extend(purged.into_iter().map(|key| Output::StoreChanged { key, entry: None }));
    }
}
