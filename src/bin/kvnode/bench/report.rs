//! What `kvnode bench` prints: a table, or one JSON object with `--json`.

use crate::bench::cluster::Usage;
use crate::bench::load::{Measured, Workload};
use crate::bench::Args;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(Serialize)]
pub struct Report {
    nodes: usize,
    /// Whether the bench started the nodes itself (`--nodes`), or loaded a running cluster.
    spawned: bool,
    clients: usize,
    window: usize,
    level: String,
    keys: u64,
    reads_percent: u8,
    value_size: usize,
    seed: u64,
    warmup_seconds: f64,
    seconds: f64,
    ops: u64,
    ops_per_second: f64,
    error_count: u64,
    /// Failed results, by their text.
    errors: BTreeMap<String, u64>,
    latency_us: Latency,
    /// Each spawned node's peak memory, and its CPU time during the load (warm-up included);
    /// empty for a running cluster.
    node_usage: Vec<Usage>,
    /// The nodes' CPU time per answered request (warm-up included), microseconds: a figure
    /// that depends less than ops/s on what else the machine runs.
    node_cpu_us_per_op: Option<f64>,
}

#[derive(Serialize)]
struct Latency {
    p50: u64,
    p90: u64,
    p99: u64,
    max: u64,
    mean: f64,
}

impl Report {
    pub fn new(args: &Args, nodes: usize, w: &Workload, measured: Measured, node_usage: Vec<Usage>) -> Report {
        let Measured { ops, answered, errors, latency, seconds } = measured;
        let cpu: f64 = node_usage.iter().map(|u| u.cpu_seconds).sum();
        let node_cpu_us_per_op =
            (!node_usage.is_empty() && answered > 0).then(|| (cpu * 1e7 / answered as f64).round() / 10.0);
        Report {
            nodes,
            spawned: args.config.is_none(),
            clients: w.clients,
            window: w.window,
            level: w.level.to_string(),
            keys: w.keys,
            reads_percent: w.reads,
            value_size: w.value_size,
            seed: w.seed,
            warmup_seconds: w.warmup.as_secs_f64(),
            seconds,
            ops,
            ops_per_second: (ops as f64 / seconds).round(),
            error_count: errors.values().sum(),
            errors,
            latency_us: Latency {
                p50: latency.value_at_quantile(0.5),
                p90: latency.value_at_quantile(0.9),
                p99: latency.value_at_quantile(0.99),
                max: latency.max(),
                mean: (latency.mean() * 10.0).round() / 10.0,
            },
            node_usage,
            node_cpu_us_per_op,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a report serializes")
    }

    pub fn to_table(&self) -> String {
        let mut s = String::new();
        let cluster = if self.spawned { "started with --no-delay" } else { "running" };
        let l = &self.latency_us;
        writeln!(s, "cluster      {} nodes ({cluster})", self.nodes).ok();
        writeln!(
            s,
            "load         {} connections x {} in flight, {}, {}% gets, {} keys, {}-byte values, seed {}",
            self.clients, self.window, self.level, self.reads_percent, self.keys, self.value_size, self.seed
        )
        .ok();
        writeln!(s, "measured     {} s after {} s of warm-up", self.seconds, self.warmup_seconds).ok();
        writeln!(s, "ops          {}", self.ops).ok();
        writeln!(s, "ops/s        {}", self.ops_per_second).ok();
        writeln!(s, "errors       {}", self.error_count).ok();
        for (error, count) in &self.errors {
            writeln!(s, "  {count:>10}  {error}").ok();
        }
        writeln!(s, "latency      p50 {}  p90 {}  p99 {}  max {}", ms(l.p50), ms(l.p90), ms(l.p99), ms(l.max)).ok();
        if !self.node_usage.is_empty() {
            let peaks: Vec<String> =
                self.node_usage.iter().map(|m| format!("n{} {:.1}", m.node, m.peak_kib as f64 / 1024.0)).collect();
            writeln!(s, "peak memory  {} MiB (VmHWM)", peaks.join(", ")).ok();
        }
        if let Some(cpu) = self.node_cpu_us_per_op {
            writeln!(s, "node CPU     {cpu} us per operation (all nodes, warm-up included)").ok();
        }
        s.trim_end().to_string()
    }
}

fn ms(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0)
}
