//! `kvsim merge`: the traces of a real cluster's nodes (`kvnode --trace`) as one trace.

use kvplayground::sim::merge::{merge, NodeLog};
use kvplayground::sim::shiviz::shiviz_log;
use std::path::{Path, PathBuf};

pub fn run(logs: &[PathBuf], out: Option<&Path>, shiviz: Option<&Path>) -> Result<(), String> {
    let logs = logs
        .iter()
        .map(|path| NodeLog::parse(&path.display().to_string(), &crate::read(path, "node trace")?))
        .collect::<Result<Vec<_>, _>>()?;
    let merged = merge(&logs)?;
    let text = merged.to_json_lines();
    match out {
        Some(path) => std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => print!("{text}"),
    }
    if let Some(path) = shiviz {
        std::fs::write(path, shiviz_log(&merged.trace()))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}
