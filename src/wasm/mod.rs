//! The WebAssembly facade: the only part of the crate the page sees.
//!
//! The page creates one [`KvNode`] per server and one [`KvScheduler`]; it pops the next [`Task`]
//! from the scheduler, hands it to its node, and hands the node's [`Outputs`] back to the
//! scheduler. A [`Pacer`] (a gloo timer) wakes the page when the next message is due, so every
//! message crosses the JS event loop with the delay drawn for its link. Views cross the boundary
//! as plain JSON-compatible objects. Every call that takes input from the page returns a
//! `Result`; a panic, should one happen, is shown on the page instead of freezing it silently.
//!
//! Four packages are built from it (scripts/build-wasm.sh): the page's (feature `page`, the
//! default: everything above), the linearizability checker's (feature `checker`: [`KvChecker`]
//! and [`read_history`]), which only the page's checker worker loads, the exports made on
//! demand from a run's data (feature `exports`: [`shiviz_of_trace`], [`divergent_of`],
//! [`scenario_json`] and [`parse_scenario`]), which the page loads when first used, and the
//! benchmark (feature `bench`: [`bench_standard`]), which only the benchmarks load.

#[cfg(feature = "page")]
mod batch;
#[cfg(feature = "bench")]
mod bench;
#[cfg(feature = "checker")]
mod checker;
#[cfg(any(feature = "page", feature = "checker", feature = "exports", feature = "bench"))]
mod convert;
#[cfg(feature = "page")]
mod density;
#[cfg(feature = "exports")]
mod exports;
#[cfg(any(feature = "page", feature = "exports"))]
mod json;
#[cfg(feature = "page")]
mod node;
#[cfg(feature = "page")]
mod pacer;
#[cfg(feature = "page")]
mod results;
#[cfg(feature = "page")]
mod scheduler;
#[cfg(feature = "page")]
mod task;
#[cfg(feature = "page")]
mod trace_export;
#[cfg(feature = "page")]
mod view;

#[cfg(feature = "page")]
pub use batch::KvWorkload;
#[cfg(feature = "bench")]
pub use bench::bench_standard;
#[cfg(feature = "checker")]
pub use checker::{read_history, KvChecker};
#[cfg(feature = "exports")]
pub use exports::{divergent_of, parse_scenario, scenario_json, shiviz_of_trace, MAX_SCENARIO_BYTES};
#[cfg(feature = "page")]
pub use node::KvNode;
#[cfg(feature = "page")]
pub use pacer::Pacer;
#[cfg(feature = "page")]
pub use results::KvResults;
#[cfg(feature = "page")]
pub use scheduler::KvScheduler;
#[cfg(feature = "page")]
pub use task::{Outputs, Task};
#[cfg(feature = "page")]
pub use trace_export::KvTraceHasher;

#[cfg(feature = "page")]
use crate::model::config::Config;
#[cfg(feature = "page")]
use crate::model::types::Time;
#[cfg(feature = "page")]
use convert::to_js;
#[cfg(feature = "page")]
use json::parse_config;
#[cfg(feature = "page")]
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

/// Checks a config without starting anything: `{ok: true, config, replication_factor,
/// request_timeout_us}` with defaults filled in, or `{ok: false, field, message}`.
#[cfg(feature = "page")]
#[wasm_bindgen(js_name = validateConfig)]
pub fn validate_config(json: &str) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    #[serde(untagged)]
    enum Checked {
        Valid { ok: bool, config: Config, replication_factor: usize, request_timeout_us: Time },
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

/// The kinds of anomaly the live checks find, in order: `[{kind, name}]`.
#[cfg(feature = "page")]
#[wasm_bindgen(js_name = anomalyKinds)]
pub fn anomaly_kinds() -> Result<JsValue, JsError> {
    to_js(&view::AnomalyKindView::all())
}

/// The replicas of `key` on the cluster of `config_json`, in ring order.
#[cfg(feature = "page")]
#[wasm_bindgen(js_name = replicasOf)]
pub fn replicas_of(config_json: &str, key: &str) -> Result<Vec<usize>, JsError> {
    let config = parse_config(config_json)?;
    Ok(crate::model::placement::Replicas::of(key, config.len(), config.replication_factor()).iter().collect())
}
