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
use super::state::{StateId, Values};
use serde::Serialize;
use std::collections::BTreeMap;

/// How far the checker may search. The core reads no clock, so both are counts of search steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Steps for each key's search; `None`: no bound. A key is `unknown` when its search runs
    /// out of steps, or when another key was found not linearizable before its search ended
    /// (each key first gets the rounds of [`ROUND_STEPS`]).
    pub search_steps: Option<u64>,
    /// Steps for shrinking each key's counterexample; when they run out, the smallest
    /// counterexample found so far is reported as not `complete`.
    pub shrink_steps: u64,
}

/// Steps each key's search may take in each round of the first pass: the keys a round leaves
/// undecided get ten times more in the next, unless a key was found not linearizable (proving
/// a violation can take exponentially many steps, and one is enough for the verdict).
pub const ROUND_STEPS: [u64; 3] = [10_000, 100_000, 1_000_000];
const ROUNDS: usize = ROUND_STEPS.len();
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
    Ok(Checker::new(operations(read_all(text)?)?, model, *limits)?.finish())
}

/// Checks operations already read.
pub fn check_operations(ops: &[Operation], model: ModelKind, limits: &Limits) -> Result<Report, InputError> {
    Ok(Checker::new(ops.to_vec(), model, *limits)?.finish())
}

/// A check done one key at a time, so a driver can show its progress and stop it between keys
/// (the page checks in a worker). First, rounds of searches with the budgets of
/// [`ROUND_STEPS`], each for the keys still undecided, so one key whose search explodes does not
/// hold up the verdict when another key is quickly found not linearizable (the rounds stop after
/// the one that found it); then a last pass: each undecided key searched to the end (or the
/// limit), unless the history is already known not to be linearizable, each violation shrunk,
/// and each key's report. [`Checker::step`] does one key of one round or of the last pass;
/// [`Checker::finish`] does the rest.
pub struct Checker {
    ops: Vec<Operation>,
    model: ModelKind,
    limits: Limits,
    values: Values,
    initial: StateId,
    keys: Vec<KeyCheck>,
    /// Steps done: keys of each round, then keys of the last pass (a round skipped after a
    /// violation counts as done).
    done: usize,
    /// Whether a round found a key not linearizable.
    violated: bool,
    reports: Vec<KeyReport>,
}

/// One key's operations as the search sees them, and what the first pass found.
struct KeyCheck {
    key: Key,
    search_ops: Vec<SearchOp>,
    /// Each search op's index in the history's operations.
    indices: Vec<usize>,
    found: Search,
    spent: u64,
}

impl Checker {
    /// Splits `ops` by key under `model`; an op the model cannot read is an error naming its line.
    pub fn new(ops: Vec<Operation>, model: ModelKind, limits: Limits) -> Result<Checker, InputError> {
        let mut values = Values::new();
        let initial = model.initial(&mut values);
        let mut by_key: BTreeMap<Key, (Vec<SearchOp>, Vec<usize>)> = BTreeMap::new();
        for keyed in actions(model, &ops, &mut values)? {
            let op = &ops[keyed.op];
            let (search_ops, indices) = by_key.entry(keyed.key).or_default();
            search_ops.push(SearchOp { call: op.call, ret: op.ret, action: keyed.action, optional: false });
            indices.push(keyed.op);
        }
        let keys = by_key
            .into_iter()
            .map(|(key, (search_ops, indices))| KeyCheck {
                key,
                search_ops,
                indices,
                found: Search::OutOfSteps,
                spent: 0,
            })
            .collect::<Vec<_>>();
        let reports = Vec::with_capacity(keys.len());
        Ok(Checker { ops, model, limits, values, initial, keys, done: 0, violated: false, reports })
    }

    /// Client operations in the history.
    pub fn operations(&self) -> usize {
        self.ops.len()
    }

    /// Steps done so far and in all (one per key in each round and in the last pass).
    pub fn progress(&self) -> (usize, usize) {
        (self.done, (ROUNDS + 1) * self.keys.len())
    }

    pub fn is_finished(&self) -> bool {
        self.done == (ROUNDS + 1) * self.keys.len()
    }

    /// Checks the next key of the current round or of the last pass and returns it; `None`
    /// once finished.
    pub fn step(&mut self) -> Option<&Key> {
        let n = self.keys.len();
        if self.is_finished() {
            return None;
        }
        let (round, i) = (self.done / n, self.done % n);
        if round < ROUNDS {
            self.search_round(round, i);
        } else {
            self.last_pass(i);
        }
        self.done += 1;
        if self.done % n == 0 && self.done / n <= ROUNDS {
            self.violated = self.keys.iter().any(|k| matches!(k.found, Search::NotLinearizable { .. }));
            if self.violated {
                self.done = ROUNDS * n; // on to the last pass
            }
        }
        Some(&self.keys[i].key)
    }

    /// The steps a key's search may take in `round`, within the limit.
    fn round_steps(&self, round: usize) -> u64 {
        self.limits.search_steps.map_or(ROUND_STEPS[round], |steps| steps.min(ROUND_STEPS[round]))
    }

    /// Searches key `i` again with the budget of `round`, if earlier rounds left it undecided
    /// and this one gives it more steps.
    fn search_round(&mut self, round: usize, i: usize) {
        let steps = self.round_steps(round);
        let more = round == 0 || steps > self.round_steps(round - 1);
        let key = &mut self.keys[i];
        if key.found == Search::OutOfSteps && more {
            let mut budget = Budget::steps(steps);
            key.found = search(&key.search_ops, self.initial, &mut self.values, &mut budget);
            key.spent = budget.spent();
        }
    }

    fn last_pass(&mut self, i: usize) {
        let first_steps = self.round_steps(ROUNDS - 1);
        let initial = self.initial;
        let KeyCheck { key, search_ops, indices, found, spent } = &mut self.keys[i];
        let mut budget = self.limits.search_steps.map_or(Budget::unbounded(), Budget::steps);
        if *found == Search::OutOfSteps && !self.violated && budget.left() > first_steps {
            *found = search(search_ops, initial, &mut self.values, &mut budget);
            *spent = budget.spent();
        }
        let ops = &self.ops;
        let view = |i: usize| OpView::of(&ops[indices[i]]);
        let mut report = KeyReport {
            key: key.clone(),
            verdict: Verdict::Linearizable,
            operations: search_ops.len(),
            counterexample: None,
            longest_prefix: None,
        };
        match found {
            Search::Linearizable { .. } => {}
            Search::OutOfSteps => report.verdict = Verdict::Unknown,
            Search::NotLinearizable { longest, blocked } => {
                let candidate_steps = SHRINK_CANDIDATE_STEPS.max(4 * *spent);
                let mut shrink_budget = Budget::steps(self.limits.shrink_steps);
                let shrunk = shrink(search_ops, initial, &mut self.values, &mut shrink_budget, candidate_steps);
                report.verdict = Verdict::NotLinearizable;
                report.counterexample = Some(Counterexample {
                    operations: shrunk.kept.into_iter().map(view).collect(),
                    complete: shrunk.complete,
                });
                report.longest_prefix =
                    Some(Prefix { operations: longest.iter().map(|&i| view(i)).collect(), blocked: view(*blocked) });
            }
        }
        self.reports.push(report);
    }

    /// Checks what is left and returns the report.
    pub fn finish(mut self) -> Report {
        while self.step().is_some() {}
        let keys = self.reports;
        let verdict = if keys.iter().any(|k| k.verdict == Verdict::NotLinearizable) {
            Verdict::NotLinearizable
        } else if keys.iter().any(|k| k.verdict == Verdict::Unknown) {
            Verdict::Unknown
        } else {
            Verdict::Linearizable
        };
        Report { model: self.model, verdict, operations: self.ops.len(), keys }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Key 1 linearizable; key 2 reads a value never written.
    const HISTORY: &str = r#"
{:process 0, :type :invoke, :f :insert, :key 1, :value "a"}
{:process 0, :type :ok, :f :insert, :key 1, :value "a"}
{:process 1, :type :invoke, :f :get, :key 2, :value nil}
{:process 1, :type :ok, :f :get, :key 2, :value "b"}
{:process 0, :type :invoke, :f :get, :key 1, :value nil}
{:process 0, :type :ok, :f :get, :key 1, :value "a"}
"#;

    #[test]
    fn a_check_in_steps_goes_key_by_key_and_reports_as_a_whole_check() {
        let ops = operations(read_all(HISTORY).unwrap()).unwrap();
        let mut checker = Checker::new(ops, ModelKind::Store, Limits::default()).unwrap();
        assert_eq!((checker.operations(), checker.progress()), (3, (0, 8)));
        let mut stepped = Vec::new();
        while let Some(key) = checker.step().cloned() {
            stepped.push((key, checker.progress().0));
        }
        // The first round finds key 2 not linearizable: the other rounds are skipped.
        let expected = [(Key::Int(1), 1), (Key::Int(2), 6), (Key::Int(1), 7), (Key::Int(2), 8)];
        assert_eq!(stepped, expected);
        assert!(checker.is_finished());
        let report = checker.finish();
        assert_eq!(report, check(HISTORY, ModelKind::Store, &Limits::default()).unwrap());
        assert_eq!(report.verdict, Verdict::NotLinearizable);
        let verdicts: Vec<_> = report.keys.iter().map(|k| k.verdict).collect();
        assert_eq!(verdicts, [Verdict::Linearizable, Verdict::NotLinearizable]);
    }
}
