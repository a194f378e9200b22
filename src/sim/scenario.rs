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
//! `workload` (optional) is a generated workload's spec (`"ops=100000 rate=5000 keys=500"`, as
//! `kvsim run --workload` reads it): its operations run from time 0, and the script's actions
//! wait for its last operation to be scheduled, as the page holds back actions given after one.
//!
//! Parsing is strict, unlike a script's: an unknown field, another version, or any line that is
//! not a valid command or fault makes the whole file an error that names where it is.

use crate::model::command::Command;
use crate::model::config::Config;
use crate::sim::action::{Action, TimedAction, MAX_TIME_MS};
use crate::sim::simulation::Simulation;
use crate::sim::workload_feed::WorkloadFeed;
use crate::sim::workload_spec::WorkloadSpec;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// The scenario format this build reads and writes.
pub const SCENARIO_VERSION: u64 = 1;

/// The file as JSON.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScenarioFile {
    version: u64,
    config: Config,
    seed: u64,
    script: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    time_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    workload: Option<String>,
}

/// What a scenario document says its version is, read alone before the rest (whose fields
/// are skipped, whatever they hold).
enum VersionProbe {
    NotAnObject,
    Missing,
    Number(u64),
    /// Anything else, as written: `"1"`, `1.5`, `null`.
    Other(String),
}

impl<'de> Deserialize<'de> for VersionProbe {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct Document;
        impl<'de> Visitor<'de> for Document {
            type Value = VersionProbe;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON document")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<VersionProbe, A::Error> {
                let mut version = VersionProbe::Missing;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "version" {
                        version = map.next_value_seed(Version)?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(version)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<VersionProbe, A::Error> {
                IgnoredAny.visit_seq(seq).map(|_| VersionProbe::NotAnObject)
            }
            fn visit_bool<E>(self, _: bool) -> Result<VersionProbe, E> {
                Ok(VersionProbe::NotAnObject)
            }
            fn visit_i64<E>(self, _: i64) -> Result<VersionProbe, E> {
                Ok(VersionProbe::NotAnObject)
            }
            fn visit_u64<E>(self, _: u64) -> Result<VersionProbe, E> {
                Ok(VersionProbe::NotAnObject)
            }
            fn visit_f64<E>(self, _: f64) -> Result<VersionProbe, E> {
                Ok(VersionProbe::NotAnObject)
            }
            fn visit_str<E>(self, _: &str) -> Result<VersionProbe, E> {
                Ok(VersionProbe::NotAnObject)
            }
            fn visit_unit<E>(self) -> Result<VersionProbe, E> {
                Ok(VersionProbe::NotAnObject)
            }
        }

        struct Version;
        impl<'de> Visitor<'de> for Version {
            type Value = VersionProbe;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a version number")
            }
            fn visit_u64<E>(self, v: u64) -> Result<VersionProbe, E> {
                Ok(VersionProbe::Number(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<VersionProbe, E> {
                Ok(u64::try_from(v).map_or_else(|_| VersionProbe::Other(v.to_string()), VersionProbe::Number))
            }
            fn visit_f64<E>(self, v: f64) -> Result<VersionProbe, E> {
                Ok(VersionProbe::Other(format!("{v:?}")))
            }
            fn visit_str<E>(self, v: &str) -> Result<VersionProbe, E> {
                Ok(VersionProbe::Other(format!("\"{v}\"")))
            }
            fn visit_bool<E>(self, v: bool) -> Result<VersionProbe, E> {
                Ok(VersionProbe::Other(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<VersionProbe, E> {
                Ok(VersionProbe::Other("null".into()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<VersionProbe, A::Error> {
                IgnoredAny.visit_seq(seq).map(|_| VersionProbe::Other("a list".into()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<VersionProbe, A::Error> {
                IgnoredAny.visit_map(map).map(|_| VersionProbe::Other("an object".into()))
            }
        }

        impl<'de> DeserializeSeed<'de> for Version {
            type Value = VersionProbe;
            fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<VersionProbe, D::Error> {
                de.deserialize_any(self)
            }
        }

        de.deserialize_any(Document)
    }
}

/// A parsed, validated scenario. The seed replaces the config's own `seed`.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub config: Config,
    pub seed: u64,
    pub script: Vec<TimedAction>,
    /// The moment (ms) a viewer of the run was looking at, if the file says.
    pub time_ms: Option<f64>,
    /// A generated workload that runs from time 0, the script waiting for its last operation.
    pub workload: Option<WorkloadSpec>,
}

/// What is wrong with a scenario file, and where: `version`, `config.avg_delays[1][0]`,
/// `script[3]`, or `scenario` for the document as a whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub field: String,
    pub message: String,
}

impl ScenarioError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
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
        let mut probe = serde_json::Deserializer::from_str(text);
        let scenario = Scenario::read(&mut probe, &mut serde_json::Deserializer::from_str(text))?;
        probe.end().map_err(|e| ScenarioError::new("scenario", e.to_string()))?;
        Ok(scenario)
    }

    /// Reads and validates a scenario from two serde sources of the same document (JSON text
    /// natively, the browser's own parsed object in wasm): the first for the version alone, so
    /// a file of another version is reported as such rather than as having fields this build
    /// does not know; the second for the rest.
    pub fn read<'de, D: Deserializer<'de>>(probe: D, document: D) -> Result<Scenario, ScenarioError> {
        match VersionProbe::deserialize(probe).map_err(|e| ScenarioError::new("scenario", e.to_string()))? {
            VersionProbe::Number(SCENARIO_VERSION) => {}
            VersionProbe::NotAnObject => return Err(ScenarioError::new("scenario", "not a JSON object")),
            VersionProbe::Missing => {
                return Err(ScenarioError::new("version", format!("missing: add \"version\": {SCENARIO_VERSION}")))
            }
            VersionProbe::Number(v) => return Err(unsupported(v.to_string())),
            VersionProbe::Other(v) => return Err(unsupported(v)),
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
        let workload = file
            .workload
            .as_deref()
            .map(WorkloadSpec::parse)
            .transpose()
            .map_err(|e| ScenarioError::new("workload", e.0))?;
        Ok(Scenario { config: file.config, seed: file.seed, script, time_ms: file.time_ms, workload })
    }

    /// The scenario as its file's text (pretty JSON); parses back to an equal scenario.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.document()).expect("a scenario serialises")
    }

    /// The scenario as its file's document, for a serializer of another format.
    pub fn document(&self) -> impl Serialize {
        ScenarioFile {
            version: SCENARIO_VERSION,
            config: self.config.clone(),
            seed: self.seed,
            script: self.script.iter().map(TimedAction::to_string).collect(),
            time_ms: self.time_ms,
            workload: self.workload.as_ref().map(WorkloadSpec::to_string),
        }
    }

    /// The run, not yet started: a simulation (recording its trace or not) with the script
    /// scheduled, or with a workload, the feed the run takes its operations from and the script
    /// waiting for them (call its `feed` before each step).
    pub fn start(&self, record_trace: bool) -> (Simulation, Option<WorkloadFeed>) {
        let mut sim = Simulation::with_trace(&self.config, self.seed, record_trace);
        let Some(spec) = &self.workload else {
            for action in &self.script {
                // Cannot fail: parsing checked every node against this config.
                sim.schedule_action(action.clone()).ok();
            }
            return (sim, None);
        };
        (sim, Some(WorkloadFeed::new(spec.operations(self.config.len()), self.script.clone())))
    }

    /// Runs the scenario until nothing is left to do.
    pub fn run(&self) -> Simulation {
        let (mut sim, feed) = self.start(true);
        let Some(mut feed) = feed else {
            sim.run_until_quiet();
            return sim;
        };
        let mut fed = |sim: &mut Simulation| {
            // Parsing checked every node of the script, and the workload's are in range.
            feed.feed(sim).expect("a checked scenario's operations and actions schedule")
        };
        while (fed(&mut sim) || !sim.is_quiet()) && sim.step() {}
        sim
    }
}

fn unsupported(version: String) -> ScenarioError {
    ScenarioError::new("version", format!("{version} is not supported: this build reads version {SCENARIO_VERSION}"))
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
            viewed.run().trace().events().collect::<Vec<_>>(),
            scenario.run().trace().events().collect::<Vec<_>>(),
            "the viewed moment changes nothing in the run"
        );
    }

    #[test]
    fn a_workload_runs_from_time_0_and_the_script_waits_for_its_last_operation() {
        let with = |script: &str, workload: &str| {
            file(script).replace(r#""seed": 7"#, &format!(r#""seed": 7, "workload": "{workload}""#))
        };
        let scenario =
            Scenario::parse(&with(r#"["0 0 insert late x ALL"]"#, "ops=50 rate=100 keys=3 level=ONE")).unwrap();
        let spec = "ops=50 rate=100 clients=16 keys=3 dist=uniform mix=get:50/insert:50 level=ONE seed=1";
        assert_eq!(
            scenario.workload.as_ref().map(ToString::to_string).as_deref(),
            Some(spec),
            "every field, written back"
        );
        assert_eq!(Scenario::parse(&scenario.to_json()).unwrap(), scenario);
        let sim = scenario.run();
        let results = sim.results();
        let requests = |sim: &Simulation| {
            sim.results().iter().filter_map(|r| r.request).collect::<std::collections::BTreeSet<_>>().len()
        };
        assert_eq!(requests(&sim), 51, "the workload's 50 operations and the script's insert");
        let insert = results.iter().find(|r| &*r.command == "insert late x ALL").expect("the insert ran");
        // Due at 0 ms, it waited for the last operation, scheduled once the one before it (480 ms) ran.
        assert!(insert.time >= 480_000, "the insert ran at {} µs", insert.time);
        let alone = Scenario::parse(&with("[]", "ops=50 rate=100 keys=3 level=ONE")).unwrap().run();
        assert_eq!(requests(&alone), 50);
        assert!(
            Scenario::parse(&with("[]", "ops=0")).is_err_and(|e| e.field == "workload" && e.message.contains("ops=0"))
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
