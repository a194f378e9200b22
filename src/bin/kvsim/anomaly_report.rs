//! What `kvsim run --check` prints: each anomaly as it is found, then a summary with the keys
//! whose replicas still disagree.

use kvplayground::model::types::format_time;
use kvplayground::sim::anomalies::{Anomaly, AnomalyKind, Divergence};
use std::collections::BTreeMap;

pub fn anomaly_line(anomaly: &Anomaly, json: bool) -> String {
    if json {
        serde_json::json!({
            "anomaly": anomaly.kind, "time": anomaly.time as f64 / 1e6, "node": anomaly.process,
            "request": anomaly.request, "key": anomaly.key, "earlier": anomaly.earlier,
            "explanation": anomaly.explanation,
        })
        .to_string()
    } else {
        format!(
            "[{:>8} n{}] ANOMALY {}: {}",
            format_time(anomaly.time),
            anomaly.process,
            anomaly.kind.name(),
            anomaly.explanation
        )
    }
}

/// The closing lines: anomalies counted by kind, and the keys whose replicas disagree.
pub fn summary(anomalies: &[Anomaly], divergent: &[Divergence], json: bool) -> Vec<String> {
    let counts: Vec<(AnomalyKind, usize)> =
        AnomalyKind::ALL.into_iter().map(|kind| (kind, anomalies.iter().filter(|a| a.kind == kind).count())).collect();
    if json {
        let by_kind: BTreeMap<AnomalyKind, usize> = counts.iter().copied().collect();
        let line = serde_json::json!({"check": {"anomalies": anomalies.len(), "by_kind": by_kind,
                                                 "not_converged": divergent}});
        return vec![line.to_string()];
    }
    let found: Vec<String> =
        counts.iter().filter(|(_, n)| *n > 0).map(|(kind, n)| format!("{n} {}", kind.name())).collect();
    let mut lines = vec![match anomalies.len() {
        0 => "check: no anomaly".to_string(),
        n => format!("check: {n} {} ({})", if n == 1 { "anomaly" } else { "anomalies" }, found.join(", ")),
    }];
    if divergent.is_empty() {
        lines.push("check: every key's replicas agree".into());
    }
    for d in divergent {
        let holds: Vec<String> = d
            .replicas
            .iter()
            .map(|(node, entry)| match entry {
                Some(e) => format!("n{node} {} ({})", e.value.as_deref().unwrap_or(""), e.version),
                None => format!("n{node} nothing"),
            })
            .collect();
        lines.push(format!("check: key {} not converged: {}", d.key, holds.join(", ")));
    }
    lines
}
