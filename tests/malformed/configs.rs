//! Malformed configs: an error naming the field; configs at the limits accepted.

use super::*;

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
