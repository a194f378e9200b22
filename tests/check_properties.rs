//! Property tests of the linearizability checker against a brute-force one written here, on
//! small random histories of each model (a few processes, one or two keys, up to 8 operations,
//! every outcome: ok, fail, info and no completion):
//!
//! - the checker's verdict per key is the brute force's, which tries every order real time
//!   allows (an `info` op anywhere after its call, or never) with the models' rules written
//!   again from scratch;
//! - both verdicts occur, often;
//! - a counterexample is a non-empty subset of its key's operations that the brute force also
//!   finds not linearizable (shrinking keeps the verdict and never grows the set).
//!
//! Each case is a model and a seed; the history is made from the seed, so proptest's report
//! of a failing case names it, and the assertion messages print the history.

mod support;

use kvplayground::check::models::ModelKind;
use kvplayground::check::report::{check, Limits, Report, Verdict};
use proptest::prelude::*;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use support::clusters::proptest_config;

const MODELS: [ModelKind; 3] = [ModelKind::Kv, ModelKind::CasRegister, ModelKind::Store];
const NEVER: usize = usize::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Ok,
    Fail,
    Info,
    Pending,
}

/// What an op does, for every model; values are small so histories collide often.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// A read (kv get, cas-register read, store get) and what it returned (`None`: nil).
    Read(Option<String>),
    /// A write (kv put, cas-register write, store insert).
    Write(String),
    Append(String),
    Cas(String, String),
    Update(String),
    Delete,
}

#[derive(Clone, Debug)]
struct Op {
    process: u64,
    key: usize,
    kind: Kind,
    outcome: Outcome,
    /// A failed cas that says why: it did not happen.
    error: bool,
    call: usize,
    ret: usize,
    line: usize,
}

struct Gen(ChaCha8Rng);

impl Gen {
    fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// A random history of `model` from `seed`: its ops, in invocation order, with event times.
fn history(model: ModelKind, seed: u64) -> Vec<Op> {
    let mut g = Gen(ChaCha8Rng::seed_from_u64(seed));
    let (processes, keys, total) = (1 + g.below(3), 1 + g.below(2), 1 + g.below(8));
    let mut ids: Vec<u64> = (0..processes as u64).collect();
    let mut open: Vec<Option<usize>> = vec![None; processes];
    let mut ops: Vec<Op> = Vec::new();
    let mut time = 0;
    while ops.len() < total || open.iter().any(Option::is_some) {
        let slot = g.below(processes);
        match open[slot] {
            None if ops.len() < total => {
                let kind = random_kind(model, &mut g);
                let key = g.below(keys);
                ops.push(Op {
                    process: ids[slot],
                    key,
                    kind,
                    outcome: Outcome::Pending,
                    error: false,
                    call: time,
                    ret: NEVER,
                    line: 0,
                });
                open[slot] = Some(ops.len() - 1);
            }
            None => continue,
            Some(index) => {
                open[slot] = None;
                let roll = g.below(20);
                let op = &mut ops[index];
                op.outcome = match roll {
                    0..=12 => Outcome::Ok,
                    13..=15 => Outcome::Fail,
                    16..=18 => Outcome::Info,
                    _ => Outcome::Pending,
                };
                op.error = op.outcome == Outcome::Fail && g.below(4) == 0;
                if op.outcome == Outcome::Ok || op.outcome == Outcome::Fail {
                    op.ret = time;
                }
                if matches!(op.outcome, Outcome::Info | Outcome::Pending) {
                    // Jepsen gives a crashed process's next ops a new number.
                    ids[slot] += processes as u64;
                }
            }
        }
        time += 1;
    }
    ops
}

fn random_kind(model: ModelKind, g: &mut Gen) -> Kind {
    let value = |g: &mut Gen| g.pick(&["a", "b"]).to_string();
    match (model, g.below(3)) {
        (ModelKind::Kv, 0) => Kind::Read(Some(g.pick(&["", "a", "b", "x", "ax", "ay", "xy", "axy", "ayx"]).into())),
        (ModelKind::Kv, 1) => Kind::Write(value(g)),
        (ModelKind::Kv, _) => Kind::Append(g.pick(&["x", "y"]).into()),
        (ModelKind::CasRegister, 0) => {
            Kind::Read(g.pick(&["", "1", "2", "3"]).parse::<u8>().ok().map(|v| v.to_string()))
        }
        (ModelKind::CasRegister, 1) => Kind::Write(g.pick(&["1", "2", "3"]).into()),
        (ModelKind::CasRegister, _) => Kind::Cas(g.pick(&["1", "2", "3"]).into(), g.pick(&["1", "2", "3"]).into()),
        (ModelKind::Store, _) => match g.below(5) {
            0 | 1 => Kind::Read(match g.below(3) {
                0 => None,
                _ => Some(value(g)),
            }),
            2 => Kind::Write(value(g)),
            3 => Kind::Update(value(g)),
            _ => Kind::Delete,
        },
    }
}

/// The history as EDN, one op per line (numbering each op's invoke line); kv ops alternate
/// between `:key` and `[key value]` by seed.
fn edn(model: ModelKind, ops: &mut [Op], tuples: bool) -> String {
    let mut events: Vec<(usize, usize, bool)> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        events.push((op.call, i, false));
        if op.outcome != Outcome::Pending {
            // An info completion comes back at some time; it still may take effect later.
            events.push((if op.ret == NEVER { op.call + 1 } else { op.ret }, i, true));
        }
    }
    events.sort();
    let mut text = String::new();
    for (line, &(_, i, done)) in events.iter().enumerate() {
        let op = &ops[i];
        let string = |v: &str| match model {
            ModelKind::CasRegister => v.to_string(),
            _ => format!("{v:?}"),
        };
        let (f, value) = match (&op.kind, model) {
            (Kind::Read(read), _) => {
                let shown = if done && op.outcome == Outcome::Ok {
                    read.as_deref().map_or("nil".into(), string)
                } else {
                    "nil".into()
                };
                (if model == ModelKind::CasRegister { "read" } else { "get" }, shown)
            }
            (Kind::Write(v), ModelKind::Kv) => ("put", string(v)),
            (Kind::Write(v), ModelKind::Store) => ("insert", string(v)),
            (Kind::Write(v), _) => ("write", string(v)),
            (Kind::Append(v), _) => ("append", string(v)),
            (Kind::Cas(from, to), _) => ("cas", format!("[{from} {to}]")),
            (Kind::Update(v), _) => ("update", string(v)),
            (Kind::Delete, _) => ("delete", "nil".into()),
        };
        let kind = match (done, op.outcome) {
            (false, _) => "invoke",
            (true, Outcome::Ok) => "ok",
            (true, Outcome::Fail) => "fail",
            _ => "info",
        };
        let key = format!("\"k{}\"", op.key);
        let error = if done && op.error { ", :error :unknown" } else { "" };
        if tuples && model == ModelKind::Kv {
            text += &format!("{{:process {}, :type :{kind}, :f :{f}, :value [{key} {value}]{error}}}\n", op.process);
        } else {
            text +=
                &format!("{{:process {}, :type :{kind}, :f :{f}, :key {key}, :value {value}{error}}}\n", op.process);
        }
        if !done {
            ops[i].line = line + 1;
        }
    }
    text
}

// ---------------------------------------------------------------------------------------------
// The brute force: every order real time allows, the models' rules written again.

/// Applies `op` to `state`; `None` if it cannot happen there. States are `None` for nil.
fn apply(model: ModelKind, state: &Option<String>, op: &Op) -> Option<Option<String>> {
    let known = op.outcome == Outcome::Ok;
    let current = || match model {
        ModelKind::Kv => Some(state.clone().unwrap_or_default()),
        _ => state.clone(),
    };
    match &op.kind {
        Kind::Read(_) if !known => Some(state.clone()),
        Kind::Read(read) => {
            let read = if model == ModelKind::Kv { Some(read.clone().unwrap_or_default()) } else { read.clone() };
            (read == current()).then(|| state.clone())
        }
        Kind::Write(v) => Some(Some(v.clone())),
        Kind::Append(suffix) => Some(Some(current().unwrap_or_default() + suffix)),
        Kind::Cas(from, to) => {
            let matches = state.as_deref() == Some(from.as_str());
            match op.outcome {
                Outcome::Ok => matches.then(|| Some(to.clone())),
                Outcome::Fail => (!matches).then(|| state.clone()),
                _ => Some(if matches { Some(to.clone()) } else { state.clone() }),
            }
        }
        Kind::Update(v) if known => state.is_some().then(|| Some(v.clone())),
        Kind::Update(v) => Some(if state.is_some() { Some(v.clone()) } else { None }),
        Kind::Delete => Some(None),
    }
}

/// Whether `ops` (one key's, all to be checked) have a linearization.
fn brute_force(model: ModelKind, ops: &[&Op]) -> bool {
    fn go(model: ModelKind, ops: &[&Op], done: &mut Vec<bool>, state: Option<String>) -> bool {
        // Done when every op left may never have happened.
        if ops.iter().zip(done.iter()).all(|(op, &d)| d || op.ret == NEVER) {
            return true;
        }
        for i in 0..ops.len() {
            if done[i] {
                continue;
            }
            // An op returned before i was called must come first.
            let blocked = (0..ops.len()).any(|j| !done[j] && j != i && ops[j].ret < ops[i].call);
            if blocked {
                continue;
            }
            if let Some(next) = apply(model, &state, ops[i]) {
                done[i] = true;
                if go(model, ops, done, next) {
                    return true;
                }
                done[i] = false;
            }
        }
        false
    }
    go(model, ops, &mut vec![false; ops.len()], None)
}

/// The ops that constrain or change a key: all but `:fail` ones (a failed cas without an
/// `:error` is a compare that did not match, and stays).
fn checked(ops: &[Op], key: usize) -> Vec<&Op> {
    let failed_compare = |op: &Op| matches!(op.kind, Kind::Cas(..)) && !op.error;
    ops.iter().filter(|op| op.key == key && (op.outcome != Outcome::Fail || failed_compare(op))).collect()
}

fn run(model: ModelKind, seed: u64) -> (Vec<Op>, String, Report) {
    let mut ops = history(model, seed);
    let text = edn(model, &mut ops, seed % 2 == 0);
    let report = check(&text, model, &Limits::default()).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"));
    (ops, text, report)
}

/// Checks one case against the brute force; returns whether the history is linearizable.
fn agrees(model: ModelKind, seed: u64) -> Result<bool, TestCaseError> {
    let (ops, text, report) = run(model, seed);
    let context = format!("model {}, seed {seed}:\n{text}", model.name());
    let mut all = true;
    for key in 0..2 {
        let key_ops = checked(&ops, key);
        let expected = brute_force(model, &key_ops);
        all &= expected;
        let name = format!("key \"k{key}\"");
        let found = report.keys.iter().find(|k| k.key.to_string() == name);
        let verdict = found.map_or(Verdict::Linearizable, |k| k.verdict);
        prop_assert_eq!(verdict == Verdict::Linearizable, expected, "{}: {}", name, context);
        let Some(example) = found.and_then(|k| k.counterexample.as_ref()) else { continue };
        let subset: Vec<&Op> = example
            .operations
            .iter()
            .map(|v| {
                key_ops.iter().copied().find(|op| op.line == v.invoke.line).expect("a counterexample op is the key's")
            })
            .collect();
        prop_assert!(!subset.is_empty() && subset.len() <= key_ops.len(), "{}", context);
        prop_assert!(example.complete, "{}", context);
        prop_assert!(!brute_force(model, &subset), "the counterexample is linearizable: {:?}\n{}", example, context);
    }
    prop_assert_eq!(report.verdict == Verdict::Linearizable, all, "{}", context);
    Ok(all)
}

#[derive(Clone, Debug)]
struct Case {
    model: ModelKind,
    seed: u64,
}

fn cases() -> impl Strategy<Value = Case> {
    (0..MODELS.len(), any::<u64>()).prop_map(|(m, seed)| Case { model: MODELS[m], seed })
}

proptest! {
    #![proptest_config(proptest_config(768))]

    #[test]
    fn the_checker_agrees_with_brute_force(case in cases()) {
        agrees(case.model, case.seed)?;
    }
}

#[test]
fn both_verdicts_occur_in_every_model() {
    for model in MODELS {
        let linearizable = (0..300u64).filter(|&seed| agrees(model, seed).unwrap_or_else(|e| panic!("{e}"))).count();
        assert!((60..=240).contains(&linearizable), "{}: {linearizable} of 300 linearizable", model.name());
    }
}
