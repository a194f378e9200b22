//! `kvsim run --workload SPEC`: generated operations, scheduled as the run goes, with the trace
//! streamed, so memory stays bounded by the cluster, not by the length of the run.

mod support;

use support::cli::{kvsim, stderr, stdout, temp_file};

fn run(spec: &str, extra: &[&str]) -> std::process::Output {
    kvsim(&[&["run", "--config", "examples/config.json", "--workload", spec], extra].concat())
}

#[test]
fn a_workload_runs_its_operations_and_is_the_same_for_the_same_seeds() {
    let spec = "ops=300 rate=100 keys=5 mix=get:2/insert:2/update:1/delete:1 level=ONE seed=3";
    let a = run(spec, &["--hash", "--summary"]);
    assert!(a.status.success(), "{}", stderr(&a));
    let text = stdout(&a);
    let results = text.lines().filter(|l| l.starts_with('[')).count();
    assert!(results >= 300, "one result per operation at least (plus repairs): {results}");
    assert!(text.contains("ONE            300"), "all 300 operations at ONE:\n{text}");
    assert_eq!(a.stdout, run(spec, &["--hash", "--summary"]).stdout, "the same run twice");
    let other = run(&spec.replace("seed=3", "seed=4"), &["--hash"]);
    let hash = |t: &str| t.lines().find(|l| l.starts_with("trace hash:")).map(String::from);
    assert_ne!(hash(&text), hash(&stdout(&other)), "another workload seed, other operations");
}

#[test]
fn a_scenario_file_with_a_workload_runs_as_run_workload_does() {
    let spec = "ops=300 rate=100 keys=5 level=ONE seed=3";
    let config = std::fs::read_to_string("examples/config.json").unwrap();
    let scenario = |script: &str| {
        let text =
            format!(r#"{{"version": 1, "config": {config}, "seed": 0, "script": {script}, "workload": "{spec}"}}"#);
        kvsim(&["run", "--scenario", temp_file("workload.scenario.json", &text).to_str().unwrap(), "--hash"])
    };
    let hash =
        |out: &std::process::Output| stdout(out).lines().find(|l| l.starts_with("trace hash:")).map(String::from);
    let direct = run(spec, &["--hash", "--seed", "0"]);
    let plain = scenario("[]");
    assert!(plain.status.success(), "{}", stderr(&plain));
    assert_eq!(hash(&plain), hash(&direct), "the scenario's workload is --workload's");
    let with_script = scenario(r#"["60000 1 get k1 ALL"]"#);
    assert!(with_script.status.success(), "{}", stderr(&with_script));
    assert_ne!(hash(&with_script), hash(&direct), "the script runs after the workload");
    let at_60_s_on_n1 = |l: &&str| {
        let time = l.trim_start_matches(['[', ' ']).split_whitespace().next().and_then(|t| t.parse::<f64>().ok());
        time.is_some_and(|t| t >= 60.0) && l.contains(" n1]")
    };
    assert!(
        stdout(&with_script).lines().any(|l| at_60_s_on_n1(&l)),
        "the get's answer at 60 s on n1:\n{}",
        stdout(&with_script)
    );
    assert!(!stdout(&direct).lines().any(|l| at_60_s_on_n1(&l)), "the workload alone ends before 60 s");
}

#[test]
fn quiet_prints_no_results_and_stats_report_events_and_memory() {
    let out = run("ops=50 rate=100", &["--quiet", "--stats"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(err.starts_with("stats: ") && err.contains(" events in ") && err.contains("peak memory"), "{err}");
}

#[test]
fn a_long_hashed_run_keeps_no_events() {
    // 50,000 operations are about 300,000 events: kept, they took over 150 MB.
    let out = run("ops=50000 rate=5000 keys=500", &["--quiet", "--hash", "--stats"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let mb: f64 = err
        .split("peak memory ")
        .nth(1)
        .and_then(|m| m.trim().strip_suffix(" MB"))
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in {err}"));
    assert!(mb < 60.0, "peak memory {mb} MB: events are being kept");
}

#[test]
fn bad_workloads_exit_2_and_say_why() {
    let out = run("ops=10 mix=read:1", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid workload: mix=read:1: `read` is not get, insert, update or delete"));
    let both =
        kvsim(&["run", "--config", "examples/config.json", "--script", "examples/levels.kvs", "--workload", "ops=1"]);
    assert_eq!(both.status.code(), Some(2), "a script and a workload at once");
    assert!(stderr(&both).contains("cannot be used with"), "{}", stderr(&both));
}
