//! The headless simulation: the nodes and the scheduler composed in a loop.

use crate::model::config::Config;
use crate::model::message::RequestId;
use crate::model::outcome::ClientResult;
use crate::model::types::{NodeId, Time};
use crate::node::{Node, Output};
use crate::sim::action::TimedAction;
use crate::sim::anomalies::{divergent, Anomalies, Divergence};
use crate::sim::history::History;
use crate::sim::network::LinkState;
use crate::sim::scheduler::{Ran, Scheduler};
use crate::sim::trace::Trace;

#[derive(Clone, Debug)]
pub struct Simulation {
    nodes: Vec<Node>,
    scheduler: Scheduler,
    /// Reused output buffer, so a step does not allocate for it.
    outputs: Vec<Output>,
}

impl Simulation {
    /// A cluster from a validated config; `seed` drives every random delay.
    pub fn new(config: &Config, seed: u64) -> Simulation {
        Simulation::with_trace(config, seed, true)
    }

    /// Like [`Simulation::new`], optionally without recording the trace (for benchmarks).
    pub fn with_trace(config: &Config, seed: u64, record_trace: bool) -> Simulation {
        let mut sim = Simulation {
            nodes: (0..config.len()).map(|id| Node::new(id, config)).collect(),
            scheduler: Scheduler::new(config, seed, record_trace),
            outputs: Vec::new(),
        };
        for (id, node) in sim.nodes.iter_mut().enumerate() {
            node.start(0, &mut sim.outputs);
            sim.scheduler.absorb(Ran::start(id), &mut sim.outputs);
        }
        sim
    }

    pub fn now(&self) -> Time {
        self.scheduler.now()
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }

    /// Schedules `command` to be typed on `node` at virtual time `at` (microseconds); returns
    /// the request id its results will carry.
    pub fn schedule(&mut self, at: Time, node: NodeId, command: &str) -> Result<RequestId, String> {
        self.scheduler.schedule_command(at, node, command)
    }

    /// Schedules a command or a fault at its time; a command gets its request id.
    pub fn schedule_action(&mut self, action: TimedAction) -> Result<Option<RequestId>, String> {
        self.scheduler.schedule(action)
    }

    /// Types `command` on `node` now; it runs at the next step.
    pub fn submit(&mut self, node: NodeId, command: &str) -> Result<RequestId, String> {
        self.scheduler.schedule_command(self.now(), node, command)
    }

    pub fn set_link(&mut self, from: NodeId, to: NodeId, state: LinkState) {
        self.scheduler.set_link(from, to, state);
    }

    /// Whether nothing is left to do but periodic timers (see [`Scheduler::is_quiet`]).
    pub fn is_quiet(&self) -> bool {
        self.scheduler.is_quiet()
    }

    /// Processes the next event with all its tasks; `false` when there is none.
    pub fn step(&mut self) -> bool {
        let Some(task) = self.scheduler.pop() else { return false };
        let node = &mut self.nodes[task.node];
        let ran = task.run_on(node, &mut self.outputs);
        self.scheduler.absorb(ran, &mut self.outputs);
        if self.scheduler.has_directives() {
            self.run_directives();
        }
        true
    }

    /// The node changes a fault asked for: part of the fault's event. Rare, so kept out of the
    /// hot path, and taken with `pop_directive`, not `pop`: a second call site of `pop` keeps it
    /// from being inlined into `step`, which cost 13% of the events per second.
    #[cold]
    #[inline(never)]
    fn run_directives(&mut self) {
        while let Some(task) = self.scheduler.pop_directive() {
            let node = &mut self.nodes[task.node];
            let ran = task.run_on(node, &mut self.outputs);
            self.scheduler.absorb(ran, &mut self.outputs);
        }
    }

    /// Processes every event due at or before `t`, then sets the clock to `t`.
    pub fn run_until(&mut self, t: Time) {
        while self.scheduler.next_due().is_some_and(|due| due <= t) {
            self.step();
        }
        self.scheduler.advance_to(t);
    }

    /// Runs until no command, message or timer is left but periodic timers.
    pub fn run_until_quiet(&mut self) {
        while !self.scheduler.is_quiet() {
            self.step();
        }
    }

    pub fn results(&self) -> &[ClientResult] {
        self.scheduler.results()
    }

    pub fn take_results(&mut self) -> std::vec::Drain<'_, ClientResult> {
        self.scheduler.take_results()
    }

    /// Records the history of client operations from now on (see [`History`]).
    pub fn record_history(&mut self) {
        self.scheduler.record_history();
    }

    /// Checks each operation as it completes from now on (see [`Scheduler::check_anomalies`]).
    pub fn check_anomalies(&mut self) {
        self.scheduler.check_anomalies();
    }

    pub fn anomalies(&self) -> Option<&Anomalies> {
        self.scheduler.anomalies()
    }

    /// The keys whose replicas disagree now (see [`divergent`]).
    pub fn divergent(&self) -> Vec<Divergence> {
        let stores: Vec<_> = self.nodes.iter().map(Node::store).collect();
        divergent(&stores, self.scheduler.replication_factor())
    }

    pub fn history(&self) -> Option<&History> {
        self.scheduler.history()
    }

    pub fn trace(&self) -> &Trace {
        self.scheduler.trace()
    }

    /// Indexes the trace by node and time from now on, as the page does for its diagram.
    pub fn index_density(&mut self) {
        self.scheduler.index_density();
    }

    /// When the next event is due, if any is queued.
    pub fn next_due(&mut self) -> Option<Time> {
        self.scheduler.next_due()
    }

    /// Keeps the trace's events from now on, or only counts and indexes them (see [`Trace::keep`]).
    pub fn keep_trace(&mut self, keep: bool) {
        self.scheduler.keep_trace(keep);
    }

    /// Drops the trace events recorded so far (see [`Trace::clear`]).
    pub fn clear_trace(&mut self) {
        self.scheduler.clear_trace();
    }
}
