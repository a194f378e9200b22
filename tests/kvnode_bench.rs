//! `kvnode bench` and the client connections it uses: a short bench on four nodes it starts
//! itself, and a client talking to one node frame by frame. Every wait is bounded and every
//! process started is killed. No figure is asserted: a bench prints, it does not judge.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The longest any single wait may take.
const WAIT: Duration = Duration::from_secs(30);

/// Kills the process when dropped (also when the test fails).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// Runs `kvnode bench ARGS` to its end (killed after [`WAIT`]): its exit status, stdout, stderr.
fn bench(args: &[&str]) -> (Option<i32>, String, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_kvnode"))
        .arg("bench")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kvnode bench starts");
    let mut child = Killed(child);
    let deadline = Instant::now() + WAIT;
    while child.0.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "kvnode bench {args:?} ran past {WAIT:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut out = String::new();
    let mut err = String::new();
    child.0.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    child.0.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (child.0.wait().unwrap().code(), out, err)
}

#[test]
fn a_short_bench_on_four_nodes_reports_and_leaves_no_node_behind() {
    let args = ["--nodes", "4", "--seconds", "1", "--warmup", "0.2", "--clients", "4", "--window", "4", "--json"];
    let (code, out, err) = bench(&args);
    assert_eq!(code, Some(0), "{err}");
    let report: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"));
    assert_eq!(report["level"], "QUORUM");
    assert_eq!(report["nodes"], 4);
    assert!(report["ops"].as_u64().unwrap() > 0, "{report}");
    assert!(report["ops_per_second"].as_f64().unwrap() > 0.0, "{report}");
    assert_eq!(report["error_count"], 0, "{report}");
    assert_eq!(report["errors"], serde_json::json!({}));
    for field in ["p50", "p90", "p99", "max", "mean"] {
        assert!(report["latency_us"][field].is_number(), "no latency_us.{field}: {report}");
    }
    assert!(report["node_cpu_us_per_op"].is_number(), "{report}");
    let nodes = report["node_usage"].as_array().unwrap();
    assert_eq!(nodes.len(), 4, "{report}");
    for node in nodes {
        assert!(node["peak_kib"].as_u64().unwrap() > 0, "{report}");
        // Stopped and reaped: the pid is gone, or (reused) no longer a kvnode.
        let pid = node["pid"].as_u64().unwrap();
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        assert!(!String::from_utf8_lossy(&cmdline).contains("kvnode"), "node {pid} outlived the bench");
    }
}

#[test]
fn bad_bench_options_exit_with_status_2() {
    let (code, _, err) = bench(&["--nodes", "4", "--level", "TWO"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not a consistency level"), "{err}");
    let (code, _, err) = bench(&["--nodes", "4", "--config", "c.json"]);
    assert_eq!(code, Some(2), "{err}");
    let (code, _, err) = bench(&["--config", "/nonexistent/config.json"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot read /nonexistent/config.json"), "{err}");
}

/// One length-delimited frame (a 4-byte big-endian length, then the bytes).
fn frame(bytes: &[u8]) -> Vec<u8> {
    let mut frame = (bytes.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(bytes);
    frame
}

/// The next frame on `stream`, as JSON; `None` when the node closed the connection.
fn read_frame(stream: &mut TcpStream) -> Option<Value> {
    let mut length = [0u8; 4];
    stream.read_exact(&mut length).ok()?;
    let mut bytes = vec![0u8; u32::from_be_bytes(length) as usize];
    stream.read_exact(&mut bytes).expect("a whole frame");
    Some(serde_json::from_slice(&bytes).expect("a JSON frame"))
}

/// Connects to `address` as a client, retrying while the node starts.
fn client(address: &str) -> TcpStream {
    let deadline = Instant::now() + WAIT;
    let mut stream = loop {
        match TcpStream::connect(address) {
            Ok(stream) => break stream,
            Err(e) => assert!(Instant::now() < deadline, "cannot connect to {address}: {e}"),
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream.write_all(&frame(br#"{"client_protocol": 1}"#)).unwrap();
    stream
}

#[test]
fn a_client_pipelines_requests_and_a_bad_frame_gets_an_error_then_the_connection_drops() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let address = format!("127.0.0.1:{port}");
    let config = std::env::temp_dir().join(format!("kvnode-bench-test-{}.json", std::process::id()));
    std::fs::write(&config, format!(r#"{{"addresses": ["{address}"], "avg_delays": [[0]]}}"#)).unwrap();
    let node = Command::new(env!("CARGO_BIN_EXE_kvnode"))
        .args(["0", "--config", config.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kvnode starts");
    let mut node = Killed(node);

    // Three requests in one write; each answer carries its request's id.
    let mut stream = client(&address);
    std::fs::remove_file(&config).ok();
    let requests = [(10, "insert k1 hello QUORUM"), (11, "get k1 QUORUM"), (12, "get k1 TWO")];
    let mut bytes = Vec::new();
    for (id, line) in requests {
        bytes.extend(frame(serde_json::json!({"id": id, "line": line}).to_string().as_bytes()));
    }
    stream.write_all(&bytes).unwrap();
    let mut answers: Vec<Value> = (0..3).map(|_| read_frame(&mut stream).expect("an answer")).collect();
    answers.sort_by_key(|answer| answer["id"].as_u64());
    let text = |i: usize| answers[i]["text"].as_str().unwrap().to_string();
    assert_eq!((answers[0]["id"].as_u64(), answers[0]["ok"].as_bool()), (Some(10), Some(true)));
    assert!(text(0).contains("] insert successful"), "{}", text(0));
    assert_eq!(answers[1]["ok"], true);
    assert!(text(1).contains("] Get return: hello"), "{}", text(1));
    assert_eq!(answers[2]["ok"], false);
    assert!(text(2).contains("not a consistency level"), "{}", text(2));

    // A frame that is not a request: an error frame without an id, then the node hangs up.
    stream.write_all(&frame(br#"{"line": "get k1 ONE"}"#)).unwrap();
    let error = read_frame(&mut stream).expect("an error frame");
    assert_eq!((error["id"].clone(), error["ok"].clone()), (Value::Null, Value::Bool(false)));
    assert!(error["text"].as_str().unwrap().starts_with("not a request"), "{error}");
    assert!(read_frame(&mut stream).is_none(), "the connection is dropped");

    // The node goes on: a new client is served, and the console printed none of the answers.
    let mut again = client(&address);
    again.write_all(&frame(br#"{"id": 1, "line": "get k1 ONE"}"#)).unwrap();
    assert!(read_frame(&mut again).unwrap()["text"].as_str().unwrap().contains("Get return: hello"));
    let stdin = node.0.stdin.as_mut().unwrap();
    stdin.write_all(b"show-all\nquit\n").unwrap();
    // `quit` ends the node, and so its output (read aside, so a node that does not end fails
    // the test instead of hanging it).
    let mut out = node.0.stdout.take().unwrap();
    let (done, output) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut stdout = String::new();
        out.read_to_string(&mut stdout).ok();
        done.send(stdout).ok();
    });
    let stdout = output.recv_timeout(WAIT).expect("the node ends after quit");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(lines[0].contains("] k1 => (hello, "), "{stdout}");
    let stderr = BufReader::new(node.0.stderr.take().unwrap()).lines().map_while(Result::ok).collect::<Vec<_>>();
    assert!(
        stderr.iter().any(|line| line.contains("dropped the connection") && line.contains("not a request")),
        "{stderr:?}"
    );
}
