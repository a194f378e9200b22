//! The linearizability checker on histories with known verdicts: real ones from porcupine and
//! Knossos (`tests/histories/`, see its README), and the classic small examples written here for
//! each model: a stale read after an acknowledged write, overlapping writes and reads, an `info`
//! write that may or may not have happened, compare-and-set, and the store's update and delete.

use kvplayground::check::models::ModelKind::{self, CasRegister, Kv, Store};
use kvplayground::check::report::{check, Limits, Report, Verdict};

fn report(text: &str, model: ModelKind) -> Report {
    check(text, model, &Limits::default()).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn verdict(text: &str, model: ModelKind) -> Verdict {
    report(text, model).verdict
}

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/histories/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

use Verdict::{Linearizable as LIN, NotLinearizable as NOT};

#[test]
fn histories_from_porcupine_and_knossos_get_their_known_verdicts() {
    let cases = [
        ("porcupine-kv-c01-ok.edn", Kv, LIN),
        ("porcupine-kv-c01-bad.edn", Kv, NOT),
        ("porcupine-etcd-002.edn", CasRegister, LIN),
        ("porcupine-etcd-000.edn", CasRegister, NOT),
        ("knossos-cas-register-bug.edn", CasRegister, LIN),
        ("knossos-mongodb-v0-ack-rollback-10.edn", CasRegister, LIN),
        ("knossos-rethink-fail-minimal.edn", CasRegister, NOT),
        ("knossos-bad-analysis.edn", CasRegister, NOT),
        ("knossos-immediate-failure.edn", CasRegister, NOT),
    ];
    for (name, model, expected) in cases {
        let found = report(&fixture(name), model);
        assert_eq!(found.verdict, expected, "{name}");
        for key in found.keys.iter().filter(|k| k.verdict == NOT) {
            let example = key.counterexample.as_ref().expect("a violation has a counterexample");
            assert!(example.complete && !example.operations.is_empty(), "{name}: {example:?}");
        }
    }
}

#[test]
fn a_failed_cas_is_a_compare_that_did_not_match_unless_it_has_an_error() {
    // Knossos calls this history good: it reads every :fail as "did not happen".
    let text = fixture("knossos-memstress3-54.edn");
    let found = report(&text, CasRegister);
    assert_eq!(found.verdict, NOT);
    let example = &found.keys[0].counterexample.as_ref().unwrap().operations;
    let lines: Vec<usize> = example.iter().map(|op| op.invoke.line).collect();
    assert_eq!(lines, [97, 119], "the failed cas [3 3] and a cas [3 4] that succeeded after it: {example:?}");
    // With an :error on each failed cas, they did not happen, and Knossos's verdict holds.
    let with_errors: String = text
        .lines()
        .map(|line| match line.contains(":type :fail, :f :cas") {
            true => line.replacen('}', ", :error :unknown}", 1) + "\n",
            false => format!("{line}\n"),
        })
        .collect();
    assert_eq!(verdict(&with_errors, CasRegister), LIN);
}

#[test]
fn the_knossos_rethink_counterexample_is_the_read_of_a_value_never_written() {
    let found = report(&fixture("knossos-rethink-fail-minimal.edn"), CasRegister);
    let key = &found.keys[0];
    let example = &key.counterexample.as_ref().unwrap().operations;
    assert_eq!(example.len(), 1, "{example:?}");
    assert_eq!(example[0].completion.as_ref().unwrap().edn, "{:type :ok, :f :read, :value 3, :process 1}");
    assert_eq!((example[0].invoke.line, example[0].completion.as_ref().unwrap().line), (4, 7));
    let prefix = key.longest_prefix.as_ref().unwrap();
    assert_eq!(prefix.blocked.invoke.line, 4, "the read of 3 is what no order can place");
}

// ---------------------------------------------------------------------------------------------
// Classic examples, per model

#[test]
fn a_stale_read_after_an_acknowledged_write_is_not_linearizable() {
    let text = r#"
{:process 0, :type :invoke, :f :put, :key "x", :value "a"}
{:process 0, :type :ok, :f :put, :key "x", :value "a"}
{:process 1, :type :invoke, :f :put, :key "x", :value "b"}
{:process 1, :type :ok, :f :put, :key "x", :value "b"}
{:process 2, :type :invoke, :f :get, :key "x", :value nil}
{:process 2, :type :ok, :f :get, :key "x", :value "a"}
"#;
    let found = report(text, Kv);
    assert_eq!(found.verdict, NOT);
    let key = &found.keys[0];
    let lines: Vec<usize> = key.counterexample.as_ref().unwrap().operations.iter().map(|op| op.invoke.line).collect();
    assert_eq!(lines, [4, 6], "the write of b and the read of a after it");
    let prefix = key.longest_prefix.as_ref().unwrap();
    assert_eq!(prefix.operations.len(), 2);
    assert_eq!(prefix.blocked.invoke.line, 6);
    // The same in the store model, and with the read overlapping the write of b: fine.
    assert_eq!(verdict(&text.replace(":put", ":insert"), Store), NOT);
    let overlapping = text.replace(
        "{:process 1, :type :ok, :f :put, :key \"x\", :value \"b\"}\n{:process 2, :type :invoke, :f :get, :key \"x\", :value nil}",
        "{:process 2, :type :invoke, :f :get, :key \"x\", :value nil}\n{:process 1, :type :ok, :f :put, :key \"x\", :value \"b\"}",
    );
    assert_ne!(overlapping, text);
    assert_eq!(verdict(&overlapping, Kv), LIN);
}

#[test]
fn concurrent_overlapping_writes_and_reads_are_linearizable_in_some_order() {
    // Two writes overlap each other and two reads that see 2 and 1: write 2, read 2, write 1,
    // read 1 is an order real time allows.
    let text = r#"
{:process 0, :type :invoke, :f :write, :value 1}
{:process 1, :type :invoke, :f :write, :value 2}
{:process 2, :type :invoke, :f :read, :value nil}
{:process 3, :type :invoke, :f :read, :value nil}
{:process 2, :type :ok, :f :read, :value 2}
{:process 3, :type :ok, :f :read, :value 1}
{:process 0, :type :ok, :f :write, :value 1}
{:process 1, :type :ok, :f :write, :value 2}
"#;
    assert_eq!(verdict(text, CasRegister), LIN);
    // A read after both writes completed sees the last of them, whichever it was; then a read
    // of the other one is stale.
    let later = format!(
        "{text}{{:process 2, :type :invoke, :f :read, :value nil}}\n{{:process 2, :type :ok, :f :read, :value 1}}\n"
    );
    assert_eq!(verdict(&later, CasRegister), LIN);
    let stale = format!(
        "{later}{{:process 3, :type :invoke, :f :read, :value nil}}\n{{:process 3, :type :ok, :f :read, :value 2}}\n"
    );
    assert_eq!(verdict(&stale, CasRegister), NOT);
}

#[test]
fn an_info_write_may_have_happened_at_any_time_after_it_was_invoked_or_never() {
    let write = "{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0, :type :info, :f :write, :value 1}\n";
    let read = |p: u32, v: &str| {
        format!("{{:process {p}, :type :invoke, :f :read, :value nil}}\n{{:process {p}, :type :ok, :f :read, :value {v}}}\n")
    };
    // Never, or long after its :info came back.
    assert_eq!(verdict(&format!("{write}{}", read(1, "nil")), CasRegister), LIN);
    assert_eq!(verdict(&format!("{write}{}{}", read(1, "nil"), read(2, "1")), CasRegister), LIN);
    // But once seen it stays.
    assert_eq!(verdict(&format!("{write}{}{}", read(1, "1"), read(2, "nil")), CasRegister), NOT);
    // Not before it was invoked.
    assert_eq!(verdict(&format!("{}{write}", read(1, "1")), CasRegister), NOT);
    // An invoke with no completion is info too; a :fail write never happened.
    let pending = "{:process 0, :type :invoke, :f :write, :value 1}\n";
    assert_eq!(verdict(&format!("{pending}{}{}", read(1, "nil"), read(2, "1")), CasRegister), LIN);
    let failed = write.replace(":info", ":fail");
    assert_eq!(verdict(&format!("{failed}{}", read(1, "1")), CasRegister), NOT);
}

#[test]
fn cas_takes_effect_only_when_the_register_holds_from() {
    let ops = |lines: &[&str]| lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    let write1 = ["{:process 0, :type :invoke, :f :write, :value 1}", "{:process 0, :type :ok, :f :write, :value 1}"];
    let cas = |outcome: &str, extra: &str| {
        [
            "{:process 1, :type :invoke, :f :cas, :value [1 2]}".to_string(),
            format!("{{:process 1, :type :{outcome}, :f :cas, :value [1 2]{extra}}}"),
        ]
    };
    let read2 = ["{:process 2, :type :invoke, :f :read, :value nil}", "{:process 2, :type :ok, :f :read, :value 2}"];
    let history = |cas: [String; 2], read: bool| {
        let mut lines: Vec<&str> = write1.to_vec();
        lines.extend(cas.iter().map(String::as_str));
        if read {
            lines.extend(read2);
        }
        ops(&lines)
    };
    assert_eq!(verdict(&history(cas("ok", ""), true), CasRegister), LIN);
    // A cas from 1 cannot succeed on a register that never held 1.
    assert_eq!(verdict(&history(cas("ok", ""), true).replace(":value 1}", ":value 5}"), CasRegister), NOT);
    // A failed cas: the register was not 1, yet it held 1 all along.
    assert_eq!(verdict(&history(cas("fail", ""), false), CasRegister), NOT);
    // ... unless the failure has an :error: then the cas did not happen at all.
    assert_eq!(verdict(&history(cas("fail", ", :error :timeout"), false), CasRegister), LIN);
    // An info cas may have taken effect.
    assert_eq!(verdict(&history(cas("info", ""), true), CasRegister), LIN);
}

#[test]
fn the_store_updates_only_live_keys_and_deletes_stay_deleted() {
    let op = |p: u32, kind: &str, f: &str, value: &str| {
        format!("{{:process {p}, :type :{kind}, :f :{f}, :key \"5\", :value {value}}}\n")
    };
    let both =
        |p: u32, f: &str, value: &str, result: &str| format!("{}{}", op(p, "invoke", f, value), op(p, "ok", f, result));
    let insert = both(0, "insert", "\"hello\"", "\"hello\"");
    let update = both(1, "update", "\"world\"", "\"world\"");
    let get = |value: &str| both(2, "get", "nil", value);
    assert_eq!(verdict(&format!("{insert}{update}{}", get("\"world\"")), Store), LIN);
    // An acknowledged update proves the key was live.
    assert_eq!(verdict(&format!("{update}{}", get("\"world\"")), Store), NOT);
    // An update that came back :info on a missing key changed nothing.
    let info_update = format!("{}{}", op(1, "invoke", "update", "\"world\""), op(1, "info", "update", "\"world\""));
    assert_eq!(verdict(&format!("{info_update}{}", get("nil")), Store), LIN);
    // A deleted key reads as not found, and never comes back.
    let delete = both(3, "delete", "nil", "nil");
    assert_eq!(verdict(&format!("{insert}{delete}{}", get("nil")), Store), LIN);
    assert_eq!(verdict(&format!("{insert}{delete}{}", get("\"hello\"")), Store), NOT);
    // The issue's example line reads as it is.
    let line = "{:process 2, :type :invoke, :f :update, :key \"5\", :value \"world\", :time 4209999}\n";
    assert_eq!(verdict(&format!("{insert}{line}"), Store), LIN);
}

#[test]
fn kv_reads_absent_keys_as_empty_and_takes_keys_either_way() {
    let get = |v: &str| {
        format!("{{:process 0, :type :invoke, :f :get, :key \"k\", :value nil}}\n{{:process 0, :type :ok, :f :get, :key \"k\", :value {v}}}\n")
    };
    assert_eq!(verdict(&get("\"\""), Kv), LIN);
    assert_eq!(verdict(&get("nil"), Kv), LIN);
    assert_eq!(verdict(&get("\"x\""), Kv), NOT);
    // Jepsen's independent tuples: the value is [key value].
    let tuples = r#"
{:process 0, :type :invoke, :f :append, :value [7 "a"]}
{:process 0, :type :ok, :f :append, :value [7 "a"]}
{:process 1, :type :invoke, :f :append, :value [7 "b"]}
{:process 1, :type :ok, :f :append, :value [7 "b"]}
{:process 0, :type :invoke, :f :get, :value [7 nil]}
{:process 0, :type :ok, :f :get, :value [7 "ab"]}
{:process 0, :type :invoke, :f :put, :value ["x" "z"]}
{:process 0, :type :ok, :f :put, :value ["x" "z"]}
"#;
    let found = report(tuples, Kv);
    assert_eq!(found.verdict, LIN);
    assert_eq!(found.keys.iter().map(|k| k.key.to_string()).collect::<Vec<_>>(), ["key 7", "key \"x\""]);
    assert_eq!(verdict(&tuples.replace("[7 \"ab\"]", "[7 \"ba\"]"), Kv), NOT);
}

#[test]
fn keys_are_checked_apart_and_reported_in_order() {
    let text = r#"
{:process 0, :type :invoke, :f :put, :key "b", :value "1"}
{:process 0, :type :ok, :f :put, :key "b", :value "1"}
{:process 1, :type :invoke, :f :get, :key "a", :value nil}
{:process 1, :type :ok, :f :get, :key "a", :value "1"}
{:process 1, :type :invoke, :f :get, :key 3, :value nil}
{:process 1, :type :ok, :f :get, :key 3, :value ""}
"#;
    let found = report(text, Kv);
    let keys: Vec<(String, Verdict)> = found.keys.iter().map(|k| (k.key.to_string(), k.verdict)).collect();
    assert_eq!(
        keys,
        [("key 3".into(), LIN), ("key \"a\"".into(), NOT), ("key \"b\"".into(), LIN)],
        "the write of 1 to b does not explain the read of 1 from a"
    );
    assert_eq!(found.operations, 3);
    let json = serde_json::to_value(&found).unwrap();
    assert_eq!(json["verdict"], "not-linearizable");
    assert_eq!(json["keys"][0]["key"], 3);
    assert_eq!(json["keys"][1]["key"], "\"a\"");
    let again = serde_json::to_string(&report(text, Kv)).unwrap();
    assert_eq!(again, serde_json::to_string(&found).unwrap(), "the same report every run");
}

#[test]
fn nemesis_ops_are_skipped_and_knossos_vectors_read() {
    let text = r#"; a Knossos-style history: one vector, comments, no commas
[{:process :nemesis :type :info :f :start :value nil}
 {:process 0 :type :invoke :f :write :value 1}
 {:process :nemesis :type :info :f :stop :value nil}
 {:process 0 :type :ok :f :write :value 1}
 {:process 1 :type :invoke :f :read :value nil}
 {:process 1 :type :ok :f :read :value 1}]
"#;
    let found = report(text, CasRegister);
    assert_eq!((found.verdict, found.operations), (LIN, 2));
    let stale = report(&text.replace(":ok :f :read :value 1", ":ok :f :read :value 0"), CasRegister);
    let op = &stale.keys[0].counterexample.as_ref().unwrap().operations[0];
    assert_eq!((op.invoke.line, op.completion.as_ref().unwrap().line), (6, 7), "lines of the vector's items");
}

#[test]
fn a_search_out_of_steps_is_unknown() {
    let text = fixture("porcupine-etcd-002.edn");
    let found = check(&text, CasRegister, &Limits { search_steps: Some(10), shrink_steps: 0 }).unwrap();
    assert_eq!(found.verdict, Verdict::Unknown);
}
