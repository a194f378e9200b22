//! `kvnode bench`: a load generator for a real cluster. It starts the nodes itself (`--nodes N`,
//! child processes of this executable on free loopback ports, with `--no-delay`) or loads a
//! running cluster (`--config FILE`), opens client connections spread over the nodes, keeps
//! `--window` requests in flight on each for `--seconds` after a warm-up, and reports the
//! operations done, their latency percentiles, and each spawned node's peak memory and CPU time.

mod cluster;
mod load;
mod report;

use clap::Parser;
use kvplayground::model::command::{Level, MAX_VALUE_BYTES};
use kvplayground::Config;
use std::ffi::OsString;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "kvnode bench", about = "Measure a cluster of kvnode processes: operations per second and latency")]
pub struct Args {
    /// Start this many nodes (from a generated config on free loopback ports, with --no-delay)
    /// and stop them at the end.
    #[arg(long, conflicts_with = "config", value_parser = clap::value_parser!(u16).range(1..=256))]
    nodes: Option<u16>,
    /// Load the running cluster of this config instead of starting one.
    #[arg(long, value_name = "FILE")]
    config: Option<String>,
    /// How long to measure, after the warm-up.
    #[arg(long, default_value_t = 5.0, value_parser = positive_seconds)]
    seconds: f64,
    /// How long to run the load before measuring.
    #[arg(long, default_value_t = 1.0, value_parser = seconds_or_zero)]
    warmup: f64,
    /// Client connections, spread over the nodes round-robin (default: 4 per node).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    clients: Option<u32>,
    /// Requests in flight on each connection.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    window: u32,
    /// Consistency level of every get and write.
    #[arg(long, default_value = "QUORUM", value_parser = level)]
    level: Level,
    /// Number of distinct keys (k0, k1, ...), chosen uniformly.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    keys: u64,
    /// Percentage of gets; the rest are writes: an update of a key the connection inserted
    /// before, else an insert.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u8).range(0..=100))]
    reads: u8,
    /// Bytes of each written value.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=MAX_VALUE_BYTES as i64))]
    value_size: u16,
    /// Seed of the keys, operations and values each connection picks.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

fn positive_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 86_400.0 => Ok(s),
        _ => Err(format!("`{text}` is not a number of seconds above 0 (at most 86400)")),
    }
}

fn seconds_or_zero(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if (0.0..=3_600.0).contains(&s) => Ok(s),
        _ => Err(format!("`{text}` is not a number of seconds from 0 to 3600")),
    }
}

fn level(text: &str) -> Result<Level, String> {
    Level::parse(text).map_err(|e| e.to_string())
}

/// Runs `kvnode bench ARGS...` (`args` without the program name and `bench`).
pub fn main(args: impl Iterator<Item = OsString>) -> ExitCode {
    let args = Args::parse_from(std::iter::once(OsString::from("kvnode bench")).chain(args));
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("kvnode bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (config, mut nodes) = match &args.config {
        Some(path) => match read_config(path) {
            Ok(config) => (config, None),
            Err(e) => {
                eprintln!("kvnode bench: {e}");
                return ExitCode::from(2);
            }
        },
        None => match cluster::Nodes::start(args.nodes.unwrap_or(4).into()) {
            Ok(nodes) => (nodes.config.clone(), Some(nodes)),
            Err(e) => {
                eprintln!("kvnode bench: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let workload = load::Workload::new(&args, config.len());
    let before = nodes.as_ref().map(cluster::Nodes::usage).unwrap_or_default();
    let measured = runtime.block_on(async {
        tokio::select! {
            result = load::run(&config, &workload) => result,
            signal = stopped() => Err(signal),
        }
    });
    // What the nodes used during the load, read before they are stopped.
    let mut usage = nodes.as_ref().map(cluster::Nodes::usage).unwrap_or_default();
    for (after, before) in usage.iter_mut().zip(&before) {
        after.cpu_seconds -= before.cpu_seconds;
    }
    if let Some(nodes) = nodes.as_mut() {
        nodes.stop();
    }
    match measured {
        Ok(measured) => {
            let report = report::Report::new(&args, config.len(), &workload, measured, usage);
            println!("{}", if args.json { report.to_json() } else { report.to_table() });
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kvnode bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn read_config(path: &str) -> Result<Config, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    Config::from_json(&text).map_err(|e| format!("{path}: {e}"))
}

/// Waits for Ctrl-C or SIGTERM; says which came.
async fn stopped() -> String {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => {
            tokio::signal::ctrl_c().await.ok();
            return "interrupted".into();
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "interrupted (Ctrl-C)".into(),
        _ = term.recv() => "terminated (SIGTERM)".into(),
    }
}
