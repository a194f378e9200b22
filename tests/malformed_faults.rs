//! Scenario files and fault lines, well-formed and malformed: a scenario round-trips through
//! its file with the same trace hash; every malformed scenario or fault line gets an error that
//! says what and where; nothing panics, whatever the bytes.

use kvplayground::sim::action::TimedAction;
use kvplayground::sim::fault::{FAULT_NAMES, FAULT_USAGE};
use kvplayground::sim::scenario::Scenario;
use kvplayground::{sim::script, Config};
use proptest::prelude::*;

const CONFIG: &str = include_str!("../examples/config.json");
const PARTITION: &str = include_str!("../examples/partition.scenario.json");
const FAULTS: &str = include_str!("../examples/faults.kvs");

fn scenario_with(script: &[&str]) -> String {
    serde_json::json!({"version": 1, "config": serde_json::from_str::<serde_json::Value>(CONFIG).unwrap(),
                       "seed": 3, "script": script})
    .to_string()
}

#[test]
fn scenarios_round_trip_with_the_same_trace_hash() {
    let config = Config::from_json(CONFIG).unwrap();
    let (lines, errors) = script::parse(FAULTS, config.len());
    assert!(errors.is_empty());
    let tour: Vec<String> = lines.iter().map(|l| l.action.to_string()).collect();
    let tour: Vec<&str> = tour.iter().map(String::as_str).collect();
    for text in [PARTITION.to_string(), scenario_with(&tour)] {
        let scenario = Scenario::parse(&text).unwrap();
        let again = Scenario::parse(&scenario.to_json()).unwrap();
        assert_eq!(again, scenario);
        assert_eq!(again.to_json(), scenario.to_json());
        let hash = scenario.run().trace().hash_hex();
        assert_eq!(again.run().trace().hash_hex(), hash);
        assert_eq!(hash.len(), 16);
    }
}

#[test]
fn malformed_scenarios_name_the_field() {
    let cases: Vec<(String, &str, &str)> = vec![
        (String::new(), "scenario", "EOF"),
        ("null".into(), "scenario", "not a JSON object"),
        (r#"{"version": "1"}"#.into(), "version", "\"1\" is not supported"),
        (r#"{"version": 1.5}"#.into(), "version", "1.5 is not supported"),
        (r#"{"version": 1, "seed": 1, "script": []}"#.into(), "scenario", "missing field `config`"),
        (scenario_with(&[]).replace(r#""script":[]"#, r#""script":"0 0 get 5 ONE""#), "script", "invalid type"),
        (scenario_with(&[]).replace(r#""seed":3"#, r#""seed":1e400"#), "seed", "number out of range"),
        (scenario_with(&[]).replace(r#""seed":3"#, r#""seed":3.5"#), "seed", "invalid type"),
        (scenario_with(&[]).replace(r#""addresses""#, r#""adresses""#), "config.adresses", "unknown field"),
        (
            scenario_with(&[]).replace(r#""seed":42"#, r#""seed":42,"replication_factor":9"#),
            "config.replication_factor",
            "out of range",
        ),
        (scenario_with(&["0 0 get 5 ONE", "1 0 get 5 TWO"]), "script[1]", "`TWO` is not a consistency level"),
        (scenario_with(&["1 partition 0 | 1"]), "script[0]", "node 2 is in no group"),
        (scenario_with(&["1 cut 0-4"]), "script[0]", "there is no node 4"),
        (scenario_with(&["1 skew 0"]), "script[0]", "expected `skew N MS`"),
        (scenario_with(&["1 hints maybe"]), "script[0]", "`maybe` is neither on nor off"),
        (scenario_with(&["1 gossip on"]), "script[0]", "`gossip` is not a node number"),
        (scenario_with(&["# a comment"]), "script[0]", "is not a time"),
    ];
    for (text, field, words) in &cases {
        let e = Scenario::parse(text).expect_err(text);
        assert_eq!(&e.field, field, "{text}: {e}");
        assert!(e.message.contains(words), "{text}: {e}");
        assert!(e.to_string().starts_with(&format!("invalid scenario: {field}: ")));
    }
}

#[test]
fn malformed_fault_lines_in_a_script_are_reported_and_the_rest_runs() {
    let text = "0 0 insert 5 v ALL\n100 crash\n200 restart 1 twice\n300 loss 0-1 -0.5\n400 partition 0,1 | 1,2,3\n\
                500 jitter 0~1 10\n600 dup * 1 2\n700 crash 1\n800 2 get 5 ONE\n";
    let (lines, errors) = script::parse(text, 4);
    assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 3, 4, 5, 6, 7]);
    let expected = [
        "`crash` takes 1 argument(s), 0 given",
        "`twice` is neither keep",
        "`-0.5` is not a probability",
        "node 1 is listed twice",
        "`0~1` is not a link",
        "`dup` takes 2 argument(s), 3 given",
    ];
    for (e, words) in errors.iter().zip(expected) {
        assert!(e.message.contains(words), "{e}");
        assert!(e.message.contains(FAULT_USAGE), "the usage is shown: {e}");
    }
    let kept: Vec<String> = lines.iter().map(|l| l.action.to_string()).collect();
    assert_eq!(kept, ["0 0 insert 5 v ALL", "700 crash 1", "800 2 get 5 ONE"]);
}

/// Words fault lines are made of, so random lines reach deep paths.
fn fault_word() -> impl Strategy<Value = String> {
    prop_oneof![
        // Every fault name, and the argument words and shapes they take.
        proptest::sample::select(
            FAULT_NAMES
                .iter()
                .copied()
                .chain([
                    "on", "off", "keep", "lose", "*", "|", ",", "0-1", "1>0", "0,1", "2,3", "-5", "0.5", "1e9", "NaN",
                    "n1", "9",
                ])
                .collect::<Vec<_>>()
        )
        .prop_map(String::from),
        "[0-9a-z,|*>.-]{0,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_action_lines_never_panic(words in proptest::collection::vec(fault_word(), 0..6), time in "[0-9.]{0,5}", nodes in 1usize..6) {
        let line = format!("{time} {}", words.join(" "));
        if let Ok(action) = TimedAction::parse(&line, nodes) {
            let printed = action.to_string();
            prop_assert_eq!(TimedAction::parse(&printed, nodes), Ok(action), "{} printed as {}", line, printed);
        }
    }

    #[test]
    fn random_scenario_text_never_panics(text in any::<String>(), script in proptest::collection::vec(any::<String>(), 0..4)) {
        let _ = Scenario::parse(&text);
        let scripted: Vec<&str> = script.iter().map(String::as_str).collect();
        let _ = Scenario::parse(&scenario_with(&scripted));
    }
}
