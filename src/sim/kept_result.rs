//! A client result as a long run keeps it: the page keeps every result of a run (a million
//! operations: a million results), and a `ClientResult` of a get or a write took about 120 bytes
//! in wasm with its list of replicas on the heap. Gets, writes and repairs on at most four nodes
//! below 255 (every one with replication factor 3) are kept in 64 bytes with nothing of their own
//! on the heap (the command, key and value are shared); the rest as they are.

use crate::model::message::RequestId;
use crate::model::outcome::{ClientResult, Outcome, WriteOp};
use crate::model::types::{Entry, Key, NodeId, Time, Value, Version};
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
    command: Rc<str>,
    key: Key,
    value: Option<Value>,
    node: u8,
    version_node: u8,
    kind: Kind,
    /// The replicas heard from, acknowledging or repaired, in order.
    replicas: [u8; 4],
}

/// A node as a byte, if it fits (and is not [`NONE`]).
fn byte(node: NodeId) -> Option<u8> {
    u8::try_from(node).ok().filter(|&n| n != NONE)
}

impl KeptResult {
    pub fn of(result: ClientResult) -> KeptResult {
        Small::of(&result).map_or_else(|| KeptResult::Other(Box::new(result)), KeptResult::Small)
    }

    /// The result as it was given.
    pub fn result(&self) -> ClientResult {
        match self {
            KeptResult::Small(small) => small.result(),
            KeptResult::Other(result) => (**result).clone(),
        }
    }
}

impl Small {
    fn of(r: &ClientResult) -> Option<Small> {
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
        Some(Small {
            time: r.time,
            request: r.request?,
            timestamp: version.timestamp,
            command: r.command.clone(),
            key: key.clone(),
            value: entry.and_then(|e| e.value.clone()),
            node: byte(r.node)?,
            version_node: byte(version.node)?,
            kind,
            replicas: packed,
        })
    }

    fn result(&self) -> ClientResult {
        let key = self.key.clone();
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
        ClientResult {
            time: self.time,
            node: self.node.into(),
            request: Some(self.request),
            command: self.command.clone(),
            outcome,
        }
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

    proptest! {
        /// Whatever is kept, small or not, gives back the result it was given.
        #[test]
        fn a_kept_result_gives_back_what_was_given(
            time in any::<u64>(), node in prop_oneof![0..20usize, 0..300usize], request in proptest::option::of(any::<u64>()),
            command in text(), outcome in outcome(),
        ) {
            let result = ClientResult { time, node, request, command, outcome };
            prop_assert_eq!(KeptResult::of(result.clone()).result(), result);
        }
    }

    #[test]
    fn gets_and_writes_on_a_few_small_nodes_are_kept_small() {
        let entry = Entry { value: Some(Rc::from("v")), version: Version { timestamp: -3, node: 254 } };
        let outcome = Outcome::Written { key: Rc::from("k"), op: WriteOp::Insert, entry, acked_by: vec![254, 0, 7, 3] };
        let result = ClientResult { time: 5, node: 2, request: Some(9), command: Rc::from("insert k v"), outcome };
        assert!(matches!(KeptResult::of(result), KeptResult::Small(_)));
        assert!(std::mem::size_of::<Small>() <= 80, "{}", std::mem::size_of::<Small>());
    }
}
