//! Scenario tests that tell the original course project's stories on the deterministic core:
//! levels and when they answer, stale reads and read repair, deletes and tombstones, updates of
//! missing keys, timeouts, show-all and search, clock skew, and tombstone purging.
//!
//! Most scenarios use `"delay_distribution": "constant"`, so every message takes exactly its
//! link's average delay and every time below can be computed by hand from the matrix.

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

#[test]
fn a_write_at_one_answers_after_the_first_ack_before_the_last_replica_stores_it() {
    let c = parse_config(FAN);
    let key = key_starting_at(0, 4, 3);
    assert_eq!(replicas(&key, 4, 3), [0, 1, 2]);
    let mut sim = Simulation::new(&c, 1);
    let id = sim.schedule(0, 3, &format!("insert {key} hello ONE")).unwrap();

    // n0 is 0.1 s away: its ack is back at 0.2 s.
    sim.run_until(200 * MS);
    let r = only_result(&sim, id).clone();
    let (e, acked_by, op) = written(&r);
    assert_eq!((r.time, acked_by, op), (200 * MS, &[0][..], WriteOp::Insert));
    assert_eq!(e.value.as_deref(), Some("hello"));
    assert_eq!(value(&sim, 0, &key).as_deref(), Some("hello"));
    assert_eq!(entry(&sim, 1, &key), None, "n1 (0.5 s away) has not stored it when the client has its answer");
    assert_eq!(entry(&sim, 2, &key), None, "n2 (1 s away) has not stored it when the client has its answer");

    sim.run_until_quiet();
    let stores: Vec<_> = events(&sim, TraceKind::Store).into_iter().map(|e| (e.node.unwrap(), e.time)).collect();
    assert_eq!(stores, [(0, 100 * MS), (1, 500 * MS), (2, S)]);
    let last_store = stores.iter().map(|&(_, t)| t).max().unwrap();
    assert!(r.time < last_store, "answered at {} before the last replica stored at {last_store}", r.time);
    for node in [0, 1, 2] {
        assert_eq!(entry(&sim, node, &key).as_ref(), Some(e), "n{node} ends with the write");
    }
    assert_eq!(entry(&sim, 3, &key), None, "the coordinator is not a replica and stores nothing");
    assert_eq!(sim.results().len(), 1, "a write answers once");
}

#[test]
fn each_level_answers_after_its_number_of_acks() {
    let c = parse_config(FAN);
    let key = key_starting_at(0, 4, 3);
    // Acks come back to n3 at 0.2 s (n0), 1 s (n1) and 2 s (n2).
    for (level, at, acked) in [
        ("ONE", 200 * MS, &[0][..]),
        ("1", 200 * MS, &[0]),
        ("QUORUM", S, &[0, 1]),
        ("ALL", 2 * S, &[0, 1, 2]),
        ("9", 2 * S, &[0, 1, 2]),
    ] {
        let mut sim = Simulation::new(&c, 7);
        let id = sim.schedule(0, 3, &format!("insert {key} v {level}")).unwrap();
        sim.run_until_quiet();
        let r = only_result(&sim, id);
        assert_eq!((r.time, written(r).1), (at, acked), "insert at {level}");
    }
}

#[test]
fn all_waits_for_the_slowest_replica() {
    let c = parse_config(FAN);
    let key = key_starting_at(0, 4, 3);
    let mut sim = Simulation::new(&c, 3);
    let id = sim.schedule(0, 3, &format!("insert {key} v ALL")).unwrap();
    sim.run_until_quiet();
    let r = only_result(&sim, id);
    let acks: Vec<_> = events(&sim, TraceKind::Deliver)
        .into_iter()
        .filter(|e| e.msg == Some(MessageKind::WriteAck) && e.request == Some(id))
        .map(|e| (e.from.unwrap(), e.time))
        .collect();
    assert_eq!(acks, [(0, 200 * MS), (1, S), (2, 2 * S)]);
    let slowest = acks.iter().map(|&(_, t)| t).max().unwrap();
    assert!(r.time >= slowest);
    assert_eq!(r.time, 2 * S, "the slowest replica, n2, is 1 s away each way");
    assert_eq!(written(r).1, [0, 1, 2]);

    // A read at ALL also waits for n2's reply.
    let now = sim.now();
    let get = sim.schedule(now + S, 3, &format!("get {key} ALL")).unwrap();
    sim.run_until_quiet();
    let r = only_result(&sim, get);
    assert_eq!(r.time, now + 3 * S);
    assert_eq!(got(r).1.len(), 3);
    assert_eq!(got_value(r).as_deref(), Some("v"));
}

#[test]
fn quorum_needs_a_majority_of_the_replicas() {
    // With every link 0.1 s, drop the coordinator's links to some replicas: QUORUM succeeds
    // while floor(RF/2)+1 replicas are reachable and fails with one fewer.
    let expected_quorum = [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3)];
    for (rf, quorum) in expected_quorum {
        let c = parse_config(&format!(
            r#"{{"addresses": ["a", "b", "c", "d", "e"], "avg_delays": [[0,0.1,0.1,0.1,0.1],[0.1,0,0.1,0.1,0.1],
               [0.1,0.1,0,0.1,0.1],[0.1,0.1,0.1,0,0.1],[0.1,0.1,0.1,0.1,0]],
               "delay_distribution": "constant", "replication_factor": {rf}, "request_timeout_s": 1}}"#
        ));
        let key = "q";
        let holders = replicas(key, 5, rf);
        let coordinator = 0;
        for unreachable in [rf - quorum, rf - quorum + 1] {
            if unreachable > rf {
                continue;
            }
            let mut sim = Simulation::new(&c, 11);
            for &r in &holders[..unreachable] {
                sim.set_link(coordinator, r, LinkState::Drop);
            }
            let put = sim.schedule(0, coordinator, &format!("insert {key} v QUORUM")).unwrap();
            let get = sim.schedule(5 * S, coordinator, &format!("get {key} QUORUM")).unwrap();
            sim.run_until_quiet();
            let reachable = rf - unreachable;
            let (put, get) = (only_result(&sim, put), only_result(&sim, get));
            if reachable >= quorum {
                let (_, acked_by, _) = written(put);
                assert_eq!(acked_by.len(), quorum, "RF {rf}: QUORUM answers at {quorum} acks");
                assert_eq!(got(get).1.len(), quorum, "RF {rf}: QUORUM get answers at {quorum} replies");
                assert_eq!(got_value(get).as_deref(), Some("v"));
            } else {
                let error = failed(put);
                assert!(
                    error.contains(&format!("{reachable} of {rf} replicas acknowledged"))
                        && error.contains(&format!("QUORUM needs {quorum}")),
                    "RF {rf}: {error}"
                );
                assert_eq!(put.time, S, "fails at the 1 s timeout");
                let error = failed(get);
                assert!(
                    error.contains(&format!("{reachable} of {rf} replicas answered"))
                        && error.contains(&format!("QUORUM needs {quorum}")),
                    "RF {rf}: {error}"
                );
                assert_eq!(get.time, 6 * S);
            }
        }
    }
}

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

#[test]
fn show_all_lists_the_local_store_without_sending_anything() {
    let c = parse_config(FAN);
    let mut sim = Simulation::new(&c, 8);
    let keys: Vec<String> = (0..4).map(|first| key_starting_at(first, 4, 3)).collect();
    for (i, key) in keys.iter().enumerate() {
        sim.schedule(i as Time * S, i, &format!("insert {key} v{i} ALL")).unwrap();
    }
    sim.schedule(10 * S, 2, &format!("delete {} ALL", keys[1])).unwrap();
    let empty = sim.schedule(0, 1, "show-all").unwrap();
    sim.run_until_quiet();
    let t = sim.now() + S;
    let before = sim.trace().len();
    let id = sim.schedule(t, 1, "SHOW-ALL").unwrap();
    sim.run_until_quiet();

    match &only_result(&sim, empty).outcome {
        Outcome::Listed { entries } => assert!(entries.is_empty()),
        other => panic!("{other:?}"),
    }
    assert_eq!(only_result(&sim, empty).outcome.describe(), "(store is empty)");

    let r = only_result(&sim, id);
    assert_eq!(r.time, t, "show-all answers at once");
    let Outcome::Listed { entries } = &r.outcome else { panic!("{r:?}") };
    assert_eq!(entries, &sim.nodes()[1].store().sorted());
    let mut expected: Vec<&String> = keys.iter().filter(|k| replicas(k, 4, 3).contains(&1)).collect();
    expected.sort();
    assert_eq!(
        entries.iter().map(|(k, _)| k.to_string()).collect::<Vec<_>>(),
        expected.into_iter().cloned().collect::<Vec<_>>()
    );
    let deleted = entries.iter().find(|(k, _)| **k == *keys[1]).expect("n1 holds keys[1]");
    assert!(deleted.1.is_tombstone(), "show-all lists tombstones");
    assert!(r.outcome.describe().contains("<deleted>"));

    let kinds: Vec<_> = sim.trace().events_from(before).map(|e| e.kind).collect();
    assert_eq!(kinds, [TraceKind::Command, TraceKind::Reply], "show-all sends no message");
}

#[test]
fn search_asks_every_node_marks_the_replicas_and_repairs_nothing() {
    let c = parse_config(STORY);
    let key = key_starting_at(0, 4, 3);
    let mut sim = Simulation::new(&c, 42);
    sim.schedule(0, 0, &format!("insert {key} hello ALL")).unwrap();
    sim.run_until(10 * S);
    sim.set_link(0, 2, LinkState::Drop);
    sim.schedule(10 * S, 0, &format!("update {key} world ALL")).unwrap(); // fails at the timeout; n0, n1 keep it
    let id = sim.schedule(12 * S, 1, &format!("search {key}")).unwrap();
    sim.run_until_quiet();

    let r = only_result(&sim, id);
    let Outcome::Searched { replies, .. } = &r.outcome else { panic!("{r:?}") };
    let seen: Vec<_> = replies
        .iter()
        .map(|s| (s.node, s.replica, s.answered, s.entry.as_ref().and_then(|e| e.value.as_deref().map(String::from))))
        .collect();
    assert_eq!(
        seen,
        [
            (0, true, true, Some("world".into())),
            (1, true, true, Some("world".into())),
            (2, true, true, Some("hello".into())),
            (3, false, true, None),
        ]
    );
    // n1 is 1 s from n3, the farthest node: the answer comes when all four have replied.
    assert_eq!(r.time, 14 * S);
    let text = r.outcome.describe();
    assert!(
        text.contains("Server #2 returned value: hello") && text.contains("Server #3 returned value: not found"),
        "{text}"
    );

    let searches: Vec<_> = sends(&sim, MessageKind::Search).into_iter().map(|e| e.to).collect();
    assert_eq!(searches, [Some(0), Some(1), Some(2), Some(3)], "search asks every node, replica or not");
    assert!(sends(&sim, MessageKind::Repair).is_empty(), "search does no repair");
    assert_eq!(value(&sim, 2, &key).as_deref(), Some("hello"), "the stale replica stays stale");
}

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
