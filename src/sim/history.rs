//! The history of client operations, as Jepsen records one: each `get`, `insert`, `update` and
//! `delete` typed on a node (its *process*) is invoked at one moment and completes at a later one
//! with `ok`, `fail` (it certainly had no effect) or `info` (it may or may not have taken
//! effect). Checkers read it (`kvsim run --history` writes it as EDN, one map per line).
//!
//! What counts as `fail`: a get that did not reach its level (reads change nothing), and any
//! operation typed on a node that was down. A write that did not reach its level, timed out, or
//! was abandoned by a crash is `info`: some replicas may hold it. An update that failed with "key
//! not found" is `info` too, since replicas that held the key applied it (docs/semantics.md).
//! `show-all` and `search`, which name no single register, and lines that do not parse, are not
//! operations.

use crate::model::command::{Command, Level};
use crate::model::message::RequestId;
use crate::model::outcome::Outcome;
use crate::model::types::{Key, NodeId, Time, Value, Version};
use crate::sim::chunks::Chunks;
use crate::sim::names::Names;
use rustc_hash::FxHashMap;
use std::fmt::Write as _;
use std::rc::Rc;

/// What an operation does (Jepsen's `:f`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    Get,
    Insert,
    Update,
    Delete,
}

impl Function {
    pub fn name(self) -> &'static str {
        match self {
            Function::Get => "get",
            Function::Insert => "insert",
            Function::Update => "update",
            Function::Delete => "delete",
        }
    }
}

/// How an operation completed (Jepsen's `:type` of its completion).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completion {
    Ok,
    Fail,
    Info,
}

impl Completion {
    pub fn name(self) -> &'static str {
        match self {
            Completion::Ok => "ok",
            Completion::Fail => "fail",
            Completion::Info => "info",
        }
    }
}

/// One client operation, from its invocation to its completion (if it has completed), as read
/// back from the history (which keeps it packed: see [`Record`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Operation {
    /// The node the command was typed on.
    pub node: NodeId,
    /// Its Jepsen process, which runs one operation at a time: the node's number while no other
    /// operation typed on that node is running, else `node + N x k` for the lowest `k` free, so
    /// `process mod N` is always the node.
    pub process: usize,
    pub request: RequestId,
    pub function: Function,
    pub key: Key,
    /// The key's number in the run's table of keys (the same key, the same number, in every
    /// copy of the history).
    pub key_id: u32,
    pub level: Level,
    /// The value written (insert, update), or, once an ok get completed, the value it read
    /// (`None`: not found).
    pub value: Option<Value>,
    pub invoked: Time,
    /// When and how it completed; `None` while it is still running.
    pub completed: Option<(Time, Completion)>,
    /// The version an ok operation read or wrote.
    pub version: Option<Version>,
    /// Why it failed, for `fail` and `info`.
    pub error: Option<Rc<str>>,
    /// The line of its invocation in the history's EDN (from 0).
    pub line: usize,
}

/// When an operation was invoked and completed, and at which level (see [`History::timings`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    pub level: Level,
    pub invoked: Time,
    /// When and how it completed; `None` while it is still running.
    pub completed: Option<(Time, Completion)>,
}

/// An operation as the history keeps it: 56 bytes in wasm (an [`Operation`] took 104), the key
/// as its number, the error as a number in the history's list of errors, small enums in bits.
#[derive(Clone, Debug)]
struct Record {
    invoked: Time,
    /// When it completed (0 while it runs).
    completed: Time,
    request: RequestId,
    /// An ok operation's version's timestamp, or a failed one's error's number.
    detail: i64,
    value: Option<Value>,
    key: u32,
    /// The line of its invocation.
    line: u32,
    process: u32,
    version_node: u16,
    /// The function in bits 0-1, the level in 2-3, the completion in 4-5 (0 while it runs),
    /// whether it has a version in bit 6.
    flags: u8,
}

const FUNCTIONS: [Function; 4] = [Function::Get, Function::Insert, Function::Update, Function::Delete];
const LEVELS: [Level; 3] = [Level::One, Level::Quorum, Level::All];
const COMPLETIONS: [Completion; 3] = [Completion::Ok, Completion::Fail, Completion::Info];
const HAS_VERSION: u8 = 1 << 6;

/// The index of `item` in `table` (every enum's variants are listed).
fn number<T: PartialEq>(table: &[T], item: T) -> u8 {
    table.iter().position(|t| *t == item).expect("every variant is listed") as u8
}

impl Record {
    fn completion(&self) -> Option<Completion> {
        (self.flags >> 4 & 3).checked_sub(1).map(|c| COMPLETIONS[c as usize])
    }
}

/// The operations of a run, in order of invocation, and its lines in the order they happened.
#[derive(Clone, Debug)]
pub struct History {
    /// Nodes in the cluster (N).
    nodes: usize,
    /// Per node, whether each of its processes (`node + N x k`, by `k`) has an operation
    /// running.
    busy: Vec<Vec<bool>>,
    operations: Chunks<Record>,
    /// The keys' numbers (shared with every copy).
    keys: Names,
    /// The errors of failed operations, in the order they failed.
    errors: Chunks<Rc<str>>,
    /// Index of each operation still running, by request.
    running: FxHashMap<RequestId, usize>,
    /// The lines in the order they happened: each operation's index, shifted left one bit,
    /// with a 1 for its completion (4 bytes a line, not 8).
    lines: Chunks<u32>,
}

impl History {
    /// An empty history of a cluster of `nodes` nodes.
    pub fn new(nodes: usize) -> History {
        History {
            nodes: nodes.max(1),
            busy: vec![Vec::new(); nodes.max(1)],
            operations: Chunks::default(),
            keys: Names::default(),
            errors: Chunks::default(),
            running: FxHashMap::default(),
            lines: Chunks::default(),
        }
    }

    /// Records a command typed on `node` at `at` and returns its operation's index; those that
    /// are not operations are ignored. A command typed on a node that is down completes at once
    /// with `fail`.
    pub fn invoke(
        &mut self,
        at: Time,
        node: NodeId,
        request: RequestId,
        command: &Command,
        node_down: bool,
    ) -> Option<usize> {
        let (function, key, value, level) = match command {
            Command::Get { key, level } => (Function::Get, key, None, level),
            Command::Insert { key, value, level } => (Function::Insert, key, Some(value.clone()), level),
            Command::Update { key, value, level } => (Function::Update, key, Some(value.clone()), level),
            Command::Delete { key, level } => (Function::Delete, key, None, level),
            Command::ShowAll | Command::Search { .. } => return None,
        };
        let index = self.operations.len();
        // Histories of more than 2^31 operations or 2^32 processes do not fit in memory.
        let process = (node + self.nodes * self.take_slot(node)) as u32;
        self.operations.push(Record {
            invoked: at,
            completed: 0,
            request,
            detail: 0,
            value,
            key: self.keys.number(key),
            line: self.lines.len() as u32,
            process,
            version_node: 0,
            flags: number(&FUNCTIONS, function) | number(&LEVELS, *level) << 2,
        });
        self.lines.push((index as u32) << 1);
        if node_down {
            self.finish(index, at, Completion::Fail, None, Some(format!("node {node} is down")));
        } else {
            self.running.insert(request, index);
        }
        Some(index)
    }

    /// Completes request `request`'s operation with the first result its client got that answers
    /// it, and returns its index; repair reports, later results and requests that are not
    /// operations are ignored.
    pub fn complete(&mut self, at: Time, request: RequestId, outcome: &Outcome) -> Option<usize> {
        // A blocking read repair is reported before the value it waits for.
        if matches!(outcome, Outcome::Repaired { .. }) {
            return None;
        }
        let index = self.running.remove(&request)?;
        let op = self.operations.get_mut(index).expect("running operations are recorded");
        let is_read = op.flags & 3 == number(&FUNCTIONS, Function::Get);
        match outcome {
            Outcome::Value { entry, .. } => {
                op.value = entry.as_ref().and_then(|e| e.value.clone());
                self.finish(index, at, Completion::Ok, entry.as_ref().map(|e| e.version), None);
            }
            Outcome::Written { entry, .. } => self.finish(index, at, Completion::Ok, Some(entry.version), None),
            Outcome::Failed { error } => {
                let completion = if is_read { Completion::Fail } else { Completion::Info };
                self.finish(index, at, completion, None, Some(error.clone()));
            }
            // Repairs are passed over above; search and show-all are not operations.
            Outcome::Repaired { .. } | Outcome::Searched { .. } | Outcome::Listed { .. } => {}
        }
        Some(index)
    }

    /// The lowest `k` free among `node`'s processes, now taken.
    fn take_slot(&mut self, node: NodeId) -> usize {
        if node >= self.busy.len() {
            self.busy.resize(node + 1, Vec::new());
        }
        let slots = &mut self.busy[node];
        let k = slots.iter().position(|busy| !busy).unwrap_or(slots.len());
        if k == slots.len() {
            slots.push(true);
        } else {
            slots[k] = true;
        }
        k
    }

    fn finish(
        &mut self,
        index: usize,
        at: Time,
        completion: Completion,
        version: Option<Version>,
        error: Option<String>,
    ) {
        let error_number = error.map(|error| {
            self.errors.push(Rc::from(error));
            self.errors.len() as i64 - 1
        });
        let op = self.operations.get_mut(index).expect("finished operations are recorded");
        let process = op.process as usize;
        self.busy[process % self.nodes][process / self.nodes] = false;
        op.completed = at;
        op.flags |= (number(&COMPLETIONS, completion) + 1) << 4;
        if let Some(version) = version {
            op.detail = version.timestamp;
            // Configs have at most 256 nodes.
            op.version_node = version.node as u16;
            op.flags |= HAS_VERSION;
        } else if let Some(error) = error_number {
            op.detail = error;
        }
        self.lines.push((index as u32) << 1 | 1);
    }

    /// The operation a record keeps.
    fn unpack(&self, op: &Record) -> Operation {
        let completion = op.completion();
        let has_version = op.flags & HAS_VERSION != 0;
        let failed = matches!(completion, Some(Completion::Fail | Completion::Info));
        Operation {
            node: op.process as usize % self.nodes,
            process: op.process as usize,
            request: op.request,
            function: FUNCTIONS[usize::from(op.flags & 3)],
            key: self.keys.get(op.key),
            key_id: op.key,
            level: LEVELS[usize::from(op.flags >> 2 & 3)],
            value: op.value.clone(),
            invoked: op.invoked,
            completed: completion.map(|c| (op.completed, c)),
            version: has_version.then_some(Version { timestamp: op.detail, node: op.version_node.into() }),
            error: (failed && !has_version).then(|| self.errors.get(op.detail as usize)).flatten().cloned(),
            line: op.line as usize,
        }
    }

    /// Every operation, in order of invocation.
    pub fn operations(&self) -> impl Iterator<Item = Operation> + Clone + '_ {
        self.operations_from(0)
    }

    /// The operations from index `start` on, in order of invocation.
    pub fn operations_from(&self, start: usize) -> impl Iterator<Item = Operation> + Clone + '_ {
        self.operations.iter_from(start).map(|op| self.unpack(op))
    }

    /// Every operation's level, invocation and completion, in order of invocation: what the
    /// run's figures read (summary.rs, every few hundred ms while the page runs), without
    /// building whole operations.
    pub fn timings(&self) -> impl Iterator<Item = Timing> + Clone + '_ {
        self.operations.iter().map(|op| Timing {
            level: LEVELS[usize::from(op.flags >> 2 & 3)],
            invoked: op.invoked,
            completed: op.completion().map(|c| (op.completed, c)),
        })
    }

    /// Operation `index`, in order of invocation.
    pub fn operation(&self, index: usize) -> Option<Operation> {
        self.operations.get(index).map(|op| self.unpack(op))
    }

    /// The version operation `index` read or wrote, if it completed ok (read without building
    /// the whole operation: the checks ask for it often).
    pub fn version(&self, index: usize) -> Option<Version> {
        let op = self.operations.get(index)?;
        (op.flags & HAS_VERSION != 0).then_some(Version { timestamp: op.detail, node: op.version_node.into() })
    }

    /// The lines of the EDN history in the order they happened: the index of each line's
    /// operation, and whether the line is its completion (else its invocation).
    pub fn lines(&self) -> impl Iterator<Item = (usize, bool)> + '_ {
        self.lines.iter().map(|&line| unpack_line(line))
    }

    pub fn len(&self) -> usize {
        self.operations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }

    /// The history as Jepsen EDN, one map per line in the order things happened: an `:invoke`
    /// line per operation and, once it completed, its `:ok`, `:fail` or `:info` line. Times are
    /// virtual microseconds; `:level`, `:version` and `:error` are ours (readers ignore keys they
    /// do not know). Operations still running have no completion line: checkers read them as
    /// `info`.
    pub fn to_edn(&self) -> String {
        let mut out = String::new();
        for (index, is_completion) in self.lines() {
            let op = self.operation(index).expect("lines name recorded operations");
            let (kind, time) = match (is_completion, op.completed) {
                (true, Some((at, completion))) => (completion.name(), at),
                _ => ("invoke", op.invoked),
            };
            // A get asks with no value; its completion carries what it read.
            let value = if op.function == Function::Get && !is_completion { None } else { op.value.as_deref() };
            let _ = write!(
                out,
                "{{:process {}, :type :{kind}, :f :{}, :key {}, :value {}, :time {time}, :level :{}",
                op.process,
                op.function.name(),
                edn_string(&op.key),
                value.map_or_else(|| "nil".to_string(), edn_string),
                op.level.to_string().to_ascii_lowercase(),
            );
            if is_completion {
                if let Some(version) = op.version {
                    let _ = write!(out, ", :version {}", edn_string(&version.to_string()));
                }
                if let Some(error) = &op.error {
                    let _ = write!(out, ", :error {}", edn_string(error));
                }
            }
            out.push_str("}\n");
        }
        out
    }
}

/// A line's operation index and whether it is the completion, from its packed form.
fn unpack_line(line: u32) -> (usize, bool) {
    ((line >> 1) as usize, line & 1 == 1)
}

/// `text` as an EDN string literal.
fn edn_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
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
        assert_eq!(
            lines[0],
            r#"{:process 2, :type :invoke, :f :insert, :key "k", :value "v", :time 10, :level :quorum}"#
        );
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
        let entry =
            (proptest::option::of("[a-z]{0,4}"), any::<i64>(), 0..256usize).prop_map(|(value, timestamp, node)| {
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
            (key(), entry).prop_map(|(k, entry)| Outcome::Repaired {
                key: Rc::from(k.as_str()),
                entry,
                repaired: vec![2]
            }),
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
            for (at, step) in steps.into_iter().enumerate() {
                let at = at as Time;
                match step {
                    Given::Invoke { node, command: text, down } => {
                        let command = command(&text);
                        let index = h.invoke(at, node, requests, &command, down);
                        if let Some(index) = index {
                            let (key, value) = match &command {
                                Command::Get { key, .. } | Command::Delete { key, .. } => (key.clone(), None),
                                Command::Insert { key, value, .. } | Command::Update { key, value, .. } => {
                                    (key.clone(), Some(value.clone()))
                                }
                                _ => unreachable!("only operations get an index"),
                            };
                            let op = h.operation(index).unwrap();
                            proptest::prop_assert_eq!((&op.key, &op.value, op.invoked, op.request), (&key, &value, at, requests));
                            proptest::prop_assert_eq!(op.process % 5, node);
                            expected.push(op);
                        }
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
}
