//! `"original_bugs": true`: the course project's replicas, faithfully wrong, and off by default.
//! Each scenario runs twice, with the switch off and on, on constant delays computed by hand.

mod support;

use kvplayground::model::outcome::Outcome;
use kvplayground::{Config, Simulation, Time};
use support::run::{entry, results_of, value};
use support::{config_with, key_starting_at, replicas, MS, S};

/// Four nodes, constant delays: n0 -> n2 is slow (3 s), the rest 0.5 s or less; a node's
/// messages to itself take no time. Keys starting at n0 live on n0, n1, n2.
fn story(original_bugs: bool) -> Config {
    let base = serde_json::json!({
        "addresses": ["n0", "n1", "n2", "n3"],
        "avg_delays": [[0.0, 0.5, 3.0, 1.0], [0.5, 0.0, 0.5, 1.0], [3.0, 0.5, 0.0, 0.1], [1.0, 1.0, 0.1, 0.0]],
        "delay_distribution": "constant",
        "request_timeout_s": 10,
    });
    config_with(base, serde_json::json!({ "original_bugs": original_bugs }))
}

fn key() -> String {
    let key = key_starting_at(0, 4, 3);
    assert_eq!(replicas(&key, 4, 3), [0, 1, 2]);
    key
}

fn run(original_bugs: bool, lines: &[(Time, usize, String)]) -> (Simulation, Vec<u64>) {
    let mut sim = Simulation::new(&story(original_bugs), 1);
    let ids = lines.iter().map(|(at, node, line)| sim.schedule(*at, *node, line).unwrap()).collect();
    sim.run_until_quiet();
    (sim, ids)
}

/// The value request `id` read: `Some(None)` for "not found".
fn read_value(sim: &Simulation, id: u64) -> Option<Option<String>> {
    results_of(sim, id).iter().find_map(|r| match &r.outcome {
        Outcome::Value { entry, .. } => Some(entry.as_ref().and_then(|e| e.value.as_deref().map(String::from))),
        _ => None,
    })
}

#[test]
fn it_is_off_by_default_and_left_out_of_a_config_that_does_not_set_it() {
    let config = Config::from_json(r#"{"addresses": ["a", "b"], "avg_delays": [[0, 1], [1, 0]]}"#).unwrap();
    assert!(!config.original_bugs);
    let json = serde_json::to_string(&config).unwrap();
    assert!(!json.contains("original_bugs"), "{json}");
    let on: Config = serde_json::from_str(&serde_json::to_string(&story(true)).unwrap()).unwrap();
    assert!(on.original_bugs, "the switch survives a round trip (share links, scenarios)");
}

#[test]
fn an_older_insert_overwrites_a_newer_one_on_a_replica_it_reaches_last() {
    // n0 writes `a` at 0 s; n2 writes `b` at 0.1 s, newer. n0's write reaches n2 at 3 s, after
    // n2 stored `b`: the store keeps `b`; the original overwrote it with the older `a`.
    let k = key();
    let lines = [(0, 0, format!("insert {k} a ONE")), (100 * MS, 2, format!("insert {k} b ONE"))];
    let (sim, _) = run(false, &lines);
    assert_eq!((0..3).map(|n| value(&sim, n, &k)).collect::<Vec<_>>(), vec![Some("b".to_string()); 3]);

    let (sim, _) = run(true, &lines);
    assert_eq!(value(&sim, 2, &k).as_deref(), Some("a"), "n2 lost the newer write");
    let (older, newer) = (entry(&sim, 2, &k).unwrap().version, entry(&sim, 0, &k).unwrap().version);
    assert!(older < newer, "n2 holds {older:?}, older than n0's {newer:?}");
}

#[test]
fn an_update_of_a_missing_key_creates_it() {
    let k = key();
    let lines = [(0, 0, format!("update {k} v ALL")), (5 * S, 1, format!("get {k} ALL"))];
    let (sim, ids) = run(false, &lines);
    assert!(
        matches!(&results_of(&sim, ids[0])[0].outcome, Outcome::Failed { error } if error.contains("key not found"))
    );
    assert_eq!(read_value(&sim, ids[1]), Some(None));

    let (sim, ids) = run(true, &lines);
    assert!(matches!(&results_of(&sim, ids[0])[0].outcome, Outcome::Written { .. }));
    assert_eq!(read_value(&sim, ids[1]), Some(Some("v".into())));
}

#[test]
fn a_delete_leaves_no_tombstone_so_read_repair_brings_the_key_back() {
    // Everyone holds v by 3 s. n0 deletes at 10 s: n0 at once, n1 at 10.5 s, n2 at 13 s. n1's read
    // at 10.6 s hears n2's v at 11.6 s, before the delete reaches n2.
    let k = key();
    let lines = [
        (0, 0, format!("insert {k} v ALL")),
        (10 * S, 0, format!("delete {k} ONE")),
        (10 * S + 600 * MS, 1, format!("get {k} ALL")),
        (20 * S, 0, format!("get {k} ALL")),
    ];
    let (sim, ids) = run(false, &lines);
    assert_eq!(read_value(&sim, ids[2]), Some(None), "the tombstones are newer than v");
    assert_eq!(read_value(&sim, ids[3]), Some(None));
    assert!((0..3).all(|n| entry(&sim, n, &k).is_some_and(|e| e.is_tombstone())), "repair spread the tombstone");

    let (sim, ids) = run(true, &lines);
    assert_eq!(read_value(&sim, ids[2]), Some(Some("v".into())), "only n2's v was left to compare");
    assert_eq!(read_value(&sim, ids[3]), Some(Some("v".into())), "the deleted key is back");
    assert!((0..3).all(|n| value(&sim, n, &k).as_deref() == Some("v")), "on every replica");
}
