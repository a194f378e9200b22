//! The history's tests: EDN lines, timings, and the packed records read back (a property test).

use super::*;
use crate::model::types::Entry;
use std::rc::Rc;

fn command(line: &str) -> Command {
    Command::parse(line).unwrap()
}

fn written(timestamp: i64) -> Outcome {
    let entry = Entry { value: Some(Rc::from("v")), version: Version { timestamp, node: 0 } };
    Outcome::Written { key: Rc::from("k"), op: crate::model::outcome::WriteOp::Insert, entry, acked_by: vec![0] }
}

#[test]
fn operations_complete_with_jepsen_types_and_print_as_edn() {
    let mut h = History::new(4);
    h.invoke(10, 2, 0, &command("insert k v QUORUM"), false);
    h.invoke(12, 1, 1, &command("get k ONE"), false);
    h.invoke(13, 3, 2, &command("show-all"), false);
    h.invoke(14, 3, 3, &command("delete k"), true);
    h.complete(20, 0, &written(10));
    h.complete(21, 1, &Outcome::Failed { error: "get k ONE failed: timeout".into() });
    h.complete(22, 1, &written(11)); // a second result: ignored
    let types: Vec<_> = h.operations().map(|op| op.completed.map(|(_, c)| c)).collect();
    assert_eq!(types, [Some(Completion::Ok), Some(Completion::Fail), Some(Completion::Fail)]);
    let edn = h.to_edn();
    let lines: Vec<&str> = edn.lines().collect();
    assert_eq!(lines.len(), 6, "{edn}");
    assert_eq!(lines[0], r#"{:process 2, :type :invoke, :f :insert, :key "k", :value "v", :time 10, :level :quorum}"#);
    assert_eq!(lines[1], r#"{:process 1, :type :invoke, :f :get, :key "k", :value nil, :time 12, :level :one}"#);
    assert!(lines[3].contains(":type :fail") && lines[3].contains(r#":error "node 3 is down""#), "{}", lines[3]);
    assert!(lines[4].contains(":type :ok") && lines[4].contains(r#":version "0.000010@n0""#), "{}", lines[4]);
}

#[test]
fn a_node_running_several_operations_uses_one_process_for_each() {
    let mut h = History::new(4);
    h.invoke(0, 1, 0, &command("get k ONE"), false);
    h.invoke(1, 1, 1, &command("get k ONE"), false);
    h.invoke(2, 1, 2, &command("get k ONE"), false);
    h.complete(3, 1, &Outcome::Failed { error: "timeout".into() });
    h.invoke(4, 1, 3, &command("get k ONE"), false);
    h.invoke(5, 2, 4, &command("get k ONE"), true);
    let processes: Vec<usize> = h.operations().map(|op| op.process).collect();
    assert_eq!(processes, [1, 5, 9, 5, 2]);
    assert!(h.operations().all(|op| op.process % 4 == op.node));
}

#[test]
fn a_failed_write_may_have_taken_effect() {
    let mut h = History::new(4);
    h.invoke(0, 0, 7, &command("update k v ALL"), false);
    h.complete(5, 7, &Outcome::Failed { error: "update k ALL failed".into() });
    assert_eq!(h.operation(0).unwrap().completed, Some((5, Completion::Info)));
}

#[test]
fn an_operation_knows_the_line_of_its_invocation() {
    let mut h = History::new(2);
    h.invoke(0, 0, 0, &command("get k ONE"), false);
    h.invoke(1, 1, 1, &command("get k ONE"), true);
    h.invoke(2, 1, 2, &command("insert k v ONE"), false);
    let invokes: Vec<usize> =
        h.lines().enumerate().filter(|(_, (_, is_completion))| !is_completion).map(|(line, _)| line).collect();
    assert_eq!(h.operations().map(|op| op.line).collect::<Vec<_>>(), invokes);
    assert_eq!(invokes, [0, 1, 3]);
}

/// What a test gives the history: a command invoked, or a result for a request.
#[derive(Clone, Debug)]
enum Given {
    Invoke { node: NodeId, command: String, down: bool },
    Complete { request: RequestId, outcome: Outcome },
}

fn given() -> impl proptest::strategy::Strategy<Value = Given> {
    use crate::model::outcome::WriteOp;
    use crate::model::types::Entry;
    use proptest::prelude::*;
    let key = || prop_oneof![Just("k".to_string()), "[a-z]{1,3}[0-9]{0,3}"];
    let level = || prop_oneof![Just("ONE"), Just("QUORUM"), Just("ALL")];
    let command = prop_oneof![
        (key(), level()).prop_map(|(k, l)| format!("get {k} {l}")),
        (key(), "[a-z0-9]{1,6}", level()).prop_map(|(k, v, l)| format!("insert {k} {v} {l}")),
        (key(), "[a-z0-9]{1,6}", level()).prop_map(|(k, v, l)| format!("update {k} {v} {l}")),
        (key(), level()).prop_map(|(k, l)| format!("delete {k} {l}")),
        key().prop_map(|k| format!("search {k}")),
    ];
    let entry = (proptest::option::of("[a-z]{0,4}"), any::<i64>(), 0..256usize).prop_map(|(value, timestamp, node)| {
        Entry { value: value.map(|v| Rc::from(v.as_str())), version: Version { timestamp, node } }
    });
    let outcome = prop_oneof![
        (key(), proptest::option::of(entry.clone())).prop_map(|(k, entry)| Outcome::Value {
            key: Rc::from(k.as_str()),
            entry,
            heard_from: vec![0]
        }),
        (key(), entry.clone()).prop_map(|(k, entry)| Outcome::Written {
            key: Rc::from(k.as_str()),
            op: WriteOp::Update,
            entry,
            acked_by: vec![1]
        }),
        (key(), entry).prop_map(|(k, entry)| Outcome::Repaired { key: Rc::from(k.as_str()), entry, repaired: vec![2] }),
        ".{0,10}".prop_map(|error| Outcome::Failed { error }),
    ];
    prop_oneof![
        (0..5usize, command, proptest::bool::weighted(0.1)).prop_map(|(node, command, down)| Given::Invoke {
            node,
            command,
            down
        }),
        (0..40u64, outcome).prop_map(|(request, outcome)| Given::Complete { request, outcome }),
    ]
}

proptest::proptest! {
    /// Each operation reads back exactly what it was given: its command, and the first result
    /// that completed it (a plain list of operations, kept as the history was before it was
    /// packed, is the reference).
    #[test]
    fn operations_read_back_what_they_were_given(steps in proptest::collection::vec(given(), 0..200)) {
        let mut h = History::new(5);
        let mut expected: Vec<Operation> = Vec::new();
        let mut requests = 0;
        // The reference's own bookkeeping: lines written, key numbers in order first seen,
        // each node's busy process slots.
        let mut lines = 0;
        let mut key_ids: Vec<Key> = Vec::new();
        let mut busy = vec![Vec::<bool>::new(); 5];
        for (at, step) in steps.into_iter().enumerate() {
            let at = at as Time;
            match step {
                Given::Invoke { node, command: text, down } => {
                    let command = command(&text);
                    let index = h.invoke(at, node, requests, &command, down);
                    let (function, key, value, level) = match &command {
                        Command::Get { key, level } => (Function::Get, key, None, *level),
                        Command::Insert { key, value, level } => (Function::Insert, key, Some(value.clone()), *level),
                        Command::Update { key, value, level } => (Function::Update, key, Some(value.clone()), *level),
                        Command::Delete { key, level } => (Function::Delete, key, None, *level),
                        Command::ShowAll | Command::Search { .. } => {
                            proptest::prop_assert_eq!(index, None);
                            requests += 1;
                            continue;
                        }
                    };
                    proptest::prop_assert_eq!(index, Some(expected.len()));
                    let key_id = key_ids.iter().position(|k| k == key).unwrap_or_else(|| {
                        key_ids.push(key.clone());
                        key_ids.len() - 1
                    });
                    let slots = &mut busy[node];
                    let slot = slots.iter().position(|b| !b).unwrap_or(slots.len());
                    if slot == slots.len() {
                        slots.push(false);
                    }
                    slots[slot] = !down; // a node that is down fails the operation at once
                    let (completed, error) = if down {
                        (Some((at, Completion::Fail)), Some(Rc::from(format!("node {node} is down").as_str())))
                    } else {
                        (None, None)
                    };
                    expected.push(Operation {
                        node,
                        process: node + 5 * slot,
                        request: requests,
                        function,
                        key: key.clone(),
                        key_id: key_id as u32,
                        level,
                        value,
                        invoked: at,
                        completed,
                        version: None,
                        error,
                        line: lines,
                    });
                    lines += if down { 2 } else { 1 };
                    requests += 1;
                }
                Given::Complete { request, outcome } => {
                    let running = expected.iter().position(|op| op.request == request && op.completed.is_none());
                    let index = h.complete(at, request, &outcome);
                    if matches!(outcome, Outcome::Repaired { .. }) {
                        proptest::prop_assert_eq!(index, None);
                        continue;
                    }
                    proptest::prop_assert_eq!(index, running);
                    let Some(op) = running.map(|i| &mut expected[i]) else { continue };
                    busy[op.node][op.process / 5] = false;
                    lines += 1;
                    match &outcome {
                        Outcome::Value { entry, .. } => {
                            op.value = entry.as_ref().and_then(|e| e.value.clone());
                            op.version = entry.as_ref().map(|e| e.version);
                            op.completed = Some((at, Completion::Ok));
                        }
                        Outcome::Written { entry, .. } => {
                            op.version = Some(entry.version);
                            op.completed = Some((at, Completion::Ok));
                        }
                        Outcome::Failed { error } => {
                            let c = if op.function == Function::Get { Completion::Fail } else { Completion::Info };
                            op.completed = Some((at, c));
                            op.error = Some(Rc::from(error.as_str()));
                        }
                        _ => unreachable!("generated outcomes"),
                    }
                }
            }
        }
        let timings: Vec<_> = expected.iter().map(|op| Timing { level: op.level, invoked: op.invoked, completed: op.completed }).collect();
        proptest::prop_assert_eq!(h.timings().collect::<Vec<_>>(), timings);
        // `wrote` finds exactly the values an insert or update of the key wrote (a get's value
        // read is often one nobody wrote).
        for op in &expected {
            let Some(value) = &op.value else { continue };
            let written = expected.iter().any(|w| {
                w.key_id == op.key_id && matches!(w.function, Function::Insert | Function::Update) && w.value.as_ref() == Some(value)
            });
            proptest::prop_assert_eq!(h.wrote(op.key_id, value), written);
        }
        // Every operation, and a copy's, as expected (a copy shares the keys and chunks).
        let copy = h.clone();
        proptest::prop_assert_eq!(h.operations().collect::<Vec<_>>(), expected.clone());
        proptest::prop_assert_eq!(copy.operations().collect::<Vec<_>>(), expected);
    }
}

#[test]
fn a_record_is_small() {
    // 56 bytes in wasm (32-bit pointers), 64 natively.
    assert!(std::mem::size_of::<Record>() <= 64, "{}", std::mem::size_of::<Record>());
}

#[test]
fn strings_are_escaped() {
    assert_eq!(edn_string(r#"a"b\c"#), r#""a\"b\\c""#);
}
