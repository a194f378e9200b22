//! `scripts/cluster.sh` as a user runs it: three nodes, a line typed into two of them through
//! their named pipes, the answers read from their output files, and Ctrl-C (SIGINT) stopping
//! every node and leaving their traces, which `kvsim merge` reads. Every wait is bounded; the guard kills whatever is left.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(15);

/// The script and the nodes it started; dropping it kills them and removes the temp dir.
struct Guard {
    script: Child,
    nodes: Vec<String>,
    tmp: PathBuf,
}

impl Drop for Guard {
    fn drop(&mut self) {
        for pid in &self.nodes {
            Command::new("kill").args(["-KILL", pid]).stderr(Stdio::null()).status().ok();
        }
        self.script.kill().ok();
        self.script.wait().ok();
        std::fs::remove_dir_all(&self.tmp).ok();
    }
}

fn has(command: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {command}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Waits until `file` contains `text`.
fn wait_for(file: &Path, text: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let content = std::fs::read_to_string(file).unwrap_or_default();
        if content.contains(text) {
            return;
        }
        assert!(Instant::now() < deadline, "{} has no {text:?} within {WAIT:?}: {content}", file.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn is_running(pid: &str) -> bool {
    Command::new("kill").args(["-0", pid]).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

#[test]
fn cluster_sh_starts_nodes_reads_pipes_and_stops_on_sigint() {
    if !has("mkfifo") || !has("bash") {
        eprintln!("skipped: scripts/cluster.sh needs bash and mkfifo, and this system lacks one");
        return;
    }
    let tmp = std::env::temp_dir().join(format!("cluster-sh-test-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut script = Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/cluster.sh"))
        .arg("3")
        .env("KVNODE", env!("CARGO_BIN_EXE_kvnode"))
        .env("TMPDIR", &tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("bash runs");
    let stdout = script.stdout.take().unwrap();
    let mut guard = Guard { script, nodes: Vec::new(), tmp: tmp.clone() };

    // The script's instructions, up to the nodes' pids.
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut dir = None;
    let mut watch = Vec::new();
    let deadline = Instant::now() + WAIT;
    while guard.nodes.is_empty() {
        let line = lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("cluster.sh prints its instructions within the wait");
        if let Some(d) = line.strip_prefix("Directory: ") {
            dir = Some(PathBuf::from(d));
        }
        if let Some((_, urls)) = line.split_once("attach the page to: ") {
            watch = urls.split(' ').map(String::from).collect();
        }
        if let Some(pids) = line.strip_prefix("Node pids: ") {
            guard.nodes = pids.split_whitespace().map(String::from).collect();
        }
    }
    let dir = dir.expect("cluster.sh names its directory");
    assert_eq!(guard.nodes.len(), 3);
    assert_eq!(watch.len(), 3, "one watch address per node: {watch:?}");
    assert!(watch.iter().all(|url| url.starts_with("ws://127.0.0.1:")), "{watch:?}");

    std::fs::OpenOptions::new()
        .write(true)
        .open(dir.join("n0.in"))
        .unwrap()
        .write_all(b"insert 5 hello ALL\n")
        .unwrap();
    wait_for(&dir.join("n0.out"), "insert successful");
    std::fs::OpenOptions::new().write(true).open(dir.join("n1.in")).unwrap().write_all(b"get 5 ONE\n").unwrap();
    wait_for(&dir.join("n1.out"), "Get return: hello");

    Command::new("kill").args(["-INT", &guard.script.id().to_string()]).status().unwrap();
    let deadline = Instant::now() + WAIT;
    while guard.script.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "cluster.sh did not stop within {WAIT:?} of SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    }
    for pid in &guard.nodes {
        assert!(!is_running(pid), "node process {pid} outlived cluster.sh");
    }
    // All but the traces is removed; the traces merge into one trace.
    let mut left: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    left.sort();
    assert_eq!(left, ["n0.trace.jsonl", "n1.trace.jsonl", "n2.trace.jsonl"]);
    let traces: Vec<PathBuf> = left.iter().map(|name| dir.join(name)).collect();
    let merged = Command::new(env!("CARGO_BIN_EXE_kvsim")).arg("merge").args(&traces).output().unwrap();
    assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
    let text = String::from_utf8_lossy(&merged.stdout);
    assert!(text.contains(r#""kind":"reply","node":1"#), "n1's reply, flushed when it was stopped: {text}");
}
