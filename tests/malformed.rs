//! Malformed input of every kind: configs, command lines and script lines. Each gets an error
//! that names the problem (for configs, the field), a malformed command run on a cluster yields
//! an `Outcome::Failed` result and changes nothing, and nothing panics, whatever the bytes.

use kvplayground::model::command::{Command, Level, MAX_KEY_BYTES, MAX_VALUE_BYTES, USAGE};
use kvplayground::model::config::MAX_NODES;
use kvplayground::model::outcome::Outcome;
use kvplayground::sim::action::Action;
use kvplayground::sim::script::ScriptLine;
use kvplayground::sim::trace::TraceKind;
use kvplayground::{sim::script, Config, Key, NodeId, Simulation, Time};
use proptest::prelude::*;

fn matrix(n: usize, delay: f64) -> String {
    serde_json::to_string(&vec![vec![delay; n]; n]).unwrap()
}

fn addresses(n: usize) -> String {
    serde_json::to_string(&(0..n).map(|i| format!("host{i}:15000")).collect::<Vec<_>>()).unwrap()
}

/// A valid config of `n` nodes with `extra` fields added (`extra` starts with a comma or is empty).
fn with(n: usize, extra: &str) -> String {
    format!(r#"{{"addresses": {}, "avg_delays": {}{extra}}}"#, addresses(n), matrix(n, 0.1))
}

// ---------------------------------------------------------------------------------------------
// Configs

#[test]
fn malformed_configs_are_errors_naming_the_field() {
    let long_address = "a".repeat(201);
    let too_many = with(MAX_NODES + 1, "");
    let too_many_words = format!("{} nodes given; at most {MAX_NODES}", MAX_NODES + 1);
    let cases: Vec<(String, &str, &str)> = vec![
        // Not a config at all.
        ("not json".into(), "config.json", "expected"),
        ("".into(), "config.json", "EOF"),
        ("{".into(), "config.json", "EOF"),
        ("[]".into(), "config.json", "not a JSON object"),
        ("null".into(), "config.json", "not a JSON object"),
        ("42".into(), "config.json", "not a JSON object"),
        (r#"{"addresses": ["a"], "avg_delays": [[NaN]]}"#.into(), "avg_delays[0][0]", "expected value"),
        (r#"{"addresses": ["a"], "avg_delays": [[0]]} trailing"#.into(), "config.json", "trailing characters"),
        // Missing, unknown and repeated fields.
        (r#"{"addresses": ["a"]}"#.into(), "config.json", "missing field `avg_delays`"),
        (r#"{"avg_delays": [[0]]}"#.into(), "config.json", "missing field `addresses`"),
        (with(1, r#", "colour": "red""#), "colour", "unknown field `colour`"),
        (with(1, r#", "Seed": 1"#), "Seed", "unknown field `Seed`"),
        (
            r#"{"addresses": ["a"], "addresses": ["b"], "avg_delays": [[0]]}"#.into(),
            "config.json",
            "duplicate field `addresses`",
        ),
        // Node count.
        (r#"{"addresses": [], "avg_delays": []}"#.into(), "addresses", "empty"),
        (too_many, "addresses", &too_many_words),
        // Addresses.
        (format!(r#"{{"addresses": ["a", ""], "avg_delays": {}}}"#, matrix(2, 0.0)), "addresses[1]", "empty"),
        (format!(r#"{{"addresses": ["a", " \t"], "avg_delays": {}}}"#, matrix(2, 0.0)), "addresses[1]", "empty"),
        (
            format!(r#"{{"addresses": ["a", "b", "a"], "avg_delays": {}}}"#, matrix(3, 0.0)),
            "addresses[2]",
            "duplicate of addresses[0]",
        ),
        (
            format!(r#"{{"addresses": ["{long_address}"], "avg_delays": [[0]]}}"#),
            "addresses[0]",
            "longer than 200 bytes",
        ),
        (r#"{"addresses": "localhost:15000", "avg_delays": [[0]]}"#.into(), "addresses", "invalid type"),
        (r#"{"addresses": [15000], "avg_delays": [[0]]}"#.into(), "addresses[0]", "invalid type"),
        (r#"{"addresses": null, "avg_delays": [[0]]}"#.into(), "addresses", "invalid type"),
        // The delay matrix.
        (
            r#"{"addresses": ["a", "b"], "avg_delays": [[0, 0]]}"#.into(),
            "avg_delays",
            "has 1 rows but there are 2 addresses",
        ),
        (r#"{"addresses": ["a", "b"], "avg_delays": [[0, 0], [0, 0], [0, 0]]}"#.into(), "avg_delays", "has 3 rows"),
        (r#"{"addresses": ["a", "b"], "avg_delays": [[0, 0], [0]]}"#.into(), "avg_delays[1]", "has 1 columns"),
        (r#"{"addresses": ["a", "b"], "avg_delays": [[0, 0, 0], [0, 0]]}"#.into(), "avg_delays[0]", "has 3 columns"),
        (
            r#"{"addresses": ["a", "b"], "avg_delays": [[0, 0], [-1, 0]]}"#.into(),
            "avg_delays[1][0]",
            "-1 is not a delay",
        ),
        (r#"{"addresses": ["a", "b"], "avg_delays": [[0, -0.001], [0, 0]]}"#.into(), "avg_delays[0][1]", "not a delay"),
        (r#"{"addresses": ["a", "b"], "avg_delays": [[0, 1e9], [0, 0]]}"#.into(), "avg_delays[0][1]", "from 0 to 3600"),
        (
            r#"{"addresses": ["a", "b"], "avg_delays": [[0, 3600.001], [0, 0]]}"#.into(),
            "avg_delays[0][1]",
            "not a delay",
        ),
        (r#"{"addresses": ["a"], "avg_delays": [[1e400]]}"#.into(), "avg_delays[0][0]", "number out of range"),
        (r#"{"addresses": ["a"], "avg_delays": [["0"]]}"#.into(), "avg_delays[0][0]", "invalid type"),
        (r#"{"addresses": ["a"], "avg_delays": [0]}"#.into(), "avg_delays[0]", "invalid type"),
        (r#"{"addresses": ["a"], "avg_delays": "fast"}"#.into(), "avg_delays", "invalid type"),
        // Replication factor.
        (with(3, r#", "replication_factor": 0"#), "replication_factor", "0 is out of range"),
        (with(3, r#", "replication_factor": 4"#), "replication_factor", "from 1 to the number of nodes (3)"),
        (with(3, r#", "replication_factor": -1"#), "replication_factor", "invalid value"),
        (with(3, r#", "replication_factor": 2.5"#), "replication_factor", "invalid type"),
        (with(3, r#", "replication_factor": "3""#), "replication_factor", "invalid type"),
        (with(3, r#", "replication_factor": 1e100"#), "replication_factor", "invalid type"),
        // Clock skew.
        (with(3, r#", "clock_skew_ms": [0, 1]"#), "clock_skew_ms", "has 2 entries; give one per node (3)"),
        (with(2, r#", "clock_skew_ms": []"#), "clock_skew_ms", "has 0 entries"),
        (with(2, r#", "clock_skew_ms": [0, 3600001]"#), "clock_skew_ms[1]", "is not a skew"),
        (with(2, r#", "clock_skew_ms": [-1e300, 0]"#), "clock_skew_ms[0]", "is not a skew"),
        (with(2, r#", "clock_skew_ms": "fast""#), "clock_skew_ms", "invalid type"),
        (with(2, r#", "clock_skew_ms": [0, "ahead"]"#), "clock_skew_ms[1]", "invalid type"),
        (with(2, r#", "clock_skew_ms": 5"#), "clock_skew_ms", "invalid type"),
        // Timeouts and grace periods.
        (with(1, r#", "request_timeout_s": 0"#), "request_timeout_s", "out of range"),
        (with(1, r#", "request_timeout_s": -3"#), "request_timeout_s", "out of range"),
        (with(1, r#", "request_timeout_s": 86401"#), "request_timeout_s", "up to 86400"),
        (with(1, r#", "request_timeout_s": "10""#), "request_timeout_s", "invalid type"),
        (with(1, r#", "tombstone_grace_s": -1"#), "tombstone_grace_s", "out of range"),
        (with(1, r#", "tombstone_grace_s": 1e12"#), "tombstone_grace_s", "out of range"),
        (with(1, r#", "tombstone_grace_s": true"#), "tombstone_grace_s", "invalid type"),
        // Hinted handoff and anti-entropy.
        (with(1, r#", "hinted_handoff": 1"#), "hinted_handoff", "invalid type"),
        (with(1, r#", "hinted_handoff": "on""#), "hinted_handoff", "invalid type"),
        (with(1, r#", "anti_entropy_period_s": 0"#), "anti_entropy_period_s", "use seconds from 0.01 up to 86400"),
        (with(1, r#", "anti_entropy_period_s": 0.001"#), "anti_entropy_period_s", "out of range"),
        (with(1, r#", "anti_entropy_period_s": -5"#), "anti_entropy_period_s", "out of range"),
        (with(1, r#", "anti_entropy_period_s": 86401"#), "anti_entropy_period_s", "out of range"),
        (with(1, r#", "anti_entropy_period_s": true"#), "anti_entropy_period_s", "invalid type"),
        (with(1, r#", "anti_entropy_period_s": "5""#), "anti_entropy_period_s", "invalid type"),
        // Delay distribution and seed.
        (with(1, r#", "delay_distribution": "normal""#), "delay_distribution", "unknown variant `normal`"),
        (with(1, r#", "delay_distribution": "Uniform""#), "delay_distribution", "unknown variant `Uniform`"),
        (with(1, r#", "delay_distribution": 1"#), "delay_distribution", "at line 1 column"),
        (with(1, r#", "seed": -1"#), "seed", "invalid value"),
        (with(1, r#", "seed": 1.5"#), "seed", "invalid type"),
        (with(1, r#", "seed": "42""#), "seed", "invalid type"),
        (with(1, r#", "seed": 18446744073709551616"#), "seed", "invalid"),
    ];
    for (text, field, words) in &cases {
        let shown = if text.len() > 200 { format!("{}...", &text[..200]) } else { text.clone() };
        let err = match Config::from_json(text) {
            Ok(c) => panic!("{shown} was accepted as {c:?}"),
            Err(e) => e,
        };
        assert_eq!(&err.field, field, "{shown} gave {err}");
        assert!(err.message.contains(words), "{shown}: {:?} should contain {words:?}", err.message);
        let display = err.to_string();
        assert!(display.starts_with(&format!("invalid config: {field}: ")), "{display}");
    }
}

#[test]
fn configs_at_the_limits_are_accepted() {
    let cases = [
        with(MAX_NODES, ""),
        with(1, r#", "replication_factor": 1, "request_timeout_s": 86400, "tombstone_grace_s": 0"#),
        with(2, r#", "hinted_handoff": true, "anti_entropy_period_s": 0.01"#),
        with(2, r#", "hinted_handoff": false, "anti_entropy_period_s": 86400"#),
        with(2, r#", "hinted_handoff": null, "anti_entropy_period_s": null"#),
        with(2, r#", "clock_skew_ms": [-3600000, 3600000], "seed": 18446744073709551615"#),
        r#"{"addresses": ["a", "b"], "avg_delays": [[0, 3600], [0.000001, 0]], "delay_distribution": "exponential"}"#
            .to_string(),
        with(3, r#", "replication_factor": null, "clock_skew_ms": null, "delay_distribution": "constant""#),
        // The original's file loads unchanged.
        r#"{"addresses": ["localhost:15000", "localhost:15001", "localhost:15002", "localhost:15003"],
            "avg_delays": [[0, 1, 2, 3], [1, 0, 1, 2], [2, 1, 0, 1], [3, 2, 1, 0]]}"#
            .to_string(),
    ];
    for text in &cases {
        let config = Config::from_json(text).unwrap_or_else(|e| panic!("{e}"));
        // A cluster runs on it.
        let mut sim = Simulation::new(&config, 1);
        sim.schedule(0, config.len() - 1, "insert k v ALL").unwrap();
        sim.run_until_quiet();
        assert!(sim.results()[0].outcome.is_ok(), "{:?}", sim.results());
    }
}

// ---------------------------------------------------------------------------------------------
// Command lines

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

fn short(text: &str) -> String {
    let s: String = text.chars().take(80).collect();
    if s.len() < text.len() {
        format!("{s:?}... ({} bytes)", text.len())
    } else {
        format!("{s:?}")
    }
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

fn stores(sim: &Simulation) -> Vec<Vec<(Key, kvplayground::Entry)>> {
    sim.nodes().iter().map(|n| n.store().sorted()).collect()
}

fn cluster() -> Simulation {
    let config = Config::from_json(&with(4, "")).unwrap();
    let mut sim = Simulation::new(&config, 3);
    for (i, key) in ["5", "k", "ключ", "🔑"].iter().enumerate() {
        sim.schedule(0, i, &format!("insert {key} v{i} ALL")).unwrap();
    }
    sim.schedule(0, 0, "delete 5 ALL").unwrap();
    sim.run_until_quiet();
    sim
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

// ---------------------------------------------------------------------------------------------
// Script lines

#[test]
fn malformed_script_lines_are_reported_with_their_line_and_the_rest_kept() {
    let huge_time = "9".repeat(100_000);
    let huge_node = "n".repeat(100_000);
    let cases: Vec<(String, &str)> = vec![
        ("soon 0 get 5 ONE".into(), "`soon` is not a time"),
        ("-5 0 show-all".into(), "`-5` is not a time"),
        ("NaN 0 show-all".into(), "`NaN` is not a time"),
        ("inf 0 show-all".into(), "`inf` is not a time"),
        ("86400001 0 show-all".into(), "is not a time: start the line with milliseconds from 0 to 86400000"),
        ("1e30 0 show-all".into(), "`1e30` is not a time"),
        ("１０ 0 show-all".into(), "is not a time"),
        ("10ms 0 show-all".into(), "`10ms` is not a time"),
        (format!("{huge_time} 0 show-all"), "is not a time"),
        ("10 7 get 5 ONE".into(), "there is no node 7: nodes are numbered 0 to 3"),
        ("10 n4 get 5 ONE".into(), "there is no node 4"),
        ("10 x get 5 ONE".into(), "`x` is not a node number: use 0 to 3"),
        ("10 -1 get 5 ONE".into(), "`-1` is not a node number"),
        ("10 n get 5 ONE".into(), "`n` is not a node number"),
        ("10 1.5 get 5 ONE".into(), "`1.5` is not a node number"),
        ("10 99999999999999999999999 show-all".into(), "is not a node number"),
        (format!("10 {huge_node} show-all"), "is not a node number"),
        ("10".into(), "is not a node number"),
        ("10 1".into(), "no command after the node number"),
        ("10 1    # just a comment".into(), "no command after the node number"),
    ];
    for (line, words) in &cases {
        let text = format!("# header\n\n0 0 show-all\n{line}\n20 1 get 5 ONE\n");
        let (lines, errors) = script::parse(&text, 4);
        assert_eq!(errors.len(), 1, "{}: {errors:?}", short(line));
        let e = &errors[0];
        assert_eq!(e.line, 4, "{}", short(line));
        assert!(e.message.contains(words), "{}: {:?} should contain {words:?}", short(line), e.message);
        assert!(e.message.len() <= 400, "{}: the error quotes too much ({} bytes)", short(line), e.message.len());
        assert!(e.to_string().starts_with("script line 4: "));
        let kept: Vec<_> = lines.iter().map(command_line_of).collect();
        assert_eq!(kept, [(3, 0, 0, "show-all"), (5, 20_000, 1, "get 5 ONE")], "{}", short(line));
    }
}

/// A script line that must be a command: `(line, at, node, command)`.
fn command_line_of(l: &ScriptLine) -> (usize, Time, NodeId, &str) {
    match &l.action.action {
        Action::Command { node, command } => (l.line, l.action.at, *node, command.as_str()),
        Action::Fault(fault) => panic!("line {} is the fault `{fault}`, not a command", l.line),
    }
}

#[test]
fn script_lines_with_a_malformed_command_parse_and_fail_when_run() {
    let config = Config::from_json(&with(4, "")).unwrap();
    let text = "0 0 insert 5 hello ALL\r\n100 n1 fetch 5\r\n200 2 get 5 TWO # bad level\n\n300.25 3 get 5 ALL\n";
    let (lines, errors) = script::parse(text, config.len());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        lines
            .iter()
            .map(|l| {
                let (line, at, node, _) = command_line_of(l);
                (line, at, node)
            })
            .collect::<Vec<_>>(),
        [(1, 0, 0), (2, 100_000, 1), (3, 200_000, 2), (5, 300_250, 3)]
    );
    let mut sim = Simulation::new(&config, 0);
    for l in &lines {
        sim.schedule_action(l.action.clone()).unwrap();
    }
    sim.run_until_quiet();
    let outcome_of = |cmd: &str| &sim.results().iter().find(|r| &*r.command == cmd).unwrap().outcome;
    assert!(matches!(outcome_of("fetch 5"), Outcome::Failed { error } if error.contains("unknown command `fetch`")));
    assert!(
        matches!(outcome_of("get 5 TWO"), Outcome::Failed { error } if error.contains("`TWO` is not a consistency level"))
    );
    assert!(
        matches!(outcome_of("get 5 ALL"), Outcome::Value { entry: Some(e), .. } if e.value.as_deref() == Some("hello"))
    );
}

#[test]
fn script_parse_survives_a_cluster_of_no_nodes() {
    let (lines, errors) = script::parse("0 0 show-all\n1 n0 get 5 ONE\n2 x show-all\n", 0);
    assert!(lines.is_empty());
    assert_eq!(errors.len(), 3);
    assert!(errors[0].message.contains("there is no node 0"), "{}", errors[0].message);
}

// ---------------------------------------------------------------------------------------------
// Nothing panics, whatever the input.

/// Words that command lines and configs are made of, so random strings reach deep paths.
fn command_word() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(vec![
            "get", "insert", "update", "delete", "show-all", "search", "GET", "Show-All", "ONE", "QUORUM", "ALL",
            "one", "1", "9", "2", "k", "5", "v", "ключ", "🔑", "\u{0}", "\u{1b}", "é", "#", "n1", "-1", "1e3",
        ])
        .prop_map(String::from),
        "[a-z0-9]{0,8}",
        any::<String>(),
        (1usize..600).prop_map(|n| "x".repeat(n)),
    ]
}

fn command_line() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(command_word(), 0..7),
        proptest::sample::select(vec![" ", "  ", "\t", " \u{a0}", "\u{3000}"]),
    )
        .prop_map(|(words, sep)| words.join(sep))
}

fn json_leaf() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    prop_oneof![
        Just(json!(null)),
        any::<bool>().prop_map(|b| json!(b)),
        any::<i64>().prop_map(|i| json!(i)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        (-10.0f64..4000.0).prop_map(|f| json!(f)),
        (0u64..10).prop_map(|i| json!(i)),
        "[a-z:0-9 ]{0,12}".prop_map(|s| json!(s)),
        proptest::sample::select(vec!["uniform", "constant", "exponential", "normal"]).prop_map(|s| json!(s)),
    ]
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    json_leaf().prop_recursive(3, 40, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            proptest::collection::vec(("[a-z_]{1,8}", inner), 0..4)
                .prop_map(|fields| serde_json::Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// Configs that are objects with the real field names and values of random shapes, mostly
/// plausible ones (about a fifth of them valid): a random number of nodes, a matrix of random
/// size, random optional fields, now and then an unknown one.
fn config_text() -> impl Strategy<Value = String> {
    use serde_json::Value;
    fn numbers(len: std::ops::Range<usize>) -> impl Strategy<Value = Value> {
        proptest::collection::vec(prop_oneof![20 => (0.0f64..3.0).prop_map(Value::from), 1 => json_leaf()], len)
            .prop_map(Value::Array)
    }
    fn maybe(weight: f64, plausible: BoxedStrategy<Value>) -> impl Strategy<Value = Option<Value>> {
        proptest::option::weighted(weight, prop_oneof![8 => plausible, 1 => json_value()])
    }
    (0usize..5)
        .prop_flat_map(|n| {
            (
                prop_oneof![
                    12 => Just(serde_json::json!((0..n).map(|i| format!("h{i}")).collect::<Vec<_>>())),
                    1 => json_value(),
                ],
                prop_oneof![
                    12 => proptest::collection::vec(numbers(n..n + 1), n..n + 1).prop_map(Value::Array),
                    1 => proptest::collection::vec(numbers(0..5), 0..5).prop_map(Value::Array),
                    1 => json_value(),
                ],
                maybe(0.5, (0u64..6).prop_map(Value::from).boxed()),
                maybe(0.3, (0.0f64..100.0).prop_map(Value::from).boxed()),
                maybe(
                    0.5,
                    proptest::sample::select(vec!["uniform", "constant", "exponential"]).prop_map(Value::from).boxed(),
                ),
                maybe(0.5, any::<u64>().prop_map(Value::from).boxed()),
                maybe(0.3, numbers(n..n + 1).boxed()),
                maybe(0.3, (0.0f64..1000.0).prop_map(Value::from).boxed()),
                maybe(0.3, any::<bool>().prop_map(Value::from).boxed()),
                maybe(0.3, (0.0f64..100.0).prop_map(Value::from).boxed()),
                proptest::option::weighted(0.05, ("[a-z_]{1,8}", json_value())),
            )
        })
        .prop_map(|(addresses, delays, rf, timeout, distribution, seed, skew, grace, hints, ae, unknown)| {
            let mut map = serde_json::Map::new();
            map.insert("addresses".into(), addresses);
            map.insert("avg_delays".into(), delays);
            let optional = [
                ("replication_factor", rf),
                ("request_timeout_s", timeout),
                ("delay_distribution", distribution),
                ("seed", seed),
                ("clock_skew_ms", skew),
                ("tombstone_grace_s", grace),
                ("hinted_handoff", hints),
                ("anti_entropy_period_s", ae),
            ];
            for (name, value) in optional {
                if let Some(value) = value {
                    map.insert(name.into(), value);
                }
            }
            if let Some((name, value)) = unknown {
                map.insert(name, value);
            }
            Value::Object(map).to_string()
        })
}

fn check_config(text: &str) {
    match Config::from_json(text) {
        Ok(config) => {
            // Whatever validated round-trips and can run.
            let again = serde_json::to_string(&config).unwrap();
            assert_eq!(Config::from_json(&again).as_ref(), Ok(&config), "{again}");
            let mut sim = Simulation::new(&config, 0);
            sim.schedule(0, 0, "insert k v ALL").unwrap();
            sim.schedule(1, config.len() - 1, "get k ONE").unwrap();
            sim.run_until_quiet();
            assert!(!sim.results().is_empty());
        }
        Err(e) => {
            assert!(!e.field.is_empty() && !e.message.is_empty(), "{e:?}");
            assert!(e.to_string().starts_with("invalid config: "));
        }
    }
}

fn check_command(line: &str) {
    match Command::parse(line) {
        Ok(command) => {
            assert_eq!(Command::parse(&command.to_string()).as_ref(), Ok(&command), "display round-trips");
            if let Some(key) = command.key() {
                assert!(!key.is_empty() && key.len() <= MAX_KEY_BYTES && !key.chars().any(char::is_control));
            }
        }
        Err(e) => {
            assert!(!e.problem().is_empty());
            assert!(e.to_string().starts_with("Invalid command: "));
        }
    }
}

fn check_script(text: &str, nodes: usize) {
    let (lines, errors) = script::parse(text, nodes);
    for l in &lines {
        assert!(l.action.at <= 86_400_000_000);
        if let Action::Command { node, command } = &l.action.action {
            assert!(*node < nodes && !command.is_empty());
        }
    }
    for e in &errors {
        assert!(!e.message.is_empty() && e.line >= 1);
    }
    assert!(lines.len() + errors.len() <= text.lines().count());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), nodes in 0usize..9) {
        let text = String::from_utf8_lossy(&bytes);
        check_config(&text);
        check_command(&text);
        check_script(&text, nodes);
    }

    #[test]
    fn random_strings_never_panic(text in any::<String>(), nodes in 0usize..9) {
        check_config(&text);
        check_command(&text);
        check_script(&text, nodes);
    }

    #[test]
    fn random_command_lines_never_panic(line in command_line(), time in "[0-9.e+-]{0,6}", node in "n?[0-9]{0,2}", nodes in 1usize..9) {
        check_command(&line);
        check_script(&format!("{time} {node} {line}\n{line}\n"), nodes);
    }

    #[test]
    fn random_configs_never_panic(text in config_text()) {
        check_config(&text);
    }

    /// A random line typed on a cluster either runs or fails with `Invalid command`, and a line
    /// that does not parse changes no store and sends nothing.
    #[test]
    fn random_lines_on_a_cluster(line in command_line(), node in 0usize..4) {
        let mut sim = cluster();
        let before = stores(&sim);
        let events_before = sim.trace().len();
        let id = sim.submit(node, &line).unwrap();
        sim.run_until_quiet();
        let results: Vec<_> = sim.results().iter().filter(|r| r.request == Some(id)).collect();
        prop_assert!(!results.is_empty());
        if let Err(e) = Command::parse(&line) {
            prop_assert_eq!(results.len(), 1);
            prop_assert_eq!(&results[0].outcome, &Outcome::Failed { error: e.to_string() });
            prop_assert_eq!(stores(&sim), before);
            prop_assert_eq!(sim.trace().len(), events_before + 2);
        }
    }
}
