//! The discrete-event scheduler: the virtual clock, the queue of envelopes ordered by
//! `(due time, sequence number)`, the network, and the record of results and trace events.
//!
//! It knows nothing of node internals: [`Scheduler::pop`] says which node gets which input next,
//! the driver hands that input to the node, and [`Scheduler::absorb`] takes the node's outputs
//! back. The headless [`crate::sim::Simulation`] and the browser page both drive it that way.

use crate::command::Command;
use crate::config::Config;
use crate::message::{Message, RequestId};
use crate::network::{LinkState, Network};
use crate::node::{Input, Output, Timer};
use crate::outcome::{ClientResult, Outcome};
use crate::trace::{Trace, TraceEvent, TraceKind};
use crate::types::{NodeId, Time};
use rustc_hash::{FxHashMap, FxHashSet};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::rc::Rc;

/// A message on its way: due at `to` at the scheduled time.
#[derive(Clone, Debug)]
pub struct Deliver {
    pub from: NodeId,
    pub to: NodeId,
    pub msg: Message,
    pub sent: Time,
}

/// A queue entry: when a message is due, and where it waits in the message slab. Ordered so
/// that `BinaryHeap` (a max-heap) pops the earliest due time first, and among equal due times the
/// one scheduled first. Kept small because the heap moves entries on every push and pop.
#[derive(Clone, Copy, Debug)]
pub struct QueueEntry {
    pub due: Time,
    pub seq: u64,
    slot: u32,
}

impl QueueEntry {
    pub fn new(due: Time, seq: u64, slot: u32) -> QueueEntry {
        QueueEntry { due, seq, slot }
    }
}

impl PartialEq for QueueEntry {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.seq) == (other.due, other.seq)
    }
}
impl Eq for QueueEntry {}
impl PartialOrd for QueueEntry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for QueueEntry {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.due, other.seq).cmp(&(self.due, self.seq))
    }
}

/// A message in flight, as drivers see it.
#[derive(Clone, Copy, Debug)]
pub struct InFlight<'a> {
    pub due: Time,
    /// Unique per message within a run.
    pub seq: u64,
    pub delivery: &'a Deliver,
}

/// A client command waiting for its time.
#[derive(Clone, Debug)]
struct PendingCommand {
    at: Time,
    seq: u64,
    id: RequestId,
    node: NodeId,
    text: Rc<str>,
}

/// A timer waiting for its time.
#[derive(Clone, Copy, Debug)]
struct PendingTimer {
    at: Time,
    seq: u64,
    node: NodeId,
    timer: Timer,
}

/// Where the next event comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Message,
    Command,
    Timer,
}

/// Inserts `item` into a deque sorted by time, after the items due at the same time: O(1) when
/// times only grow, as they do for scripts and for timers of one fixed duration.
fn insert_sorted<T>(deque: &mut VecDeque<T>, at: Time, item: T, time_of: impl Fn(&T) -> Time) {
    let pos = deque.partition_point(|x| time_of(x) <= at);
    deque.insert(pos, item);
}

/// The next input for a node, as popped from the scheduler.
#[derive(Clone, Debug)]
pub struct Step {
    pub time: Time,
    pub node: NodeId,
    pub input: Input,
}

/// A message held on a link until the link is set up again.
#[derive(Clone, Debug)]
struct Held {
    from: NodeId,
    to: NodeId,
    msg: Message,
    sent: Time,
}

#[derive(Clone, Debug)]
pub struct Scheduler {
    now: Time,
    seq: u64,
    queue: BinaryHeap<QueueEntry>,
    /// The messages the queue entries point at; freed slots are reused.
    slab: Vec<Option<Deliver>>,
    free_slots: Vec<u32>,
    /// Client commands, sorted by `(at, seq)`; kept apart from the queue so a long script does
    /// not deepen the heap.
    commands: VecDeque<PendingCommand>,
    /// Timers, sorted by `(at, seq)`. Request deadlines all have the same duration, so they
    /// arrive in order; most are cancelled, and are skipped without counting as events.
    timers: VecDeque<PendingTimer>,
    cancelled: FxHashSet<Timer>,
    network: Network,
    held: Vec<Held>,
    next_request: RequestId,
    /// Node and text of every request that may still produce results.
    requests: FxHashMap<RequestId, (NodeId, Rc<str>)>,
    /// A request that ends with the step just popped (its deadline passed, or it was a
    /// `show-all`), forgotten once the step's outputs are absorbed.
    ending: Option<RequestId>,
    /// Set with `ending` when the step is a deadline, to trace a timeout that did something.
    expiring: Option<RequestId>,
    results: Vec<ClientResult>,
    trace: Trace,
    processed: u64,
    /// Anti-entropy messages in the queue: background traffic that does not keep a run from
    /// being quiet.
    background_in_flight: usize,
}

impl Scheduler {
    pub fn new(config: &Config, seed: u64, record_trace: bool) -> Scheduler {
        Scheduler {
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            slab: Vec::new(),
            free_slots: Vec::new(),
            commands: VecDeque::new(),
            timers: VecDeque::new(),
            cancelled: FxHashSet::default(),
            network: Network::new(config, seed),
            held: Vec::new(),
            next_request: 0,
            requests: FxHashMap::default(),
            ending: None,
            expiring: None,
            results: Vec::new(),
            trace: Trace::new(record_trace),
            processed: 0,
            background_in_flight: 0,
        }
    }

    pub fn now(&self) -> Time {
        self.now
    }

    pub fn nodes(&self) -> usize {
        self.network.nodes()
    }

    /// Schedules `text` to be typed on `node` at `at` (or now, if `at` is in the past) and
    /// returns the id its results will carry.
    pub fn schedule_command(&mut self, at: Time, node: NodeId, text: &str) -> Result<RequestId, String> {
        if node >= self.nodes() {
            return Err(format!("there is no node {node}: nodes are numbered 0 to {}", self.nodes() - 1));
        }
        let at = at.max(self.now);
        let seq = self.next_seq();
        let id = self.next_request;
        self.next_request += 1;
        insert_sorted(&mut self.commands, at, PendingCommand { at, seq, id, node, text: Rc::from(text.trim()) }, |c| {
            c.at
        });
        Ok(id)
    }

    /// Due time of the next event, if any.
    pub fn next_due(&mut self) -> Option<Time> {
        self.next_source().map(|(due, _)| due)
    }

    /// Whether nothing is left to do but background work: no command waiting, no message in
    /// flight but anti-entropy's, and no timer but periodic ones (anti-entropy rounds), which
    /// never run out.
    pub fn is_quiet(&mut self) -> bool {
        self.commands.is_empty()
            && self.queue.len() == self.background_in_flight
            && self.timers.iter().all(|t| t.timer.is_periodic() || self.cancelled.contains(&t.timer))
    }

    /// The earliest of the three event sources, by `(due, seq)`, after dropping cancelled timers.
    fn next_source(&mut self) -> Option<(Time, Source)> {
        while let Some(t) = self.timers.front() {
            if !self.cancelled.remove(&t.timer) {
                break;
            }
            self.timers.pop_front();
        }
        let mut best: Option<(Time, u64, Source)> = self.queue.peek().map(|e| (e.due, e.seq, Source::Message));
        if let Some(c) = self.commands.front() {
            if best.is_none_or(|(due, seq, _)| (c.at, c.seq) < (due, seq)) {
                best = Some((c.at, c.seq, Source::Command));
            }
        }
        if let Some(t) = self.timers.front() {
            if best.is_none_or(|(due, seq, _)| (t.at, t.seq) < (due, seq)) {
                best = Some((t.at, t.seq, Source::Timer));
            }
        }
        best.map(|(due, _, source)| (due, source))
    }

    /// Advances the clock to `t` without processing anything due after it.
    pub fn advance_to(&mut self, t: Time) {
        self.now = self.now.max(t);
    }

    /// Takes the next event and advances the clock to it. A command that does not parse is
    /// answered with an error result here and the next event is taken instead.
    pub fn pop(&mut self) -> Option<Step> {
        loop {
            let (due, source) = self.next_source()?;
            self.processed += 1;
            self.now = due;
            match source {
                Source::Command => {
                    let c = self.commands.pop_front()?;
                    if let Some(step) = self.start_command(c) {
                        return Some(step);
                    }
                }
                Source::Timer => {
                    let t = self.timers.pop_front()?;
                    if let Timer::RequestTimeout { id } = t.timer {
                        self.ending = Some(id);
                        self.expiring = Some(id);
                    }
                    return Some(Step { time: due, node: t.node, input: Input::Timer(t.timer) });
                }
                Source::Message => {
                    let entry = self.queue.pop()?;
                    self.free_slots.push(entry.slot);
                    let Deliver { from, to, msg, sent } = self.slab[entry.slot as usize].take()?;
                    self.background_in_flight -= usize::from(msg.kind().is_anti_entropy());
                    self.trace.record(|| TraceEvent::message(due, TraceKind::Deliver, from, to, &msg, sent, Some(due)));
                    return Some(Step { time: due, node: to, input: Input::Deliver { from, msg } });
                }
            }
        }
    }

    fn start_command(&mut self, c: PendingCommand) -> Option<Step> {
        let id = c.id;
        self.trace.record(|| TraceEvent {
            node: Some(c.node),
            request: Some(id),
            text: Some(c.text.to_string()),
            ..TraceEvent::new(c.at, TraceKind::Command)
        });
        match Command::parse(&c.text) {
            Ok(command) => {
                if command == Command::ShowAll {
                    self.ending = Some(id);
                }
                self.requests.insert(id, (c.node, c.text));
                Some(Step { time: c.at, node: c.node, input: Input::Client { id, command } })
            }
            Err(e) => {
                self.push_result(c.node, Some(id), c.text, Outcome::Failed { error: e.to_string() });
                None
            }
        }
    }

    /// Takes the outputs `node` produced for the last popped step.
    pub fn absorb(&mut self, node: NodeId, outputs: &mut Vec<Output>) {
        let now = self.now;
        if let (Some(id), false) = (self.expiring.take(), outputs.is_empty()) {
            self.trace.record(|| TraceEvent {
                node: Some(node),
                request: Some(id),
                ..TraceEvent::new(now, TraceKind::Timeout)
            });
        }
        for output in outputs.drain(..) {
            match output {
                Output::Send { to, msg } => self.send(node, to, msg, now),
                Output::Reply { id, outcome } => {
                    let text = self.requests.get(&id).map(|(_, t)| t.clone()).unwrap_or_else(|| Rc::from(""));
                    self.push_result(node, Some(id), text, outcome);
                }
                Output::SetTimer { at, timer } => {
                    let seq = self.next_seq();
                    insert_sorted(&mut self.timers, at, PendingTimer { at, seq, node, timer }, |t| t.at);
                }
                Output::CancelTimer { timer } => {
                    // A request cancels its deadline after its last reply: nothing more will come.
                    if let Timer::RequestTimeout { id } = timer {
                        self.requests.remove(&id);
                    }
                    self.cancelled.insert(timer);
                }
                Output::StoreChanged { key, entry } => self.trace.record(|| TraceEvent {
                    node: Some(node),
                    value: entry.as_ref().and_then(|e| e.value.clone()),
                    version: entry.as_ref().map(|e| e.version),
                    key: Some(key),
                    ..TraceEvent::new(now, TraceKind::Store)
                }),
            }
        }
        if let Some(id) = self.ending.take() {
            self.requests.remove(&id);
        }
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: Message, now: Time) {
        match self.network.link(from, to) {
            LinkState::Up => {
                let due = now + self.network.sample_delay(from, to);
                self.trace.record(|| TraceEvent::message(now, TraceKind::Send, from, to, &msg, now, Some(due)));
                self.push(due, Deliver { from, to, msg, sent: now });
            }
            LinkState::Hold => {
                self.trace.record(|| TraceEvent::message(now, TraceKind::Hold, from, to, &msg, now, None));
                self.held.push(Held { from, to, msg, sent: now });
            }
            LinkState::Drop => {
                self.trace.record(|| TraceEvent::message(now, TraceKind::Drop, from, to, &msg, now, None))
            }
        }
    }

    /// Sets what the link `from -> to` does with new messages. Setting a holding link up
    /// releases what it held, each message with a fresh delay from now.
    pub fn set_link(&mut self, from: NodeId, to: NodeId, state: LinkState) {
        self.network.set_link(from, to, state);
        if state == LinkState::Hold {
            return;
        }
        let (release, keep): (Vec<_>, Vec<_>) = self.held.drain(..).partition(|h| h.from == from && h.to == to);
        self.held = keep;
        for h in release {
            if state == LinkState::Up {
                let due = self.now + self.network.sample_delay(from, to);
                let now = self.now;
                self.trace
                    .record(|| TraceEvent::message(now, TraceKind::Send, h.from, h.to, &h.msg, h.sent, Some(due)));
                self.push(due, Deliver { from: h.from, to: h.to, msg: h.msg, sent: h.sent });
            } else {
                let now = self.now;
                self.trace.record(|| TraceEvent::message(now, TraceKind::Drop, h.from, h.to, &h.msg, h.sent, None));
            }
        }
    }

    pub fn link(&self, from: NodeId, to: NodeId) -> LinkState {
        self.network.link(from, to)
    }

    fn push(&mut self, due: Time, delivery: Deliver) {
        self.background_in_flight += usize::from(delivery.msg.kind().is_anti_entropy());
        let seq = self.next_seq();
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                self.slab[slot as usize] = Some(delivery);
                slot
            }
            None => {
                self.slab.push(Some(delivery));
                (self.slab.len() - 1) as u32
            }
        };
        self.queue.push(QueueEntry { due, seq, slot });
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn push_result(&mut self, node: NodeId, request: Option<RequestId>, command: Rc<str>, outcome: Outcome) {
        let time = self.now;
        self.trace.record(|| TraceEvent {
            node: Some(node),
            request,
            text: Some(outcome.describe()),
            ..TraceEvent::new(time, TraceKind::Reply)
        });
        self.results.push(ClientResult { time, node, request, command, outcome });
    }

    /// Messages in flight (queued for delivery), in queue order.
    /// Messages waiting in the queue.
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    pub fn in_flight(&self) -> impl Iterator<Item = InFlight<'_>> {
        self.queue.iter().filter_map(|e| {
            self.slab[e.slot as usize].as_ref().map(|delivery| InFlight { due: e.due, seq: e.seq, delivery })
        })
    }

    pub fn results(&self) -> &[ClientResult] {
        &self.results
    }

    /// Removes and returns the results gathered so far.
    pub fn take_results(&mut self) -> Vec<ClientResult> {
        std::mem::take(&mut self.results)
    }

    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Events processed so far: deliveries, commands, and timers that were not cancelled.
    pub fn processed(&self) -> u64 {
        self.processed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::Node;

    const CONFIG: &str = r#"{"addresses": ["a", "b", "c"], "avg_delays": [[0, 1, 1], [1, 0, 1], [1, 1, 0]],
        "delay_distribution": "constant"}"#;

    /// Runs the scheduler with real nodes until quiet.
    fn drive(s: &mut Scheduler, nodes: &mut [Node]) {
        let mut out = Vec::new();
        while let Some(step) = s.pop() {
            nodes[step.node].handle(step.time, step.input, &mut out);
            s.absorb(step.node, &mut out);
        }
    }

    fn cluster() -> (Scheduler, Vec<Node>) {
        let config = Config::from_json(CONFIG).unwrap();
        (Scheduler::new(&config, 1, true), (0..3).map(|i| Node::new(i, &config)).collect())
    }

    #[test]
    fn commands_run_in_time_order_then_scheduling_order() {
        let (mut s, mut nodes) = cluster();
        let late = s.schedule_command(2_000_000, 0, "show-all").unwrap();
        let first = s.schedule_command(0, 1, "show-all").unwrap();
        let second = s.schedule_command(0, 2, "show-all").unwrap();
        drive(&mut s, &mut nodes);
        let order: Vec<_> = s.results().iter().map(|r| r.request.unwrap()).collect();
        assert_eq!(order, vec![first, second, late]);
        assert_eq!(s.now(), 2_000_000);
    }

    #[test]
    fn finished_requests_cancel_their_deadline_and_are_forgotten() {
        let (mut s, mut nodes) = cluster();
        s.schedule_command(0, 0, "insert k v ALL").unwrap();
        s.schedule_command(5_000_000, 0, "get k ALL").unwrap();
        drive(&mut s, &mut nodes);
        assert!(s.requests.is_empty(), "every request is forgotten once finished");
        // The run ends with the get's last reply (5 s + 2 hops), not at a deadline 8 s later.
        assert_eq!(s.now(), 7_000_000);
        assert!(s.trace().events().iter().all(|e| e.kind != TraceKind::Timeout));
    }

    #[test]
    fn held_messages_travel_when_the_link_comes_back_and_dropped_ones_never() {
        let (mut s, mut nodes) = cluster();
        s.set_link(0, 1, LinkState::Hold);
        s.set_link(0, 2, LinkState::Drop);
        s.schedule_command(0, 0, "insert k v ONE").unwrap();
        drive(&mut s, &mut nodes);
        let kinds = |kind| s.trace().events().iter().filter(|e| e.kind == kind).count();
        assert_eq!((kinds(TraceKind::Hold), kinds(TraceKind::Drop)), (1, 1));
        assert!(nodes[1].store().get("k").is_none());
        s.set_link(0, 1, LinkState::Up);
        drive(&mut s, &mut nodes);
        assert!(nodes[1].store().get("k").is_some(), "the held write arrives after the link is up");
        assert!(nodes[2].store().get("k").is_none(), "the dropped write never arrives");
    }

    #[test]
    fn a_bad_command_gets_an_error_result_and_the_next_event_runs() {
        let (mut s, mut nodes) = cluster();
        s.schedule_command(0, 0, "fetch k").unwrap();
        s.schedule_command(0, 1, "show-all").unwrap();
        assert!(s.schedule_command(0, 3, "show-all").unwrap_err().contains("no node 3"));
        drive(&mut s, &mut nodes);
        let ok: Vec<_> = s.results().iter().map(|r| r.outcome.is_ok()).collect();
        assert_eq!(ok, vec![false, true]);
    }
}
