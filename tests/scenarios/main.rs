//! Scenario tests that tell the original course project's stories on the deterministic core:
//! levels and when they answer, stale reads and read repair, deletes and tombstones, updates of
//! missing keys, timeouts, show-all and search, clock skew, and tombstone purging.
//!
//! Most scenarios use `"delay_distribution": "constant"`, so every message takes exactly its
//! link's average delay and every time below can be computed by hand from the matrix.

#[path = "../support/mod.rs"]
mod support;

use kvplayground::model::message::MessageKind;
use kvplayground::model::outcome::{ClientResult, Outcome, WriteOp};
use kvplayground::sim::network::LinkState;
use kvplayground::sim::trace::TraceKind;
use kvplayground::{Entry, NodeId, Simulation, Time};
use support::run::{entry, events, results_of, sends, value};
use support::{key_starting_at, parse_config, replicas, MS, S};

/// The one result of request `id` (a write, a search, a show-all, or a get without repair).
fn only_result(sim: &Simulation, id: u64) -> &ClientResult {
    let all = results_of(sim, id);
    assert_eq!(all.len(), 1, "request {id} has exactly one result: {all:#?}");
    all[0]
}

fn written(r: &ClientResult) -> (&Entry, &[NodeId], WriteOp) {
    match &r.outcome {
        Outcome::Written { entry, acked_by, op, .. } => (entry, acked_by, *op),
        other => panic!("expected a successful write, got {other:?} for {:?}", r.command),
    }
}

fn got(r: &ClientResult) -> (Option<&Entry>, &[NodeId]) {
    match &r.outcome {
        Outcome::Value { entry, heard_from, .. } => (entry.as_ref(), heard_from),
        other => panic!("expected a value, got {other:?} for {:?}", r.command),
    }
}

fn got_value(r: &ClientResult) -> Option<String> {
    got(r).0.and_then(|e| e.value.as_deref().map(String::from))
}

fn failed(r: &ClientResult) -> &str {
    match &r.outcome {
        Outcome::Failed { error } => error,
        other => panic!("expected a failure, got {other:?} for {:?}", r.command),
    }
}

/// Four nodes; n3 is the coordinator of the level scenarios and is 0.1 s from n0, 0.5 s from n1
/// and 1 s from n2 (both ways). Keys starting at n0 live on n0, n1, n2.
const FAN: &str = r#"{"addresses": ["a:1", "b:1", "c:1", "d:1"],
    "avg_delays": [[0, 0.2, 0.2, 0.1], [0.2, 0, 0.2, 0.5], [0.2, 0.2, 0, 1.0], [0.1, 0.5, 1.0, 0]],
    "delay_distribution": "constant"}"#;

/// The example's cluster with constant delays: n0 -> n2 is slow (3 s), n2 and n3 are close
/// (0.1 s). Keys starting at n0 live on n0, n1, n2.
const STORY: &str = r#"{"addresses": ["localhost:15000", "localhost:15001", "localhost:15002", "localhost:15003"],
    "avg_delays": [[0.0, 0.5, 3.0, 1.0], [0.5, 0.0, 0.5, 1.0], [3.0, 0.5, 0.0, 0.1], [1.0, 1.0, 0.1, 0.0]],
    "delay_distribution": "constant"}"#;

mod clocks;
mod levels;
mod queries;
mod reads;
mod writes;
