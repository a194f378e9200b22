//! The benchmark in the browser: the standard workload of `kvsim bench`, timed with the page's
//! clock.

use super::convert::to_js;
use crate::sim::workload::Workload;
use serde::Serialize;
use wasm_bindgen::prelude::*;

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
