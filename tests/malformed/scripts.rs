//! Malformed script lines: reported with their line number, the rest of the script kept.

use super::*;

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
