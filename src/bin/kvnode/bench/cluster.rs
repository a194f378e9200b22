//! The nodes `kvnode bench --nodes N` starts: child processes of this executable on free
//! loopback ports, from a generated config in a temporary file, with `--no-delay`. They are
//! stopped (killed and waited for) by [`Nodes::stop`] or when dropped, so an error or a panic of
//! the bench leaves none behind.

use kvplayground::Config;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long the nodes may take to connect to each other.
const START_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Nodes {
    pub config: Config,
    children: Vec<Child>,
    config_path: PathBuf,
}

/// What one node used, read from /proc.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Usage {
    pub node: usize,
    pub pid: u32,
    /// Peak resident memory (VmHWM), KiB.
    pub peak_kib: u64,
    /// CPU time (user and system) since it started, seconds.
    pub cpu_seconds: f64,
}

/// Clock ticks per second in /proc/PID/stat (USER_HZ, 100 on every Linux architecture).
const TICKS_PER_SECOND: f64 = 100.0;

impl Nodes {
    /// Starts `count` nodes and waits until each is connected to all the others.
    pub fn start(count: usize) -> Result<Nodes, String> {
        let ports = free_ports(count)?;
        let addresses: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let zeros = vec![vec![0.0; count]; count];
        let json = serde_json::json!({ "addresses": addresses, "avg_delays": zeros }).to_string();
        let config = Config::from_json(&json).map_err(|e| format!("cannot make a config for {count} nodes: {e}"))?;
        let config_path = std::env::temp_dir().join(format!("kvnode-bench-{}.json", std::process::id()));
        std::fs::write(&config_path, &json).map_err(|e| format!("cannot write {}: {e}", config_path.display()))?;
        let exe = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
        let mut nodes = Nodes { config, children: Vec::new(), config_path };
        let (connected, lines) = mpsc::channel();
        for index in 0..count {
            let mut child = Command::new(&exe)
                .arg(index.to_string())
                .arg("--config")
                .arg(&nodes.config_path)
                .arg("--no-delay")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot start node {index}: {e}"))?;
            let stderr = child.stderr.take().expect("stderr is piped");
            nodes.children.push(child);
            let connected = connected.clone();
            // Reads the node's stderr to its end, so the node never blocks on a full pipe.
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    connected.send((index, line)).ok();
                }
            });
        }
        nodes.wait_connected(&lines)?;
        Ok(nodes)
    }

    /// Waits until every node wrote `connected to` for each of its peers.
    fn wait_connected(&mut self, lines: &mpsc::Receiver<(usize, String)>) -> Result<(), String> {
        let count = self.children.len();
        let mut links = vec![0; count];
        let deadline = Instant::now() + START_TIMEOUT;
        while links.iter().any(|&n| n + 1 < count) {
            for (index, child) in self.children.iter_mut().enumerate() {
                if let Ok(Some(status)) = child.try_wait() {
                    let said: Vec<String> = lines.try_iter().filter(|l| l.0 == index).map(|l| l.1).collect();
                    return Err(format!("node {index} exited ({status}) while starting: {}", said.join("; ")));
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!("the nodes did not connect to each other within {START_TIMEOUT:?}"));
            }
            if let Ok((index, line)) = lines.recv_timeout(left.min(Duration::from_millis(100))) {
                if line.contains("connected to") {
                    links[index] += 1;
                }
            }
        }
        Ok(())
    }

    /// Each node's peak memory and CPU time so far.
    pub fn usage(&self) -> Vec<Usage> {
        self.children
            .iter()
            .enumerate()
            .map(|(node, child)| {
                let pid = child.id();
                Usage {
                    node,
                    pid,
                    peak_kib: crate::proc_status::peak_kib(&pid.to_string()).unwrap_or(0),
                    cpu_seconds: cpu_seconds(pid).unwrap_or(0.0),
                }
            })
            .collect()
    }

    /// Kills every node and waits for it.
    pub fn stop(&mut self) {
        for child in &mut self.children {
            child.kill().ok();
            child.wait().ok();
        }
        self.children.clear();
        std::fs::remove_file(&self.config_path).ok();
    }
}

impl Drop for Nodes {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `count` ports free on loopback right now (bound, then released for the nodes).
fn free_ports(count: usize) -> Result<Vec<u16>, String> {
    let listeners = (0..count)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot find free loopback ports: {e}"))?;
    listeners.iter().map(|l| l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())).collect()
}

/// User and system CPU time of process `pid`, in seconds (Linux).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces: utime and
    // stime are the 14th and 15th fields of the line, the 12th and 13th after it.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SECOND)
}
