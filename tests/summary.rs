//! `kvsim run --summary`'s figures (sim/summary.rs) on a run whose every latency is known: four
//! nodes, every message 0.1 s, so a request that reaches its level answers in 0.2 s.

mod support;

use kvplayground::sim::summary::{Bucket, Latency, Summary};
use kvplayground::{Level, Simulation};
use support::run::apply_now;
use support::{key_starting_at, replicas, uniform_config, MS, S};

#[test]
fn levels_latencies_and_availability_of_a_run_with_a_crash() {
    let config = uniform_config(4, 0.1, serde_json::json!({ "request_timeout_s": 1 }));
    let k = key_starting_at(1, 4, 3);
    assert_eq!(replicas(&k, 4, 3), [1, 2, 3], "n0 coordinates but holds no replica");
    let mut sim = Simulation::new(&config, 1);
    sim.record_history();
    sim.schedule(0, 0, &format!("insert {k} v ONE")).unwrap();
    sim.schedule(0, 0, &format!("insert {k} w ALL")).unwrap();
    sim.run_until(S);
    apply_now(&mut sim, "crash 3");
    sim.schedule(S, 0, &format!("get {k} QUORUM")).unwrap();
    sim.schedule(S, 0, &format!("get {k} ALL")).unwrap(); // n3 never answers: fails at 2 s
    sim.run_until_quiet();

    let summary = Summary::of(sim.history().unwrap());
    let rows: Vec<_> =
        summary.levels.iter().map(|l| (l.level, l.operations, l.ok, l.fail, l.info, l.latency)).collect();
    let fast = Some(Latency { p50: 200 * MS, p99: 200 * MS, max: 200 * MS });
    assert_eq!(
        rows,
        [(Level::One, 1, 1, 0, 0, fast), (Level::Quorum, 1, 1, 0, 0, fast), (Level::All, 2, 1, 1, 0, fast)]
    );
    // Every ok operation took 0.2 s: the bounds run 1, 2, 5 ... 200 ms, all in the last bucket.
    assert_eq!(summary.latency_bounds_us.last(), Some(&(200 * MS)));
    assert_eq!(summary.latency_bounds_us.len(), 8);
    let last_buckets: Vec<_> =
        summary.levels.iter().map(|l| (l.histogram.iter().sum::<usize>(), l.histogram[7])).collect();
    assert_eq!(last_buckets, [(1, 1), (1, 1), (1, 1)]);
    // The last completion is at 2 s: 200 ms buckets are the narrowest round width with at most 20.
    assert_eq!(summary.bucket_us, 200 * MS);
    let mut expected = vec![Bucket::default(); 11];
    expected[1].ok = 2; // both inserts, at 0.2 s
    expected[6].ok = 1; // the QUORUM get, at 1.2 s
    expected[10].failed = 1; // the ALL get's timeout, at 2 s
    assert_eq!(summary.availability, expected);

    let text = summary.to_text();
    assert!(text.contains("ALL              2     1     1     0        0  0.200 s  0.200 s  0.200 s"), "{text}");
    assert!(text.contains("availability per 0.200 s"), "{text}");
    assert!(text.contains("    1ms    2ms    5ms   10ms   20ms   50ms  100ms  200ms"), "{text}");
    assert!(text.contains("ALL           0      0      0      0      0      0      0      1\n"), "{text}");
}
