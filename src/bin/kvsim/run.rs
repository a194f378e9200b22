//! `kvsim run`: a script of timed commands and faults, or a scenario file; results printed as
//! they happen.

use super::anomaly_report;
use super::streams::TraceStreams;
use kvplayground::sim::scenario::Scenario;
use kvplayground::sim::script::{self, ScriptError};
use kvplayground::sim::summary::Summary;
use kvplayground::sim::workload_feed::WorkloadFeed;
use kvplayground::sim::workload_spec::WorkloadSpec;
use kvplayground::{ClientResult, Config, Simulation, Time};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What `run` prints and writes besides the results.
pub struct Output {
    pub json: bool,
    pub trace: bool,
    pub hash: bool,
    pub shiviz: Option<PathBuf>,
    pub history: Option<PathBuf>,
    pub check: bool,
    pub summary: bool,
    /// `--until`: the virtual time (ms) to stop at, instead of when only background work is left.
    pub until: Option<f64>,
    pub quiet: bool,
    pub stats: bool,
}

/// How a run went: whether `--check` found an anomaly (exit status 3).
pub enum Verdict {
    Clean,
    Anomalies,
}

pub fn run_script(config: &Config, script_path: &Path, seed: u64, output: &Output) -> Result<Verdict, String> {
    let text = super::read(script_path, "script")?;
    let (lines, errors) = script::parse(&text, config.len());
    let mut sim = Simulation::with_trace(config, seed, TraceStreams::wanted(output));
    for line in &lines {
        sim.schedule_action(line.action.clone()).map_err(|e| format!("script line {}: {e}", line.line))?;
    }
    run(sim, &errors, None, output)
}

pub fn run_workload(config: &Config, spec: &str, seed: u64, output: &Output) -> Result<Verdict, String> {
    let spec = WorkloadSpec::parse(spec).map_err(|e| e.to_string())?;
    let sim = Simulation::with_trace(config, seed, TraceStreams::wanted(output));
    run(sim, &[], Some(WorkloadFeed::new(spec.operations(config.len()), Vec::new())), output)
}

pub fn run_scenario(path: &Path, output: &Output) -> Result<Verdict, String> {
    let scenario = Scenario::parse(&super::read(path, "scenario")?).map_err(|e| format!("{}: {e}", path.display()))?;
    super::note_original_bugs(&scenario.config);
    let (sim, feed) = scenario.start(TraceStreams::wanted(output));
    run(sim, &[], feed, output)
}

/// `--until`'s milliseconds as the µs of the virtual clock, rounded as the page rounds a moment.
fn until_us(ms: f64) -> Result<Time, String> {
    if !(ms.is_finite() && ms >= 0.0 && ms * 1000.0 < Time::MAX as f64) {
        return Err(format!("--until {ms}: give a virtual time in ms from 0, e.g. --until 2500"));
    }
    Ok((ms * 1000.0).round() as Time)
}

/// Runs `sim` to the end, scheduling the `workload`'s operations (and the actions waiting for
/// them) as their time comes.
fn run(
    mut sim: Simulation,
    errors: &[ScriptError],
    mut workload: Option<WorkloadFeed>,
    output: &Output,
) -> Result<Verdict, String> {
    let started = Instant::now();
    let until = output.until.map(until_us).transpose()?;
    let json = output.json;
    let mut streams = TraceStreams::open(output)?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let fail = |e: io::Error| format!("cannot write output: {e}");
    for error in errors {
        writeln!(out, "{}", script_error_line(error, json)).map_err(fail)?;
    }
    if output.history.is_some() || output.summary {
        sim.record_history();
    }
    if output.check {
        sim.check_anomalies();
    }
    let mut reported = 0;
    loop {
        let operations_left = match &mut workload {
            Some(feed) => feed.feed(&mut sim)?,
            None => false,
        };
        // Periodic background work (anti-entropy) never runs out: stop when only it is left, or
        // at `--until` (the workload's operations due by then are scheduled already).
        let more = match until {
            Some(t) => sim.next_due().is_some_and(|due| due <= t) && sim.step(),
            None => (operations_left || !sim.is_quiet()) && sim.step(),
        };
        streams.drain(&mut sim, &mut out)?;
        for result in sim.take_results() {
            if !output.quiet {
                writeln!(out, "{}", result_line(&result, json)).map_err(fail)?;
            }
        }
        for anomaly in sim.anomalies().into_iter().flat_map(|a| a.found().iter_from(reported)) {
            writeln!(out, "{}", anomaly_report::anomaly_line(anomaly, json)).map_err(fail)?;
        }
        reported = sim.anomalies().map_or(0, |a| a.found().len());
        if !more {
            break;
        }
    }
    if let Some(hash) = streams.hash() {
        let line =
            if json { serde_json::json!({ "trace_hash": hash }).to_string() } else { format!("trace hash: {hash}") };
        writeln!(out, "{line}").map_err(fail)?;
    }
    if let (Some(path), Some(history)) = (&output.history, sim.history()) {
        std::fs::write(path, history.to_edn())
            .map_err(|e| format!("cannot write the history {}: {e}", path.display()))?;
    }
    streams.close()?;
    if let (true, Some(history)) = (output.summary, sim.history()) {
        let summary = Summary::of(history);
        let text = if json { serde_json::json!({ "summary": summary }).to_string() } else { summary.to_text() };
        writeln!(out, "{}", text.trim_end()).map_err(fail)?;
    }
    let mut verdict = Verdict::Clean;
    if let Some(anomalies) = sim.anomalies() {
        let found: Vec<_> = anomalies.found().iter().cloned().collect();
        for line in anomaly_report::summary(&found, &sim.divergent(), json) {
            writeln!(out, "{line}").map_err(fail)?;
        }
        if !anomalies.found().is_empty() {
            verdict = Verdict::Anomalies;
        }
    }
    out.flush().map_err(fail)?;
    if output.stats {
        eprintln!("{}", stats_line(sim.scheduler().processed(), started.elapsed().as_secs_f64()));
    }
    Ok(verdict)
}

fn stats_line(events: u64, seconds: f64) -> String {
    let memory =
        super::proc_status::peak_kib("self").map_or("unknown".into(), |kb| format!("{:.1} MB", kb as f64 / 1024.0));
    format!(
        "stats: {events} events in {seconds:.2} s ({:.2} M events/s), peak memory {memory}",
        events as f64 / seconds / 1e6
    )
}

pub fn result_line(result: &ClientResult, json: bool) -> String {
    if json {
        serde_json::to_string(&result.to_json()).expect("results serialise")
    } else {
        result.to_text()
    }
}

fn script_error_line(error: &ScriptError, json: bool) -> String {
    if json {
        serde_json::json!({"time": 0.0, "node": null, "command": error.text, "ok": false, "result": "error",
                           "error": error.to_string()})
        .to_string()
    } else {
        format!("[{:>8} --] {error}", "0.000")
    }
}
