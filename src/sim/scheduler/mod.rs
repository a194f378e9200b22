//! The discrete-event scheduler: the virtual clock, the queue of everything due (`queue.rs`), the
//! seeded network, the fault state (`faults.rs`, applied by `fault_effects.rs`), the request book
//! (`requests.rs`) and the trace. Each fault is traced as a `fault` event with its canonical line,
//! followed by what it caused (messages dropped, requests abandoned).
//!
//! It knows nothing of node internals: [`Scheduler::pop`] hands out the next [`Task`] (which
//! node gets which input), the driver runs it on that node, and [`Scheduler::absorb`] takes the
//! [`Ran`] it gave and the node's outputs back. The headless
//! [`crate::sim::simulation::Simulation`] and the page both drive it that way.
//!
//! An *event* is one item of the queue processed at its time: an action (a command or a fault),
//! a message delivered, or a timer. Most events are one task; a fault that changes nodes (a
//! restart, a clock skew, a switch) is followed by a task for each node it changes, due at
//! once and handed out before anything else ([`Scheduler::has_directives`]), so every driver
//! applies them at the same point of the run. Processing one event with all its tasks is a
//! *step*.

mod fault_effects;
mod faults;
mod queue;
mod requests;
mod task;

pub use faults::{FaultReport, LinkFault};
pub use queue::{Deliver, InFlight};
pub use task::{Ran, Task, Work};

use faults::{FaultState, Held};
use queue::{Pending, PendingAction, Queue, Source};
use requests::RequestBook;

use crate::model::command::Command;
use crate::model::config::Config;
use crate::model::message::{Message, RequestId};
use crate::model::outcome::{ClientResult, Outcome};
use crate::model::types::{NodeId, Time};
use crate::node::{Input, Output, Timer};
use crate::sim::action::{Action, TimedAction};
use crate::sim::anomalies::Anomalies;
use crate::sim::history::History;
use crate::sim::network::{LinkState, Network};
use crate::sim::trace::SEND_DUPLICATE;
use crate::sim::trace::{EventRef, Text, Trace, TraceKind, DROP_LINK_CUT, DROP_LOSS, DROP_NODE_DOWN};
use std::rc::Rc;

#[derive(Clone, Debug)]
pub struct Scheduler {
    now: Time,
    queue: Queue,
    network: Network,
    faults: FaultState,
    requests: RequestBook,
    trace: Trace,
    /// The client operations, when asked for ([`Scheduler::record_history`]).
    history: Option<History>,
    /// The anomalies found so far, when checks are on ([`Scheduler::check_anomalies`]).
    anomalies: Option<Anomalies>,
    /// The config's, for the checks' explanations.
    replication_factor: usize,
    /// Events processed so far.
    processed: u64,
}

impl Scheduler {
    pub fn new(config: &Config, seed: u64, record_trace: bool) -> Scheduler {
        Scheduler {
            now: 0,
            queue: Queue::default(),
            network: Network::new(config, seed),
            faults: FaultState::new(config),
            requests: RequestBook::default(),
            trace: Trace::new(record_trace),
            history: None,
            anomalies: None,
            replication_factor: config.replication_factor(),
            processed: 0,
        }
    }

    /// A copy to drive on later (the page's checkpoints): the same run as this one, without the
    /// request deadlines that can no longer fire.
    pub fn snapshot(&self) -> Scheduler {
        let requests = &self.requests;
        Scheduler {
            now: self.now,
            queue: self.queue.copy_live(|timer| Self::is_live(requests, timer)),
            network: self.network.clone(),
            faults: self.faults.clone(),
            requests: self.requests.clone(),
            trace: self.trace.clone(),
            history: self.history.clone(),
            anomalies: self.anomalies.clone(),
            replication_factor: self.replication_factor,
            processed: self.processed,
        }
    }

    /// Records the history of client operations from now on (see [`History`]).
    pub fn record_history(&mut self) {
        let nodes = self.nodes();
        self.history.get_or_insert_with(|| History::new(nodes));
    }

    /// Checks each operation as it completes from now on (recording the history too), tracing
    /// what it finds as `anomaly` events (see [`Anomalies`]).
    pub fn check_anomalies(&mut self) {
        self.record_history();
        let rf = self.replication_factor;
        self.anomalies.get_or_insert_with(|| Anomalies::new(rf));
    }

    /// From now on records only the trace: no history of operations, no checks, no density
    /// index. The trace is the same, but for the checks' `anomaly` events, which its exports leave
    /// out: for a copy replayed only to read its trace (the page's exports of a long run).
    pub fn trace_only(&mut self) {
        self.history = None;
        self.anomalies = None;
        self.trace.stop_density();
    }

    /// The anomalies found so far, if checks are on.
    pub fn anomalies(&self) -> Option<&Anomalies> {
        self.anomalies.as_ref()
    }

    /// The history of client operations, if it is recorded.
    pub fn history(&self) -> Option<&History> {
        self.history.as_ref()
    }

    pub fn now(&self) -> Time {
        self.now
    }

    pub fn nodes(&self) -> usize {
        self.network.nodes()
    }

    pub fn replication_factor(&self) -> usize {
        self.replication_factor
    }

    /// The first time from `at` on at which no message or timer is queued. An action given live
    /// at a time an event already waits for would run after that event (it was queued first),
    /// where a replay of the run, or kvsim, schedules the action before the event and runs it
    /// first: the page gives live actions such a time, so both agree.
    pub fn free_time_from(&self, at: Time) -> Time {
        (at..).find(|&t| !self.queue.has_event_at(t)).expect("a run has fewer events than microseconds")
    }

    /// Schedules an action at its time (or now, if that is in the past). A command gets the
    /// request id its results will carry; a fault gets `None`.
    pub fn schedule(&mut self, action: TimedAction) -> Result<Option<RequestId>, String> {
        let TimedAction { at, action } = action;
        let at = at.max(self.now);
        let (what, id) = match action {
            Action::Command { node, command } => {
                self.check_node(node)?;
                let id = self.requests.new_id();
                (Pending::Command { id, node, text: Rc::from(command.trim()) }, Some(id))
            }
            Action::Fault(fault) => {
                self.check_fault(&fault)?;
                (Pending::Fault(fault), None)
            }
        };
        self.queue.push_action(at, what);
        Ok(id)
    }

    /// Schedules `text` to be typed on `node` at `at` (or now, if `at` is in the past) and
    /// returns the id its results will carry.
    pub fn schedule_command(&mut self, at: Time, node: NodeId, text: &str) -> Result<RequestId, String> {
        let command = Action::Command { node, command: text.to_string() };
        self.schedule(TimedAction { at, action: command })?.ok_or_else(|| "a command always gets a request id".into())
    }

    fn check_node(&self, node: NodeId) -> Result<(), String> {
        if node < self.nodes() {
            Ok(())
        } else {
            Err(format!("there is no node {node}: nodes are numbered 0 to {}", self.nodes() - 1))
        }
    }

    /// Whether tasks of the last event (node changes a fault asked for) are still to be handed
    /// out: [`Scheduler::pop`] hands them out first, and a step takes them with their event.
    pub fn has_directives(&self) -> bool {
        self.faults.has_directives()
    }

    /// The next task of the last event's node changes, if any: what [`Scheduler::pop`] hands
    /// out first, for a driver that finishes an event before anything else.
    pub(crate) fn pop_directive(&mut self) -> Option<Task> {
        self.faults.next_directive()
    }

    /// Whether a timer still has something to do: a request's deadline is moot once the request
    /// has ended. Checking the open requests spares a set of cancelled timers.
    fn is_live(requests: &RequestBook, timer: Timer) -> bool {
        match timer {
            Timer::RequestTimeout { id } => requests.is_open(id),
            Timer::HintRetry { .. } | Timer::AntiEntropy { .. } => true,
        }
    }

    /// Due time of the next event, if any.
    pub fn next_due(&mut self) -> Option<Time> {
        if self.has_directives() {
            return Some(self.now);
        }
        let requests = &self.requests;
        self.queue.next(|timer| Self::is_live(requests, timer)).map(|(due, _)| due)
    }

    /// Whether nothing is left to do but background work: no action waiting, no message in
    /// flight but anti-entropy's, and no timer but periodic ones (anti-entropy rounds), which
    /// never run out.
    pub fn is_quiet(&self) -> bool {
        let requests = &self.requests;
        !self.has_directives() && self.queue.is_quiet(|timer| Self::is_live(requests, timer))
    }

    /// Advances the clock to `t` without processing anything due after it.
    pub fn advance_to(&mut self, t: Time) {
        self.now = self.now.max(t);
    }

    /// Takes the next task and advances the clock to it. A command that does not parse (or is
    /// typed on a node that is down) is answered with an error result here, a fault is applied
    /// here, and a message to a node that is down is dropped here: those events come out as
    /// `Work::Done` tasks, one event each, like any other.
    pub fn pop(&mut self) -> Option<Task> {
        if let Some(directive) = self.pop_directive() {
            return Some(directive);
        }
        let requests = &self.requests;
        let (due, source) = self.queue.next(|timer| Self::is_live(requests, timer))?;
        self.processed += 1;
        self.now = due;
        match source {
            // A fault, or a command that fails at once, is a whole event done here: the
            // driver gets `Work::Done`, so a caller stepping up to a time never runs past it.
            Source::Action => {
                let PendingAction { at, what, .. } = self.queue.pop_action()?;
                Some(match what {
                    Pending::Command { id, node, text } => self.start_command(at, id, node, text),
                    Pending::Fault(fault) => {
                        let node = fault.node().unwrap_or(0);
                        self.apply_fault(fault);
                        Task::new(at, node, Work::Done)
                    }
                })
            }
            Source::Timer => {
                let t = self.queue.pop_timer()?;
                let mut task = Task::new(due, t.node, Work::Input(Input::Timer(t.timer)));
                if let Timer::RequestTimeout { id } = t.timer {
                    task.expires = Some(id);
                }
                Some(task)
            }
            Source::Message => {
                let Deliver { from, to, msg, sent } = self.queue.pop_message()?;
                if self.faults.is_down(to) {
                    self.trace.record(|| EventRef {
                        text: Some(Text::Str(DROP_NODE_DOWN)),
                        ..EventRef::message(due, TraceKind::Drop, from, to, &msg, sent, Some(due))
                    });
                    return Some(Task::new(due, to, Work::Done));
                }
                self.trace.record(|| EventRef::message(due, TraceKind::Deliver, from, to, &msg, sent, Some(due)));
                Some(Task::new(due, to, Work::Input(Input::Deliver { from, msg })))
            }
        }
    }

    fn start_command(&mut self, at: Time, id: RequestId, node: NodeId, text: Rc<str>) -> Task {
        self.trace.record(|| EventRef {
            node: Some(node),
            request: Some(id),
            text: Some(Text::Str(&text)),
            ..EventRef::new(at, TraceKind::Command)
        });
        if self.faults.is_down(node) {
            if let Ok(command) = Command::parse(&text) {
                self.record_invocation(at, node, id, &command, true);
            }
            self.push_result(node, Some(id), text, Outcome::Failed { error: format!("node {node} is down") });
            return Task::new(at, node, Work::Done);
        }
        match Command::parse(&text) {
            Ok(command) => {
                self.record_invocation(at, node, id, &command, false);
                self.requests.open(id, node, text);
                Task::new(at, node, Work::Input(Input::Client { id, command }))
            }
            Err(e) => {
                self.push_result(node, Some(id), text, Outcome::Failed { error: e.to_string() });
                Task::new(at, node, Work::Done)
            }
        }
    }

    /// Adds a command to the history, if it is recorded, and to the checks, if they are on.
    fn record_invocation(&mut self, at: Time, node: NodeId, id: RequestId, command: &Command, node_down: bool) {
        let Some(history) = &mut self.history else { return };
        if let (Some(index), Some(anomalies)) = (history.invoke(at, node, id, command, node_down), &mut self.anomalies)
        {
            anomalies.invoked(&history.operation(index).expect("just recorded"));
        }
    }

    /// Takes the outputs a node produced for the task that gave `ran`.
    pub fn absorb(&mut self, ran: Ran, outputs: &mut Vec<Output>) {
        let (node, now) = (ran.node, self.now);
        if let (Some(id), false) = (ran.expires, outputs.is_empty()) {
            self.trace.record(|| EventRef {
                node: Some(node),
                request: Some(id),
                ..EventRef::new(now, TraceKind::Timeout)
            });
        }
        for output in outputs.drain(..) {
            match output {
                Output::Send { to, msg } => self.send(node, to, msg, now),
                Output::Reply { id, outcome } => {
                    let text = self.requests.answer(id);
                    self.push_result(node, Some(id), text, outcome);
                }
                // A node that is down has no timers; it sets them again when it restarts.
                Output::SetTimer { .. } if self.faults.is_down(node) => {}
                Output::SetTimer { at, timer } => self.queue.push_timer(at, node, timer),
                Output::Finished { id } => self.requests.close(id),
                Output::StoreChanged { key, entry } => self.trace.record(|| EventRef {
                    node: Some(node),
                    value: entry.as_ref().and_then(|e| e.value.as_deref()),
                    version: entry.as_ref().map(|e| e.version),
                    key: Some(&key),
                    ..EventRef::new(now, TraceKind::Store)
                }),
            }
        }
        if let Some(id) = ran.expires {
            self.requests.close(id);
        }
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: Message, now: Time) {
        match self.network.link(from, to) {
            LinkState::Up if self.network.is_lost(from, to) => self.trace_drop(now, from, to, &msg, now, DROP_LOSS),
            LinkState::Up => {
                let due = now + self.network.sample_delay(from, to);
                self.trace.record(|| EventRef::message(now, TraceKind::Send, from, to, &msg, now, Some(due)));
                if self.network.is_duplicated(from, to) {
                    let due = now + self.network.sample_delay(from, to);
                    self.trace.record(|| EventRef {
                        text: Some(Text::Str(SEND_DUPLICATE)),
                        ..EventRef::message(now, TraceKind::Send, from, to, &msg, now, Some(due))
                    });
                    self.queue.push_message(due, Deliver { from, to, msg: msg.clone(), sent: now });
                }
                self.queue.push_message(due, Deliver { from, to, msg, sent: now });
            }
            LinkState::Hold => {
                self.trace.record(|| EventRef::message(now, TraceKind::Hold, from, to, &msg, now, None));
                self.faults.hold(Held { from, to, msg, sent: now });
            }
            LinkState::Drop => self.trace_drop(now, from, to, &msg, now, DROP_LINK_CUT),
        }
    }

    fn trace_drop(&mut self, now: Time, from: NodeId, to: NodeId, msg: &Message, sent: Time, reason: &str) {
        self.trace.record(|| EventRef {
            text: Some(Text::Str(reason)),
            ..EventRef::message(now, TraceKind::Drop, from, to, msg, sent, None)
        });
    }

    fn push_result(&mut self, node: NodeId, request: Option<RequestId>, command: Rc<str>, outcome: Outcome) {
        let time = self.now;
        self.trace.record(|| EventRef {
            node: Some(node),
            request,
            text: Some(Text::Reply(&outcome)),
            ..EventRef::new(time, TraceKind::Reply)
        });
        if let (Some(history), Some(id)) = (&mut self.history, request) {
            let index = history.complete(time, id, &outcome);
            if let (Some(anomalies), Some(index)) = (&mut self.anomalies, index) {
                for anomaly in anomalies.completed(history, index, &outcome) {
                    let text =
                        self.trace.is_keeping().then(|| format!("{}: {}", anomaly.kind.name(), anomaly.explanation));
                    self.trace.record(|| EventRef {
                        node: Some(anomaly.process),
                        request: Some(anomaly.request),
                        key: Some(&anomaly.key),
                        text: text.as_deref().map(Text::Str),
                        ..EventRef::new(time, TraceKind::Anomaly)
                    });
                }
            }
        }
        self.requests.push_result(ClientResult { time, node, request, command, outcome });
    }

    /// Messages in flight (queued for delivery), in queue order.
    pub fn in_flight(&self) -> impl Iterator<Item = InFlight<'_>> {
        self.queue.in_flight()
    }

    pub fn results(&self) -> &[ClientResult] {
        self.requests.results()
    }

    /// Removes and returns the results gathered so far (the buffer is kept for the next ones).
    pub fn take_results(&mut self) -> std::vec::Drain<'_, ClientResult> {
        self.requests.take_results()
    }

    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Indexes the trace by node and time from now on (see [`Trace::index_density`]): the
    /// page's diagram draws a long run zoomed out from it.
    pub fn index_density(&mut self) {
        let lanes = self.nodes();
        self.trace.index_density(lanes);
    }

    pub fn clear_trace(&mut self) {
        self.trace.clear();
    }

    /// Keeps the trace's events from now on, or only counts them (see [`Trace::keep`]).
    pub fn keep_trace(&mut self, keep: bool) {
        self.trace.keep(keep);
    }

    /// Events processed so far: deliveries, actions, and timers that were not cancelled.
    pub fn processed(&self) -> u64 {
        self.processed
    }
}

#[cfg(test)]
mod tests;
