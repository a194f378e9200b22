//! Live anomaly checks (`kvsim run --check`, `Simulation::check_anomalies`):
//!
//! - the original's story: a read at ONE after an update at ONE is flagged stale, and explained;
//! - a node whose clock is behind writes after another write completed: flagged lost;
//! - a delete acknowledged at ONE, then read back at ONE from a replica it missed: resurrection;
//! - one node reads new then old: a monotonic-reads violation;
//! - property: with QUORUM reads and writes and no faults or skew, no stale read, read-your-writes
//!   violation, lost write or resurrection is ever flagged (R + W > RF), on random clusters and
//!   scripts; and on any run, with faults, a value no write wrote is never read.
//!
//! Every generated case carries the simulation seed in its `Cluster`, so proptest's report of the
//! minimal failing input names the seed.

mod support;

use kvplayground::sim::anomalies::AnomalyKind;
use kvplayground::sim::trace::TraceKind;
use kvplayground::{Config, Simulation, Time};
use proptest::prelude::*;
use support::clusters::proptest_config;
use support::scripts::{anomalies, checked_run, lines, random_ops, small_clusters};
use support::{parse_config, MS, S};

/// The original's four servers, with the slow n0 -> n2 link.
fn example() -> Config {
    parse_config(include_str!("../examples/config.json"))
}

fn run(config: &Config, seed: u64, script: &[(Time, &str)]) -> Simulation {
    checked_run(config, seed, script)
}

fn kinds(sim: &Simulation) -> Vec<AnomalyKind> {
    anomalies(sim).iter().map(|a| a.kind).collect()
}

#[test]
fn all_lists_the_kinds_in_their_declared_order() {
    // The page counts kinds by `kind as usize` (src/wasm/scheduler.rs anomalyCounts).
    for (i, kind) in AnomalyKind::ALL.into_iter().enumerate() {
        assert_eq!(kind as usize, i, "{kind:?}");
    }
}

#[test]
fn the_originals_stale_read_is_flagged_and_explained() {
    let script = [(0, "0 insert 5 hello ALL"), (10 * S, "0 update 5 world ONE"), (10 * S + 100 * MS, "3 get 5 ONE")];
    let sim = run(&example(), 42, &script);
    let anomalies = anomalies(&sim);
    assert_eq!(kinds(&sim), [AnomalyKind::StaleRead], "{anomalies:#?}");
    let text = &anomalies[0].explanation;
    for words in
        ["get 5 at ONE on n3 returned hello", "update 5=world", "heard from n2", "reached n0", "ONE + ONE = 2 <= RF 3"]
    {
        assert!(text.contains(words), "`{words}` missing from: {text}");
    }
    // The anomaly is a trace event too, at the get's completion.
    let traced: Vec<_> = sim.trace().events().filter(|e| e.kind == TraceKind::Anomaly).collect();
    assert_eq!(traced.len(), 1);
    assert!(traced[0].text.as_deref().is_some_and(|t| t.starts_with("stale read: ")), "{:?}", traced[0]);
    assert_eq!((traced[0].node, traced[0].time), (Some(3), anomalies[0].time));
}

#[test]
fn a_write_from_a_clock_behind_is_flagged_lost() {
    // n1's clock is 5 s behind: its write, begun after n0's completed, is older by version, so
    // last-write-wins keeps n0's and the read after both returns `first`, which is no anomaly.
    let config = support::uniform_config(3, 0.01, serde_json::json!({ "clock_skew_ms": [0, -5000, 0] }));
    let sim = run(&config, 1, &[(0, "0 insert k first ALL"), (S, "1 update k second ALL"), (2 * S, "2 get k ALL")]);
    let anomalies = anomalies(&sim);
    assert_eq!(kinds(&sim), [AnomalyKind::LostWrite], "{anomalies:#?}");
    assert!(anomalies[0].explanation.contains("n1's clock is behind"), "{}", anomalies[0].explanation);
    assert_eq!(anomalies[0].process, 1);
    let read = sim.history().unwrap().operations().last().unwrap().value.clone();
    assert_eq!(read.as_deref(), Some("first"));
}

#[test]
fn a_delete_read_back_is_a_resurrection() {
    // n0 -> n2 is slow in the example: a delete at ONE from n0 reaches n2 late, and n3 reads n2.
    let script = [(0, "0 insert 5 hello ALL"), (10 * S, "0 delete 5 ONE"), (10 * S + 100 * MS, "3 get 5 ONE")];
    let sim = run(&example(), 42, &script);
    assert_eq!(kinds(&sim), [AnomalyKind::Resurrection], "{:#?}", anomalies(&sim));
}

#[test]
fn new_then_old_on_one_node_breaks_monotonic_reads() {
    // The update reaches n0 only (its links to n1 and n2 hold it). n3 first reads with only n0
    // reachable and gets `world`; then with only n1 and n2 reachable, and gets `hello`.
    let script = [
        (0, "0 insert 5 hello ALL"),
        (10 * S, "hold 0>1"),
        (10 * S, "hold 0>2"),
        (10 * S, "cut 3>1"),
        (10 * S, "cut 3>2"),
        (10 * S, "0 update 5 world ONE"),
        (10 * S + 100 * MS, "3 get 5 ONE"),
        (20 * S, "heal 3>1"),
        (20 * S, "heal 3>2"),
        (20 * S, "cut 3>0"),
        (20 * S + 100 * MS, "3 get 5 ONE"),
        (40 * S, "heal"),
    ];
    let sim = run(&example(), 42, &script);
    let reads: Vec<_> = sim.history().unwrap().operations().skip(2).map(|op| op.value.clone()).collect();
    assert_eq!(reads, [Some("world".into()), Some("hello".into())]);
    // The second read is stale too: the update was acknowledged before it began.
    assert_eq!(kinds(&sim), [AnomalyKind::StaleRead, AnomalyKind::MonotonicReads], "{:#?}", anomalies(&sim));
    assert!(anomalies(&sim)[1].explanation.contains("older than what n3 read before: world"));
}

proptest! {
    #![proptest_config(proptest_config(64))]

    #[test]
    fn quorum_without_faults_shows_no_stale_read_or_lost_write((c, ops) in small_clusters().prop_flat_map(|c| { let n = c.n; (Just(c), random_ops(n)) })) {
        let sim = checked_run(&c.config(serde_json::json!({})), c.seed, &lines(&ops, "QUORUM"));
        let broken: Vec<_> = anomalies(&sim)
            .into_iter()
            .filter(|a| a.kind != AnomalyKind::MonotonicReads)
            .collect();
        prop_assert!(broken.is_empty(), "seed {}: {broken:#?}", c.seed);
    }

    #[test]
    fn no_run_reads_a_value_no_write_wrote((c, ops, level) in small_clusters().prop_flat_map(|c| { let n = c.n; (Just(c), random_ops(n), proptest::sample::select(&["ONE", "QUORUM", "ALL"][..])) })) {
        let mut script = lines(&ops, level);
        script.push((150 * MS, "crash 1".into()));
        script.push((250 * MS, "restart 1 lose".into()));
        let sim = checked_run(&c.config(serde_json::json!({})), c.seed, &script);
        let phantoms: Vec<_> = anomalies(&sim).into_iter().filter(|a| a.kind == AnomalyKind::PhantomValue).collect();
        prop_assert!(phantoms.is_empty(), "seed {}: {phantoms:#?}", c.seed);
    }
}
