//! Checking a whole history: read it, pair its operations, split them by key
//! (P-compositionality: a history is linearizable when each key's is), search each key, and
//! shrink each violation to a counterexample. Keys come in sorted order and operations in the
//! order they were invoked, so the report is the same on every run.

use super::edn::InputError;
use super::edn_reader::{read_all, Form};
use super::history::{operations, Operation, Outcome};
use super::linearizable::{search, Budget, Search, SearchOp};
use super::models::{actions, Key, ModelKind};
use super::shrink::shrink;
use super::state::Values;
use serde::Serialize;
use std::collections::BTreeMap;

/// How far the checker may search. The core reads no clock, so both are counts of search steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Steps for each key's search; `None`: no bound. A key is `unknown` when its search runs
    /// out of steps, or when another key was found not linearizable before its search ended
    /// (each key first gets [`FIRST_PASS_STEPS`]).
    pub search_steps: Option<u64>,
    /// Steps for shrinking each key's counterexample; when they run out, the smallest
    /// counterexample found so far is reported as not `complete`.
    pub shrink_steps: u64,
}

/// Steps each key's search may take in the first pass.
pub const FIRST_PASS_STEPS: u64 = 1_000_000;
/// Steps each search of shrinking may take, at least (or four times the key's own search).
pub const SHRINK_CANDIDATE_STEPS: u64 = 100_000;

impl Default for Limits {
    fn default() -> Self {
        Limits { search_steps: None, shrink_steps: 5_000_000 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Linearizable,
    NotLinearizable,
    /// Not decided: the search ran out of steps, or was not finished because another key is
    /// already not linearizable.
    Unknown,
}

/// The verdict on a history, overall and per key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    pub model: ModelKind,
    pub verdict: Verdict,
    /// Client operations in the history (completed or not, `:fail` ones included).
    pub operations: usize,
    pub keys: Vec<KeyReport>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyReport {
    pub key: Key,
    pub verdict: Verdict,
    /// Operations checked on this key (`:fail` ops and `info` reads are left out).
    pub operations: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<Counterexample>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longest_prefix: Option<Prefix>,
}

/// Operations of one key that cannot be linearized whatever its other operations did (each
/// may have taken effect within its own interval, or not at all).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Counterexample {
    pub operations: Vec<OpView>,
    /// Whether shrinking finished: no single one of these operations can be removed.
    pub complete: bool,
}

/// The longest partial linearization the search reached, in its order, and the operation it
/// could then not place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Prefix {
    pub operations: Vec<OpView>,
    pub blocked: OpView,
}

/// An operation as the history has it: its lines, as canonical EDN.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OpView {
    pub process: i64,
    pub f: String,
    pub outcome: Outcome,
    pub invoke: Line,
    pub completion: Option<Line>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Line {
    pub line: usize,
    pub edn: String,
}

fn line_of(form: &Form) -> Line {
    Line { line: form.line, edn: form.value.to_string() }
}

impl OpView {
    pub fn of(op: &Operation) -> Self {
        OpView {
            process: op.process,
            f: op.f.clone(),
            outcome: op.outcome,
            invoke: line_of(&op.invoke),
            completion: op.completion.as_ref().map(line_of),
        }
    }
}

/// Checks the history in `text` (EDN) against `model`.
pub fn check(text: &str, model: ModelKind, limits: &Limits) -> Result<Report, InputError> {
    check_operations(&operations(read_all(text)?)?, model, limits)
}

/// Checks operations already read.
pub fn check_operations(ops: &[Operation], model: ModelKind, limits: &Limits) -> Result<Report, InputError> {
    let mut values = Values::new();
    let initial = model.initial(&mut values);
    let mut by_key: BTreeMap<Key, (Vec<SearchOp>, Vec<usize>)> = BTreeMap::new();
    for keyed in actions(model, ops, &mut values)? {
        let op = &ops[keyed.op];
        let (search_ops, indices) = by_key.entry(keyed.key).or_default();
        search_ops.push(SearchOp { call: op.call, ret: op.ret, action: keyed.action, optional: false });
        indices.push(keyed.op);
    }
    // A first pass with few steps per key, so one key whose search explodes does not hold up
    // the verdict when another key is quickly found not linearizable; then the undecided keys
    // to the end (or the limit), unless the history is already known not to be linearizable.
    let first_steps = limits.search_steps.map_or(FIRST_PASS_STEPS, |steps| steps.min(FIRST_PASS_STEPS));
    let mut keys = Vec::with_capacity(by_key.len());
    let mut searches = Vec::with_capacity(by_key.len());
    for (key, (search_ops, indices)) in by_key {
        let mut first = Budget::steps(first_steps);
        let found = search(&search_ops, initial, &mut values, &mut first);
        searches.push((key, search_ops, indices, found, first.spent()));
    }
    let violated = searches.iter().any(|(_, _, _, found, _)| matches!(found, Search::NotLinearizable { .. }));
    for (key, search_ops, indices, mut found, mut spent) in searches {
        let mut budget = limits.search_steps.map_or(Budget::unbounded(), Budget::steps);
        if found == Search::OutOfSteps && !violated && budget.left() > first_steps {
            found = search(&search_ops, initial, &mut values, &mut budget);
            spent = budget.spent();
        }
        let view = |i: usize| OpView::of(&ops[indices[i]]);
        let mut report = KeyReport {
            key,
            verdict: Verdict::Linearizable,
            operations: search_ops.len(),
            counterexample: None,
            longest_prefix: None,
        };
        match found {
            Search::Linearizable { .. } => {}
            Search::OutOfSteps => report.verdict = Verdict::Unknown,
            Search::NotLinearizable { longest, blocked } => {
                let candidate_steps = SHRINK_CANDIDATE_STEPS.max(4 * spent);
                let mut shrink_budget = Budget::steps(limits.shrink_steps);
                let shrunk = shrink(&search_ops, initial, &mut values, &mut shrink_budget, candidate_steps);
                report.verdict = Verdict::NotLinearizable;
                report.counterexample = Some(Counterexample {
                    operations: shrunk.kept.into_iter().map(view).collect(),
                    complete: shrunk.complete,
                });
                report.longest_prefix =
                    Some(Prefix { operations: longest.into_iter().map(view).collect(), blocked: view(blocked) });
            }
        }
        keys.push(report);
    }
    let verdict = if keys.iter().any(|k| k.verdict == Verdict::NotLinearizable) {
        Verdict::NotLinearizable
    } else if keys.iter().any(|k| k.verdict == Verdict::Unknown) {
        Verdict::Unknown
    } else {
        Verdict::Linearizable
    };
    Ok(Report { model, verdict, operations: ops.len(), keys })
}
