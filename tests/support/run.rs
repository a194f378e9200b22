//! Running and reading a simulation: a line applied now, what a node stores, the trace's events
//! and sends, a request's results.

use kvplayground::model::message::{MessageKind, RequestId};
use kvplayground::model::outcome::ClientResult;
use kvplayground::sim::action::{Action, TimedAction};
use kvplayground::sim::trace::{TraceEvent, TraceKind};
use kvplayground::{Entry, NodeId, Simulation};

/// Schedules a fault or switch line (`hints off`, `anti-entropy 1000`) now and applies it.
pub fn apply_now(sim: &mut Simulation, line: &str) {
    let action = Action::parse(line, sim.nodes().len()).unwrap_or_else(|e| panic!("{line}: {e}"));
    sim.schedule_action(TimedAction { at: sim.now(), action }).unwrap();
    sim.run_until(sim.now());
}

/// What `node` stores for `key`: a value or a tombstone.
pub fn entry(sim: &Simulation, node: NodeId, key: &str) -> Option<Entry> {
    sim.nodes()[node].store().get(key).cloned()
}

/// The value `node` stores for `key` (none for a tombstone).
pub fn value(sim: &Simulation, node: NodeId, key: &str) -> Option<String> {
    entry(sim, node, key).and_then(|e| e.value.map(|v| v.to_string()))
}

/// The trace's events of one kind, in order.
pub fn events(sim: &Simulation, kind: TraceKind) -> Vec<TraceEvent> {
    sim.trace().events().filter(|e| e.kind == kind).collect()
}

/// The sends of messages of kind `msg`, in order.
pub fn sends(sim: &Simulation, msg: MessageKind) -> Vec<TraceEvent> {
    sim.trace().events().filter(|e| e.kind == TraceKind::Send && e.msg == Some(msg)).collect()
}

/// Every result of request `id`, in order.
pub fn results_of(sim: &Simulation, id: RequestId) -> Vec<&ClientResult> {
    sim.results().iter().filter(|r| r.request == Some(id)).collect()
}
