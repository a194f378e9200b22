//! Client scripts for the property tests of consistency: random operations on a few keys, and
//! running a script with the live anomaly checks on.

use super::clusters::{clusters, Cluster};
use super::MS;
use kvplayground::sim::action::TimedAction;
use kvplayground::sim::anomalies::Anomaly;
use kvplayground::{Config, Simulation, Time};
use proptest::prelude::*;

/// Random clusters of 3 to 5 nodes, constant or uniform delays up to 20 ms.
pub fn small_clusters() -> impl Strategy<Value = Cluster> {
    clusters(3..=5, 5, &["constant", "uniform"], 20)
}

/// One random operation: `(at_ms, node, key, op)` with op 0 get, 1 insert, 2 update, 3 delete.
pub type RandomOp = (u32, usize, usize, u8);

/// Up to 40 operations in the first 400 ms, typed on the `n` nodes, on three keys.
pub fn random_ops(n: usize) -> impl Strategy<Value = Vec<RandomOp>> {
    proptest::collection::vec((0..400u32, 0..n, 0..3usize, 0..4u8), 1..40)
}

/// The script lines of `ops`, every command at `level`; values are unique (`v3`, `u7`).
pub fn lines(ops: &[RandomOp], level: &str) -> Vec<(Time, String)> {
    ops.iter()
        .enumerate()
        .map(|(i, &(at, node, key, op))| {
            let command = match op {
                0 => format!("get k{key} {level}"),
                1 => format!("insert k{key} v{i} {level}"),
                2 => format!("update k{key} u{i} {level}"),
                _ => format!("delete k{key} {level}"),
            };
            (at as Time * MS, format!("{node} {command}"))
        })
        .collect()
}

/// Runs `script` (`(at, action line)`: `<node> <command>` or a fault) until quiet, with the
/// live checks on (so the history is recorded too).
pub fn checked_run<L: AsRef<str>>(config: &Config, seed: u64, script: &[(Time, L)]) -> Simulation {
    let mut sim = Simulation::new(config, seed);
    sim.check_anomalies();
    for (at, line) in script {
        let line = line.as_ref();
        let ms = *at as f64 / MS as f64;
        let action =
            TimedAction::parse(&format!("{ms} {line}"), config.len()).unwrap_or_else(|e| panic!("{line}: {e}"));
        sim.schedule_action(action).unwrap();
    }
    sim.run_until_quiet();
    sim
}

/// The anomalies found in a run with checks on.
pub fn anomalies(sim: &Simulation) -> Vec<&Anomaly> {
    sim.anomalies().expect("checks are on").found().iter().collect()
}
