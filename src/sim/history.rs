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
use rustc_hash::FxHashMap;
use std::fmt::Write as _;

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

/// One client operation, from its invocation to its completion (if it has completed).
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
    pub error: Option<String>,
}

/// The operations of a run, in order of invocation, and its lines in the order they happened.
#[derive(Clone, Debug)]
pub struct History {
    /// Nodes in the cluster (N).
    nodes: usize,
    /// Per node, whether each of its processes (`node + N x k`, by `k`) has an operation
    /// running.
    busy: Vec<Vec<bool>>,
    operations: Chunks<Operation>,
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
        let process = node + self.nodes * self.take_slot(node);
        self.operations.push(Operation {
            node,
            process,
            request,
            function,
            key: key.clone(),
            level: *level,
            value,
            invoked: at,
            completed: None,
            version: None,
            error: None,
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
        let is_read = op.function == Function::Get;
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
        let op = self.operations.get_mut(index).expect("finished operations are recorded");
        self.busy[op.node][op.process / self.nodes] = false;
        op.completed = Some((at, completion));
        op.version = version;
        op.error = error;
        self.lines.push((index as u32) << 1 | 1);
    }

    /// Every operation, in order of invocation.
    pub fn operations(&self) -> impl Iterator<Item = &Operation> + Clone {
        self.operations.iter()
    }

    /// Operation `index`, in order of invocation.
    pub fn operation(&self, index: usize) -> Option<&Operation> {
        self.operations.get(index)
    }

    /// The lines of the EDN history in the order they happened: the index of each line's
    /// operation, and whether the line is its completion (else its invocation).
    pub fn lines(&self) -> impl Iterator<Item = (usize, bool)> + '_ {
        self.lines.iter().map(|&line| unpack_line(line))
    }

    /// The same lines from the last, each with its number (from 0).
    pub fn lines_back(&self) -> impl Iterator<Item = (usize, (usize, bool))> + '_ {
        (0..self.lines.len()).rev().filter_map(|line| self.lines.get(line).map(|&packed| (line, unpack_line(packed))))
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
            let op = self.operations.get(index).expect("lines name recorded operations");
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
    fn lines_read_back_from_the_last() {
        let mut h = History::new(2);
        h.invoke(0, 0, 0, &command("get k ONE"), false);
        h.invoke(1, 1, 1, &command("get k ONE"), true);
        let mut back: Vec<_> = h.lines_back().collect();
        back.reverse();
        assert_eq!(back, h.lines().enumerate().collect::<Vec<_>>());
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(edn_string(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
