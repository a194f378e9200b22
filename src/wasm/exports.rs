//! What the page makes on demand from a run's data, in a package of its own (www/pkg-export,
//! feature `exports`) that the page loads when first used, so its first load carries none of it.

use crate::sim::shiviz::shiviz_of_json_lines;
use wasm_bindgen::prelude::*;

/// The ShiViz log of a trace given as JSON lines (`KvScheduler.traceJsonLines()`, or a trace
/// file of `kvsim run --trace`): what `kvsim run --shiviz` writes for the same run.
#[wasm_bindgen(js_name = shivizOfTrace)]
pub fn shiviz_of_trace(json_lines: &str) -> Result<String, JsError> {
    shiviz_of_json_lines(json_lines).map_err(|e| JsError::new(&e))
}
