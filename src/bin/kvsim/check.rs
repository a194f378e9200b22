//! `kvsim check`: a Jepsen/Knossos EDN history checked for linearizability against a model;
//! the verdict per key and overall, and for each violation a counterexample and the longest
//! linearizable prefix, as text or one JSON object.

use kvplayground::check::models::ModelKind;
use kvplayground::check::report::{check, KeyReport, Limits, OpView, Report, Verdict};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// How many operations of a long prefix the text shows (its last ones); `--json` has them all.
const PREFIX_SHOWN: usize = 5;

/// Checks the history; `Ok(true)` when it is linearizable.
pub fn run(path: &Path, model: ModelKind, json: bool) -> Result<bool, String> {
    let text = super::read(path, "history")?;
    let report = check(&text, model, &Limits::default()).map_err(|e| format!("{}: {e}", path.display()))?;
    let output = if json {
        serde_json::to_string(&report).map_err(|e| format!("cannot write the report: {e}"))? + "\n"
    } else {
        text_report(&report)
    };
    let mut out = std::io::stdout().lock();
    out.write_all(output.as_bytes()).and_then(|()| out.flush()).map_err(|e| format!("cannot write output: {e}"))?;
    Ok(report.verdict == Verdict::Linearizable)
}

fn verdict_text(verdict: Verdict, overall: Verdict) -> &'static str {
    match (verdict, overall) {
        (Verdict::Linearizable, _) => "linearizable",
        (Verdict::NotLinearizable, _) => "NOT linearizable",
        (Verdict::Unknown, Verdict::NotLinearizable) => {
            "not decided (its search was stopped: another key is not linearizable)"
        }
        (Verdict::Unknown, _) => "not decided (the search ran out of steps or of memory)",
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The report as text: a line per key, the details of each violation, the overall verdict.
pub fn text_report(report: &Report) -> String {
    let mut out = String::new();
    for key in &report.keys {
        let _ = writeln!(
            out,
            "{}: {} ({})",
            key.key,
            verdict_text(key.verdict, report.verdict),
            plural(key.operations, "operation")
        );
        write_violation(&mut out, key);
    }
    let bad = report.keys.iter().filter(|k| k.verdict == Verdict::NotLinearizable).count();
    let _ = writeln!(
        out,
        "history: {} ({} on {}, model {}{})",
        verdict_text(report.verdict, report.verdict),
        plural(report.operations, "operation"),
        plural(report.keys.len(), "key"),
        report.model.name(),
        if bad > 0 { format!("; {bad} not linearizable") } else { String::new() }
    );
    out
}

fn write_op(out: &mut String, op: &OpView) {
    let _ = writeln!(out, "    line {}: {}", op.invoke.line, op.invoke.edn);
    match &op.completion {
        Some(done) => {
            let _ = writeln!(out, "    line {}: {}", done.line, done.edn);
        }
        None => out.push_str("    (no completion: info)\n"),
    }
}

fn write_violation(out: &mut String, key: &KeyReport) {
    if let Some(example) = &key.counterexample {
        let _ = writeln!(
            out,
            "  counterexample: {} that cannot be linearized, whatever the key's other operations did{}:",
            plural(example.operations.len(), "operation"),
            if example.complete { "" } else { " (shrinking stopped early; it may shrink further)" }
        );
        for op in &example.operations {
            write_op(out, op);
        }
    }
    if let Some(prefix) = &key.longest_prefix {
        let shown = prefix.operations.len().saturating_sub(PREFIX_SHOWN);
        let _ = writeln!(
            out,
            "  longest linearizable prefix: {} of {}{}",
            prefix.operations.len(),
            plural(key.operations, "operation"),
            if prefix.operations.is_empty() { "" } else { ", in this order" },
        );
        if shown > 0 {
            let _ = writeln!(out, "    ... {} before these", plural(shown, "operation"));
        }
        for op in &prefix.operations[shown..] {
            let done = op.completion.as_ref().map_or("no completion".to_string(), |c| format!("line {}", c.line));
            let _ = writeln!(out, "    line {} to {done}: {}", op.invoke.line, op.invoke.edn);
        }
        let _ = writeln!(out, "  then no order can place:");
        write_op(out, &prefix.blocked);
    }
}
