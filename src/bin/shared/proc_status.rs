//! Reading a process's figures from Linux's /proc, for the binaries' benchmarks (`kvsim run
//! --stats`, `kvnode bench`). Elsewhere they read as unknown.

/// Peak resident memory (VmHWM) of `process` (`self` or a pid), in KiB.
pub fn peak_kib(process: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{process}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
