//! Anti-entropy: nodes compare bucket hashes of the keys they share, exchange only what differs,
//! and converge without reads; deleted keys stay deleted; switched off, nothing changes.

mod support;

use kvplayground::model::message::MessageKind;
use kvplayground::model::outcome::Outcome;
use kvplayground::model::placement::Replicas;
use kvplayground::sim::network::LinkState;
use kvplayground::sim::trace::{TraceEvent, TraceKind};
use kvplayground::{sim::script, Config, NodeId, Simulation, Time};
use serde_json::json;
use support::run::{apply_now, sends};
use support::{replicas, uniform_config, MS, S};

/// The sends of messages of kind `msg` from time `since` on.
fn sends_since(sim: &Simulation, msg: MessageKind, since: Time) -> Vec<TraceEvent> {
    sends(sim, msg).into_iter().filter(|e| e.time >= since).collect()
}

/// Cuts `node` off from every other node (both directions), or reconnects it.
fn isolate(sim: &mut Simulation, n: usize, node: NodeId, state: LinkState) {
    for other in (0..n).filter(|&o| o != node) {
        sim.set_link(node, other, state);
        sim.set_link(other, node, state);
    }
}

/// Every replica of every key holds the same entry.
fn assert_replicas_agree(sim: &Simulation, keys: &[String], rf: usize) {
    let n = sim.nodes().len();
    for key in keys {
        let holders = replicas(key, n, rf);
        let first = sim.nodes()[holders[0]].store().get(key);
        for &r in &holders {
            assert_eq!(sim.nodes()[r].store().get(key), first, "{key}: n{r} differs from n{}", holders[0]);
        }
    }
}

/// The numbers in an anti-entropy message's trace text: `round R: B buckets differ, E entries`.
fn numbers(event: &TraceEvent) -> Vec<usize> {
    let text = event.text.as_deref().unwrap_or_default();
    text.split(|c: char| !c.is_ascii_digit()).filter_map(|w| w.parse().ok()).collect()
}

#[test]
fn replicas_converge_without_reads_after_a_partition_heals() {
    let n = 5;
    let mut sim = Simulation::new(&uniform_config(n, 0.05, json!({"anti_entropy_period_s": 1})), 3);
    isolate(&mut sim, n, 4, LinkState::Drop);
    let keys: Vec<String> = (0..40).map(|i| format!("key{i}")).collect();
    for (i, key) in keys.iter().enumerate() {
        sim.schedule(i as Time * 50 * MS, i % 4, &format!("insert {key} v{i} ONE")).unwrap();
    }
    sim.run_until(5 * S);
    let missing =
        keys.iter().filter(|k| Replicas::of(k, n, 3).contains(4)).filter(|k| sim.nodes()[4].store().get(k).is_none());
    assert!(missing.count() > 5, "n4 missed the writes of its keys");

    isolate(&mut sim, n, 4, LinkState::Up);
    // Two full cycles: every node starts a round with every peer twice.
    sim.run_until(5 * S + 2 * (n as Time - 1) * S + S);
    assert_replicas_agree(&sim, &keys, 3);
    assert!(sends(&sim, MessageKind::Read).is_empty() && sends(&sim, MessageKind::Repair).is_empty());
    assert!(!sends_since(&sim, MessageKind::AeEntries, 5 * S).is_empty());
}

#[test]
fn only_the_differing_bucket_is_exchanged() {
    let n = 3;
    let mut sim = Simulation::new(&uniform_config(n, 0.05, json!({"anti_entropy_period_s": 5})), 1);
    let keys: Vec<String> = (0..200).map(|i| format!("key{i}")).collect();
    for (i, key) in keys.iter().enumerate() {
        sim.schedule(i as Time * MS, i % n, &format!("insert {key} v ALL")).unwrap();
    }
    sim.run_until(S);
    // n2 misses one update.
    sim.set_link(0, 2, LinkState::Drop);
    sim.schedule(S, 0, "update key7 changed ONE").unwrap();
    sim.run_until(1500 * MS);
    sim.set_link(0, 2, LinkState::Up);
    assert_eq!(sim.nodes()[2].store().get("key7").and_then(|e| e.value.as_deref()), Some("v"));

    // Rounds start at 1.67 s + 5 s k (n0), 3.33 s + 5 s k (n1), 5 s k (n2); each takes 0.1 s.
    sim.run_until(30 * S + 200 * MS);
    assert_replicas_agree(&sim, &keys, 3);
    let diffs = sends_since(&sim, MessageKind::AeDiff, 1500 * MS);
    assert_eq!(diffs.len(), sends_since(&sim, MessageKind::AeDigest, 1500 * MS).len(), "every digest is answered");
    for diff in &diffs {
        let (buckets, entries) = (numbers(diff)[1], numbers(diff)[2]);
        assert!(buckets <= 1, "at most the one bucket of key7 differs: {:?}", diff.text);
        assert!(entries <= 12, "only that bucket's few entries, not all 200 keys: {:?}", diff.text);
        assert_eq!(buckets == 0, entries == 0, "{:?}", diff.text);
    }
    assert!(diffs.iter().any(|d| numbers(d)[1] == 1), "the stale bucket was found");
    // Only n0 and n1 hold the update n2 lacks; each sends it at most once, in one message.
    let entries = sends_since(&sim, MessageKind::AeEntries, 1500 * MS);
    assert!((1..=2).contains(&entries.len()), "{entries:?}");
    assert!(entries.iter().all(|e| numbers(e)[1] == 1 && e.to == Some(2)), "{entries:?}");
    assert_eq!(sends_since(&sim, MessageKind::AeAck, 1500 * MS).len(), entries.len());
}

#[test]
fn a_deleted_key_is_never_revived_and_tombstones_wait_for_unreachable_peers() {
    let n = 3;
    let mut sim =
        Simulation::new(&uniform_config(n, 0.05, json!({"anti_entropy_period_s": 1, "tombstone_grace_s": 5})), 1);
    sim.schedule(0, 0, "insert k v ALL").unwrap();
    sim.run_until(S);
    isolate(&mut sim, n, 2, LinkState::Drop);
    sim.schedule(S, 0, "delete k ONE").unwrap();
    sim.run_until(20 * S);
    for node in [0, 1] {
        let kept = sim.nodes()[node].store().get("k");
        assert!(kept.is_some_and(|e| e.is_tombstone()), "n{node} keeps the tombstone while n2 is unreachable");
    }
    assert!(sim.nodes()[2].store().get("k").is_some_and(|e| !e.is_tombstone()), "n2 missed the delete");

    isolate(&mut sim, n, 2, LinkState::Up);
    sim.run_until(40 * S);
    let revived = sim.trace().events().filter(|e| e.kind == TraceKind::Store && e.time > S);
    assert!(revived.into_iter().all(|e| e.value.is_none()), "no store after the delete holds a value");
    for node in 0..n {
        assert_eq!(sim.nodes()[node].store().get("k"), None, "n{node} purged the tombstone in the end");
    }
    let id = sim.submit(1, "get k ALL").unwrap();
    sim.run_until_quiet();
    let got = sim.results().iter().find(|r| r.request == Some(id)).map(|r| &r.outcome);
    assert!(matches!(got, Some(Outcome::Value { entry: None, .. })), "{got:?}");
}

fn read_repair_example(extra: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let config_text = std::fs::read_to_string(format!("{root}/examples/config.json")).unwrap();
    let config_text = format!("{}{extra}}}", config_text.trim().trim_end_matches('}'));
    let config = Config::from_json(&config_text).unwrap();
    let script_text = std::fs::read_to_string(format!("{root}/examples/read-repair.kvs")).unwrap();
    let mut sim = Simulation::new(&config, 42);
    for line in script::parse(&script_text, config.len()).0 {
        sim.schedule_action(line.action).unwrap();
    }
    sim.run_until_quiet();
    sim.trace().to_json_lines()
}

#[test]
fn switched_off_nothing_changes() {
    let golden = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/read-repair.trace.jsonl"));
    let explicit = read_repair_example(r#", "hinted_handoff": false, "anti_entropy_period_s": null"#);
    assert_eq!(explicit, golden.unwrap());
    let on = read_repair_example(r#", "hinted_handoff": true, "anti_entropy_period_s": 2"#);
    assert!(on.contains(r#""msg":"ae_digest""#));
}

#[test]
fn switching_anti_entropy_at_run_time() {
    let mut sim = Simulation::new(&uniform_config(3, 0.05, json!({})), 1);
    sim.run_until(10 * S);
    assert!(sim.trace().is_empty(), "off by default");
    apply_now(&mut sim, "anti-entropy 1000");
    sim.run_until(20 * S);
    let rounds = sends(&sim, MessageKind::AeDigest);
    assert_eq!(rounds.len(), 3 * 10, "one round per node per second");
    assert!(rounds.iter().all(|e| e.time > 10 * S));
    apply_now(&mut sim, "anti-entropy off");
    sim.run_until(40 * S);
    assert!(sends_since(&sim, MessageKind::AeDigest, 20 * S + 1).is_empty(), "no round after switching off");
    assert!(sim.is_quiet());
}

#[test]
fn same_seed_same_trace_with_both_features_on() {
    let c = Config::from_json(
        r#"{"addresses": ["a", "b", "c", "d"],
            "avg_delays": [[0, 0.3, 1, 0.2], [0.3, 0, 0.4, 0.2], [1, 0.4, 0, 0.1], [0.2, 0.2, 0.1, 0]],
            "hinted_handoff": true, "anti_entropy_period_s": 0.7}"#,
    )
    .unwrap();
    let run = |seed| {
        let mut sim = Simulation::new(&c, seed);
        sim.set_link(0, 2, LinkState::Drop);
        for i in 0..20 {
            sim.schedule(i * 150 * MS, i as usize % 4, &format!("insert k{} v{i} ONE", i % 7)).unwrap();
        }
        sim.schedule(2 * S, 1, "delete k3").unwrap();
        sim.run_until(4 * S);
        sim.set_link(0, 2, LinkState::Up);
        sim.run_until(30 * S);
        sim.trace().to_json_lines()
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
    assert!(run(7).contains(r#""msg":"hint""#) && run(7).contains(r#""msg":"ae_entries""#));
}
