//! Whole runs inside wasm: fast-forward and replay of a script or a scenario, scenario files,
//! and the benchmark.

use super::{json, parse_config, seed_from_js, to_js};
use crate::sim::script;
use crate::sim::simulation::Simulation;
use crate::sim::workload::Workload;
use crate::wasm::view::ResultView;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Runs a `kvsim run` script to the end inside wasm: `{results, trace, errors}` where `trace` is
/// JSON lines, byte for byte what `kvsim run --trace` records natively.
#[wasm_bindgen(js_name = runScript)]
pub fn run_script(config_json: &str, seed: f64, script_text: &str) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Run {
        results: Vec<ResultView>,
        trace: String,
        errors: Vec<String>,
    }
    let config = parse_config(config_json)?;
    let (lines, errors) = script::parse(script_text, config.len());
    let mut sim = Simulation::new(&config, seed_from_js(seed)?);
    for line in &lines {
        sim.schedule_action(line.action.clone()).map_err(|e| JsError::new(&e))?;
    }
    sim.run_until_quiet();
    let results = sim.results().iter().map(ResultView::of).collect();
    to_js(&Run { results, trace: sim.trace().to_json_lines(), errors: errors.iter().map(|e| e.to_string()).collect() })
}

/// Runs a scenario file to the end inside wasm: `{traceHash, results, trace}` as `runScript`,
/// with the hash `kvsim run --scenario FILE --hash` prints. A bad file is an error naming where.
#[wasm_bindgen(js_name = runScenario)]
pub fn run_scenario(json: &str) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Run {
        trace_hash: String,
        results: Vec<ResultView>,
        trace: String,
    }
    let sim = json::scenario(json).map_err(|e| JsError::new(&e.to_string()))?.run();
    let results = sim.results().iter().map(ResultView::of).collect();
    to_js(&Run { trace_hash: sim.trace().hash_hex(), results, trace: sim.trace().to_json_lines() })
}

/// A scenario file (pretty JSON) from the page's config text, seed and script lines
/// (`<time_ms> <action>`), and optionally the moment viewed (`time_ms`), checked as strictly as
/// `runScenario` checks one.
#[wasm_bindgen(js_name = scenarioJson)]
pub fn scenario_json(
    config_json: &str,
    seed: f64,
    lines: Vec<String>,
    time_ms: Option<f64>,
) -> Result<String, JsError> {
    let config = json::parse(config_json).map_err(|e| JsError::new(&format!("invalid config: {e}")))?;
    let mut fields = vec![
        ("version", JsValue::from(crate::sim::scenario::SCENARIO_VERSION as f64)),
        ("config", config),
        ("seed", JsValue::from(seed_from_js(seed)? as f64)),
        ("script", lines.into_iter().map(JsValue::from).collect::<js_sys::Array>().into()),
    ];
    fields.extend(time_ms.map(|ms| ("time_ms", JsValue::from(ms))));
    let document = js_sys::Object::new();
    for (field, value) in fields {
        js_sys::Reflect::set(&document, &field.into(), &value)
            .map_err(|_| JsError::new("cannot build the scenario document"))?;
    }
    let scenario = json::scenario_of(document.into()).map_err(|e| JsError::new(&e.to_string()))?;
    json::stringify(&scenario.document(), true)
}

/// Largest seed a page can hold exactly (JS numbers).
const MAX_JS_SEED: u64 = (1 << 53) - 1;

/// Longest scenario text `parseScenario` reads: hostile input gets an error, not a stalled page.
pub const MAX_SCENARIO_BYTES: usize = 1 << 20;

/// Parses and checks a scenario file without running it: `{config (JSON text, defaults filled
/// in), seed, script (canonical timed lines), timeMs (or undefined)}`, for the page to replay.
/// A bad file is an error naming where (`invalid scenario: script[3]: ...`).
#[wasm_bindgen(js_name = parseScenario)]
pub fn parse_scenario(json: &str) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Parsed {
        config: String,
        seed: u64,
        script: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        time_ms: Option<f64>,
    }
    if json.len() > MAX_SCENARIO_BYTES {
        return Err(JsError::new(&format!(
            "invalid scenario: scenario: {} bytes is too long: at most {MAX_SCENARIO_BYTES}",
            json.len()
        )));
    }
    let scenario = json::scenario(json).map_err(|e| JsError::new(&e.to_string()))?;
    if scenario.seed > MAX_JS_SEED {
        return Err(JsError::new(&format!(
            "invalid scenario: seed: {} is too large for the page: at most 2^53 - 1",
            scenario.seed
        )));
    }
    let config = json::stringify(&scenario.config, false)?;
    let script = scenario.script.iter().map(ToString::to_string).collect();
    to_js(&Parsed { config, seed: scenario.seed, script, time_ms: scenario.time_ms })
}

/// The standard workload of `kvsim bench` with `operations` operations, timed with the page's
/// clock: `{events, seconds, events_per_second}`.
#[wasm_bindgen(js_name = benchStandard)]
pub fn bench_standard(operations: usize) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Figures {
        operations: usize,
        events: u64,
        seconds: f64,
        events_per_second: f64,
    }
    if operations == 0 {
        return Err(JsError::new("operations must be at least 1"));
    }
    let performance = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"performance".into()).ok())
        .ok_or_else(|| JsError::new("no window.performance to time the run with"))?;
    let now = js_sys::Function::from(
        js_sys::Reflect::get(&performance, &"now".into()).map_err(|_| JsError::new("no performance.now"))?,
    );
    let clock = || now.call0(&performance).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    let mut sim = Workload { operations, ..Workload::STANDARD }.simulation(false);
    let start = clock();
    while sim.step() {
        drop(sim.take_results());
    }
    let seconds = (clock() - start) / 1000.0;
    let events = sim.scheduler().processed();
    to_js(&Figures { operations, events, seconds, events_per_second: events as f64 / seconds })
}
