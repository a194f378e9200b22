//! The node as a process: its arguments, and the runtime its loop runs on.

pub mod clients;
mod console;
mod driver;
mod inbound;
mod outbound;
mod timers;
mod tracer;
mod wal;
mod watch;
mod wire;

use clap::Parser;
use kvplayground::Config;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "kvnode",
    about = "One node of the replicated key-value store, over TCP",
    after_help = "Also: `kvnode bench --help`, a load generator for a cluster of nodes."
)]
struct Args {
    /// This node's index in the config's `addresses`.
    index: usize,
    /// The cluster's config.json (the same file for every node).
    #[arg(long, default_value = "config.json")]
    config: String,
    /// Send every message at once, ignoring the config's delay matrix.
    #[arg(long)]
    no_delay: bool,
    /// Seed of the sampled message delays (default: the config's seed plus the index).
    #[arg(long)]
    seed: Option<u64>,
    /// Keep the store in DIR (a write-ahead log, DIR/n<index>.wal), so it survives restarts.
    #[arg(long, value_name = "DIR")]
    data: Option<std::path::PathBuf>,
    /// Write the node's events to FILE as JSON lines (a hello, then one event with the node's
    /// vector clock per line), for `kvsim merge`.
    #[arg(long, value_name = "FILE")]
    trace: Option<std::path::PathBuf>,
    /// Serve the node's events to pages over a WebSocket on ADDR: PORT (on 127.0.0.1) or
    /// HOST:PORT. A text frame from a page is a command line, run as if typed here.
    #[arg(long, value_name = "ADDR")]
    watch: Option<String>,
}

/// What a started node needs to know.
pub struct Setup {
    pub index: usize,
    pub config: Config,
    pub no_delay: bool,
    pub seed: u64,
    pub data: Option<std::path::PathBuf>,
    pub trace: Option<std::path::PathBuf>,
    pub watch: Option<String>,
}

/// Runs the node; the process exits with what it returns.
pub fn main() -> ExitCode {
    let args = Args::parse();
    let setup = match setup(args) {
        Ok(setup) => setup,
        Err(e) => {
            eprintln!("kvnode: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("kvnode: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let local = tokio::task::LocalSet::new();
    let outcome = runtime.block_on(local.run_until(driver::run(setup)));
    drop(local);
    // Not a plain drop: that would wait for the read of stdin on its blocking thread, which
    // cannot be cancelled, so a node told to `quit` would hang until its stdin ends.
    runtime.shutdown_background();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kvnode: {e}");
            ExitCode::from(2)
        }
    }
}

fn setup(args: Args) -> Result<Setup, String> {
    let text = std::fs::read_to_string(&args.config).map_err(|e| format!("cannot read {}: {e}", args.config))?;
    let config = Config::from_json(&text).map_err(|e| format!("{}: {e}", args.config))?;
    if args.index >= config.len() {
        return Err(format!(
            "there is no node {} in {}: nodes are numbered 0 to {}",
            args.index,
            args.config,
            config.len() - 1
        ));
    }
    let seed = args.seed.unwrap_or(config.seed.wrapping_add(args.index as u64));
    Ok(Setup {
        index: args.index,
        config,
        no_delay: args.no_delay,
        seed,
        data: args.data,
        trace: args.trace,
        watch: args.watch,
    })
}
