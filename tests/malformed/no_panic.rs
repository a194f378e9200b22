//! Nothing panics, whatever the input: random configs, command lines and scripts.

use super::*;

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
