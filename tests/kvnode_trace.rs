//! Real nodes' traces: four `kvnode --trace` processes tell the read-repair story, `kvsim merge`
//! turns their traces into one trace (and a ShiViz log), and pages watching a node
//! (`kvnode --watch`) see its events and type commands. Bounded waits; every process started
//! is killed.

mod support;

use serde_json::Value;
use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};
use support::kvnode::*;

/// Types `quit` on every node and waits until each has exited (and so flushed its trace).
fn quit_all(c: &mut Cluster) {
    for node in 0..NODES {
        c.type_on(node, "quit");
    }
    let deadline = Instant::now() + WAIT;
    for (node, p) in c.procs.iter_mut().enumerate() {
        while p.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "n{node} did not quit within {WAIT:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

/// What identifies a message: its send and its delivery carry the same fields.
fn message_id(e: &Value) -> String {
    ["from", "to", "sent", "msg", "request", "key", "version"].map(|f| e[f].to_string()).join(" ")
}

#[test]
fn the_read_repair_story_merges_into_one_causal_trace_and_a_shiviz_log() {
    let mut c = Cluster::start_with(Options { trace: true, ..Options::default() });
    c.type_on(1, "insert 5 hello ALL");
    c.expect(1, "insert successful");
    // n0's update at ONE crawls to n2 over the 2 s link: n2 is stale...
    c.type_on(0, "update 5 world ONE");
    c.expect(0, "update successful");
    // ...until n3's read at ALL repairs it.
    c.type_on(3, "get 5 ALL");
    assert!(c.expect(3, "Get return").starts_with("Get return: world"));
    assert!(c.expect(3, "Executing repair").ends_with("to n2"));
    c.eventually_shows(2, "5 => (world, ");
    quit_all(&mut c);

    for node in 0..NODES {
        let text = std::fs::read_to_string(c.trace_file(node)).unwrap();
        let lines = json_lines(&text);
        let hello = &lines[0]["hello"];
        assert_eq!((hello["protocol"].as_u64(), hello["node"].as_u64()), (Some(2), Some(node as u64)), "{text}");
        assert!(lines[1..].iter().all(|l| l["clock"].as_array().is_some_and(|c| c.len() == NODES)), "{text}");
    }
    let dir = c.traces.clone().unwrap();
    let (merged, shiviz) = (dir.join("merged.jsonl"), dir.join("merged.shiviz"));
    let mut args: Vec<String> = vec!["merge".into()];
    args.extend((0..NODES).map(|n| c.trace_file(n).display().to_string()));
    args.extend(["--out".into(), merged.display().to_string(), "--shiviz".into(), shiviz.display().to_string()]);
    let out = Command::new(env!("CARGO_BIN_EXE_kvsim")).args(&args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let lines = json_lines(&std::fs::read_to_string(&merged).unwrap());
    let header = &lines[0]["merged"];
    assert_eq!(header["config"]["addresses"].as_array().map(Vec::len), Some(NODES));
    assert_eq!(header["stores"].as_array().map(Vec::len), Some(NODES));
    let events = &lines[1..];
    assert!(events[0]["time"].as_u64().unwrap() < 60_000_000, "times are relative to the start");
    assert!(events.windows(2).all(|w| w[0]["time"].as_u64() <= w[1]["time"].as_u64()), "ordered by time");
    assert!(events.iter().all(|e| e.get("clock").is_none()));
    // Every delivery follows its send.
    let mut in_flight: HashMap<String, usize> = HashMap::new();
    for e in events {
        match e["kind"].as_str() {
            Some("send") => *in_flight.entry(message_id(e)).or_default() += 1,
            Some("deliver") => {
                let sent = in_flight.get_mut(&message_id(e)).filter(|n| **n > 0);
                *sent.unwrap_or_else(|| panic!("a delivery before its send: {e}")) -= 1;
            }
            _ => {}
        }
    }
    // The repair reaches n2, and n2 stores world.
    let repaired = events
        .iter()
        .position(|e| e["kind"] == "deliver" && e["msg"] == "repair" && e["to"] == 2)
        .expect("the repair is delivered to n2");
    assert!(events[..repaired].iter().any(|e| e["kind"] == "send" && e["msg"] == "repair" && e["from"] == 3));
    assert!(
        events[repaired..].iter().any(|e| e["kind"] == "store" && e["node"] == 2 && e["value"] == "world"),
        "n2 stores the repaired value"
    );

    // The ShiViz log passes the checks of kvsim's own export.
    let log = std::fs::read_to_string(&shiviz).unwrap();
    let log_lines: Vec<&str> = log.lines().collect();
    assert_eq!(log_lines.len() % 2, 0, "two lines per event");
    for pair in log_lines.chunks(2) {
        let (host, clock) = pair[0].split_once(' ').expect("a host and its clock");
        let clock: Value = serde_json::from_str(clock).expect("the clock is JSON");
        assert!(host.starts_with('n') && clock.get(host).is_some_and(Value::is_u64), "{}", pair[0]);
        assert!(pair[1].starts_with('['), "{}", pair[1]);
    }
    assert!(log_lines[0].ends_with(":1}"), "{}", log_lines[0]);
    assert!(log.contains("deliver repair 5 = world"), "{log}");
}

#[test]
fn merging_reports_a_malformed_line_with_file_and_line() {
    let c = Cluster::start_with(Options { trace: true, ..Options::default() });
    let bad = c.traces.clone().unwrap().join("bad.jsonl");
    let hello = std::fs::read_to_string(c.trace_file(0)).unwrap().lines().next().unwrap().to_string();
    std::fs::write(&bad, format!("{hello}\nnot json\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kvsim")).arg("merge").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:2: not a node event line", bad.display())), "{err}");
}
