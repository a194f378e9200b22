//! The scheduler's queue: messages on their way in a heap ordered by `(due time, sequence
//! number)`, and commands, faults and timers in deques sorted the same way. It hands out the
//! earliest of them; what each one does is the scheduler's business.

use crate::model::message::{Message, RequestId};
use crate::model::types::{NodeId, Time};
use crate::node::Timer;
use crate::sim::fault::Fault;
use dary_heap::QuaternaryHeap;
use std::cmp::Ordering;
use std::collections::VecDeque;
use std::rc::Rc;

/// Where the next event comes from.
#[derive(Clone, Copy, Debug)]
pub(super) enum Source {
    Message,
    Action,
    Timer,
}

/// A command or fault waiting for its time.
#[derive(Clone, Debug)]
pub(super) struct PendingAction {
    pub at: Time,
    seq: u64,
    pub what: Pending,
}

#[derive(Clone, Debug)]
pub(super) enum Pending {
    Command { id: RequestId, node: NodeId, text: Rc<str> },
    Fault(Fault),
}

/// A timer waiting for its time.
#[derive(Clone, Copy, Debug)]
pub(super) struct PendingTimer {
    pub at: Time,
    seq: u64,
    pub node: NodeId,
    pub timer: Timer,
}

/// A message on its way: due at `to` at the scheduled time.
#[derive(Clone, Debug)]
pub struct Deliver {
    pub from: NodeId,
    pub to: NodeId,
    pub msg: Message,
    pub sent: Time,
}

/// A heap entry: when a message is due, and where it waits in the message slab. Ordered so
/// that a max-heap pops the earliest due time first, and among equal due times the
/// one scheduled first. Kept small because the heap moves entries on every push and pop.
#[derive(Clone, Copy, Debug)]
struct QueueEntry {
    due: Time,
    seq: u64,
    slot: u32,
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

#[derive(Clone, Debug, Default)]
pub(super) struct Queue {
    seq: u64,
    /// Messages in flight. Four children per node halve the heap's depth: fewer cache lines
    /// touched per pop than a binary heap (about 7% more events/s on the standard workload).
    messages: QuaternaryHeap<QueueEntry>,
    /// The messages the heap entries point at; freed slots are reused.
    slab: Vec<Option<Deliver>>,
    free_slots: Vec<u32>,
    /// Client commands and faults, kept apart from the heap so a long script does not deepen it.
    actions: VecDeque<PendingAction>,
    /// Request deadlines all have the same duration, so they arrive in order; most are moot by
    /// then (their request finished) and are skipped without counting as events.
    timers: VecDeque<PendingTimer>,
    /// Anti-entropy messages in the heap: background traffic that does not keep a run from
    /// being quiet.
    background: usize,
}

impl Queue {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub fn push_action(&mut self, at: Time, what: Pending) {
        let seq = self.next_seq();
        insert_sorted(&mut self.actions, at, PendingAction { at, seq, what }, |a| a.at);
    }

    pub fn push_timer(&mut self, at: Time, node: NodeId, timer: Timer) {
        let seq = self.next_seq();
        insert_sorted(&mut self.timers, at, PendingTimer { at, seq, node, timer }, |t| t.at);
    }

    /// Whether a message or a timer (moot or not) is queued for `at`.
    pub fn has_event_at(&self, at: Time) -> bool {
        self.timers.binary_search_by_key(&at, |t| t.at).is_ok() || self.messages.iter().any(|e| e.due == at)
    }

    pub fn push_message(&mut self, due: Time, delivery: Deliver) {
        self.background += usize::from(delivery.msg.kind().is_anti_entropy());
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
        self.messages.push(QueueEntry { due, seq, slot });
    }

    /// The earliest source by `(due, seq)`. Timers `is_live` turns down are dropped when they
    /// would come first; until then they wait unchecked, which spares a lookup per event.
    pub fn next(&mut self, is_live: impl Fn(Timer) -> bool) -> Option<(Time, Source)> {
        let mut best: Option<(Time, u64, Source)> = self.messages.peek().map(|e| (e.due, e.seq, Source::Message));
        if let Some(a) = self.actions.front() {
            if best.is_none_or(|(due, seq, _)| (a.at, a.seq) < (due, seq)) {
                best = Some((a.at, a.seq, Source::Action));
            }
        }
        while let Some(t) = self.timers.front() {
            if best.is_some_and(|(due, seq, _)| (due, seq) < (t.at, t.seq)) {
                break;
            }
            if is_live(t.timer) {
                best = Some((t.at, t.seq, Source::Timer));
                break;
            }
            self.timers.pop_front();
        }
        best.map(|(due, _, source)| (due, source))
    }

    pub fn pop_action(&mut self) -> Option<PendingAction> {
        self.actions.pop_front()
    }

    pub fn pop_timer(&mut self) -> Option<PendingTimer> {
        self.timers.pop_front()
    }

    pub fn pop_message(&mut self) -> Option<Deliver> {
        let entry = self.messages.pop()?;
        self.free_slots.push(entry.slot);
        let delivery = self.slab[entry.slot as usize].take()?;
        self.background -= usize::from(delivery.msg.kind().is_anti_entropy());
        Some(delivery)
    }

    /// A copy without the timers `is_live` turns down, which would only be skipped: the page's
    /// checkpoints copy the queue, and most request deadlines outlive their request (a second's
    /// worth of them at 5,000 operations/s, about 150 KB a copy).
    pub fn copy_live(&self, is_live: impl Fn(Timer) -> bool) -> Queue {
        Queue {
            seq: self.seq,
            messages: self.messages.clone(),
            slab: self.slab.clone(),
            free_slots: self.free_slots.clone(),
            actions: self.actions.clone(),
            timers: self.timers.iter().filter(|t| is_live(t.timer)).copied().collect(),
            background: self.background,
        }
    }

    /// Timers waiting, live or not.
    #[cfg(test)]
    pub fn timers(&self) -> usize {
        self.timers.len()
    }

    /// A crashed node's timers are gone.
    pub fn drop_timers_of(&mut self, node: NodeId) {
        self.timers.retain(|t| t.node != node);
    }

    /// Whether nothing is left but background work: no action waiting, no message in flight
    /// but anti-entropy's, and no timer `is_live` keeps but periodic ones, which never run out.
    pub fn is_quiet(&self, is_live: impl Fn(Timer) -> bool) -> bool {
        self.actions.is_empty()
            && self.messages.len() == self.background
            && self.timers.iter().all(|t| t.timer.is_periodic() || !is_live(t.timer))
    }

    /// Messages in flight, in heap order.
    pub fn in_flight(&self) -> impl Iterator<Item = InFlight<'_>> {
        self.messages.iter().filter_map(|e| {
            self.slab[e.slot as usize].as_ref().map(|delivery| InFlight { due: e.due, seq: e.seq, delivery })
        })
    }
}

/// Inserts `item` into a deque sorted by time, after the items due at the same time: O(1) when
/// times only grow, as they do for scripts and for timers of one fixed duration.
fn insert_sorted<T>(deque: &mut VecDeque<T>, at: Time, item: T, time_of: impl Fn(&T) -> Time) {
    if deque.back().is_none_or(|last| time_of(last) <= at) {
        deque.push_back(item);
    } else {
        let pos = deque.partition_point(|x| time_of(x) <= at);
        deque.insert(pos, item);
    }
}
