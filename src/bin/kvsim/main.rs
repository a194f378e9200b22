//! `kvsim`: the headless runner of the key-value store simulation.

mod anomaly_report;
mod bench;
mod check;
mod merge;
#[path = "../shared/proc_status.rs"]
mod proc_status;
mod repl;
mod run;
mod streams;

use clap::{Parser, Subcommand};
use kvplayground::check::models::ModelKind;
use kvplayground::model::config::ORIGINAL_BUGS_NOTICE;
use kvplayground::Config;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

// See Cargo.toml: about 14% more events per second on the standard workload than glibc's malloc.
// (Integration tests build this binary for wasm32 too, where mimalloc is not a dependency.)
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "kvsim", version, about = "Run the Dynamo-style key-value store simulation headless")]
struct Cli {
    #[command(subcommand)]
    command: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Run a script of timed commands and faults (or a scenario file) and print the results.
    Run {
        /// The cluster config (the original project's config.json format).
        #[arg(long, required_unless_present = "scenario")]
        config: Option<PathBuf>,
        /// Lines of `<time_ms> <node> <command>` or `<time_ms> <fault>`; blank lines and `#`
        /// comments are skipped.
        #[arg(long, required_unless_present_any = ["scenario", "workload"], conflicts_with = "workload")]
        script: Option<PathBuf>,
        /// Generated operations instead of a script, e.g. `ops=1000000 rate=5000 keys=500
        /// dist=zipf:1.1 mix=get:80/insert:20 level=ONE` (fields: ops, rate, clients, keys, dist,
        /// mix, level, seed; docs/language.md). They are generated as the run goes, so memory stays
        /// bounded however many there are.
        #[arg(long, value_name = "SPEC", conflicts_with = "scenario")]
        workload: Option<String>,
        /// A scenario file (config, seed and script in one JSON document) instead of --config,
        /// --script and --seed.
        #[arg(long, conflicts_with_all = ["config", "script", "seed"])]
        scenario: Option<PathBuf>,
        /// Seed of the random delays (default: the config's `seed`, or 0).
        #[arg(long)]
        seed: Option<u64>,
        /// Print one JSON object per result instead of text.
        #[arg(long)]
        json: bool,
        /// Also print every trace event as a JSON line.
        #[arg(long)]
        trace: bool,
        /// At the end, print the trace hash (64-bit FNV-1a of the trace's JSON lines, in hex).
        #[arg(long)]
        hash: bool,
        /// Also write the trace as a ShiViz log (vector clocks) to FILE.
        #[arg(long, value_name = "FILE")]
        shiviz: Option<PathBuf>,
        /// Also write the history of client operations to FILE as a Jepsen EDN history, one map
        /// per line (invocations and completions), for Knossos, Elle, porcupine or `kvsim check`.
        #[arg(long, value_name = "FILE")]
        history: Option<PathBuf>,
        /// Check each operation as it completes: print every anomaly found (stale reads, lost
        /// writes, ...) with why, and a summary with the keys whose replicas still disagree.
        /// Exit status 3 when an anomaly was found.
        #[arg(long)]
        check: bool,
        /// At the end, print per level the operations ok / failed and their latency (p50, p99,
        /// max), and availability over time (ok / failed per time bucket).
        #[arg(long)]
        summary: bool,
        /// Stop at this virtual time (ms) instead of when only background work is left: every
        /// event due by then happens, and none after. With a scenario downloaded from the page,
        /// `--until` its `time_ms` gives the trace (and hash) the page had at that moment.
        #[arg(long, value_name = "MS")]
        until: Option<f64>,
        /// Print no results (for long runs: keep --hash, --summary and --check's summary).
        #[arg(long)]
        quiet: bool,
        /// At the end, print on stderr the events processed, the wall time, events per second and
        /// the process's peak memory.
        #[arg(long)]
        stats: bool,
    },
    /// Type commands into the cluster as in the original's terminals: `<node> <command>`,
    /// or `use N` and then plain commands.
    Repl {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        seed: Option<u64>,
        /// Virtual seconds per wall-clock second.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
    },
    /// Measure simulated events per second on the standard workload.
    Bench {
        #[arg(long, default_value_t = kvplayground::sim::workload::Workload::STANDARD.operations)]
        ops: usize,
        #[arg(long, default_value_t = kvplayground::sim::workload::Workload::STANDARD.nodes)]
        nodes: usize,
        /// Print the figures as one JSON object.
        #[arg(long)]
        json: bool,
        /// Only the run that records as the page does (trace, live checks, density index): its
        /// events per second and trace bytes per event.
        #[arg(long)]
        page: bool,
    },
    /// Check a Jepsen/Knossos EDN history for linearizability: exit 0 if it is, 1 if not (with a
    /// counterexample), 2 for bad input.
    Check {
        /// The history: EDN maps with :process, :type (:invoke, :ok, :fail, :info), :f, :value
        /// and optionally :key, one op each (or one vector of them).
        #[arg(long)]
        history: PathBuf,
        /// The model the operations are checked against.
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(ModelKind::NAMES))]
        model: String,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Merge the traces of a real cluster's nodes (`kvnode --trace FILE`) into one trace, in
    /// causal order (a delivery after its send whatever the nodes' clocks say), with times
    /// relative to the earliest; the page's "Open trace" reads it.
    Merge {
        /// One trace per node, all of one cluster.
        #[arg(required = true, value_name = "NODE_TRACE")]
        logs: Vec<PathBuf>,
        /// Write the merged trace to FILE instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Also write the merged trace as a ShiViz log (vector clocks) to FILE.
        #[arg(long, value_name = "FILE")]
        shiviz: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Mode::Run {
            config,
            script,
            workload,
            scenario,
            seed,
            json,
            trace,
            hash,
            shiviz,
            history,
            check,
            summary,
            until,
            quiet,
            stats,
        } => {
            let output = run::Output { json, trace, hash, shiviz, history, check, summary, until, quiet, stats };
            let verdict = match (scenario, config, script, workload) {
                (Some(scenario), _, _, _) => run::run_scenario(&scenario, &output),
                (None, Some(config), Some(script), _) => {
                    load_config(&config).and_then(|c| run::run_script(&c, &script, seed.unwrap_or(c.seed), &output))
                }
                (None, Some(config), None, Some(spec)) => {
                    load_config(&config).and_then(|c| run::run_workload(&c, &spec, seed.unwrap_or(c.seed), &output))
                }
                _ => Err("give --config and --script (or --workload), or --scenario".into()),
            };
            verdict.map(|v| match v {
                run::Verdict::Clean => ExitCode::SUCCESS,
                run::Verdict::Anomalies => ExitCode::from(3),
            })
        }
        Mode::Repl { config, seed, speed } => {
            load_config(&config).and_then(|c| repl::repl(&c, seed.unwrap_or(c.seed), speed)).map(|()| ExitCode::SUCCESS)
        }
        Mode::Bench { ops, nodes, json, page } => bench::bench(ops, nodes, json, page).map(|()| ExitCode::SUCCESS),
        Mode::Check { history, model, json } => match ModelKind::parse(&model) {
            Some(model) => {
                check::run(&history, model, json)
                    .map(|linearizable| if linearizable { ExitCode::SUCCESS } else { ExitCode::from(1) })
            }
            None => Err(format!("unknown model `{model}`: use kv, cas-register or store")),
        },
        Mode::Merge { logs, out, shiviz } => {
            merge::run(&logs, out.as_deref(), shiviz.as_deref()).map(|()| ExitCode::SUCCESS)
        }
    };
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("kvsim: {message}");
            ExitCode::from(2)
        }
    }
}

/// Reads a file, naming it in the error.
fn read(path: &Path, what: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {what} {}: {e}", path.display()))
}

fn load_config(path: &Path) -> Result<Config, String> {
    let config = Config::from_json(&read(path, "config")?).map_err(|e| format!("{}: {e}", path.display()))?;
    note_original_bugs(&config);
    Ok(config)
}

/// Says on stderr that a run reproduces the course project's faults.
fn note_original_bugs(config: &Config) {
    if config.original_bugs {
        eprintln!("kvsim: note: {ORIGINAL_BUGS_NOTICE}");
    }
}
