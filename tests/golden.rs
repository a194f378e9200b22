//! Golden traces: example runs must produce exactly the traces stored in `tests/golden/`, byte
//! for byte, and the wasm facade must reproduce the same files in the browser (`tests/wasm/`):
//!
//! - `read-repair.trace.jsonl`: `examples/config.json` + `examples/read-repair.kvs`, seed 42;
//! - `faults.trace.jsonl`: `examples/config.json` + `examples/faults.kvs`, seed 42 (every kind of
//!   fault: crash, restart, skew, loss, duplication, delay, jitter);
//! - `partition.trace.jsonl`: the scenario `examples/partition.scenario.json`.
//!
//! The golden files are written by this test, never by hand. After an intended change of
//! behaviour, regenerate them and review the diff:
//!
//! ```sh
//! UPDATE_GOLDEN=1 cargo test --test golden
//! git diff tests/golden/
//! ```

use kvplayground::sim::scenario::Scenario;
use kvplayground::{sim::script, Config, Simulation};
use std::path::PathBuf;

const SEED: u64 = 42;

fn manifest_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(manifest_path(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// The trace of an example script on the example config as JSON lines, as `kvsim run --trace`
/// records it.
fn script_trace(script_file: &str) -> String {
    let config = Config::from_json(&read("examples/config.json")).expect("the example config is valid");
    let (lines, errors) = script::parse(&read(script_file), config.len());
    assert!(errors.is_empty(), "{script_file} parses: {errors:?}");
    let mut sim = Simulation::new(&config, SEED);
    for line in &lines {
        sim.schedule_action(line.action.clone()).expect("the example script's actions schedule");
    }
    sim.run_until_quiet();
    sim.trace().to_json_lines()
}

fn scenario_trace(scenario_file: &str) -> String {
    let scenario = Scenario::parse(&read(scenario_file)).expect("the example scenario is valid");
    scenario.run().trace().to_json_lines()
}

/// Compares `actual` with the golden file `name`, or rewrites it with `UPDATE_GOLDEN=1`.
fn check_golden(name: &str, actual: &str) {
    let golden = manifest_path(&format!("tests/golden/{name}"));
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, actual).expect("write the golden file");
        eprintln!("UPDATE_GOLDEN=1: rewrote {}", golden.display());
        return;
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_else(|e| {
        panic!("cannot read {}: {e}; create it with UPDATE_GOLDEN=1 cargo test --test golden", golden.display())
    });
    if actual != expected {
        let first_difference = actual
            .lines()
            .zip(expected.lines())
            .enumerate()
            .find(|(_, (a, e))| a != e)
            .map(|(i, (a, e))| format!("first different line {}:\n  actual:   {a}\n  expected: {e}", i + 1))
            .unwrap_or_else(|| {
                format!("{} lines now, {} in the golden file", actual.lines().count(), expected.lines().count())
            });
        panic!(
            "the trace differs from {}\n{first_difference}\n\
             If the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff.",
            golden.display()
        );
    }
}

#[test]
fn read_repair_trace_matches_the_golden_file() {
    let actual = script_trace("examples/read-repair.kvs");
    assert!(actual.lines().any(|l| l.contains(r#""msg":"repair""#)), "the story includes a read repair");
    check_golden("read-repair.trace.jsonl", &actual);
}

#[test]
fn faults_trace_matches_the_golden_file() {
    let actual = script_trace("examples/faults.kvs");
    for words in [r#""kind":"fault""#, r#""text":"node down""#, r#""text":"message loss""#, r#""text":"duplicate""#] {
        assert!(actual.contains(words), "the fault tour shows {words}");
    }
    check_golden("faults.trace.jsonl", &actual);
}

#[test]
fn partition_scenario_trace_matches_the_golden_file() {
    let actual = scenario_trace("examples/partition.scenario.json");
    assert!(actual.contains(r#""text":"link cut""#) && actual.contains(r#""msg":"repair""#));
    check_golden("partition.trace.jsonl", &actual);
}

#[test]
fn the_traces_are_the_same_twice() {
    assert_eq!(script_trace("examples/read-repair.kvs"), script_trace("examples/read-repair.kvs"));
    assert_eq!(script_trace("examples/faults.kvs"), script_trace("examples/faults.kvs"));
}
