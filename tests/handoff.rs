//! Hinted handoff: a coordinator keeps a hint for a replica that did not acknowledge its write
//! and delivers it when the replica can be reached again, with no read and no failure detector.
//!
//! Three nodes, every key on all three (RF 3), constant 0.1 s delays: the request timeout is
//! 1 s (the default's floor), so a hint is made 1 s after its write and retried 1 s, 2 s, 4 s
//! ... later.

mod support;

use kvplayground::model::message::MessageKind;
use kvplayground::model::outcome::Outcome;
use kvplayground::sim::network::LinkState;
use kvplayground::sim::trace::TraceKind;
use kvplayground::Simulation;
use serde_json::json;
use support::run::{apply_now, entry, sends, value};
use support::{uniform_config, MS, S};

fn hint_count(sim: &Simulation) -> usize {
    sim.nodes().iter().map(|n| n.hint_count()).sum()
}

/// n0 inserts `k = v` at ONE while its link to n2 drops everything, then the link comes back
/// at 2 s.
fn write_while_n2_is_cut_off(hints: bool) -> Simulation {
    let mut sim = Simulation::new(&uniform_config(3, 0.1, json!({"hinted_handoff": hints})), 1);
    sim.set_link(0, 2, LinkState::Drop);
    let id = sim.schedule(0, 0, "insert k v ONE").unwrap();
    sim.run_until(2 * S);
    let acked = sim.results().iter().find(|r| r.request == Some(id)).expect("the write answers");
    assert!(matches!(acked.outcome, Outcome::Written { .. }), "the write at ONE is acknowledged: {acked:?}");
    assert_eq!(entry(&sim, 2, "k"), None, "n2 missed the write");
    sim.set_link(0, 2, LinkState::Up);
    sim
}

#[test]
fn a_write_missed_by_a_cut_off_replica_reaches_it_by_hint_after_the_link_comes_back() {
    let mut sim = write_while_n2_is_cut_off(true);
    assert_eq!(sim.nodes()[0].hint_count(), 1, "n0 keeps a hint for n2");
    // Hints went out at 1 s (the deadline) and 2 s, and were dropped; the next is at 4 s.
    let tries: Vec<_> = sim.trace().events().filter(|e| e.msg == Some(MessageKind::Hint)).collect();
    assert_eq!(
        tries.iter().map(|e| (e.kind, e.time)).collect::<Vec<_>>(),
        [(TraceKind::Drop, S), (TraceKind::Drop, 2 * S)]
    );
    assert!(
        sim.trace().events().any(|e| e.kind == TraceKind::Timeout && e.time == S),
        "the deadline that made the hint is in the trace"
    );

    sim.run_until_quiet();
    assert_eq!(value(&sim, 2, "k").as_deref(), Some("v"), "n2 got the write from the hint");
    let stored_at = sim.trace().events().find(|e| e.kind == TraceKind::Store && e.node == Some(2)).map(|e| e.time);
    assert_eq!(stored_at, Some(4100 * MS), "delivered by the retry at 4 s");
    assert_eq!(sends(&sim, MessageKind::HintAck).len(), 1);
    assert_eq!(hint_count(&sim), 0, "the acknowledged hint is dropped");
    assert!(sends(&sim, MessageKind::Read).is_empty() && sends(&sim, MessageKind::Repair).is_empty(), "no read");
    assert_eq!(entry(&sim, 2, "k"), entry(&sim, 0, "k"));
}

#[test]
fn without_hints_the_replica_stays_stale() {
    let mut sim = write_while_n2_is_cut_off(false);
    sim.run_until_quiet();
    sim.run_until(sim.now() + 60 * S);
    assert_eq!(entry(&sim, 2, "k"), None);
    assert!(sends(&sim, MessageKind::Hint).is_empty());
    assert_eq!(hint_count(&sim), 0);
}

#[test]
fn a_hint_never_overwrites_a_newer_version_or_revives_a_deleted_key() {
    for newer in ["insert k newer ALL", "delete k ALL"] {
        let mut sim = write_while_n2_is_cut_off(true);
        // The link is back at 2 s; before the hint's retry at 4 s, n1 writes a newer version.
        sim.schedule(2500 * MS, 1, newer).unwrap();
        sim.run_until(3 * S);
        let newest = entry(&sim, 2, "k").expect("n2 holds the newer version");
        sim.run_until_quiet();
        assert!(sends(&sim, MessageKind::Hint).iter().any(|e| e.time == 4 * S), "{newer}: the hint went out");
        assert_eq!(entry(&sim, 2, "k"), Some(newest.clone()), "{newer}: the older hint did not replace it");
        assert_eq!(hint_count(&sim), 0, "{newer}: the hint is acknowledged all the same and dropped");
        for node in 0..3 {
            assert_eq!(entry(&sim, node, "k"), Some(newest.clone()), "{newer}: n{node}");
        }
    }
}

#[test]
fn a_write_that_all_replicas_acknowledge_keeps_no_hint() {
    let mut sim = Simulation::new(&uniform_config(3, 0.1, json!({"hinted_handoff": true})), 1);
    sim.schedule(0, 0, "insert k v ONE").unwrap();
    sim.run_until_quiet();
    assert!(sends(&sim, MessageKind::Hint).is_empty());
    assert!(sim.trace().events().all(|e| e.kind != TraceKind::Timeout), "the write ends with its last ack");
    assert_eq!(sim.now(), 200 * MS);
}

#[test]
fn a_replica_that_never_comes_back_costs_a_bounded_number_of_retries() {
    // Hints expire 10 s (grace) - 1 s (request timeout) after their write.
    let mut sim = Simulation::new(&uniform_config(3, 0.1, json!({"hinted_handoff": true, "tombstone_grace_s": 10})), 1);
    sim.set_link(0, 2, LinkState::Drop);
    for i in 0..5 {
        sim.schedule(i * 10 * MS, 0, &format!("insert k{i} v ONE")).unwrap();
    }
    sim.run_until_quiet();
    assert_eq!(hint_count(&sim), 0, "expired hints are dropped");
    assert!(sim.now() < 20 * S, "the run ends once the hints expire, at {}", sim.now());
    let tries = sim.trace().events().filter(|e| e.msg == Some(MessageKind::Hint)).count();
    // Per key: at 1 s, then retries at 2, 4 and 8 s (the next, at 16 s, finds them expired).
    assert_eq!(tries, 5 * 4);
}

#[test]
fn switching_hints_off_drops_them() {
    let mut sim = write_while_n2_is_cut_off(true);
    apply_now(&mut sim, "hints off");
    assert_eq!(hint_count(&sim), 0);
    sim.run_until_quiet();
    assert_eq!(entry(&sim, 2, "k"), None);
    assert!(sends(&sim, MessageKind::Hint).iter().all(|e| e.time < 2 * S), "no hint is sent after switching off");
}

#[test]
fn hints_cover_a_held_link_too_and_one_hint_per_replica_and_key() {
    let mut sim = Simulation::new(&uniform_config(3, 0.1, json!({"hinted_handoff": true})), 1);
    sim.set_link(0, 2, LinkState::Hold);
    sim.schedule(0, 0, "insert k one ONE").unwrap();
    sim.schedule(100 * MS, 0, "update k two ONE").unwrap();
    sim.run_until(2 * S);
    assert_eq!(sim.nodes()[0].hint_count(), 1, "the newer version replaces the older hint");
    sim.set_link(0, 2, LinkState::Up);
    sim.run_until_quiet();
    assert_eq!(value(&sim, 2, "k").as_deref(), Some("two"));
    assert_eq!(hint_count(&sim), 0);
}

#[test]
fn a_hint_expires_in_time_even_when_a_clock_is_skewed_at_run_time() {
    // Tombstones are purged 10 s after they are stored; hints expire 10 s minus the skew spread
    // minus the 1 s request timeout after their write. The config has no skew, so 9 s, until
    // n1's clock is set 5 s ahead: its delete at 0 s outranks n0's insert at 3 s.
    let mut sim = Simulation::new(&uniform_config(3, 0.1, json!({"hinted_handoff": true, "tombstone_grace_s": 10})), 1);
    apply_now(&mut sim, "skew 1 5000");
    sim.schedule(0, 1, "delete k ALL").unwrap();
    sim.run_until(2 * S);
    assert!(entry(&sim, 2, "k").is_some_and(|e| e.is_tombstone()), "n2 holds the tombstone");

    // n0's write at 3 s is older than the tombstone everywhere it arrives; n2 misses it, so n0
    // keeps a hint for n2 until the link is back at 10.5 s, when n2's tombstone is due to be
    // purged (at 10.1 s). Delivered then, the hint would revive the deleted key on n2.
    sim.set_link(0, 2, LinkState::Drop);
    sim.schedule(3 * S, 0, "insert k revived ONE").unwrap();
    sim.run_until(10_500 * MS);
    sim.set_link(0, 2, LinkState::Up);
    sim.run_until_quiet();

    assert_eq!(value(&sim, 2, "k"), None, "the hint expired before the tombstone could be purged");
    let get = sim.schedule(sim.now(), 2, "get k ALL").unwrap();
    sim.run_until_quiet();
    let answer = sim.results().iter().find(|r| r.request == Some(get)).expect("the get answers");
    assert!(
        matches!(&answer.outcome, Outcome::Value { entry, .. } if entry.as_ref().is_none_or(|e| e.is_tombstone())),
        "the deleted key stays deleted: {answer:?}"
    );
}
