//! Hinted handoff and anti-entropy meeting crashes: the switches as script lines, a hint
//! delivered to a replica once it restarts, and anti-entropy refilling a replica that lost its
//! disk, with no read anywhere.
//!
//! Three nodes, every key on all three (RF 3), constant 0.1 s delays: the request timeout is
//! 1 s (the default's floor).

mod support;

use kvplayground::model::message::MessageKind;
use kvplayground::sim::script;
use kvplayground::sim::trace::TraceKind;
use kvplayground::{Simulation, Time};
use serde_json::json;
use support::run::{sends, value};
use support::{uniform_config, S};

fn run(extra_config: serde_json::Value, script_text: &str, until: Option<Time>) -> Simulation {
    let config = uniform_config(3, 0.1, extra_config);
    let (lines, errors) = script::parse(script_text, config.len());
    assert!(errors.is_empty(), "{errors:?}");
    let mut sim = Simulation::new(&config, 7);
    for line in lines {
        sim.schedule_action(line.action).unwrap();
    }
    match until {
        Some(t) => sim.run_until(t),
        None => sim.run_until_quiet(),
    }
    sim
}

#[test]
fn a_hint_reaches_a_crashed_replica_after_it_restarts() {
    let script = "0 hints on\n0 crash 2\n100 0 insert k v ONE\n5000 restart 2 keep\n";
    let sim = run(json!({}), script, None);
    assert_eq!(value(&sim, 2, "k").as_deref(), Some("v"), "the hint delivered the write");
    assert_eq!(sends(&sim, MessageKind::Read).len(), 0, "no read repaired it");
    let fault_lines: Vec<_> =
        sim.trace().events().filter(|e| e.kind == TraceKind::Fault).filter_map(|e| e.text).collect();
    assert_eq!(fault_lines, ["hints on", "crash 2", "restart 2 keep"]);

    let without = run(json!({}), "0 crash 2\n100 0 insert k v ONE\n5000 restart 2 keep\n", None);
    assert_eq!(value(&without, 2, "k"), None, "without hints the restarted replica stays stale");
}

#[test]
fn anti_entropy_refills_a_replica_that_restarts_with_an_empty_disk() {
    let script = "0 0 insert a 1 ALL\n0 1 insert b 2 ALL\n3000 crash 2\n4000 restart 2 lose\n";
    let sim = run(json!({"anti_entropy_period_s": 1}), script, Some(12 * S));
    assert_eq!(value(&sim, 2, "a").as_deref(), Some("1"));
    assert_eq!(value(&sim, 2, "b").as_deref(), Some("2"));
    assert_eq!(sends(&sim, MessageKind::Read).len(), 0, "no read repaired it");
    let rounds_from_n2_after_restart =
        sends(&sim, MessageKind::AeDigest).iter().filter(|e| e.from == Some(2) && e.time > 4 * S).count();
    assert!(rounds_from_n2_after_restart >= 5, "n2 runs its rounds again: {rounds_from_n2_after_restart}");
}

#[test]
fn switching_anti_entropy_on_by_line_while_a_node_is_down_takes_effect_when_it_restarts() {
    let script = "0 crash 2\n100 anti-entropy 500\n200 0 insert k v ONE\n3000 restart 2 lose\n";
    let sim = run(json!({}), script, Some(10 * S));
    assert_eq!(value(&sim, 2, "k").as_deref(), Some("v"));
    let digests_while_down =
        sends(&sim, MessageKind::AeDigest).iter().filter(|e| e.from == Some(2) && e.time < 3 * S).count();
    assert_eq!(digests_while_down, 0, "a node that is down runs no rounds");
}
