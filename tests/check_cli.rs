//! `kvsim check` as a user runs it: exit 0 for a linearizable history, 1 for one that is not
//! (with the counterexample's lines), 2 for bad input (a message with the line number), and
//! `--json`.

mod support;

use support::cli::{kvsim, stderr, stdout, temp_file};

#[test]
fn a_linearizable_history_exits_0() {
    let out = kvsim(&["check", "--history", "tests/histories/porcupine-kv-c01-ok.edn", "--model", "kv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("key \"0\": linearizable ("), "{text}");
    assert_eq!(text.lines().last(), Some("history: linearizable (58 operations on 10 keys, model kv)"));
}

#[test]
fn a_history_that_is_not_exits_1_with_its_counterexample_and_prefix() {
    let out =
        kvsim(&["check", "--history", "tests/histories/knossos-rethink-fail-minimal.edn", "--model", "cas-register"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    for words in [
        "the register: NOT linearizable (4 operations)",
        "counterexample: 1 operation that cannot be linearized",
        "    line 4: {:type :invoke, :f :read, :value nil, :process 1}",
        "    line 7: {:type :ok, :f :read, :value 3, :process 1}",
        "longest linearizable prefix: 2 of 4 operations, in this order",
        "    line 5 to line 8: {:type :invoke, :f :write, :value 4, :process 2}",
        "then no order can place:",
        "history: NOT linearizable (4 operations on 1 key, model cas-register; 1 not linearizable)",
    ] {
        assert!(text.contains(words), "{words:?} missing:\n{text}");
    }
}

#[test]
fn json_is_one_object_with_the_same_verdicts() {
    let out = kvsim(&["check", "--json", "--history", "tests/histories/porcupine-kv-c01-bad.edn", "--model", "kv"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["model"], "kv");
    assert_eq!(report["verdict"], "not-linearizable");
    assert_eq!(report["operations"], 38);
    let bad: Vec<&serde_json::Value> =
        report["keys"].as_array().unwrap().iter().filter(|k| k["verdict"] != "linearizable").collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0]["key"], "\"7\"");
    let example = &bad[0]["counterexample"];
    assert_eq!(example["complete"], true);
    let first = &example["operations"][0];
    assert_eq!(first["invoke"]["line"], 59);
    assert_eq!(first["completion"]["edn"], r#"{:process 0, :type :ok, :f :get, :key "7", :value "x 0 0 y"}"#);
    assert_eq!(first["outcome"], "ok");
    assert!(bad[0]["longest_prefix"]["blocked"]["invoke"]["line"].is_number());

    let ok =
        kvsim(&["check", "--json", "--history", "tests/histories/porcupine-etcd-002.edn", "--model", "cas-register"]);
    assert_eq!(ok.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_str(&stdout(&ok)).unwrap();
    assert_eq!(report["verdict"], "linearizable");
    assert_eq!(report["keys"][0]["key"], serde_json::Value::Null, "the one register has no key");
    assert!(report["keys"][0].get("counterexample").is_none());
}

#[test]
fn bad_input_exits_2_naming_the_line() {
    let bad = temp_file(
        "bad.edn",
        "{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok :f :read, :value \"x}\n",
    );
    let out = kvsim(&["check", "--history", bad.to_str().unwrap(), "--model", "cas-register"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.starts_with("kvsim: ") && err.contains("bad.edn: line 2: this string is never closed"), "{err}");
    assert!(stdout(&out).is_empty());

    let unpaired = temp_file("unpaired.edn", "\n\n{:process 4, :type :ok, :f :read, :value 1}\n");
    let out = kvsim(&["check", "--history", unpaired.to_str().unwrap(), "--model", "cas-register", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("line 3: this :ok completes no op"), "{}", stderr(&out));

    let wrong_model = kvsim(&["check", "--history", "tests/histories/porcupine-kv-c01-ok.edn", "--model", "store"]);
    assert_eq!(wrong_model.status.code(), Some(2));
    assert!(stderr(&wrong_model).contains("line 1: `:f :append` is not an operation of the store model"));

    let missing = kvsim(&["check", "--history", "no/such.edn", "--model", "kv"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("kvsim: cannot read history no/such.edn"));

    let no_model = kvsim(&["check", "--history", "tests/histories/porcupine-kv-c01-ok.edn", "--model", "queue"]);
    assert_eq!(no_model.status.code(), Some(2));
    assert!(stderr(&no_model).contains("[possible values: kv, cas-register, store]"), "{}", stderr(&no_model));
    assert!(!stderr(&no_model).contains("panicked"));
}

#[test]
fn kvsims_own_histories_read_back_even_with_commands_overlapping_on_a_node() {
    // n0 types three commands at once; its slow link to n2 keeps them all in flight together.
    let script = temp_file("overlap.kvs", "0 0 insert 5 a QUORUM\n0 0 insert 5 b QUORUM\n1 0 get 5 QUORUM\n");
    let history = std::env::temp_dir().join(format!("kvsim-overlap-{}.edn", std::process::id()));
    let history = history.to_str().unwrap();
    let run =
        kvsim(&["run", "--config", "examples/config.json", "--script", script.to_str().unwrap(), "--history", history]);
    assert!(run.status.success(), "{}", stderr(&run));
    let text = std::fs::read_to_string(history).unwrap();
    let processes: Vec<&str> = text.lines().filter(|l| l.contains(":type :invoke")).map(|l| &l[10..12]).collect();
    assert_eq!(processes, ["0,", "4,", "8,"], "one process per operation running at once:\n{text}");
    let out = kvsim(&["check", "--history", history, "--model", "store"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
}

/// Runs `kvsim run` on an example with `--history` and checks that history; returns both outputs.
fn run_and_check(config: &str, script: &str) -> (std::process::Output, std::process::Output) {
    let history = std::env::temp_dir().join(format!("kvsim-{}-{}.edn", script.replace('/', "-"), std::process::id()));
    let history = history.to_str().unwrap();
    let run = kvsim(&["run", "--config", config, "--script", script, "--check", "--history", history]);
    let check = kvsim(&["check", "--history", history, "--model", "store"]);
    (run, check)
}

#[test]
fn the_readmes_examples_show_a_lost_write_and_a_quorum_counterexample_that_blocking_repair_removes() {
    let (run, _) = run_and_check("examples/config.json", "examples/lost-write.kvs");
    assert_eq!(run.status.code(), Some(3), "{}", stderr(&run));
    assert!(stdout(&run).contains("ANOMALY lost acknowledged write: update 5=moon"), "{}", stdout(&run));

    let (run, check) = run_and_check("examples/config.json", "examples/new-then-old.kvs");
    assert_eq!(run.status.code(), Some(0), "no live check sees it:\n{}", stdout(&run));
    assert_eq!(check.status.code(), Some(1), "{}", stdout(&check));
    let text = stdout(&check);
    assert!(text.contains("counterexample: 2 operations that cannot be linearized"), "{text}");
    assert!(text.contains(r#":value "world""#) && text.contains(r#":value "hello""#), "{text}");

    let (run, check) = run_and_check("examples/blocking.json", "examples/new-then-old.kvs");
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
}
