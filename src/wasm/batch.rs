//! Work in bulk, for long runs in the page: a whole script scheduled in one call, a generated
//! workload the scheduler feeds itself from (`kvsim run --workload`'s rule, so the trace is
//! kvsim's), and many events run in one call with the nodes lent to the scheduler, instead of
//! one round trip through JS per task.

use super::convert::{time_from_js, to_js};
use super::node::KvNode;
use super::scheduler::KvScheduler;
use crate::model::message::RequestId;
use crate::model::types::Time;
use crate::sim::script;
use crate::sim::workload_spec::WorkloadSpec;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A checked workload spec (`kvsim run --workload SPEC`), to hand to `KvScheduler.setWorkload`.
#[wasm_bindgen]
pub struct KvWorkload {
    spec: WorkloadSpec,
}

#[wasm_bindgen]
impl KvWorkload {
    /// Reads a spec such as `ops=100000 rate=1000 keys=500 level=ONE`; a bad field is an error
    /// that names it and says how to write it.
    #[wasm_bindgen(constructor)]
    pub fn new(spec: &str) -> Result<KvWorkload, JsError> {
        WorkloadSpec::parse(spec).map(|spec| KvWorkload { spec }).map_err(|e| JsError::new(&e.to_string()))
    }

    /// The spec with every field, defaults included.
    #[wasm_bindgen(getter)]
    pub fn spec(&self) -> String {
        self.spec.to_string()
    }

    /// Operations in all.
    #[wasm_bindgen(getter)]
    pub fn operations(&self) -> f64 {
        self.spec.operations as f64
    }

    /// The spec of every default, for the page's field.
    pub fn defaults() -> String {
        WorkloadSpec::default().to_string()
    }
}

/// A script line scheduled by `scheduleScript`.
#[derive(Serialize)]
struct ScriptAction {
    /// Virtual time it runs at (µs).
    time: Time,
    /// The request id of a command; `null` for a fault.
    request: Option<RequestId>,
    /// The canonical action line, without its time, for the page's action log.
    line: String,
}

/// A script line that was not scheduled: its line number (from 1), text and what is wrong.
#[derive(Serialize)]
struct ScriptLineError {
    line: usize,
    text: String,
    message: String,
}

#[derive(Serialize)]
struct ScriptReport {
    scheduled: Vec<ScriptAction>,
    errors: Vec<ScriptLineError>,
}

#[wasm_bindgen]
impl KvScheduler {
    /// Schedules a whole script (`<time_ms> <node> <command>` or `<time_ms> <fault>` per line;
    /// blank lines and `#` comments skipped), each time counted from `offset` (µs), and moved on
    /// to a µs no message or timer waits for (see `freeTimeFrom`: the script is given live). Returns
    /// `{scheduled: [{time, request, line}], errors: [{line, text, message}]}`: the lines that
    /// do not parse are named by line number and the rest are scheduled.
    #[wasm_bindgen(js_name = scheduleScript)]
    pub fn schedule_script(&mut self, text: &str, offset: f64) -> Result<JsValue, JsError> {
        let offset = time_from_js(offset)?;
        let (lines, errors) = script::parse(text, self.scheduler.nodes());
        let mut report = ScriptReport {
            scheduled: Vec::with_capacity(lines.len()),
            errors: errors
                .into_iter()
                .map(|e| ScriptLineError { line: e.line, text: e.text, message: e.message })
                .collect(),
        };
        for script::ScriptLine { line, mut action } in lines {
            // Given live: at a time no event waits for (see Scheduler::free_time_from).
            action.at = self.scheduler.free_time_from(action.at.saturating_add(offset).max(self.scheduler.now()));
            let canonical = action.action.to_string();
            match self.scheduler.schedule(action.clone()) {
                Ok(request) => report.scheduled.push(ScriptAction { time: action.at, request, line: canonical }),
                Err(message) => report.errors.push(ScriptLineError { line, text: canonical, message }),
            }
        }
        report.errors.sort_by_key(|e| e.line);
        to_js(&report)
    }

    /// Runs a generated workload from now on: its operations are scheduled as the run reaches
    /// them, exactly as `kvsim run --workload` does, so a fresh run gives kvsim's trace. Replaces
    /// any workload given before.
    #[wasm_bindgen(js_name = setWorkload)]
    pub fn set_workload(&mut self, workload: &KvWorkload) {
        self.workload = Some(workload.spec.operations(self.scheduler.nodes()));
    }

    /// The workload's progress: `{scheduled, total}` operations, or `null` without one.
    #[wasm_bindgen(js_name = workloadProgress)]
    pub fn workload_progress(&self) -> Result<JsValue, JsError> {
        #[derive(Serialize)]
        struct Progress {
            scheduled: u64,
            total: u64,
        }
        to_js(&self.workload.as_ref().map(|w| Progress { scheduled: w.taken(), total: w.total() }))
    }

    /// Runs events with `nodes` (every node of this cluster, in order; they are handed back)
    /// until `max_events` are done, the next is due after `until` (µs; Infinity for no bound),
    /// nothing is left, with `to_quiet` only background work is left, or the workload's last
    /// operation was scheduled (the page then schedules the actions that waited for it). The
    /// same events as popping and handling them one by one; their results are kept with the
    /// rest (`resultsBetween`).
    #[wasm_bindgen(js_name = runBatch)]
    pub fn run_batch(
        &mut self,
        nodes: Vec<KvNode>,
        max_events: f64,
        until: f64,
        to_quiet: bool,
    ) -> Result<Vec<KvNode>, JsError> {
        let n = self.scheduler.nodes();
        let mut nodes: Vec<_> = nodes.into_iter().map(KvNode::into_node).collect();
        if nodes.len() != n || nodes.iter().enumerate().any(|(i, node)| node.id() != i) {
            return Err(JsError::new(&format!("runBatch needs the {n} nodes of this cluster, in order")));
        }
        let mut outputs = Vec::new();
        let start = self.scheduler.processed();
        let had_workload = self.workload_left() > 0;
        while ((self.scheduler.processed() - start) as f64) < max_events && !(to_quiet && self.is_quiet()) {
            match self.next_due_time() {
                Some(due) if due as f64 <= until => {}
                _ => break,
            }
            self.feed_workload().map_err(|e| JsError::new(&e))?;
            let Some(task) = self.scheduler.pop() else { break };
            let node = &mut nodes[task.node];
            let ran = task.run_on(node, &mut outputs);
            self.scheduler.absorb(ran, &mut outputs);
            while let Some(task) = self.scheduler.pop_directive() {
                let node = &mut nodes[task.node];
                let ran = task.run_on(node, &mut outputs);
                self.scheduler.absorb(ran, &mut outputs);
            }
            self.keep_results();
            if had_workload && self.workload_left() == 0 {
                break;
            }
        }
        Ok(nodes.into_iter().map(KvNode::from_node).collect())
    }
}

impl KvScheduler {
    /// Operations of the workload still to be scheduled.
    pub(super) fn workload_left(&self) -> u64 {
        self.workload.as_ref().map_or(0, |w| w.total() - w.taken())
    }

    /// Due time of the next queued event or workload operation.
    pub(super) fn next_due_time(&mut self) -> Option<Time> {
        let operation = self.workload.as_ref().and_then(|w| w.next_time());
        match (self.scheduler.next_due(), operation) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Schedules the workload's operations due before the next event.
    pub(super) fn feed_workload(&mut self) -> Result<(), String> {
        let Some(operations) = &mut self.workload else { return Ok(()) };
        let scheduler = &mut self.scheduler;
        operations.schedule_due(scheduler.next_due(), |at, node, command| {
            scheduler.schedule_command(at, node, command).map(|_| ())
        })
    }
}
