//! Whole runs inside wasm: fast-forward and replay of a script or a scenario, scenario files,
//! and the benchmark.

use super::{parse_config, seed_from_js, to_js};
use crate::scenario::Scenario;
use crate::script;
use crate::sim::Simulation;
use crate::view::ResultView;
use crate::workload::Workload;
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
    let sim = Scenario::parse(json).map_err(|e| JsError::new(&e.to_string()))?.run();
    let results = sim.results().iter().map(ResultView::of).collect();
    to_js(&Run { trace_hash: sim.trace().hash_hex(), results, trace: sim.trace().to_json_lines() })
}

/// A scenario file (pretty JSON) from the page's config text, seed and script lines
/// (`<time_ms> <action>`), checked as strictly as `runScenario` checks one.
#[wasm_bindgen(js_name = scenarioJson)]
pub fn scenario_json(config_json: &str, seed: f64, lines: Vec<String>) -> Result<String, JsError> {
    let config: serde_json::Value =
        serde_json::from_str(config_json).map_err(|e| JsError::new(&format!("invalid config: {e}")))?;
    let document = serde_json::json!({
        "version": crate::scenario::SCENARIO_VERSION,
        "config": config,
        "seed": seed_from_js(seed)?,
        "script": lines,
    });
    let scenario = Scenario::parse(&document.to_string()).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(scenario.to_json())
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
