//! The small value types every module shares: node ids, virtual time, keys and versions.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::rc::Rc;

/// Index of a node in the config's `addresses` list.
pub type NodeId = usize;

/// Virtual time in microseconds since the start of the run.
pub type Time = u64;

/// Microseconds per millisecond and per second, for conversions at the edges.
pub const MICROS_PER_MS: u64 = 1_000;
pub const MICROS_PER_S: u64 = 1_000_000;

/// Keys and values are immutable strings shared between messages, stores and the trace, so
/// copying one is a reference-count bump rather than an allocation. `Rc`, not `Arc`: the core is
/// single-threaded (in wasm and natively), and the non-atomic count is measurably cheaper.
pub type Key = Rc<str>;
pub type Value = Rc<str>;

/// The version of a write: the coordinator's clock when the command was issued, then the
/// coordinator's id as the tie-break, so every replica orders versions identically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Version {
    /// Coordinator clock in microseconds (virtual time plus that node's skew; may be negative).
    pub timestamp: i64,
    /// The coordinator that issued the write.
    pub node: NodeId,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@n{}", format_timestamp(self.timestamp), self.node)
    }
}

/// A versioned value as replicas store and exchange it; `value: None` is a tombstone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub value: Option<Value>,
    pub version: Version,
}

impl Entry {
    pub fn is_tombstone(&self) -> bool {
        self.value.is_none()
    }
}

/// The newer of two optional entries; `None` (never written) is older than anything.
pub fn newest<'a>(a: Option<&'a Entry>, b: Option<&'a Entry>) -> Option<&'a Entry> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.version > x.version { y } else { x }),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Seconds with microsecond precision, as the original printed wall-clock timestamps.
pub fn format_timestamp(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let abs = micros.unsigned_abs();
    format!("{sign}{}.{:06}", abs / MICROS_PER_S, abs % MICROS_PER_S)
}

/// Virtual time as seconds with millisecond precision, for log prefixes.
pub fn format_time(t: Time) -> String {
    format!("{}.{:03}", t / MICROS_PER_S, (t % MICROS_PER_S) / MICROS_PER_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(ts: i64, node: NodeId, value: Option<&str>) -> Entry {
        Entry { value: value.map(Rc::from), version: Version { timestamp: ts, node } }
    }

    #[test]
    fn versions_order_by_timestamp_then_node() {
        let a = Version { timestamp: 5, node: 3 };
        let b = Version { timestamp: 6, node: 0 };
        let c = Version { timestamp: 6, node: 1 };
        assert!(a < b && b < c);
    }

    #[test]
    fn newest_prefers_later_version_and_any_over_none() {
        let old = entry(1, 0, Some("a"));
        let new = entry(2, 0, None);
        assert_eq!(newest(Some(&old), Some(&new)), Some(&new));
        assert_eq!(newest(Some(&new), Some(&old)), Some(&new));
        assert_eq!(newest(None, Some(&old)), Some(&old));
        assert_eq!(newest(None, None), None);
    }

    #[test]
    fn timestamps_format_as_seconds() {
        assert_eq!(format_timestamp(3_010_417), "3.010417");
        assert_eq!(format_timestamp(-500_000), "-0.500000");
        assert_eq!(format_time(12_480_999), "12.480");
    }
}
