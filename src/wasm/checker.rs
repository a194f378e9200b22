//! The linearizability checker for the page: a check in steps, one key at a time, for the page's
//! worker (`KvChecker`), and a history read into plain operations for the history view
//! (`readHistory`). Errors in a history name its line.

use super::convert::to_js;
use crate::check::edn::{Edn, InputError};
use crate::check::edn_reader::read_all;
use crate::check::history::{operations, Operation, Outcome, NEVER};
use crate::check::models::ModelKind;
use crate::check::report::{Checker, Limits};
use serde::Serialize;
use wasm_bindgen::prelude::*;

fn input_error(e: InputError) -> JsError {
    JsError::new(&e.to_string())
}

fn read_operations(edn: &str) -> Result<Vec<Operation>, JsError> {
    read_all(edn).and_then(operations).map_err(input_error)
}

#[wasm_bindgen]
pub struct KvChecker {
    checker: Checker,
}

/// What `checkNext` returns.
#[derive(Serialize)]
struct Progress {
    /// Steps done and in all: each key is searched in two passes.
    done: usize,
    total: usize,
    /// The key just checked, as the report names it (`null`: the one register).
    key: crate::check::models::Key,
    /// The same in words: `key 5`, `the register`.
    label: String,
}

#[wasm_bindgen]
impl KvChecker {
    /// A check of the EDN history `edn` against `model` (`kv`, `cas-register` or `store`), each
    /// key's search bounded by `search_steps` (`undefined`: no bound, as `kvsim check`). A
    /// history that does not read, or an op the model cannot take, is an error naming its line.
    #[wasm_bindgen(constructor)]
    pub fn new(edn: &str, model: &str, search_steps: Option<f64>) -> Result<KvChecker, JsError> {
        let model = ModelKind::parse(model).ok_or_else(|| {
            JsError::new(&format!("there is no model `{model}`: use {}", ModelKind::NAMES.join(", ")))
        })?;
        let search_steps = match search_steps {
            None => None,
            Some(s) if s.is_finite() && s >= 1.0 && s.fract() == 0.0 => Some(s as u64),
            Some(s) => return Err(JsError::new(&format!("search steps {s} must be a whole number from 1"))),
        };
        let limits = Limits { search_steps, ..Limits::default() };
        let checker = Checker::new(read_operations(edn)?, model, limits).map_err(input_error)?;
        Ok(KvChecker { checker })
    }

    /// Steps in all: two per key.
    #[wasm_bindgen(getter)]
    pub fn total(&self) -> usize {
        self.checker.progress().1
    }

    /// Client operations in the history.
    #[wasm_bindgen(getter)]
    pub fn operations(&self) -> usize {
        self.checker.operations()
    }

    #[wasm_bindgen(getter)]
    pub fn finished(&self) -> bool {
        self.checker.is_finished()
    }

    /// Checks the next key of the current pass: `{done, total, key, label}`, or `undefined` once
    /// finished.
    #[wasm_bindgen(js_name = checkNext)]
    pub fn check_next(&mut self) -> Result<JsValue, JsError> {
        let Some(key) = self.checker.step().cloned() else { return Ok(JsValue::UNDEFINED) };
        let (done, total) = self.checker.progress();
        to_js(&Progress { done, total, label: key.to_string(), key })
    }

    /// Finishes the check and returns the report, as `kvsim check --json` prints it: `{model,
    /// verdict, operations, keys: [{key, verdict, operations, counterexample?, longest_prefix?}]}`.
    /// The checker is used up.
    pub fn report(self) -> Result<JsValue, JsError> {
        to_js(&self.checker.finish())
    }
}

/// One operation of a history, for the history view.
#[derive(Serialize)]
struct HistoryOp {
    process: i64,
    f: String,
    outcome: Outcome,
    /// The invoke's `:key`, as EDN text, if it has one.
    key: Option<String>,
    /// What the op wrote or read, as EDN text: the completion's `:value`, else the invoke's
    /// (`None`: nil).
    value: Option<String>,
    /// Positions of the invoke and the completion among the history's client events (`None`:
    /// no completion, or an `info` one).
    call: u64,
    ret: Option<u64>,
    /// The `:time` of the invoke and of the completion, when the history has them.
    invoked: Option<i64>,
    completed: Option<i64>,
    /// The lines of the invoke and the completion (the report names ops by them).
    line: usize,
    completion_line: Option<usize>,
}

fn edn_text(value: &Edn) -> Option<String> {
    (*value != Edn::Nil).then(|| value.to_string())
}

fn time_of(value: &Edn) -> Option<i64> {
    match value.get("time") {
        Some(Edn::Int(t)) => Some(*t),
        _ => None,
    }
}

impl HistoryOp {
    fn of(op: &Operation) -> HistoryOp {
        let completion = op.completion.as_ref();
        HistoryOp {
            process: op.process,
            f: op.f.clone(),
            outcome: op.outcome,
            key: op.field("key").and_then(edn_text),
            value: edn_text(op.completion_value()).or_else(|| edn_text(op.invoke_value())),
            call: op.call,
            ret: (op.ret != NEVER).then_some(op.ret),
            invoked: time_of(&op.invoke.value),
            completed: completion.and_then(|c| time_of(&c.value)),
            line: op.invoke.line,
            completion_line: completion.map(|c| c.line),
        }
    }
}

/// The client operations of the EDN history `edn`, in the order they were invoked: `[{process,
/// f, outcome, key, value, call, ret, invoked, completed, line, completion_line}]`. A history
/// that does not read is an error naming its line.
#[wasm_bindgen(js_name = readHistory)]
pub fn read_history(edn: &str) -> Result<JsValue, JsError> {
    let ops: Vec<HistoryOp> = read_operations(edn)?.iter().map(HistoryOp::of).collect();
    to_js(&ops)
}
