use super::*;
use crate::model::message::Message;
use crate::model::types::{Entry, Version};
use crate::sim::node_log::EventLineRef;
use std::rc::Rc;

const CONFIG: &str = r#"{"addresses": ["127.0.0.1:1", "127.0.0.1:2"], "avg_delays": [[0, 0.01], [0.01, 0]]}"#;

fn config() -> Config {
    Config::from_json(CONFIG).unwrap()
}

fn hello(node: NodeId, time: Time, config: Config) -> String {
    let store =
        vec![StoreEntry { key: Rc::from("5"), value: Some(Rc::from("old")), version: Version { timestamp: 1, node } }];
    NodeHello { protocol: PROTOCOL, node, config, time, clock: vec![0, 0], store }.to_line()
}

fn line(event: &TraceEvent, clock: &[u64]) -> String {
    EventLineRef { event, clock }.to_line()
}

fn write() -> Message {
    Message::Write {
        req: 7,
        key: Rc::from("5"),
        entry: Entry { value: Some(Rc::from("new")), version: Version { timestamp: 1000, node: 0 } },
        only_if_present: false,
    }
}

/// n0 sends at its wall time 1000; n1's clock is 500 µs behind, so it records the delivery at
/// 700, after a command of its own at 600.
fn skewed() -> Vec<NodeLog> {
    let msg = write();
    let send = TraceEvent::message(1000, TraceKind::Send, 0, 1, &msg, 1000, Some(1010));
    let n0 = [hello(0, 900, config()), line(&send, &[1, 0])].join("\n") + "\n";
    let command =
        TraceEvent { node: Some(1), text: Some("show-all".into()), ..TraceEvent::new(600, TraceKind::Command) };
    let deliver = TraceEvent::message(700, TraceKind::Deliver, 0, 1, &msg, 1000, None);
    let store = TraceEvent { node: Some(1), key: Some(Rc::from("5")), ..TraceEvent::new(701, TraceKind::Store) };
    let n1 = [hello(1, 400, config()), line(&command, &[0, 1]), line(&deliver, &[1, 2]), line(&store, &[1, 3])]
        .join("\n")
        + "\n";
    vec![NodeLog::parse("n0.jsonl", &n0).unwrap(), NodeLog::parse("n1.jsonl", &n1).unwrap()]
}

#[test]
fn a_delivery_follows_its_send_even_when_the_receivers_clock_is_behind() {
    let merged = merge(&skewed()).unwrap();
    let kinds: Vec<(TraceKind, Time)> = merged.events.iter().map(|e| (e.kind, e.time)).collect();
    // Rebased on n1's hello at 400.
    assert_eq!(
        kinds,
        [(TraceKind::Command, 200), (TraceKind::Send, 600), (TraceKind::Deliver, 600), (TraceKind::Store, 600)]
    );
    let deliver = &merged.events[2];
    assert_eq!((deliver.sent, merged.events[1].sent, merged.events[1].due), (Some(600), Some(600), Some(610)));
}

#[test]
fn times_are_relative_to_the_earliest_and_the_header_carries_config_and_stores() {
    let merged = merge(&skewed()).unwrap();
    assert_eq!(merged.origin_us, 400);
    let text = merged.to_json_lines();
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(header["merged"]["origin_us"], 400);
    assert_eq!(header["merged"]["config"]["addresses"][1], "127.0.0.1:2");
    assert_eq!(header["merged"]["stores"][1][0]["value"], "old");
    let first: serde_json::Value = serde_json::from_str(text.lines().nth(1).unwrap()).unwrap();
    assert!(first.get("clock").is_none(), "merged events are plain trace events");
    assert_eq!(text.lines().count(), 5);
}

#[test]
fn each_nodes_order_is_kept_even_against_its_wall_clock() {
    // A clock stepped back: n0's second event has an earlier wall time than its first.
    let a = TraceEvent { node: Some(0), ..TraceEvent::new(2000, TraceKind::Command) };
    let b = TraceEvent { node: Some(0), ..TraceEvent::new(1500, TraceKind::Reply) };
    let n0 = [hello(0, 1000, config()), line(&a, &[1, 0]), line(&b, &[2, 0])].join("\n");
    let merged = merge(&[NodeLog::parse("n0", &n0).unwrap()]).unwrap();
    let kinds: Vec<(TraceKind, Time)> = merged.events.iter().map(|e| (e.kind, e.time)).collect();
    assert_eq!(kinds, [(TraceKind::Command, 1000), (TraceKind::Reply, 1000)]);
}

#[test]
fn traces_of_other_clusters_or_the_same_node_twice_are_rejected() {
    let mut other = config();
    other.avg_delays[0][1] = 0.5;
    let logs = [
        NodeLog::parse("a.jsonl", &hello(0, 1, config())).unwrap(),
        NodeLog::parse("b.jsonl", &hello(1, 1, other)).unwrap(),
    ];
    let err = merge(&logs).unwrap_err();
    assert!(err.contains("a.jsonl and b.jsonl are not of one cluster"), "{err}");
    let logs = [
        NodeLog::parse("a.jsonl", &hello(1, 1, config())).unwrap(),
        NodeLog::parse("b.jsonl", &hello(1, 1, config())).unwrap(),
    ];
    assert!(merge(&logs).unwrap_err().contains("both traces of node 1"));
    assert!(merge(&[]).is_err());
}

#[test]
fn a_malformed_line_is_reported_with_its_file_and_line() {
    let ok = line(&TraceEvent { node: Some(0), ..TraceEvent::new(5, TraceKind::Command) }, &[1, 0]);
    let text = [hello(0, 1, config()), ok.clone(), String::new(), "{\"time\": 3".into(), ok.clone()].join("\n");
    let err = NodeLog::parse("n0.jsonl", &text).unwrap_err();
    assert!(err.starts_with("n0.jsonl:4: not a node event line"), "{err}");
    // The same line last, with no newline after it: cut short by a kill, skipped.
    let torn = [hello(0, 1, config()), ok.clone(), "{\"time\": 3".into()].join("\n");
    assert_eq!(NodeLog::parse("n0.jsonl", &torn).unwrap().events.len(), 1);

    let err = NodeLog::parse("x", "{\"merged\": {}}\n").unwrap_err();
    assert!(err.starts_with("x:1: not a node hello"), "{err}");
    let short = line(&TraceEvent { node: Some(0), ..TraceEvent::new(5, TraceKind::Command) }, &[1]);
    let err = NodeLog::parse("x", &[hello(0, 1, config()), short].join("\n")).unwrap_err();
    assert!(err.contains("x:2: a clock of 1 entries, but the cluster has 2 nodes"), "{err}");
    let foreign = line(&TraceEvent { node: Some(1), ..TraceEvent::new(5, TraceKind::Command) }, &[1, 0]);
    let err = NodeLog::parse("x", &[hello(0, 1, config()), foreign].join("\n")).unwrap_err();
    assert!(err.contains("x:2: node 1's event in the trace of node 0"), "{err}");
    let old = hello(0, 1, config()).replace("\"protocol\":2", "\"protocol\":1");
    assert!(NodeLog::parse("x", &old).unwrap_err().contains("protocol 1"));
}

#[test]
fn the_merged_trace_exports_to_shiviz_with_the_delivery_merging_the_send() {
    let log = crate::sim::shiviz::shiviz_log(&merge(&skewed()).unwrap().trace());
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 8);
    assert_eq!(lines[4], r#"n1 {"n0":1,"n1":2}"#, "{log}");
}
