//! The wasm facade as the page uses it, run in headless Chromium (as `scripts/test.sh` does):
//!
//! ```sh
//! CHROMEDRIVER=/usr/bin/chromedriver CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!     cargo test --target wasm32-unknown-unknown --features exports --test wasm
//! ```
//!
//! (`wasm-pack test --headless --chrome -- --test wasm` does the same, but first builds every
//! test target for wasm32, which the native-only ones do not survive.)
//!
//! The page's loop (pop a task from the scheduler, hand it to its node, absorb the node's
//! outputs) must give the same trace as the native run for the same seed, byte for byte
//! (`tests/golden/read-repair.trace.jsonl`, written by `tests/golden.rs`). Every call that takes
//! input from the page must turn bad input into an `Err` (a JS exception), never a trap, and the
//! module must keep working afterwards.
//!
//! Faults go through the same loop: `scheduleLine` queues them, and those that change a node come
//! back out of `pop` as tasks for it, and `faults()` reports what they broke; the fault tour and the partition scenario must give
//! the native golden traces too (`tests/golden/faults.trace.jsonl`, `partition.trace.jsonl`).
//!
//! `benchStandard` is reached through the built package in the browser
//! (`tests/e2e/facade.test.mjs`); `scenarioJson` and `parseScenario` are tested here (a scenario
//! replayed through the page's loop gives the core's own run), and so are the snapshots the
//! page's time travel restores: a copy driven on gives the same run as the original.
#![cfg(target_arch = "wasm32")]

use kvplayground::lex::parse_finite;
use kvplayground::wasm::{
    anomaly_kinds, parse_scenario, replicas_of, scenario_json, validate_config, KvNode, KvScheduler, KvTraceHasher,
    KvWorkload, Outputs, Pacer, Task, MAX_SCENARIO_BYTES,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CONFIG: &str = include_str!("../../examples/config.json");
const SCRIPT: &str = include_str!("../../examples/read-repair.kvs");
const GOLDEN: &str = include_str!("../golden/read-repair.trace.jsonl");
const FAULTS_SCRIPT: &str = include_str!("../../examples/faults.kvs");
const FAULTS_GOLDEN: &str = include_str!("../golden/faults.trace.jsonl");
const PARTITION_SCENARIO: &str = include_str!("../../examples/partition.scenario.json");
const PARTITION_GOLDEN: &str = include_str!("../golden/partition.trace.jsonl");
const SEED: f64 = 42.0;

mod faults;
mod scenarios;
mod workloads;

/// The message of an error as JS sees it (`error.message`).
fn message(error: JsError) -> String {
    let value: JsValue = error.into();
    js_sys::Reflect::get(&value, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_default()
}

/// Unwraps a facade result, failing the test with the JS error message.
fn ok<T>(result: Result<T, JsError>, what: &str) -> T {
    result.unwrap_or_else(|e| panic!("{what} failed: {}", message(e)))
}

/// The scheduler's whole trace as JSON lines.
fn jsonl(scheduler: &KvScheduler) -> String {
    ok(scheduler.trace_json_lines(), "traceJsonLines")
}

/// The scheduler's trace hash.
fn hash(scheduler: &KvScheduler) -> String {
    ok(scheduler.trace_hash(), "traceHash")
}

/// Expects an error; returns its message so the test can check what it says.
fn err<T>(result: Result<T, JsError>, what: &str) -> String {
    match result {
        Ok(_) => panic!("{what} should have been rejected"),
        Err(e) => {
            let text = message(e);
            assert!(!text.is_empty(), "{what}: the error has a message");
            text
        }
    }
}

fn get(object: &JsValue, field: &str) -> JsValue {
    js_sys::Reflect::get(object, &field.into()).unwrap_or_else(|_| panic!("no field {field}"))
}

/// The script's lines as `(time µs, node, command)`, parsed the way `kvsim run` parses them.
fn script_lines() -> Vec<(f64, usize, String)> {
    let (lines, errors) = kvplayground::sim::script::parse(SCRIPT, 4);
    assert!(errors.is_empty(), "{errors:?}");
    lines
        .into_iter()
        .map(|l| match l.action.action {
            kvplayground::sim::action::Action::Command { node, command } => (l.action.at as f64, node, command),
            fault => panic!("the read-repair script has no faults: {fault}"),
        })
        .collect()
}

/// A scheduler and one node per server, created from config text as the page creates them.
fn cluster(config: &str, seed: f64) -> (KvScheduler, Vec<KvNode>) {
    let scheduler = ok(KvScheduler::new(config, seed), "KvScheduler::new");
    let n = get(&ok(validate_config(config), "validateConfig"), "config");
    let n = js_sys::Array::from(&get(&n, "addresses")).length() as usize;
    let nodes = (0..n).map(|i| ok(KvNode::new(config, i), "KvNode::new")).collect();
    (scheduler, nodes)
}

/// One turn of the page's loop: pop, handle, absorb. False when nothing is left.
fn deliver_next(scheduler: &mut KvScheduler, nodes: &mut [KvNode]) -> bool {
    let Some(task) = ok(scheduler.pop(), "KvScheduler::pop") else { return false };
    let node = task.node();
    let outputs = ok(nodes[node].handle(task), "KvNode::handle");
    assert_eq!(outputs.node(), node);
    ok(scheduler.absorb(outputs), "KvScheduler::absorb");
    true
}

/// The read-repair example driven through the facade, as the page drives it; returns the trace.
fn page_loop_trace() -> String {
    let (mut scheduler, mut nodes) = cluster(CONFIG, SEED);
    for (at, node, command) in script_lines() {
        ok(scheduler.schedule_command(at, node, &command), "scheduleCommand");
    }
    let mut steps = 0;
    while deliver_next(&mut scheduler, &mut nodes) {
        steps += 1;
        assert!(steps < 100_000, "the example goes quiet");
    }
    assert!(scheduler.next_due().is_none());
    assert_eq!(scheduler.processed() as usize, steps);
    jsonl(&scheduler)
}

#[wasm_bindgen_test]
fn the_page_loop_gives_the_native_trace_for_the_same_seed() {
    let trace = page_loop_trace();
    assert!(trace.contains(r#""msg":"repair""#), "the story includes a read repair");
    assert_eq!(trace, GOLDEN, "the trace in the browser differs from tests/golden/read-repair.trace.jsonl");
}

#[wasm_bindgen_test]
fn views_and_results_cross_the_boundary_as_plain_objects() {
    let (mut scheduler, mut nodes) = cluster(CONFIG, SEED);
    let id = ok(scheduler.schedule_command(0.0, 0, "insert 5 hello ALL"), "scheduleCommand");
    assert_eq!(id, 0.0);
    // The command and its first writes: messages are in flight with their times.
    assert!(deliver_next(&mut scheduler, &mut nodes));
    let in_flight = js_sys::Array::from(&ok(scheduler.in_flight(), "inFlight"));
    assert_eq!(in_flight.length(), 3, "a write to each of the three replicas");
    for message in in_flight.iter() {
        assert_eq!(get(&message, "kind").as_string().unwrap(), "write");
        assert_eq!(get(&message, "key").as_string().unwrap(), "5");
        assert!(get(&message, "due").as_f64().unwrap() >= get(&message, "sent").as_f64().unwrap());
    }
    while deliver_next(&mut scheduler, &mut nodes) {}
    assert_eq!(scheduler.result_count(), 1, "the scheduler keeps every result");
    let results = js_sys::Array::from(&ok(scheduler.results_between(0, 1), "resultsBetween"));
    assert_eq!(results.length(), 1);
    let result = results.get(0);
    assert_eq!(get(&result, "request").as_f64(), Some(0.0));
    assert_eq!(get(&result, "ok").as_bool(), Some(true));
    assert!(get(&result, "text").as_string().unwrap().starts_with("insert successful"));
    assert!(get(&result, "step").as_f64().is_some_and(|s| s > 0.0), "with the step that gave it");
    assert_eq!(
        js_sys::Array::from(&ok(scheduler.results_between(1, 9), "resultsBetween")).length(),
        0,
        "none past the last"
    );

    let replicas = ok(replicas_of(CONFIG, "5"), "replicasOf");
    assert_eq!(replicas, vec![0, 1, 2]);
    for (i, node) in nodes.iter().enumerate() {
        assert_eq!(node.id(), i);
        let rows = js_sys::Array::from(&ok(node.store(), "store"));
        if replicas.contains(&i) {
            assert_eq!(rows.length(), 1, "n{i} holds key 5");
            assert_eq!(get(&rows.get(0), "value").as_string().unwrap(), "hello");
        } else {
            assert_eq!(rows.length(), 0, "n{i} is not a replica of key 5");
        }
    }
    let events = js_sys::Array::from(&ok(scheduler.trace_since(0), "traceSince"));
    assert_eq!(events.length() as usize, scheduler.trace_length());
    assert_eq!(js_sys::Array::from(&ok(scheduler.trace_since(1_000_000), "traceSince")).length(), 0);
}

#[wasm_bindgen_test]
fn held_link_makes_a_stale_replica_that_read_repair_fixes() {
    let (mut scheduler, mut nodes) = cluster(CONFIG, SEED);
    ok(scheduler.schedule_command(0.0, 0, "insert 5 hello ALL"), "scheduleCommand");
    while deliver_next(&mut scheduler, &mut nodes) {}
    ok(scheduler.schedule_line(scheduler.now(), "hold 0>2"), "scheduleLine hold");
    ok(scheduler.schedule_command(scheduler.now(), 0, "update 5 world QUORUM"), "scheduleCommand");
    while deliver_next(&mut scheduler, &mut nodes) {}
    let value_on = |node: &KvNode| get(&js_sys::Array::from(&ok(node.store(), "store")).get(0), "value").as_string();
    assert_eq!(value_on(&nodes[2]).as_deref(), Some("hello"), "n2 is stale while the link holds");
    ok(scheduler.schedule_line(scheduler.now(), "heal 0>2"), "scheduleLine heal");
    ok(scheduler.schedule_command(scheduler.now(), 3, "get 5 ALL"), "scheduleCommand");
    while deliver_next(&mut scheduler, &mut nodes) {}
    for node in &nodes[..3] {
        assert_eq!(value_on(node).as_deref(), Some("world"), "n{} converged", node.id());
    }
    assert!(jsonl(&scheduler).contains(r#""msg":"repair""#));
}

#[wasm_bindgen_test]
fn bad_configs_are_errors_naming_the_field() {
    let cases: &[(&str, &str, &str)] = &[
        ("not json", "config.json", ""),
        (r#"{"addresses": ["a", "a"], "avg_delays": [[0,0],[0,0]]}"#, "addresses[1]", "duplicate"),
        (r#"{"addresses": ["a", "b"], "avg_delays": [[0,0],[0]]}"#, "avg_delays[1]", "columns"),
        (r#"{"addresses": ["a", "b"], "avg_delays": [[0,0]]}"#, "avg_delays", "rows"),
        (r#"{"addresses": ["a", "b"], "avg_delays": [[0,0],[-1,0]]}"#, "avg_delays[1][0]", "-1 is not a delay"),
        (r#"{"addresses": ["a"], "avg_delays": [[0]], "colour": "red"}"#, "colour", "unknown field `colour`"),
    ];
    for &(text, field, words) in cases {
        let checked = ok(validate_config(text), "validateConfig");
        assert_eq!(get(&checked, "ok").as_bool(), Some(false), "{text}");
        assert_eq!(get(&checked, "field").as_string().as_deref(), Some(field), "{text}");
        let detail = get(&checked, "message").as_string().unwrap();
        assert!(detail.contains(words), "{text}: {detail}");

        let e = err(KvScheduler::new(text, 1.0), "KvScheduler::new with a bad config");
        assert!(e.contains(field) && e.starts_with("invalid config"), "{e}");
        err(KvNode::new(text, 0), "KvNode::new with a bad config");
        err(replicas_of(text, "5"), "replicasOf with a bad config");
    }

    let checked = ok(validate_config(CONFIG), "validateConfig");
    assert_eq!(get(&checked, "ok").as_bool(), Some(true));
    assert_eq!(get(&checked, "replication_factor").as_f64(), Some(3.0));
    assert_eq!(get(&checked, "request_timeout_us").as_f64(), Some(24_000_000.0));
    assert_eq!(get(&get(&checked, "config"), "seed").as_f64(), Some(42.0));

    // The module still works.
    assert_eq!(page_loop_trace(), GOLDEN);
}

/// The page reads JSON with the browser's own parser, kvsim with serde_json: every malformed
/// config and scenario must get the same verdict (the same field) from both.
#[wasm_bindgen_test]
fn the_page_and_kvsim_name_the_same_field_for_malformed_files() {
    let configs = [
        "not json",
        "null",
        "[1, 2]",
        r#"{"addresses": "a", "avg_delays": [[0]]}"#,
        r#"{"addresses": ["a"], "avg_delays": [[0]], "colour": "red"}"#,
        r#"{"addresses": ["a"], "avg_delays": [[0]], "seed": 1.5}"#,
        r#"{"addresses": ["a"], "avg_delays": [[0]], "seed": -1}"#,
        r#"{"addresses": ["a", "b"], "avg_delays": [[0, "x"], [0, 0]]}"#,
        r#"{"addresses": ["a"], "avg_delays": [[0]], "replication_factor": 0}"#,
        r#"{"avg_delays": [[0]]}"#,
    ];
    for text in configs {
        let native = kvplayground::model::config::Config::from_json(text).expect_err(text);
        let checked = ok(validate_config(text), "validateConfig");
        assert_eq!(get(&checked, "field").as_string(), Some(native.field.clone()), "{text}: kvsim says {native}");
    }
    let file = |fields: &str| format!(r#"{{"version": 1, "config": {CONFIG}, "seed": 7, "script": []{fields}}}"#);
    let scenarios = [
        "null".to_string(),
        "[1, 2]".to_string(),
        r#"{"version": 1.5}"#.to_string(),
        r#"{"version": "1"}"#.to_string(),
        r#"{"version": 2}"#.to_string(),
        r#"{"seed": 1}"#.to_string(),
        file(r#", "colour": 1"#),
        file(r#", "time_ms": "soon""#),
        file("").replace(r#""seed": 7"#, r#""seed": 7.5"#),
        file("").replace(r#""addresses""#, r#""colour": 1, "addresses""#),
        file("").replace(r#""script": []"#, r#""script": "0 0 get 5 ONE""#),
    ];
    for text in &scenarios {
        let native = kvplayground::sim::scenario::Scenario::parse(text).expect_err(text);
        let page = err(parse_scenario(text), "parseScenario");
        assert!(
            page.starts_with(&format!("invalid scenario: {}: ", native.field)),
            "{text}: page says {page}, kvsim {native}"
        );
    }
}

#[wasm_bindgen_test]
fn bad_arguments_are_errors_and_the_module_keeps_working() {
    // Node ids out of range.
    let e = err(KvNode::new(CONFIG, 4), "KvNode::new(config, 4)");
    assert!(e.contains("no node 4"), "{e}");
    let (mut scheduler, mut nodes) = cluster(CONFIG, SEED);
    err(scheduler.schedule_command(0.0, 4, "get 5 ONE"), "scheduleCommand on node 4");

    // Seeds and times that are not whole non-negative numbers.
    for seed in [-1.0, f64::NAN, f64::INFINITY, 0.5, 1e300] {
        err(KvScheduler::new(CONFIG, seed), &format!("KvScheduler::new with seed {seed}"));
    }
    for time in [-1.0, f64::NAN, f64::NEG_INFINITY, f64::INFINITY] {
        err(scheduler.schedule_command(time, 0, "get 5 ONE"), &format!("scheduleCommand at {time}"));
    }
    let mut pacer = Pacer::new();
    for delay in [-1.0, f64::NAN] {
        err(pacer.arm(delay, js_sys::Function::new_no_args("")), &format!("Pacer::arm({delay})"));
    }
    pacer.cancel();

    // A task handed to the wrong node.
    ok(scheduler.schedule_command(0.0, 0, "insert 5 hello ALL"), "scheduleCommand");
    let task: Task = ok(scheduler.pop(), "pop").expect("the command is due");
    assert_eq!(task.node(), 0);
    assert_eq!(task.time(), 0.0);
    let e = err(nodes[1].handle(task), "a task for n0 handed to n1");
    assert!(e.contains("node 0") && e.contains("node 1"), "{e}");

    // Outputs of a node the scheduler does not have.
    let (mut small, _) = cluster(r#"{"addresses": ["a", "b"], "avg_delays": [[0, 1], [1, 0]]}"#, 1.0);
    let (mut big, mut big_nodes) = cluster(CONFIG, SEED);
    ok(big.schedule_command(0.0, 3, "get 5 ONE"), "scheduleCommand");
    let task = ok(big.pop(), "pop").unwrap();
    let outputs: Outputs = ok(big_nodes[3].handle(task), "handle");
    assert_eq!(outputs.node(), 3);
    err(small.absorb(outputs), "outputs of n3 absorbed by a 2-node scheduler");
    // Outputs of a node the small cluster has, sending to one it has not.
    ok(big.schedule_command(0.0, 1, "get 5 ALL"), "scheduleCommand");
    let task = ok(big.pop(), "pop").unwrap();
    let outputs: Outputs = ok(big_nodes[1].handle(task), "handle");
    assert_eq!(outputs.node(), 1);
    let e = err(small.absorb(outputs), "reads to n2 and n3 absorbed by a 2-node scheduler");
    assert!(e.contains("no node 2") || e.contains("no node 3"), "{e}");

    // Commands that do not parse are answered with an error result, not an exception.
    let two = r#"{"addresses": ["a", "b"], "avg_delays": [[0, 1], [1, 0]]}"#;
    let mut two_nodes: Vec<KvNode> = (0..2).map(|i| ok(KvNode::new(two, i), "KvNode::new")).collect();
    ok(small.schedule_command(0.0, 1, "frobnicate 5"), "scheduleCommand");
    ok(small.schedule_command(0.0, 0, "get"), "scheduleCommand");
    while deliver_next(&mut small, &mut two_nodes) {}
    let results = js_sys::Array::from(&ok(small.results_between(0, small.result_count()), "resultsBetween"));
    assert_eq!(results.length(), 2);
    for result in results.iter() {
        assert_eq!(get(&result, "ok").as_bool(), Some(false));
        assert!(get(&result, "text").as_string().unwrap().contains("Invalid command"));
    }

    // After all that, the module still gives the native trace.
    assert_eq!(page_loop_trace(), GOLDEN);
}

/// Replays a scenario file as the page does: `parseScenario`, then every timed line through
/// `scheduleTimedLine` and the page's loop to the end.
fn replay_scenario(text: &str) -> KvScheduler {
    let parsed = ok(parse_scenario(text), "parseScenario");
    let config = get(&parsed, "config").as_string().expect("config as text");
    let (mut scheduler, mut nodes) = cluster(&config, get(&parsed, "seed").as_f64().expect("seed"));
    for line in js_sys::Array::from(&get(&parsed, "script")).iter() {
        let line = line.as_string().expect("script lines are text");
        ok(scheduler.schedule_timed_line(&line), &format!("scheduleTimedLine {line}"));
    }
    while deliver_next(&mut scheduler, &mut nodes) {}
    scheduler
}
