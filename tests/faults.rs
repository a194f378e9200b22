//! Each fault's semantics on the deterministic core, with constant delays so every time can be
//! worked out by hand: crashes and restarts, cuts and partitions, clock skew, loss, duplication
//! and extra delay.
//!
//! The cluster: four nodes, every link 1 s (a node's messages to itself are instant), request
//! timeout 8 s. The key `k` is chosen to live on n0, n1 and n2; n3 coordinates most reads.

mod support;

use kvplayground::model::message::MessageKind;
use kvplayground::model::outcome::{ClientResult, Outcome};
use kvplayground::sim::action::{Action, TimedAction};
use kvplayground::sim::fault::{Fault, Links};
use kvplayground::sim::trace::{TraceEvent, TraceKind, DROP_LINK_CUT, DROP_LOSS, DROP_NODE_DOWN};
use kvplayground::{Config, Simulation};
use support::run::{entry, results_of, sends, value};
use support::{key_starting_at, S};

const FOUR: &str = r#"{"addresses": ["a", "b", "c", "d"],
    "avg_delays": [[0, 1, 1, 1], [1, 0, 1, 1], [1, 1, 0, 1], [1, 1, 1, 0]],
    "delay_distribution": "constant"}"#;

/// A key whose replicas are n0, n1, n2.
fn key() -> String {
    key_starting_at(0, 4, 3)
}

fn sim() -> Simulation {
    Simulation::new(&Config::from_json(FOUR).unwrap(), 1)
}

/// Schedules a script line (`<time_ms> ...`); returns the request id of a command.
fn at(sim: &mut Simulation, line: &str) -> Option<u64> {
    let action = TimedAction::parse(line, 4).unwrap_or_else(|e| panic!("{line}: {e}"));
    sim.schedule_action(action).unwrap()
}

fn request(sim: &mut Simulation, line: &str) -> u64 {
    at(sim, line).unwrap_or_else(|| panic!("{line} is a command"))
}

fn first_result(sim: &Simulation, id: u64) -> &ClientResult {
    sim.results().iter().find(|r| r.request == Some(id)).unwrap_or_else(|| panic!("request {id} answered"))
}

fn value_read(r: &ClientResult) -> Option<String> {
    match &r.outcome {
        Outcome::Value { entry, .. } => entry.as_ref().and_then(|e| e.value.as_deref().map(String::from)),
        other => panic!("expected a value for {:?}, got {other:?}", r.command),
    }
}

fn error(r: &ClientResult) -> &str {
    match &r.outcome {
        Outcome::Failed { error } => error,
        other => panic!("expected a failure for {:?}, got {other:?}", r.command),
    }
}

fn drops(sim: &Simulation, reason: &str) -> Vec<TraceEvent> {
    sim.trace().events().filter(|e| e.kind == TraceKind::Drop && e.text.as_deref() == Some(reason)).collect()
}

#[test]
fn a_crashed_replica_fails_reads_at_all_and_not_at_one() {
    let k = key();
    let mut sim = sim();
    request(&mut sim, &format!("0 0 insert {k} v ALL"));
    at(&mut sim, "5000 crash 2");
    let all = request(&mut sim, &format!("5000 3 get {k} ALL"));
    let one = request(&mut sim, &format!("5000 3 get {k} ONE"));
    let quorum = request(&mut sim, &format!("5000 3 get {k} QUORUM"));
    sim.run_until_quiet();

    assert_eq!(value_read(first_result(&sim, one)).as_deref(), Some("v"));
    assert_eq!(value_read(first_result(&sim, quorum)).as_deref(), Some("v"));
    let failed = first_result(&sim, all);
    assert_eq!(failed.time, 13 * S, "the deadline: 5 s + 8 s");
    assert_eq!(
        error(failed),
        format!("get {k} ALL failed: 2 of 3 replicas answered within the 8.000 s timeout; ALL needs 3")
    );
    // The three reads to n2 were sent, then dropped on arrival.
    let down = drops(&sim, DROP_NODE_DOWN);
    assert_eq!(down.len(), 3);
    assert!(down.iter().all(|e| e.to == Some(2) && e.time == 6 * S && e.sent == Some(5 * S)));
    let fault = sim.trace().events().find(|e| e.kind == TraceKind::Fault).unwrap();
    assert_eq!((fault.time, fault.node, fault.text.as_deref()), (5 * S, Some(2), Some("crash 2")));
}

#[test]
fn a_crashed_node_refuses_commands_and_abandons_what_it_coordinated() {
    let k = key();
    let mut sim = sim();
    let write = request(&mut sim, &format!("0 3 insert {k} v ALL"));
    at(&mut sim, "500 crash 3");
    let typed = request(&mut sim, "600 3 show-all");
    let later = request(&mut sim, &format!("2000 0 get {k} ONE"));
    sim.run_until_quiet();

    let abandoned = first_result(&sim, write);
    assert_eq!(abandoned.time, 500_000);
    assert_eq!(error(abandoned), format!("insert {k} v ALL abandoned: node 3 crashed before the request finished"));
    let refused = first_result(&sim, typed);
    assert_eq!((refused.time, error(refused)), (600_000, "node 3 is down"));
    // The replicas stored the write anyway; their acks to n3 were dropped on arrival.
    assert_eq!(value_read(first_result(&sim, later)).as_deref(), Some("v"));
    assert_eq!(drops(&sim, DROP_NODE_DOWN).len(), 3);
    assert_eq!(results_of(&sim, write).len(), 1, "no answer after the crash");
    assert!(sim.trace().events().all(|e| e.kind != TraceKind::Timeout), "its deadline was discarded");
    assert_eq!(sim.scheduler().faults().down, [3]);
}

#[test]
fn restart_keeps_or_loses_the_store_and_read_repair_refills_it() {
    let k = key();
    for keep in [true, false] {
        let mut sim = sim();
        request(&mut sim, &format!("0 0 insert {k} v ALL"));
        at(&mut sim, "5000 crash 1");
        at(&mut sim, &format!("6000 restart 1 {}", if keep { "keep" } else { "lose" }));
        sim.run_until(6 * S);
        assert_eq!(entry(&sim, 1, &k).is_some(), keep, "keep = {keep}");
        assert!(sim.scheduler().faults().down.is_empty());

        let read = request(&mut sim, &format!("7000 3 get {k} ALL"));
        sim.run_until_quiet();
        assert_eq!(value_read(first_result(&sim, read)).as_deref(), Some("v"), "keep = {keep}");
        let repairs = sim.results().iter().filter(|r| matches!(r.outcome, Outcome::Repaired { .. })).count();
        assert_eq!(repairs, usize::from(!keep), "read repair only when the store was lost");
        assert_eq!(value(&sim, 1, &k).as_deref(), Some("v"), "keep = {keep}: n1 holds the value again");
    }
}

#[test]
fn a_partition_makes_a_replica_stale_until_heal_and_a_read_at_all_repairs_it() {
    let k = key();
    let mut sim = sim();
    request(&mut sim, &format!("0 0 insert {k} old ALL"));
    at(&mut sim, "5000 partition 0,1,3 | 2");
    let update = request(&mut sim, &format!("5000 0 update {k} new QUORUM"));
    let during = request(&mut sim, &format!("5000 3 get {k} ALL"));
    at(&mut sim, "20000 heal");
    sim.run_until(20 * S);
    assert!(first_result(&sim, update).outcome.is_ok(), "n0 and n1 make a quorum");
    assert!(error(first_result(&sim, during)).contains("2 of 3 replicas answered"));
    assert_eq!(value(&sim, 2, &k).as_deref(), Some("old"), "n2 missed the update");
    assert!(!drops(&sim, DROP_LINK_CUT).is_empty());

    let read = request(&mut sim, &format!("21000 3 get {k} ALL"));
    sim.run_until_quiet();
    assert_eq!(value_read(first_result(&sim, read)).as_deref(), Some("new"));
    for node in [0, 1, 2] {
        assert_eq!(value(&sim, node, &k).as_deref(), Some("new"), "n{node} converged");
    }
}

#[test]
fn a_one_way_cut_drops_only_that_direction_and_heal_restores_it() {
    let k = key();
    let mut sim = sim();
    at(&mut sim, "0 cut 3>0");
    let write = request(&mut sim, &format!("0 3 insert {k} v ALL"));
    sim.run_until_quiet();
    assert!(error(first_result(&sim, write)).contains("2 of 3 replicas acknowledged"));
    assert_eq!(entry(&sim, 0, &k), None);
    assert!(drops(&sim, DROP_LINK_CUT).iter().all(|e| (e.from, e.to) == (Some(3), Some(0))));

    let (now, reverse) = (sim.now(), Fault::Cut(Links::OneWay(0, 3)));
    sim.schedule_action(TimedAction { at: now, action: Action::Fault(reverse) }).unwrap();
    at(&mut sim, &format!("{} heal", now / 1000 + 1));
    let again = request(&mut sim, &format!("{} 3 insert {k} w ALL", now / 1000 + 2));
    sim.run_until_quiet();
    assert!(first_result(&sim, again).outcome.is_ok(), "every link is up after heal");
}

#[test]
fn a_clock_behind_loses_a_later_write_and_the_trace_shows_both_versions() {
    let k = key();
    let mut sim = sim();
    at(&mut sim, "0 skew 1 -5000");
    let first = request(&mut sim, &format!("10000 0 insert {k} first ALL"));
    let second = request(&mut sim, &format!("12000 1 insert {k} second ALL"));
    let read = request(&mut sim, &format!("20000 3 get {k} ALL"));
    sim.run_until_quiet();

    assert!(first_result(&sim, first).outcome.is_ok() && first_result(&sim, second).outcome.is_ok());
    assert_eq!(value_read(first_result(&sim, read)).as_deref(), Some("first"), "the later write lost");
    // Both writes travelled with their timestamps: n1's (typed later) is 5 s behind.
    let versions: Vec<_> = sends(&sim, MessageKind::Write)
        .into_iter()
        .map(|e| (e.time, e.value.as_deref().map(String::from), e.version.map(|v| (v.timestamp, v.node))))
        .collect();
    assert!(versions.contains(&(10 * S, Some("first".into()), Some((10 * S as i64, 0)))));
    assert!(versions.contains(&(12 * S, Some("second".into()), Some((7 * S as i64, 1)))));
    assert!(sim.trace().events().any(|e| e.kind == TraceKind::Fault && e.text.as_deref() == Some("skew 1 -5000")));
}

#[test]
fn extra_delay_jitter_and_duplication_change_deliveries() {
    let k = key();
    let mut sim = sim();
    at(&mut sim, "0 delay 3>0 500");
    at(&mut sim, "0 dup 3>1 1");
    let write = request(&mut sim, &format!("0 3 insert {k} v ALL"));
    sim.run_until_quiet();
    let delivered: Vec<_> = sim
        .trace()
        .events()
        .filter(|e| e.kind == TraceKind::Deliver && e.from == Some(3))
        .map(|e| (e.to.unwrap(), e.time))
        .collect();
    assert_eq!(delivered.iter().filter(|d| d.0 == 1).count(), 2, "n1 gets the write twice: {delivered:?}");
    assert!(delivered.contains(&(0, 1_500_000)), "n0's copy is 0.5 s late: {delivered:?}");
    assert!(first_result(&sim, write).outcome.is_ok());
    assert_eq!(results_of(&sim, write).len(), 1, "a duplicate ack is ignored");

    let mut jittered = self::sim();
    at(&mut jittered, "0 jitter * 300");
    request(&mut jittered, &format!("0 3 insert {k} v ALL"));
    jittered.run_until_quiet();
    for e in jittered.trace().events().filter(|e| e.kind == TraceKind::Send) {
        let delay = e.due.unwrap() - e.time;
        assert!((S..=S + 300_000).contains(&delay), "{delay}");
    }
}

#[test]
fn certain_loss_drops_every_message_on_the_link() {
    let k = key();
    let mut sim = sim();
    at(&mut sim, "0 loss 3-2 1");
    let read = request(&mut sim, &format!("0 3 get {k} ALL"));
    sim.run_until_quiet();
    assert!(error(first_result(&sim, read)).contains("2 of 3 replicas answered"));
    let lost = drops(&sim, DROP_LOSS);
    assert_eq!(lost.len(), 1);
    assert_eq!((lost[0].from, lost[0].to, lost[0].due), (Some(3), Some(2), None));
}

#[test]
fn a_held_link_keeps_its_messages_until_that_link_heals() {
    let k = key();
    let mut sim = sim();
    at(&mut sim, &format!("0 0 insert {k} hello ALL"));
    at(&mut sim, "5000 hold 0>2");
    at(&mut sim, &format!("5000 0 update {k} world QUORUM"));
    at(&mut sim, "9000 heal 0>2");
    sim.run_until(8 * S);
    assert_eq!(value(&sim, 2, &k).as_deref(), Some("hello"), "the update waits on the held link");
    assert_eq!(value(&sim, 1, &k).as_deref(), Some("world"));
    assert!(sim.trace().events().any(|e| e.kind == TraceKind::Hold && e.to == Some(2)));
    sim.run_until_quiet();
    assert_eq!(value(&sim, 2, &k).as_deref(), Some("world"), "healing the one link released it");
    let released = sim.trace().events().find(|e| e.kind == TraceKind::Send && e.text.as_deref() == Some("released"));
    assert!(released.as_ref().is_some_and(|e| e.time == 9 * S && e.to == Some(2)), "{released:?}");
}

#[test]
fn a_crash_after_a_request_answered_gives_its_client_no_second_result() {
    // n0's get at ONE answers from n0 at once but waits for n2 (cut off) to decide its repair;
    // the crash ends it without an "abandoned" result after the value already returned.
    let k = key();
    let mut sim = sim();
    at(&mut sim, &format!("0 0 insert {k} v ALL"));
    at(&mut sim, "5000 cut 0-2");
    let get = request(&mut sim, &format!("5000 0 get {k} ONE"));
    at(&mut sim, "5500 crash 0");
    sim.run_until_quiet();
    let results = results_of(&sim, get);
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(value_read(results[0]).as_deref(), Some("v"));
}
