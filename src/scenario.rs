//! Scenario files: a whole run as one JSON document that the page can download or share and
//! `kvsim run --scenario` replays:
//!
//! ```json
//! {"version": 1, "config": {...config.json...}, "seed": 42,
//!  "script": ["0 0 insert 5 hello ALL", "1200 crash 2", "1500 restart 2 keep"],
//!  "time_ms": 1300}
//! ```
//!
//! `time_ms` (optional) is the moment the page was showing when the file was saved: the page
//! reopens the run there. `kvsim` checks it and otherwise ignores it (it runs until quiet).
//!
//! Parsing is strict, unlike a script's: an unknown field, another version, or any line that is
//! not a valid command or fault makes the whole file an error that names where it is.

use crate::action::{Action, TimedAction, MAX_TIME_MS};
use crate::command::Command;
use crate::config::Config;
use crate::sim::Simulation;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The scenario format this build reads and writes.
pub const SCENARIO_VERSION: u64 = 1;

/// The file as JSON.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    version: u64,
    config: Config,
    seed: u64,
    script: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    time_ms: Option<f64>,
}

/// A parsed, validated scenario. The seed replaces the config's own `seed`.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub config: Config,
    pub seed: u64,
    pub script: Vec<TimedAction>,
    /// The moment (ms) a viewer of the run was looking at, if the file says.
    pub time_ms: Option<f64>,
}

/// What is wrong with a scenario file, and where: `version`, `config.avg_delays[1][0]`,
/// `script[3]`, or `scenario` for the document as a whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub field: String,
    pub message: String,
}

impl ScenarioError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        ScenarioError { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid scenario: {}: {}", self.field, self.message)
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// Parses and validates a scenario file's text.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        // The version first, so a file of another version is reported as such rather than as
        // having fields this build does not know.
        let document: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ScenarioError::new("scenario", e.to_string()))?;
        match document.get("version") {
            Some(v) if v.as_u64() == Some(SCENARIO_VERSION) => {}
            Some(v) => {
                return Err(ScenarioError::new(
                    "version",
                    format!("{v} is not supported: this build reads version {SCENARIO_VERSION}"),
                ))
            }
            None if document.is_object() => {
                return Err(ScenarioError::new("version", format!("missing: add \"version\": {SCENARIO_VERSION}")))
            }
            None => return Err(ScenarioError::new("scenario", "not a JSON object")),
        }
        let file: ScenarioFile = serde_path_to_error::deserialize(document).map_err(|e| {
            let path = e.path().to_string();
            ScenarioError::new(if path == "." { "scenario".into() } else { path }, e.into_inner().to_string())
        })?;
        if let Some(ms) = file.time_ms {
            if !(0.0..=MAX_TIME_MS).contains(&ms) {
                return Err(ScenarioError::new(
                    "time_ms",
                    format!("{ms} is not a time: use milliseconds from 0 to {MAX_TIME_MS}"),
                ));
            }
        }
        file.config.validate().map_err(|e| ScenarioError::new(format!("config.{}", e.field), e.message))?;
        let script = file
            .script
            .iter()
            .enumerate()
            .map(|(i, line)| {
                parse_line(line, file.config.len()).map_err(|e| ScenarioError::new(format!("script[{i}]"), e))
            })
            .collect::<Result<_, _>>()?;
        Ok(Scenario { config: file.config, seed: file.seed, script, time_ms: file.time_ms })
    }

    /// The scenario as its file's text (pretty JSON); parses back to an equal scenario.
    pub fn to_json(&self) -> String {
        let file = ScenarioFile {
            version: SCENARIO_VERSION,
            config: self.config.clone(),
            seed: self.seed,
            script: self.script.iter().map(TimedAction::to_string).collect(),
            time_ms: self.time_ms,
        };
        serde_json::to_string_pretty(&file).expect("a scenario serialises")
    }

    /// A simulation with every action of the script scheduled, not yet run.
    pub fn simulation(&self) -> Simulation {
        let mut sim = Simulation::new(&self.config, self.seed);
        for action in &self.script {
            // Cannot fail: parsing checked every node against this config.
            sim.schedule_action(action.clone()).ok();
        }
        sim
    }

    /// Runs the scenario until nothing is left to do.
    pub fn run(&self) -> Simulation {
        let mut sim = self.simulation();
        sim.run_until_quiet();
        sim
    }
}

/// One script line, commands included: a scenario is checked whole before it runs.
fn parse_line(line: &str, nodes: usize) -> Result<TimedAction, String> {
    let action = TimedAction::parse(line, nodes)?;
    if let Action::Command { command, .. } = &action.action {
        Command::parse(command).map_err(|e| e.to_string())?;
    }
    Ok(action)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"{"addresses": ["a", "b", "c"], "avg_delays": [[0, 1, 1], [1, 0, 1], [1, 1, 0]]}"#;

    fn file(script: &str) -> String {
        format!(r#"{{"version": 1, "config": {CONFIG}, "seed": 7, "script": {script}}}"#)
    }

    #[test]
    fn a_scenario_round_trips() {
        let text = file(r#"["0 0 insert 5 hello ALL", "1200 crash 2", "1500.5 restart 2 keep", "2000 loss * 0.5"]"#);
        let scenario = Scenario::parse(&text).unwrap();
        assert_eq!(scenario.seed, 7);
        assert_eq!(scenario.script.len(), 4);
        assert_eq!(scenario.time_ms, None);
        assert!(!scenario.to_json().contains("time_ms"), "absent stays absent");
        assert_eq!(Scenario::parse(&scenario.to_json()).unwrap(), scenario);
        let viewed = Scenario::parse(&text.replace(r#""seed": 7"#, r#""seed": 7, "time_ms": 1300.5"#)).unwrap();
        assert_eq!(viewed.time_ms, Some(1300.5));
        assert_eq!(Scenario::parse(&viewed.to_json()).unwrap(), viewed);
        assert_eq!(
            viewed.run().trace().events(),
            scenario.run().trace().events(),
            "the viewed moment changes nothing in the run"
        );
    }

    #[test]
    fn errors_name_where_the_problem_is() {
        let cases = [
            ("[1, 2]".to_string(), "scenario", "not a JSON object"),
            ("{".to_string(), "scenario", "EOF"),
            (r#"{"config": {}}"#.to_string(), "version", "missing"),
            (file("[]").replace(r#""version": 1"#, r#""version": 2"#), "version", "2 is not supported"),
            (file("[]").replace(r#""seed": 7"#, r#""seed": 7, "colour": 1"#), "colour", "unknown field"),
            (file("[]").replace(r#""seed": 7"#, r#""seed": -7"#), "seed", "invalid value"),
            (file("[]").replace("[[0, 1, 1]", "[[0, -1, 1]"), "config.avg_delays[0][1]", "not a delay"),
            (file(r#"["0 0 get 5 ONE", "10 crash 5"]"#), "script[1]", "there is no node 5"),
            (file(r#"["0 0 fetch 5"]"#), "script[0]", "unknown command `fetch`"),
            (file(r#"["soon 0 get 5 ONE"]"#), "script[0]", "`soon` is not a time"),
            (file(r#"[3]"#), "script[0]", "invalid type"),
            (file("[]").replace(r#""seed": 7"#, r#""seed": 7, "time_ms": -1"#), "time_ms", "not a time"),
            (file("[]").replace(r#""seed": 7"#, r#""seed": 7, "time_ms": "soon""#), "time_ms", "invalid type"),
        ];
        for (text, field, words) in cases {
            let e = Scenario::parse(&text).expect_err(&text);
            assert_eq!(e.field, field, "{text}: {e}");
            assert!(e.message.contains(words), "{text}: {e}");
        }
    }
}
