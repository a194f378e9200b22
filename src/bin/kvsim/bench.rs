//! `kvsim bench`: simulated events per second on the standard workload, beside the rate of a
//! bare binary-heap push and pop loop at the same queue depth (the engine's floor).

use kvplayground::scheduler::QueueEntry;
use kvplayground::workload::Workload;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Instant;

pub fn bench(operations: usize, nodes: usize, json: bool) -> Result<(), String> {
    if nodes < 3 || operations == 0 {
        return Err("bench needs at least 3 nodes and 1 operation".into());
    }
    let workload = Workload { operations, nodes, ..Workload::STANDARD };

    // Engine with the trace off: the figure the targets are about.
    let mut sim = workload.simulation(false);
    let start = Instant::now();
    let (mut steps, mut depth_sum) = (0u64, 0u64);
    while sim.step() {
        // Drained as `kvsim run` does, so the results do not pile up in memory.
        drop(sim.take_results());
        steps += 1;
        depth_sum += sim.scheduler().queue_len() as u64;
    }
    let engine_s = start.elapsed().as_secs_f64();
    let events = sim.scheduler().processed();
    let mean_depth = (depth_sum / steps.max(1)).max(1) as usize;

    // Engine with the trace on, as the page and `kvsim --trace` run it.
    let mut traced = workload.simulation(true);
    let start = Instant::now();
    while traced.step() {
        drop(traced.take_results());
    }
    let traced_s = start.elapsed().as_secs_f64();

    let heap_ops = events.max(1_000_000);
    let heap_s = heap_loop(mean_depth, heap_ops);

    let engine_rate = events as f64 / engine_s;
    let traced_rate = traced.scheduler().processed() as f64 / traced_s;
    let heap_rate = heap_ops as f64 / heap_s;
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
            "workload: {nodes} nodes, RF {}, {operations} operations (half get, half insert, QUORUM)",
            workload.replication_factor
        );
        println!("engine, trace off: {events} events in {engine_s:.3} s = {:.2} M events/s", engine_rate / 1e6);
        println!("engine, trace on:  {:.2} M events/s", traced_rate / 1e6);
        println!("bare BinaryHeap push+pop at depth {mean_depth}: {:.2} M ops/s", heap_rate / 1e6);
        println!("ratio engine / heap: {ratio:.2}");
    }
    Ok(())
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
