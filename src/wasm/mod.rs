//! The WebAssembly facade: the only part of the crate the page sees.
//!
//! The page creates one [`KvNode`] per server and one [`KvScheduler`]; it pops the next input
//! from the scheduler, hands it to the receiving node, and hands the node's outputs back to the
//! scheduler. A [`Pacer`] (a gloo timer) wakes the page when the next message is due, so every
//! message crosses the JS event loop with the delay drawn for its link. Views cross the boundary
//! as plain JSON-compatible objects. Every call that takes input from the page returns a
//! `Result`; a panic, should one happen, is shown on the page instead of freezing it silently.

mod bench;
mod json;
mod node;
mod pacer;
mod scenario;
mod scheduler;
mod view;

pub use bench::bench_standard;
pub use node::{KvNode, Outputs};
pub use pacer::Pacer;
pub use scenario::{parse_scenario, scenario_json, MAX_SCENARIO_BYTES};
pub use scheduler::{KvScheduler, Task};

use crate::model::config::Config;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Id of the page element a panic message is written into.
const FATAL_ELEMENT_ID: &str = "fatal-error";

#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|info| {
        let message =
            format!("The simulation stopped because of an internal error: {info}. Reload the page to start again.");
        web_sys::console::error_1(&message.as_str().into());
        let element = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(FATAL_ELEMENT_ID));
        if let Some(element) = element {
            element.set_text_content(Some(&message));
            element.remove_attribute("hidden").ok();
        }
    }));
}

/// Converts a view to a plain JS value (objects, arrays, numbers; maps as objects).
fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsError::new(&e.to_string()))
}

/// Parses and validates a config; the error message names the field.
fn parse_config(json: &str) -> Result<Config, JsError> {
    json::config(json).map_err(|e| JsError::new(&e.to_string()))
}

/// A whole-number seed from JS, which has no u64.
fn seed_from_js(seed: f64) -> Result<u64, JsError> {
    if seed.is_finite() && seed.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(&seed) {
        Ok(seed as u64)
    } else {
        Err(JsError::new(&format!("seed {seed} must be a whole number from 0 to 2^53 - 1")))
    }
}

/// A virtual time (microseconds) from JS.
fn time_from_js(t: f64) -> Result<crate::Time, JsError> {
    if t.is_finite() && (0.0..=9_007_199_254_740_991.0).contains(&t) {
        Ok(t.round() as crate::Time)
    } else {
        Err(JsError::new(&format!("time {t} must be a number of microseconds from 0")))
    }
}

/// Checks a config without starting anything: `{ok: true, config, replication_factor,
/// request_timeout_us}` with defaults filled in, or `{ok: false, field, message}`.
#[wasm_bindgen(js_name = validateConfig)]
pub fn validate_config(json: &str) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    #[serde(untagged)]
    enum Checked {
        Valid { ok: bool, config: Config, replication_factor: usize, request_timeout_us: crate::Time },
        Invalid { ok: bool, field: String, message: String },
    }
    let checked = match json::config(json) {
        Ok(config) => Checked::Valid {
            ok: true,
            replication_factor: config.replication_factor(),
            request_timeout_us: config.request_timeout(),
            config,
        },
        Err(e) => Checked::Invalid { ok: false, field: e.field, message: e.message },
    };
    to_js(&checked)
}

/// The replicas of `key` on the cluster of `config_json`, in ring order.
#[wasm_bindgen(js_name = replicasOf)]
pub fn replicas_of(config_json: &str, key: &str) -> Result<Vec<usize>, JsError> {
    let config = parse_config(config_json)?;
    Ok(crate::model::placement::Replicas::of(key, config.len(), config.replication_factor()).iter().collect())
}
