//! The scheduler's fault state: which nodes are down, the messages held on links, each node's
//! clock skew and the two repair switches, and the node changes (directives) faults asked for.
//! It is reported whole ([`FaultReport`]), so a driver never has to fold fault lines itself.

use super::task::{Task, Work};
use crate::model::config::Config;
use crate::model::message::Message;
use crate::model::types::{NodeId, Time};
use crate::sim::network::{LinkConditions, LinkState, Network};
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
    down: Vec<bool>,
    held: Vec<Held>,
    /// Each node's clock skew now, in microseconds.
    skews: Vec<i64>,
    /// The lowest and highest clock skew any node has had, config and `skew` faults included:
    /// hints expire sooner as it widens (see `node::hints`).
    skew_range: (i64, i64),
    hints: bool,
    anti_entropy: Option<Time>,
    /// Node changes faults asked for, handed out before anything else.
    directives: VecDeque<Task>,
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

    pub fn is_down(&self, node: NodeId) -> bool {
        self.down[node]
    }

    pub fn crash(&mut self, node: NodeId) {
        self.down[node] = true;
    }

    /// The node is up again and is asked to restart.
    pub fn restart(&mut self, now: Time, node: NodeId, keep_store: bool) {
        self.down[node] = false;
        self.directives.push_back(Task::new(now, node, Work::Restart { keep_store }));
    }

    /// Sets a node's clock skew; when the cluster's spread of clocks widens, every node is told
    /// (down ones too, like the switches below).
    pub fn skew(&mut self, now: Time, node: NodeId, skew: i64) {
        self.skews[node] = skew;
        self.directives.push_back(Task::new(now, node, Work::SetClockSkew(skew)));
        let (low, high) = self.skew_range;
        let widened = (low.min(skew), high.max(skew));
        if widened != self.skew_range {
            self.skew_range = widened;
            self.tell_all(now, Work::SetSkewSpread(widened.1.abs_diff(widened.0)));
        }
    }

    pub fn hints(&mut self, now: Time, on: bool) {
        self.hints = on;
        self.tell_all(now, Work::SetHintedHandoff(on));
    }

    pub fn anti_entropy(&mut self, now: Time, period: Option<Time>) {
        self.anti_entropy = period;
        self.tell_all(now, Work::SetAntiEntropy(period));
    }

    /// Switches and skew spreads go to every node, down ones too: they are configuration, and a
    /// node restarting later comes back with them (timers a down node sets are discarded).
    fn tell_all(&mut self, now: Time, work: Work) {
        self.directives.extend((0..self.down.len()).map(|node| Task::new(now, node, work.clone())));
    }

    pub fn has_directives(&self) -> bool {
        !self.directives.is_empty()
    }

    pub fn next_directive(&mut self) -> Option<Task> {
        self.directives.pop_front()
    }

    pub fn hold(&mut self, held: Held) {
        self.held.push(held);
    }

    /// Takes the messages held on the link `from -> to`, in the order they were sent.
    pub fn release(&mut self, from: NodeId, to: NodeId) -> Vec<Held> {
        let (release, keep) = self.held.drain(..).partition(|h| h.from == from && h.to == to);
        self.held = keep;
        release
    }

    pub fn down_nodes(&self) -> Vec<NodeId> {
        (0..self.down.len()).filter(|&n| self.down[n]).collect()
    }

    /// The whole state, with the links of `network` that are not plainly up.
    pub fn report(&self, network: &Network) -> FaultReport {
        let n = network.nodes();
        let links = (0..n * n)
            .map(|i| (i / n, i % n))
            .filter_map(|(from, to)| {
                let (state, c) = (network.link(from, to), network.conditions(from, to));
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
            clock_skew_us: self.skews.clone(),
            hinted_handoff: self.hints,
            anti_entropy_period_us: self.anti_entropy,
        }
    }
}

/// The directed links a partition into `groups` cuts: every link between two groups.
pub(super) fn partition_links(groups: &[Vec<NodeId>], nodes: usize) -> Vec<(NodeId, NodeId)> {
    let mut group_of = vec![0; nodes];
    for (g, group) in groups.iter().enumerate() {
        for &node in group {
            group_of[node] = g;
        }
    }
    (0..nodes)
        .flat_map(|from| (0..nodes).map(move |to| (from, to)))
        .filter(|&(a, b)| group_of[a] != group_of[b])
        .collect()
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
