//! Applying faults to the scheduler: which nodes are down, which links are cut, and the
//! conditions of each link. Each fault is traced as a `fault` event with its canonical line,
//! followed by what it caused (messages dropped, requests abandoned).

use super::{Scheduler, Step, Work};
use crate::model::message::RequestId;
use crate::model::outcome::Outcome;
use crate::model::types::NodeId;
use crate::sim::fault::Fault;
use crate::sim::network::LinkState;
use crate::sim::trace::{TraceEvent, TraceKind};

impl Scheduler {
    /// The nodes that are down, in order.
    pub fn down_nodes(&self) -> Vec<NodeId> {
        (0..self.nodes()).filter(|&n| self.down[n]).collect()
    }

    /// Checks a fault built in code against this cluster the way the parser checks a typed one:
    /// by parsing its canonical line, so there is one set of rules and messages.
    pub(super) fn check_fault(&self, fault: &Fault) -> Result<(), String> {
        Fault::parse(&fault.to_string(), self.nodes()).map(|_| ())
    }

    pub(super) fn apply_fault(&mut self, fault: Fault) {
        let now = self.now;
        self.trace.record(|| TraceEvent {
            node: fault.node(),
            text: Some(fault.to_string()),
            ..TraceEvent::new(now, TraceKind::Fault)
        });
        let n = self.nodes();
        match fault {
            Fault::Crash { node } => self.crash(node),
            Fault::Restart { node, keep_store } => {
                // Restarting a running node reboots it: it crashes and comes back at once.
                if !self.down[node] {
                    self.crash(node);
                }
                self.down[node] = false;
                self.directives.push_back(Step { time: now, node, work: Work::Restart { keep_store } });
            }
            Fault::Skew { node, skew } => {
                self.directives.push_back(Step { time: now, node, work: Work::SetClockSkew(skew) });
                let (low, high) = self.skew_range;
                let widened = (low.min(skew), high.max(skew));
                if widened != self.skew_range {
                    self.skew_range = widened;
                    let spread = widened.1.abs_diff(widened.0);
                    // Every node, down ones too: like the switches below, a node's hint
                    // lifetime is configuration and outlives a crash.
                    let tell = |node| Step { time: now, node, work: Work::SetSkewSpread(spread) };
                    self.directives.extend((0..n).map(tell));
                }
            }
            Fault::Cut(links) => {
                for (from, to) in links.pairs(n) {
                    self.set_link(from, to, LinkState::Drop);
                }
            }
            Fault::Partition(groups) => {
                let mut group_of = vec![0; n];
                for (g, group) in groups.iter().enumerate() {
                    for &node in group {
                        group_of[node] = g;
                    }
                }
                for from in 0..n {
                    for to in (0..n).filter(|&to| group_of[to] != group_of[from]) {
                        self.set_link(from, to, LinkState::Drop);
                    }
                }
            }
            Fault::Hold(links) => {
                for (from, to) in links.pairs(n) {
                    self.set_link(from, to, LinkState::Hold);
                }
            }
            Fault::Heal(links) => {
                // Plain `heal` also restores a node's link to itself, which `*` leaves out.
                let pairs = match links {
                    Some(links) => links.pairs(n),
                    None => (0..n).flat_map(|from| (0..n).map(move |to| (from, to))).collect(),
                };
                for (from, to) in pairs {
                    if self.link(from, to) != LinkState::Up {
                        self.set_link(from, to, LinkState::Up);
                    }
                }
            }
            Fault::Loss { links, probability } => {
                self.network.update_conditions(&links.pairs(n), |c| c.loss = probability)
            }
            Fault::Duplicate { links, probability } => {
                self.network.update_conditions(&links.pairs(n), |c| c.duplicate = probability)
            }
            Fault::Delay { links, extra } => self.network.update_conditions(&links.pairs(n), |c| c.extra_delay = extra),
            Fault::Jitter { links, max } => self.network.update_conditions(&links.pairs(n), |c| c.jitter = max),
            // Every node, down ones too: a switch is configuration, and a node restarting later
            // comes back with it (timers a down node sets are discarded, see `absorb`).
            Fault::Hints(on) => {
                self.directives.extend((0..n).map(|node| Step { time: now, node, work: Work::SetHintedHandoff(on) }))
            }
            Fault::AntiEntropy(period) => {
                self.directives.extend((0..n).map(|node| Step { time: now, node, work: Work::SetAntiEntropy(period) }))
            }
        }
    }

    /// The node stops: it gets no more inputs (messages to it are dropped on arrival), its
    /// timers are discarded, and the requests it coordinated end now with a failure for their
    /// clients, since the memory that tracked them is gone.
    fn crash(&mut self, node: NodeId) {
        self.down[node] = true;
        self.timers.retain(|t| t.node != node);
        // Sorted: the map's iteration order differs between 64-bit and wasm32.
        let mut ended: Vec<RequestId> =
            self.requests.iter().filter(|(_, request)| request.node == node).map(|(&id, _)| id).collect();
        ended.sort_unstable();
        for id in ended {
            // A request that already answered its client (a get waiting to repair, a write
            // waiting for hints) just ends; only an unanswered one reports the crash.
            if let Some(request) = self.requests.remove(&id).filter(|request| !request.answered) {
                let error = format!("{} abandoned: node {node} crashed before the request finished", request.text);
                self.push_result(node, Some(id), request.text, Outcome::Failed { error });
            }
        }
    }
}
