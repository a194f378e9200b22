//! The facts a node runs by.

use crate::model::config::ReadRepair;
use crate::model::types::{NodeId, Time};

/// The facts a node runs by: set when it is created; faults change its clock skew and (through
/// the skew spread) its hint lifetime.
#[derive(Clone, Copy, Debug)]
pub struct NodeParams {
    pub id: NodeId,
    pub nodes: usize,
    pub replication_factor: usize,
    pub request_timeout: Time,
    /// Added to virtual time to get this node's clock, in microseconds.
    pub clock_skew: i64,
    pub tombstone_grace: Time,
    /// How long after its write started a hint is kept (see [`super::hints`] and
    /// [`NodeParams::set_skew_spread`]).
    pub hint_lifetime: Time,
    /// Whether a read waits for its repair before answering.
    pub read_repair: ReadRepair,
    /// Whether replicas write as the course project did (see `Config::original_bugs`).
    pub original_bugs: bool,
}

impl NodeParams {
    /// Sets the hint lifetime for clocks that differ by up to `spread` microseconds: the
    /// tombstone grace period minus the spread and the request timeout (see [`super::hints`]).
    pub fn set_skew_spread(&mut self, spread: Time) {
        self.hint_lifetime = self.tombstone_grace.saturating_sub(spread).saturating_sub(self.request_timeout);
    }
}

#[cfg(test)]
impl NodeParams {
    /// Node `id` of three, all replicas of every key: request timeout 1 s, tombstone grace
    /// 100 s, hint lifetime 50 s.
    pub(crate) fn for_tests(id: NodeId) -> NodeParams {
        const S: Time = crate::model::types::MICROS_PER_S;
        NodeParams {
            id,
            nodes: 3,
            replication_factor: 3,
            request_timeout: S,
            clock_skew: 0,
            tombstone_grace: 100 * S,
            hint_lifetime: 50 * S,
            read_repair: ReadRepair::Async,
            original_bugs: false,
        }
    }
}
