//! What travels between the scheduler and the nodes on the page: a [`Task`] popped from the
//! scheduler for one node, and the [`Outputs`] that node hands back.

use crate::node::Output;
use crate::sim::scheduler::{self, Ran};
use wasm_bindgen::prelude::*;

/// The next thing a node must do, popped from the scheduler; give it to that node's `handle`.
#[wasm_bindgen]
pub struct Task {
    task: scheduler::Task,
}

impl Task {
    pub(super) fn new(task: scheduler::Task) -> Task {
        Task { task }
    }

    pub(super) fn into_inner(self) -> scheduler::Task {
        self.task
    }
}

#[wasm_bindgen]
impl Task {
    /// The node the task is for.
    #[wasm_bindgen(getter)]
    pub fn node(&self) -> usize {
        self.task.node
    }

    /// Virtual time of the task, in microseconds.
    #[wasm_bindgen(getter)]
    pub fn time(&self) -> f64 {
        self.task.time as f64
    }
}

/// What a node produced for one task: messages to send, replies, timers. The page hands it to
/// [`super::KvScheduler::absorb`].
#[wasm_bindgen]
pub struct Outputs {
    pub(super) ran: Ran,
    pub(super) outputs: Vec<Output>,
}

impl Outputs {
    pub(super) fn of(ran: Ran, outputs: Vec<Output>) -> Outputs {
        Outputs { ran, outputs }
    }

    /// The outputs of `KvNode.start`, which no task asked for.
    pub(super) fn started(node: usize, outputs: Vec<Output>) -> Outputs {
        Outputs { ran: Ran::start(node), outputs }
    }
}

#[wasm_bindgen]
impl Outputs {
    /// The node that produced these outputs.
    #[wasm_bindgen(getter)]
    pub fn node(&self) -> usize {
        self.ran.node
    }
}
