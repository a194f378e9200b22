//! What the scheduler hands a driver, and what the driver hands back: a [`Task`] is the next
//! thing one node must do; running it gives a [`Ran`], which goes back to
//! [`super::Scheduler::absorb`] with the node's outputs.

use crate::model::message::RequestId;
use crate::model::types::{NodeId, Time};
use crate::node::{Input, Node, Output};

/// The next thing a node must do, as popped from the scheduler.
#[derive(Clone, Debug)]
pub struct Task {
    pub time: Time,
    pub node: NodeId,
    pub work: Work,
    /// The request whose deadline this task is: it closes once the outputs are absorbed.
    pub(super) expires: Option<RequestId>,
}

#[derive(Clone, Debug)]
pub enum Work {
    /// Handle an input.
    Input(Input),
    /// Nothing: the scheduler did the work itself (applied a fault, or answered a command that
    /// failed at once).
    Done,
    /// Come back after a crash, with the store kept or lost.
    Restart { keep_store: bool },
    /// Set the clock skew, in microseconds.
    SetClockSkew(i64),
    /// The widest spread of the cluster's clocks so far grew to this many microseconds.
    SetSkewSpread(Time),
    /// Switch hinted handoff.
    SetHintedHandoff(bool),
    /// Switch anti-entropy: a round every this many microseconds, or off.
    SetAntiEntropy(Option<Time>),
}

/// A task that ran: whose outputs the scheduler absorbs next, and the request whose deadline it
/// was, if any.
#[derive(Clone, Copy, Debug)]
pub struct Ran {
    pub node: NodeId,
    pub(super) expires: Option<RequestId>,
}

impl Ran {
    /// The outputs of [`Node::start`], which no task asked for.
    pub fn start(node: NodeId) -> Ran {
        Ran { node, expires: None }
    }
}

impl Task {
    pub(super) fn new(time: Time, node: NodeId, work: Work) -> Task {
        Task { time, node, work, expires: None }
    }

    /// Has `node` (the node the task is for) do the task, appending its outputs to `out`. The
    /// one place every driver turns a task into node calls.
    pub fn run_on(self, node: &mut Node, out: &mut Vec<Output>) -> Ran {
        match self.work {
            Work::Input(input) => node.handle(self.time, input, out),
            Work::Done => {}
            Work::Restart { keep_store } => node.restart(self.time, keep_store, out),
            Work::SetClockSkew(skew) => node.set_clock_skew(skew),
            Work::SetSkewSpread(spread) => node.set_skew_spread(spread),
            Work::SetHintedHandoff(on) => node.set_hinted_handoff(on),
            Work::SetAntiEntropy(period) => node.set_anti_entropy(self.time, period, out),
        }
        Ran { node: self.node, expires: self.expires }
    }
}
