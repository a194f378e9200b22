//! The trace's exports: its JSON lines and its hash, whole or of a range of events. A long run's
//! trace is gigabytes of JSON lines, more than a JS string holds, so the page builds its export
//! as a `Blob` of many ranges, and hashes it range by range, a slice of work at a time. The
//! exports leave the live checks' `anomaly` events out: they are what `kvsim run` gives without
//! `--check`.

use super::scheduler::KvScheduler;
use crate::sim::trace::{json_lines, write_json_lines, TraceEvent, TraceHasher, TraceKind};
use wasm_bindgen::prelude::*;

/// A trace hash computed range by range (`KvScheduler.hashTraceBetween`), as `kvsim run --hash`
/// prints it once every range is in.
#[wasm_bindgen]
#[derive(Default)]
pub struct KvTraceHasher(TraceHasher);

#[wasm_bindgen]
impl KvTraceHasher {
    #[wasm_bindgen(constructor)]
    pub fn new() -> KvTraceHasher {
        KvTraceHasher::default()
    }

    /// The hash of the events added so far: 16 hex digits.
    pub fn hex(&self) -> String {
        self.0.hex()
    }
}

#[wasm_bindgen]
impl KvScheduler {
    /// The whole trace as JSON lines, the format of `kvsim run --trace`. An error when some
    /// events were not kept (see `keepTrace`).
    #[wasm_bindgen(js_name = traceJsonLines)]
    pub fn trace_json_lines(&self) -> Result<String, JsError> {
        Ok(json_lines(self.exported_events(0, self.trace_length())?))
    }

    /// The stable hash of the trace so far, as `kvsim run --hash` prints it. An error when some
    /// events were not kept (see `keepTrace`).
    #[wasm_bindgen(js_name = traceHash)]
    pub fn trace_hash(&self) -> Result<String, JsError> {
        let mut hasher = KvTraceHasher::new();
        self.hash_trace_between(&mut hasher, 0, self.trace_length())?;
        Ok(hasher.hex())
    }

    /// The trace events from index `start` to `end` (excluded) as JSON lines, the format of
    /// `kvsim run --trace`, in UTF-8 bytes (a `Uint8Array`: a `Blob` takes them as they are,
    /// where it would encode a string anew): the ranges of a trace, in order, make its
    /// `traceJsonLines()`. An error when the range is not within the events kept
    /// (`traceKeptFrom` to `traceLength`).
    #[wasm_bindgen(js_name = traceJsonLinesBetween)]
    pub fn trace_json_lines_between(&self, start: usize, end: usize) -> Result<Vec<u8>, JsError> {
        let mut out = Vec::new();
        write_json_lines(&mut out, self.exported_events(start, end)?);
        Ok(out)
    }

    /// Adds the trace events from index `start` to `end` (excluded) to `hasher`: every range of
    /// a trace, in order, gives its `traceHash()`. An error as `traceJsonLinesBetween`.
    #[wasm_bindgen(js_name = hashTraceBetween)]
    pub fn hash_trace_between(&self, hasher: &mut KvTraceHasher, start: usize, end: usize) -> Result<(), JsError> {
        for event in self.exported_events(start, end)? {
            hasher.0.push_event(&event);
        }
        Ok(())
    }

    /// Lets go of the trace events kept so far: indexes go on counting (see `traceKeptFrom`). A
    /// replay read range by range keeps no more than its last range.
    #[wasm_bindgen(js_name = clearTrace)]
    pub fn clear_trace(&mut self) {
        self.scheduler.clear_trace();
    }
}

impl KvScheduler {
    /// The exported events (no `anomaly` event) of the range `start..end` of the trace, which
    /// must be within the events kept.
    pub(super) fn exported_events(
        &self,
        start: usize,
        end: usize,
    ) -> Result<impl Iterator<Item = TraceEvent> + '_, JsError> {
        let trace = self.scheduler.trace();
        let (first, length) = (trace.first_kept(), trace.len());
        if start > end || end > length {
            return Err(JsError::new(&format!(
                "trace events {start} to {end} are not a range of the {length} events recorded: the start must come first, the end at most {length}"
            )));
        }
        if start < first {
            return Err(JsError::new(&format!(
                "trace events from {start} on are not kept: this trace keeps its events from {first} on only (a fast-forward keeps none): replay it from its start to have them all"
            )));
        }
        Ok(trace.events_from(start).take(end - start).filter(|e| e.kind != TraceKind::Anomaly))
    }
}
