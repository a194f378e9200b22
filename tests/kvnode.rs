//! The `kvnode` binary as the original was run: four processes on loopback, one per node,
//! driven through their terminals. Each test starts its own cluster on free ports, bounds every
//! wait, and kills every process it started (also when it fails).

mod support;

use kvplayground::model::placement::Replicas;
use kvplayground::sim::action::{Action, TimedAction};
use kvplayground::sim::fault::Fault;
use kvplayground::{Config, Simulation};
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};
use support::kvnode::*;

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
        b"\x00\x00\x00\x1a{\"protocol\": 1, \"from\": 0}",
    ];
    for bytes in junk {
        let mut stream = TcpStream::connect(&address).unwrap();
        stream.write_all(bytes).unwrap();
    }
    // A good hello followed by a frame that is not a message.
    let mut stream = TcpStream::connect(&address).unwrap();
    stream.write_all(b"\x00\x00\x00\x1a{\"protocol\": 2, \"from\": 0}\x00\x00\x00\x02{}").unwrap();
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
    // A peer of the first protocol (bare messages, no clocks) is dropped.
    assert!(stderr.contains("speaks protocol 1, this node speaks 2"), "{stderr}");
    assert!(c.procs[1].child.try_wait().unwrap().is_none(), "n1 is still running");
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
    // n1 reconnects to n2 in its own time: on a loaded machine a read at ALL right after the
    // restart can time out (2 of 3 replicas answered), and one a moment later succeeds.
    let answer = (0..5)
        .map(|_| {
            c.type_on(1, "get 5 ALL");
            c.expect_one_of(1, &["Get return", "get 5 ALL failed"])
        })
        .find(|line| line.starts_with("Get return"))
        .expect("a read at ALL succeeds once n2 is back");
    assert!(answer.starts_with("Get return: world"), "{answer}");
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
    let ports = free_ports(NODES);
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
    let mut cluster = Cluster {
        procs: Vec::new(),
        config: config.clone(),
        ports,
        data: Some(data.clone()),
        no_delay: false,
        traces: None,
        watch_ports: None,
    };
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
