//! The seeded scheduler as a JS object: it decides the order and the delay of every message. With
//! live checks on (`checkAnomalies`), it also records the history of client operations and
//! finds anomalies; the exports (trace, hash, ShiViz) leave the checks' `anomaly` events out, so
//! they are what `kvsim run` gives without `--check`.

use super::convert::{seed_from_js, time_from_js, to_js};
use super::json::parse_config;
use super::results::KvResults;
use super::task::{Outputs, Task};
use crate::model::message::RequestId;
use crate::node::Output;
use crate::sim::action::{Action, TimedAction};
use crate::sim::anomalies::AnomalyKind;
use crate::sim::scheduler::Scheduler;
use crate::sim::summary::Summary;
use crate::sim::workload_spec::Operations;
use crate::wasm::view::{AnomalyView, HistoryOpView, MessageView};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// What `scheduleLine` and `scheduleTimedLine` return.
#[derive(Serialize)]
struct Scheduled {
    /// The request id of a command; `null` for a fault.
    request: Option<RequestId>,
    /// The canonical line, for the page's action log.
    line: String,
}

#[wasm_bindgen]
pub struct KvScheduler {
    pub(super) scheduler: Scheduler,
    /// A generated workload's operations still to come (see batch.rs).
    pub(super) workload: Option<Operations>,
    /// Every result so far, each with the step that produced it.
    pub(super) results: KvResults,
    /// Whether results are kept (see `traceOnly`).
    keeps_results: bool,
}

#[wasm_bindgen]
impl KvScheduler {
    /// A scheduler for the cluster of `config_json`, its random delays seeded with `seed`.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str, seed: f64) -> Result<KvScheduler, JsError> {
        let config = parse_config(config_json)?;
        let mut scheduler = Scheduler::new(&config, seed_from_js(seed)?, true);
        scheduler.index_density(); // for the diagram (density.rs)
        Ok(KvScheduler { scheduler, workload: None, results: KvResults::default(), keeps_results: true })
    }

    /// A copy of the scheduler as it is now (queue, network and its RNG, trace, results), for the
    /// page's checkpoints: driving it on gives the same run as driving this one.
    pub fn snapshot(&self) -> KvScheduler {
        KvScheduler {
            scheduler: self.scheduler.snapshot(),
            workload: self.workload.clone(),
            results: self.results.clone(),
            keeps_results: self.keeps_results,
        }
    }

    /// From now on keeps only the trace: no history of operations, no checks, no density index,
    /// and no results (those kept are let go). For a copy replayed only to read its trace (the
    /// exports of a fast-forwarded run): the trace is the run's, but for the checks' `anomaly`
    /// events, which the exports leave out, and a replay of a million operations no longer builds
    /// their history, checks and results a second time (200 MiB of wasm memory, which never shrinks).
    #[wasm_bindgen(js_name = traceOnly)]
    pub fn trace_only(&mut self) {
        self.scheduler.trace_only();
        self.results = KvResults::default();
        self.keeps_results = false;
    }

    /// Virtual time of the last event, in microseconds.
    #[wasm_bindgen(getter)]
    pub fn now(&self) -> f64 {
        self.scheduler.now() as f64
    }

    /// Due time of the next event (a workload's next operation included), or `undefined` when
    /// nothing is left.
    #[wasm_bindgen(js_name = nextDue)]
    pub fn next_due(&mut self) -> Option<f64> {
        self.next_due_time().map(|t| t as f64)
    }

    /// Types `command` on `node` at virtual time `at` (microseconds; the past means now) and
    /// returns the request id its results will carry. A command that does not parse is answered
    /// with an error result when its time comes.
    #[wasm_bindgen(js_name = scheduleCommand)]
    pub fn schedule_command(&mut self, at: f64, node: usize, command: &str) -> Result<f64, JsError> {
        let at = time_from_js(at)?;
        self.scheduler.schedule_command(at, node, command).map(|id| id as f64).map_err(|e| JsError::new(&e))
    }

    /// Schedules one script action at virtual time `at` (microseconds; the past means now):
    /// `<node> <command>` (e.g. `0 insert 5 hello ALL`) or a fault (e.g. `crash 2`,
    /// `partition 0,1 | 2,3`). Returns `{request, line}`: the request id of a command (`null`
    /// for a fault) and the action's canonical line, for the page's action log. A line that is
    /// neither is an error naming the problem (with the usage), and nothing is scheduled.
    #[wasm_bindgen(js_name = scheduleLine)]
    pub fn schedule_line(&mut self, at: f64, line: &str) -> Result<JsValue, JsError> {
        let at = time_from_js(at)?;
        let action = Action::parse(line, self.scheduler.nodes()).map_err(|e| JsError::new(&e))?;
        let canonical = action.to_string();
        let request = self.scheduler.schedule(TimedAction { at, action }).map_err(|e| JsError::new(&e))?;
        to_js(&Scheduled { request, line: canonical })
    }

    /// The first time (µs) from `at` on at which no message or timer waits: where an action given
    /// live runs as a replay of the run (or kvsim) runs it (see `Scheduler::free_time_from`).
    #[wasm_bindgen(js_name = freeTimeFrom)]
    pub fn free_time_from(&self, at: f64) -> Result<f64, JsError> {
        Ok(self.scheduler.free_time_from(time_from_js(at)?) as f64)
    }

    /// Schedules a whole timed script line, `<time_ms> <node> <command>` or `<time_ms> <fault>`
    /// (a scenario's `script` entries): returns `{request, line}` as `scheduleLine`, with `line`
    /// the canonical timed line.
    #[wasm_bindgen(js_name = scheduleTimedLine)]
    pub fn schedule_timed_line(&mut self, line: &str) -> Result<JsValue, JsError> {
        let action = TimedAction::parse(line, self.scheduler.nodes()).map_err(|e| JsError::new(&e))?;
        let canonical = action.to_string();
        let request = self.scheduler.schedule(action).map_err(|e| JsError::new(&e))?;
        to_js(&Scheduled { request, line: canonical })
    }

    /// The fault state now: `{down: [node], links: [{from, to, state ("up", "hold", "drop"),
    /// loss, duplicate, extra_delay_us, jitter_us}] (links not plainly up), clock_skew_us: [per
    /// node], hinted_handoff, anti_entropy_period_us (null when off)}`.
    pub fn faults(&self) -> Result<JsValue, JsError> {
        to_js(&self.scheduler.faults())
    }

    /// Whether nothing is left but periodic background work (anti-entropy), which never ends:
    /// no workload operation is left either.
    #[wasm_bindgen(getter, js_name = isQuiet)]
    pub fn is_quiet(&self) -> bool {
        self.scheduler.is_quiet() && self.workload_left() == 0
    }

    /// Whether tasks of the last event (node changes a fault asked for) are still to be handed
    /// out by `pop`: a step takes them with their event.
    #[wasm_bindgen(getter, js_name = hasDirectives)]
    pub fn has_directives(&self) -> bool {
        self.scheduler.has_directives()
    }

    /// Takes the next task off the queue, or `undefined` when nothing is left. A new event
    /// first schedules the workload's operations due by then (`kvsim run`'s rule).
    pub fn pop(&mut self) -> Result<Option<Task>, JsError> {
        if !self.scheduler.has_directives() {
            self.feed_workload().map_err(|e| JsError::new(&e))?;
        }
        Ok(self.scheduler.pop().map(Task::new))
    }

    /// Takes a node's outputs: schedules its messages with delays drawn for their links,
    /// records its replies and timers, and keeps the results of the step so far.
    pub fn absorb(&mut self, outputs: Outputs) -> Result<(), JsError> {
        let Outputs { ran, mut outputs } = outputs;
        let n = self.scheduler.nodes();
        let stranger = outputs.iter().find_map(|o| match o {
            Output::Send { to, .. } if *to >= n => Some(*to),
            _ => None,
        });
        if let Some(node) = stranger.or((ran.node >= n).then_some(ran.node)) {
            return Err(JsError::new(&format!(
                "there is no node {node} in this cluster of {n}: these outputs come from another cluster"
            )));
        }
        self.scheduler.absorb(ran, &mut outputs);
        self.keep_results();
        Ok(())
    }

    /// Messages in flight: `[{id, from, to, kind, key, value, version, request, sent, due}]`.
    #[wasm_bindgen(js_name = inFlight)]
    pub fn in_flight(&self) -> Result<JsValue, JsError> {
        let views: Vec<_> = self.scheduler.in_flight().map(MessageView::of).collect();
        to_js(&views)
    }

    /// Results kept so far (every result of the run).
    #[wasm_bindgen(getter, js_name = resultCount)]
    pub fn result_count(&self) -> usize {
        self.results.length()
    }

    /// The results from index `start` to `end` (excluded): `[{time, node, request, command, ok,
    /// text, fields, step}]`.
    #[wasm_bindgen(js_name = resultsBetween)]
    pub fn results_between(&self, start: usize, end: usize) -> Result<JsValue, JsError> {
        self.results.between(start, end)
    }

    /// A copy of the results so far, to read after this scheduler is gone (it shares their chunks).
    #[wasm_bindgen(js_name = resultLog)]
    pub fn result_log(&self) -> KvResults {
        self.results.clone()
    }

    /// Number of trace events recorded so far.
    #[wasm_bindgen(getter, js_name = traceLength)]
    pub fn trace_length(&self) -> usize {
        self.scheduler.trace().len()
    }

    /// Index of the first trace event kept: the events before it were only counted (see
    /// `keepTrace`). `traceLength` when none is.
    #[wasm_bindgen(getter, js_name = traceKeptFrom)]
    pub fn trace_kept_from(&self) -> usize {
        self.scheduler.trace().first_kept()
    }

    /// Time of the last trace event not kept (µs), or `undefined` when every event is kept: the
    /// kept events hold every event of a window that starts after it.
    #[wasm_bindgen(getter, js_name = traceUnkeptUntil)]
    pub fn trace_unkept_until(&self) -> Option<f64> {
        self.scheduler.trace().unkept_until().map(|t| t as f64)
    }

    /// Keeps the trace's events from now on, or only counts them and indexes their density (a
    /// fast-forward: a view rebuilds a window of them by replay from a checkpoint). Events kept
    /// after a pause start anew at the index they come at; those kept before are let go.
    #[wasm_bindgen(js_name = keepTrace)]
    pub fn keep_trace(&mut self, keep: bool) {
        self.scheduler.keep_trace(keep);
    }

    /// Trace events from index `start` on (from the first kept one, when `start` is before it).
    #[wasm_bindgen(js_name = traceSince)]
    pub fn trace_since(&self, start: usize) -> Result<JsValue, JsError> {
        to_js(&self.scheduler.trace().events_from(start).collect::<Vec<_>>())
    }

    /// Turns the live checks on from now on (`kvsim run --check`): each client operation is
    /// recorded in the history and checked as it completes; what the checks find is traced as
    /// `anomaly` events and listed by `anomaliesSince`.
    #[wasm_bindgen(js_name = checkAnomalies)]
    pub fn check_anomalies(&mut self) {
        self.scheduler.check_anomalies();
    }

    /// Anomalies found so far (0 while checks are off).
    #[wasm_bindgen(getter, js_name = anomalyCount)]
    pub fn anomaly_count(&self) -> usize {
        self.scheduler.anomalies().map_or(0, |a| a.found().len())
    }

    /// Anomalies found so far by kind: `{stale_read: n, ...}` (kinds found none of are left out).
    #[wasm_bindgen(js_name = anomalyCounts)]
    pub fn anomaly_counts(&self) -> Result<JsValue, JsError> {
        let mut counts = [0u64; AnomalyKind::ALL.len()];
        for anomaly in self.scheduler.anomalies().into_iter().flat_map(|a| a.found().iter()) {
            counts[anomaly.kind as usize] += 1; // ALL lists the kinds in their declared order
        }
        // Set key by key, in the kinds' order: serialising a map instead was 2 KB of the page's wasm.
        let object = js_sys::Object::new();
        for (kind, count) in AnomalyKind::ALL.into_iter().zip(counts).filter(|(_, count)| *count > 0) {
            js_sys::Reflect::set(&object, &to_js(&kind)?, &JsValue::from(count as f64))
                .map_err(|_| JsError::new("cannot build the anomaly counts"))?;
        }
        Ok(object.into())
    }

    /// The anomalies found from index `start` on: `[{kind, name, time, process, request, key,
    /// earlier, explanation}]` (`earlier`: the request it contradicts, or null).
    #[wasm_bindgen(js_name = anomaliesSince)]
    pub fn anomalies_since(&self, start: usize) -> Result<JsValue, JsError> {
        let found = self.scheduler.anomalies().into_iter().flat_map(|a| a.found().iter_from(start));
        let views: Vec<_> = found.map(AnomalyView::of).collect();
        to_js(&views)
    }

    /// The run's figures (`kvsim run --summary`): `{levels: [{level, operations, ok, fail, info,
    /// running, latency: {p50, p99, max} or null, histogram}], latency_bounds_us, bucket_us,
    /// availability: [{ok, failed}]}`; null while checks are off (no history is kept).
    pub fn summary(&self) -> Result<JsValue, JsError> {
        match self.scheduler.history() {
            Some(history) => to_js(&Summary::of(history)),
            None => Ok(JsValue::NULL),
        }
    }

    /// The last `last` client operations (Infinity for all; a long run's whole history is more
    /// than a view can draw or the page should copy to JS), in the order they were invoked, for
    /// the history view: `[{process, request, f, key, value, level, invoked, completed, outcome,
    /// error, line}]` (`completed` and `outcome` are null while it runs; `line`: its invoke's line
    /// in `historyEdn()`). Empty while checks are off.
    #[wasm_bindgen(js_name = historyOps)]
    pub fn history_ops(&self, last: f64) -> Result<JsValue, JsError> {
        let Some(history) = self.scheduler.history() else { return to_js(&Vec::<HistoryOpView>::new()) };
        let skip = if last >= history.len() as f64 { 0 } else { history.len() - last.max(0.0) as usize };
        let ops: Vec<_> = history.operations_from(skip).collect();
        to_js(&ops.iter().map(HistoryOpView::of).collect::<Vec<_>>())
    }

    /// Client operations recorded so far (0 while checks are off).
    #[wasm_bindgen(getter, js_name = historyLength)]
    pub fn history_length(&self) -> usize {
        self.scheduler.history().map_or(0, |h| h.len())
    }

    /// The history of client operations so far as Jepsen EDN, one map per line, as `kvsim run
    /// --history` writes it (empty while checks are off).
    #[wasm_bindgen(js_name = historyEdn)]
    pub fn history_edn(&self) -> String {
        self.scheduler.history().map(|h| h.to_edn()).unwrap_or_default()
    }

    /// Events processed so far.
    #[wasm_bindgen(getter)]
    pub fn processed(&self) -> f64 {
        self.scheduler.processed() as f64
    }
}

impl KvScheduler {
    /// Moves the results of the step so far into the log, with the step's number.
    pub(super) fn keep_results(&mut self) {
        let step = self.scheduler.processed();
        let results = self.scheduler.take_results();
        if self.keeps_results {
            self.results.extend(step, results);
        }
    }
}
