//! The shared lexer of every line a user types: commands, script lines, fault lines and the
//! REPL's own words. Splitting off words, node numbers, numbers and milliseconds, and quoting
//! user text back in an error, live here once so every parser reads and reports alike.

mod number;

pub use number::parse_finite;

use crate::model::types::{NodeId, MICROS_PER_MS};

/// Splits off the first whitespace-separated word; returns it and the trimmed rest.
pub fn split_word(text: &str) -> (&str, &str) {
    let text = text.trim();
    match text.find(char::is_whitespace) {
        Some(i) => (&text[..i], text[i..].trim_start()),
        None => (text, ""),
    }
}

/// Parses a node number, `2` or `n2`, checking it is in the cluster.
pub fn parse_node(text: &str, nodes: usize) -> Result<NodeId, String> {
    let digits = text.strip_prefix('n').unwrap_or(text);
    match digits.parse::<NodeId>() {
        Ok(node) if node < nodes => Ok(node),
        Ok(node) => Err(format!("there is no node {node}: nodes are numbered 0 to {}", nodes.saturating_sub(1))),
        Err(_) => Err(format!("`{}` is not a node number: use 0 to {}", truncate(text, 40), nodes.saturating_sub(1))),
    }
}

/// Microseconds as milliseconds, exactly and without trailing zeros: `1500000` is `1500`,
/// `-2500` is `-2.5`.
pub fn format_ms(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let abs = micros.unsigned_abs();
    let (ms, frac) = (abs / MICROS_PER_MS, abs % MICROS_PER_MS);
    if frac == 0 {
        format!("{sign}{ms}")
    } else {
        format!("{sign}{ms}.{}", format!("{frac:03}").trim_end_matches('0'))
    }
}

/// Shortens user text quoted back in an error, on a character boundary.
pub fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_off_and_nodes_parse() {
        assert_eq!(split_word("  crash   2 "), ("crash", "2"));
        assert_eq!(split_word("heal"), ("heal", ""));
        assert_eq!(parse_node("n3", 4), Ok(3));
        assert!(parse_node("4", 4).unwrap_err().contains("there is no node 4"));
        assert!(parse_node("x", 4).unwrap_err().contains("`x` is not a node number"));
    }

    #[test]
    fn milliseconds_print_exactly() {
        assert_eq!(format_ms(1_500_000), "1500");
        assert_eq!(format_ms(1_500_500), "1500.5");
        assert_eq!(format_ms(-2_500), "-2.5");
        assert_eq!(format_ms(1), "0.001");
    }

    #[test]
    fn quoted_text_is_cut_on_a_character_boundary() {
        assert_eq!(truncate("héllo", 2), "hé...");
        assert_eq!(truncate("hi", 2), "hi");
    }
}
