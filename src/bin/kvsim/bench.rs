//! `kvsim bench`: simulated events per second on the standard workload, with the trace off and
//! on, with the live anomaly checks on, and recording as the page does (trace, checks and the
//! diagram's density index); and the time `kvsim check` takes on the histories of 1,000 and
//! 10,000 of its operations over 10 keys.

use kvplayground::check::models::ModelKind;
use kvplayground::check::report::{check, Limits, Verdict};
use kvplayground::sim::workload::Workload;
use std::time::Instant;

/// Each figure is the median of this many runs: one run takes a tenth of a second, and a shared
/// machine's other work easily costs one of them 20%.
const RUNS: usize = 3;

/// One run of the workload: events processed and seconds.
struct Run {
    events: u64,
    seconds: f64,
    /// Bytes the kept trace takes per event (0 with the trace off).
    trace_bytes_per_event: f64,
    trace_events: usize,
}

impl Run {
    fn rate(&self) -> f64 {
        self.events as f64 / self.seconds
    }
}

/// What a run records besides the engine's own state.
#[derive(Clone, Copy, PartialEq)]
enum Recording {
    Nothing,
    Trace,
    Checks,
    /// What the page's `KvScheduler` records: the trace with its density index, the history and
    /// the live checks.
    Page,
    /// What the page records while it fast-forwards: the same, but the trace's events are only
    /// counted and indexed by density, not kept (a view rebuilds them by replay).
    FastForward,
}

pub fn bench(operations: usize, nodes: usize, json: bool, page_only: bool) -> Result<(), String> {
    if nodes < 3 || operations == 0 {
        return Err("bench needs at least 3 nodes and 1 operation".into());
    }
    let workload = Workload { operations, nodes, ..Workload::STANDARD };
    if page_only {
        return bench_page(&workload, json);
    }

    // The engine with the trace off (the figure the targets are about), then on, as the page and
    // `kvsim --trace` run it, then with the trace off and `--check`'s live checks on.
    let untraced = runs(&workload, Recording::Nothing);
    let traced = runs(&workload, Recording::Trace);
    let checked = runs(&workload, Recording::Checks);
    let paged = runs(&workload, Recording::Page);
    let forwarded = runs(&workload, Recording::FastForward);
    let events = untraced[0].events;
    let engine_rate = median(untraced.iter().map(Run::rate).collect());
    let traced_rate = median(traced.iter().map(Run::rate).collect());
    let checked_rate = median(checked.iter().map(Run::rate).collect());
    let page_rate = median(paged.iter().map(Run::rate).collect());
    let forward_rate = median(forwarded.iter().map(Run::rate).collect());
    let check_overhead = engine_rate / checked_rate - 1.0;
    let trace_bytes_per_event = traced[0].trace_bytes_per_event;
    // History sizes for the checker, capped by --ops so a small run stays small.
    let histories = [1_000, 10_000]
        .map(|n: usize| n.min(operations))
        .into_iter()
        .map(|n| history_check(&workload, n))
        .collect::<Result<Vec<HistoryCheck>, String>>()?;
    if json {
        let figures = serde_json::json!({
            "nodes": nodes, "operations": operations, "events": events,
            "events_per_second": engine_rate, "events_per_second_traced": traced_rate,
            "events_per_second_checked": checked_rate, "check_overhead": check_overhead,
            "events_per_second_page": page_rate,
            "events_per_second_fast_forward": forward_rate, "trace_bytes_per_event": trace_bytes_per_event,
            "linearizability": histories.iter().map(|h| serde_json::json!({
                "operations": h.operations, "keys": HISTORY_KEYS, "seconds": h.seconds,
                "linearizable": h.linearizable,
            })).collect::<Vec<_>>(),
        });
        println!("{figures}");
    } else {
        println!(
            "workload: {nodes} nodes, RF {}, {operations} operations (half get, half insert, QUORUM); median of {RUNS} runs",
            workload.replication_factor
        );
        let runs = untraced.iter().map(|r| format!("{:.2}", r.rate() / 1e6)).collect::<Vec<_>>().join(", ");
        println!("engine, trace off: {events} events, {:.2} M events/s (runs: {runs})", engine_rate / 1e6);
        println!(
            "engine, trace on:  {:.2} M events/s, the trace kept in {trace_bytes_per_event:.1} bytes/event",
            traced_rate / 1e6
        );
        println!(
            "engine, checks on: {:.2} M events/s (live checks cost {:.1}%)",
            checked_rate / 1e6,
            check_overhead * 100.0
        );
        println!(
            "engine, as the page records (trace, checks, density): {:.2} M events/s ({:.2} of the engine)",
            page_rate / 1e6,
            page_rate / engine_rate
        );
        println!(
            "engine, as the page fast-forwards (checks, density; trace counted, not kept): {:.2} M events/s ({:.2} of the engine)",
            forward_rate / 1e6,
            forward_rate / engine_rate
        );
        for h in &histories {
            println!(
                "kvsim check --model store, {} operations over {HISTORY_KEYS} keys: {:.1} ms ({})",
                h.operations,
                h.seconds * 1e3,
                if h.linearizable { "linearizable" } else { "not linearizable, with its counterexample" }
            );
        }
    }
    Ok(())
}

/// `kvsim bench --page`: only the page's recording, for profiling its path.
fn bench_page(workload: &Workload, json: bool) -> Result<(), String> {
    let paged = runs(workload, Recording::Page);
    let rate = median(paged.iter().map(Run::rate).collect());
    let bytes = paged[0].trace_bytes_per_event;
    let trace_events = paged[0].trace_events;
    if json {
        let figures = serde_json::json!({
            "nodes": workload.nodes, "operations": workload.operations, "events": paged[0].events,
            "events_per_second_page": rate, "trace_events": trace_events, "trace_bytes_per_event": bytes,
        });
        println!("{figures}");
    } else {
        let runs = paged.iter().map(|r| format!("{:.2}", r.rate() / 1e6)).collect::<Vec<_>>().join(", ");
        println!(
            "as the page records (trace, checks, density): {} events, {:.2} M events/s (runs: {runs}); {trace_events} trace events, {bytes:.1} bytes each",
            paged[0].events,
            rate / 1e6
        );
    }
    Ok(())
}

fn runs(workload: &Workload, recording: Recording) -> Vec<Run> {
    (0..RUNS).map(|_| run(workload, recording)).collect()
}

/// Runs the workload to the end, draining results as `kvsim run` does so they do not pile up.
fn run(workload: &Workload, recording: Recording) -> Run {
    let mut sim = workload.simulation(matches!(recording, Recording::Trace | Recording::Page | Recording::FastForward));
    if matches!(recording, Recording::Checks | Recording::Page | Recording::FastForward) {
        sim.check_anomalies();
    }
    if matches!(recording, Recording::Page | Recording::FastForward) {
        sim.index_density();
    }
    sim.keep_trace(recording != Recording::FastForward);
    let start = Instant::now();
    while sim.step() {
        drop(sim.take_results());
    }
    let seconds = start.elapsed().as_secs_f64();
    let trace = sim.trace();
    let trace_bytes_per_event = if trace.is_empty() { 0.0 } else { trace.memory_bytes() as f64 / trace.len() as f64 };
    Run { events: sim.scheduler().processed(), seconds, trace_bytes_per_event, trace_events: trace.len() }
}

/// Keys of the histories the checker is timed on.
const HISTORY_KEYS: usize = 10;

/// The time to read and check the history of `operations` operations of the workload.
struct HistoryCheck {
    operations: usize,
    seconds: f64,
    linearizable: bool,
}

/// An error if the checker cannot read the history: the simulation wrote it, so that is a bug.
fn history_check(workload: &Workload, operations: usize) -> Result<HistoryCheck, String> {
    let mut sim = Workload { operations, keys: HISTORY_KEYS, ..*workload }.simulation(false);
    sim.record_history();
    while sim.step() {
        drop(sim.take_results());
    }
    let edn = sim.history().map(|h| h.to_edn()).unwrap_or_default();
    let start = Instant::now();
    let report = check(&edn, ModelKind::Store, &Limits::default())
        .map_err(|e| format!("the workload's history of {operations} operations does not read: {e}"))?;
    let seconds = start.elapsed().as_secs_f64();
    Ok(HistoryCheck { operations, seconds, linearizable: report.verdict == Verdict::Linearizable })
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}
