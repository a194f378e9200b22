//! A block of the packed trace (src/sim/packed.rs): its events' bytes, its strings and its shapes;
//! and the same block sealed, compressed with LZ4 (the packed events of a long run were most of
//! the page's memory: a million operations, 15.6 million trace events, 233 MB). Its bytes are
//! varints and string indexes that repeat from operation to operation, its strings keys and
//! values: LZ4 keeps about a third of them and decompresses a block in microseconds, so a
//! block is decompressed each time it is read (a view of the latest events, a window of the
//! diagram) and kept compressed otherwise.

use crate::model::types::Time;
use std::borrow::Cow;

#[derive(Clone, Debug, Default)]
pub struct Block {
    /// Index of the block's first event.
    pub first: usize,
    /// Time of the block's first event, so a time window finds its blocks by bisection too.
    pub first_time: Time,
    pub bytes: Vec<u8>,
    /// The block's strings, one after the other; string `i` ends at `ends[i]`.
    pub text: String,
    pub ends: Vec<u32>,
    /// The shapes its events name by index.
    pub shapes: Vec<u32>,
}

impl Block {
    pub fn string(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    pub fn size(&self) -> usize {
        self.bytes.len() + self.text.len() + (self.ends.len() + self.shapes.len()) * size_of::<u32>()
    }

    /// Empties the block for the events from index `first` on, keeping its buffers' room.
    pub fn restart(&mut self, first: usize) {
        self.first = first;
        self.first_time = 0;
        self.bytes.clear();
        self.text.clear();
        self.ends.clear();
        self.shapes.clear();
    }
}

/// A block as a long run keeps it once full: its sections one after the other (the bytes, the
/// text, each string's length as a varint, the shapes little-endian), compressed as one LZ4
/// block.
#[derive(Debug)]
pub struct SealedBlock {
    pub first: usize,
    pub first_time: Time,
    compressed: Box<[u8]>,
    /// The lengths of the bytes and of the text, and the counts of ends and of shapes.
    lengths: [u32; 4],
}

impl SealedBlock {
    /// `block`, compressed; `scratch` is room to lay it out in (kept between calls).
    pub fn seal(block: &Block, scratch: &mut Vec<u8>) -> SealedBlock {
        scratch.clear();
        scratch.extend_from_slice(&block.bytes);
        scratch.extend_from_slice(block.text.as_bytes());
        let mut start = 0;
        for &end in &block.ends {
            put(scratch, end - start);
            start = end;
        }
        for shape in &block.shapes {
            scratch.extend_from_slice(&shape.to_le_bytes());
        }
        let lengths = [block.bytes.len(), block.text.len(), block.ends.len(), block.shapes.len()].map(|n| n as u32);
        let compressed = compress(scratch);
        // Emptied, so that a copy of the trace (a checkpoint) copies none of it.
        scratch.clear();
        SealedBlock { first: block.first, first_time: block.first_time, compressed, lengths }
    }

    /// Bytes held.
    pub fn size(&self) -> usize {
        self.compressed.len()
    }

    /// The block as it was sealed.
    pub fn open(&self) -> Block {
        let [bytes, text, ends, shapes] = self.lengths.map(|n| n as usize);
        // Room for the longest varints.
        let mut data = vec![0; bytes + text + ends * 5 + shapes * size_of::<u32>()];
        // What compress() made of this block's own bytes: a failure is a bug, never input.
        lz4_flex::block::decompress_into(&self.compressed, &mut data).expect("a sealed block decompresses");
        let (bytes, rest) = data.split_at(bytes);
        let (text, mut rest) = rest.split_at(text);
        let mut end = 0;
        let ends = (0..ends)
            .map(|_| {
                end += take(&mut rest);
                end
            })
            .collect();
        let shapes = rest
            .chunks_exact(size_of::<u32>())
            .take(shapes)
            .map(|n| u32::from_le_bytes([n[0], n[1], n[2], n[3]]))
            .collect();
        Block {
            first: self.first,
            first_time: self.first_time,
            bytes: bytes.to_vec(),
            text: String::from_utf8_lossy(text).into_owned(),
            ends,
            shapes,
        }
    }
}

/// A varint: seven bits a byte, low first (a string's length, most under 128).
fn put(out: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// The varint at the start of `data`, which moves past it.
fn take(data: &mut &[u8]) -> u32 {
    let (mut n, mut shift) = (0, 0);
    while let Some((&b, rest)) = data.split_first() {
        *data = rest;
        n |= u32::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    n
}

fn compress(data: &[u8]) -> Box<[u8]> {
    let mut out = vec![0; lz4_flex::block::get_maximum_output_size(data.len())];
    // The output has the room LZ4 may need, so this cannot fail.
    let written = lz4_flex::block::compress_into(data, &mut out).expect("LZ4 output sized by get_maximum_output_size");
    out.truncate(written);
    out.into_boxed_slice()
}

/// A block to decode: the open one, borrowed, or a sealed one, decompressed.
pub type Readable<'a> = Cow<'a, Block>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_block_opens_as_it_was() {
        let mut block = Block { first: 7, first_time: 99, ..Block::default() };
        let long = "x".repeat(300);
        for i in 0..2_000u32 {
            block.bytes.extend_from_slice(&[(i % 7) as u8, 1, 2, (i % 251) as u8]);
            block.text.push_str(if i % 3 == 0 {
                "key-é"
            } else if i == 5 {
                &long
            } else {
                "v"
            });
            block.ends.push(block.text.len() as u32);
        }
        block.shapes = vec![3, 0x1_0005, u32::MAX];
        let sealed = SealedBlock::seal(&block, &mut Vec::new());
        assert!(sealed.size() < block.size() / 3, "{} of {}", sealed.size(), block.size());
        let opened = sealed.open();
        assert_eq!((opened.first, opened.first_time), (7, 99));
        assert_eq!(
            (opened.bytes, opened.text, opened.ends, opened.shapes),
            (block.bytes, block.text, block.ends, block.shapes)
        );
        let empty = SealedBlock::seal(&Block::default(), &mut Vec::new()).open();
        assert!(empty.bytes.is_empty() && empty.text.is_empty() && empty.ends.is_empty() && empty.shapes.is_empty());
    }
}
