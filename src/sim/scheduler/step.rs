//! What the scheduler hands a driver: the next thing one node must do.

use crate::model::types::{NodeId, Time};
use crate::node::{Input, Node, Output};

/// The next thing a node must do, as popped from the scheduler.
#[derive(Clone, Debug)]
pub struct Step {
    pub time: Time,
    pub node: NodeId,
    pub work: Work,
}

#[derive(Clone, Debug)]
pub enum Work {
    /// Handle an input.
    Input(Input),
    /// Nothing: the scheduler did the step itself (applied a fault, or answered a command that
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

impl Step {
    /// Has `node` (the node the step is for) do the step, appending its outputs to `out`. The
    /// one place every driver turns a step into node calls.
    pub fn run_on(self, node: &mut Node, out: &mut Vec<Output>) {
        match self.work {
            Work::Input(input) => node.handle(self.time, input, out),
            Work::Done => {}
            Work::Restart { keep_store } => node.restart(self.time, keep_store, out),
            Work::SetClockSkew(skew) => node.set_clock_skew(skew),
            Work::SetSkewSpread(spread) => node.set_skew_spread(spread),
            Work::SetHintedHandoff(on) => node.set_hinted_handoff(on),
            Work::SetAntiEntropy(period) => node.set_anti_entropy(self.time, period, out),
        }
    }
}
