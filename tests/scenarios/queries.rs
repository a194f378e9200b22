//! show-all and search: what each node answers, and that neither repairs anything.

use super::*;

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
