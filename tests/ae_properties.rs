//! Property tests for hinted handoff and anti-entropy over random clusters, writes and link
//! faults (proptest): once every link is up again, the hints are delivered and every node has
//! started a round with every peer (twice, for slack), all replicas of every key agree, with no
//! read; and the same input gives the same trace.
//!
//! Each generated `Case` carries its simulation seed, so proptest's report of a failing input
//! names it; assertion messages repeat it.

use kvplayground::network::LinkState;
use kvplayground::placement::Replicas;
use kvplayground::{Config, Simulation, Time};
use proptest::prelude::*;

const MS: Time = 1_000;
const S: Time = 1_000_000;
/// Everything random happens before this; then every link is set up.
const HEAL: Time = 6 * S;
const PERIOD_S: Time = 1;
const KEYS: usize = 6;

#[derive(Clone, Debug)]
struct Case {
    seed: u64,
    n: usize,
    rf: usize,
    distribution: &'static str,
    /// Average delays in milliseconds, 0 to 300.
    delays_ms: Vec<Vec<u32>>,
    hinted_handoff: bool,
    /// `(time_ms, node, command)`.
    writes: Vec<(u32, usize, String)>,
    /// `(from, to, start_ms, duration_ms, state)`: the link does `state` for that long.
    faults: Vec<(usize, usize, u32, u32, LinkState)>,
}

impl Case {
    fn config(&self) -> Config {
        let delays: Vec<Vec<f64>> =
            self.delays_ms.iter().map(|row| row.iter().map(|&ms| ms as f64 / 1000.0).collect()).collect();
        let json = serde_json::json!({
            "addresses": (0..self.n).map(|i| format!("n{i}")).collect::<Vec<_>>(),
            "avg_delays": delays,
            "replication_factor": self.rf,
            "delay_distribution": self.distribution,
            "hinted_handoff": self.hinted_handoff,
            "anti_entropy_period_s": PERIOD_S,
            // Long enough that no tombstone ages out during the run.
            "tombstone_grace_s": 3600,
        });
        Config::from_json(&json.to_string()).unwrap_or_else(|e| panic!("generated config is valid: {e}\n{json}"))
    }

    /// Runs the case to convergence and returns the simulation.
    fn run(&self) -> Simulation {
        let mut sim = Simulation::new(&self.config(), self.seed);
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
        for from in 0..self.n {
            for to in 0..self.n {
                sim.set_link(from, to, LinkState::Up);
            }
        }
        // Hints are retried with a backoff; wait until every one is delivered.
        while sim.nodes().iter().any(|n| n.hint_count() > 0) && sim.now() < HEAL + 600 * S {
            sim.run_until(sim.now() + S);
        }
        // Two full cycles of rounds, plus time for the last round's four messages.
        sim.run_until(sim.now() + 2 * (self.n as Time - 1) * PERIOD_S * S + 3 * S);
        sim
    }
}

fn case() -> impl Strategy<Value = Case> {
    (2usize..=6).prop_flat_map(|n| {
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
        (
            any::<u64>(),
            Just(n),
            1..=n.min(3),
            prop::sample::select(vec!["uniform", "constant"]),
            prop::collection::vec(prop::collection::vec(0u32..300, n), n),
            any::<bool>(),
            prop::collection::vec(write, 1..25),
            prop::collection::vec(fault, 0..8),
        )
            .prop_map(|(seed, n, rf, distribution, delays_ms, hinted_handoff, writes, faults)| Case {
                seed,
                n,
                rf,
                distribution,
                delays_ms,
                hinted_handoff,
                writes,
                faults,
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn after_links_heal_and_full_rounds_every_replica_of_every_key_agrees(case in case()) {
        let sim = case.run();
        for key in (0..KEYS).map(|k| format!("k{k}")) {
            let replicas: Vec<_> = Replicas::of(&key, case.n, case.rf).iter().collect();
            let first = sim.nodes()[replicas[0]].store().get(&key);
            for &r in &replicas {
                prop_assert_eq!(
                    sim.nodes()[r].store().get(&key), first,
                    "seed {}: {} on n{} differs from n{}", case.seed, key, r, replicas[0]
                );
            }
        }
        let trace = sim.trace().to_json_lines();
        prop_assert!(!trace.contains(r#""msg":"read""#), "seed {}: no read was needed", case.seed);
        prop_assert_eq!(&trace, &case.run().trace().to_json_lines(), "seed {}: same input, same trace", case.seed);
    }
}
