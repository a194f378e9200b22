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
/// as its number, the error as a number in the history's table of errors, small enums in bits.
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
    /// The errors of failed operations, each text once (a long run's failures repeat a few texts:
    /// a key's timeout at a level, a node down).
    errors: Names,
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
            errors: Names::default(),
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
        // A record keeps `process`, and `process mod N` gives its node back: only for a node < N.
        assert!(node < self.nodes, "node {node} of a history of {} nodes", self.nodes);
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
        let error_number = error.map(|error| i64::from(self.errors.number(&Rc::from(error))));
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
            error: (failed && !has_version).then(|| self.errors.get(op.detail as u32)),
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

    /// Whether an insert or update of key number `key` wrote `value` (read from the records: the
    /// live checks ask it for a value they have not seen written, without building operations).
    pub fn wrote(&self, key: u32, value: &Value) -> bool {
        let writes = [number(&FUNCTIONS, Function::Insert), number(&FUNCTIONS, Function::Update)];
        self.operations
            .iter()
            .any(|op| op.key == key && writes.contains(&(op.flags & 3)) && op.value.as_ref() == Some(value))
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
mod tests;
