//! What several integration tests share: time units, configs and key placement here; running
//! and reading a simulation in [`run`]; the property tests' random clusters in [`clusters`];
//! random client scripts, run with the live checks on, in [`scripts`]; running the `kvsim`
//! binary in [`cli`]; a cluster of real `kvnode` processes in [`kvnode`].

// Every test binary that declares `mod support;` compiles all of it but uses only a part.
#![allow(dead_code)]

pub mod cli;
pub mod clusters;
pub mod kvnode;
pub mod run;
pub mod scripts;

use kvplayground::model::placement::Replicas;
use kvplayground::{Config, NodeId, Time};

/// A millisecond and a second of virtual time, in microseconds.
pub const MS: Time = 1_000;
pub const S: Time = 1_000_000;

/// Parses a test's config; a bad one panics with the error and the text.
pub fn parse_config(json: &str) -> Config {
    Config::from_json(json).unwrap_or_else(|e| panic!("test config is valid: {e}\n{json}"))
}

/// The config `base` with the fields of `extra` (switches, grace period, ...) added or replaced.
pub fn config_with(mut base: serde_json::Value, extra: serde_json::Value) -> Config {
    let fields = extra.as_object().expect("extra fields are an object").clone();
    base.as_object_mut().expect("a config is an object").extend(fields);
    parse_config(&base.to_string())
}

/// `n` nodes `n0`, `n1`, ..., every delay (a node's to itself too) `delay_s` seconds, constant,
/// and the fields of `extra`.
pub fn uniform_config(n: usize, delay_s: f64, extra: serde_json::Value) -> Config {
    let base = serde_json::json!({
        "addresses": (0..n).map(|i| format!("n{i}")).collect::<Vec<_>>(),
        "avg_delays": vec![vec![delay_s; n]; n],
        "delay_distribution": "constant",
    });
    config_with(base, extra)
}

/// The replicas of `key` on `n` nodes with replication factor `rf`, first replica first.
pub fn replicas(key: &str, n: usize, rf: usize) -> Vec<NodeId> {
    Replicas::of(key, n, rf).iter().collect()
}

/// A key whose replicas on `n` nodes with factor `rf` start at node `first`.
pub fn key_starting_at(first: NodeId, n: usize, rf: usize) -> String {
    (0..10_000)
        .map(|i| format!("k{i}"))
        .find(|k| Replicas::of(k, n, rf).iter().next() == Some(first))
        .expect("some small key hashes to every node")
}
