//! The standard benchmark workload: a random cluster and a stream of half gets, half inserts.

use crate::model::config::{Config, DelayDistribution};
use crate::model::types::{NodeId, Time};
use crate::sim::simulation::Simulation;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// Shape of a generated workload.
#[derive(Clone, Copy, Debug)]
pub struct Workload {
    pub nodes: usize,
    pub replication_factor: usize,
    pub operations: usize,
    /// Distinct keys the operations touch.
    pub keys: usize,
    /// Virtual time between two operations, in microseconds.
    pub spacing: Time,
    pub seed: u64,
}

impl Workload {
    /// 16 nodes, RF 3, 100,000 operations at QUORUM.
    pub const STANDARD: Workload =
        Workload { nodes: 16, replication_factor: 3, operations: 100_000, keys: 1_000, spacing: 200, seed: 1 };

    /// A cluster whose links average 1 to 20 ms.
    pub fn config(&self) -> Config {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let n = self.nodes;
        let avg_delays = (0..n)
            .map(|i| (0..n).map(|j| if i == j { 0.0 } else { (1 + rng.next_u64() % 20) as f64 / 1000.0 }).collect())
            .collect();
        Config {
            addresses: (0..n).map(|i| format!("10.0.0.{i}:15000")).collect(),
            avg_delays,
            replication_factor: Some(self.replication_factor),
            request_timeout_s: None,
            delay_distribution: DelayDistribution::Uniform,
            seed: self.seed,
            clock_skew_ms: None,
            tombstone_grace_s: None,
            hinted_handoff: None,
            anti_entropy_period_s: None,
            read_repair: Default::default(),
            original_bugs: false,
        }
    }

    /// The operations: `(time, node, command)`, alternating at random between
    /// `insert key value QUORUM` and `get key QUORUM`.
    pub fn operations(&self) -> Vec<(Time, NodeId, String)> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ 0x9e37_79b9_7f4a_7c15);
        (0..self.operations)
            .map(|i| {
                let r = rng.next_u64();
                let node = (r % self.nodes as u64) as NodeId;
                let key = (r >> 16) % self.keys as u64;
                let command =
                    if (r >> 8) & 1 == 0 { format!("insert k{key} v{i} QUORUM") } else { format!("get k{key} QUORUM") };
                (i as Time * self.spacing, node, command)
            })
            .collect()
    }

    /// A simulation with every operation scheduled, ready to run.
    pub fn simulation(&self, record_trace: bool) -> Simulation {
        let config = self.config();
        let mut sim = Simulation::with_trace(&config, self.seed, record_trace);
        for (at, node, command) in self.operations() {
            sim.schedule(at, node, &command).expect("generated nodes are in range");
        }
        sim
    }
}
