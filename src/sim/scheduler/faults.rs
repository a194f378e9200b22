//! The scheduler's fault state and how faults change it: which nodes are down, what each link
//! holds, each node's clock skew and the two repair switches. Each fault is traced as a `fault`
//! event with its canonical line, followed by what it caused (messages dropped, requests
//! abandoned). The state is reported whole by [`Scheduler::faults`], so a driver never has to
//! fold fault lines itself.

use super::task::{Task, Work};
use super::Scheduler;
use crate::model::config::Config;
use crate::model::message::Message;
use crate::model::outcome::Outcome;
use crate::model::types::{NodeId, Time};
use crate::sim::fault::Fault;
use crate::sim::network::{LinkConditions, LinkState};
use crate::sim::trace::{TraceEvent, TraceKind};
use serde::Serialize;
use std::collections::VecDeque;

/// A message held on a link until the link is set up again.
#[derive(Clone, Debug)]
pub(super) struct Held {
    pub from: NodeId,
    pub to: NodeId,
    pub msg: Message,
    pub sent: Time,
}

#[derive(Clone, Debug)]
pub(super) struct FaultState {
    /// Nodes that crashed and have not restarted.
    pub down: Vec<bool>,
    pub held: Vec<Held>,
    /// Each node's clock skew now, in microseconds.
    skews: Vec<i64>,
    /// The lowest and highest clock skew any node has had, config and `skew` faults included:
    /// hints expire sooner as it widens (see `node::hints`).
    skew_range: (i64, i64),
    hints: bool,
    anti_entropy: Option<Time>,
    /// Node changes faults asked for, handed out before anything else.
    pub directives: VecDeque<Task>,
}

impl FaultState {
    pub fn new(config: &Config) -> FaultState {
        FaultState {
            down: vec![false; config.len()],
            held: Vec::new(),
            skews: (0..config.len()).map(|node| config.clock_skew(node)).collect(),
            skew_range: config.clock_skew_range(),
            hints: config.hinted_handoff(),
            anti_entropy: config.anti_entropy_period(),
            directives: VecDeque::new(),
        }
    }
}

/// What is broken in the cluster now, and how its repair switches are set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FaultReport {
    /// Nodes that are down, in order.
    pub down: Vec<NodeId>,
    /// Links that are not plainly up, in `(from, to)` order.
    pub links: Vec<LinkFault>,
    /// Each node's clock skew, in microseconds (positive = ahead).
    pub clock_skew_us: Vec<i64>,
    pub hinted_handoff: bool,
    /// Microseconds between anti-entropy rounds, or `None` when it is off.
    pub anti_entropy_period_us: Option<Time>,
}

/// A link that is cut, holding, or has injected conditions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkFault {
    pub from: NodeId,
    pub to: NodeId,
    pub state: LinkState,
    pub loss: f64,
    pub duplicate: f64,
    pub extra_delay_us: Time,
    pub jitter_us: Time,
}

impl Scheduler {
    /// The nodes that are down, in order.
    pub fn down_nodes(&self) -> Vec<NodeId> {
        (0..self.nodes()).filter(|&n| self.faults.down[n]).collect()
    }

    /// The fault state now: down nodes, faulty links, clock skews and the repair switches.
    pub fn faults(&self) -> FaultReport {
        let n = self.nodes();
        let links = (0..n * n)
            .map(|i| (i / n, i % n))
            .filter_map(|(from, to)| {
                let (state, c) = (self.network.link(from, to), self.network.conditions(from, to));
                let healthy = state == LinkState::Up && c == LinkConditions::default();
                (!healthy).then_some(LinkFault {
                    from,
                    to,
                    state,
                    loss: c.loss,
                    duplicate: c.duplicate,
                    extra_delay_us: c.extra_delay,
                    jitter_us: c.jitter,
                })
            })
            .collect();
        FaultReport {
            down: self.down_nodes(),
            links,
            clock_skew_us: self.faults.skews.clone(),
            hinted_handoff: self.faults.hints,
            anti_entropy_period_us: self.faults.anti_entropy,
        }
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
        // Switches and skew spreads go to every node, down ones too: they are configuration,
        // and a node restarting later comes back with them (timers a down node sets are
        // discarded, see `absorb`).
        let tell_all = |work: Work| (0..n).map(move |node| Task::new(now, node, work.clone()));
        match fault {
            Fault::Crash { node } => self.crash(node),
            Fault::Restart { node, keep_store } => {
                // Restarting a running node reboots it: it crashes and comes back at once.
                if !self.faults.down[node] {
                    self.crash(node);
                }
                self.faults.down[node] = false;
                self.faults.directives.push_back(Task::new(now, node, Work::Restart { keep_store }));
            }
            Fault::Skew { node, skew } => {
                self.faults.skews[node] = skew;
                self.faults.directives.push_back(Task::new(now, node, Work::SetClockSkew(skew)));
                let (low, high) = self.faults.skew_range;
                let widened = (low.min(skew), high.max(skew));
                if widened != self.faults.skew_range {
                    self.faults.skew_range = widened;
                    let spread = widened.1.abs_diff(widened.0);
                    self.faults.directives.extend(tell_all(Work::SetSkewSpread(spread)));
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
            Fault::Hints(on) => {
                self.faults.hints = on;
                self.faults.directives.extend(tell_all(Work::SetHintedHandoff(on)));
            }
            Fault::AntiEntropy(period) => {
                self.faults.anti_entropy = period;
                self.faults.directives.extend(tell_all(Work::SetAntiEntropy(period)));
            }
        }
    }

    /// The node stops: it gets no more inputs (messages to it are dropped on arrival), its
    /// timers are discarded, and the requests it coordinated end now; those that had not
    /// answered their client (a get waiting to repair, a write waiting for hints had) fail,
    /// since the memory that tracked them is gone.
    fn crash(&mut self, node: NodeId) {
        self.faults.down[node] = true;
        self.queue.drop_timers_of(node);
        for (id, text) in self.requests.abandon(node) {
            let error = format!("{text} abandoned: node {node} crashed before the request finished");
            self.push_result(node, Some(id), text, Outcome::Failed { error });
        }
    }
}
