//! What a script line, a scenario or the page asks for at a moment of virtual time: a command
//! typed on a node, or a fault. Both travel through the scheduler's one ordered queue.

use crate::lex::{format_ms, parse_finite, parse_node, split_word, truncate};
use crate::model::types::{NodeId, Time, MICROS_PER_MS};
use crate::sim::fault::{Fault, FAULT_NAMES};
use std::fmt;

/// Longest action time accepted: one day of virtual time, in milliseconds.
pub const MAX_TIME_MS: f64 = 86_400_000.0;

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// `command` is typed on `node`. The command text is checked when it runs, so a bad command
    /// is answered with an error result like any typed line.
    Command {
        node: NodeId,
        command: String,
    },
    Fault(Fault),
}

impl Action {
    /// Parses `<node> <command>` or a fault line on a cluster of `nodes`.
    pub fn parse(text: &str, nodes: usize) -> Result<Action, String> {
        let (first, rest) = split_word(text);
        if Fault::is_fault_name(first) {
            return Fault::parse(text, nodes).map(Action::Fault);
        }
        let node = parse_node(first, nodes).map_err(|e| {
            if first.is_empty() || first.starts_with(|c: char| c.is_ascii_digit() || c == 'n' || c == '-') {
                e
            } else {
                format!("{e}, or start a fault with one of {}", FAULT_NAMES.join(", "))
            }
        })?;
        let command = rest.trim();
        if command.is_empty() {
            return Err("no command after the node number (expected `<node> <command>`, e.g. `0 get 5 ONE`)".into());
        }
        // A script holds one action per line: a line break would smuggle in another action.
        if let Some(c) = command.chars().find(|c| c.is_control()) {
            return Err(format!(
                "the command contains the control character U+{:04X}: type one command per line",
                c as u32
            ));
        }
        Ok(Action::Command { node, command: command.to_string() })
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Command { node, command } => write!(f, "{node} {command}"),
            Action::Fault(fault) => write!(f, "{fault}"),
        }
    }
}

/// An action at virtual time `at` (microseconds); prints as its script line `<time_ms> ...`.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedAction {
    pub at: Time,
    pub action: Action,
}

impl TimedAction {
    /// Parses a script line `<time_ms> <node> <command>` or `<time_ms> <fault>`.
    pub fn parse(line: &str, nodes: usize) -> Result<TimedAction, String> {
        let (time, rest) = split_word(line);
        let ms = parse_finite(time).filter(|ms| (0.0..=MAX_TIME_MS).contains(ms)).ok_or_else(|| {
            format!(
                "`{}` is not a time: start the line with milliseconds from 0 to {MAX_TIME_MS} (expected `<time_ms> <node> <command>` or `<time_ms> <fault>`)",
                truncate(time, 40)
            )
        })?;
        let action = Action::parse(rest, nodes)?;
        Ok(TimedAction { at: (ms * MICROS_PER_MS as f64).round() as Time, action })
    }
}

impl fmt::Display for TimedAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", format_ms(self.at as i64), self.action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_faults_parse_and_print_back() {
        for line in ["0 0 insert 5 hello ALL", "1200 crash 2", "1500.25 3 get 5 ONE", "2000 partition 0,1 | 2,3"] {
            let action = TimedAction::parse(line, 4).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(action.to_string(), line);
        }
        let typed = TimedAction::parse("10 n1   get 5 ONE  ", 4).unwrap();
        assert_eq!(typed.action, Action::Command { node: 1, command: "get 5 ONE".into() });
    }

    #[test]
    fn a_word_that_is_neither_a_node_nor_a_fault_says_both() {
        let e = Action::parse("explode 2", 4).unwrap_err();
        assert!(e.contains("`explode` is not a node number") && e.contains("crash, restart"), "{e}");
        let e = Action::parse("7 get 5 ONE", 4).unwrap_err();
        assert!(e.contains("there is no node 7") && !e.contains("crash"), "{e}");
    }

    #[test]
    fn an_action_is_one_line() {
        let e = Action::parse("0 get 5 ONE\n1 crash 2", 4).unwrap_err();
        assert!(e.contains("U+000A") && e.contains("one command per line"), "{e}");
        let e = Action::parse("0   ", 4).unwrap_err();
        assert!(e.contains("no command after the node number"), "{e}");
    }
}
