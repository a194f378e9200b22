//! The trace: every step of a run as a serialisable event, for viewers, checks and replays.

use crate::model::types::Time;
use crate::sim::density::Density;
use crate::sim::packed::PackedEvents;

pub use crate::sim::event::{
    EventRef, Text, TraceEvent, TraceKind, DROP_HELD_THEN_CUT, DROP_LINK_CUT, DROP_LOSS, DROP_NODE_DOWN,
    SEND_DUPLICATE, SEND_RELEASED,
};

/// The recorded events of a run; recording can be switched off for benchmarks. Stored packed
/// ([`PackedEvents`]: about 12 bytes an event, in blocks shared between clones, so the page's
/// checkpoints, which copy the scheduler every few hundred steps, do not copy the whole trace).
///
/// Keeping the events can be paused ([`Trace::keep`]) while they are still counted and indexed
/// by density: the page's fast-forward keeps none, and a view rebuilds the events of a window
/// when it asks, by replaying the deterministic run from a checkpoint. The kept events are always
/// the last ones, from index [`Trace::first_kept`] on; indexes count every event.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    enabled: bool,
    /// Whether events are kept (packed) as they come; when not, they are only counted.
    keeping: bool,
    events: PackedEvents,
    /// Index of the first kept event: the events before it were not kept, or were cleared.
    first: usize,
    /// Time of the last event not kept (µs), if any: a window that starts later is all kept.
    unkept_until: Option<Time>,
    /// Messages, repairs and anomalies per node over time, when asked for (the page's diagram).
    density: Option<Density>,
}

impl Trace {
    pub fn new(enabled: bool) -> Trace {
        Trace { enabled, keeping: true, ..Trace::default() }
    }

    /// Counts what is recorded from now on per node over time too ([`Density`]), for `lanes` nodes.
    pub fn index_density(&mut self, lanes: usize) {
        self.density = Some(Density::new(lanes));
    }

    /// Stops counting events per node over time (see [`Trace::index_density`]).
    pub fn stop_density(&mut self) {
        self.density = None;
    }

    pub fn density(&self) -> Option<&Density> {
        self.density.as_ref()
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Whether events are kept as they come (see [`Trace::keep`]): the texts only a kept event
    /// shows need not be written otherwise.
    pub fn is_keeping(&self) -> bool {
        self.enabled && self.keeping
    }

    /// Keeps the events from now on, or only counts them (and indexes their density). Kept events
    /// after a pause start a new run of them: the ones kept before the pause are let go (a copy
    /// taken before still has them), so the kept events are always the last ones.
    pub fn keep(&mut self, keep: bool) {
        self.keeping = keep;
    }

    /// Records the event `make` gives, asking for it only when recording is on. It borrows the
    /// scheduler's data and is packed as it is: nothing is allocated per event.
    pub fn record<'a>(&mut self, make: impl FnOnce() -> EventRef<'a>) {
        if !self.enabled {
            return;
        }
        let event = make();
        if let Some(density) = &mut self.density {
            density.record(&event);
        }
        if self.keeping {
            self.events.push(&event);
        } else {
            self.skip(event.time);
        }
    }

    /// Records an event already built (a merged or filtered trace).
    pub fn record_event(&mut self, event: &TraceEvent) {
        self.record(|| event.borrowed());
    }

    // Counts an event of time `time` not kept; the events kept before it are let go.
    fn skip(&mut self, time: Time) {
        if !self.events.is_empty() {
            self.clear();
        }
        self.first += 1;
        self.unkept_until = Some(time);
    }

    /// Events recorded so far, kept or not: the index the next one gets.
    pub fn len(&self) -> usize {
        self.first + self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Index of the first event kept: the ones before it were not kept (see [`Trace::keep`]) or
    /// were cleared. [`Trace::len`] when none is.
    pub fn first_kept(&self) -> usize {
        self.first
    }

    /// Time of the last event not kept while keeping was paused (µs), or `None`: the kept events
    /// hold every event at or after any later time (events cleared by [`Trace::clear`] aside).
    pub fn unkept_until(&self) -> Option<Time> {
        self.unkept_until
    }

    /// The kept events, oldest first (decoded as they are taken): every event unless some were
    /// not kept.
    pub fn events(&self) -> impl Iterator<Item = TraceEvent> + '_ {
        self.events.iter_from(0)
    }

    /// The kept events from index `start` on (from the first kept one when `start` is before
    /// it; none when it is past the end).
    pub fn events_from(&self, start: usize) -> impl Iterator<Item = TraceEvent> + '_ {
        self.events.iter_from(start.saturating_sub(self.first))
    }

    /// The kept events from the first at or after time `from` (µs) on, decoding only from the
    /// block that holds it.
    pub fn events_from_time(&self, from: Time) -> impl Iterator<Item = TraceEvent> + '_ {
        self.events.iter_from_time(from)
    }

    /// Bytes the kept events take (see [`PackedEvents::memory_bytes`]).
    pub fn memory_bytes(&self) -> usize {
        self.events.memory_bytes()
    }

    /// Drops the events kept so far; recording goes on, and so do indexes. A driver that
    /// streamed them out (`kvsim run`) keeps memory bounded by the cluster, not by the run.
    pub fn clear(&mut self) {
        if !self.events.is_empty() {
            self.first = self.len();
            self.events = PackedEvents::default();
        }
    }

    /// The trace as JSON lines.
    pub fn to_json_lines(&self) -> String {
        json_lines(self.events())
    }

    /// A stable fingerprint of the run: 64-bit FNV-1a of the JSON lines' bytes, as 16 hex digits.
    /// Equal on every platform for equal traces, so native and wasm runs can be compared.
    pub fn hash_hex(&self) -> String {
        let mut hasher = TraceHasher::default();
        for event in self.events() {
            hasher.push_event(&event);
        }
        hasher.hex()
    }
}

/// `events` as JSON lines, one event a line, each ending in a newline: the trace's file format.
pub fn json_lines(events: impl Iterator<Item = TraceEvent>) -> String {
    let mut out = Vec::new();
    write_json_lines(&mut out, events);
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Appends `events` to `out` as JSON lines (UTF-8), as [`json_lines`] gives them.
pub fn write_json_lines(out: &mut Vec<u8>, events: impl Iterator<Item = TraceEvent>) {
    for event in events {
        write_json_line(out, &event);
    }
}

// Appends one event's JSON line, with its newline.
fn write_json_line(out: &mut Vec<u8>, event: &TraceEvent) {
    serde_json::to_writer(&mut *out, event).expect("trace events serialise");
    out.push(b'\n');
}

/// [`Trace::hash_hex`] computed as the events come, one JSON line at a time, so a streamed run
/// keeps no events.
#[derive(Default)]
pub struct TraceHasher {
    hasher: fnv::FnvHasher,
    /// The line of the event being added: one buffer for every event.
    line: Vec<u8>,
}

impl TraceHasher {
    /// Adds one event; returns its JSON line (with its newline), which `kvsim run --trace --hash`
    /// prints too, from the one buffer.
    pub fn push_event(&mut self, event: &TraceEvent) -> &[u8] {
        use std::hash::Hasher;
        self.line.clear();
        write_json_line(&mut self.line, event);
        self.hasher.write(&self.line);
        &self.line
    }

    pub fn hex(&self) -> String {
        use std::hash::Hasher;
        format!("{:016x}", self.hasher.finish())
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
    fn a_pause_in_keeping_counts_the_events_and_keeps_the_last_ones() {
        let mut trace = traced(MANY);
        let copy = trace.clone();
        trace.keep(false);
        for i in MANY..2 * MANY {
            trace.record(|| EventRef::new(i as Time, TraceKind::Command));
        }
        assert_eq!((trace.len(), trace.first_kept(), trace.events().count()), (2 * MANY, 2 * MANY, 0));
        assert_eq!(trace.unkept_until(), Some(2 * MANY as Time - 1));
        assert_eq!(copy.events().count(), MANY, "a copy taken before the pause keeps its events");
        trace.keep(true);
        for i in 2 * MANY..2 * MANY + 10 {
            trace.record(|| EventRef::new(i as Time, TraceKind::Command));
        }
        assert_eq!(trace.first_kept(), 2 * MANY);
        assert_eq!(times(trace.events()), (2 * MANY..2 * MANY + 10).map(|i| i as Time).collect::<Vec<_>>());
        assert_eq!(times(trace.events_from(0)), times(trace.events()), "an index before the first kept starts there");
        assert_eq!(times(trace.events_from(2 * MANY + 8)), [2 * MANY as Time + 8, 2 * MANY as Time + 9]);
    }

    #[test]
    fn events_not_kept_are_still_indexed_by_density() {
        let run = |keep: bool| {
            let mut trace = Trace::new(true);
            trace.index_density(2);
            trace.keep(keep);
            for i in 0..MANY {
                let e =
                    EventRef { from: Some(i % 2), to: Some(1 - i % 2), ..EventRef::new(i as Time, TraceKind::Send) };
                trace.record(|| e);
            }
            trace.density().unwrap().messages(0, MANY as i64)
        };
        assert_eq!(run(false), run(true));
        assert!(run(true) > 0);
    }

    #[test]
    fn a_cleared_trace_goes_on_counting() {
        let mut trace = traced(10);
        trace.clear();
        trace.record(|| EventRef::new(10, TraceKind::Reply));
        assert_eq!((trace.len(), trace.first_kept(), trace.unkept_until()), (11, 10, None));
        assert_eq!(times(trace.events_from(10)), [10]);
    }

    proptest::proptest! {
        /// Whatever the pauses in keeping, every event is counted, the kept events are exactly
        /// the last run of them (as a trace that kept everything has them from `first_kept`
        /// on), every event after `unkept_until` is kept, and the density counts are those of
        /// the trace that kept everything.
        #[test]
        fn pauses_in_keeping_keep_the_last_events_and_count_them_all(
            steps in proptest::collection::vec((0..3 as Time, proptest::bool::ANY, proptest::bool::weighted(0.05)), 0..3_000),
        ) {
            let mut kept_all = Trace::new(true);
            let mut paused = Trace::new(true);
            kept_all.index_density(2);
            paused.index_density(2);
            let mut now = 0;
            let mut last_unkept = None;
            for (i, (gap, send, toggle)) in steps.into_iter().enumerate() {
                if toggle {
                    paused.keep(!paused.is_keeping());
                }
                now += gap;
                let kind = if send { TraceKind::Send } else { TraceKind::Deliver };
                let event = EventRef { from: Some(i % 2), to: Some(1 - i % 2), ..EventRef::new(now, kind) };
                if !paused.is_keeping() {
                    last_unkept = Some(now);
                }
                kept_all.record(|| event);
                paused.record(|| event);
            }
            proptest::prop_assert_eq!(paused.len(), kept_all.len());
            proptest::prop_assert_eq!(paused.unkept_until(), last_unkept);
            let first = paused.first_kept();
            let expected: Vec<TraceEvent> = kept_all.events_from(first).collect();
            proptest::prop_assert_eq!(paused.events().collect::<Vec<_>>(), expected);
            if let Some(until) = last_unkept {
                proptest::prop_assert!(kept_all.events().take(first).all(|e| e.time <= until), "an event after {until} was not kept");
            } else {
                proptest::prop_assert_eq!(first, 0);
            }
            let messages = |t: &Trace| t.density().unwrap().messages(0, now as i64 + 1);
            proptest::prop_assert_eq!(messages(&paused), messages(&kept_all));
        }
    }

    #[test]
    fn a_trace_switched_off_records_nothing() {
        let mut trace = Trace::new(false);
        trace.record(|| unreachable!("the event is not even built"));
        assert!(trace.is_empty());
    }
}
