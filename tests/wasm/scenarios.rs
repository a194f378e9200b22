//! Scenario files written and read by the facade, replayed through the page's loop as the core
//! runs them (a workload's too), and the snapshots the page's time travel restores.

use super::*;

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
