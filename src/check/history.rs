//! The operations of a Jepsen/Knossos history: each `:invoke` paired with the next completion
//! (`:ok`, `:fail` or `:info`) of the same `:process`.
//!
//! - The history is a sequence of maps, one op each, or one vector or list of them (Knossos's
//!   files). The order of the ops is their real-time order; `:time` is not read.
//! - Ops of a process that is not an integer (the nemesis, `:process :nemesis`) are not client
//!   operations and are skipped.
//! - An invoke with no completion is `info`. A completion without an invoke, an invoke while the
//!   process's previous op is still open, or a completion whose `:f` differs from its invoke's is
//!   an error naming the line.

use super::edn::{Edn, InputError};
use super::edn_reader::Form;
use crate::lex::truncate;
use std::collections::BTreeMap;

/// How an operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// It took effect, and its completion says what it returned.
    Ok,
    /// It certainly took no effect.
    Fail,
    /// It may or may not have taken effect (an `:info` completion, or none).
    Info,
}

/// One client operation: its invoke and its completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    pub process: i64,
    /// The `:f` keyword's name: `read`, `write`, `cas`, `get`...
    pub f: String,
    pub invoke: Form,
    /// `None` when the history ends before the op completes.
    pub completion: Option<Form>,
    pub outcome: Outcome,
    /// Position of the invoke among the history's client events (its real-time order).
    pub call: u64,
    /// Position of the completion, or [`NEVER`] for an `info` op: it may take effect at any
    /// point after its invocation, or never.
    pub ret: u64,
}

/// The return time of an op that may take effect at any point after it was invoked.
pub const NEVER: u64 = u64::MAX;

impl Operation {
    /// The invoke's `:value`.
    pub fn invoke_value(&self) -> &Edn {
        self.invoke.value.get("value").unwrap_or(&Edn::Nil)
    }

    /// The completion's `:value` (what an `ok` read returned).
    pub fn completion_value(&self) -> &Edn {
        self.completion.as_ref().and_then(|c| c.value.get("value")).unwrap_or(&Edn::Nil)
    }

    /// A field of the invoke (`:key`...).
    pub fn field(&self, name: &str) -> Option<&Edn> {
        self.invoke.value.get(name)
    }

    /// Whether the completion carries an `:error` (why it failed).
    pub fn has_error(&self) -> bool {
        self.completion.as_ref().is_some_and(|c| c.value.get("error").is_some())
    }
}

/// The ops of `forms` in the order they were invoked.
pub fn operations(forms: Vec<Form>) -> Result<Vec<Operation>, InputError> {
    let mut done: Vec<Operation> = Vec::new();
    let mut open: BTreeMap<i64, Operation> = BTreeMap::new();
    for (position, form) in events(forms)?.into_iter().enumerate() {
        let position = position as u64;
        let line = form.line;
        let Some(process) = process_of(&form)? else { continue };
        let kind = field_keyword(&form, "type")?;
        let f = field_keyword(&form, "f")?;
        match kind.as_str() {
            "invoke" => {
                if let Some(previous) = open.get(&process) {
                    return Err(InputError::new(
                        line,
                        format!(
                            "process {process} invokes again while its op invoked on line {} has not completed: \
                             add that op's :ok, :fail or :info first (a crashed process's next ops take a new process number)",
                            previous.invoke.line
                        ),
                    ));
                }
                let op = Operation {
                    process,
                    f,
                    invoke: form,
                    completion: None,
                    outcome: Outcome::Info,
                    call: position,
                    ret: NEVER,
                };
                open.insert(process, op);
            }
            "ok" | "fail" | "info" => {
                let Some(mut op) = open.remove(&process) else {
                    return Err(InputError::new(
                        line,
                        format!("this :{kind} completes no op: process {process} has no invoke open before it; add the invoke or remove this line"),
                    ));
                };
                if op.f != f {
                    return Err(InputError::new(
                        line,
                        format!(
                            "this :{kind} has :f :{f}, but the op of process {process} invoked on line {} is :{}: a completion repeats its invoke's :f",
                            op.invoke.line, op.f
                        ),
                    ));
                }
                op.outcome = match kind.as_str() {
                    "ok" => Outcome::Ok,
                    "fail" => Outcome::Fail,
                    _ => Outcome::Info,
                };
                op.ret = if op.outcome == Outcome::Info { NEVER } else { position };
                op.completion = Some(form);
                done.push(op);
            }
            other => {
                return Err(InputError::new(
                    line,
                    format!("`:type :{}` is not an op type: use :invoke, :ok, :fail or :info", truncate(other, 30)),
                ))
            }
        }
    }
    done.extend(open.into_values());
    done.sort_by_key(|op| op.call);
    Ok(done)
}

/// The op maps: the forms themselves, or the items of one vector or list holding them all.
fn events(forms: Vec<Form>) -> Result<Vec<Form>, InputError> {
    let items = match <[Form; 1]>::try_from(forms) {
        Ok([Form { value: Edn::Vector(items) | Edn::List(items), item_lines, .. }]) => items
            .into_iter()
            .zip(item_lines)
            .map(|(value, line)| Form { line, value, item_lines: Vec::new() })
            .collect(),
        Ok([form]) => vec![form],
        Err(forms) => forms,
    };
    for form in &items {
        if form.value.entries().is_none() {
            return Err(InputError::new(
                form.line,
                format!(
                    "expected an op, a map such as {{:process 0, :type :invoke, :f :read, :value nil}}, but found {} `{}`",
                    form.value.kind(),
                    truncate(&form.value.to_string(), 40)
                ),
            ));
        }
    }
    Ok(items)
}

/// The op's process, or `None` for a process that is not a client (`:nemesis`).
fn process_of(form: &Form) -> Result<Option<i64>, InputError> {
    match form.value.get("process") {
        Some(Edn::Int(process)) => Ok(Some(*process)),
        Some(Edn::Keyword(_)) => Ok(None),
        Some(other) => Err(InputError::new(
            form.line,
            format!(
                "`:process` must be an integer (or :nemesis), not {} `{}`",
                other.kind(),
                truncate(&other.to_string(), 30)
            ),
        )),
        None => {
            Err(InputError::new(form.line, "this op has no `:process`: add the client's number, such as `:process 0`"))
        }
    }
}

fn field_keyword(form: &Form, name: &str) -> Result<String, InputError> {
    let example = if name == "type" { ":invoke" } else { ":read" };
    match form.value.get(name) {
        Some(Edn::Keyword(value)) => Ok(value.clone()),
        Some(other) => Err(InputError::new(
            form.line,
            format!(
                "`:{name}` must be a keyword such as {example}, not {} `{}`",
                other.kind(),
                truncate(&other.to_string(), 30)
            ),
        )),
        None => {
            Err(InputError::new(form.line, format!("this op has no `:{name}`: add one, such as `:{name} {example}`")))
        }
    }
}
