//! EDN values as Jepsen and Knossos histories use them, the error every reader of a history
//! returns (a line and what is wrong), and the writer: one value on one line, in the canonical
//! form `{:process 2, :type :invoke, :f :update, :key "5", :value "world"}`.

use std::fmt::{self, Write};

/// One EDN value. Maps keep their keys in the order written (so a history op prints back as it
/// was read); floats keep the text they were written with (so the library carries no float
/// parser, and equal texts are equal values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edn {
    Nil,
    Bool(bool),
    Int(i64),
    /// A float as written: `1.5`, `-2e3`, `1.5M`, `##Inf`.
    Float(String),
    Str(String),
    /// A keyword without its colon: `:invoke` is `Keyword("invoke")`.
    Keyword(String),
    Symbol(String),
    Vector(Vec<Edn>),
    List(Vec<Edn>),
    Set(Vec<Edn>),
    Map(Vec<(Edn, Edn)>),
    /// `#tag value`, such as `#inst "2024-01-01"` or `#jepsen.history.Op{...}`.
    Tagged(String, Box<Edn>),
}

impl Edn {
    /// The value of `:name` in a map (through a tag such as `#jepsen.history.Op{...}`).
    pub fn get(&self, name: &str) -> Option<&Edn> {
        match self {
            Edn::Map(entries) => {
                entries.iter().find(|(k, _)| matches!(k, Edn::Keyword(n) if n == name)).map(|(_, v)| v)
            }
            Edn::Tagged(_, inner) => inner.get(name),
            _ => None,
        }
    }

    /// The map's entries, seeing through a tag; `None` if this is no map.
    pub fn entries(&self) -> Option<&[(Edn, Edn)]> {
        match self {
            Edn::Map(entries) => Some(entries),
            Edn::Tagged(_, inner) => inner.entries(),
            _ => None,
        }
    }

    pub fn as_keyword(&self) -> Option<&str> {
        match self {
            Edn::Keyword(name) => Some(name),
            _ => None,
        }
    }

    /// What kind of value this is, for errors: "a string", "a vector"...
    pub fn kind(&self) -> &'static str {
        match self {
            Edn::Nil => "nil",
            Edn::Bool(_) => "a boolean",
            Edn::Int(_) => "an integer",
            Edn::Float(_) => "a float",
            Edn::Str(_) => "a string",
            Edn::Keyword(_) => "a keyword",
            Edn::Symbol(_) => "a symbol",
            Edn::Vector(_) => "a vector",
            Edn::List(_) => "a list",
            Edn::Set(_) => "a set",
            Edn::Map(_) => "a map",
            Edn::Tagged(..) => "a tagged value",
        }
    }
}

/// Writes `text` as an EDN string literal, quotes and escapes included.
pub fn write_string(out: &mut impl Write, text: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in text.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c if c.is_control() => write!(out, "\\u{:04x}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}

fn write_all(f: &mut fmt::Formatter<'_>, open: &str, items: &[Edn], close: &str) -> fmt::Result {
    f.write_str(open)?;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_char(' ')?;
        }
        write!(f, "{item}")?;
    }
    f.write_str(close)
}

/// The canonical text: one line, maps as `{:a 1, :b 2}`, strings escaped.
impl fmt::Display for Edn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Edn::Nil => f.write_str("nil"),
            Edn::Bool(b) => write!(f, "{b}"),
            Edn::Int(i) => write!(f, "{i}"),
            Edn::Float(text) | Edn::Symbol(text) => f.write_str(text),
            Edn::Str(text) => write_string(f, text),
            Edn::Keyword(name) => write!(f, ":{name}"),
            Edn::Vector(items) => write_all(f, "[", items, "]"),
            Edn::List(items) => write_all(f, "(", items, ")"),
            Edn::Set(items) => write_all(f, "#{", items, "}"),
            Edn::Map(entries) => {
                f.write_char('{')?;
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{key} {value}")?;
                }
                f.write_char('}')
            }
            Edn::Tagged(tag, inner) => write!(f, "#{tag} {inner}"),
        }
    }
}

/// What is wrong with a history file, and on which line (counted from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub line: usize,
    pub message: String,
}

impl InputError {
    pub fn new(line: usize, message: impl Into<String>) -> Self {
        InputError { line, message: message.into() }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for InputError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(name: &str) -> Edn {
        Edn::Keyword(name.into())
    }

    #[test]
    fn an_op_prints_on_one_line_in_the_order_read() {
        let op = Edn::Map(vec![
            (kw("process"), Edn::Int(2)),
            (kw("type"), kw("invoke")),
            (kw("f"), kw("cas")),
            (kw("value"), Edn::Vector(vec![Edn::Nil, Edn::Str("a \"b\"\n".into())])),
            (kw("time"), Edn::Float("1.5".into())),
        ]);
        assert_eq!(op.to_string(), r#"{:process 2, :type :invoke, :f :cas, :value [nil "a \"b\"\n"], :time 1.5}"#);
        assert_eq!(op.get("f"), Some(&kw("cas")));
        assert_eq!(Edn::Tagged("x.Op".into(), Box::new(op.clone())).get("process"), Some(&Edn::Int(2)));
        assert_eq!(op.get("key"), None);
    }

    #[test]
    fn collections_and_control_characters_print_as_edn() {
        let set = Edn::Set(vec![Edn::Bool(true), Edn::List(vec![Edn::Symbol("x".into())])]);
        assert_eq!(set.to_string(), "#{true (x)}");
        assert_eq!(Edn::Str("\u{1}\t\\".into()).to_string(), r#""\u0001\t\\""#);
        assert_eq!(InputError::new(3, "bad").to_string(), "line 3: bad");
    }
}
