//! The trace's storage: events packed into bytes, about 25 per event (strings included) instead
//! of the ~200 of a `TraceEvent` plus its strings, so the page can keep the trace of a long run.
//! Each event is a flags byte pair, then only the fields it has, as LEB128 varints: times as
//! deltas (from the previous event, or from the event's own time for `sent`, `due` and versions),
//! keys, values and texts as indexes into its block's strings. Decoding gives back exactly the
//! events recorded (a property test checks it).
//!
//! Events are kept in blocks of about 8 KiB, each with its own strings, sealed and shared between
//! clones like `Chunks`: the page's checkpoints copy the trace every few hundred steps and then
//! copy only the open block. A string repeated within a block (a key, a write's value in its
//! fan-out, stores and replies) is stored once.

use crate::model::message::MessageKind;
use crate::model::types::{Time, Version};
use crate::sim::event::{TraceEvent, TraceKind};
use rustc_hash::FxHashMap;
use std::rc::Rc;

/// A block is sealed once its events and strings take this many bytes.
const BLOCK_BYTES: usize = 8192;

/// Every kind, in declaration order (`kind as u8` is the index).
const TRACE_KINDS: [TraceKind; 10] = [
    TraceKind::Command,
    TraceKind::Send,
    TraceKind::Deliver,
    TraceKind::Drop,
    TraceKind::Hold,
    TraceKind::Reply,
    TraceKind::Timeout,
    TraceKind::Store,
    TraceKind::Fault,
    TraceKind::Anomaly,
];

const MESSAGE_KINDS: [MessageKind; 14] = [
    MessageKind::Read,
    MessageKind::ReadReply,
    MessageKind::Write,
    MessageKind::WriteAck,
    MessageKind::Repair,
    MessageKind::RepairAck,
    MessageKind::Search,
    MessageKind::SearchReply,
    MessageKind::Hint,
    MessageKind::HintAck,
    MessageKind::AeDigest,
    MessageKind::AeDiff,
    MessageKind::AeEntries,
    MessageKind::AeAck,
];

// The first byte: the kind in the low four bits, then which strings and whether a version.
const KEY: u8 = 1 << 4;
const VALUE: u8 = 1 << 5;
const VERSION: u8 = 1 << 6;
const TEXT: u8 = 1 << 7;
// The second byte: which of the other optional fields are present.
const NODE: u8 = 1;
const FROM: u8 = 1 << 1;
const TO: u8 = 1 << 2;
const MSG: u8 = 1 << 3;
const REQUEST: u8 = 1 << 4;
const SENT: u8 = 1 << 5;
const DUE: u8 = 1 << 6;

#[derive(Clone, Debug, Default)]
struct Block {
    /// Index of the block's first event.
    first: usize,
    /// Time of the block's first event, so a time window finds its blocks by bisection too.
    first_time: Time,
    bytes: Vec<u8>,
    /// The block's strings, one after the other; string `i` ends at `ends[i]`.
    text: String,
    ends: Vec<u32>,
}

impl Block {
    fn string(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    fn size(&self) -> usize {
        self.bytes.len() + self.text.len() + self.ends.len() * size_of::<u32>()
    }
}

#[derive(Clone, Debug, Default)]
pub struct PackedEvents {
    sealed: Vec<Rc<Block>>,
    tail: Block,
    /// Time of the last event packed into the open block (its deltas start from 0).
    last_time: Time,
    /// The open block's strings, by content.
    recent: FxHashMap<Rc<str>, u32>,
    len: usize,
}

impl PackedEvents {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held for the events: packed events and their blocks' strings.
    pub fn memory_bytes(&self) -> usize {
        self.sealed.iter().map(|b| b.size()).sum::<usize>() + self.tail.size()
    }

    pub fn push(&mut self, e: &TraceEvent) {
        if self.tail.size() >= BLOCK_BYTES {
            self.seal();
        }
        let mut first = e.kind as u8;
        for (present, bit) in [
            (e.key.is_some(), KEY),
            (e.value.is_some(), VALUE),
            (e.version.is_some(), VERSION),
            (e.text.is_some(), TEXT),
        ] {
            first |= if present { bit } else { 0 };
        }
        let mut second = 0;
        for (present, bit) in [
            (e.node.is_some(), NODE),
            (e.from.is_some(), FROM),
            (e.to.is_some(), TO),
            (e.msg.is_some(), MSG),
            (e.request.is_some(), REQUEST),
            (e.sent.is_some(), SENT),
            (e.due.is_some(), DUE),
        ] {
            second |= if present { bit } else { 0 };
        }
        let time = e.time;
        if self.tail.bytes.is_empty() {
            self.tail.first_time = time;
        }
        let since = time.wrapping_sub(self.last_time) as i64;
        self.last_time = time;
        let mut out = std::mem::take(&mut self.tail.bytes);
        out.extend([first, second]);
        put_signed(&mut out, since);
        for id in [e.node, e.from, e.to].into_iter().flatten() {
            put(&mut out, id as u64);
        }
        if let Some(msg) = e.msg {
            out.push(msg as u8);
        }
        if let Some(request) = e.request {
            put(&mut out, request);
        }
        for s in [&e.key, &e.value].into_iter().flatten() {
            let id = self.intern(s, || s.clone());
            put(&mut out, id);
        }
        if let Some(v) = e.version {
            put_signed(&mut out, v.timestamp.wrapping_sub(time as i64));
            put(&mut out, v.node as u64);
        }
        if let Some(sent) = e.sent {
            put_signed(&mut out, time.wrapping_sub(sent) as i64);
        }
        if let Some(due) = e.due {
            put_signed(&mut out, due.wrapping_sub(time) as i64);
        }
        if let Some(text) = &e.text {
            let id = self.intern(text, || Rc::from(text.as_str()));
            put(&mut out, id);
        }
        self.tail.bytes = out;
        self.len += 1;
    }

    /// The string's index in the open block, adding it if the block does not hold it yet.
    fn intern(&mut self, s: &str, owned: impl FnOnce() -> Rc<str>) -> u64 {
        if let Some(&id) = self.recent.get(s) {
            return u64::from(id);
        }
        let id = self.tail.ends.len() as u32;
        self.tail.text.push_str(s);
        self.tail.ends.push(self.tail.text.len() as u32);
        self.recent.insert(owned(), id);
        u64::from(id)
    }

    fn seal(&mut self) {
        let next = Block { first: self.len, ..Block::default() };
        let mut full = std::mem::replace(&mut self.tail, next);
        // Grown by doubling, a block's buffers hold up to twice its bytes: a long run keeps
        // thousands of blocks, and the spare capacity was a third of its memory.
        full.bytes.shrink_to_fit();
        full.text.shrink_to_fit();
        full.ends.shrink_to_fit();
        self.sealed.push(Rc::new(full));
        self.recent.clear();
        self.last_time = 0;
    }

    /// The events from index `start` on (none when `start` is past the end), oldest first.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = TraceEvent> + '_ {
        // The block holding event `start`: the open one, or the last sealed one that begins at or
        // before it (found by bisection: the page asks for the newest events on every flush).
        let (from, first) = if start >= self.tail.first {
            (self.sealed.len(), self.tail.first)
        } else {
            let i = self.sealed.partition_point(|b| b.first <= start) - 1;
            (i, self.sealed[i].first)
        };
        self.sealed[from..]
            .iter()
            .map(|b| &**b)
            .chain(std::iter::once(&self.tail))
            .flat_map(|block| Decoder { block, pos: 0, time: 0 })
            .skip(start - first)
    }
}

impl PackedEvents {
    /// The events from the first at or after time `from` (µs) on, oldest first; decoding starts
    /// at the last block that begins before `from` (events are recorded in time order).
    pub fn iter_from_time(&self, from: Time) -> impl Iterator<Item = TraceEvent> + '_ {
        let blocks = self.sealed.len() + 1;
        let block = |i: usize| if i < self.sealed.len() { &*self.sealed[i] } else { &self.tail };
        // The first block that does not start before `from` (the open one counts while it holds
        // events); the one before it may hold some.
        let sealed_before = self.sealed.partition_point(|b| b.first_time < from);
        let before = if sealed_before == self.sealed.len() && !self.tail.bytes.is_empty() && self.tail.first_time < from
        {
            blocks
        } else {
            sealed_before
        };
        let start = before.saturating_sub(1);
        (start..blocks)
            .flat_map(move |i| Decoder { block: block(i), pos: 0, time: 0 })
            .skip_while(move |e| e.time < from)
    }
}

struct Decoder<'a> {
    block: &'a Block,
    pos: usize,
    time: Time,
}

impl Decoder<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.block.bytes[self.pos];
        self.pos += 1;
        b
    }

    fn get(&mut self) -> u64 {
        let (mut value, mut shift) = (0u64, 0);
        loop {
            let b = self.byte();
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return value;
            }
            shift += 7;
        }
    }

    fn get_signed(&mut self) -> i64 {
        let z = self.get();
        ((z >> 1) as i64) ^ -((z & 1) as i64)
    }

    fn string(&mut self) -> &str {
        let i = self.get() as usize;
        self.block.string(i)
    }
}

impl Iterator for Decoder<'_> {
    type Item = TraceEvent;

    fn next(&mut self) -> Option<TraceEvent> {
        if self.pos >= self.block.bytes.len() {
            return None;
        }
        let (first, second) = (self.byte(), self.byte());
        self.time = self.time.wrapping_add(self.get_signed() as Time);
        let time = self.time;
        let mut e = TraceEvent::new(time, TRACE_KINDS[usize::from(first & 0x0f)]);
        let has = |bit: u8| second & bit != 0;
        e.node = has(NODE).then(|| self.get() as usize);
        e.from = has(FROM).then(|| self.get() as usize);
        e.to = has(TO).then(|| self.get() as usize);
        e.msg = has(MSG).then(|| MESSAGE_KINDS[usize::from(self.byte())]);
        e.request = has(REQUEST).then(|| self.get());
        e.key = (first & KEY != 0).then(|| Rc::from(self.string()));
        e.value = (first & VALUE != 0).then(|| Rc::from(self.string()));
        e.version = (first & VERSION != 0).then(|| {
            let timestamp = (time as i64).wrapping_add(self.get_signed());
            Version { timestamp, node: self.get() as usize }
        });
        e.sent = has(SENT).then(|| time.wrapping_sub(self.get_signed() as Time));
        e.due = has(DUE).then(|| time.wrapping_add(self.get_signed() as Time));
        e.text = (first & TEXT != 0).then(|| self.string().to_string());
        Some(e)
    }
}

/// LEB128: seven bits a byte, low first, the top bit saying more follow.
fn put(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Zigzag, so small negative numbers stay short too.
fn put_signed(out: &mut Vec<u8>, value: i64) {
    put(out, ((value << 1) ^ (value >> 63)) as u64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_tables_follow_the_declaration_order() {
        assert!(TRACE_KINDS.iter().enumerate().all(|(i, k)| *k as usize == i));
        assert!(MESSAGE_KINDS.iter().enumerate().all(|(i, k)| *k as usize == i));
    }

    #[test]
    fn varints_round_trip_at_their_edges() {
        let numbers = [0, 1, -1, 63, -64, 64, i64::MAX, i64::MIN, 1 << 40];
        let mut out = Vec::new();
        for n in numbers {
            put_signed(&mut out, n);
            put(&mut out, n as u64);
        }
        let block = Block { bytes: out, ..Block::default() };
        let mut d = Decoder { block: &block, pos: 0, time: 0 };
        for n in numbers {
            assert_eq!((d.get_signed(), d.get()), (n, n as u64));
        }
    }

    mod round_trip {
        use super::super::*;
        use proptest::prelude::*;

        fn string() -> impl Strategy<Value = Rc<str>> {
            // Few distinct strings, so blocks see repeats, and any text now and then.
            prop_oneof![3 => (0..5u8).prop_map(|i| Rc::from(format!("k{i}"))), 1 => ".{0,12}".prop_map(Rc::from)]
        }

        fn event() -> impl Strategy<Value = TraceEvent> {
            let ids = || proptest::option::of(0..1_000usize);
            let times = || proptest::option::of(any::<u64>());
            (
                (any::<u64>(), 0..TRACE_KINDS.len(), ids(), ids(), ids()),
                (proptest::option::of(0..MESSAGE_KINDS.len()), proptest::option::of(any::<u64>())),
                (proptest::option::of(string()), proptest::option::of(string())),
                (proptest::option::of((any::<i64>(), 0..300usize)), times(), times()),
                proptest::option::of(string()),
            )
                .prop_map(
                    |((time, kind, node, from, to), (msg, request), (key, value), (version, sent, due), text)| {
                        TraceEvent {
                            time,
                            kind: TRACE_KINDS[kind],
                            node,
                            from,
                            to,
                            msg: msg.map(|m| MESSAGE_KINDS[m]),
                            request,
                            key,
                            value,
                            version: version.map(|(timestamp, node)| Version { timestamp, node }),
                            sent,
                            due,
                            text: text.map(|t| t.to_string()),
                        }
                    },
                )
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]

            /// Packed events decode to exactly what was recorded, from any index, in a clone too.
            #[test]
            fn packed_events_decode_to_what_was_recorded(
                events in proptest::collection::vec(event(), 0..1_500),
                start in 0..1_600usize,
            ) {
                let mut packed = PackedEvents::default();
                for e in &events {
                    packed.push(e);
                }
                let copy = packed.clone();
                prop_assert_eq!(packed.len(), events.len());
                prop_assert_eq!(&copy.iter_from(0).collect::<Vec<_>>(), &events);
                let tail: Vec<_> = events.iter().skip(start).cloned().collect();
                prop_assert_eq!(packed.iter_from(start).collect::<Vec<_>>(), tail);
            }

            /// Events recorded in time order are found from any time, whichever block holds it.
            #[test]
            fn packed_events_are_found_by_time(
                mut events in proptest::collection::vec(event(), 0..1_500),
                from in 0..2_000u64,
            ) {
                let mut time = 0;
                for e in &mut events {
                    time += e.time % 3;
                    e.time = time;
                }
                let mut packed = PackedEvents::default();
                for e in &events {
                    packed.push(e);
                }
                let later: Vec<_> = events.iter().skip_while(|e| e.time < from).cloned().collect();
                prop_assert_eq!(packed.iter_from_time(from).collect::<Vec<_>>(), later);
            }
        }
    }
}
