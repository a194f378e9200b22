//! Deletes and tombstones, updates of missing keys, timeouts and lost acknowledgements.

use super::*;

#[test]
fn delete_then_get_is_not_found_and_repair_spreads_the_tombstone() {
    let c = parse_config(STORY);
    let key = key_starting_at(0, 4, 3);
    let mut sim = Simulation::new(&c, 42);
    sim.schedule(0, 0, &format!("insert {key} hello ALL")).unwrap();
    sim.run_until(10 * S);

    // The tombstone cannot reach n2: it keeps the old value.
    sim.set_link(0, 2, LinkState::Hold);
    let delete = sim.schedule(10 * S, 0, &format!("delete {key}")).unwrap();
    let stale = sim.schedule(11 * S, 3, &format!("get {key} ONE")).unwrap();
    sim.run_until(20 * S);
    let (tombstone, _, op) = written(only_result(&sim, delete));
    assert_eq!(op, WriteOp::Delete);
    assert!(tombstone.is_tombstone());
    let tombstone = tombstone.clone();

    // A read at ONE may see n2's stale value first, but repair sends n2 the tombstone.
    let rs = results_of(&sim, stale);
    assert_eq!(got_value(rs[0]).as_deref(), Some("hello"), "n2 answered first with its stale copy");
    match &rs[1].outcome {
        Outcome::Repaired { entry, repaired, .. } => {
            assert!(entry.is_tombstone(), "repair carries the tombstone, not the old value");
            assert_eq!((entry, &repaired[..]), (&tombstone, &[2][..]));
        }
        other => panic!("expected a repair, got {other:?}"),
    }
    for node in [0, 1, 2] {
        assert_eq!(entry(&sim, node, &key).as_ref(), Some(&tombstone), "n{node} holds the tombstone");
    }

    // Now every level reads "not found", and no repair brings the value back.
    sim.set_link(0, 2, LinkState::Up);
    let mut reads = vec![];
    for (i, level) in ["ONE", "QUORUM", "ALL"].iter().enumerate() {
        reads.push(sim.schedule(30 * S + i as Time * 10 * S, 3, &format!("get {key} {level}")).unwrap());
    }
    let search = sim.schedule(60 * S, 1, &format!("search {key}")).unwrap();
    sim.run_until_quiet();
    for id in reads {
        let r = only_result(&sim, id);
        assert!(got(r).0.is_some_and(Entry::is_tombstone), "{r:?}");
        assert_eq!(got_value(r), None);
        assert!(r.outcome.describe().contains("Get return: not found"), "{}", r.outcome.describe());
    }
    match &only_result(&sim, search).outcome {
        Outcome::Searched { replies, .. } => {
            assert!(replies.iter().all(|r| r.entry.as_ref().is_none_or(Entry::is_tombstone)), "{replies:?}")
        }
        other => panic!("expected a search, got {other:?}"),
    }
    for node in [0, 1, 2] {
        assert_eq!(entry(&sim, node, &key).as_ref(), Some(&tombstone), "n{node} still holds the tombstone");
    }
    // No store ever took the old value back after the delete.
    let resurrected: Vec<_> = events(&sim, TraceKind::Store)
        .into_iter()
        .filter(|e| e.time >= 10 * S && e.key.as_deref() == Some(key.as_str()) && e.value.is_some())
        .collect();
    assert!(resurrected.is_empty(), "{resurrected:#?}");
}

#[test]
fn update_of_a_missing_key_fails_and_creates_nothing() {
    let c = parse_config(FAN);
    let key = key_starting_at(0, 4, 3);
    let mut sim = Simulation::new(&c, 2);
    // At ONE it fails once every replica said "missing" (n2's answer is back at 2 s); at ALL as
    // soon as the first one did (n0's, at 0.2 s).
    let one = sim.schedule(0, 3, &format!("update {key} x ONE")).unwrap();
    let all = sim.schedule(10 * S, 3, &format!("update {key} x ALL")).unwrap();
    sim.run_until_quiet();
    for (id, at) in [(one, 2 * S), (all, 10 * S + 200 * MS)] {
        let r = only_result(&sim, id);
        let error = failed(r);
        assert!(error.contains("key not found"), "{error}");
        assert_eq!(r.time, at, "{error}");
    }
    for node in 0..4 {
        assert_eq!(entry(&sim, node, &key), None, "n{node} created nothing");
        assert!(sim.nodes()[node].store().is_empty());
    }
    assert!(events(&sim, TraceKind::Store).is_empty(), "no store changed");

    // Once the key exists, update succeeds and every replica takes it.
    let t = sim.now() + S;
    sim.schedule(t, 3, &format!("insert {key} a ALL")).unwrap();
    let update = sim.schedule(t + 5 * S, 1, &format!("update {key} b QUORUM")).unwrap();
    sim.run_until_quiet();
    let (e, acked_by, op) = written(only_result(&sim, update));
    assert_eq!((op, e.value.as_deref(), acked_by.len()), (WriteOp::Update, Some("b"), 2));
    for node in [0, 1, 2] {
        assert_eq!(entry(&sim, node, &key).as_ref(), Some(e), "n{node}");
    }

    // After a delete, update fails again and the key stays deleted.
    let t = sim.now() + S;
    sim.schedule(t, 2, &format!("delete {key} ALL")).unwrap();
    let revive = sim.schedule(t + 5 * S, 0, &format!("update {key} zombie ONE")).unwrap();
    sim.run_until_quiet();
    assert!(failed(only_result(&sim, revive)).contains("key not found"));
    for node in [0, 1, 2] {
        assert!(entry(&sim, node, &key).is_some_and(|e| e.is_tombstone()), "n{node}");
    }
}

#[test]
fn a_request_that_cannot_reach_its_level_fails_at_the_timeout_saying_how_many_answered() {
    let c = parse_config(
        r#"{"addresses": ["a", "b", "c", "d"], "delay_distribution": "constant", "request_timeout_s": 2,
            "avg_delays": [[0, 0.1, 0.1, 0.1], [0.1, 0, 0.1, 0.1], [0.1, 0.1, 0, 0.1], [0.1, 0.1, 0.1, 0]]}"#,
    );
    let key = key_starting_at(0, 4, 3);
    let mut sim = Simulation::new(&c, 9);
    sim.set_link(3, 1, LinkState::Drop);
    sim.set_link(3, 2, LinkState::Drop);
    let all = sim.schedule(0, 3, &format!("insert {key} v ALL")).unwrap();
    let quorum = sim.schedule(5 * S, 3, &format!("insert {key} w QUORUM")).unwrap();
    let one = sim.schedule(10 * S, 3, &format!("insert {key} x ONE")).unwrap();
    let get_one = sim.schedule(15 * S, 3, &format!("get {key} ONE")).unwrap();
    let get_quorum = sim.schedule(20 * S, 3, &format!("get {key} QUORUM")).unwrap();
    let get_all = sim.schedule(25 * S, 3, &format!("get {key} ALL")).unwrap();
    sim.run_until_quiet();

    let expect_failure = |id, at, words: &[&str]| {
        let r = only_result(&sim, id);
        let error = failed(r);
        for w in words {
            assert!(error.contains(w), "{error:?} should say {w:?}");
        }
        assert!(error.contains("2.000 s timeout"), "{error}");
        assert_eq!(r.time, at, "{error}");
    };
    expect_failure(all, 2 * S, &["insert", "1 of 3 replicas acknowledged", "ALL needs 3"]);
    expect_failure(quorum, 7 * S, &["1 of 3 replicas acknowledged", "QUORUM needs 2"]);
    expect_failure(get_quorum, 22 * S, &["get", "1 of 3 replicas answered", "QUORUM needs 2"]);
    expect_failure(get_all, 27 * S, &["1 of 3 replicas answered", "ALL needs 3"]);

    let r = only_result(&sim, one);
    assert_eq!((r.time, written(r).1), (10 * S + 200 * MS, &[0][..]));
    let r = only_result(&sim, get_one);
    assert_eq!(r.time, 15 * S + 200 * MS, "a get at ONE still succeeds");
    assert_eq!(got_value(r).as_deref(), Some("x"));

    assert!(!events(&sim, TraceKind::Drop).is_empty(), "the dropped messages are in the trace");
    assert_eq!(value(&sim, 0, &key).as_deref(), Some("x"));
    assert_eq!(entry(&sim, 1, &key), None, "nothing reached n1");
    assert_eq!(entry(&sim, 2, &key), None, "nothing reached n2");
}

#[test]
fn a_write_whose_acks_are_lost_fails_but_the_replicas_keep_it() {
    let c = parse_config(
        r#"{"addresses": ["a", "b", "c"], "delay_distribution": "constant", "request_timeout_s": 1,
            "avg_delays": [[0, 0.1, 0.1], [0.1, 0, 0.1], [0.1, 0.1, 0]]}"#,
    );
    let mut sim = Simulation::new(&c, 4);
    sim.set_link(1, 0, LinkState::Drop);
    sim.set_link(2, 0, LinkState::Drop);
    let id = sim.schedule(0, 0, "insert k v ALL").unwrap();
    sim.run_until_quiet();
    let error = failed(only_result(&sim, id)).to_string();
    assert!(error.contains("1 of 3 replicas acknowledged") && error.contains("ALL needs 3"), "{error}");
    for node in 0..3 {
        assert_eq!(value(&sim, node, "k").as_deref(), Some("v"), "n{node}");
    }
}
