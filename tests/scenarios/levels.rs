//! Each level answers after its number of acknowledgements; ALL waits for the slowest replica.

use super::*;

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
