//! Real nodes' traces: four `kvnode --trace` processes tell the read-repair story, `kvsim merge`
//! turns their traces into one trace (and a ShiViz log), and pages watching a node
//! (`kvnode --watch`) see its events and type commands. Bounded waits; every process started
//! is killed.

mod support;

use serde_json::Value;
use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};
use support::kvnode::*;
use tokio_tungstenite::tungstenite::{self, Message, WebSocket};

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

/// A page watching a node: a WebSocket client reading the node's frames.
struct Watcher {
    ws: WebSocket<TcpStream>,
    /// Every event read so far.
    seen: Vec<Value>,
    /// Where [`Watcher::expect`] looks next.
    next: usize,
}

impl Watcher {
    /// Connects to `port` and reads the first frame, the hello.
    fn attach(port: u16) -> (Watcher, Value) {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("the node watches its port");
        let (mut ws, _) = tungstenite::client(format!("ws://127.0.0.1:{port}/"), stream).expect("a WebSocket");
        ws.get_mut().set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let mut watcher = Watcher { ws, seen: Vec::new(), next: 0 };
        let hello = watcher.frame();
        assert!(!hello.contains('\n'), "the hello is a frame of its own: {hello}");
        (watcher, serde_json::from_str(&hello).unwrap())
    }

    /// The next text frame; fails after [`WAIT`].
    fn frame(&mut self) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            match self.ws.read() {
                Ok(Message::Text(text)) => return text.to_string(),
                Ok(_) => {}
                Err(tungstenite::Error::Io(e)) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    assert!(Instant::now() < deadline, "no frame within {WAIT:?}; seen {:#?}", self.seen);
                }
                Err(e) => panic!("the watch stream broke: {e}"),
            }
        }
    }

    /// The next event (after the last one expected) of `kind` whose `text` contains `text`;
    /// reads frames until it comes.
    fn expect(&mut self, kind: &str, text: &str) -> Value {
        loop {
            let found = self.seen[self.next..]
                .iter()
                .position(|e| e["kind"] == kind && e["text"].as_str().is_some_and(|t| t.contains(text)));
            if let Some(i) = found {
                self.next += i + 1;
                return self.seen[self.next - 1].clone();
            }
            let frame = self.frame();
            self.seen.extend(json_lines(&frame));
        }
    }

    fn send(&mut self, line: &str) {
        self.ws.send(Message::text(line)).expect("the node reads its watchers");
    }
}

#[test]
fn watchers_get_the_hello_and_the_events_and_type_commands() {
    let mut c = Cluster::start_with(Options { watch: true, ..Options::default() });
    let port = c.watch_ports.as_ref().unwrap()[1];
    c.type_on(1, "insert 5 hello ALL");
    c.expect(1, "insert successful");
    let (mut a, hello) = Watcher::attach(port);
    let hello = &hello["hello"];
    assert_eq!((hello["protocol"].as_u64(), hello["node"].as_u64()), (Some(2), Some(1)), "{hello}");
    assert_eq!(hello["store"][0]["key"], "5");
    assert_eq!(hello["store"][0]["value"], "hello");
    assert_eq!(hello["clock"].as_array().map(Vec::len), Some(NODES));
    let (mut b, _) = Watcher::attach(port);

    // A command typed on the node: both watchers see it and its reply.
    c.type_on(1, "get 5 ONE");
    c.expect(1, "Get return");
    for w in [&mut a, &mut b] {
        let command = w.expect("command", "get 5 ONE");
        assert!(command["clock"].as_array().is_some_and(|c| c.len() == NODES), "{command}");
        assert_eq!(w.expect("reply", "Get return: hello")["request"], command["request"]);
    }
    // A command from a watcher runs as if typed: its reply goes to the stream and the console.
    a.send("insert 6 six ALL");
    let command = a.expect("command", "insert 6 six ALL");
    assert_eq!(a.expect("reply", "insert successful")["request"], command["request"]);
    c.expect(1, "insert successful");
    b.expect("reply", "insert successful");
    assert!(b.seen.iter().any(|e| e["kind"] == "send" && e["msg"] == "write"), "b sees the messages too");
    // A line that does not parse still gets a command and a failed reply.
    a.send("fetch 6");
    a.expect("command", "fetch 6");
    a.expect("reply", "Invalid command");
}

#[test]
fn a_killed_watcher_does_not_disturb_the_node_or_the_other_watchers() {
    let mut c = Cluster::start_with(Options { watch: true, no_delay: true, ..Options::default() });
    let port = c.watch_ports.as_ref().unwrap()[2];
    let (a, _) = Watcher::attach(port);
    let (mut b, _) = Watcher::attach(port);
    // Gone without a goodbye, as a closed browser tab or a killed process.
    drop(a);
    for i in 0..3 {
        c.type_on(2, &format!("insert k{i} v{i} ALL"));
        c.expect(2, "insert successful");
        b.expect("command", &format!("insert k{i} v{i} ALL"));
    }
    c.type_on(2, "get k2 ALL");
    assert!(c.expect(2, "Get return").starts_with("Get return: v2"));
    b.expect("reply", "Get return: v2");
    assert!(c.procs[2].child.try_wait().unwrap().is_none(), "n2 is still running");
}

#[test]
fn a_watcher_that_does_not_read_is_disconnected_and_never_blocks_the_node() {
    let mut c = Cluster::start_with(Options { watch: true, no_delay: true, ..Options::default() });
    let port = c.watch_ports.as_ref().unwrap()[0];
    // Attached, and then never read: the socket's buffers fill, then its queue.
    let (_stuck, _) = Watcher::attach(port);
    let long = "x".repeat(2000);
    for _ in 0..12_000 {
        c.type_on(0, &long);
    }
    c.type_on(0, "show-all");
    c.expect(0, "(store is empty)");
    assert!(c.wait_stderr(0, "too slow", 1), "n0 disconnects the stuck watcher");
    let (mut fresh, _) = Watcher::attach(port);
    c.type_on(0, "show-all");
    fresh.expect("reply", "(store is empty)");
}

#[test]
fn a_taken_watch_port_or_an_unwritable_trace_exits_with_status_2() {
    let ports = free_ports(NODES);
    let config = std::env::temp_dir().join(format!("kvnode-trace-test-{}-bad.json", std::process::id()));
    std::fs::write(&config, config_json(&ports)).unwrap();
    let config = config.display().to_string();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (code, stderr) = kvnode_fails(&["0", "--config", &config, "--watch", &port]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(&format!("cannot watch on 127.0.0.1:{port}: the address is in use")), "{stderr}");
    let (code, stderr) = kvnode_fails(&["0", "--config", &config, "--trace", "/nonexistent/n0.trace.jsonl"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("cannot write the trace /nonexistent/n0.trace.jsonl"), "{stderr}");
    std::fs::remove_file(&config).ok();
}
