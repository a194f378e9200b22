//! The three models a history is checked against, and how each turns a history's operations
//! into actions on one key.
//!
//! - **`kv`**: `:get`, `:put`, `:append` on string values per key; an absent key reads as the
//!   empty string (a get that returns `nil` read it too). The key is `:key` with the value in
//!   `:value` (porcupine's key-value histories, the form of distributed-systems course labs), or
//!   the value is a `[key value]` tuple (Jepsen's `independent` histories, Maelstrom's).
//! - **`cas-register`**: `:read`, `:write`, `:cas [from to]` on one register starting at nil
//!   (Knossos's model, Jepsen's etcd tests); values are any EDN. With `:key` each key is a
//!   register of its own. A `:fail` cas means the compare ran and did not match, unless its
//!   completion carries an `:error` (then, like any other `:fail`, it did not happen).
//! - **`store`**: ours. `:get` reads (`nil` = not found), `:insert` writes a value, `:update`
//!   writes only over a live value (an `ok` update proves there was one), `:delete` makes the
//!   key nil; the key is `:key`, the value `:value`, and a get's `:ok` carries what it read.
//!
//! In every model a `:fail` op had no effect and is left out (except the cas above), and an
//! `info` op (`:info`, or no completion) may have taken effect at any point after it was
//! invoked, or never; an `info` read says nothing and is left out.

use super::edn::{Edn, InputError};
use super::history::{Operation, Outcome};
use super::state::{Action, StateId, Values};
use crate::lex::truncate;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum ModelKind {
    #[serde(rename = "kv")]
    Kv,
    #[serde(rename = "cas-register")]
    CasRegister,
    #[serde(rename = "store")]
    Store,
}

impl ModelKind {
    pub const NAMES: [&'static str; 3] = ["kv", "cas-register", "store"];

    pub fn parse(name: &str) -> Option<ModelKind> {
        match name {
            "kv" => Some(ModelKind::Kv),
            "cas-register" => Some(ModelKind::CasRegister),
            "store" => Some(ModelKind::Store),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Kv => "kv",
            ModelKind::CasRegister => "cas-register",
            ModelKind::Store => "store",
        }
    }

    fn functions(self) -> &'static str {
        match self {
            ModelKind::Kv => ":get, :put or :append",
            ModelKind::CasRegister => ":read, :write or :cas",
            ModelKind::Store => ":get, :insert, :update or :delete",
        }
    }

    /// The state every key starts in.
    pub fn initial(self, values: &mut Values) -> StateId {
        match self {
            ModelKind::Kv => values.intern(""),
            ModelKind::CasRegister | ModelKind::Store => Values::NIL,
        }
    }
}

/// What a history is partitioned by: a key, or the one register of a history without keys.
/// Keys sort integers first (by value), then the others by their EDN text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    Register,
    Int(i64),
    /// A string, keyword or symbol key, as its EDN text (`"x"`, `:x`).
    Text(String),
}

impl Key {
    fn of(value: &Edn) -> Result<Key, String> {
        match value {
            Edn::Int(i) => Ok(Key::Int(*i)),
            Edn::Str(_) | Edn::Keyword(_) | Edn::Symbol(_) => Ok(Key::Text(value.to_string())),
            other => Err(format!("a key is a string, integer or keyword, not {} `{}`", other.kind(), shown(other))),
        }
    }
}

/// As JSON: `null` for the register, a number for an integer key, the EDN text otherwise.
impl serde::Serialize for Key {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Key::Register => serializer.serialize_none(),
            Key::Int(i) => serializer.serialize_i64(*i),
            Key::Text(text) => serializer.serialize_str(text),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Register => f.write_str("the register"),
            Key::Int(i) => write!(f, "key {i}"),
            Key::Text(text) => write!(f, "key {text}"),
        }
    }
}

/// One operation as the search sees it: its key, its index in the history's operations, and
/// its action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyedAction {
    pub key: Key,
    pub op: usize,
    pub action: Action,
}

/// The actions of `ops` under `model`, in the order of `ops`. Ops that cannot matter (a
/// `:fail`, an `info` read) have none.
pub fn actions(model: ModelKind, ops: &[Operation], values: &mut Values) -> Result<Vec<KeyedAction>, InputError> {
    let mut out = Vec::with_capacity(ops.len());
    for (index, op) in ops.iter().enumerate() {
        let converted = match model {
            ModelKind::Kv => kv(op, values),
            ModelKind::CasRegister => cas_register(op, values),
            ModelKind::Store => store(op, values),
        };
        let line = op.invoke.line;
        match converted.map_err(|message| InputError::new(line, message))? {
            Converted::Unknown => {
                return Err(InputError::new(
                    line,
                    format!(
                        "`:f :{}` is not an operation of the {} model: use {} (or choose another --model)",
                        truncate(&op.f, 30),
                        model.name(),
                        model.functions()
                    ),
                ))
            }
            Converted::Skipped => {}
            Converted::Action(key, action) => out.push(KeyedAction { key, op: index, action }),
        }
    }
    Ok(out)
}

enum Converted {
    Action(Key, Action),
    /// A `:fail` op, or an `info` read: no effect, nothing to check.
    Skipped,
    /// An `:f` the model does not know.
    Unknown,
}

fn shown(value: &Edn) -> String {
    truncate(&value.to_string(), 40)
}

/// A value of the cas-register and store models: nil, or its canonical EDN text.
fn value_of(value: &Edn, values: &mut Values) -> StateId {
    match value {
        Edn::Nil => Values::NIL,
        other => values.intern(&other.to_string()),
    }
}

fn key_field(op: &Operation) -> Result<Option<Key>, String> {
    op.field("key").map(Key::of).transpose()
}

fn kv(op: &Operation, values: &mut Values) -> Result<Converted, String> {
    if !matches!(op.f.as_str(), "get" | "put" | "append") {
        return Ok(Converted::Unknown);
    }
    let (key, written, read) = match key_field(op)? {
        Some(key) => (key, op.invoke_value().clone(), op.completion_value().clone()),
        None => {
            let [key, written] = kv_tuple(op.invoke_value(), "invoke")?;
            let read = match op.outcome {
                Outcome::Ok if op.f == "get" => kv_tuple(op.completion_value(), "completion")?[1].clone(),
                _ => Edn::Nil,
            };
            (Key::of(&key)?, written, read)
        }
    };
    let text = |value: &Edn, what: &str| match value {
        Edn::Str(text) => Ok(text.clone()),
        Edn::Nil if what == "read" => Ok(String::new()),
        other => Err(format!(
            "the kv model's values are strings, but this {what} has {} `{}`: quote it, or use --model cas-register",
            other.kind(),
            shown(other)
        )),
    };
    let action = match (op.f.as_str(), op.outcome) {
        (_, Outcome::Fail) | ("get", Outcome::Info) => return Ok(Converted::Skipped),
        ("get", _) => Action::Read(values.intern(&text(&read, "read")?)),
        ("put", _) => Action::Write(values.intern(&text(&written, "put")?)),
        _ => Action::Append(text(&written, "append")?),
    };
    Ok(Converted::Action(key, action))
}

/// The `[key value]` tuple of a kv op without `:key`.
fn kv_tuple(value: &Edn, side: &str) -> Result<[Edn; 2], String> {
    match value {
        Edn::Vector(items) if items.len() == 2 => Ok([items[0].clone(), items[1].clone()]),
        other => Err(format!(
            "a kv op needs a `:key`, or a `:value` of [key value]; this {side}'s value is {} `{}`",
            other.kind(),
            shown(other)
        )),
    }
}

fn cas_register(op: &Operation, values: &mut Values) -> Result<Converted, String> {
    let key = key_field(op)?.unwrap_or(Key::Register);
    let action = match (op.f.as_str(), op.outcome) {
        // A failed cas without an `:error` is a compare that did not match: it is checked.
        ("read" | "write", Outcome::Fail) | ("read", Outcome::Info) => return Ok(Converted::Skipped),
        ("cas", Outcome::Fail) if op.has_error() => return Ok(Converted::Skipped),
        ("read", _) => Action::Read(value_of(op.completion_value(), values)),
        ("write", _) => Action::Write(value_of(op.invoke_value(), values)),
        ("cas", outcome) => {
            let (from, to) = match op.invoke_value() {
                Edn::Vector(items) if items.len() == 2 => (&items[0], &items[1]),
                other => {
                    return Err(format!(
                        "a :cas op's value is [from to], such as [1 2]; this one is {} `{}`",
                        other.kind(),
                        shown(other)
                    ))
                }
            };
            let matched = match outcome {
                Outcome::Ok => Some(true),
                Outcome::Fail => Some(false),
                Outcome::Info => None,
            };
            Action::Cas { from: value_of(from, values), to: value_of(to, values), matched }
        }
        _ => return Ok(Converted::Unknown),
    };
    Ok(Converted::Action(key, action))
}

fn store(op: &Operation, values: &mut Values) -> Result<Converted, String> {
    if !matches!(op.f.as_str(), "get" | "insert" | "update" | "delete") {
        return Ok(Converted::Unknown);
    }
    let Some(key) = key_field(op)? else {
        return Err(format!("a store op needs a `:key`, such as `:key \"5\"` (:f :{})", op.f));
    };
    let written = op.invoke_value();
    if matches!(op.f.as_str(), "insert" | "update") && *written == Edn::Nil {
        return Err(format!("an :{} writes a value: give it a `:value`, such as `:value \"world\"`", op.f));
    }
    let action = match (op.f.as_str(), op.outcome) {
        (_, Outcome::Fail) | ("get", Outcome::Info) => return Ok(Converted::Skipped),
        ("get", _) => Action::Read(value_of(op.completion_value(), values)),
        ("insert", _) => Action::Write(value_of(written, values)),
        ("update", outcome) => Action::Update { to: value_of(written, values), known: outcome == Outcome::Ok },
        _ => Action::Write(Values::NIL),
    };
    Ok(Converted::Action(key, action))
}
