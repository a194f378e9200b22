//! Malformed command lines: an error naming the problem; on a cluster, a failed result and no change.

use super::*;

/// Malformed command lines and a phrase the error must contain.
fn malformed_commands() -> Vec<(String, String)> {
    let long_key = "k".repeat(MAX_KEY_BYTES + 1);
    let long_unicode_key = "é".repeat(MAX_KEY_BYTES / 2 + 1); // 2 bytes each
    let long_value = "v".repeat(MAX_VALUE_BYTES + 1);
    let megabyte = "x".repeat(1 << 20);
    let many_words = "a ".repeat(100_000);
    let cases: Vec<(String, &str)> = vec![
        // Empty.
        ("".into(), "empty command"),
        ("   \t  ".into(), "empty command"),
        ("\n".into(), "empty command"),
        // Unknown commands.
        ("fetch 5".into(), "unknown command `fetch`"),
        ("put 5 v ONE".into(), "unknown command `put`"),
        ("showall".into(), "unknown command `showall`"),
        ("show_all".into(), "unknown command `show_all`"),
        ("5 get ONE".into(), "unknown command `5`"),
        ("ONE".into(), "unknown command `ONE`"),
        // Missing arguments.
        ("get".into(), "`get` is missing arguments: expected `get KEY LEVEL`"),
        ("get 5".into(), "`get` is missing arguments"),
        ("insert".into(), "`insert` is missing arguments: expected `insert KEY VALUE LEVEL`"),
        ("insert 5 hello".into(), "`insert` is missing arguments"),
        ("update 5".into(), "`update` is missing arguments: expected `update KEY VALUE LEVEL`"),
        ("delete".into(), "`delete` is missing arguments: expected `delete KEY [LEVEL]`"),
        ("search".into(), "`search` is missing arguments: expected `search KEY`"),
        ("GET 5".into(), "`get` is missing arguments"),
        // Extra arguments.
        ("get 5 ONE now".into(), "`get` has 1 extra argument(s)"),
        ("insert 5 two words ONE".into(), "keys and values cannot contain spaces"),
        ("update 5 a b c d ALL".into(), "`update` has 3 extra argument(s)"),
        ("delete 5 ONE twice".into(), "`delete` has 1 extra argument(s)"),
        ("show-all now".into(), "`show-all` has 1 extra argument(s)"),
        ("search 5 6".into(), "`search` has 1 extra argument(s)"),
        (format!("get {many_words}"), "`get` has 99998 extra argument(s)"),
        // Bad levels.
        ("get 5 TWO".into(), "`TWO` is not a consistency level"),
        ("get 5 2".into(), "`2` is not a consistency level"),
        ("get 5 0".into(), "`0` is not a consistency level"),
        ("insert 5 v QUORUMS".into(), "`QUORUMS` is not a consistency level"),
        ("insert 5 v 1.0".into(), "`1.0` is not a consistency level"),
        ("update 5 v -1".into(), "`-1` is not a consistency level"),
        ("delete 5 maybe".into(), "`maybe` is not a consistency level"),
        ("get 5 ONE,".into(), "`ONE,` is not a consistency level"),
        // Oversized keys and values.
        (format!("get {long_key} ONE"), "key is 257 bytes long; keys may be at most 256 bytes"),
        (format!("search {long_key}"), "keys may be at most 256 bytes"),
        (format!("delete {long_key}"), "keys may be at most 256 bytes"),
        (format!("insert {long_unicode_key} v ONE"), "key is 258 bytes long"),
        (format!("insert k {long_value} ONE"), "value is 4097 bytes long; values may be at most 4096 bytes"),
        (format!("update k {long_value} ALL"), "values may be at most 4096 bytes"),
        // Unicode.
        ("ｇｅｔ 5 ONE".into(), "unknown command `ｇｅｔ`"),
        ("gét 5 ONE".into(), "unknown command `gét`"),
        ("get 5 ＯＮＥ".into(), "`ＯＮＥ` is not a consistency level"),
        ("get 5 ОNE".into(), "`ОNE` is not a consistency level"), // Cyrillic О
        ("insert 🔑 🗝 ᴀʟʟ".into(), "`ᴀʟʟ` is not a consistency level"),
        // Control characters.
        ("get k\u{0}ey ONE".into(), "key contains the control character U+0000"),
        ("insert k v\u{1b}[2J ONE".into(), "value contains the control character U+001B"),
        ("insert k\u{7f} v ONE".into(), "key contains the control character U+007F"),
        ("search k\u{9b}1m".into(), "key contains the control character U+009B"),
        ("get\u{0} k ONE".into(), "unknown command"),
        ("\u{7}get k ONE".into(), "unknown command"),
        ("get k ONE\u{0}".into(), "is not a consistency level"),
        // Very long lines.
        (megabyte.clone(), "unknown command `xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...`"),
        (format!("get k {megabyte}"), "is not a consistency level"),
        (format!("insert k {megabyte} ONE"), "value is 1048576 bytes long"),
        (format!("get {megabyte} ONE"), "key is 1048576 bytes long"),
    ];
    cases.into_iter().map(|(line, words)| (line, words.to_string())).collect()
}

#[test]
fn malformed_command_lines_are_errors_naming_the_problem() {
    for (line, words) in malformed_commands() {
        let err = match Command::parse(&line) {
            Ok(c) => panic!("{} was accepted as {c:?}", short(&line)),
            Err(e) => e,
        };
        assert!(err.problem().contains(&words), "{}: {:?} should contain {words:?}", short(&line), err.problem());
        let text = err.to_string();
        assert!(text.starts_with("Invalid command: ") && text.ends_with(USAGE), "{text}");
        assert!(
            err.problem().len() <= 400,
            "{}: the error quotes too much ({} bytes)",
            short(&line),
            err.problem().len()
        );
    }
}

#[test]
fn well_formed_lines_at_the_edges_are_accepted() {
    let key = "k".repeat(MAX_KEY_BYTES);
    let value = "v".repeat(MAX_VALUE_BYTES);
    let cases = [
        (
            format!("insert {key} {value} ALL"),
            Command::Insert { key: key.as_str().into(), value: value.as_str().into(), level: Level::All },
        ),
        (
            "insert ключ значение quorum".into(),
            Command::Insert { key: "ключ".into(), value: "значение".into(), level: Level::Quorum },
        ),
        ("get\tk\tAll".into(), Command::Get { key: "k".into(), level: Level::All }),
        ("get k\u{a0}one".into(), Command::Get { key: "k".into(), level: Level::One }), // NBSP is whitespace
        ("  Delete   k  ".into(), Command::Delete { key: "k".into(), level: Level::One }),
        ("SEARCH 🔑".into(), Command::Search { key: "🔑".into() }),
        ("Show-All".into(), Command::ShowAll),
        ("update 5 x 9".into(), Command::Update { key: "5".into(), value: "x".into(), level: Level::All }),
    ];
    for (line, expected) in cases {
        let parsed = Command::parse(&line).unwrap_or_else(|e| panic!("{}: {e}", short(&line)));
        assert_eq!(parsed, expected);
        assert_eq!(Command::parse(&parsed.to_string()).unwrap(), parsed, "display round-trips");
    }
}

#[test]
fn a_malformed_command_on_a_cluster_fails_and_changes_nothing() {
    let mut sim = cluster();
    for (line, words) in malformed_commands() {
        let before = stores(&sim);
        let events_before = sim.trace().len();
        let results_before = sim.results().len();
        let node = line.len() % 4;
        let id = sim.submit(node, &line).unwrap();
        sim.run_until_quiet();

        let results = &sim.results()[results_before..];
        assert_eq!(results.len(), 1, "{}: one result", short(&line));
        let r = &results[0];
        assert_eq!((r.request, r.node), (Some(id), node));
        match &r.outcome {
            Outcome::Failed { error } => {
                assert!(error.starts_with("Invalid command: ") && error.contains(&words), "{}: {error:?}", short(&line))
            }
            other => panic!("{} gave {other:?}", short(&line)),
        }
        assert!(r.to_text().contains("Invalid command"));
        assert_eq!(stores(&sim), before, "{}: no store changed", short(&line));
        let kinds: Vec<_> = sim.trace().events_from(events_before).map(|e| e.kind).collect();
        assert_eq!(kinds, [TraceKind::Command, TraceKind::Reply], "{}: no message was sent", short(&line));
    }
    // The cluster still works.
    let id = sim.submit(1, "get k ALL").unwrap();
    sim.run_until_quiet();
    let r = sim.results().iter().find(|r| r.request == Some(id)).unwrap();
    assert!(matches!(&r.outcome, Outcome::Value { entry: Some(e), .. } if e.value.as_deref() == Some("v1")), "{r:?}");
}

#[test]
fn commands_on_a_node_that_does_not_exist_are_refused() {
    let mut sim = cluster();
    for node in [4, 5, usize::MAX] {
        let err = sim.submit(node, "show-all").unwrap_err();
        assert!(err.contains(&format!("there is no node {node}")) && err.contains("0 to 3"), "{err}");
        assert!(sim.schedule(10, node, "get k ONE").is_err());
    }
}
