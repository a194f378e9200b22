//! Scenario files for the page: reading one to replay (exports.rs writes one from the page's run).

use super::convert::to_js;
use super::json;
use serde::Serialize;
use wasm_bindgen::prelude::*;

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
