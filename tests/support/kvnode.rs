//! A cluster of `kvnode` processes on loopback for the tests that run real nodes
//! (tests/kvnode.rs, tests/kvnode_trace.rs): free ports, a generated config, each node's stdin,
//! stdout and stderr, bounded waits, and every process killed when the cluster is dropped.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

pub const NODES: usize = 4;
/// The longest any single wait may take.
pub const WAIT: Duration = Duration::from_secs(10);

/// The cluster's delays in seconds, constant so the story is the same on every run: close links
/// (0.02 s), n3 far from n0 and n1 (0.3 s), and the slow link n0 -> n2 (2 s) of
/// examples/read-repair.kvs. Key 5 lives on n0, n1 and n2.
pub fn config_json(ports: &[u16]) -> String {
    let addresses: Vec<String> = ports.iter().map(|p| format!("\"127.0.0.1:{p}\"")).collect();
    format!(
        r#"{{"addresses": [{}],
  "avg_delays": [[0, 0.02, 2.0, 0.3], [0.02, 0, 0.02, 0.3], [0.02, 0.02, 0, 0.02], [0.3, 0.3, 0.02, 0]],
  "delay_distribution": "constant", "request_timeout_s": 1.5}}"#,
        addresses.join(", ")
    )
}

/// One kvnode process: its stdin, and its stdout and stderr lines as they come.
pub struct Proc {
    pub child: Child,
    pub stdin: ChildStdin,
    pub stdout: Receiver<String>,
    pub stderr: Receiver<String>,
}

/// Four nodes; dropping the cluster kills them all and removes its files.
pub struct Cluster {
    pub procs: Vec<Proc>,
    pub config: PathBuf,
    pub ports: Vec<u16>,
    /// The nodes' `--data` directory, if they keep their stores.
    pub data: Option<PathBuf>,
    /// Whether the nodes run with `--no-delay`.
    pub no_delay: bool,
    /// The directory of the nodes' `--trace` files (`n<i>.trace.jsonl`), if they trace.
    pub traces: Option<PathBuf>,
    /// Each node's `--watch` port, if they serve watchers.
    pub watch_ports: Option<Vec<u16>>,
}

/// How a test's cluster runs.
#[derive(Clone, Copy, Default)]
pub struct Options {
    /// Start the nodes with `--data`.
    pub data: bool,
    /// `"hinted_handoff": true` in the config.
    pub hinted_handoff: bool,
    /// Start the nodes with `--no-delay`.
    pub no_delay: bool,
    /// Start the nodes with `--trace` (see [`Cluster::trace_file`]).
    pub trace: bool,
    /// Start the nodes with `--watch` on free ports.
    pub watch: bool,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for p in &mut self.procs {
            p.child.kill().ok();
            p.child.wait().ok();
        }
        std::fs::remove_file(&self.config).ok();
        for dir in [&self.data, &self.traces].into_iter().flatten() {
            std::fs::remove_dir_all(dir).ok();
        }
    }
}

pub fn lines(read: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(read).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

pub fn free_ports(count: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..count).map(|_| TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    listeners.iter().map(|l| l.local_addr().unwrap().port()).collect()
}

impl Cluster {
    pub fn start() -> Cluster {
        Cluster::start_with(Options::default())
    }

    /// Starts four nodes on free ports and waits until every node is connected to every other;
    /// starts over on new ports if one could not bind its port.
    pub fn start_with(options: Options) -> Cluster {
        static CLUSTERS: AtomicUsize = AtomicUsize::new(0);
        for _attempt in 0..5 {
            let mut ports = free_ports(2 * NODES);
            let watch_ports = ports.split_off(NODES);
            let n = CLUSTERS.fetch_add(1, Ordering::Relaxed);
            let name = format!("kvnode-test-{}-{n}", std::process::id());
            let config = std::env::temp_dir().join(format!("{name}.json"));
            let mut json = config_json(&ports);
            if options.hinted_handoff {
                json = json.replacen('{', r#"{"hinted_handoff": true, "#, 1);
            }
            std::fs::write(&config, json).unwrap();
            let data = options.data.then(|| std::env::temp_dir().join(format!("{name}-data")));
            let traces = options.trace.then(|| std::env::temp_dir().join(format!("{name}-traces")));
            if let Some(dir) = &traces {
                std::fs::create_dir_all(dir).unwrap();
            }
            let watch_ports = options.watch.then_some(watch_ports);
            let mut cluster =
                Cluster { procs: Vec::new(), config, ports, data, no_delay: options.no_delay, traces, watch_ports };
            for index in 0..NODES {
                let proc = cluster.spawn(index);
                cluster.procs.push(proc);
            }
            if (0..NODES).all(|node| cluster.wait_stderr(node, "connected to", NODES - 1)) {
                return cluster;
            }
        }
        panic!("could not start a cluster in 5 attempts");
    }

    pub fn spawn(&self, index: usize) -> Proc {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kvnode"));
        command.arg(index.to_string()).arg("--config").arg(&self.config);
        if let Some(data) = &self.data {
            command.arg("--data").arg(data);
        }
        if self.no_delay {
            command.arg("--no-delay");
        }
        if self.traces.is_some() {
            command.arg("--trace").arg(self.trace_file(index));
        }
        if let Some(ports) = &self.watch_ports {
            command.arg("--watch").arg(ports[index].to_string());
        }
        let mut child =
            command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("kvnode starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = lines(child.stdout.take().unwrap());
        let stderr = lines(child.stderr.take().unwrap());
        Proc { child, stdin, stdout, stderr }
    }

    /// Node `node`'s `--trace` file.
    pub fn trace_file(&self, node: usize) -> PathBuf {
        self.traces.as_ref().expect("the cluster traces").join(format!("n{node}.trace.jsonl"))
    }

    /// Kills node `node` with SIGKILL, as a crash would.
    pub fn kill(&mut self, node: usize) {
        self.procs[node].child.kill().unwrap();
        self.procs[node].child.wait().unwrap();
    }

    /// Starts node `node` again (after [`Cluster::kill`]) and waits until it is connected to
    /// its peers and they to it.
    pub fn restart(&mut self, node: usize) {
        self.procs[node] = self.spawn(node);
        assert!(self.wait_stderr(node, "connected to", NODES - 1), "n{node} exited: {}", self.stderr(node));
        for peer in (0..NODES).filter(|&peer| peer != node) {
            assert!(self.wait_stderr(peer, &format!("connected to n{node} "), 1));
        }
    }

    /// Waits until node `node` has written `count` lines containing `text` on stderr; `false`
    /// if it exited first.
    pub fn wait_stderr(&mut self, node: usize, text: &str, count: usize) -> bool {
        let deadline = Instant::now() + WAIT;
        let p = &mut self.procs[node];
        let mut seen = 0;
        while seen < count {
            if p.child.try_wait().unwrap().is_some() {
                return false;
            }
            match p.stderr.recv_timeout(Duration::from_millis(50)) {
                Ok(line) if line.contains(text) => seen += 1,
                Ok(_) => {}
                Err(_) => assert!(Instant::now() < deadline, "n{node} wrote no {text:?} within {WAIT:?}"),
            }
        }
        true
    }

    pub fn type_on(&mut self, node: usize, line: &str) {
        writeln!(self.procs[node].stdin, "{line}").expect("the node reads its stdin");
    }

    /// The next line node `node` prints that contains `text` (the result's text, without its
    /// `[time nN]` prefix); fails after [`WAIT`].
    pub fn expect(&mut self, node: usize, text: &str) -> String {
        self.expect_one_of(node, &[text])
    }

    /// The next line node `node` prints that contains one of `texts` (without its `[time nN]`
    /// prefix); fails after [`WAIT`].
    pub fn expect_one_of(&mut self, node: usize, texts: &[&str]) -> String {
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.procs[node].stdout.recv_timeout(left) {
                Ok(line) => {
                    let prefix = format!(" n{node}] ");
                    let body = line.split_once(&prefix).map(|(_, body)| body.to_string()).unwrap_or(line.clone());
                    if texts.iter().any(|text| body.contains(text)) {
                        return body;
                    }
                    seen.push(line);
                }
                Err(_) => panic!("n{node} printed no line with one of {texts:?} within {WAIT:?}; it printed {seen:#?}"),
            }
        }
    }

    /// Types `show-all` on node `node` until a line of its store contains `text`; fails after
    /// [`WAIT`].
    pub fn eventually_shows(&mut self, node: usize, text: &str) {
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            self.type_on(node, "show-all");
            let pause = Instant::now() + Duration::from_millis(200);
            while let Ok(line) = self.procs[node].stdout.recv_timeout(pause.saturating_duration_since(Instant::now())) {
                if line.contains(text) {
                    return;
                }
                seen.push(line);
            }
        }
        panic!("n{node}'s store showed no {text:?} within {WAIT:?}; it printed {seen:#?}");
    }

    /// Everything node `node` wrote on stderr so far.
    pub fn stderr(&self, node: usize) -> String {
        self.procs[node].stderr.try_iter().collect::<Vec<_>>().join("\n")
    }
}

/// Runs `kvnode` with `args` to its end: its exit status and stderr.
pub fn kvnode_fails(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kvnode")).args(args).stdin(Stdio::null()).output().expect("kvnode runs");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}
