//! A client result as a long run keeps it: the page keeps every result of a run (a million
//! operations: a million results), and a `ClientResult` of a get or a write took about 120 bytes
//! in wasm with its list of replicas on the heap, and its command's text and key 50 more. Gets,
//! writes and repairs on at most four nodes below 255 (every one with replication factor 3) are
//! kept in 56 bytes with nothing of their own on the heap: the key as its number in a table of
//! names, the value shared, and the command's text written anew when it is read if it was typed
//! as the command prints (`get k7 QUORUM`: the workloads' commands are), else shared. The rest as
//! they are.

use crate::model::command::Level;
use crate::model::message::RequestId;
use crate::model::outcome::{ClientResult, Outcome, WriteOp};
use crate::model::types::{Entry, NodeId, Time, Value, Version};
use crate::sim::names::Names;
use std::rc::Rc;

#[derive(Clone, Debug)]
pub enum KeptResult {
    Small(Small),
    Other(Box<ClientResult>),
}

/// What a [`Small`] result's outcome was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A get that found nothing (`entry: None`).
    NotFound,
    /// A get that read an entry.
    Read,
    Written(WriteOp),
    Repaired,
}

/// Nodes in a [`Small`] result's list of replicas: the rest of its four bytes are [`NONE`].
const NONE: u8 = u8::MAX;

#[derive(Clone, Debug)]
pub struct Small {
    time: Time,
    request: RequestId,
    /// The entry's version's timestamp (0 when a get found nothing).
    timestamp: i64,
    /// The command's text, or `None` when it is the command as it prints (written anew from
    /// the kind, key, value and `level`).
    command: Option<Rc<str>>,
    value: Option<Value>,
    /// The key's number in the results' [`Names`].
    key: u32,
    node: u8,
    version_node: u8,
    kind: Kind,
    /// The command's level, by index in [`LEVELS`], when `command` is `None`.
    level: u8,
    /// The replicas heard from, acknowledging or repaired, in order.
    replicas: [u8; 4],
}

/// A node as a byte, if it fits (and is not [`NONE`]).
fn byte(node: NodeId) -> Option<u8> {
    u8::try_from(node).ok().filter(|&n| n != NONE)
}

/// The levels as commands print them.
const LEVELS: [(Level, &str); 3] = [(Level::One, "ONE"), (Level::Quorum, "QUORUM"), (Level::All, "ALL")];

impl Kind {
    /// The command a result of this kind answers, and whether it carries the entry's value.
    fn command(self) -> (&'static str, bool) {
        match self {
            Kind::NotFound | Kind::Read | Kind::Repaired => ("get", false),
            Kind::Written(WriteOp::Insert) => ("insert", true),
            Kind::Written(WriteOp::Update) => ("update", true),
            Kind::Written(WriteOp::Delete) => ("delete", false),
        }
    }
}

/// The level of `text` if it is the command of `kind` on `key` (and `value`) as it prints.
fn printed_level(text: &str, kind: Kind, key: &str, value: Option<&str>) -> Option<u8> {
    let (name, with_value) = kind.command();
    let mut rest = text.strip_prefix(name)?.strip_prefix(' ')?.strip_prefix(key)?.strip_prefix(' ')?;
    if with_value {
        rest = rest.strip_prefix(value?)?.strip_prefix(' ')?;
    }
    LEVELS.iter().position(|(_, printed)| *printed == rest).map(|i| i as u8)
}

impl KeptResult {
    /// `result` as kept; its key is numbered in `names`.
    pub fn of(result: ClientResult, names: &Names) -> KeptResult {
        Small::of(&result, names).map_or_else(|| KeptResult::Other(Box::new(result)), KeptResult::Small)
    }

    /// The result as it was given (`names`: the table it was kept with).
    pub fn result(&self, names: &Names) -> ClientResult {
        match self {
            KeptResult::Small(small) => small.result(names),
            KeptResult::Other(result) => (**result).clone(),
        }
    }
}

impl Small {
    fn of(r: &ClientResult, names: &Names) -> Option<Small> {
        let (kind, key, entry, replicas) = match &r.outcome {
            Outcome::Value { key, entry: None, heard_from } => (Kind::NotFound, key, None, heard_from),
            Outcome::Value { key, entry: Some(entry), heard_from } => (Kind::Read, key, Some(entry), heard_from),
            Outcome::Written { key, op, entry, acked_by } => (Kind::Written(*op), key, Some(entry), acked_by),
            Outcome::Repaired { key, entry, repaired } => (Kind::Repaired, key, Some(entry), repaired),
            _ => return None,
        };
        if replicas.len() > 4 {
            return None;
        }
        let mut packed = [NONE; 4];
        for (slot, &node) in packed.iter_mut().zip(replicas) {
            *slot = byte(node)?;
        }
        let version = entry.map_or(Version { timestamp: 0, node: 0 }, |e| e.version);
        let value = entry.and_then(|e| e.value.clone());
        let level = printed_level(&r.command, kind, key, value.as_deref());
        Some(Small {
            time: r.time,
            request: r.request?,
            timestamp: version.timestamp,
            command: level.is_none().then(|| r.command.clone()),
            value,
            key: names.number(key),
            node: byte(r.node)?,
            version_node: byte(version.node)?,
            kind,
            level: level.unwrap_or(0),
            replicas: packed,
        })
    }

    /// The command's text: kept, or written as the command prints.
    fn command(&self, key: &str) -> Rc<str> {
        if let Some(text) = &self.command {
            return text.clone();
        }
        let (name, with_value) = self.kind.command();
        let level = LEVELS[usize::from(self.level)].1;
        match self.value.as_deref().filter(|_| with_value) {
            Some(value) => Rc::from(format!("{name} {key} {value} {level}")),
            None => Rc::from(format!("{name} {key} {level}")),
        }
    }

    fn result(&self, names: &Names) -> ClientResult {
        let key = names.get(self.key);
        let command = self.command(&key);
        let entry = Entry {
            value: self.value.clone(),
            version: Version { timestamp: self.timestamp, node: self.version_node.into() },
        };
        let replicas: Vec<NodeId> = self.replicas.iter().take_while(|&&n| n != NONE).map(|&n| n.into()).collect();
        let outcome = match self.kind {
            Kind::NotFound => Outcome::Value { key, entry: None, heard_from: replicas },
            Kind::Read => Outcome::Value { key, entry: Some(entry), heard_from: replicas },
            Kind::Written(op) => Outcome::Written { key, op, entry, acked_by: replicas },
            Kind::Repaired => Outcome::Repaired { key, entry, repaired: replicas },
        };
        ClientResult { time: self.time, node: self.node.into(), request: Some(self.request), command, outcome }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = Rc<str>> {
        "[a-z0-9 ]{0,12}".prop_map(|s| Rc::from(s.as_str()))
    }

    fn entry() -> impl Strategy<Value = Entry> {
        (proptest::option::of(text()), any::<i64>(), 0..300usize)
            .prop_map(|(value, timestamp, node)| Entry { value, version: Version { timestamp, node } })
    }

    fn outcome() -> impl Strategy<Value = Outcome> {
        let nodes = || proptest::collection::vec(prop_oneof![0..20usize, 0..300usize], 0..6);
        let op = prop_oneof![Just(WriteOp::Insert), Just(WriteOp::Update), Just(WriteOp::Delete)];
        prop_oneof![
            (text(), proptest::option::of(entry()), nodes()).prop_map(|(key, entry, heard_from)| Outcome::Value {
                key,
                entry,
                heard_from
            }),
            (text(), op, entry(), nodes()).prop_map(|(key, op, entry, acked_by)| Outcome::Written {
                key,
                op,
                entry,
                acked_by
            }),
            (text(), entry(), nodes()).prop_map(|(key, entry, repaired)| Outcome::Repaired { key, entry, repaired }),
            "[a-z ]{0,20}".prop_map(|error| Outcome::Failed { error }),
            proptest::collection::vec((text(), entry()), 0..3).prop_map(|entries| Outcome::Listed { entries }),
        ]
    }

    /// The command `outcome` answers, as it prints, if it is an operation's.
    fn printed(outcome: &Outcome, level: &str) -> Option<Rc<str>> {
        let text = match outcome {
            Outcome::Value { key, .. } | Outcome::Repaired { key, .. } => format!("get {key} {level}"),
            Outcome::Written { key, op: WriteOp::Delete, .. } => format!("delete {key} {level}"),
            Outcome::Written { key, op, entry, .. } => {
                let name = if *op == WriteOp::Insert { "insert" } else { "update" };
                format!("{name} {key} {} {level}", entry.value.as_deref()?)
            }
            _ => return None,
        };
        Some(Rc::from(text))
    }

    proptest! {
        /// Whatever is kept, small or not, its command typed as it prints or otherwise, gives back
        /// the result it was given.
        #[test]
        fn a_kept_result_gives_back_what_was_given(
            time in any::<u64>(), node in prop_oneof![0..20usize, 0..300usize], request in proptest::option::of(any::<u64>()),
            command in text(), as_printed in any::<bool>(), level in 0..3usize, outcome in outcome(),
        ) {
            let command = if as_printed { printed(&outcome, LEVELS[level].1).unwrap_or(command) } else { command };
            let result = ClientResult { time, node, request, command, outcome };
            let names = Names::default();
            prop_assert_eq!(KeptResult::of(result.clone(), &names).result(&names), result);
        }
    }

    #[test]
    fn the_levels_are_written_as_commands_print_them() {
        assert!(LEVELS.iter().all(|(level, printed)| level.to_string() == *printed));
    }

    #[test]
    fn gets_and_writes_on_a_few_small_nodes_are_kept_small() {
        let entry = Entry { value: Some(Rc::from("v")), version: Version { timestamp: -3, node: 254 } };
        let outcome = Outcome::Written { key: Rc::from("k"), op: WriteOp::Insert, entry, acked_by: vec![254, 0, 7, 3] };
        let names = Names::default();
        for (command, kept) in [("insert k v QUORUM", false), ("insert  k v QUORUM", true), ("insert k v 9", true)] {
            let result = ClientResult {
                time: 5,
                node: 2,
                request: Some(9),
                command: Rc::from(command),
                outcome: outcome.clone(),
            };
            let KeptResult::Small(small) = KeptResult::of(result, &names) else { panic!("{command} is kept small") };
            assert_eq!(
                small.command.is_some(),
                kept,
                "{command}: only a command typed otherwise than it prints is kept"
            );
        }
        assert!(std::mem::size_of::<Small>() <= 72, "{}", std::mem::size_of::<Small>());
    }
}
