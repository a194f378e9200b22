//! Generated workloads and long runs: runBatch, keeping no trace and keeping only the trace, the
//! live checks' counts, scripts scheduled at once, and the trace read range by range.

use super::*;

/// A fresh cluster of the example config running `spec` as a generated workload.
fn workload_cluster(spec: &str) -> (KvScheduler, Vec<KvNode>) {
    let (mut scheduler, mut nodes) = cluster(CONFIG, SEED);
    for node in &mut nodes {
        ok(scheduler.absorb(ok(node.start(0.0), "start")), "absorb");
    }
    scheduler.set_workload(&ok(KvWorkload::new(spec), "KvWorkload::new"));
    (scheduler, nodes)
}

#[wasm_bindgen_test]
fn a_run_that_keeps_no_trace_counts_and_indexes_its_events_and_keeps_them_again_when_asked() {
    let spec = "ops=300 rate=200 keys=20 level=ONE";
    let (mut kept, mut nodes) = workload_cluster(spec);
    while !kept.is_quiet() {
        nodes = ok(kept.run_batch(nodes, 97.0, f64::INFINITY, true), "runBatch");
    }
    let (mut paused, mut nodes) = workload_cluster(spec);
    paused.keep_trace(false);
    nodes = ok(paused.run_batch(nodes, 1_500.0, f64::INFINITY, true), "runBatch");
    assert_eq!(paused.trace_kept_from(), paused.trace_length(), "nothing kept while paused");
    assert!(paused.trace_unkept_until().is_some_and(|t| t > 0.0 && t <= paused.now()));
    let e = err(paused.trace_json_lines(), "traceJsonLines of a run that kept part of its trace");
    assert!(e.contains("replay"), "{e}");
    paused.keep_trace(true);
    while !paused.is_quiet() {
        nodes = ok(paused.run_batch(nodes, 97.0, f64::INFINITY, true), "runBatch");
    }
    assert_eq!(paused.trace_length(), kept.trace_length(), "every event counted");
    let from = paused.trace_kept_from();
    assert!(from > 0 && from < paused.trace_length());
    let json = |s: &KvScheduler| js_sys::JSON::stringify(&ok(s.trace_since(from), "traceSince")).unwrap();
    assert_eq!(json(&paused), json(&kept), "the events kept since are the run's");
    let (lanes, columns) = (nodes.len(), 40);
    let density = |s: &KvScheduler| {
        let mut out = vec![0u32; 3 * lanes * columns];
        ok(s.density_into(0.0, s.now() + 1.0, columns, &mut out), "densityInto");
        out
    };
    assert_eq!(density(&paused), density(&kept), "the same density, kept or not");
    assert!(density(&kept).iter().any(|&c| c > 0));
}

#[wasm_bindgen_test]
fn a_copy_that_keeps_only_the_trace_gives_the_checked_runs_exports_and_keeps_nothing_else() {
    // Reads at ONE over few keys: the checked run finds anomalies, and traces them.
    let spec = "ops=400 rate=400 keys=5 mix=get:2/insert:2/delete:1 level=ONE";
    let (mut checked, mut nodes) = workload_cluster(spec);
    checked.check_anomalies();
    let mut copy = checked.snapshot();
    let mut copy_nodes: Vec<KvNode> = nodes.iter().map(KvNode::snapshot).collect();
    copy.trace_only();
    while !checked.is_quiet() {
        nodes = ok(checked.run_batch(nodes, 97.0, f64::INFINITY, true), "runBatch");
    }
    while !copy.is_quiet() {
        copy_nodes = ok(copy.run_batch(copy_nodes, 97.0, f64::INFINITY, true), "runBatch");
    }
    assert!(checked.anomaly_count() > 0 && checked.result_count() > 0 && checked.history_length() > 0);
    assert!(checked.trace_length() > copy.trace_length(), "the checked run traced its anomalies");
    assert_eq!(hash(&copy), hash(&checked), "the same hash");
    assert_eq!(jsonl(&copy), jsonl(&checked), "the same trace, as kvsim prints it");
    assert_eq!((copy.anomaly_count(), copy.result_count(), copy.history_length()), (0, 0, 0), "nothing else kept");
}

#[wasm_bindgen_test]
fn run_batch_gives_the_events_of_the_one_by_one_loop_and_feeds_the_workload() {
    let spec = "ops=300 rate=200 keys=20 mix=get:2/insert:2/delete:1 level=ONE";
    let (mut one_by_one, mut nodes) = workload_cluster(spec);
    while !one_by_one.is_quiet() && deliver_next(&mut one_by_one, &mut nodes) {}
    let (mut batched, mut nodes) = workload_cluster(spec);
    // In small batches, as the page's fast-forward runs them.
    while !batched.is_quiet() {
        nodes = ok(batched.run_batch(nodes, 97.0, f64::INFINITY, true), "runBatch");
    }
    assert!(batched.processed() > 300.0);
    assert_eq!(hash(&batched), hash(&one_by_one));
    let progress = ok(batched.workload_progress(), "workloadProgress");
    assert_eq!(get(&progress, "scheduled").as_f64(), Some(300.0));
    let results = js_sys::Array::from(&ok(batched.results_between(0, batched.result_count()), "resultsBetween"));
    assert!(results.length() >= 300, "a result per operation at least: {}", results.length());
    assert!(get(&results.get(0), "step").as_f64().is_some_and(|s| s > 0.0));
    let stepped = js_sys::Array::from(&ok(one_by_one.results_between(0, one_by_one.result_count()), "resultsBetween"));
    assert_eq!(
        js_sys::JSON::stringify(&results).unwrap(),
        js_sys::JSON::stringify(&stepped).unwrap(),
        "the same results, steps included"
    );
    // A copy of the log (the page's history keeps one) reads the results of the first steps.
    let log = batched.result_log();
    let first = get(&results.get(0), "step").as_f64().unwrap();
    let up_to_first = js_sys::Array::from(&ok(log.up_to(first, f64::INFINITY), "upTo"));
    assert!(up_to_first.length() >= 1 && up_to_first.iter().all(|r| get(&r, "step").as_f64() == Some(first)));
    assert_eq!(js_sys::Array::from(&ok(log.up_to(f64::INFINITY, 5.0), "upTo")).length(), 5, "the last five");
    // Someone else's nodes are refused.
    let (_, small) = cluster(r#"{"addresses": ["a", "b"], "avg_delays": [[0, 1], [1, 0]]}"#, 1.0);
    let e = err(batched.run_batch(small, 1.0, f64::INFINITY, false), "runBatch with 2 of 4 nodes");
    assert!(e.contains("needs the 4 nodes"), "{e}");
}

#[wasm_bindgen_test]
fn anomaly_counts_are_the_anomalies_found_by_kind_in_the_kinds_order() {
    let (mut scheduler, mut nodes) = cluster(CONFIG, SEED);
    scheduler.check_anomalies();
    for node in &mut nodes {
        ok(scheduler.absorb(ok(node.start(0.0), "start")), "absorb");
    }
    let spec = "ops=400 rate=400 keys=5 mix=get:2/insert:2/delete:1 level=ONE";
    scheduler.set_workload(&ok(KvWorkload::new(spec), "KvWorkload::new"));
    while !scheduler.is_quiet() {
        nodes = ok(scheduler.run_batch(nodes, 1000.0, f64::INFINITY, true), "runBatch");
    }
    assert!(scheduler.anomaly_count() > 0, "reads at ONE find anomalies");
    let mut expected: Vec<(String, f64)> = Vec::new();
    let kinds = js_sys::Array::from(&ok(anomaly_kinds(), "anomalyKinds"));
    let found = js_sys::Array::from(&ok(scheduler.anomalies_since(0), "anomaliesSince"));
    for kind in kinds.iter().map(|k| get(&k, "kind").as_string().unwrap()) {
        let count = found.iter().filter(|a| get(a, "kind").as_string().as_deref() == Some(kind.as_str())).count();
        if count > 0 {
            expected.push((kind, count as f64));
        }
    }
    let counts = ok(scheduler.anomaly_counts(), "anomalyCounts");
    let entries: Vec<(String, f64)> = js_sys::Object::entries(counts.unchecked_ref())
        .iter()
        .map(|entry| {
            let pair = js_sys::Array::from(&entry);
            (pair.get(0).as_string().unwrap(), pair.get(1).as_f64().unwrap())
        })
        .collect();
    assert_eq!(entries, expected, "the kinds found, in the kinds' order, each with its count");
}

#[wasm_bindgen_test]
fn a_bad_workload_spec_says_what_is_wrong_and_the_defaults_are_shown() {
    let e = err(KvWorkload::new("ops=10 level=TWO"), "a bad level");
    assert!(e.contains("level=TWO: use ONE, QUORUM or ALL"), "{e}");
    assert!(KvWorkload::defaults().starts_with("ops=100000 rate=1000 clients=16 keys=1000"));
    assert_eq!(ok(KvWorkload::new("keys=5"), "spec").operations(), 100_000.0);
}

#[wasm_bindgen_test]
fn schedule_script_schedules_the_good_lines_and_names_the_bad_ones() {
    let (mut scheduler, _) = cluster(CONFIG, SEED);
    let report = ok(
        scheduler
            .schedule_script("# a story\n0 0 insert 5 a ALL\n1.5 9 get 5 ONE\nsoon 1 get 5 ONE\n2 crash 1\n", 1000.0),
        "scheduleScript",
    );
    let scheduled = js_sys::Array::from(&get(&report, "scheduled"));
    assert_eq!(scheduled.length(), 2);
    assert_eq!(get(&scheduled.get(0), "time").as_f64(), Some(1000.0), "times count from the offset");
    assert_eq!(get(&scheduled.get(1), "line").as_string().as_deref(), Some("crash 1"));
    let errors = js_sys::Array::from(&get(&report, "errors"));
    let lines: Vec<_> = errors.iter().map(|e| get(&e, "line").as_f64().unwrap_or_default()).collect();
    assert_eq!(lines, [3.0, 4.0]);
    assert!(get(&errors.get(0), "message").as_string().unwrap_or_default().contains("no node 9"));
}

#[wasm_bindgen_test]
fn the_trace_read_range_by_range_is_the_whole_trace_and_its_hash() {
    // Reads at ONE find anomalies: their events are in the trace, and left out of every export.
    let spec = "ops=400 rate=400 keys=5 mix=get:2/insert:2/delete:1 level=ONE";
    let (mut scheduler, mut nodes) = workload_cluster(spec);
    scheduler.check_anomalies();
    while !scheduler.is_quiet() {
        nodes = ok(scheduler.run_batch(nodes, 1000.0, f64::INFINITY, true), "runBatch");
    }
    assert!(scheduler.anomaly_count() > 0, "anomaly events to leave out");
    let length = scheduler.trace_length();
    let whole = jsonl(&scheduler);
    assert!(!whole.contains("\"anomaly\""), "no anomaly event in the export");
    // Ranges of every size, an empty one among them, and ranges that split a block of 1,024.
    let mut bounds: Vec<usize> = (0..length).step_by(997).collect();
    bounds.extend([1_024, 1_024, length]);
    bounds.sort_unstable();
    let mut joined = Vec::new();
    let mut hasher = KvTraceHasher::new();
    for range in bounds.windows(2) {
        joined.extend(ok(scheduler.trace_json_lines_between(range[0], range[1]), "traceJsonLinesBetween"));
        ok(scheduler.hash_trace_between(&mut hasher, range[0], range[1]), "hashTraceBetween");
    }
    assert_eq!(String::from_utf8(joined).unwrap(), whole, "the ranges in order make the whole trace");
    assert_eq!(hasher.hex(), hash(&scheduler), "and its hash");

    // Ranges outside the trace are errors naming them, and the module keeps working.
    let e = err(scheduler.trace_json_lines_between(5, 4), "a range that ends before it starts");
    assert!(e.contains("trace events 5 to 4 are not a range"), "{e}");
    let e = err(scheduler.trace_json_lines_between(0, length + 1), "a range past the end");
    assert!(e.contains(&format!("the end at most {length}")), "{e}");

    // A replay read range by range keeps only its last range: what was let go is refused.
    let (mut replay, mut nodes) = workload_cluster(spec);
    replay.check_anomalies();
    let (mut read, mut pieces) = (0, Vec::new());
    while !replay.is_quiet() {
        nodes = ok(replay.run_batch(nodes, 333.0, f64::INFINITY, true), "runBatch");
        pieces.extend(ok(replay.trace_json_lines_between(read, replay.trace_length()), "traceJsonLinesBetween"));
        read = replay.trace_length();
        replay.clear_trace();
    }
    assert_eq!(
        String::from_utf8(pieces).unwrap(),
        whole,
        "a replay read and let go piece by piece gives the same trace"
    );
    assert_eq!(replay.trace_kept_from(), length, "nothing kept");
    let e = err(replay.trace_json_lines_between(0, length), "events let go");
    assert!(e.contains("keeps its events from"), "{e}");
    let e = err(replay.trace_hash(), "the hash of a trace not kept");
    assert!(e.contains("replay it from its start"), "{e}");
}
