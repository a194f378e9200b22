//! Property tests over random clusters and random scripts (proptest).
//!
//! - the same config, seed and script give the same trace and results (and stepping in smaller
//!   increments changes nothing);
//! - after a final `get k ALL` for every key, all replicas of every key hold the same entry;
//! - without faults, no acknowledged write is lost;
//! - a QUORUM read after an acknowledged QUORUM write (no concurrent write of that key) sees it;
//! - with random faults: the same seed gives the same trace; after heal, restart and a read at
//!   ALL of every key, all replicas agree (loss and duplication never break convergence) and no
//!   write acknowledged at ALL is lost by crashes that keep the store.
//!
//! Every generated case carries the simulation seed in its `Cluster`, so proptest's report of the
//! minimal failing input names the seed; assertion messages repeat it.

mod support;

use kvplayground::model::command::{Command, Level};
use kvplayground::model::message::RequestId;
use kvplayground::model::outcome::{ClientResult, Outcome};
use kvplayground::sim::action::TimedAction;
use kvplayground::{Config, Entry, Simulation, Time};
use proptest::prelude::*;
use support::clusters::{clusters, proptest_config, Cluster};
use support::run::entry;

const KEYS: [&str; 4] = ["k0", "k1", "k2", "k3"];
const LEVELS: [&str; 7] = ["ONE", "QUORUM", "ALL", "1", "9", "one", "Quorum"];

/// The config the properties run with: the cluster's, with the seed in it too.
fn cluster_config(c: &Cluster) -> Config {
    c.config(serde_json::json!({ "seed": c.seed }))
}

#[derive(Clone, Debug)]
enum Op {
    Insert(usize, &'static str),
    Update(usize, &'static str),
    Delete(usize, Option<&'static str>),
    Get(usize, &'static str),
    Search(usize),
    ShowAll,
}

impl Op {
    fn key(&self) -> Option<&'static str> {
        match *self {
            Op::Insert(k, _) | Op::Update(k, _) | Op::Delete(k, _) | Op::Get(k, _) | Op::Search(k) => Some(KEYS[k]),
            Op::ShowAll => None,
        }
    }

    fn is_write(&self) -> bool {
        matches!(self, Op::Insert(..) | Op::Update(..) | Op::Delete(..))
    }

    /// The command line; `tag` makes every written value unique.
    fn text(&self, tag: &str) -> String {
        match self {
            Op::Insert(k, level) => format!("insert {} v{tag} {level}", KEYS[*k]),
            Op::Update(k, level) => format!("update {} u{tag} {level}", KEYS[*k]),
            Op::Delete(k, Some(level)) => format!("delete {} {level}", KEYS[*k]),
            Op::Delete(k, None) => format!("delete {}", KEYS[*k]),
            Op::Get(k, level) => format!("get {} {level}", KEYS[*k]),
            Op::Search(k) => format!("search {}", KEYS[*k]),
            Op::ShowAll => "show-all".into(),
        }
    }
}

/// One command of a script: typed on `node` at `at` microseconds.
#[derive(Clone, Debug)]
struct Step {
    at: Time,
    node: usize,
    op: Op,
}

fn level() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(&LEVELS[..])
}

fn op(keys: usize) -> impl Strategy<Value = Op> {
    let key = 0..keys;
    prop_oneof![
        3 => (key.clone(), level()).prop_map(|(k, l)| Op::Insert(k, l)),
        2 => (key.clone(), level()).prop_map(|(k, l)| Op::Update(k, l)),
        1 => (key.clone(), proptest::option::of(level())).prop_map(|(k, l)| Op::Delete(k, l)),
        3 => (key.clone(), level()).prop_map(|(k, l)| Op::Get(k, l)),
        1 => key.prop_map(Op::Search),
        1 => Just(Op::ShowAll),
    ]
}

/// 2 to 8 nodes, any replication factor and distribution, average delays up to 2 s.
fn cluster() -> impl Strategy<Value = Cluster> {
    clusters(2..=8, 8, &["uniform", "constant", "exponential"], 2000)
}

/// Steps on a grid of `grid` microseconds (1 us, 1 ms or 250 ms) and `slots` slots (a burst of 4
/// or a spread of 80), so that commands sometimes coincide exactly, on the same node or not.
fn steps(n: usize, keys: usize, max: usize) -> impl Strategy<Value = Vec<Step>> {
    (prop_oneof![Just(1u64), Just(1_000), Just(250_000)], prop_oneof![Just(4u64), Just(80)]).prop_flat_map(
        move |(grid, slots)| {
            proptest::collection::vec((0..slots, 0..n, op(keys)), 1..max).prop_map(move |raw| {
                raw.into_iter().map(|(slot, node, op)| Step { at: slot * grid, node, op }).collect::<Vec<_>>()
            })
        },
    )
}

/// A random fault as raw numbers; [`FaultSpec::line`] makes it a fault line for a cluster.
#[derive(Clone, Debug)]
struct FaultSpec {
    at: Time,
    kind: u8,
    a: usize,
    b: usize,
    p: f64,
    ms: u32,
    mask: u32,
}

impl FaultSpec {
    /// The fault line on `n` nodes; without `lose_store`, restarts keep the store.
    fn line(&self, n: usize, lose_store: bool) -> String {
        let (a, b) = (self.a % n, (self.a % n + 1 + self.b % (n - 1)) % n);
        let link = if self.mask % 4 == 0 { "*".to_string() } else { format!("{a}-{b}") };
        match self.kind {
            0 => format!("crash {a}"),
            1 => format!("restart {a} {}", if lose_store && self.p < 0.5 { "lose" } else { "keep" }),
            2 => format!("cut {a}-{b}"),
            3 => format!("cut {a}>{b}"),
            4 => {
                let (left, right): (Vec<usize>, Vec<usize>) = (0..n).partition(|i| self.mask >> i & 1 == 1);
                let group = |g: Vec<usize>| g.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
                if left.is_empty() || right.is_empty() {
                    "heal".into()
                } else {
                    format!("partition {} | {}", group(left), group(right))
                }
            }
            5 => "heal".into(),
            6 => format!("loss {link} {}", self.p),
            7 => format!("dup {link} {}", self.p),
            8 => format!("delay {link} {}", self.ms),
            9 => format!("jitter {link} {}", self.ms),
            _ => format!("skew {a} {}", self.ms as i64 - 1000),
        }
    }
}

fn fault_specs() -> impl Strategy<Value = Vec<FaultSpec>> {
    let spec = (0u64..80, 0u8..11, any::<usize>(), any::<usize>(), 0.0..=1.0f64, 0u32..2000, any::<u32>());
    proptest::collection::vec(
        spec.prop_map(|(slot, kind, a, b, p, ms, mask)| FaultSpec { at: slot * 250_000, kind, a, b, p, ms, mask }),
        0..12,
    )
}

fn faulty_scenario() -> impl Strategy<Value = (Cluster, Vec<Step>, Vec<FaultSpec>)> {
    cluster().prop_flat_map(|c| {
        let n = c.n;
        (Just(c), steps(n, KEYS.len(), 40), fault_specs())
    })
}

/// Runs the commands and faults to the end.
fn run_with_faults(c: &Cluster, steps: &[Step], faults: &[FaultSpec], lose_store: bool) -> Simulation {
    let mut sim = Simulation::new(&cluster_config(c), c.seed);
    schedule(&mut sim, steps, 0, "");
    for f in faults {
        let line = format!("{} {}", f.at / 1000, f.line(c.n, lose_store));
        let action = TimedAction::parse(&line, c.n).unwrap_or_else(|e| panic!("seed {}: {line}: {e}", c.seed));
        sim.schedule_action(action).unwrap();
    }
    sim.run_until_quiet();
    sim
}

/// Ends every fault (restarting down nodes with their stores) and reads every key at ALL from
/// `reader`; returns the ids of the reads.
fn heal_and_read_all(sim: &mut Simulation, n: usize, reader: usize) -> Vec<RequestId> {
    let now_ms = sim.now() / 1000 + 1;
    let mut lines: Vec<String> = ["heal", "loss * 0", "dup * 0", "delay * 0", "jitter * 0"].map(String::from).to_vec();
    lines.extend(sim.scheduler().faults().down.into_iter().map(|node| format!("restart {node} keep")));
    for line in lines {
        sim.schedule_action(TimedAction::parse(&format!("{now_ms} {line}"), n).unwrap()).unwrap();
    }
    sim.run_until_quiet();
    let now = sim.now();
    KEYS.iter().map(|k| sim.schedule(now, reader, &format!("get {k} ALL")).unwrap()).collect()
}

fn scenario() -> impl Strategy<Value = (Cluster, Vec<Step>)> {
    cluster().prop_flat_map(|c| {
        let n = c.n;
        (Just(c), steps(n, KEYS.len(), 40))
    })
}

fn schedule(sim: &mut Simulation, steps: &[Step], offset: Time, tag: &str) -> Vec<RequestId> {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| sim.schedule(offset + s.at, s.node, &s.op.text(&format!("{tag}{i}"))).expect("node in range"))
        .collect()
}

fn run(c: &Cluster, steps: &[Step]) -> Simulation {
    let mut sim = Simulation::new(&cluster_config(c), c.seed);
    schedule(&mut sim, steps, 0, "");
    sim.run_until_quiet();
    sim
}

fn newest_among(sim: &Simulation, c: &Cluster, key: &str) -> Option<Entry> {
    c.replicas(key).into_iter().filter_map(|r| entry(sim, r, key)).max_by_key(|e| e.version)
}

// 64 cases per property (about half a second in debug); `PROPTEST_CASES=5000` for a deeper run.
proptest! {
    #![proptest_config(proptest_config(64))]

    /// (a) A run is a function of (config, seed, script): the same inputs give the same trace,
    /// results and stores, whether run to the end at once or in small increments.
    #[test]
    fn same_seed_same_trace((c, steps) in scenario(), increments in proptest::collection::vec(1u64..3_000_000, 1..20)) {
        let a = run(&c, &steps);
        let b = run(&c, &steps);
        prop_assert!(a.trace().to_json_lines() == b.trace().to_json_lines(), "seed {}: traces differ", c.seed);
        prop_assert_eq!(a.results(), b.results(), "seed {}: results differ", c.seed);

        let mut stepped = Simulation::new(&cluster_config(&c), c.seed);
        schedule(&mut stepped, &steps, 0, "");
        let mut t = 0;
        for inc in increments {
            t += inc;
            stepped.run_until(t);
            prop_assert_eq!(stepped.now(), t, "seed {}: run_until leaves the clock at its target", c.seed);
        }
        stepped.run_until_quiet();
        prop_assert!(a.trace().to_json_lines() == stepped.trace().to_json_lines(),
            "seed {}: stepping with run_until changed the trace", c.seed);
        prop_assert_eq!(a.results(), stepped.results(), "seed {}: stepping changed the results", c.seed);
        prop_assert!(!a.trace().is_empty());
        for node in 0..c.n {
            prop_assert_eq!(a.nodes()[node].store().sorted(), b.nodes()[node].store().sorted());
        }
    }

    /// (b) After a final `get k ALL` for every key, all replicas of every key hold the same entry
    /// (value and version): the newest entry any replica held before.
    #[test]
    fn replicas_converge_after_a_read_at_all((c, steps) in scenario(), reader in any::<prop::sample::Index>()) {
        let mut sim = run(&c, &steps);
        let newest_before: Vec<_> = KEYS.iter().map(|k| newest_among(&sim, &c, k)).collect();
        let now = sim.now();
        let reader = reader.index(c.n);
        let reads: Vec<_> = KEYS.iter().map(|k| sim.schedule(now, reader, &format!("get {k} ALL")).unwrap()).collect();
        sim.run_until_quiet();
        for (i, key) in KEYS.iter().enumerate() {
            let first = sim.results().iter().find(|r| r.request == Some(reads[i])).expect("the get answers");
            let Outcome::Value { entry: read, .. } = &first.outcome else {
                return Err(TestCaseError::fail(format!("seed {}: get {key} ALL failed without faults: {first:?}", c.seed)));
            };
            prop_assert_eq!(read, &newest_before[i], "seed {}: get {} ALL returns the newest version", c.seed, key);
            let held: Vec<_> = c.replicas(key).into_iter().map(|r| (r, entry(&sim, r, key))).collect();
            for (node, e) in &held {
                prop_assert_eq!(e, &newest_before[i], "seed {}: replica n{} of {} did not converge: {:?}", c.seed, node, key, held);
            }
        }
    }

    /// (c) Without faults no acknowledged write is lost: every replica that acknowledged a write
    /// still holds that version or a newer one, and so does the newest replica.
    #[test]
    fn acknowledged_writes_are_never_lost((c, steps) in scenario()) {
        let sim = run(&c, &steps);
        let mut acknowledged = 0;
        for r in sim.results() {
            let Outcome::Written { key, entry: written, acked_by, .. } = &r.outcome else { continue };
            acknowledged += 1;
            let newest = newest_among(&sim, &c, key);
            prop_assert!(newest.as_ref().is_some_and(|e| e.version >= written.version),
                "seed {}: {:?} acknowledged {} but the newest replica holds {:?}", c.seed, r.command, written.version, newest);
            for &node in acked_by {
                prop_assert!(c.replicas(key).contains(&node), "seed {}: n{} acked but is no replica of {}", c.seed, node, key);
                let held = entry(&sim, node, key);
                prop_assert!(held.as_ref().is_some_and(|e| e.version >= written.version),
                    "seed {}: n{} acked {:?} ({}) but holds {:?}", c.seed, node, r.command, written.version, held);
            }
        }
        // Writes fail only for update of a missing key: there are no faults.
        for r in sim.results() {
            if let Outcome::Failed { error } = &r.outcome {
                prop_assert!(r.command.starts_with("update") && error.contains("key not found"),
                    "seed {}: {:?} failed without faults: {}", c.seed, r.command, error);
            }
        }
        let inserts_and_deletes = steps.iter().filter(|s| matches!(s.op, Op::Insert(..) | Op::Delete(..))).count();
        prop_assert!(acknowledged >= inserts_and_deletes, "seed {}: every insert and delete is acknowledged", c.seed);
    }

    /// (d) R + W > RF: a QUORUM read issued after a QUORUM write answered (and with no other
    /// write of that key in between) returns that write's value.
    #[test]
    fn a_quorum_read_sees_an_acknowledged_quorum_write(
        (c, before, during) in cluster().prop_flat_map(|c| {
            let n = c.n;
            (Just(c), steps(n, KEYS.len(), 30), steps(n, KEYS.len(), 20))
        }),
        key in 0..KEYS.len(),
        writer in any::<prop::sample::Index>(),
        reader in any::<prop::sample::Index>(),
        gap in 0u64..2_000_000,
        read_delay in prop_oneof![Just(0u64), 0u64..3_000_000],
    ) {
        let key_name = KEYS[key];
        let (writer, reader) = (writer.index(c.n), reader.index(c.n));
        let mut sim = Simulation::new(&cluster_config(&c), c.seed);
        schedule(&mut sim, &before, 0, "b");
        sim.run_until_quiet();

        // The write, with other traffic around it that never writes this key. It starts at least
        // 1 ms after everything before it: no clock skew, and a node stamps writes typed in the same
        // microsecond 1 us apart, so its version is newer than every earlier write's.
        let start = sim.now() + 1_000 + gap;
        let write = sim.schedule(start, writer, &format!("insert {key_name} final QUORUM")).unwrap();
        let during: Vec<_> = during.into_iter().filter(|s| !(s.op.is_write() && s.op.key() == Some(key_name))).collect();
        schedule(&mut sim, &during, start, "d");
        let answer = loop {
            if let Some(r) = sim.results().iter().find(|r| r.request == Some(write)) {
                break r.clone();
            }
            prop_assert!(sim.step(), "seed {}: ran out of events before the write answered", c.seed);
        };
        let ClientResult { outcome: Outcome::Written { entry: written, .. }, time: answered, .. } = answer else {
            return Err(TestCaseError::fail(format!("seed {}: QUORUM insert failed without faults: {answer:?}", c.seed)));
        };

        let read = sim.schedule(answered + read_delay, reader, &format!("get {key_name} QUORUM")).unwrap();
        sim.run_until_quiet();
        let first = sim.results().iter().find(|r| r.request == Some(read)).expect("the get answers");
        match &first.outcome {
            Outcome::Value { entry: Some(e), .. } => {
                prop_assert_eq!(e, &written, "seed {}: the QUORUM read at {} missed the write answered at {}", c.seed, first.time, answered)
            }
            other => prop_assert!(false, "seed {}: the QUORUM read did not see the write: {:?}", c.seed, other),
        }
    }

    /// (e) With random faults a run is still a function of (config, seed, script).
    #[test]
    fn random_faults_same_seed_same_trace((c, steps, faults) in faulty_scenario()) {
        let a = run_with_faults(&c, &steps, &faults, true);
        let b = run_with_faults(&c, &steps, &faults, true);
        prop_assert!(a.trace().to_json_lines() == b.trace().to_json_lines(), "seed {}: traces differ", c.seed);
        prop_assert_eq!(a.results(), b.results(), "seed {}: results differ", c.seed);
    }

    /// (f) After random faults (crashes keep the store), heal, restart and a read at ALL of every
    /// key: every replica holds the newest version, and no write acknowledged at ALL is lost.
    #[test]
    fn faults_that_keep_stores_lose_no_all_write_and_replicas_converge(
        (c, steps, faults) in faulty_scenario(),
        reader in any::<prop::sample::Index>(),
    ) {
        let mut sim = run_with_faults(&c, &steps, &faults, false);
        let reads = heal_and_read_all(&mut sim, c.n, reader.index(c.n));
        sim.run_until_quiet();
        for (i, key) in KEYS.iter().enumerate() {
            let first = sim.results().iter().find(|r| r.request == Some(reads[i])).expect("the get answers");
            let Outcome::Value { entry: read, .. } = &first.outcome else {
                return Err(TestCaseError::fail(format!("seed {}: get {key} ALL failed after heal: {first:?}", c.seed)));
            };
            for r in sim.results() {
                let Outcome::Written { key: written_key, entry: written, .. } = &r.outcome else { continue };
                let at_all = Command::parse(&r.command).ok().and_then(|cmd| match cmd {
                    Command::Insert { level, .. } | Command::Update { level, .. } | Command::Delete { level, .. } => Some(level),
                    _ => None,
                }) == Some(Level::All);
                if at_all && &**written_key == *key {
                    prop_assert!(read.as_ref().is_some_and(|e| e.version >= written.version),
                        "seed {}: {:?} was acknowledged at ALL ({}) but the read returns {:?}", c.seed, r.command, written.version, read);
                }
            }
            let held: Vec<_> = c.replicas(key).into_iter().map(|r| (r, entry(&sim, r, key))).collect();
            for (node, e) in &held {
                prop_assert_eq!(e, read, "seed {}: replica n{} of {} did not converge: {:?}", c.seed, node, key, held);
            }
        }
    }
}
