//! Scripts for `kvsim run`: one action per line, `<time_ms> <node> <command>` or
//! `<time_ms> <fault>`; blank lines and `#` comments are skipped.

use crate::sim::action::TimedAction;

/// A script line that parsed: its line number and what it asks for when.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptLine {
    pub line: usize,
    pub action: TimedAction,
}

/// A script line that did not parse; the rest of the script still runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptError {
    pub line: usize,
    pub text: String,
    pub message: String,
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "script line {}: {}", self.line, self.message)
    }
}

/// Parses a whole script; `nodes` is the cluster size, to check node numbers.
pub fn parse(text: &str, nodes: usize) -> (Vec<ScriptLine>, Vec<ScriptError>) {
    let (mut lines, mut errors) = (Vec::new(), Vec::new());
    for (i, raw) in text.lines().enumerate() {
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        match TimedAction::parse(content, nodes) {
            Ok(action) => lines.push(ScriptLine { line: i + 1, action }),
            Err(message) => errors.push(ScriptError { line: i + 1, text: content.to_string(), message }),
        }
    }
    (lines, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::action::Action;

    #[test]
    fn parses_lines_and_skips_comments() {
        let (lines, errors) = parse("# a story\n\n0    0  insert 5 hello ALL\n1500.5 n3 get 5 ONE  # stale?\n", 4);
        assert!(errors.is_empty());
        let command = |node, command: &str| Action::Command { node, command: command.into() };
        assert_eq!(
            lines,
            vec![
                ScriptLine { line: 3, action: TimedAction { at: 0, action: command(0, "insert 5 hello ALL") } },
                ScriptLine { line: 4, action: TimedAction { at: 1_500_500, action: command(3, "get 5 ONE") } },
            ]
        );
    }

    #[test]
    fn bad_lines_are_reported_and_the_rest_kept() {
        let (lines, errors) =
            parse("soon 0 get 5 ONE\n10 7 get 5 ONE\n10 x get 5 ONE\n10 1\n-5 0 show-all\n20 1 show-all", 4);
        assert_eq!(lines.len(), 1);
        let lines_with_errors: Vec<_> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines_with_errors, vec![1, 2, 3, 4, 5]);
        assert!(errors[0].message.contains("`soon` is not a time"));
        assert!(errors[1].message.contains("there is no node 7"));
        assert!(errors[3].message.contains("no command"));
    }
}
