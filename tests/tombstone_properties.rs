//! Property test: a key deleted at ALL stays deleted. Random clusters with hinted handoff on,
//! anti-entropy on or off and a short tombstone grace period; random inserts and deletes; clocks
//! skewed at run time (up to 4 s either way), links cut and nodes crashed for a while (restarts
//! keep the store). Once every link is up, every node runs and the run is quiet, a get at ALL of
//! each key returns nothing, or a version newer than the newest delete acknowledged at ALL.
//! Tombstones are purged during the run, so an old version that arrives late (a hint that
//! outlived the tombstone it lost to) would show as a resurrected value.
//!
//! A case runs in about a hundred microseconds, so 4,096 run by default (`PROPTEST_CASES`
//! overrides). Before hints learned of run-time skew, 3 runs of 40 found a resurrection; the
//! deterministic regression test for that bug is in `tests/handoff.rs`. Each generated `Case`
//! carries its simulation seed, so proptest's report of a failing input names it; assertion
//! messages repeat it.

mod support;

use kvplayground::model::message::RequestId;
use kvplayground::model::outcome::{Outcome, WriteOp};
use kvplayground::sim::action::TimedAction;
use kvplayground::{Config, Simulation, Time, Version};
use proptest::prelude::*;
use support::clusters::{clusters, proptest_config, Cluster};
use support::{MS, S};

const GRACE_S: Time = 20;
const KEYS: [&str; 2] = ["a", "b"];
/// Commands and faults happen before this; then every link is healed and every node restarted.
const HEAL: Time = 60 * S;

#[derive(Clone, Debug)]
struct Case {
    /// Average delays up to 100 ms.
    cluster: Cluster,
    /// A round every 2 s, or none.
    anti_entropy: bool,
    /// `(time_ms, node, key, delete)`: an insert at ONE, or a delete at ALL.
    writes: Vec<(u32, usize, usize, bool)>,
    /// `(time_ms, fault line)`: skews; cuts and crashes with the heal or restart that ends them.
    faults: Vec<(u32, String)>,
}

impl Case {
    fn config(&self) -> Config {
        self.cluster.config(serde_json::json!({
            "hinted_handoff": true,
            "tombstone_grace_s": GRACE_S,
            "anti_entropy_period_s": self.anti_entropy.then_some(2),
        }))
    }
}

fn case() -> impl Strategy<Value = Case> {
    clusters(3..=5, 5, &["uniform", "constant", "exponential"], 100).prop_flat_map(|cluster| {
        let n = cluster.n;
        let write = (0u32..40_000, 0..n, 0..KEYS.len(), proptest::bool::weighted(0.3));
        let skew =
            (0u32..40_000, 0..n, -4000i32..=4000).prop_map(|(at, node, ms)| vec![(at, format!("skew {node} {ms}"))]);
        let cut = (0u32..40_000, 0..n, 1..n, 1u32..30_000).prop_map(move |(at, a, offset, lasts)| {
            let link = format!("{a}-{}", (a + offset) % n);
            vec![(at, format!("cut {link}")), (at + lasts, format!("heal {link}"))]
        });
        let crash = (0u32..40_000, 0..n, 1u32..30_000).prop_map(|(at, node, lasts)| {
            vec![(at, format!("crash {node}")), (at + lasts, format!("restart {node} keep"))]
        });
        (
            Just(cluster),
            any::<bool>(),
            proptest::collection::vec(write, 1..30),
            proptest::collection::vec(prop_oneof![skew, cut, crash], 0..10),
        )
            .prop_map(|(cluster, anti_entropy, writes, faults)| Case {
                cluster,
                anti_entropy,
                writes,
                faults: faults.into_iter().flatten().collect(),
            })
    })
}

/// Schedules the fault line `line` at `at_ms`.
fn fault(sim: &mut Simulation, n: usize, at_ms: Time, line: &str) {
    let action = TimedAction::parse(&format!("{at_ms} {line}"), n).unwrap_or_else(|e| panic!("{line}: {e}"));
    sim.schedule_action(action).unwrap();
}

/// Runs the case until quiet, with every fault ended at [`HEAL`]; returns the simulation and the
/// request id and key of every delete.
fn run(case: &Case) -> (Simulation, Vec<(RequestId, usize)>) {
    let (n, seed) = (case.cluster.n, case.cluster.seed);
    let mut sim = Simulation::new(&case.config(), seed);
    let mut deletes = Vec::new();
    for &(at, node, key, delete) in &case.writes {
        let command =
            if delete { format!("delete {} ALL", KEYS[key]) } else { format!("insert {} v{at} ONE", KEYS[key]) };
        let id = sim.schedule(at as Time * MS, node, &command).unwrap();
        if delete {
            deletes.push((id, key));
        }
    }
    for (at, line) in &case.faults {
        fault(&mut sim, n, *at as Time, line);
    }
    sim.run_until(HEAL);
    fault(&mut sim, n, HEAL / MS, "heal");
    for node in sim.scheduler().faults().down {
        fault(&mut sim, n, HEAL / MS, &format!("restart {node} keep"));
    }
    sim.run_until_quiet();
    (sim, deletes)
}

proptest! {
    #![proptest_config(proptest_config(4096))]

    #[test]
    fn a_key_deleted_at_all_stays_deleted(case in case()) {
        let seed = case.cluster.seed;
        let (mut sim, deletes) = run(&case);
        // The newest version of each key that a delete at ALL wrote to every replica.
        let mut deleted: Vec<Option<Version>> = vec![None; KEYS.len()];
        for result in sim.results() {
            if let (Some((_, key)), Outcome::Written { op: WriteOp::Delete, entry, .. }) =
                (deletes.iter().find(|(id, _)| Some(*id) == result.request), &result.outcome)
            {
                deleted[*key] = deleted[*key].max(Some(entry.version));
            }
        }
        let now = sim.now();
        let reads: Vec<_> = KEYS.iter().map(|k| sim.schedule(now, 0, &format!("get {k} ALL")).unwrap()).collect();
        sim.run_until_quiet();
        for (key, read) in reads.into_iter().enumerate() {
            let answer = sim.results().iter().find(|r| r.request == Some(read)).expect("the get answers");
            let Outcome::Value { entry, .. } = &answer.outcome else {
                panic!("seed {seed}: every node runs and every link is up, so the get at ALL succeeds: {answer:?}");
            };
            if let (Some(entry), Some(deleted)) = (entry, deleted[key]) {
                prop_assert!(
                    entry.version >= deleted,
                    "seed {seed}: key {} was deleted at ALL with version {deleted}, yet reads {entry:?}",
                    KEYS[key]
                );
            }
        }
    }
}
