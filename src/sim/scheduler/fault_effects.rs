//! What a fault line does to the run (see [`Fault`]): a crash ends the node's requests, a restart
//! brings it back, cuts, holds and partitions set links (a held link's messages are released or
//! dropped when it is set anew), and link conditions, skews and the repair switches change the
//! network and the fault state. Each is traced first as a `fault` event with its canonical line.

use super::faults::{partition_links, FaultReport};
use super::queue::Deliver;
use super::Scheduler;
use crate::model::outcome::Outcome;
use crate::model::types::NodeId;
use crate::sim::fault::Fault;
use crate::sim::network::LinkState;
use crate::sim::trace::{EventRef, Text, TraceKind, DROP_HELD_THEN_CUT, SEND_RELEASED};

impl Scheduler {
    /// The fault state now: down nodes, faulty links, clock skews and the repair switches.
    pub fn faults(&self) -> FaultReport {
        self.faults.report(&self.network)
    }

    /// Checks a fault built in code against this cluster the way the parser checks a typed one:
    /// by parsing its canonical line, so there is one set of rules and messages.
    pub(super) fn check_fault(&self, fault: &Fault) -> Result<(), String> {
        Fault::parse(&fault.to_string(), self.nodes()).map(|_| ())
    }

    pub(super) fn apply_fault(&mut self, fault: Fault) {
        let now = self.now;
        let line = self.trace.is_keeping().then(|| fault.to_string());
        self.trace.record(|| EventRef {
            node: fault.node(),
            text: line.as_deref().map(Text::Str),
            ..EventRef::new(now, TraceKind::Fault)
        });
        let n = self.nodes();
        match fault {
            Fault::Crash { node } => self.crash(node),
            Fault::Restart { node, keep_store } => {
                // Restarting a running node reboots it: it crashes and comes back at once.
                if !self.faults.is_down(node) {
                    self.crash(node);
                }
                self.faults.restart(now, node, keep_store);
            }
            Fault::Skew { node, skew } => self.faults.skew(now, node, skew),
            Fault::Cut(links) => self.set_links(&links.pairs(n), LinkState::Drop),
            Fault::Partition(groups) => self.set_links(&partition_links(&groups, n), LinkState::Drop),
            Fault::Hold(links) => self.set_links(&links.pairs(n), LinkState::Hold),
            Fault::Heal(links) => {
                // Plain `heal` also restores a node's link to itself, which `*` leaves out.
                let pairs = match links {
                    Some(links) => links.pairs(n),
                    None => (0..n).flat_map(|from| (0..n).map(move |to| (from, to))).collect(),
                };
                let broken: Vec<_> =
                    pairs.into_iter().filter(|&(from, to)| self.link(from, to) != LinkState::Up).collect();
                self.set_links(&broken, LinkState::Up);
            }
            Fault::Loss { links, probability } => {
                self.network.update_conditions(&links.pairs(n), |c| c.loss = probability)
            }
            Fault::Duplicate { links, probability } => {
                self.network.update_conditions(&links.pairs(n), |c| c.duplicate = probability)
            }
            Fault::Delay { links, extra } => self.network.update_conditions(&links.pairs(n), |c| c.extra_delay = extra),
            Fault::Jitter { links, max } => self.network.update_conditions(&links.pairs(n), |c| c.jitter = max),
            Fault::Hints(on) => self.faults.hints(now, on),
            Fault::AntiEntropy(period) => self.faults.anti_entropy(now, period),
        }
    }

    /// The node stops: it gets no more inputs (messages to it are dropped on arrival), its
    /// timers are discarded, and the requests it coordinated end now; those that had not
    /// answered their client (a get waiting to repair, a write waiting for hints had) fail,
    /// since the memory that tracked them is gone.
    fn crash(&mut self, node: NodeId) {
        self.faults.crash(node);
        self.queue.drop_timers_of(node);
        for (id, text) in self.requests.abandon(node) {
            let error = format!("{text} abandoned: node {node} crashed before the request finished");
            self.push_result(node, Some(id), text, Outcome::Failed { error });
        }
    }

    fn set_links(&mut self, pairs: &[(NodeId, NodeId)], state: LinkState) {
        for &(from, to) in pairs {
            self.set_link(from, to, state);
        }
    }

    /// Sets what the link `from -> to` does with new messages. Setting a holding link up
    /// releases what it held, each message with a fresh delay from now.
    pub fn set_link(&mut self, from: NodeId, to: NodeId, state: LinkState) {
        self.network.set_link(from, to, state);
        if state == LinkState::Hold {
            return;
        }
        let now = self.now;
        for h in self.faults.release(from, to) {
            if state == LinkState::Up {
                let due = now + self.network.sample_delay(from, to);
                self.trace.record(|| EventRef {
                    text: Some(Text::Str(SEND_RELEASED)),
                    ..EventRef::message(now, TraceKind::Send, h.from, h.to, &h.msg, h.sent, Some(due))
                });
                self.queue.push_message(due, Deliver { from: h.from, to: h.to, msg: h.msg, sent: h.sent });
            } else {
                self.trace_drop(now, h.from, h.to, &h.msg, h.sent, DROP_HELD_THEN_CUT);
            }
        }
    }

    pub fn link(&self, from: NodeId, to: NodeId) -> LinkState {
        self.network.link(from, to)
    }
}
