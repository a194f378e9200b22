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

const CONFIG: &str = include_str!("../examples/config.json");
const SCRIPT: &str = include_str!("../examples/read-repair.kvs");
const GOLDEN: &str = include_str!("golden/read-repair.trace.jsonl");
const FAULTS_SCRIPT: &str = include_str!("../examples/faults.kvs");
const FAULTS_GOLDEN: &str = include_str!("golden/faults.trace.jsonl");
const PARTITION_SCENARIO: &str = include_str!("../examples/partition.scenario.json");
const PARTITION_GOLDEN: &str = include_str!("golden/partition.trace.jsonl");
const SEED: f64 = 42.0;

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

/// Drives `lines` (`(time µs, action line)`) through the page's loop with `scheduleLine`.
fn page_loop_with_lines(config: &str, seed: f64, lines: &[(f64, String)]) -> (KvScheduler, Vec<KvNode>) {
    let (mut scheduler, mut nodes) = cluster(config, seed);
    for (at, line) in lines {
        ok(scheduler.schedule_line(*at, line), &format!("scheduleLine {line}"));
    }
    let mut steps = 0;
    while deliver_next(&mut scheduler, &mut nodes) {
        steps += 1;
        assert!(steps < 1_000_000, "the run goes quiet");
    }
    (scheduler, nodes)
}

#[wasm_bindgen_test]
fn faults_through_the_page_loop_give_the_native_trace() {
    let (lines, errors) = kvplayground::sim::script::parse(FAULTS_SCRIPT, 4);
    assert!(errors.is_empty(), "{errors:?}");
    let lines: Vec<_> = lines.iter().map(|l| (l.action.at as f64, l.action.action.to_string())).collect();
    let (scheduler, nodes) = page_loop_with_lines(CONFIG, SEED, &lines);
    assert_eq!(jsonl(&scheduler), FAULTS_GOLDEN, "the fault tour in the browser differs from the native run");
    assert!(js_sys::Array::from(&get(&ok(scheduler.faults(), "faults"), "down")).length() == 0, "n2 restarted");
    // n2 restarted without its store, and read repair refilled it: the KvNode got the restart.
    let rows = js_sys::Array::from(&ok(nodes[2].store(), "store"));
    assert!(rows.length() >= 1);

    let scheduler = replay_scenario(PARTITION_SCENARIO);
    assert_eq!(jsonl(&scheduler), PARTITION_GOLDEN);
    // The ShiViz log, as the page makes it: its trace handed to the exports package.
    let shiviz = ok(kvplayground::wasm::shiviz_of_trace(&jsonl(&scheduler)), "shivizOfTrace");
    assert!(shiviz.starts_with("n0 {\"n0\":1}\n"));
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

#[wasm_bindgen_test]
fn the_core_reports_its_fault_state() {
    let (mut scheduler, mut nodes) = cluster(CONFIG, SEED);
    for line in ["crash 2", "skew 1 -1500", "hints on", "anti-entropy 2000", "cut 0>1", "loss 2-3 0.5"] {
        ok(scheduler.schedule_line(0.0, line), &format!("scheduleLine {line}"));
    }
    // Anti-entropy rounds never end: run until nothing but them is left.
    while !scheduler.is_quiet() && deliver_next(&mut scheduler, &mut nodes) {}
    let faults = ok(scheduler.faults(), "faults");
    let numbers = |field: &str| -> Vec<f64> {
        js_sys::Array::from(&get(&faults, field)).iter().map(|v| v.as_f64().expect("a number")).collect()
    };
    assert_eq!(numbers("down"), [2.0]);
    assert_eq!(numbers("clock_skew_us"), [0.0, -1_500_000.0, 0.0, 0.0]);
    assert_eq!(get(&faults, "hinted_handoff").as_bool(), Some(true));
    assert_eq!(get(&faults, "anti_entropy_period_us").as_f64(), Some(2_000_000.0));
    let links: Vec<(f64, f64, String, f64)> = js_sys::Array::from(&get(&faults, "links"))
        .iter()
        .map(|l| {
            let n = |f| get(&l, f).as_f64().unwrap();
            (n("from"), n("to"), get(&l, "state").as_string().unwrap(), n("loss"))
        })
        .collect();
    let expected = [(0.0, 1.0, "drop", 0.0), (2.0, 3.0, "up", 0.5), (3.0, 2.0, "up", 0.5)];
    assert_eq!(links, expected.map(|(f, t, s, l)| (f, t, s.to_string(), l)));
    ok(scheduler.schedule_line(0.0, "heal"), "heal");
    ok(scheduler.schedule_line(0.0, "anti-entropy off"), "anti-entropy off");
    while !scheduler.is_quiet() && deliver_next(&mut scheduler, &mut nodes) {}
    let faults = ok(scheduler.faults(), "faults");
    assert_eq!(js_sys::Array::from(&get(&faults, "links")).length(), 2, "heal leaves the loss, which is no cut");
    assert!(get(&faults, "anti_entropy_period_us").is_null());
}

#[wasm_bindgen_test]
fn scenarios_round_trip_through_the_facade() {
    let lines: Vec<String> =
        ["0 0 insert 5 hello ALL", "1200 crash 2", "1500.5 restart 2 keep", "2000 partition 0,1 | 2,3"]
            .iter()
            .map(|l| l.to_string())
            .collect();
    let text = ok(scenario_json(CONFIG, 7.0, lines.clone(), None, None), "scenarioJson");
    let again = ok(scenario_json(CONFIG, 7.0, lines, None, None), "scenarioJson");
    assert_eq!(text, again);
    let core = kvplayground::sim::scenario::Scenario::parse(&text).expect("the core reads the page's scenario").run();
    assert_eq!(hash(&replay_scenario(&text)), core.trace().hash_hex(), "the page replays the core's run");

    let e = err(scenario_json(CONFIG, 7.0, vec!["10 crash 9".into()], None, None), "scenarioJson with a bad line");
    assert!(e.contains("script[0]") && e.contains("no node 9"), "{e}");
    let e = err(scenario_json("{", 7.0, vec![], None, None), "scenarioJson with a bad config");
    assert!(e.contains("invalid config"), "{e}");
    // A generated workload: written with every field, read back, and a bad spec named.
    let text = ok(
        scenario_json(CONFIG, 7.0, vec![], Some(2.5), Some("ops=300 keys=5".into())),
        "scenarioJson with a workload",
    );
    let parsed = ok(parse_scenario(&text), "parseScenario with a workload");
    let spec = get(&parsed, "workload").as_string().expect("the workload's spec");
    assert_eq!(spec, "ops=300 rate=1000 clients=16 keys=5 dist=uniform mix=get:50/insert:50 level=QUORUM seed=1");
    let e = err(scenario_json(CONFIG, 7.0, vec![], None, Some("ops=lots".into())), "scenarioJson with a bad workload");
    assert!(e.contains("workload") && e.contains("ops=lots"), "{e}");
    for bad in ["", "{", "[]", r#"{"version": 2}"#, r#"{"version": 1, "config": {}, "seed": 1, "script": []}"#] {
        let e = err(parse_scenario(bad), &format!("parseScenario({bad:?})"));
        assert!(e.starts_with("invalid scenario"), "{e}");
    }
}

#[wasm_bindgen_test]
fn bad_fault_lines_are_errors_and_the_module_keeps_working() {
    let (mut scheduler, _) = cluster(CONFIG, SEED);
    let cases = [
        ("crash 9", "there is no node 9"),
        ("restart 1 maybe", "neither keep"),
        ("cut 0", "is not a link"),
        ("partition 0,1 | 2", "node 3 is in no group"),
        ("loss 0-1 2", "not a probability"),
        ("skew 1 soon", "not a time"),
        ("explode 2", "is not a node number"),
        ("", "is not a node number"),
        ("9 get 5 ONE", "there is no node 9"),
    ];
    for (line, words) in cases {
        let e = err(scheduler.schedule_line(0.0, line), &format!("scheduleLine({line:?})"));
        assert!(e.contains(words), "{line}: {e}");
    }
    for time in [-1.0, f64::NAN] {
        err(scheduler.schedule_line(time, "heal"), &format!("scheduleLine at {time}"));
    }
    assert!(scheduler.next_due().is_none(), "nothing was scheduled");
    let scheduled = ok(scheduler.schedule_line(0.0, "  partition n0 ,1|2 , 3 "), "scheduleLine");
    assert_eq!(get(&scheduled, "line").as_string().as_deref(), Some("partition 0,1 | 2,3"));
    assert!(get(&scheduled, "request").is_null());
    let scheduled = ok(scheduler.schedule_line(0.0, "0 get 5 ONE"), "scheduleLine");
    assert_eq!(get(&scheduled, "request").as_f64(), Some(0.0));
    assert_eq!(page_loop_trace(), GOLDEN);
}

#[wasm_bindgen_test]
fn the_browser_reads_numbers_in_lines_as_rust_does() {
    let texts = [
        "0",
        "1",
        "-0",
        "+1",
        "0.5",
        ".5",
        "5.",
        "+.5",
        "-2.5e-3",
        "1E5",
        "1e+5",
        "007",
        "0.1",
        "0.3",
        "2.2250738585072011e-308",
        "9007199254740993",
        "1.00000000000000011102230246251565404236316680908203125",
        "123456789012345678901234567890e-20",
        "1e-400",
        "1e400",
        "",
        ".",
        "e5",
        "1e",
        "1e+",
        "1.2.3",
        "1e5e3",
        "+-1",
        "--1",
        "-",
        "inf",
        "-infinity",
        "NaN",
        "0x10",
        " 1",
        "1 ",
        "1_0",
        "Infinity",
        "٣",
    ];
    for text in texts {
        let native = text.parse::<f64>().ok().filter(|x| x.is_finite());
        let page = parse_finite(text);
        assert_eq!(page.map(f64::to_bits), native.map(f64::to_bits), "{text:?}: {page:?} != {native:?}");
    }
}

#[wasm_bindgen_test]
fn a_snapshot_driven_on_gives_the_same_run_as_the_original() {
    let (mut scheduler, mut nodes) = cluster(CONFIG, SEED);
    for (at, node, command) in script_lines() {
        ok(scheduler.schedule_command(at, node, &command), "scheduleCommand");
    }
    for at_step in [0, 1, 7, 20] {
        let (mut copy, mut copies) = (scheduler.snapshot(), nodes.iter().map(KvNode::snapshot).collect::<Vec<_>>());
        assert_eq!(jsonl(&copy), jsonl(&scheduler), "a copy starts where the original is");
        while deliver_next(&mut copy, &mut copies) {}
        assert_eq!(jsonl(&copy), GOLDEN, "the copy taken at step {at_step} runs on to the native trace");
        while scheduler.processed() < f64::from(at_step + 1) && deliver_next(&mut scheduler, &mut nodes) {}
    }
    // The original is untouched by its copies' runs.
    while deliver_next(&mut scheduler, &mut nodes) {}
    assert_eq!(jsonl(&scheduler), GOLDEN);
}

#[wasm_bindgen_test]
fn parse_scenario_gives_what_the_page_replays_or_an_error_naming_the_field() {
    let lines: Vec<String> = vec!["0 0 insert 5 hello ALL".into(), "1200.5 crash 2".into()];
    let text = ok(scenario_json(CONFIG, 7.0, lines.clone(), Some(1300.25), None), "scenarioJson with a moment");
    let parsed = ok(parse_scenario(&text), "parseScenario");
    assert_eq!(get(&parsed, "seed").as_f64(), Some(7.0));
    assert_eq!(get(&parsed, "timeMs").as_f64(), Some(1300.25));
    let script: Vec<String> =
        js_sys::Array::from(&get(&parsed, "script")).iter().filter_map(|l| l.as_string()).collect();
    assert_eq!(script, lines);
    let config = get(&parsed, "config").as_string().expect("config as text");
    assert!(ok(validate_config(&config), "validateConfig").is_object());
    assert_eq!(get(&ok(validate_config(&config), "validateConfig"), "ok").as_bool(), Some(true));
    let without =
        ok(parse_scenario(&ok(scenario_json(CONFIG, 7.0, lines, None, None), "scenarioJson")), "parseScenario");
    assert!(get(&without, "timeMs").is_undefined(), "no moment, no timeMs");

    let good: serde_json::Value = serde_json::from_str(&text).unwrap();
    let with = |field: &str, value: serde_json::Value| {
        let mut document = good.clone();
        document[field] = value;
        document.to_string()
    };
    let cases = [
        ("not json".to_string(), "invalid scenario: scenario:"),
        (with("version", 2.into()), "version: 2 is not supported"),
        (with("script", serde_json::json!(["10 crash 9"])), "script[0]"),
        (with("time_ms", (-1).into()), "time_ms"),
        (with("seed", serde_json::json!(1u64 << 60)), "seed"),
        (with("config", serde_json::json!({"addresses": ["a"], "avg_delays": [[-1]]})), "config.avg_delays"),
        (" ".repeat(MAX_SCENARIO_BYTES + 1), "too long"),
    ];
    for (bad, words) in cases {
        let e = err(parse_scenario(&bad), "parseScenario of a bad file");
        assert!(e.contains(words), "{}: {e}", &bad[..bad.len().min(80)]);
    }
    assert_eq!(page_loop_trace(), GOLDEN, "the module keeps working");
}

/// A fresh cluster of the example config running `spec` as a generated workload.
fn workload_cluster(spec: &str) -> (KvScheduler, Vec<KvNode>) {
    let (mut scheduler, mut nodes) = cluster(CONFIG, SEED);
    for node in &mut nodes {
        ok(scheduler.absorb(ok(node.start(0.0), "start")), "absorb");
    }
    scheduler.set_workload(&ok(KvWorkload::new(spec), "KvWorkload::new"));
    (scheduler, nodes)
}

#[wasm_bindgen_test]
fn a_run_that_keeps_no_trace_counts_and_indexes_its_events_and_keeps_them_again_when_asked() {
    let spec = "ops=300 rate=200 keys=20 level=ONE";
    let (mut kept, mut nodes) = workload_cluster(spec);
    while !kept.is_quiet() {
        nodes = ok(kept.run_batch(nodes, 97.0, f64::INFINITY, true), "runBatch");
    }
    let (mut paused, mut nodes) = workload_cluster(spec);
    paused.keep_trace(false);
    nodes = ok(paused.run_batch(nodes, 1_500.0, f64::INFINITY, true), "runBatch");
    assert_eq!(paused.trace_kept_from(), paused.trace_length(), "nothing kept while paused");
    assert!(paused.trace_unkept_until().is_some_and(|t| t > 0.0 && t <= paused.now()));
    let e = err(paused.trace_json_lines(), "traceJsonLines of a run that kept part of its trace");
    assert!(e.contains("replay"), "{e}");
    paused.keep_trace(true);
    while !paused.is_quiet() {
        nodes = ok(paused.run_batch(nodes, 97.0, f64::INFINITY, true), "runBatch");
    }
    assert_eq!(paused.trace_length(), kept.trace_length(), "every event counted");
    let from = paused.trace_kept_from();
    assert!(from > 0 && from < paused.trace_length());
    let json = |s: &KvScheduler| js_sys::JSON::stringify(&ok(s.trace_since(from), "traceSince")).unwrap();
    assert_eq!(json(&paused), json(&kept), "the events kept since are the run's");
    let (lanes, columns) = (nodes.len(), 40);
    let density = |s: &KvScheduler| {
        let mut out = vec![0u32; 3 * lanes * columns];
        ok(s.density_into(0.0, s.now() + 1.0, columns, &mut out), "densityInto");
        out
    };
    assert_eq!(density(&paused), density(&kept), "the same density, kept or not");
    assert!(density(&kept).iter().any(|&c| c > 0));
}

#[wasm_bindgen_test]
fn a_copy_that_keeps_only_the_trace_gives_the_checked_runs_exports_and_keeps_nothing_else() {
    // Reads at ONE over few keys: the checked run finds anomalies, and traces them.
    let spec = "ops=400 rate=400 keys=5 mix=get:2/insert:2/delete:1 level=ONE";
    let (mut checked, mut nodes) = workload_cluster(spec);
    checked.check_anomalies();
    let mut copy = checked.snapshot();
    let mut copy_nodes: Vec<KvNode> = nodes.iter().map(KvNode::snapshot).collect();
    copy.trace_only();
    while !checked.is_quiet() {
        nodes = ok(checked.run_batch(nodes, 97.0, f64::INFINITY, true), "runBatch");
    }
    while !copy.is_quiet() {
        copy_nodes = ok(copy.run_batch(copy_nodes, 97.0, f64::INFINITY, true), "runBatch");
    }
    assert!(checked.anomaly_count() > 0 && checked.result_count() > 0 && checked.history_length() > 0);
    assert!(checked.trace_length() > copy.trace_length(), "the checked run traced its anomalies");
    assert_eq!(hash(&copy), hash(&checked), "the same hash");
    assert_eq!(jsonl(&copy), jsonl(&checked), "the same trace, as kvsim prints it");
    assert_eq!((copy.anomaly_count(), copy.result_count(), copy.history_length()), (0, 0, 0), "nothing else kept");
}

#[wasm_bindgen_test]
fn run_batch_gives_the_events_of_the_one_by_one_loop_and_feeds_the_workload() {
    let spec = "ops=300 rate=200 keys=20 mix=get:2/insert:2/delete:1 level=ONE";
    let (mut one_by_one, mut nodes) = workload_cluster(spec);
    while !one_by_one.is_quiet() && deliver_next(&mut one_by_one, &mut nodes) {}
    let (mut batched, mut nodes) = workload_cluster(spec);
    // In small batches, as the page's fast-forward runs them.
    while !batched.is_quiet() {
        nodes = ok(batched.run_batch(nodes, 97.0, f64::INFINITY, true), "runBatch");
    }
    assert!(batched.processed() > 300.0);
    assert_eq!(hash(&batched), hash(&one_by_one));
    let progress = ok(batched.workload_progress(), "workloadProgress");
    assert_eq!(get(&progress, "scheduled").as_f64(), Some(300.0));
    let results = js_sys::Array::from(&ok(batched.results_between(0, batched.result_count()), "resultsBetween"));
    assert!(results.length() >= 300, "a result per operation at least: {}", results.length());
    assert!(get(&results.get(0), "step").as_f64().is_some_and(|s| s > 0.0));
    let stepped = js_sys::Array::from(&ok(one_by_one.results_between(0, one_by_one.result_count()), "resultsBetween"));
    assert_eq!(
        js_sys::JSON::stringify(&results).unwrap(),
        js_sys::JSON::stringify(&stepped).unwrap(),
        "the same results, steps included"
    );
    // A copy of the log (the page's history keeps one) reads the results of the first steps.
    let log = batched.result_log();
    let first = get(&results.get(0), "step").as_f64().unwrap();
    let up_to_first = js_sys::Array::from(&ok(log.up_to(first, f64::INFINITY), "upTo"));
    assert!(up_to_first.length() >= 1 && up_to_first.iter().all(|r| get(&r, "step").as_f64() == Some(first)));
    assert_eq!(js_sys::Array::from(&ok(log.up_to(f64::INFINITY, 5.0), "upTo")).length(), 5, "the last five");
    // Someone else's nodes are refused.
    let (_, small) = cluster(r#"{"addresses": ["a", "b"], "avg_delays": [[0, 1], [1, 0]]}"#, 1.0);
    let e = err(batched.run_batch(small, 1.0, f64::INFINITY, false), "runBatch with 2 of 4 nodes");
    assert!(e.contains("needs the 4 nodes"), "{e}");
}

/// Replays a scenario file with a workload as the page does: the workload set, the script's lines
/// waiting for its last operation (driver.js's pending actions), runBatch to the end.
fn replay_workload_scenario(text: &str) -> KvScheduler {
    let parsed = ok(parse_scenario(text), "parseScenario");
    let config = get(&parsed, "config").as_string().expect("config as text");
    let (mut scheduler, mut nodes) = cluster(&config, get(&parsed, "seed").as_f64().expect("seed"));
    for node in &mut nodes {
        ok(scheduler.absorb(ok(node.start(0.0), "start")), "absorb");
    }
    let spec = get(&parsed, "workload").as_string().expect("a workload");
    scheduler.set_workload(&ok(KvWorkload::new(&spec), "KvWorkload::new"));
    let mut waiting: Vec<String> =
        js_sys::Array::from(&get(&parsed, "script")).iter().map(|l| l.as_string().unwrap()).collect();
    let scheduled = |s: &KvScheduler| get(&ok(s.workload_progress(), "workloadProgress"), "scheduled").as_f64();
    while !scheduler.is_quiet() || !waiting.is_empty() {
        nodes = ok(scheduler.run_batch(nodes, 1000.0, f64::INFINITY, true), "runBatch");
        if scheduled(&scheduler) == Some(30.0) {
            for line in waiting.drain(..) {
                ok(scheduler.schedule_timed_line(&line), &format!("scheduleTimedLine {line}"));
            }
        }
    }
    scheduler
}

#[wasm_bindgen_test]
fn a_workload_scenario_runs_in_the_page_as_in_the_core() {
    // Lines due before the workload's end (they wait, then run at once) and after it.
    let lines: Vec<String> = ["0 0 insert early x ALL", "250 crash 2", "400 restart 2 keep", "9000 1 get k1 ALL"]
        .iter()
        .map(|l| l.to_string())
        .collect();
    let spec = Some("ops=30 rate=100 keys=3 level=ONE".to_string());
    let text = ok(scenario_json(CONFIG, 7.0, lines, None, spec), "scenarioJson");
    let core = kvplayground::sim::scenario::Scenario::parse(&text).expect("the core reads it").run();
    assert_eq!(hash(&replay_workload_scenario(&text)), core.trace().hash_hex(), "the page's order is the core's");
}

#[wasm_bindgen_test]
fn anomaly_counts_are_the_anomalies_found_by_kind_in_the_kinds_order() {
    let (mut scheduler, mut nodes) = cluster(CONFIG, SEED);
    scheduler.check_anomalies();
    for node in &mut nodes {
        ok(scheduler.absorb(ok(node.start(0.0), "start")), "absorb");
    }
    let spec = "ops=400 rate=400 keys=5 mix=get:2/insert:2/delete:1 level=ONE";
    scheduler.set_workload(&ok(KvWorkload::new(spec), "KvWorkload::new"));
    while !scheduler.is_quiet() {
        nodes = ok(scheduler.run_batch(nodes, 1000.0, f64::INFINITY, true), "runBatch");
    }
    assert!(scheduler.anomaly_count() > 0, "reads at ONE find anomalies");
    let mut expected: Vec<(String, f64)> = Vec::new();
    let kinds = js_sys::Array::from(&ok(anomaly_kinds(), "anomalyKinds"));
    let found = js_sys::Array::from(&ok(scheduler.anomalies_since(0), "anomaliesSince"));
    for kind in kinds.iter().map(|k| get(&k, "kind").as_string().unwrap()) {
        let count = found.iter().filter(|a| get(a, "kind").as_string().as_deref() == Some(kind.as_str())).count();
        if count > 0 {
            expected.push((kind, count as f64));
        }
    }
    let counts = ok(scheduler.anomaly_counts(), "anomalyCounts");
    let entries: Vec<(String, f64)> = js_sys::Object::entries(counts.unchecked_ref())
        .iter()
        .map(|entry| {
            let pair = js_sys::Array::from(&entry);
            (pair.get(0).as_string().unwrap(), pair.get(1).as_f64().unwrap())
        })
        .collect();
    assert_eq!(entries, expected, "the kinds found, in the kinds' order, each with its count");
}

#[wasm_bindgen_test]
fn a_bad_workload_spec_says_what_is_wrong_and_the_defaults_are_shown() {
    let e = err(KvWorkload::new("ops=10 level=TWO"), "a bad level");
    assert!(e.contains("level=TWO: use ONE, QUORUM or ALL"), "{e}");
    assert!(KvWorkload::defaults().starts_with("ops=100000 rate=1000 clients=16 keys=1000"));
    assert_eq!(ok(KvWorkload::new("keys=5"), "spec").operations(), 100_000.0);
}

#[wasm_bindgen_test]
fn schedule_script_schedules_the_good_lines_and_names_the_bad_ones() {
    let (mut scheduler, _) = cluster(CONFIG, SEED);
    let report = ok(
        scheduler
            .schedule_script("# a story\n0 0 insert 5 a ALL\n1.5 9 get 5 ONE\nsoon 1 get 5 ONE\n2 crash 1\n", 1000.0),
        "scheduleScript",
    );
    let scheduled = js_sys::Array::from(&get(&report, "scheduled"));
    assert_eq!(scheduled.length(), 2);
    assert_eq!(get(&scheduled.get(0), "time").as_f64(), Some(1000.0), "times count from the offset");
    assert_eq!(get(&scheduled.get(1), "line").as_string().as_deref(), Some("crash 1"));
    let errors = js_sys::Array::from(&get(&report, "errors"));
    let lines: Vec<_> = errors.iter().map(|e| get(&e, "line").as_f64().unwrap_or_default()).collect();
    assert_eq!(lines, [3.0, 4.0]);
    assert!(get(&errors.get(0), "message").as_string().unwrap_or_default().contains("no node 9"));
}

#[wasm_bindgen_test]
fn the_trace_read_range_by_range_is_the_whole_trace_and_its_hash() {
    // Reads at ONE find anomalies: their events are in the trace, and left out of every export.
    let spec = "ops=400 rate=400 keys=5 mix=get:2/insert:2/delete:1 level=ONE";
    let (mut scheduler, mut nodes) = workload_cluster(spec);
    scheduler.check_anomalies();
    while !scheduler.is_quiet() {
        nodes = ok(scheduler.run_batch(nodes, 1000.0, f64::INFINITY, true), "runBatch");
    }
    assert!(scheduler.anomaly_count() > 0, "anomaly events to leave out");
    let length = scheduler.trace_length();
    let whole = jsonl(&scheduler);
    assert!(!whole.contains("\"anomaly\""), "no anomaly event in the export");
    // Ranges of every size, an empty one among them, and ranges that split a block of 1,024.
    let mut bounds: Vec<usize> = (0..length).step_by(997).collect();
    bounds.extend([1_024, 1_024, length]);
    bounds.sort_unstable();
    let mut joined = Vec::new();
    let mut hasher = KvTraceHasher::new();
    for range in bounds.windows(2) {
        joined.extend(ok(scheduler.trace_json_lines_between(range[0], range[1]), "traceJsonLinesBetween"));
        ok(scheduler.hash_trace_between(&mut hasher, range[0], range[1]), "hashTraceBetween");
    }
    assert_eq!(String::from_utf8(joined).unwrap(), whole, "the ranges in order make the whole trace");
    assert_eq!(hasher.hex(), hash(&scheduler), "and its hash");

    // Ranges outside the trace are errors naming them, and the module keeps working.
    let e = err(scheduler.trace_json_lines_between(5, 4), "a range that ends before it starts");
    assert!(e.contains("trace events 5 to 4 are not a range"), "{e}");
    let e = err(scheduler.trace_json_lines_between(0, length + 1), "a range past the end");
    assert!(e.contains(&format!("the end at most {length}")), "{e}");

    // A replay read range by range keeps only its last range: what was let go is refused.
    let (mut replay, mut nodes) = workload_cluster(spec);
    replay.check_anomalies();
    let (mut read, mut pieces) = (0, Vec::new());
    while !replay.is_quiet() {
        nodes = ok(replay.run_batch(nodes, 333.0, f64::INFINITY, true), "runBatch");
        pieces.extend(ok(replay.trace_json_lines_between(read, replay.trace_length()), "traceJsonLinesBetween"));
        read = replay.trace_length();
        replay.clear_trace();
    }
    assert_eq!(
        String::from_utf8(pieces).unwrap(),
        whole,
        "a replay read and let go piece by piece gives the same trace"
    );
    assert_eq!(replay.trace_kept_from(), length, "nothing kept");
    let e = err(replay.trace_json_lines_between(0, length), "events let go");
    assert!(e.contains("keeps its events from"), "{e}");
    let e = err(replay.trace_hash(), "the hash of a trace not kept");
    assert!(e.contains("replay it from its start"), "{e}");
}
