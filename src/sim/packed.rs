//! The trace's storage: events packed into bytes, about 12 per event once sealed (strings
//! included) instead of the ~200 of a `TraceEvent` plus its strings, so the page can keep the
//! trace of a long run.
//! Events are packed straight from the scheduler's data ([`EventRef`]): nothing is allocated per
//! event, and a reply's text is not even written: a common outcome (a get's value, a write, a
//! repair) is kept as its parts, its words written when it is read.
//!
//! Each event is a shape byte (an index into its block's shapes: the kind, the message kind and
//! which fields are present), then only the fields it has, as LEB128 varints: times as deltas
//! (from the previous event, or from the event's own time for `sent`, `due` and versions; a
//! `sent` or `due` equal to the event's time is in the shape alone), request ids as deltas from
//! the block's previous one, keys, values and texts as indexes into its block's strings.
//! Decoding gives back exactly the events recorded (a property test checks it).
//!
//! Events are kept in blocks of about 32 KiB, each with its own strings and shapes, sealed and
//! shared between clones like `Chunks`: the page's checkpoints copy the trace every few hundred
//! steps and then copy only the open block. A string repeated within a block (a key, a write's
//! value in its fan-out and stores) is stored once. A sealed block is LZ4-compressed
//! ([`super::block`]) and decompressed each time it is read (32 KiB in microseconds).

use crate::model::message::MessageKind;
use crate::model::outcome::{describe_repaired, describe_value, describe_written, Outcome, WriteOp};
use crate::model::types::{NodeId, Time, Version};
use crate::sim::block::{Block, Readable, SealedBlock};
use crate::sim::chunks::Chunks;
use crate::sim::event::{EventRef, Text, TraceEvent, TraceKind};
use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap};
use std::hash::BuildHasher;
use std::rc::Rc;

/// A block is sealed once its events and strings take this many bytes. An operation's events
/// span tens of ms, and each block its key and value touch stores them again: at 8 KiB (about 7 ms
/// of the standard workload) the strings were a third of the trace, at 32 KiB a fifth. A
/// checkpoint copies at most the open block.
const BLOCK_BYTES: usize = 32 * 1024;
/// Shapes a block can name with its one byte.
const MAX_SHAPES: usize = 256;

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

// A shape: the kind in bits 0-3, the message kind plus one (0: none) in bits 4-7, then which
// fields are present.
const KEY: u32 = 1 << 8;
const VALUE: u32 = 1 << 9;
const VERSION: u32 = 1 << 10;
const TEXT: u32 = 1 << 11;
const NODE: u32 = 1 << 12;
const FROM: u32 = 1 << 13;
const TO: u32 = 1 << 14;
const REQUEST: u32 = 1 << 15;
const SENT: u32 = 1 << 16;
/// `sent` equals the event's time: no bytes follow for it.
const SENT_NOW: u32 = 1 << 17;
const DUE: u32 = 1 << 18;
const DUE_NOW: u32 = 1 << 19;

// A text is a string's index shifted left, or one of these forms of a reply shifted left with
// the low bit set, followed by the reply's parts (a value's string, a version, a node list).
const REPLY_NOT_FOUND: u64 = 0;
const REPLY_FOUND: u64 = 1;
const REPLY_INSERTED: u64 = 2;
const REPLY_UPDATED: u64 = 3;
const REPLY_DELETED: u64 = 4;
const REPLY_REPAIRED_TOMBSTONE: u64 = 5;
const REPLY_REPAIRED: u64 = 6;

#[derive(Clone, Debug, Default)]
pub struct PackedEvents {
    /// Full blocks, compressed (src/sim/block.rs), in a list shared with clones: a copy of a
    /// long run's trace copies a pointer per 1,024 blocks, not one per block.
    sealed: Chunks<Rc<SealedBlock>>,
    tail: Block,
    /// Time of the last event packed into the open block (its deltas start from 0).
    last_time: Time,
    /// Request of the last event packed into the open block that had one (from 0).
    last_request: u64,
    /// The open block's strings, by content (indexes into them, hashed by their text).
    strings: HashTable<u32>,
    /// The open block's shapes, by value.
    shapes: FxHashMap<u32, u8>,
    /// Scratch for the rare texts written out when recorded (a search's replies, a summary).
    scratch: String,
    /// Scratch to lay a block out in before it is compressed.
    sealing: Vec<u8>,
    len: usize,
}

impl PackedEvents {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held for the events: packed events and their blocks' strings and shapes.
    pub fn memory_bytes(&self) -> usize {
        self.sealed.iter().map(|b| b.size()).sum::<usize>() + self.tail.size()
    }

    pub fn push(&mut self, e: &EventRef<'_>) {
        let time = e.time;
        let mut shape = e.kind as u32 | e.msg.map_or(0, |m| m as u32 + 1) << 4;
        for (present, bit) in [
            (e.key.is_some(), KEY),
            (e.value.is_some(), VALUE),
            (e.version.is_some(), VERSION),
            (e.text.is_some(), TEXT),
            (e.node.is_some(), NODE),
            (e.from.is_some(), FROM),
            (e.to.is_some(), TO),
            (e.request.is_some(), REQUEST),
            (e.sent.is_some(), SENT),
            (e.sent == Some(time), SENT_NOW),
            (e.due.is_some(), DUE),
            (e.due == Some(time), DUE_NOW),
        ] {
            shape |= if present { bit } else { 0 };
        }
        if self.tail.size() >= BLOCK_BYTES
            || (self.tail.shapes.len() == MAX_SHAPES && !self.shapes.contains_key(&shape))
        {
            self.seal();
        }
        let shape_id = *self.shapes.entry(shape).or_insert_with(|| {
            self.tail.shapes.push(shape);
            (self.tail.shapes.len() - 1) as u8
        });
        if self.tail.bytes.is_empty() {
            self.tail.first_time = time;
        }
        let since = time.wrapping_sub(self.last_time) as i64;
        self.last_time = time;
        let mut out = std::mem::take(&mut self.tail.bytes);
        out.push(shape_id);
        put_signed(&mut out, since);
        for id in [e.node, e.from, e.to].into_iter().flatten() {
            put(&mut out, id as u64);
        }
        if let Some(request) = e.request {
            put_signed(&mut out, request.wrapping_sub(self.last_request) as i64);
            self.last_request = request;
        }
        for s in [e.key, e.value].into_iter().flatten() {
            let id = self.intern(s);
            put(&mut out, u64::from(id));
        }
        if let Some(sent) = e.sent.filter(|&sent| sent != time) {
            put_signed(&mut out, time.wrapping_sub(sent) as i64);
        }
        if let Some(v) = e.version {
            put_version(&mut out, v, e.sent.unwrap_or(time));
        }
        if let Some(due) = e.due.filter(|&due| due != time) {
            put_signed(&mut out, due.wrapping_sub(time) as i64);
        }
        if let Some(text) = e.text {
            self.put_text(&mut out, text, time);
        }
        self.tail.bytes = out;
        self.len += 1;
    }

    /// A text: a reply's parts when it is a common one, else the string's index.
    fn put_text(&mut self, out: &mut Vec<u8>, text: Text<'_>, time: Time) {
        let (form, value, version, nodes) = match text {
            Text::Reply(Outcome::Value { entry, heard_from, .. }) => match entry.as_ref().filter(|e| !e.is_tombstone())
            {
                Some(e) => (REPLY_FOUND, e.value.as_deref(), Some(e.version), heard_from),
                None => (REPLY_NOT_FOUND, None, None, heard_from),
            },
            Text::Reply(Outcome::Written { op, entry, acked_by, .. }) => {
                let form = match op {
                    WriteOp::Insert => REPLY_INSERTED,
                    WriteOp::Update => REPLY_UPDATED,
                    WriteOp::Delete => REPLY_DELETED,
                };
                (form, None, Some(entry.version), acked_by)
            }
            Text::Reply(Outcome::Repaired { entry, repaired, .. }) => match entry.value.as_deref() {
                Some(value) => (REPLY_REPAIRED, Some(value), Some(entry.version), repaired),
                None => (REPLY_REPAIRED_TOMBSTONE, None, Some(entry.version), repaired),
            },
            Text::Reply(Outcome::Failed { error }) => return self.put_string(out, error),
            Text::Str(s) => return self.put_string(out, s),
            Text::Reply(outcome) => {
                let words = outcome.describe();
                return self.put_string(out, &words);
            }
            Text::Summary(msg) => {
                let mut scratch = std::mem::take(&mut self.scratch);
                scratch.clear();
                scratch.push_str(msg.summary().as_deref().unwrap_or_default());
                self.put_string(out, &scratch);
                self.scratch = scratch;
                return;
            }
        };
        put(out, form << 1 | 1);
        if let Some(value) = value {
            let id = self.intern(value);
            put(out, u64::from(id));
        }
        if let Some(version) = version {
            put_version(out, version, time);
        }
        put(out, nodes.len() as u64);
        for &node in nodes {
            put(out, node as u64);
        }
    }

    fn put_string(&mut self, out: &mut Vec<u8>, s: &str) {
        let id = self.intern(s);
        put(out, u64::from(id) << 1);
    }

    /// The string's index in the open block, adding it if the block does not hold it yet.
    fn intern(&mut self, s: &str) -> u32 {
        let hash = FxBuildHasher.hash_one(s);
        let tail = &mut self.tail;
        if let Some(&id) = self.strings.find(hash, |&id| tail.string(id as usize) == s) {
            return id;
        }
        let id = tail.ends.len() as u32;
        tail.text.push_str(s);
        tail.ends.push(tail.text.len() as u32);
        self.strings.insert_unique(hash, id, |&id| FxBuildHasher.hash_one(tail.string(id as usize)));
        id
    }

    fn seal(&mut self) {
        self.sealed.push(Rc::new(SealedBlock::seal(&self.tail, &mut self.sealing)));
        // The open block's buffers are reused: they have the room of a full block.
        self.tail.restart(self.len);
        self.strings.clear();
        self.shapes.clear();
        self.last_time = 0;
        self.last_request = 0;
    }
    /// The events from index `start` on (none when `start` is past the end), oldest first.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = TraceEvent> + '_ {
        // The block holding event `start`: the open one, or the last sealed one that begins at or
        // before it (found by bisection: the page asks for the newest events on every flush).
        let (from, first) = if start >= self.tail.first {
            (self.sealed.len(), self.tail.first)
        } else {
            let i = self.sealed.partition_point(|b| b.first <= start).saturating_sub(1);
            (i, self.sealed.get(i).map_or(0, |b| b.first))
        };
        self.sealed
            .iter_from(from)
            .map(|b| Readable::Owned(b.open()))
            .chain(std::iter::once(Readable::Borrowed(&self.tail)))
            .flat_map(Decoder::new)
            .skip(start - first)
    }
}

impl PackedEvents {
    /// The events from the first at or after time `from` (µs) on, oldest first; decoding starts
    /// at the last block that begins before `from` (events are recorded in time order).
    pub fn iter_from_time(&self, from: Time) -> impl Iterator<Item = TraceEvent> + '_ {
        let blocks = self.sealed.len() + 1;
        let block = |i: usize| match self.sealed.get(i) {
            Some(sealed) => Readable::Owned(sealed.open()),
            None => Readable::Borrowed(&self.tail),
        };
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
        (start..blocks).flat_map(move |i| Decoder::new(block(i))).skip_while(move |e| e.time < from)
    }
}

struct Decoder<'a> {
    block: Readable<'a>,
    pos: usize,
    time: Time,
    request: u64,
}

impl<'a> Decoder<'a> {
    fn new(block: Readable<'a>) -> Decoder<'a> {
        Decoder { block, pos: 0, time: 0, request: 0 }
    }

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

    fn string(&mut self) -> Rc<str> {
        let i = self.get() as usize;
        Rc::from(self.block.string(i))
    }

    fn version(&mut self, base: Time) -> Version {
        let timestamp = (base as i64).wrapping_add(self.get_signed());
        Version { timestamp, node: self.get() as usize }
    }

    /// A text: a string, or a reply's parts written out in its words.
    fn text(&mut self, time: Time) -> String {
        let code = self.get();
        if code & 1 == 0 {
            return self.block.string((code >> 1) as usize).to_string();
        }
        let form = code >> 1;
        let value = matches!(form, REPLY_FOUND | REPLY_REPAIRED).then(|| self.get() as usize);
        let version = (form != REPLY_NOT_FOUND).then(|| self.version(time));
        let nodes: Vec<NodeId> = (0..self.get()).map(|_| self.get() as NodeId).collect();
        let value = value.map(|i| self.block.string(i));
        let mut s = String::new();
        match (form, version) {
            (REPLY_NOT_FOUND, _) => describe_value(&mut s, None, &nodes),
            (REPLY_FOUND, Some(version)) => describe_value(&mut s, value.map(|v| (v, version)), &nodes),
            (REPLY_REPAIRED | REPLY_REPAIRED_TOMBSTONE, Some(version)) => {
                describe_repaired(&mut s, value, version, &nodes)
            }
            (_, Some(version)) => {
                let op = match form {
                    REPLY_INSERTED => WriteOp::Insert,
                    REPLY_UPDATED => WriteOp::Update,
                    _ => WriteOp::Delete,
                };
                describe_written(&mut s, op, version, &nodes)
            }
            (_, None) => unreachable!("every form but not found has a version"),
        }
        s
    }
}

impl Iterator for Decoder<'_> {
    type Item = TraceEvent;

    fn next(&mut self) -> Option<TraceEvent> {
        if self.pos >= self.block.bytes.len() {
            return None;
        }
        let shape_id = usize::from(self.byte());
        let shape = self.block.shapes[shape_id];
        self.time = self.time.wrapping_add(self.get_signed() as Time);
        let time = self.time;
        let mut e = TraceEvent::new(time, TRACE_KINDS[(shape & 0x0f) as usize]);
        let has = |bit: u32| shape & bit != 0;
        e.msg = (shape >> 4 & 0x0f).checked_sub(1).map(|m| MESSAGE_KINDS[m as usize]);
        e.node = has(NODE).then(|| self.get() as usize);
        e.from = has(FROM).then(|| self.get() as usize);
        e.to = has(TO).then(|| self.get() as usize);
        if has(REQUEST) {
            self.request = self.request.wrapping_add(self.get_signed() as u64);
            e.request = Some(self.request);
        }
        e.key = has(KEY).then(|| self.string());
        e.value = has(VALUE).then(|| self.string());
        e.sent = match (has(SENT), has(SENT_NOW)) {
            (true, true) => Some(time),
            (true, false) => Some(time.wrapping_sub(self.get_signed() as Time)),
            _ => None,
        };
        e.version = has(VERSION).then(|| self.version(e.sent.unwrap_or(time)));
        e.due = match (has(DUE), has(DUE_NOW)) {
            (true, true) => Some(time),
            (true, false) => Some(time.wrapping_add(self.get_signed() as Time)),
            _ => None,
        };
        e.text = has(TEXT).then(|| self.text(time));
        Some(e)
    }
}

/// A version: its timestamp from `base` (the event's time or when its message was sent), its node.
fn put_version(out: &mut Vec<u8>, v: Version, base: Time) {
    put_signed(out, v.timestamp.wrapping_sub(base as i64));
    put(out, v.node as u64);
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
mod tests;
