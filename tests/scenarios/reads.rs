//! Stale reads at ONE, and read repair bringing the replicas together.

use super::*;

#[test]
fn a_stale_read_at_one_returns_the_old_value_then_read_repair_converges() {
    let c = parse_config(STORY);
    let key = key_starting_at(0, 4, 3);
    let mut sim = Simulation::new(&c, 42);
    sim.schedule(0, 0, &format!("insert {key} hello ALL")).unwrap();
    sim.run_until(10 * S);
    for node in [0, 1, 2] {
        assert_eq!(value(&sim, node, &key).as_deref(), Some("hello"));
    }

    // n0 updates at ONE while its link to n2 holds messages: n2 stays stale.
    sim.set_link(0, 2, LinkState::Hold);
    let update = sim.schedule(10 * S, 0, &format!("update {key} world ONE")).unwrap();
    // n3 reads at ONE: n2 is 0.1 s away and answers first, with the old value.
    let read = sim.schedule(11 * S, 3, &format!("get {key} ONE")).unwrap();
    sim.run_until(20 * S);

    let update = only_result(&sim, update);
    assert_eq!(update.time, 10 * S, "n0 acks its own write at once");
    let (new, _, op) = written(update);
    assert_eq!(op, WriteOp::Update);
    let new = new.clone();
    assert_eq!(value(&sim, 1, &key).as_deref(), Some("world"));

    let read_results = results_of(&sim, read);
    assert_eq!(read_results.len(), 2, "a value, then a repair report: {read_results:#?}");
    let stale = read_results[0];
    assert_eq!(stale.time, 11 * S + 200 * MS, "n2's reply is back after 0.1 s each way");
    assert_eq!(got_value(stale).as_deref(), Some("hello"), "the read at ONE returns the stale value");
    assert_eq!(got(stale).1, [2]);

    // n0 and n1 answer at 13 s; then n3 repairs n2, which alone was stale.
    let repair = read_results[1];
    assert_eq!(repair.time, 13 * S);
    match &repair.outcome {
        Outcome::Repaired { entry, repaired, .. } => {
            assert_eq!(entry, &new, "repair sends the newest version");
            assert_eq!(repaired, &[2]);
        }
        other => panic!("expected a repair, got {other:?}"),
    }
    let repairs = sends(&sim, MessageKind::Repair);
    assert_eq!(repairs.len(), 1);
    assert_eq!((repairs[0].from, repairs[0].to, repairs[0].time), (Some(3), Some(2), 13 * S));
    assert_eq!(repairs[0].version, Some(new.version));
    assert_eq!(repairs[0].value.as_deref(), Some("world"));
    let n2_store = events(&sim, TraceKind::Store).into_iter().rfind(|e| e.node == Some(2)).unwrap();
    assert_eq!((n2_store.time, n2_store.value.as_deref()), (13 * S + 100 * MS, Some("world")));
    for node in [0, 1, 2] {
        assert_eq!(entry(&sim, node, &key).as_ref(), Some(&new), "n{node} converged");
    }

    // The held write finally arrives; it is the same version and changes nothing.
    sim.set_link(0, 2, LinkState::Up);
    let again = sim.schedule(30 * S, 2, &format!("get {key} ALL")).unwrap();
    sim.run_until_quiet();
    for node in [0, 1, 2] {
        assert_eq!(entry(&sim, node, &key).as_ref(), Some(&new), "n{node} still converged");
    }
    let again = only_result(&sim, again);
    assert_eq!(got_value(again).as_deref(), Some("world"));
    assert_eq!(sends(&sim, MessageKind::Repair).len(), 1, "nothing left to repair");
}

#[test]
fn read_repair_also_runs_after_a_read_at_all_and_a_quorum_read_sees_the_newest() {
    let c = parse_config(STORY);
    let key = key_starting_at(0, 4, 3);
    let mut sim = Simulation::new(&c, 5);
    sim.schedule(0, 0, &format!("insert {key} old ALL")).unwrap();
    sim.run_until(10 * S);
    sim.set_link(0, 2, LinkState::Drop);
    sim.schedule(10 * S, 0, &format!("insert {key} new QUORUM")).unwrap();
    let read = sim.schedule(12 * S, 2, &format!("get {key} QUORUM")).unwrap();
    sim.run_until_quiet();
    let rs = results_of(&sim, read);
    // n2 answers itself at once (old); n1 answers at 13 s (new): QUORUM sees the newest.
    assert_eq!(rs[0].time, 13 * S);
    assert_eq!(got_value(rs[0]).as_deref(), Some("new"));
    assert!(matches!(&rs[1].outcome, Outcome::Repaired { repaired, .. } if repaired == &[2]), "{rs:#?}");
    assert_eq!(value(&sim, 2, &key).as_deref(), Some("new"), "n2 repaired even though the write to it was dropped");
}
