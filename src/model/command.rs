//! The original project's six commands: parsing, validation and the consistency levels.

use crate::lex::truncate;
use crate::model::types::{Key, Value};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::rc::Rc;

/// Longest key accepted, in bytes (UTF-8).
pub const MAX_KEY_BYTES: usize = 256;
/// Longest value accepted, in bytes (UTF-8).
pub const MAX_VALUE_BYTES: usize = 4096;

/// The usage text shown with every command error.
pub const USAGE: &str = "usage: get KEY LEVEL | insert KEY VALUE LEVEL | update KEY VALUE LEVEL | \
delete KEY [LEVEL] | show-all | search KEY   (LEVEL: ONE, QUORUM, ALL, or 1 = ONE, 9 = ALL)";

/// How many replicas must answer before the coordinator answers the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    One,
    Quorum,
    All,
}

impl Level {
    /// Replies needed out of `rf` replicas: ONE = 1, QUORUM = floor(rf/2) + 1, ALL = rf.
    pub fn required(self, rf: usize) -> usize {
        match self {
            Level::One => 1.min(rf),
            Level::Quorum => rf / 2 + 1,
            Level::All => rf,
        }
    }

    /// Accepts ONE, QUORUM, ALL in any case, and the original's `1` (ONE) and `9` (ALL).
    pub fn parse(text: &str) -> Result<Level, CommandError> {
        let is = |name: &str| text.eq_ignore_ascii_case(name);
        match () {
            _ if is("ONE") || text == "1" => Ok(Level::One),
            _ if is("QUORUM") => Ok(Level::Quorum),
            _ if is("ALL") || text == "9" => Ok(Level::All),
            _ => Err(CommandError::new(format!(
                "`{}` is not a consistency level: use ONE, QUORUM or ALL (or the original's 1 and 9)",
                truncate(text, 40)
            ))),
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::One => "ONE",
            Level::Quorum => "QUORUM",
            Level::All => "ALL",
        })
    }
}

/// The command names, lowercase.
const OPS: [&str; 6] = ["get", "insert", "update", "delete", "show-all", "search"];

/// The level `delete` uses when none is typed: the original did not wait at all, so the
/// cheapest level that still reports an acknowledgement.
pub const DEFAULT_DELETE_LEVEL: Level = Level::One;

/// A parsed, validated client command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Command {
    Get { key: Key, level: Level },
    Insert { key: Key, value: Value, level: Level },
    Update { key: Key, value: Value, level: Level },
    Delete { key: Key, level: Level },
    ShowAll,
    Search { key: Key },
}

impl Command {
    /// Parses one command line such as `insert 5 hello QUORUM`.
    pub fn parse(line: &str) -> Result<Command, CommandError> {
        // No command takes more than three arguments; one more word is enough to report extras.
        let mut words = line.split_whitespace();
        let Some(name) = words.next() else {
            return Err(CommandError::new("empty command"));
        };
        let mut arg_buf = [""; 4];
        let mut count = 0;
        for word in words {
            if count < arg_buf.len() {
                arg_buf[count] = word;
            }
            count += 1;
        }
        let args = &arg_buf[..count.min(arg_buf.len())];
        let extra = count.saturating_sub(arg_buf.len());
        let op = OPS.iter().copied().find(|op| op.eq_ignore_ascii_case(name)).unwrap_or(name);
        let expect = |min: usize, max: usize, shape: &str| -> Result<(), CommandError> {
            if args.len() < min {
                Err(CommandError::new(format!("`{op}` is missing arguments: expected `{shape}`")))
            } else if args.len() > max {
                Err(CommandError::new(format!(
                    "`{op}` has {} extra argument(s): expected `{shape}` (keys and values cannot contain spaces)",
                    args.len() + extra - max
                )))
            } else {
                Ok(())
            }
        };
        match op {
            "get" => {
                expect(2, 2, "get KEY LEVEL")?;
                Ok(Command::Get { key: key(args[0])?, level: Level::parse(args[1])? })
            }
            "insert" | "update" => {
                expect(3, 3, if op == "insert" { "insert KEY VALUE LEVEL" } else { "update KEY VALUE LEVEL" })?;
                let (key, value, level) = (key(args[0])?, value(args[1])?, Level::parse(args[2])?);
                Ok(if op == "insert" {
                    Command::Insert { key, value, level }
                } else {
                    Command::Update { key, value, level }
                })
            }
            "delete" => {
                expect(1, 2, "delete KEY [LEVEL]")?;
                let level = match args.get(1) {
                    Some(text) => Level::parse(text)?,
                    None => DEFAULT_DELETE_LEVEL,
                };
                Ok(Command::Delete { key: key(args[0])?, level })
            }
            "show-all" => {
                expect(0, 0, "show-all")?;
                Ok(Command::ShowAll)
            }
            "search" => {
                expect(1, 1, "search KEY")?;
                Ok(Command::Search { key: key(args[0])? })
            }
            _ => Err(CommandError::new(format!("unknown command `{}`", truncate(name, 40)))),
        }
    }

    /// The key the command is about, if any.
    pub fn key(&self) -> Option<&Key> {
        match self {
            Command::Get { key, .. }
            | Command::Insert { key, .. }
            | Command::Update { key, .. }
            | Command::Delete { key, .. }
            | Command::Search { key } => Some(key),
            Command::ShowAll => None,
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Get { key, level } => write!(f, "get {key} {level}"),
            Command::Insert { key, value, level } => write!(f, "insert {key} {value} {level}"),
            Command::Update { key, value, level } => write!(f, "update {key} {value} {level}"),
            Command::Delete { key, level } => write!(f, "delete {key} {level}"),
            Command::ShowAll => f.write_str("show-all"),
            Command::Search { key } => write!(f, "search {key}"),
        }
    }
}

fn key(text: &str) -> Result<Key, CommandError> {
    printable("key", text)?;
    if text.len() > MAX_KEY_BYTES {
        return Err(CommandError::new(format!(
            "key is {} bytes long; keys may be at most {MAX_KEY_BYTES} bytes",
            text.len()
        )));
    }
    Ok(Rc::from(text))
}

fn value(text: &str) -> Result<Value, CommandError> {
    printable("value", text)?;
    if text.len() > MAX_VALUE_BYTES {
        return Err(CommandError::new(format!(
            "value is {} bytes long; values may be at most {MAX_VALUE_BYTES} bytes",
            text.len()
        )));
    }
    Ok(Rc::from(text))
}

/// Rejects control characters (NUL, escape sequences, ...) in a key or value: they would be
/// stored, echoed to terminals and drawn on the page as they are.
fn printable(what: &str, text: &str) -> Result<(), CommandError> {
    match text.chars().find(|c| c.is_control()) {
        Some(c) => Err(CommandError::new(format!(
            "{what} contains the control character U+{:04X}; keys and values must be printable",
            c as u32
        ))),
        None => Ok(()),
    }
}

/// A command that could not be parsed; its message names the problem and ends with the usage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandError {
    problem: String,
}

impl CommandError {
    pub fn new(problem: impl Into<String>) -> Self {
        CommandError { problem: problem.into() }
    }

    /// The problem alone, without the usage line.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Invalid command: {}\n{USAGE}", self.problem)
    }
}

impl std::error::Error for CommandError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_six_commands() {
        assert_eq!(Command::parse("get 5 ONE").unwrap(), Command::Get { key: "5".into(), level: Level::One });
        assert_eq!(
            Command::parse("  insert k v quorum ").unwrap(),
            Command::Insert { key: "k".into(), value: "v".into(), level: Level::Quorum }
        );
        assert_eq!(
            Command::parse("update k v 9").unwrap(),
            Command::Update { key: "k".into(), value: "v".into(), level: Level::All }
        );
        assert_eq!(
            Command::parse("delete k").unwrap(),
            Command::Delete { key: "k".into(), level: DEFAULT_DELETE_LEVEL }
        );
        assert_eq!(Command::parse("delete k all").unwrap(), Command::Delete { key: "k".into(), level: Level::All });
        assert_eq!(Command::parse("show-all").unwrap(), Command::ShowAll);
        assert_eq!(Command::parse("SEARCH k").unwrap(), Command::Search { key: "k".into() });
    }

    #[test]
    fn levels_accept_the_originals_digits() {
        assert_eq!(Level::parse("1").unwrap(), Level::One);
        assert_eq!(Level::parse("9").unwrap(), Level::All);
        assert_eq!(Level::parse("Quorum").unwrap(), Level::Quorum);
        assert!(Level::parse("2").is_err());
    }

    #[test]
    fn required_replies_per_level() {
        let table = [(1, [1, 1, 1]), (2, [1, 2, 2]), (3, [1, 2, 3]), (4, [1, 3, 4]), (5, [1, 3, 5])];
        for (rf, [one, quorum, all]) in table {
            assert_eq!(Level::One.required(rf), one, "ONE of {rf}");
            assert_eq!(Level::Quorum.required(rf), quorum, "QUORUM of {rf}");
            assert_eq!(Level::All.required(rf), all, "ALL of {rf}");
        }
    }

    #[test]
    fn errors_name_the_problem_and_show_usage() {
        let cases = [
            ("", "empty command"),
            ("fetch 5", "unknown command `fetch`"),
            ("get 5", "`get` is missing arguments"),
            ("insert 5 hello world ONE", "extra argument"),
            ("get 5 TWO", "`TWO` is not a consistency level"),
            ("show-all now", "`show-all` has 1 extra"),
        ];
        for (line, expected) in cases {
            let err = Command::parse(line).unwrap_err();
            assert!(err.problem().contains(expected), "{line:?} gave {:?}", err.problem());
            assert!(err.to_string().contains(USAGE));
        }
    }

    #[test]
    fn oversized_keys_and_values_are_rejected() {
        let long_key = "k".repeat(MAX_KEY_BYTES + 1);
        assert!(Command::parse(&format!("get {long_key} ONE")).unwrap_err().problem().contains("at most 256"));
        let long_value = "v".repeat(MAX_VALUE_BYTES + 1);
        assert!(Command::parse(&format!("insert k {long_value} ONE")).is_err());
        let ok_key = "k".repeat(MAX_KEY_BYTES);
        assert!(Command::parse(&format!("get {ok_key} ONE")).is_ok());
    }

    #[test]
    fn display_round_trips() {
        for line in ["get 5 ONE", "insert k v QUORUM", "update k v ALL", "delete k ONE", "show-all", "search k"] {
            assert_eq!(Command::parse(line).unwrap().to_string(), line);
        }
    }
}
