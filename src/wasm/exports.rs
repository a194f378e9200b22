//! What the page makes on demand from a run's data, and reads on demand (scenario files, from a
//! link, a file or a lesson), in a package of its own (www/pkg-export, feature `exports`) that the
//! page loads when first used, so its first load carries none of it.

use super::convert::{seed_from_js, to_js};
use super::json;
use crate::model::store::Store;
use crate::model::types::Entry;
use crate::sim::anomalies::divergent;
use crate::sim::node_log::StoreEntry;
use crate::sim::shiviz::shiviz_of_json_lines;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// The ShiViz log of a trace given as JSON lines (`KvScheduler.traceJsonLines()`, or a trace
/// file of `kvsim run --trace`): what `kvsim run --shiviz` writes for the same run.
#[wasm_bindgen(js_name = shivizOfTrace)]
pub fn shiviz_of_trace(json_lines: &str) -> Result<String, JsError> {
    shiviz_of_json_lines(json_lines).map_err(|e| JsError::new(&e))
}

/// The keys whose replicas disagree, given every node's store in node order (`KvNode.store()`
/// of each) and the cluster's replication factor: `[{key, replicas: [[node, {value, version} or
/// null]]}]`, in key order.
#[wasm_bindgen(js_name = divergentOf)]
pub fn divergent_of(stores: JsValue, replication_factor: usize) -> Result<JsValue, JsError> {
    let stores: Vec<Vec<StoreEntry>> = serde_wasm_bindgen::from_value(stores)
        .map_err(|e| JsError::new(&format!("the stores must be a list of KvNode.store() views: {e}")))?;
    let n = stores.len();
    if !(1..=n).contains(&replication_factor) {
        return Err(JsError::new(&format!(
            "replication factor {replication_factor} must be from 1 to the {n} nodes whose stores are given"
        )));
    }
    let stores: Vec<Store> = stores
        .into_iter()
        .map(|entries| {
            let mut store = Store::new(0);
            for StoreEntry { key, value, version } in entries {
                store.apply(0, &key, &Entry { value, version });
            }
            store
        })
        .collect();
    let stores: Vec<&Store> = stores.iter().collect();
    to_js(&divergent(&stores, replication_factor))
}

/// A scenario file (pretty JSON) from the page's config text, seed and script lines
/// (`<time_ms> <action>`), and optionally the moment viewed (`time_ms`) and a generated
/// workload's spec, checked as strictly as `parseScenario` and `kvsim run --scenario` check one.
#[wasm_bindgen(js_name = scenarioJson)]
pub fn scenario_json(
    config_json: &str,
    seed: f64,
    lines: Vec<String>,
    time_ms: Option<f64>,
    workload: Option<String>,
) -> Result<String, JsError> {
    let config = json::parse(config_json).map_err(|e| JsError::new(&format!("invalid config: {e}")))?;
    let mut fields = vec![
        ("version", JsValue::from(crate::sim::scenario::SCENARIO_VERSION as f64)),
        ("config", config),
        ("seed", JsValue::from(seed_from_js(seed)? as f64)),
        ("script", lines.into_iter().map(JsValue::from).collect::<js_sys::Array>().into()),
    ];
    fields.extend(time_ms.map(|ms| ("time_ms", JsValue::from(ms))));
    fields.extend(workload.map(|spec| ("workload", JsValue::from(spec))));
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
/// in), seed, script (canonical timed lines), timeMs (or undefined), workload (its spec with
/// every field, or undefined)}`, for the page to replay.
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
        #[serde(skip_serializing_if = "Option::is_none")]
        workload: Option<String>,
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
    let workload = scenario.workload.as_ref().map(ToString::to_string);
    to_js(&Parsed { config, seed: scenario.seed, script, time_ms: scenario.time_ms, workload })
}
