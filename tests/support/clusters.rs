//! What the property tests share: random clusters, their configs, and how many cases to run.

use kvplayground::{Config, NodeId};
use proptest::prelude::*;
use std::ops::RangeInclusive;

/// A random cluster. `seed` is the simulation seed: it is part of the input, so it appears in
/// proptest's report of a failing case.
#[derive(Clone, Debug)]
pub struct Cluster {
    pub seed: u64,
    pub n: usize,
    pub rf: usize,
    pub distribution: &'static str,
    /// Average delays in milliseconds (so seconds with up to three decimals).
    pub delays_ms: Vec<Vec<u32>>,
}

impl Cluster {
    /// Its config: nodes `n0`, `n1`, ..., its delays, replication factor and distribution, and
    /// the fields of `extra` (switches, grace period, ...).
    pub fn config(&self, extra: serde_json::Value) -> Config {
        let delays: Vec<Vec<f64>> =
            self.delays_ms.iter().map(|row| row.iter().map(|&ms| ms as f64 / 1000.0).collect()).collect();
        let base = serde_json::json!({
            "addresses": (0..self.n).map(|i| format!("n{i}")).collect::<Vec<_>>(),
            "avg_delays": delays,
            "replication_factor": self.rf,
            "delay_distribution": self.distribution,
        });
        super::config_with(base, extra)
    }

    /// The replicas of `key` on this cluster, first replica first.
    pub fn replicas(&self, key: &str) -> Vec<NodeId> {
        super::replicas(key, self.n, self.rf)
    }
}

/// Clusters of `nodes` nodes, a replication factor up to `max_rf` (and `n`), one of
/// `distributions`, and average delays up to `max_delay_ms`.
pub fn clusters(
    nodes: RangeInclusive<usize>,
    max_rf: usize,
    distributions: &'static [&'static str],
    max_delay_ms: u32,
) -> impl Strategy<Value = Cluster> {
    nodes.prop_flat_map(move |n| {
        (
            any::<u64>(),
            Just(n),
            1..=n.min(max_rf),
            proptest::sample::select(distributions),
            proptest::collection::vec(proptest::collection::vec(0..=max_delay_ms, n), n),
        )
            .prop_map(|(seed, n, rf, distribution, delays_ms)| Cluster {
                seed,
                n,
                rf,
                distribution,
                delays_ms,
            })
    })
}

/// `default` cases per property, or `PROPTEST_CASES` for a deeper run; no file of failing cases
/// (each case carries its seed, and the report names it).
pub fn proptest_config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}
