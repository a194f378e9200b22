//! A server of the cluster as a pure state machine: `(now, input)` in, outputs out.
//!
//! The node plays two roles, kept in separate modules: [`coordinator`] runs the client commands
//! typed on this node (and keeps [`hints`] for replicas that missed its writes), and [`replica`]
//! serves the messages other coordinators send to it. [`anti_entropy`] runs the periodic rounds
//! that compare stores with peers.
//!
//! Drivers call [`Node::start`] once before the first input, so periodic timers get set.

pub mod anti_entropy;
pub mod coordinator;
pub mod hints;
pub mod io;
pub mod params;
pub mod replica;

pub use io::{Input, Output, Timer};
pub use params::NodeParams;

use crate::model::config::Config;
use crate::model::message::Message;
use crate::model::store::Store;
use crate::model::types::{Entry, Key, NodeId, Time};
use anti_entropy::AntiEntropy;
use coordinator::Coordinator;

#[derive(Clone, Debug)]
pub struct Node {
    params: NodeParams,
    store: Store,
    coordinator: Coordinator,
    anti_entropy: AntiEntropy,
}

impl Node {
    pub fn new(id: NodeId, config: &Config) -> Node {
        let mut params = NodeParams {
            id,
            nodes: config.len(),
            replication_factor: config.replication_factor(),
            request_timeout: config.request_timeout(),
            clock_skew: config.clock_skew(id),
            tombstone_grace: config.tombstone_grace(),
            hint_lifetime: 0,
            read_repair: config.read_repair,
            original_bugs: config.original_bugs,
        };
        params.set_skew_spread(config.clock_skew_spread());
        Node {
            params,
            store: Store::new(config.tombstone_grace()),
            coordinator: Coordinator::new(config.hinted_handoff()),
            anti_entropy: AntiEntropy::new(config.len(), config.anti_entropy_period()),
        }
    }

    /// Starts the node's periodic work (anti-entropy rounds, if configured) at `now`. Drivers
    /// call it once, before the first input.
    pub fn start(&mut self, now: Time, out: &mut Vec<Output>) {
        let period = self.anti_entropy.period();
        self.set_anti_entropy(now, period, out);
    }

    /// Switches hinted handoff; switching it off drops the hints kept.
    pub fn set_hinted_handoff(&mut self, on: bool) {
        self.coordinator.hints.set_enabled(on);
    }

    /// Switches anti-entropy to a round every `period` microseconds (at least
    /// [`crate::model::config::MIN_ANTI_ENTROPY_PERIOD`]), or off with `None`.
    pub fn set_anti_entropy(&mut self, now: Time, period: Option<Time>, out: &mut Vec<Output>) {
        self.anti_entropy.set_period(&self.params, now, period, out);
    }

    /// Number of hints this node keeps for replicas that missed its writes.
    pub fn hint_count(&self) -> usize {
        self.coordinator.hints.len()
    }

    pub fn id(&self) -> NodeId {
        self.params.id
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Sets this node's clock skew (microseconds; its clock is virtual time plus the skew).
    pub fn set_clock_skew(&mut self, skew: i64) {
        self.params.clock_skew = skew;
    }

    /// The cluster's clocks have differed by up to `spread` microseconds: hints expire sooner,
    /// those already kept included (see [`hints`]).
    pub fn set_skew_spread(&mut self, spread: Time) {
        self.params.set_skew_spread(spread);
    }

    /// Loads entries a driver kept on disk into the store, last-write-wins (tombstones
    /// included; their grace period starts at `now`). Drivers call it before [`Node::start`];
    /// it outputs nothing, since the entries are already where the driver keeps them.
    pub fn restore(&mut self, now: Time, entries: impl IntoIterator<Item = (Key, Entry)>) {
        for (key, entry) in entries {
            self.store.apply(now, &key, &entry);
        }
    }

    /// Comes back after a crash: what was in memory (the requests it coordinated) is gone; the
    /// store is its disk and survives only with `keep_store`.
    pub fn restart(&mut self, now: Time, keep_store: bool, out: &mut Vec<Output>) {
        // Hints live in memory and are lost; the switches are the node's configuration and stay.
        self.coordinator = Coordinator::new(self.coordinator.hints.is_enabled());
        if !keep_store {
            self.store = Store::new(self.store.grace());
        }
        // The crash discarded the node's timers: anti-entropy starts over, with no completed
        // rounds, so tombstones wait for fresh rounds before they are purged.
        self.anti_entropy = AntiEntropy::new(self.params.nodes, self.anti_entropy.period());
        self.start(now, out);
    }

    /// Handles one input at virtual time `now`, appending what the node wants done to `out`.
    pub fn handle(&mut self, now: Time, input: Input, out: &mut Vec<Output>) {
        self.purge_tombstones(now, out);
        match input {
            Input::Client { id, command } => {
                self.coordinator.start(&self.params, &mut self.store, now, id, command, out)
            }
            Input::Deliver { from, msg } => match msg {
                Message::Read { .. }
                | Message::Write { .. }
                | Message::Repair { .. }
                | Message::SearchRead { .. }
                | Message::Hint { .. } => replica::serve(&self.params, &mut self.store, now, from, msg, out),
                Message::ReadReply { .. }
                | Message::WriteAck { .. }
                | Message::SearchReply { .. }
                | Message::RepairAck { .. } => self.coordinator.on_reply(&self.params, from, msg, out),
                Message::HintAck { key, version } => self.coordinator.hints.on_ack(&self.params, from, &key, version),
                Message::AeDigest { .. }
                | Message::AeDiff { .. }
                | Message::AeEntries { .. }
                | Message::AeAck { .. } => {
                    self.anti_entropy.on_message(&self.params, &mut self.store, now, from, msg, out)
                }
            },
            Input::Timer(Timer::RequestTimeout { id }) => self.coordinator.on_timeout(&self.params, now, id, out),
            Input::Timer(Timer::HintRetry { target }) => {
                self.coordinator.hints.on_retry(&self.params, now, target, out)
            }
            Input::Timer(Timer::AntiEntropy { epoch }) => {
                self.anti_entropy.on_tick(&self.params, &self.store, now, epoch, out)
            }
        }
    }

    /// Purges tombstones whose grace period has passed (with anti-entropy on, only those stored
    /// before a completed round with every peer; see [`anti_entropy`]); drivers may call it to
    /// advance a node that has received no input for a while.
    pub fn purge_tombstones(&mut self, now: Time, out: &mut Vec<Output>) {
        if self.store.next_expiry().is_none_or(|expiry| expiry > now) {
            return;
        }
        let mut purged = Vec::new();
        // Stored before the horizon means an expiry before horizon + grace.
        let until = match self.anti_entropy.purge_horizon(&self.params) {
            Some(horizon) => now.min(horizon.saturating_add(self.params.tombstone_grace).saturating_sub(1)),
            None => now,
        };
        self.store.purge_expired(until, &mut purged);
        out.extend(purged.into_iter().map(|key| Output::StoreChanged { key, entry: None }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::types::Version;
    use std::rc::Rc;

    #[test]
    fn restore_loads_entries_last_write_wins_with_tombstones() {
        let config = Config::from_json(r#"{"addresses": ["a", "b"], "avg_delays": [[0, 0], [0, 0]]}"#).unwrap();
        let mut node = Node::new(0, &config);
        let e =
            |ts, value: Option<&str>| Entry { value: value.map(Rc::from), version: Version { timestamp: ts, node: 1 } };
        let (a, b): (Key, Key) = (Rc::from("a"), Rc::from("b"));
        node.restore(10, [(a.clone(), e(2, Some("new"))), (a, e(1, Some("old"))), (b, e(3, None))]);
        assert_eq!(node.store().get("a").unwrap().value.as_deref(), Some("new"));
        assert!(node.store().get("b").unwrap().is_tombstone());
        assert_eq!(node.store().len(), 2);
    }
}
