//! Clocks: last write wins by timestamp, tombstones purged after their grace period, ties.

use super::*;

#[test]
fn last_write_wins_by_clock_so_a_node_behind_loses_to_an_earlier_write() {
    // n1's clock is 1 s ahead, n2's 0.5 s behind.
    let c = parse_config(
        r#"{"addresses": ["a", "b", "c"], "delay_distribution": "constant", "clock_skew_ms": [0, 1000, -500],
            "avg_delays": [[0, 0.1, 0.1], [0.1, 0, 0.1], [0.1, 0.1, 0]]}"#,
    );
    let mut sim = Simulation::new(&c, 0);
    let early = sim.schedule(0, 1, "insert k early ALL").unwrap();
    let late = sim.schedule(S, 2, "insert k late ALL").unwrap();
    let read = sim.schedule(3 * S, 0, "get k ALL").unwrap();
    sim.run_until_quiet();

    let (early_entry, _, _) = written(only_result(&sim, early));
    let (late_entry, _, _) = written(only_result(&sim, late));
    assert_eq!(early_entry.version.timestamp, 1_000_000, "n1's clock reads 1 s at virtual time 0");
    assert_eq!(late_entry.version.timestamp, 500_000, "n2's clock reads 0.5 s at virtual time 1 s");
    assert!(late_entry.version < early_entry.version);
    assert!(only_result(&sim, late).time > only_result(&sim, early).time);

    for node in 0..3 {
        assert_eq!(entry(&sim, node, "k").as_ref(), Some(early_entry), "n{node} keeps the write with the later clock");
    }
    assert_eq!(got_value(only_result(&sim, read)).as_deref(), Some("early"), "the later write was lost");
}

#[test]
fn tombstones_are_purged_after_the_grace_period() {
    let c = parse_config(
        r#"{"addresses": ["a", "b", "c"], "delay_distribution": "constant", "tombstone_grace_s": 5,
            "avg_delays": [[0, 0.1, 0.1], [0.1, 0, 0.1], [0.1, 0.1, 0]]}"#,
    );
    let mut sim = Simulation::new(&c, 0);
    sim.schedule(0, 0, "insert k v ALL").unwrap();
    sim.schedule(S, 0, "delete k ALL").unwrap();
    // n1 stores the tombstone at 1.1 s, so may purge it from 6.1 s on.
    let before = sim.schedule(6 * S, 1, "show-all").unwrap();
    let after = sim.schedule(6 * S + 100 * MS, 1, "show-all").unwrap();
    sim.run_until_quiet();

    let listed = |id| match &only_result(&sim, id).outcome {
        Outcome::Listed { entries } => entries.clone(),
        other => panic!("{other:?}"),
    };
    let kept = listed(before);
    assert_eq!(kept.len(), 1);
    assert!(kept[0].1.is_tombstone(), "the tombstone is kept during the grace period");
    assert!(listed(after).is_empty(), "the tombstone is purged once the grace period is over");
    assert!(entry(&sim, 1, "k").is_none());
    let purge = events(&sim, TraceKind::Store).into_iter().find(|e| e.node == Some(1) && e.version.is_none());
    assert_eq!(purge.map(|e| e.time), Some(6 * S + 100 * MS), "the purge is traced");

    // A read after the grace period finds nothing anywhere and repairs nothing.
    let get = sim.schedule(sim.now() + 10 * S, 2, "get k ALL").unwrap();
    sim.run_until_quiet();
    let r = only_result(&sim, get);
    assert_eq!(got(r).0, None);
    assert!(sends(&sim, MessageKind::Repair).is_empty());
    for node in 0..3 {
        assert!(sim.nodes()[node].store().is_empty(), "n{node} purged the tombstone");
    }
}

#[test]
fn two_writes_by_one_node_in_the_same_microsecond_are_ordered_and_replicas_converge() {
    // Random delays let the two writes reach replicas in different orders; both carry the same
    // coordinator and the same clock reading, so the version alone must still order them.
    let c = parse_config(r#"{"addresses": ["a", "b", "c"], "avg_delays": [[0, 1, 1], [1, 0, 1], [1, 1, 0]]}"#);
    for seed in 0..40 {
        let mut sim = Simulation::new(&c, seed);
        let first = sim.schedule(0, 0, "insert k a ONE").unwrap();
        let second = sim.schedule(0, 0, "insert k b ONE").unwrap();
        sim.run_until_quiet();
        let (a, _, _) = written(only_result(&sim, first));
        let (b, _, _) = written(only_result(&sim, second));
        assert_ne!(a.version, b.version, "seed {seed}: two different writes share a version");
        let t = sim.now();
        sim.schedule(t, 1, "get k ALL").unwrap();
        sim.run_until_quiet();
        let stores: Vec<_> = (0..3).map(|n| entry(&sim, n, "k")).collect();
        assert!(stores.iter().all(|e| e == &stores[0]), "seed {seed}: replicas diverged: {stores:?}");
        assert_eq!(
            stores[0].as_ref().and_then(|e| e.value.as_deref()),
            Some("b"),
            "seed {seed}: the later command wins"
        );
    }
}
