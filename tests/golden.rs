//! Golden trace: the read-repair example (`examples/config.json` + `examples/read-repair.kvs`,
//! seed 42) must produce exactly the trace stored in `tests/golden/read-repair.trace.jsonl`, byte
//! for byte. The same file is what the wasm facade must reproduce in the browser (`tests/wasm.rs`).
//!
//! The golden file is written by this test, never by hand. After an intended change of behaviour,
//! regenerate it and review the diff:
//!
//! ```sh
//! UPDATE_GOLDEN=1 cargo test --test golden
//! git diff tests/golden/
//! ```

use kvplayground::{script, Config, Simulation};
use std::path::PathBuf;

const SEED: u64 = 42;

fn manifest_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The trace of the read-repair example as JSON lines, as `kvsim run --trace` records it.
fn read_repair_trace() -> String {
    let config_text = std::fs::read_to_string(manifest_path("examples/config.json")).expect("examples/config.json");
    let script_text =
        std::fs::read_to_string(manifest_path("examples/read-repair.kvs")).expect("examples/read-repair.kvs");
    let config = Config::from_json(&config_text).expect("the example config is valid");
    let (lines, errors) = script::parse(&script_text, config.len());
    assert!(errors.is_empty(), "the example script parses: {errors:?}");
    let mut sim = Simulation::new(&config, SEED);
    for line in &lines {
        sim.schedule_action(line.action.clone()).expect("the example script's commands schedule");
    }
    sim.run_until_quiet();
    sim.trace().to_json_lines()
}

#[test]
fn read_repair_trace_matches_the_golden_file() {
    let golden = manifest_path("tests/golden/read-repair.trace.jsonl");
    let actual = read_repair_trace();
    assert!(actual.lines().any(|l| l.contains(r#""msg":"repair""#)), "the story includes a read repair");

    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &actual).expect("write the golden file");
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
            "the read-repair trace differs from {}\n{first_difference}\n\
             If the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff.",
            golden.display()
        );
    }
}

#[test]
fn the_trace_is_the_same_twice() {
    assert_eq!(read_repair_trace(), read_repair_trace());
}
