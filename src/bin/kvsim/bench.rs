//! `kvsim bench`: simulated events per second on the standard workload, beside the rate of a
//! bare binary-heap push and pop loop at the same queue depth (the engine's floor).

use kvplayground::sim::scheduler::QueueEntry;
use kvplayground::sim::workload::Workload;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Instant;

/// Each figure is the median of this many runs: one run takes a tenth of a second, and a shared
/// machine's other work easily costs one of them 20%.
const RUNS: usize = 3;

/// One run of the workload: events processed, seconds, and the mean queue depth.
struct Run {
    events: u64,
    seconds: f64,
    mean_depth: usize,
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
    // `kvsim --trace` run it.
    let untraced: Vec<Run> = (0..RUNS).map(|_| run(&workload, false)).collect();
    let traced: Vec<Run> = (0..RUNS).map(|_| run(&workload, true)).collect();
    let Run { events, mean_depth, .. } = untraced[0];

    let heap_ops = events.max(1_000_000);
    let heap_rate = median((0..RUNS).map(|_| heap_ops as f64 / heap_loop(mean_depth, heap_ops)).collect());
    let engine_rate = median(untraced.iter().map(Run::rate).collect());
    let traced_rate = median(traced.iter().map(Run::rate).collect());
    let ratio = engine_rate / heap_rate;
    if json {
        let figures = serde_json::json!({
            "nodes": nodes, "operations": operations, "events": events,
            "events_per_second": engine_rate, "events_per_second_traced": traced_rate,
            "heap_depth": mean_depth, "heap_ops_per_second": heap_rate, "ratio": ratio,
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
        println!("bare BinaryHeap push+pop at depth {mean_depth}: {:.2} M ops/s", heap_rate / 1e6);
        println!("ratio engine / heap: {ratio:.2}");
    }
    Ok(())
}

/// Runs the workload to the end, draining results as `kvsim run` does so they do not pile up.
fn run(workload: &Workload, record_trace: bool) -> Run {
    let mut sim = workload.simulation(record_trace);
    let start = Instant::now();
    let (mut steps, mut depth_sum) = (0u64, 0u64);
    while sim.step() {
        drop(sim.take_results());
        steps += 1;
        depth_sum += sim.scheduler().queue_len() as u64;
    }
    let seconds = start.elapsed().as_secs_f64();
    Run { events: sim.scheduler().processed(), seconds, mean_depth: (depth_sum / steps.max(1)).max(1) as usize }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// The hold model on the engine's own queue entry type: a heap of `depth` messages; each op pops
/// the earliest and pushes a successor.
fn heap_loop(depth: usize, ops: u64) -> f64 {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        // xorshift: a cheap, deterministic stream of delays
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % 20_000
    };
    let entry = |due, seq| QueueEntry::new(due, seq, (seq % depth as u64) as u32);
    let mut heap: BinaryHeap<QueueEntry> = (0..depth as u64).map(|i| entry(next(), i)).collect();
    let start = Instant::now();
    for seq in 0..ops {
        let top = heap.pop().expect("the heap never empties");
        heap.push(entry(top.due + next(), depth as u64 + seq));
    }
    black_box(&heap);
    start.elapsed().as_secs_f64()
}
