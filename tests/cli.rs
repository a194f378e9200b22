//! The `kvsim` binary as a user runs it: exit codes, output formats, the examples.

mod support;

use kvplayground::sim::shiviz::shiviz_log;
use kvplayground::sim::trace::{Trace, TraceEvent};
use std::io::Write;
use std::process::{Command, Stdio};
use support::cli::{kvsim, stdout, temp_file};

const EXAMPLE: [&str; 4] = ["--config", "examples/config.json", "--script", "examples/read-repair.kvs"];

#[test]
fn the_example_tells_a_read_repair_story() {
    let out = kvsim(&[&["run"], &EXAMPLE[..]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    let stale = text.find("Get return: hello").expect("the read at ONE returns the stale value");
    let repair = text.find("Executing repair: sent world").expect("read repair sends the newest value");
    assert!(stale < repair, "{text}");
    assert!(text.contains("Get return: world"), "{text}");
    let search: Vec<_> = text.lines().filter(|l| l.contains("returned value: world")).collect();
    assert_eq!(search.len(), 3, "all three replicas agree in the end:\n{text}");
}

#[test]
fn the_original_bugs_bring_a_deleted_key_back_and_say_so() {
    let script = ["--script", "examples/delete.kvs"];
    let fixed = stdout(&kvsim(&[&["run", "--config", "examples/config.json"], &script[..]].concat()));
    assert!(fixed.contains("Get return: not found") && fixed.contains("update failed: key not found"), "{fixed}");
    let out = kvsim(&[&["run", "--config", "examples/original-bugs.json"], &script[..]].concat());
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("original_bugs is on"), "the run says it is not the store's");
    let buggy = stdout(&out);
    assert_eq!(buggy.matches("Get return: hello").count(), 2, "repair undid the delete:\n{buggy}");
    assert!(!buggy.contains("Get return: not found"), "{buggy}");
    assert!(buggy.contains("update successful"), "the update recreates the key:\n{buggy}");
}

#[test]
fn json_output_has_one_object_per_result() {
    let out = kvsim(&[&["run", "--json"], &EXAMPLE[..]].concat());
    assert!(out.status.success());
    let results: Vec<serde_json::Value> =
        stdout(&out).lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
    for r in &results {
        for field in ["time", "node", "command", "ok"] {
            assert!(r.get(field).is_some(), "{field} missing in {r}");
        }
    }
    let stale_get = results.iter().find(|r| r["command"] == "get 5 ONE" && r["result"] == "value").unwrap();
    assert_eq!(stale_get["value"], "hello");
    assert_eq!(stale_get["ok"], true);
    let repair = results.iter().find(|r| r["result"] == "repair").unwrap();
    assert_eq!(repair["repaired"], serde_json::json!([2]));
    let search = results.iter().find(|r| r["result"] == "search").unwrap();
    let replies = search["replies"].as_array().unwrap();
    assert_eq!(replies.len(), 4);
    assert_eq!(replies[3]["value"], serde_json::Value::Null);
    assert_eq!(replies[3]["replica"], false);
}

#[test]
fn trace_lines_are_json_and_the_run_is_reproducible() {
    let a = kvsim(&[&["run", "--trace", "--json"], &EXAMPLE[..]].concat());
    let b = kvsim(&[&["run", "--trace", "--json"], &EXAMPLE[..]].concat());
    assert_eq!(a.stdout, b.stdout);
    let text = stdout(&a);
    let kinds: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter_map(|v| v.get("kind").and_then(|k| k.as_str()).map(String::from))
        .collect();
    for kind in ["command", "send", "deliver", "store", "reply"] {
        assert!(kinds.iter().any(|k| k == kind), "no {kind} event");
    }
    let other_seed = kvsim(&[&["run", "--trace", "--json", "--seed", "7"], &EXAMPLE[..]].concat());
    assert_ne!(other_seed.stdout, a.stdout, "the seed changes the delays");
}

#[test]
fn until_stops_the_run_at_a_moment_with_the_events_due_by_then() {
    let whole = stdout(&kvsim(&[&["run", "--trace", "--json"], &EXAMPLE[..]].concat()));
    let events: Vec<serde_json::Value> = whole
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v.get("kind").is_some())
        .collect();
    let end = events.last().unwrap()["time"].as_u64().unwrap();
    // A moment halfway, in ms with a fraction (the page's clock): the events due by then, no later one.
    let until_us = end / 2 + 123;
    let until = format!("{}", until_us as f64 / 1000.0);
    let cut = stdout(&kvsim(&[&["run", "--trace", "--json", "--until", &until], &EXAMPLE[..]].concat()));
    let kept: Vec<serde_json::Value> = cut
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v.get("kind").is_some())
        .collect();
    let due: Vec<_> = events.iter().filter(|e| e["time"].as_u64().unwrap() <= until_us).cloned().collect();
    assert!(!due.is_empty() && due.len() < events.len());
    assert_eq!(kept, due);

    for bad in ["-1", "NaN", "inf"] {
        let out = kvsim(&[&["run", &format!("--until={bad}")], &EXAMPLE[..]].concat());
        assert_eq!(out.status.code(), Some(2), "--until={bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("give a virtual time in ms from 0"), "--until={bad}");
    }
}

#[test]
fn bad_config_or_missing_file_exits_2_with_a_message() {
    let bad = temp_file("bad.json", r#"{"addresses": ["a", "a"], "avg_delays": [[0, 0], [0, 0]]}"#);
    let out = kvsim(&["run", "--config", bad.to_str().unwrap(), "--script", "examples/read-repair.kvs"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("addresses[1]") && err.contains("duplicate"), "{err}");

    let out = kvsim(&["run", "--config", "no/such/config.json", "--script", "examples/read-repair.kvs"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read config no/such/config.json"));

    let out = kvsim(&["run", "--config", "examples/config.json", "--script", "no/such/script"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read script"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn bad_script_lines_give_error_results_and_the_rest_runs() {
    let out = kvsim(&["run", "--json", "--config", "examples/config.json", "--script", "examples/mistakes.kvs"]);
    assert!(out.status.success());
    let results: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let errors: Vec<_> =
        results.iter().filter(|r| r["ok"] == false).map(|r| r["error"].as_str().unwrap().to_string()).collect();
    assert_eq!(errors.len(), 5, "{errors:#?}");
    assert!(errors.iter().any(|e| e.contains("there is no node 7")));
    assert!(errors.iter().any(|e| e.contains("unknown command `fetch`")));
    assert!(results.iter().any(|r| r["command"] == "get 5 ONE" && r["value"] == "hello"));
}

#[test]
fn repl_runs_typed_commands_on_any_node() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kvsim"))
        .args(["repl", "--config", "examples/config.json", "--speed", "1000"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = "0 insert 5 hello ALL\nwait\nuse 3\nget 5 ONE\nwait\n2 show-all\n9 get 5 ONE\nuse x\nbogus\n\
                 crash 1\n1 show-all\ncrash 7\nquit\n";
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("n0] insert successful"), "{text}");
    assert!(text.contains("n3] Get return: hello"), "{text}");
    assert!(text.contains("n2] 5 => (hello"), "{text}");
    assert!(text.contains("there is no node 9"), "{text}");
    assert!(text.contains("`x` is not a node number"), "{text}");
    assert!(text.contains("unknown command `bogus`"), "{text}");
    assert!(text.contains("n1] node 1 is down"), "{text}");
    assert!(text.contains("invalid fault `crash 7`: there is no node 7"), "{text}");
}

#[test]
fn bench_prints_its_figures() {
    let out = kvsim(&["bench", "--ops", "2000", "--json"]);
    assert!(out.status.success());
    let figures: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(figures["operations"], 2000);
    assert!(figures["events"].as_u64().unwrap() > 2000 * 6, "each QUORUM op is at least a command and 6 messages");
    assert!(figures["events_per_second"].as_f64().unwrap() > 0.0);
    assert!(figures["events_per_second_traced"].as_f64().unwrap() > 0.0);
    assert!(figures["events_per_second_checked"].as_f64().unwrap() > 0.0);
    // The checker timed on histories of 1,000 and (capped by --ops) 2,000 operations.
    let sizes: Vec<u64> =
        figures["linearizability"].as_array().unwrap().iter().map(|h| h["operations"].as_u64().unwrap()).collect();
    assert_eq!(sizes, [1000, 2000]);
}

#[test]
fn the_fault_tour_runs() {
    let out = kvsim(&["run", "--config", "examples/config.json", "--script", "examples/faults.kvs"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    for words in [
        "n2] node 2 is down",
        "get 5 ALL failed: 2 of 3 replicas answered within the 24.000 s timeout; ALL needs 3",
        "Executing repair: sent hello (timestamp 0.000000@n0) to n2",
        "update successful  (timestamp 46.000000@n1",
        "Get return: early",
    ] {
        assert!(text.contains(words), "{words:?} missing:\n{text}");
    }
}

#[test]
fn a_scenario_runs_and_prints_the_hash_of_its_trace() {
    let out = kvsim(&["run", "--scenario", "examples/partition.scenario.json", "--hash"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    assert!(text.contains("Server #2 returned value: hello"), "n2 is stale after the partition:\n{text}");
    assert!(text.contains("Executing repair: sent world"), "{text}");
    let scenario = std::fs::read_to_string("examples/partition.scenario.json").unwrap();
    let expected = kvplayground::sim::scenario::Scenario::parse(&scenario).unwrap().run().trace().hash_hex();
    assert_eq!(text.lines().last(), Some(format!("trace hash: {expected}").as_str()));

    let json = kvsim(&["run", "--scenario", "examples/partition.scenario.json", "--hash", "--json", "--trace"]);
    let last: serde_json::Value = serde_json::from_str(stdout(&json).lines().last().unwrap()).unwrap();
    assert_eq!(last["trace_hash"], expected.as_str());
    assert!(stdout(&json).contains(r#""kind":"fault""#));
}

#[test]
fn scenario_conflicts_with_config_and_bad_scenarios_exit_2() {
    let out = kvsim(&[&["run", "--scenario", "examples/partition.scenario.json"], &EXAMPLE[..]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));

    let out = kvsim(&["run"]);
    assert_eq!(out.status.code(), Some(2), "neither a scenario nor a config and script");

    let bad = temp_file(
        "bad.scenario.json",
        &std::fs::read_to_string("examples/partition.scenario.json").unwrap().replace("heal", "heal now"),
    );
    let out = kvsim(&["run", "--scenario", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid scenario: script[3]: invalid fault `heal now`"), "{err}");
}

#[test]
fn shiviz_writes_a_log_with_vector_clocks() {
    let log = std::env::temp_dir().join(format!("kvsim-cli-{}-shiviz.log", std::process::id()));
    let out = kvsim(&["run", "--scenario", "examples/partition.scenario.json", "--shiviz", log.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], r#"n0 {"n0":1}"#);
    assert!(lines[1].ends_with("command: insert 5 hello ALL (request 0)"), "{}", lines[1]);
    assert!(text.contains("lost (link cut)"));
    std::fs::remove_file(log).ok();
}

#[test]
fn history_is_written_as_jepsen_edn() {
    let path = temp_file("history.edn", "");
    let out = kvsim(&[&["run"], &EXAMPLE[..], &["--history", path.to_str().unwrap()]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let history = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = history.lines().collect();
    // Four operations (search is none), each invoked and completed.
    assert_eq!(lines.len(), 8, "{history}");
    assert_eq!(lines.iter().filter(|l| l.contains(":type :invoke")).count(), 4, "{history}");
    assert!(lines.iter().all(|l| l.starts_with("{:process ") && l.ends_with('}')), "{history}");
    // The stale read: n3's get at ONE completes with the old value after the update was ok.
    let update_ok = lines.iter().position(|l| l.contains(":type :ok, :f :update")).expect("the update completes");
    let stale = lines.iter().position(|l| l.contains(r#":type :ok, :f :get, :key "5", :value "hello""#));
    assert!(stale.is_some_and(|s| s > update_ok), "{history}");

    // The history is what kvsim check reads: the stale read makes key 5 not linearizable.
    let out = kvsim(&["check", "--history", path.to_str().unwrap(), "--model", "store"]);
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains(r#"key "5": NOT linearizable"#), "{}", stdout(&out));

    let crashed = temp_file("crash.kvs", "0 crash 2\n10 2 insert 5 v ALL\n20 0 insert 5 v ALL\n");
    let out = kvsim(&[
        "run",
        "--config",
        "examples/config.json",
        "--script",
        crashed.to_str().unwrap(),
        "--history",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let history = std::fs::read_to_string(&path).unwrap();
    assert!(history.contains(r#"{:process 2, :type :fail, :f :insert, :key "5""#), "typed on a down node: {history}");
    assert!(
        history.contains(r#"{:process 0, :type :info, :f :insert, :key "5""#),
        "ALL without n2 (a replica of 5) fails but may have taken effect: {history}"
    );
}

#[test]
fn check_flags_the_stale_read_and_exits_3() {
    let out = kvsim(&[&["run"], &EXAMPLE[..], &["--check"]].concat());
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    assert!(text.contains("ANOMALY stale read: get 5 at ONE on n3 returned hello"), "{text}");
    assert!(text.contains("check: 1 anomaly (1 stale read)") && text.contains("replicas agree"), "{text}");

    let out = kvsim(&[&["run"], &EXAMPLE[..], &["--check", "--json"]].concat());
    assert_eq!(out.status.code(), Some(3));
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let anomaly = lines.iter().find(|l| l.get("anomaly").is_some()).expect("an anomaly line");
    assert_eq!((anomaly["anomaly"].as_str(), anomaly["node"].as_u64()), (Some("stale_read"), Some(3)));
    let summary = &lines.last().unwrap()["check"];
    assert_eq!((summary["anomalies"].as_u64(), summary["by_kind"]["stale_read"].as_u64()), (Some(1), Some(1)));

    // All at ALL: nothing to flag, exit 0.
    let script = temp_file("all.kvs", "0 0 insert 5 hello ALL\n10000 0 update 5 world ALL\n30000 3 get 5 ALL\n");
    let out = kvsim(&["run", "--config", "examples/config.json", "--script", script.to_str().unwrap(), "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("check: no anomaly"));
}

#[test]
fn summary_prints_levels_and_availability_as_text_or_json() {
    let tour = ["run", "--config", "examples/config.json", "--script", "examples/faults.kvs", "--summary"];
    let text = stdout(&kvsim(&tour));
    assert!(text.contains("level   operations    ok  fail  info  running      p50      p99      max"), "{text}");
    assert!(text.contains("availability per 10.000 s (ok / failed):"), "{text}");
    let json = stdout(&kvsim(&[&tour[..], &["--json"]].concat()));
    let last: serde_json::Value = serde_json::from_str(json.lines().last().unwrap()).unwrap();
    let levels = last["summary"]["levels"].as_array().expect("a levels array");
    let all = levels.iter().find(|l| l["level"] == "ALL").expect("the tour reads at ALL");
    assert_eq!((all["ok"].as_u64(), all["fail"].as_u64()), (Some(8), Some(1)), "{last}");
    assert!(all["latency"]["p99"].as_u64().unwrap() >= all["latency"]["p50"].as_u64().unwrap());
}

#[test]
fn the_streamed_trace_hash_and_shiviz_log_equal_those_of_the_whole_trace() {
    // kvsim run writes each step's events out and drops them; the library's Trace keeps them all.
    // The faults tour's golden trace is the whole trace of the same run.
    let golden = std::fs::read_to_string("tests/golden/faults.trace.jsonl").unwrap();
    let log = std::env::temp_dir().join(format!("kvsim-cli-{}-streamed.shiviz", std::process::id()));
    let tour = ["run", "--config", "examples/config.json", "--script", "examples/faults.kvs", "--trace", "--hash"];
    let out = kvsim(&[&tour[..], &["--shiviz", log.to_str().unwrap()]].concat());
    let text = stdout(&out);
    let streamed: String = text.lines().filter(|l| l.starts_with('{')).map(|l| format!("{l}\n")).collect();
    assert_eq!(streamed, golden, "the streamed trace is the golden one");

    let mut whole = Trace::new(true);
    for line in golden.lines() {
        whole.record_event(&serde_json::from_str::<TraceEvent>(line).unwrap());
    }
    assert!(text.ends_with(&format!("trace hash: {}\n", whole.hash_hex())), "{text}");
    assert_eq!(std::fs::read_to_string(&log).unwrap(), shiviz_log(&whole));
    std::fs::remove_file(&log).ok();
}
