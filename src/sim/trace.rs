//! The trace: every step of a run as a serialisable event, for viewers, checks and replays.

use crate::model::types::Time;
use crate::sim::density::Density;
use crate::sim::packed::PackedEvents;

pub use crate::sim::event::{
    EventRef, Text, TraceEvent, TraceKind, DROP_HELD_THEN_CUT, DROP_LINK_CUT, DROP_LOSS, DROP_NODE_DOWN,
    SEND_DUPLICATE, SEND_RELEASED,
};

/// The recorded events of a run; recording can be switched off for benchmarks. Stored packed
/// ([`PackedEvents`]: about 15 bytes an event, in blocks shared between clones, so the page's
/// checkpoints, which copy the scheduler every 200 steps, do not copy the whole trace again).
#[derive(Clone, Debug, Default)]
pub struct Trace {
    enabled: bool,
    events: PackedEvents,
    /// Messages, repairs and anomalies per node over time, when asked for (the page's diagram).
    density: Option<Density>,
}

impl Trace {
    pub fn new(enabled: bool) -> Trace {
        Trace { enabled, events: PackedEvents::default(), density: None }
    }

    /// Counts what is recorded from now on per node over time too ([`Density`]), for `lanes` nodes.
    pub fn index_density(&mut self, lanes: usize) {
        self.density = Some(Density::new(lanes));
    }

    pub fn density(&self) -> Option<&Density> {
        self.density.as_ref()
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Records the event `make` gives, asking for it only when recording is on. It borrows the
    /// scheduler's data and is packed as it is: nothing is allocated per event.
    pub fn record<'a>(&mut self, make: impl FnOnce() -> EventRef<'a>) {
        if self.enabled {
            let event = make();
            if let Some(density) = &mut self.density {
                density.record(&event);
            }
            self.events.push(&event);
        }
    }

    /// Records an event already built (a merged or filtered trace).
    pub fn record_event(&mut self, event: &TraceEvent) {
        self.record(|| event.borrowed());
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Every event, oldest first (decoded as they are taken).
    pub fn events(&self) -> impl Iterator<Item = TraceEvent> + '_ {
        self.events.iter_from(0)
    }

    /// The events from index `start` on (none when `start` is past the end).
    pub fn events_from(&self, start: usize) -> impl Iterator<Item = TraceEvent> + '_ {
        self.events.iter_from(start)
    }

    /// The events from the first at or after time `from` (µs) on, decoding only from the block
    /// that holds it.
    pub fn events_from_time(&self, from: Time) -> impl Iterator<Item = TraceEvent> + '_ {
        self.events.iter_from_time(from)
    }

    /// Bytes the recorded events take (see [`PackedEvents::memory_bytes`]).
    pub fn memory_bytes(&self) -> usize {
        self.events.memory_bytes()
    }

    /// Drops the events recorded so far; recording goes on. A driver that streamed them out
    /// (`kvsim run`) keeps memory bounded by the cluster, not by the length of the run.
    pub fn clear(&mut self) {
        self.events = PackedEvents::default();
    }

    /// The trace as JSON lines.
    pub fn to_json_lines(&self) -> String {
        let mut out = String::new();
        for event in self.events() {
            out.push_str(&serde_json::to_string(&event).expect("trace events serialise"));
            out.push('\n');
        }
        out
    }

    /// A stable fingerprint of the run: 64-bit FNV-1a of the JSON lines' bytes, as 16 hex digits.
    /// Equal on every platform for equal traces, so native and wasm runs can be compared.
    pub fn hash_hex(&self) -> String {
        let mut hasher = TraceHasher::default();
        for event in self.events() {
            hasher.push_line(&serde_json::to_string(&event).expect("trace events serialise"));
        }
        hasher.hex()
    }
}

/// [`Trace::hash_hex`] computed as the events come, one JSON line at a time, so a streamed run
/// keeps no events.
#[derive(Default)]
pub struct TraceHasher(fnv::FnvHasher);

impl TraceHasher {
    /// Adds one event's JSON line (without its newline).
    pub fn push_line(&mut self, line: &str) {
        use std::hash::Hasher;
        self.0.write(line.as_bytes());
        self.0.write(b"\n");
    }

    pub fn hex(&self) -> String {
        use std::hash::Hasher;
        format!("{:016x}", self.0.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::types::Time;

    /// Enough events for several sealed blocks.
    const MANY: usize = 5_000;

    fn traced(events: usize) -> Trace {
        let mut trace = Trace::new(true);
        for i in 0..events {
            trace.record(|| EventRef::new(i as Time, TraceKind::Command));
        }
        trace
    }

    fn times(events: impl Iterator<Item = TraceEvent>) -> Vec<Time> {
        events.map(|e| e.time).collect()
    }

    #[test]
    fn a_clone_goes_its_own_way() {
        let mut trace = traced(MANY);
        let mut copy = trace.clone();
        copy.record(|| EventRef::new(999, TraceKind::Reply));
        trace.record(|| EventRef::new(7, TraceKind::Reply));
        assert_eq!(times(copy.events_from(MANY)), [999]);
        assert_eq!(times(trace.events_from(MANY)), [7]);
        assert_eq!(times(trace.events().take(3)), [0, 1, 2]);
    }

    #[test]
    fn events_from_any_index_start_there() {
        let trace = traced(MANY);
        for start in [0, 1, 1_000, 2_047, 2_048, 4_999, 5_000, 6_000] {
            let expected: Vec<Time> = (start..MANY).map(|i| i as Time).collect();
            assert_eq!(times(trace.events_from(start)), expected, "from {start}");
        }
    }

    #[test]
    fn a_trace_switched_off_records_nothing() {
        let mut trace = Trace::new(false);
        trace.record(|| unreachable!("the event is not even built"));
        assert!(trace.is_empty());
    }
}
