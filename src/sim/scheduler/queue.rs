//! The scheduler's queue entries: messages on their way, ordered by `(due time, sequence
//! number)`, the sorted deques of actions and timers, and messages held on a link.

use crate::model::message::{Message, RequestId};
use crate::model::types::{NodeId, Time};
use crate::node::Timer;
use crate::sim::fault::Fault;
use std::cmp::Ordering;
use std::collections::VecDeque;
use std::rc::Rc;

/// A command or fault waiting for its time.
#[derive(Clone, Debug)]
pub(super) struct PendingAction {
    pub at: Time,
    pub seq: u64,
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
    pub seq: u64,
    pub node: NodeId,
    pub timer: Timer,
}

/// A message held on a link until the link is set up again.
#[derive(Clone, Debug)]
pub(super) struct Held {
    pub from: NodeId,
    pub to: NodeId,
    pub msg: Message,
    pub sent: Time,
}

/// A message on its way: due at `to` at the scheduled time.
#[derive(Clone, Debug)]
pub struct Deliver {
    pub from: NodeId,
    pub to: NodeId,
    pub msg: Message,
    pub sent: Time,
}

/// A queue entry: when a message is due, and where it waits in the message slab. Ordered so
/// that a max-heap pops the earliest due time first, and among equal due times the
/// one scheduled first. Kept small because the heap moves entries on every push and pop.
#[derive(Clone, Copy, Debug)]
pub struct QueueEntry {
    pub due: Time,
    pub seq: u64,
    pub(super) slot: u32,
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

/// Inserts `item` into a deque sorted by time, after the items due at the same time: O(1) when
/// times only grow, as they do for scripts and for timers of one fixed duration.
pub(super) fn insert_sorted<T>(deque: &mut VecDeque<T>, at: Time, item: T, time_of: impl Fn(&T) -> Time) {
    if deque.back().is_none_or(|last| time_of(last) <= at) {
        deque.push_back(item);
    } else {
        let pos = deque.partition_point(|x| time_of(x) <= at);
        deque.insert(pos, item);
    }
}
