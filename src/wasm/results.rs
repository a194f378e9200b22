//! Every result of a run, with the step that produced it, kept in wasm: a fast-forward of a
//! million operations hands none of them to JS as it runs (converting each cost more than the
//! engine), and the views read the few they show. Stored in chunks shared between copies, so the
//! page's checkpoints and the history's copy of the end cost a pointer per 1,024 results; each
//! compactly (src/sim/kept_result.rs: 56 bytes for most, with nothing of their own on the heap, not about 170).

use super::convert::to_js;
use super::view::ResultView;
use crate::model::outcome::ClientResult;
use crate::sim::chunks::Chunks;
use crate::sim::kept_result::KeptResult;
use crate::sim::names::Names;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A result with the step (events processed) that produced it.
#[derive(Serialize)]
struct StepResult {
    #[serde(flatten)]
    result: ResultView,
    step: u64,
}

/// The results of a run so far, oldest first; a copy for the page's history (`KvScheduler.resultLog`).
#[wasm_bindgen]
#[derive(Clone, Debug, Default)]
pub struct KvResults {
    results: Chunks<(u64, KeptResult)>,
    /// The results' keys by number, shared with every copy.
    names: Names,
}

impl KvResults {
    pub(super) fn extend(&mut self, step: u64, results: impl Iterator<Item = ClientResult>) {
        for result in results {
            self.results.push((step, KeptResult::of(result, &self.names)));
        }
    }

    /// How many results came from the first `steps` steps (steps only grow along the log).
    fn count_up_to(&self, steps: f64) -> usize {
        self.results.partition_point(|&(step, _)| step as f64 <= steps)
    }

    fn views(&self, start: usize, end: usize) -> Result<JsValue, JsError> {
        let views: Vec<_> = self
            .results
            .iter_from(start)
            .take(end.saturating_sub(start))
            .map(|(step, r)| StepResult { result: ResultView::of(&r.result(&self.names)), step: *step })
            .collect();
        to_js(&views)
    }
}

#[wasm_bindgen]
impl KvResults {
    /// Results kept.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.results.len()
    }

    /// The results from index `start` to `end` (excluded): `[{time, node, request, command, ok,
    /// text, fields, step}]`.
    pub fn between(&self, start: usize, end: usize) -> Result<JsValue, JsError> {
        self.views(start, end.min(self.results.len()))
    }

    /// The last `tail` results of the first `steps` steps (Infinity for no bound), as `between`.
    #[wasm_bindgen(js_name = upTo)]
    pub fn up_to(&self, steps: f64, tail: f64) -> Result<JsValue, JsError> {
        let end = self.count_up_to(steps);
        let start = if tail >= end as f64 { 0 } else { end - tail.max(0.0) as usize };
        self.views(start, end)
    }
}
