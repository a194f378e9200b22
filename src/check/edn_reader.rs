//! Reading EDN text as Jepsen and Knossos write histories: maps, vectors, lists, sets, keywords,
//! symbols, strings with escapes, integers, floats, `nil`, `true`, `false`, tags (`#inst "..."`,
//! `#jepsen.history.Op{...}`), `#_` discards, commas as whitespace and `;` comments.
//!
//! Errors name the line and say what is wrong and how to fix it. Hostile input cannot make the
//! reader recurse without bound (nesting is limited to [`MAX_DEPTH`]) or read without bound
//! (the text is limited to [`MAX_INPUT_BYTES`]). Characters (`\a`) and reader macros other than
//! tags and discards are not EDN a history needs, and are errors that say so.

use super::edn::{Edn, InputError};
use crate::lex::truncate;

/// Deepest nesting of collections: history ops need three or four levels.
pub const MAX_DEPTH: usize = 64;
/// Largest history text: about 500,000 operations of typical size.
pub const MAX_INPUT_BYTES: usize = 128 << 20;

/// A top-level value and the line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    pub line: usize,
    pub value: Edn,
    /// For a top-level vector or list (a Knossos history), the line each item starts on.
    pub item_lines: Vec<usize>,
}

/// Reads every top-level value of `text`, in order.
pub fn read_all(text: &str) -> Result<Vec<Form>, InputError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(InputError::new(
            1,
            format!("the history has {} bytes; at most {MAX_INPUT_BYTES} are read: split it", text.len()),
        ));
    }
    let mut reader = Reader { text, at: 0, line: 1, item_lines: Vec::new() };
    let mut forms = Vec::new();
    loop {
        reader.skip_blank(0)?;
        let Some(c) = reader.peek() else { return Ok(forms) };
        let line = reader.line;
        let value = reader.read_value(c, 0)?;
        forms.push(Form { line, value, item_lines: std::mem::take(&mut reader.item_lines) });
    }
}

struct Reader<'t> {
    text: &'t str,
    at: usize,
    line: usize,
    /// The lines of the items of the top-level vector or list being read.
    item_lines: Vec<usize>,
}

fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | '(' | ')' | '[' | ']' | '{' | '}' | '"' | ';')
}

fn closer_of(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

impl Reader<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, InputError> {
        Err(InputError::new(self.line, message))
    }

    /// Skips whitespace, commas, `;` comments and `#_` discarded values (a loop, not recursion,
    /// however many `#_` follow one another).
    fn skip_blank(&mut self, depth: usize) -> Result<(), InputError> {
        let mut discards = 0usize;
        while let Some(c) = self.peek() {
            if c.is_whitespace() || c == ',' {
                self.bump();
            } else if c == ';' {
                while self.peek().is_some_and(|c| c != '\n') {
                    self.bump();
                }
            } else if self.text[self.at..].starts_with("#_") {
                self.at += 2;
                discards += 1;
            } else if discards > 0 && !matches!(c, ')' | ']' | '}') {
                self.read_value(c, depth)?;
                discards -= 1;
            } else {
                break;
            }
        }
        if discards > 0 {
            return self.error("`#_` discards the next value, but none follows: remove the `#_`");
        }
        Ok(())
    }

    /// Reads the value starting with `c` (not blank) at nesting `depth`.
    fn read_value(&mut self, c: char, depth: usize) -> Result<Edn, InputError> {
        if depth > MAX_DEPTH {
            return self.error(format!(
                "values are nested more than {MAX_DEPTH} deep; a history op needs only a few levels: \
                 check for unclosed brackets"
            ));
        }
        let value = match c {
            '(' | '[' | '{' => {
                self.bump();
                let items = self.read_items(c, depth + 1)?;
                match c {
                    '(' => Edn::List(items),
                    '[' => Edn::Vector(items),
                    _ => self.map(items)?,
                }
            }
            ')' | ']' | '}' => return self.error(format!("unexpected `{c}`: nothing is open here; remove it")),
            '"' => Edn::Str(self.read_string()?),
            '#' => self.read_dispatch(depth)?,
            '\\' => {
                return self
                    .error("characters such as `\\a` are not supported in histories: write a string (\"a\") instead")
            }
            _ => self.read_atom()?,
        };
        Ok(value)
    }

    /// The items of a collection opened by `open` (already read) up to its closer.
    fn read_items(&mut self, open: char, depth: usize) -> Result<Vec<Edn>, InputError> {
        let (opened_on, close) = (self.line, closer_of(open));
        let mut items = Vec::new();
        loop {
            self.skip_blank(depth)?;
            match self.peek() {
                None => {
                    return Err(InputError::new(
                        opened_on,
                        format!("the `{open}` opened on line {opened_on} is never closed: add `{close}` where it ends"),
                    ))
                }
                Some(c) if c == close => {
                    self.bump();
                    return Ok(items);
                }
                Some(c @ (')' | ']' | '}')) => {
                    return self.error(format!(
                        "`{c}` closes the `{open}` opened on line {opened_on}: close it with `{close}` instead"
                    ))
                }
                Some(c) => {
                    if depth == 1 && open != '{' {
                        self.item_lines.push(self.line);
                    }
                    items.push(self.read_value(c, depth)?)
                }
            }
        }
    }

    fn map(&self, items: Vec<Edn>) -> Result<Edn, InputError> {
        if items.len() % 2 == 1 {
            let last = items.last().map(|k| truncate(&k.to_string(), 40)).unwrap_or_default();
            return self.error(format!(
                "this map has {} items, so the key `{last}` has no value: a map needs key value pairs",
                items.len()
            ));
        }
        let mut entries: Vec<(Edn, Edn)> = Vec::with_capacity(items.len() / 2);
        let mut items = items.into_iter();
        while let (Some(key), Some(value)) = (items.next(), items.next()) {
            if entries.iter().any(|(k, _)| k == &key) {
                return self
                    .error(format!("the key `{}` appears twice in one map: keep one", truncate(&key.to_string(), 40)));
            }
            entries.push((key, value));
        }
        Ok(Edn::Map(entries))
    }

    /// After `#`: a set `#{...}`, a symbolic float `##Inf`, or a tag and its value.
    fn read_dispatch(&mut self, depth: usize) -> Result<Edn, InputError> {
        self.bump();
        match self.peek() {
            Some('{') => {
                self.bump();
                Ok(Edn::Set(self.read_items('{', depth + 1)?))
            }
            Some('#') => {
                self.bump();
                let token = self.token().to_string();
                match token.as_str() {
                    "Inf" | "-Inf" | "NaN" => Ok(Edn::Float(format!("##{token}"))),
                    _ => self.error(format!(
                        "`##{}` is not EDN: the symbolic values are ##Inf, ##-Inf and ##NaN",
                        truncate(&token, 20)
                    )),
                }
            }
            Some(c) if c.is_alphabetic() => {
                let tag = self.token().to_string();
                self.skip_blank(depth)?;
                match self.peek() {
                    Some(c) if !matches!(c, ')' | ']' | '}') => {
                        Ok(Edn::Tagged(tag, Box::new(self.read_value(c, depth + 1)?)))
                    }
                    _ => self.error(format!("the tag `#{tag}` needs a value after it")),
                }
            }
            _ => self.error(
                "`#` starts a set `#{...}`, a tag `#inst \"...\"` or a discard `#_`; nothing else: remove it or quote it in a string",
            ),
        }
    }

    /// The text up to the next delimiter.
    fn token(&mut self) -> &str {
        let start = self.at;
        while self.peek().is_some_and(|c| !is_delimiter(c)) {
            self.bump();
        }
        &self.text[start..self.at]
    }

    fn read_atom(&mut self) -> Result<Edn, InputError> {
        let line = self.line;
        let token = self.token().to_string();
        let fail = |message: String| Err(InputError::new(line, message));
        let shown = truncate(&token, 40);
        let digits_start = token.strip_prefix(['+', '-']).unwrap_or(&token);
        if digits_start.starts_with(|c: char| c.is_ascii_digit()) {
            return number(&token).map_err(|why| InputError::new(line, format!("`{shown}` is not a number: {why}")));
        }
        if let Some(name) = token.strip_prefix(':') {
            if name.is_empty() || name.starts_with(':') || !name.chars().all(is_symbol_char) {
                return fail(format!("`{shown}` is not a keyword: write a colon and a name, such as `:invoke`"));
            }
            return Ok(Edn::Keyword(name.to_string()));
        }
        match token.as_str() {
            "nil" => Ok(Edn::Nil),
            "true" => Ok(Edn::Bool(true)),
            "false" => Ok(Edn::Bool(false)),
            _ if !token.is_empty() && token.chars().all(is_symbol_char) => Ok(Edn::Symbol(token)),
            _ => {
                let bad = token.chars().find(|&c| !is_symbol_char(c)).unwrap_or(' ');
                fail(format!(
                    "`{shown}` is not EDN: `{}` cannot appear in a symbol; if it is text, put it in double quotes",
                    bad.escape_default()
                ))
            }
        }
    }

    /// A string literal (the opening quote is next). Its line is where it opens.
    fn read_string(&mut self) -> Result<String, InputError> {
        let opened_on = self.line;
        self.bump();
        let mut text = String::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(InputError::new(
                    opened_on,
                    "this string is never closed: the file ends before its closing `\"` (write `\\\"` for a quote inside it)",
                ));
            };
            match c {
                '"' => return Ok(text),
                '\\' => text.push(self.read_escape()?),
                c => text.push(c),
            }
        }
    }

    fn read_escape(&mut self) -> Result<char, InputError> {
        let escaped = match self.bump() {
            Some('n') => '\n',
            Some('t') => '\t',
            Some('r') => '\r',
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('"') => '"',
            Some('\\') => '\\',
            Some('u') => {
                let hex: String = (0..4).filter_map(|_| self.peek().filter(char::is_ascii_hexdigit).and_then(|_| self.bump())).collect();
                match u32::from_str_radix(&hex, 16).ok().filter(|_| hex.len() == 4).and_then(char::from_u32) {
                    Some(c) => c,
                    None => return self.error("`\\u` in a string needs four hex digits of a character, such as `\\u00e9`"),
                }
            }
            Some(c) => {
                return self.error(format!(
                    "unknown escape `\\{}` in a string: the escapes are \\n \\t \\r \\b \\f \\\" \\\\ and \\uXXXX; write `\\\\` for a backslash",
                    c.escape_default()
                ))
            }
            None => return self.error("the file ends inside a string: close it with `\"`"),
        };
        Ok(escaped)
    }
}

/// Characters of EDN symbols and keywords (after the first): letters, digits and
/// `. * + ! - _ ? $ % & = < > / : # '`.
fn is_symbol_char(c: char) -> bool {
    c.is_alphanumeric() || ".*+!-_?$%&=<>/:#'".contains(c)
}

/// An integer (`42`, `-7`, `42N`) or a float (`1.5`, `-2e3`, `1.5M`), kept as written.
fn number(token: &str) -> Result<Edn, &'static str> {
    let unsigned = token.strip_prefix(['+', '-']).unwrap_or(token);
    let int_part_len = unsigned.find(|c: char| !c.is_ascii_digit()).unwrap_or(unsigned.len());
    if int_part_len > 1 && unsigned.starts_with('0') {
        return Err("EDN numbers have no leading zeros (Clojure would read 010 as octal 8): remove them");
    }
    let rest = &unsigned[int_part_len..];
    if rest.is_empty() || rest == "N" {
        let digits = token.trim_end_matches('N');
        return digits
            .parse()
            .map(Edn::Int)
            .map_err(|_| "integers have at most 64 bits (-9223372036854775808 to 9223372036854775807)");
    }
    let body = rest.strip_suffix('M').unwrap_or(rest);
    let (fraction, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let fraction_ok =
        fraction.is_empty() || fraction.strip_prefix('.').is_some_and(|d| d.chars().all(|c| c.is_ascii_digit()));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    if fraction_ok && exponent_ok {
        Ok(Edn::Float(token.to_string()))
    } else {
        Err("write digits with an optional fraction and exponent, such as 42, -7, 1.5 or 2e3")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Edn {
        let forms = read_all(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(forms.len(), 1, "{text}");
        forms.into_iter().next().map(|f| f.value).unwrap_or(Edn::Nil)
    }

    #[test]
    fn reads_what_histories_hold() {
        let op = one("{:process 2, :type :invoke, :f :cas, :value [1 nil], :time 42N, :x 1.5e3}");
        assert_eq!(op.to_string(), "{:process 2, :type :invoke, :f :cas, :value [1 nil], :time 42, :x 1.5e3}");
        assert_eq!(one(r#""a\"b\\c\n\u00e9""#), Edn::Str("a\"b\\c\né".into()));
        assert_eq!(one("(true false -3 +4 sym/x :ns/k)").to_string(), "(true false -3 4 sym/x :ns/k)");
        assert_eq!(one("#{1 2} ; comment").to_string(), "#{1 2}");
        assert_eq!(one("#jepsen.history.Op{:index 0}").get("index"), Some(&Edn::Int(0)));
        assert_eq!(one("[1 #_ 2 #_[3 4] 5]").to_string(), "[1 5]");
        assert_eq!(one("##Inf"), Edn::Float("##Inf".into()));
    }

    #[test]
    fn forms_carry_the_line_they_start_on() {
        let forms = read_all("; header\n{:a 1}\n\n[1\n 2]\n\"x\ny\" 3").unwrap();
        let lines: Vec<usize> = forms.iter().map(|f| f.line).collect();
        assert_eq!(lines, [2, 4, 6, 7]);
        assert_eq!(forms[1].item_lines, [4, 5]);
        assert!(forms[0].item_lines.is_empty());
    }

    #[test]
    fn numbers_are_checked() {
        assert_eq!(one("-9223372036854775808"), Edn::Int(i64::MIN));
        assert!(read_all("9223372036854775808").unwrap_err().message.contains("64 bits"));
        assert!(read_all("012").unwrap_err().message.contains("leading zeros"));
        assert!(read_all("1.2.3").unwrap_err().message.contains("not a number"));
        assert!(read_all("1e").unwrap_err().message.contains("not a number"));
        assert_eq!(one("0.5M"), Edn::Float("0.5M".into()));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let error = read_all(&deep).unwrap_err();
        assert!(error.message.contains("nested more than"), "{error}");
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(read_all(&ok).is_ok());
        let deep_tags = "#a ".repeat(100_000);
        assert!(read_all(&deep_tags).is_err());
    }
}
