//! Malformed input of every kind: configs, command lines and script lines. Each gets an error
//! that names the problem (for configs, the field), a malformed command run on a cluster yields
//! an `Outcome::Failed` result and changes nothing, and nothing panics, whatever the bytes.

use kvplayground::model::command::{Command, Level, MAX_KEY_BYTES, MAX_VALUE_BYTES, USAGE};
use kvplayground::model::config::MAX_NODES;
use kvplayground::model::outcome::Outcome;
use kvplayground::sim::action::Action;
use kvplayground::sim::script::ScriptLine;
use kvplayground::sim::trace::TraceKind;
use kvplayground::{sim::script, Config, Key, NodeId, Simulation, Time};
use proptest::prelude::*;

fn matrix(n: usize, delay: f64) -> String {
    serde_json::to_string(&vec![vec![delay; n]; n]).unwrap()
}

fn addresses(n: usize) -> String {
    serde_json::to_string(&(0..n).map(|i| format!("host{i}:15000")).collect::<Vec<_>>()).unwrap()
}

/// A valid config of `n` nodes with `extra` fields added (`extra` starts with a comma or is empty).
fn with(n: usize, extra: &str) -> String {
    format!(r#"{{"addresses": {}, "avg_delays": {}{extra}}}"#, addresses(n), matrix(n, 0.1))
}

fn short(text: &str) -> String {
    let s: String = text.chars().take(80).collect();
    if s.len() < text.len() {
        format!("{s:?}... ({} bytes)", text.len())
    } else {
        format!("{s:?}")
    }
}

fn stores(sim: &Simulation) -> Vec<Vec<(Key, kvplayground::Entry)>> {
    sim.nodes().iter().map(|n| n.store().sorted()).collect()
}

fn cluster() -> Simulation {
    let config = Config::from_json(&with(4, "")).unwrap();
    let mut sim = Simulation::new(&config, 3);
    for (i, key) in ["5", "k", "ключ", "🔑"].iter().enumerate() {
        sim.schedule(0, i, &format!("insert {key} v{i} ALL")).unwrap();
    }
    sim.schedule(0, 0, "delete 5 ALL").unwrap();
    sim.run_until_quiet();
    sim
}

mod commands;
mod configs;
mod no_panic;
mod scripts;
