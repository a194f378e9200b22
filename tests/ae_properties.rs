//! Property tests for hinted handoff and anti-entropy over random clusters, writes and link
//! faults (proptest): once every link is up again, the hints are delivered and every node has
//! started a round with every peer (twice, for slack), all replicas of every key agree, with no
//! read; and the same input gives the same trace.
//!
//! Each generated `Case` carries its simulation seed, so proptest's report of a failing input
//! names it; assertion messages repeat it.

mod support;

use kvplayground::sim::network::LinkState;
use kvplayground::{Config, Simulation, Time};
use proptest::prelude::*;
use support::clusters::{clusters, Cluster};
use support::{MS, S};

/// Everything random happens before this; then every link is set up.
const HEAL: Time = 6 * S;
const PERIOD_S: Time = 1;
const KEYS: usize = 6;

#[derive(Clone, Debug)]
struct Case {
    /// RF up to 3, delays up to 300 ms.
    cluster: Cluster,
    hinted_handoff: bool,
    /// `(time_ms, node, command)`.
    writes: Vec<(u32, usize, String)>,
    /// `(from, to, start_ms, duration_ms, state)`: the link does `state` for that long.
    faults: Vec<(usize, usize, u32, u32, LinkState)>,
}

impl Case {
    fn config(&self) -> Config {
        self.cluster.config(serde_json::json!({
            "hinted_handoff": self.hinted_handoff,
            "anti_entropy_period_s": PERIOD_S,
            // Long enough that no tombstone ages out during the run.
            "tombstone_grace_s": 3600,
        }))
    }

    /// Runs the case to convergence and returns the simulation.
    fn run(&self) -> Simulation {
        let Cluster { n, seed, .. } = self.cluster;
        let mut sim = Simulation::new(&self.config(), seed);
        for (at, node, command) in &self.writes {
            sim.schedule(*at as Time * MS, *node, command).unwrap();
        }
        let mut changes: Vec<(Time, usize, usize, LinkState)> = Vec::new();
        for &(from, to, start, duration, state) in &self.faults {
            changes.push((start as Time * MS, from, to, state));
            changes.push(((start + duration) as Time * MS, from, to, LinkState::Up));
        }
        changes.sort_by_key(|c| c.0);
        for (at, from, to, state) in changes.into_iter().filter(|c| c.0 < HEAL) {
            sim.run_until(at);
            sim.set_link(from, to, state);
        }
        sim.run_until(HEAL);
        for from in 0..n {
            for to in 0..n {
                sim.set_link(from, to, LinkState::Up);
            }
        }
        // Hints are retried with a backoff; wait until every one is delivered.
        while sim.nodes().iter().any(|n| n.hint_count() > 0) && sim.now() < HEAL + 600 * S {
            sim.run_until(sim.now() + S);
        }
        // Two full cycles of rounds, plus time for the last round's four messages.
        sim.run_until(sim.now() + 2 * (n as Time - 1) * PERIOD_S * S + 3 * S);
        sim
    }
}

fn case() -> impl Strategy<Value = Case> {
    clusters(2..=6, 3, &["uniform", "constant"], 299).prop_flat_map(|cluster| {
        let n = cluster.n;
        let level = prop::sample::select(vec!["ONE", "QUORUM", "ALL"]);
        let write = (0u32..5000, 0..n, 0..3usize, 0..KEYS, level).prop_map(|(at, node, op, key, level)| {
            let command = match op {
                0 => format!("insert k{key} v{at} {level}"),
                1 => format!("update k{key} u{at} {level}"),
                _ => format!("delete k{key} {level}"),
            };
            (at, node, command)
        });
        let state = prop::sample::select(vec![LinkState::Drop, LinkState::Hold]);
        let fault = (0..n, 0..n, 0u32..5000, 0u32..4000, state);
        (Just(cluster), any::<bool>(), prop::collection::vec(write, 1..25), prop::collection::vec(fault, 0..8))
            .prop_map(|(cluster, hinted_handoff, writes, faults)| Case { cluster, hinted_handoff, writes, faults })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn after_links_heal_and_full_rounds_every_replica_of_every_key_agrees(case in case()) {
        let sim = case.run();
        let seed = case.cluster.seed;
        for key in (0..KEYS).map(|k| format!("k{k}")) {
            let replicas = case.cluster.replicas(&key);
            let first = sim.nodes()[replicas[0]].store().get(&key);
            for &r in &replicas {
                prop_assert_eq!(
                    sim.nodes()[r].store().get(&key), first,
                    "seed {}: {} on n{} differs from n{}", seed, key, r, replicas[0]
                );
            }
        }
        let trace = sim.trace().to_json_lines();
        prop_assert!(!trace.contains(r#""msg":"read""#), "seed {}: no read was needed", seed);
        prop_assert_eq!(&trace, &case.run().trace().to_json_lines(), "seed {}: same input, same trace", seed);
    }
}
