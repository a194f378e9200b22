//! `kvsim bench`: simulated events per second on the standard workload, with the trace off and
//! on, and with the live anomaly checks on.

use kvplayground::sim::workload::Workload;
use std::time::Instant;

/// Each figure is the median of this many runs: one run takes a tenth of a second, and a shared
/// machine's other work easily costs one of them 20%.
const RUNS: usize = 3;

/// One run of the workload: events processed and seconds.
struct Run {
    events: u64,
    seconds: f64,
}

impl Run {
    fn rate(&self) -> f64 {
        self.events as f64 / self.seconds
    }
}

pub fn bench(operations: usize, nodes: usize, json: bool) -> Result<(), String> {
    if nodes < 3 || operations == 0 {
        return Err("bench needs at least 3 nodes and 1 operation".into());
    }
    let workload = Workload { operations, nodes, ..Workload::STANDARD };

    // The engine with the trace off (the figure the targets are about), then on, as the page and
    // `kvsim --trace` run it, then with the trace off and `--check`'s live checks on.
    let untraced: Vec<Run> = (0..RUNS).map(|_| run(&workload, false, false)).collect();
    let traced: Vec<Run> = (0..RUNS).map(|_| run(&workload, true, false)).collect();
    let checked: Vec<Run> = (0..RUNS).map(|_| run(&workload, false, true)).collect();
    let events = untraced[0].events;
    let engine_rate = median(untraced.iter().map(Run::rate).collect());
    let traced_rate = median(traced.iter().map(Run::rate).collect());
    let checked_rate = median(checked.iter().map(Run::rate).collect());
    let check_overhead = engine_rate / checked_rate - 1.0;
    if json {
        let figures = serde_json::json!({
            "nodes": nodes, "operations": operations, "events": events,
            "events_per_second": engine_rate, "events_per_second_traced": traced_rate,
            "events_per_second_checked": checked_rate, "check_overhead": check_overhead,
        });
        println!("{figures}");
    } else {
        println!(
            "workload: {nodes} nodes, RF {}, {operations} operations (half get, half insert, QUORUM); median of {RUNS} runs",
            workload.replication_factor
        );
        let runs = untraced.iter().map(|r| format!("{:.2}", r.rate() / 1e6)).collect::<Vec<_>>().join(", ");
        println!("engine, trace off: {events} events, {:.2} M events/s (runs: {runs})", engine_rate / 1e6);
        println!("engine, trace on:  {:.2} M events/s", traced_rate / 1e6);
        println!(
            "engine, checks on: {:.2} M events/s (live checks cost {:.1}%)",
            checked_rate / 1e6,
            check_overhead * 100.0
        );
    }
    Ok(())
}

/// Runs the workload to the end, draining results as `kvsim run` does so they do not pile up.
fn run(workload: &Workload, record_trace: bool, check: bool) -> Run {
    let mut sim = workload.simulation(record_trace);
    if check {
        sim.check_anomalies();
    }
    let start = Instant::now();
    while sim.step() {
        drop(sim.take_results());
    }
    let seconds = start.elapsed().as_secs_f64();
    Run { events: sim.scheduler().processed(), seconds }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}
