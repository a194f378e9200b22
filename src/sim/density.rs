//! How busy each node was over time, for the page's space-time diagram zoomed out over a long run:
//! per lane (node), counts of messages sent, read repairs sent and anomalies found, in buckets
//! of `width` µs, kept as running totals at every bucket's start. The count in any time window
//! is then two lookups, so "counts per pixel column per lane" costs lanes x columns lookups
//! whatever the length of the run.
//!
//! Memory is bounded: past `max_rows` buckets, every other bucket edge is forgotten and the width
//! doubles (running totals at the even edges are the totals of the doubled buckets). Rows are
//! stored in chunks shared between clones like the trace's blocks, so the page's checkpoints
//! copy at most one chunk, and a restored checkpoint has the index as it was then.

use crate::model::message::MessageKind;
use crate::model::types::Time;
use crate::sim::event::{is_new_send, EventRef, Text, TraceKind};
use std::rc::Rc;

/// What is counted, per lane: one slot of a row each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// Messages sent by the lane's node: a held message once, when held; a duplicated one once; one
    /// lost as it was sent too ([`is_new_send`]).
    Messages,
    /// Read repairs sent by the lane's node (counted among the messages too).
    Repairs,
    /// Anomalies (stale reads and the others) found on an operation of the lane's node.
    Anomalies,
}

pub const CHANNELS: [Channel; 3] = [Channel::Messages, Channel::Repairs, Channel::Anomalies];

/// The first bucket width, µs; it doubles as the run grows.
const FIRST_WIDTH: Time = 1_000;
/// Counters kept at most (4 bytes each): 8 MiB, so a checkpoint's copy stays small too.
const MAX_CELLS: usize = 1 << 21;
/// Fewest buckets kept, however many lanes.
const MIN_ROWS: usize = 1_024;
/// Rows per shared chunk.
const CHUNK_ROWS: usize = 64;

/// Rows of `len` counters, in sealed chunks shared between clones and an open tail.
#[derive(Clone, Debug)]
struct Rows {
    len: usize,
    sealed: Vec<Rc<[u32]>>,
    tail: Vec<u32>,
    count: usize,
}

impl Rows {
    fn new(len: usize) -> Rows {
        Rows { len, sealed: Vec::new(), tail: Vec::new(), count: 0 }
    }

    fn push(&mut self, row: &[u32]) {
        self.tail.extend_from_slice(row);
        self.count += 1;
        if self.tail.len() == CHUNK_ROWS * self.len {
            self.sealed.push(Rc::from(std::mem::take(&mut self.tail)));
        }
    }

    fn get(&self, k: usize) -> &[u32] {
        let chunk = self.sealed.get(k / CHUNK_ROWS).map_or(&self.tail[..], |c| &c[..]);
        let at = (k % CHUNK_ROWS) * self.len;
        &chunk[at..at + self.len]
    }

    fn bytes(&self) -> usize {
        (self.sealed.len() * CHUNK_ROWS * self.len + self.tail.len()) * size_of::<u32>()
    }
}

#[derive(Clone, Debug)]
pub struct Density {
    lanes: usize,
    /// Bucket width, µs.
    width: Time,
    max_rows: usize,
    /// Row `k`: the totals of the events before `k * width`, per lane and channel.
    rows: Rows,
    /// The totals so far (row `rows.count` once the open bucket closes).
    totals: Vec<u32>,
}

impl Density {
    /// An empty index for `lanes` nodes, bounded to about 8 MiB.
    pub fn new(lanes: usize) -> Density {
        let cells = lanes.max(1) * CHANNELS.len();
        Density::with_rows(lanes, MIN_ROWS.max(MAX_CELLS / cells))
    }

    fn with_rows(lanes: usize, max_rows: usize) -> Density {
        let len = lanes * CHANNELS.len();
        Density { lanes, width: FIRST_WIDTH, max_rows, rows: Rows::new(len), totals: vec![0; len] }
    }

    pub fn lanes(&self) -> usize {
        self.lanes
    }

    /// The bucket width now, µs: counts are exact for windows whose ends are multiples of it.
    pub fn width(&self) -> Time {
        self.width
    }

    pub fn memory_bytes(&self) -> usize {
        self.rows.bytes() + self.totals.len() * size_of::<u32>()
    }

    /// Counts `e` if it is a message sent ([`is_new_send`]), a repair or an anomaly of a lane this
    /// index has.
    pub fn record(&mut self, e: &EventRef<'_>) {
        let reason = match e.text {
            Some(Text::Str(text)) => Some(text),
            _ => None,
        };
        match (e.kind, e.from, e.node) {
            (TraceKind::Anomaly, _, Some(node)) => self.count(e.time, node, Channel::Anomalies),
            (kind, Some(from), _) if is_new_send(kind, reason) => {
                self.count(e.time, from, Channel::Messages);
                if e.msg == Some(MessageKind::Repair) {
                    self.count(e.time, from, Channel::Repairs);
                }
            }
            _ => {}
        }
    }

    /// Adds one to `lane`'s `channel` at `time` (an event older than the open bucket counts in it).
    fn count(&mut self, time: Time, lane: usize, channel: Channel) {
        if lane >= self.lanes {
            return;
        }
        while time / self.width >= self.max_rows as Time {
            self.merge();
        }
        let bucket = (time / self.width) as usize;
        while self.rows.count <= bucket {
            self.rows.push(&self.totals);
        }
        let cell = &mut self.totals[lane * CHANNELS.len() + channel as usize];
        *cell = cell.wrapping_add(1);
    }

    /// Doubles the width: keeps the even bucket edges.
    fn merge(&mut self) {
        let mut rows = Rows::new(self.rows.len);
        for k in (0..self.rows.count).step_by(2) {
            rows.push(self.rows.get(k));
        }
        self.rows = rows;
        self.width *= 2;
    }

    /// The totals of the events before the bucket edge at or before `t` (µs).
    fn totals_before(&self, t: i128) -> &[u32] {
        let edge = if t <= 0 { 0 } else { (t / i128::from(self.width)).min(self.rows.count as i128) as usize };
        if edge >= self.rows.count {
            &self.totals
        } else {
            self.rows.get(edge)
        }
    }

    /// Counts in `[from, to)` (µs) split into `columns` equal columns, written into `out` as
    /// `out[(channel * lanes + lane) * columns + column]`. Each column's ends are taken down to
    /// a bucket edge. `out` must hold `CHANNELS.len() * lanes * columns` counters.
    pub fn counts(&self, from: i64, to: i64, columns: usize, out: &mut [u32]) {
        let (from, to) = (i128::from(from), i128::from(to.max(from)));
        let edge = |j: usize| from + (to - from) * j as i128 / columns.max(1) as i128;
        let mut before = self.totals_before(edge(0));
        for column in 0..columns {
            let after = self.totals_before(edge(column + 1));
            for lane in 0..self.lanes {
                for channel in 0..CHANNELS.len() {
                    let cell = lane * CHANNELS.len() + channel;
                    out[(channel * self.lanes + lane) * columns + column] = after[cell].wrapping_sub(before[cell]);
                }
            }
            before = after;
        }
    }

    /// Messages sent in `[from, to)` on every lane together (ends taken down to a bucket edge).
    pub fn messages(&self, from: i64, to: i64) -> u64 {
        let (before, after) = (self.totals_before(i128::from(from)), self.totals_before(i128::from(to.max(from))));
        (0..self.lanes)
            .map(|lane| lane * CHANNELS.len() + Channel::Messages as usize)
            .map(|cell| u64::from(after[cell].wrapping_sub(before[cell])))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::types::NodeId;
    use crate::sim::event::{
        TraceEvent, DROP_HELD_THEN_CUT, DROP_LINK_CUT, DROP_LOSS, DROP_NODE_DOWN, SEND_DUPLICATE, SEND_RELEASED,
    };
    use proptest::prelude::*;

    fn event(time: Time, kind: TraceKind, node: NodeId, msg: MessageKind) -> TraceEvent {
        match kind {
            TraceKind::Anomaly => TraceEvent { node: Some(node), ..TraceEvent::new(time, kind) },
            _ => TraceEvent { from: Some(node), to: Some(0), msg: Some(msg), ..TraceEvent::new(time, kind) },
        }
    }

    /// What `counts` should say, counted event by event with the index's bucket edges.
    fn brute(events: &[TraceEvent], lanes: usize, width: Time, from: i64, to: i64, columns: usize) -> Vec<u32> {
        let mut out = vec![0; CHANNELS.len() * lanes * columns];
        let snap = |t: i128| if t <= 0 { 0 } else { t / i128::from(width) * i128::from(width) };
        let (f, t) = (i128::from(from), i128::from(to.max(from)));
        for column in 0..columns {
            let lo = snap(f + (t - f) * column as i128 / columns as i128);
            let hi = snap(f + (t - f) * (column as i128 + 1) / columns as i128);
            for e in events.iter().filter(|e| (lo..hi).contains(&i128::from(e.time))) {
                let mut add = |lane: usize, channel: Channel| {
                    if lane < lanes {
                        out[(channel as usize * lanes + lane) * columns + column] += 1;
                    }
                };
                // The node's own sends: plain, held, or lost as they left (not a release, a
                // duplicate, or a drop of a message already on its way).
                let sent = match (e.kind, e.text.as_deref()) {
                    (TraceKind::Send, None) | (TraceKind::Hold, _) => true,
                    (TraceKind::Drop, Some(reason)) => [DROP_LINK_CUT, DROP_LOSS].contains(&reason),
                    _ => false,
                };
                if sent {
                    add(e.from.unwrap(), Channel::Messages);
                    if e.msg == Some(MessageKind::Repair) {
                        add(e.from.unwrap(), Channel::Repairs);
                    }
                }
                if e.kind == TraceKind::Anomaly {
                    add(e.node.unwrap(), Channel::Anomalies);
                }
            }
        }
        out
    }

    fn run() -> impl Strategy<Value = Vec<TraceEvent>> {
        let kinds = prop_oneof![
            4 => Just((TraceKind::Send, None)),
            1 => Just((TraceKind::Send, Some(SEND_RELEASED))),
            1 => Just((TraceKind::Send, Some(SEND_DUPLICATE))),
            1 => Just((TraceKind::Hold, None)),
            1 => Just((TraceKind::Drop, Some(DROP_LINK_CUT))),
            1 => Just((TraceKind::Drop, Some(DROP_LOSS))),
            1 => Just((TraceKind::Drop, Some(DROP_NODE_DOWN))),
            1 => Just((TraceKind::Drop, Some(DROP_HELD_THEN_CUT))),
            1 => Just((TraceKind::Anomaly, None)),
            2 => Just((TraceKind::Deliver, None)),
            1 => Just((TraceKind::Command, None)),
        ];
        let msgs = prop_oneof![3 => Just(MessageKind::Read), 1 => Just(MessageKind::Repair)];
        proptest::collection::vec((0..40_000u64, kinds, 0..5usize, msgs), 0..600).prop_map(|steps| {
            let mut time = 0;
            steps
                .into_iter()
                .map(|(gap, (kind, text), node, msg)| {
                    // Mostly close together, now and then a long quiet stretch.
                    time += if gap > 39_000 { gap * 50 } else { gap / 8 };
                    TraceEvent { text: text.map(String::from), ..event(time, kind, node, msg) }
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Counts for any window and column count equal a count over the events themselves,
        /// through the width doublings a small row budget forces.
        #[test]
        fn counts_equal_a_count_over_the_events(
            events in run(),
            windows in proptest::collection::vec((-50_000i64..3_000_000, 0i64..3_000_000, 1..40usize), 8),
        ) {
            let lanes = 4; // node 4 is a lane this index does not have: left out
            let mut density = Density::with_rows(lanes, 64);
            for e in &events {
                density.record(&e.borrowed());
            }
            prop_assert!(density.rows.count <= 64);
            for (from, length, columns) in windows {
                let to = from + length;
                let mut out = vec![u32::MAX; CHANNELS.len() * lanes * columns];
                density.counts(from, to, columns, &mut out);
                prop_assert_eq!(&out, &brute(&events, lanes, density.width(), from, to, columns));
                let sent: u32 = out[..lanes * columns].iter().sum();
                prop_assert_eq!(density.messages(from, to), u64::from(sent));
            }
        }
    }

    #[test]
    fn a_restored_clone_counts_only_what_happened_before_it() {
        let events: Vec<_> =
            (0..20_000u64).map(|i| event(i * 250, TraceKind::Send, (i % 3) as usize, MessageKind::Read)).collect();
        let mut live = Density::with_rows(3, 128);
        for e in &events[..12_000] {
            live.record(&e.borrowed());
        }
        let checkpoint = live.clone();
        for e in &events[12_000..] {
            live.record(&e.borrowed());
        }
        assert_eq!(live.messages(0, i64::MAX), 20_000);
        // The checkpoint goes its own way: restored, it has the first 12,000 and takes others.
        let mut restored = checkpoint.clone();
        assert_eq!(restored.messages(0, i64::MAX), 12_000);
        restored.record(&event(3_000_000, TraceKind::Anomaly, 1, MessageKind::Read).borrowed());
        let mut out = vec![0; CHANNELS.len() * 3];
        restored.counts(0, 4_000_000, 1, &mut out);
        assert_eq!(out, [4_000, 4_000, 4_000, 0, 0, 0, 0, 1, 0]);
        assert_eq!(live.messages(0, i64::MAX), 20_000);
        assert_eq!(checkpoint.messages(0, i64::MAX), 12_000);
    }

    #[test]
    fn memory_stays_bounded_for_a_long_run_of_64_nodes() {
        let mut density = Density::new(64);
        // A million sends, one every 100 µs: 100 s of run.
        for i in 0..1_000_000u64 {
            density.record(&event(i * 100, TraceKind::Send, (i % 64) as usize, MessageKind::Read).borrowed());
        }
        assert!(density.memory_bytes() <= 9 << 20, "{} bytes", density.memory_bytes());
        assert_eq!(density.messages(0, 100_000_000), 1_000_000);
        assert!(density.width() > FIRST_WIDTH, "the width grew");
    }

    #[test]
    fn released_sends_are_not_counted_twice() {
        let mut density = Density::new(2);
        density.record(&event(10, TraceKind::Hold, 0, MessageKind::Write).borrowed());
        density.record(
            &TraceEvent { text: Some(SEND_RELEASED.into()), ..event(20, TraceKind::Send, 0, MessageKind::Write) }
                .borrowed(),
        );
        assert_eq!(density.messages(0, 1_000_000), 1);
    }

    #[test]
    fn a_duplicate_is_not_a_send_and_a_message_lost_as_it_left_is() {
        let mut density = Density::new(2);
        let with = |text: &str, e: TraceEvent| TraceEvent { text: Some(text.into()), ..e };
        density.record(&event(10, TraceKind::Send, 0, MessageKind::Repair).borrowed());
        density.record(&with(SEND_DUPLICATE, event(10, TraceKind::Send, 0, MessageKind::Repair)).borrowed());
        density.record(&with(DROP_LOSS, event(20, TraceKind::Drop, 1, MessageKind::Repair)).borrowed());
        density.record(&with(DROP_NODE_DOWN, event(30, TraceKind::Drop, 0, MessageKind::Read)).borrowed());
        let mut out = vec![0; CHANNELS.len() * 2];
        density.counts(0, 1_000, 1, &mut out);
        // Messages n0, n1; repairs n0, n1; anomalies n0, n1.
        assert_eq!(out, [1, 1, 1, 1, 0, 0]);
    }
}
