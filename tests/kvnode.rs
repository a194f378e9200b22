//! The `kvnode` binary as the original was run: four processes on loopback, one per node,
//! driven through their terminals. Each test starts its own cluster on free ports, bounds every
//! wait, and kills every process it started (also when it fails).

use kvplayground::model::placement::Replicas;
use kvplayground::sim::action::{Action, TimedAction};
use kvplayground::sim::fault::Fault;
use kvplayground::{Config, Simulation};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

const NODES: usize = 4;
/// The longest any single wait may take.
const WAIT: Duration = Duration::from_secs(10);

/// The cluster's delays in seconds, constant so the story is the same on every run: close links
/// (0.02 s), n3 far from n0 and n1 (0.3 s), and the slow link n0 -> n2 (2 s) of
/// examples/read-repair.kvs. Key 5 lives on n0, n1 and n2.
fn config_json(ports: &[u16]) -> String {
    let addresses: Vec<String> = ports.iter().map(|p| format!("\"127.0.0.1:{p}\"")).collect();
    format!(
        r#"{{"addresses": [{}],
  "avg_delays": [[0, 0.02, 2.0, 0.3], [0.02, 0, 0.02, 0.3], [0.02, 0.02, 0, 0.02], [0.3, 0.3, 0.02, 0]],
  "delay_distribution": "constant", "request_timeout_s": 1.5}}"#,
        addresses.join(", ")
    )
}

/// One kvnode process: its stdin, and its stdout and stderr lines as they come.
struct Proc {
    child: Child,
    stdin: ChildStdin,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
}

/// Four nodes; dropping the cluster kills them all and removes its files.
struct Cluster {
    procs: Vec<Proc>,
    config: PathBuf,
    ports: Vec<u16>,
    /// The nodes' `--data` directory, if they keep their stores.
    data: Option<PathBuf>,
    /// Whether the nodes run with `--no-delay`.
    no_delay: bool,
}

/// How a test's cluster runs.
#[derive(Clone, Copy, Default)]
struct Options {
    /// Start the nodes with `--data`.
    data: bool,
    /// `"hinted_handoff": true` in the config.
    hinted_handoff: bool,
    /// Start the nodes with `--no-delay`.
    no_delay: bool,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for p in &mut self.procs {
            p.child.kill().ok();
            p.child.wait().ok();
        }
        std::fs::remove_file(&self.config).ok();
        if let Some(data) = &self.data {
            std::fs::remove_dir_all(data).ok();
        }
    }
}

fn lines(read: impl std::io::Read + Send + 'static) -> Receiver<String> {
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

fn free_ports() -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..NODES).map(|_| TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    listeners.iter().map(|l| l.local_addr().unwrap().port()).collect()
}

impl Cluster {
    fn start() -> Cluster {
        Cluster::start_with(Options::default())
    }

    /// Starts four nodes on free ports and waits until every node is connected to every other;
    /// starts over on new ports if one could not bind its port.
    fn start_with(options: Options) -> Cluster {
        static CLUSTERS: AtomicUsize = AtomicUsize::new(0);
        for _attempt in 0..5 {
            let ports = free_ports();
            let n = CLUSTERS.fetch_add(1, Ordering::Relaxed);
            let name = format!("kvnode-test-{}-{n}", std::process::id());
            let config = std::env::temp_dir().join(format!("{name}.json"));
            let mut json = config_json(&ports);
            if options.hinted_handoff {
                json = json.replacen('{', r#"{"hinted_handoff": true, "#, 1);
            }
            std::fs::write(&config, json).unwrap();
            let data = options.data.then(|| std::env::temp_dir().join(format!("{name}-data")));
            let mut cluster = Cluster { procs: Vec::new(), config, ports, data, no_delay: options.no_delay };
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

    fn spawn(&self, index: usize) -> Proc {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kvnode"));
        command.arg(index.to_string()).arg("--config").arg(&self.config);
        if let Some(data) = &self.data {
            command.arg("--data").arg(data);
        }
        if self.no_delay {
            command.arg("--no-delay");
        }
        let mut child =
            command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("kvnode starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = lines(child.stdout.take().unwrap());
        let stderr = lines(child.stderr.take().unwrap());
        Proc { child, stdin, stdout, stderr }
    }

    /// Kills node `node` with SIGKILL, as a crash would.
    fn kill(&mut self, node: usize) {
        self.procs[node].child.kill().unwrap();
        self.procs[node].child.wait().unwrap();
    }

    /// Starts node `node` again (after [`Cluster::kill`]) and waits until it is connected to
    /// its peers and they to it.
    fn restart(&mut self, node: usize) {
        self.procs[node] = self.spawn(node);
        assert!(self.wait_stderr(node, "connected to", NODES - 1), "n{node} exited: {}", self.stderr(node));
        for peer in (0..NODES).filter(|&peer| peer != node) {
            assert!(self.wait_stderr(peer, &format!("connected to n{node} "), 1));
        }
    }

    /// Waits until node `node` has written `count` lines containing `text` on stderr; `false`
    /// if it exited first.
    fn wait_stderr(&mut self, node: usize, text: &str, count: usize) -> bool {
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

    fn type_on(&mut self, node: usize, line: &str) {
        writeln!(self.procs[node].stdin, "{line}").expect("the node reads its stdin");
    }

    /// The next line node `node` prints that contains `text` (the result's text, without its
    /// `[time nN]` prefix); fails after [`WAIT`].
    fn expect(&mut self, node: usize, text: &str) -> String {
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.procs[node].stdout.recv_timeout(left) {
                Ok(line) => {
                    let prefix = format!(" n{node}] ");
                    let body = line.split_once(&prefix).map(|(_, body)| body.to_string()).unwrap_or(line.clone());
                    if body.contains(text) {
                        return body;
                    }
                    seen.push(line);
                }
                Err(_) => panic!("n{node} printed no line with {text:?} within {WAIT:?}; it printed {seen:#?}"),
            }
        }
    }

    /// Types `show-all` on node `node` until a line of its store contains `text`; fails after
    /// [`WAIT`].
    fn eventually_shows(&mut self, node: usize, text: &str) {
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
    fn stderr(&self, node: usize) -> String {
        self.procs[node].stderr.try_iter().collect::<Vec<_>>().join("\n")
    }
}

#[test]
fn a_write_at_all_is_read_at_one_and_quorum() {
    let mut c = Cluster::start();
    c.type_on(1, "insert 5 hello ALL");
    c.expect(1, "insert successful");
    c.type_on(2, "get 5 ONE");
    assert!(c.expect(2, "Get return").starts_with("Get return: hello"));
    c.type_on(3, "get 5 QUORUM");
    assert!(c.expect(3, "Get return").starts_with("Get return: hello"));
    // A typing mistake gets the simulation's error, and the node goes on.
    c.type_on(0, "get 5");
    c.expect(0, "`get` is missing arguments");
    c.type_on(0, "show-all");
    assert!(c.expect(0, "5 =>").starts_with("5 => (hello, "));
}

#[test]
fn a_stale_read_at_one_is_repaired() {
    // examples/read-repair.kvs on real processes.
    let mut c = Cluster::start();
    c.type_on(1, "insert 5 hello ALL");
    c.expect(1, "insert successful");
    // n0's update crawls over the slow link to n2...
    c.type_on(0, "update 5 world ONE");
    c.expect(0, "update successful");
    // ...so n2, close to n3, answers n3 first with the old value.
    c.type_on(3, "get 5 ONE");
    assert!(c.expect(3, "Get return").starts_with("Get return: hello"), "a stale read");
    let repair = c.expect(3, "Executing repair");
    assert!(repair.starts_with("Executing repair: sent world") && repair.ends_with("to n2"), "{repair}");
    // The repair is on its way to n2 (as n1's search could be): wait until n2 holds it.
    c.eventually_shows(2, "5 => (world, ");
    c.type_on(1, "search 5");
    for node in 0..3 {
        let reply = c.expect(1, &format!("Server #{node} returned value"));
        assert!(reply.contains("value: world"), "{reply}");
    }
    c.type_on(3, "get 5 ALL");
    assert!(c.expect(3, "Get return").starts_with("Get return: world"));
}

#[test]
fn no_delay_sends_at_once_over_the_slow_link() {
    // n0 -> n2 takes 2 s, past the 1.5 s request timeout: an ALL write from n0 fails with the
    // delays and succeeds without them.
    let mut slow = Cluster::start();
    slow.type_on(0, "insert 5 hello ALL");
    assert!(slow.expect(0, "insert 5 ALL failed").contains("2 of 3 replicas acknowledged"));
    let mut fast = Cluster::start_with(Options { no_delay: true, ..Options::default() });
    fast.type_on(0, "insert 5 hello ALL");
    fast.expect(0, "insert successful");
}

#[test]
fn a_killed_node_fails_all_but_not_one() {
    let mut c = Cluster::start();
    c.type_on(1, "insert 5 hello ALL");
    c.expect(1, "insert successful");
    c.kill(2);
    c.type_on(1, "get 5 ALL");
    let failed = c.expect(1, "failed");
    assert_eq!(failed, simulated_get_all_with_n2_down(&c.ports));
    c.type_on(1, "get 5 ONE");
    assert!(c.expect(1, "Get return").starts_with("Get return: hello"));
}

/// The error the simulation gives for `get 5 ALL` on n1 while n2 is down.
fn simulated_get_all_with_n2_down(ports: &[u16]) -> String {
    let config = Config::from_json(&config_json(ports)).unwrap();
    let mut sim = Simulation::new(&config, 0);
    sim.submit(1, "insert 5 hello ALL").unwrap();
    sim.run_until_quiet();
    let crash = Fault::parse("crash 2", NODES).unwrap();
    sim.schedule_action(TimedAction { at: sim.now(), action: Action::Fault(crash) }).unwrap();
    sim.run_until_quiet();
    sim.take_results().for_each(drop);
    sim.submit(1, "get 5 ALL").unwrap();
    sim.run_until_quiet();
    let results: Vec<_> = sim.take_results().collect();
    let failed = results.iter().find(|r| !r.outcome.is_ok()).expect("the simulated get fails");
    failed.outcome.describe()
}

#[test]
fn garbage_on_the_port_does_not_crash_the_node() {
    let mut c = Cluster::start();
    let address = format!("127.0.0.1:{}", c.ports[1]);
    let junk: [&[u8]; 3] = [
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"\x00\x00\x00\x05abcde",
        b"\x00\x00\x00\x1a{\"protocol\": 2, \"from\": 0}",
    ];
    for bytes in junk {
        let mut stream = TcpStream::connect(&address).unwrap();
        stream.write_all(bytes).unwrap();
    }
    // A good hello followed by a frame that is not a message.
    let mut stream = TcpStream::connect(&address).unwrap();
    stream.write_all(b"\x00\x00\x00\x1a{\"protocol\": 1, \"from\": 0}\x00\x00\x00\x02{}").unwrap();
    c.type_on(1, "insert 5 hello ALL");
    c.expect(1, "insert successful");
    c.type_on(1, "get 5 ONE");
    assert!(c.expect(1, "Get return").starts_with("Get return: hello"));
    let deadline = Instant::now() + WAIT;
    let mut stderr = String::new();
    while stderr.matches("dropped the connection").count() < 4 {
        assert!(Instant::now() < deadline, "n1 did not report 4 dropped connections: {stderr}");
        std::thread::sleep(Duration::from_millis(50));
        stderr.push_str(&c.stderr(1));
        stderr.push('\n');
    }
    assert!(stderr.contains("protocol 2"), "{stderr}");
    assert!(c.procs[1].child.try_wait().unwrap().is_none(), "n1 is still running");
}

/// Runs `kvnode` with `args` to its end: its exit status and stderr.
fn kvnode_fails(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kvnode")).args(args).stdin(Stdio::null()).output().expect("kvnode runs");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn bad_invocations_exit_with_status_2() {
    let dir = std::env::temp_dir();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let ports = [taken.local_addr().unwrap().port(), 1, 2, 3];
    let good = dir.join(format!("kvnode-test-{}-taken.json", std::process::id()));
    std::fs::write(&good, config_json(&ports)).unwrap();
    let bad = dir.join(format!("kvnode-test-{}-bad.json", std::process::id()));
    std::fs::write(&bad, r#"{"addresses": ["127.0.0.1:1"], "avg_delays": [[0, 1]]}"#).unwrap();
    let (good_path, bad_path) = (good.to_str().unwrap(), bad.to_str().unwrap());

    let (code, stderr) = kvnode_fails(&["0", "--config", good_path]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("the address is in use"), "{stderr}");
    let (code, stderr) = kvnode_fails(&["4", "--config", good_path]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("there is no node 4") && stderr.contains("0 to 3"), "{stderr}");
    let (code, stderr) = kvnode_fails(&["0", "--config", bad_path]);
    assert_eq!(code, Some(2), "{stderr}");
    let expected = Config::from_json(&std::fs::read_to_string(&bad).unwrap()).unwrap_err().to_string();
    assert!(stderr.contains(&expected), "{stderr}");
    let (code, stderr) = kvnode_fails(&["0", "--config", "/nonexistent/config.json"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("cannot read /nonexistent/config.json"), "{stderr}");
    std::fs::remove_file(good).ok();
    std::fs::remove_file(bad).ok();
}

/// A key other than 5 that n2 holds a replica of.
fn another_key_on_n2(ports: &[u16]) -> String {
    let config = Config::from_json(&config_json(ports)).unwrap();
    (0..)
        .map(|i| format!("k{i}"))
        .find(|key| Replicas::of(key, NODES, config.replication_factor()).contains(2))
        .unwrap()
}

#[test]
fn a_node_killed_and_restarted_with_data_keeps_its_store_and_is_repaired() {
    let mut c = Cluster::start_with(Options { data: true, ..Options::default() });
    let gone = another_key_on_n2(&c.ports);
    c.type_on(1, "insert 5 hello ALL");
    c.expect(1, "insert successful");
    c.type_on(1, &format!("insert {gone} soon-deleted ALL"));
    c.expect(1, "insert successful");
    c.type_on(1, &format!("delete {gone} ALL"));
    c.expect(1, "delete successful");
    c.kill(2);
    // The write n2 misses while it is down.
    c.type_on(1, "update 5 world QUORUM");
    c.expect(1, "update successful");
    c.restart(2);
    // n2 kept its value and its tombstone (show-all lists keys in an order that depends on them).
    c.eventually_shows(2, "5 => (hello, ");
    c.eventually_shows(2, &format!("{gone} => (<deleted>, "));
    c.type_on(1, "get 5 ALL");
    assert!(c.expect(1, "Get return").starts_with("Get return: world"));
    c.eventually_shows(2, "5 => (world, ");
}

#[test]
fn a_node_restarted_without_data_comes_back_empty() {
    let mut c = Cluster::start();
    c.type_on(1, "insert 5 hello ALL");
    c.expect(1, "insert successful");
    c.kill(2);
    c.restart(2);
    c.type_on(2, "show-all");
    c.expect(2, "(store is empty)");
}

#[test]
fn a_hint_reaches_a_restarted_node_without_a_read() {
    let mut c = Cluster::start_with(Options { data: true, hinted_handoff: true, ..Options::default() });
    c.kill(2);
    // n2 misses the write; at the request's timeout n1 keeps a hint for it.
    c.type_on(1, "insert 5 hello QUORUM");
    c.expect(1, "insert successful");
    c.restart(2);
    c.eventually_shows(2, "5 => (hello, ");
}

#[test]
fn a_torn_last_log_line_is_ignored_and_a_bad_line_is_an_error() {
    let ports = free_ports();
    let name = format!("kvnode-test-{}-wal", std::process::id());
    let config = std::env::temp_dir().join(format!("{name}.json"));
    std::fs::write(&config, config_json(&ports)).unwrap();
    let data = std::env::temp_dir().join(format!("{name}-data"));
    std::fs::create_dir_all(&data).unwrap();
    let wal = data.join("n0.wal");
    let good = r#"{"key": "5", "entry": {"value": "hello", "version": {"timestamp": 7, "node": 1}}}"#;
    let (config_path, data_path) = (config.to_str().unwrap(), data.to_str().unwrap());

    // A crash cut the last line short: the node starts with what came before.
    std::fs::write(&wal, format!("{good}\n{{\"key\": \"6\", \"en")).unwrap();
    let mut cluster =
        Cluster { procs: Vec::new(), config: config.clone(), ports, data: Some(data.clone()), no_delay: false };
    let proc = cluster.spawn(0);
    cluster.procs.push(proc);
    assert!(cluster.wait_stderr(0, "line 2 was cut short", 1), "{}", cluster.stderr(0));
    cluster.type_on(0, "show-all");
    assert!(cluster.expect(0, "=>").starts_with("5 => (hello, "));
    cluster.kill(0);
    // The start compacted the log: the torn line is gone.
    assert_eq!(std::fs::read_to_string(&wal).unwrap().lines().count(), 1);

    std::fs::write(&wal, format!("{good}\nnot json\n{good}\n")).unwrap();
    let (code, stderr) = kvnode_fails(&["0", "--config", config_path, "--data", data_path]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(&format!("{}: line 2: ", wal.display())), "{stderr}");
}
