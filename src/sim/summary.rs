//! A run's figures at a glance, from its history: per level, how many operations succeeded or
//! failed and how long they took (p50 / p99 / max, and a histogram), and availability over time
//! (operations that completed ok or not, per time bucket). `kvsim run --summary` prints them; the
//! page's Figures card draws them.

use crate::model::command::Level;
use crate::model::types::{format_time, Time, MICROS_PER_MS, MICROS_PER_S};
use crate::sim::history::{Completion, History};
use serde::Serialize;
use std::fmt::Write as _;

/// The levels in the order of the summary's rows.
const LEVELS: [Level; 3] = [Level::One, Level::Quorum, Level::All];

/// At most this many availability buckets cover a run.
pub const MAX_BUCKETS: usize = 20;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// One row per level that some operation used, ONE first.
    pub levels: Vec<LevelSummary>,
    /// Upper bounds of the latency histogram's buckets, in µs (1, 2, 5 x 10^k ms, up to the
    /// slowest ok operation); bucket `i` counts latencies above bound `i - 1`, up to bound `i`.
    pub latency_bounds_us: Vec<Time>,
    /// The width of an availability bucket, in µs (1, 2 or 5 times a power of ten ms).
    pub bucket_us: Time,
    /// Operations completed in `[i * bucket_us, (i + 1) * bucket_us)`, from time 0 to the last
    /// completion.
    pub availability: Vec<Bucket>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LevelSummary {
    pub level: Level,
    pub operations: usize,
    pub ok: usize,
    /// Completed with `fail` (certainly no effect).
    pub fail: usize,
    /// Completed with `info` (maybe an effect: a write that did not reach its level).
    pub info: usize,
    /// Still running when the summary was taken.
    pub running: usize,
    /// Latency of the operations that completed ok, in µs; `None` when none did.
    pub latency: Option<Latency>,
    /// Ok operations per latency bucket (see `Summary::latency_bounds_us`).
    pub histogram: Vec<usize>,
}

/// Nearest-rank percentiles, in µs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Latency {
    pub p50: Time,
    pub p99: Time,
    pub max: Time,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Bucket {
    pub ok: usize,
    /// Completed `fail` or `info`: the client was told it did not work.
    pub failed: usize,
}

impl Summary {
    /// Two passes over the history's timings (a million operations: the page draws this once a
    /// fast-forward ends): the levels and latencies, then the availability buckets.
    pub fn of(history: &History) -> Summary {
        let mut rows = LEVELS.map(LevelSummary::empty);
        let mut latencies: [Vec<Time>; 3] = Default::default();
        let mut last = 0;
        for op in history.timings() {
            let i = LEVELS.iter().position(|l| *l == op.level).expect("every level is listed");
            let row = &mut rows[i];
            row.operations += 1;
            match op.completed {
                None => row.running += 1,
                Some((_, Completion::Fail)) => row.fail += 1,
                Some((_, Completion::Info)) => row.info += 1,
                Some((at, Completion::Ok)) => {
                    row.ok += 1;
                    latencies[i].push(at - op.invoked);
                }
            }
            if let Some((at, _)) = op.completed {
                last = last.max(at);
            }
        }
        for (row, latencies) in rows.iter_mut().zip(&mut latencies) {
            row.latency = Latency::of(latencies);
        }
        let slowest = rows.iter().filter_map(|l| l.latency.map(|t| t.max)).max();
        let latency_bounds_us = slowest.map_or(Vec::new(), round_bounds_up_to);
        for (row, latencies) in rows.iter_mut().zip(&latencies) {
            row.histogram = vec![0; latency_bounds_us.len()];
            for latency in latencies {
                row.histogram[latency_bounds_us.partition_point(|bound| bound < latency)] += 1;
            }
        }
        let bucket_us = bucket_width(last);
        let mut availability = vec![Bucket::default(); (last / bucket_us + 1) as usize];
        for (at, completion) in history.timings().filter_map(|op| op.completed) {
            let bucket = &mut availability[(at / bucket_us) as usize];
            match completion {
                Completion::Ok => bucket.ok += 1,
                Completion::Fail | Completion::Info => bucket.failed += 1,
            }
        }
        let levels = rows.into_iter().filter(|row| row.operations > 0).collect();
        Summary { levels, latency_bounds_us, bucket_us, availability }
    }

    /// The summary as text: a table of levels, then one line per availability bucket.
    pub fn to_text(&self) -> String {
        let mut out = String::from("level   operations    ok  fail  info  running      p50      p99      max\n");
        for l in &self.levels {
            let (p50, p99, max) = l
                .latency
                .map_or(("-".into(), "-".into(), "-".into()), |t| (seconds(t.p50), seconds(t.p99), seconds(t.max)));
            let level = l.level.to_string();
            writeln!(
                out,
                "{level:<7} {:>10} {:>5} {:>5} {:>5} {:>8} {p50:>8} {p99:>8} {max:>8}",
                l.operations, l.ok, l.fail, l.info, l.running
            )
            .expect("writing to a String");
        }
        if !self.latency_bounds_us.is_empty() {
            out.push_str("latency histogram (ok operations up to each bound):\n");
            let bounds: Vec<String> = self.latency_bounds_us.iter().map(|b| short_duration(*b)).collect();
            writeln!(out, "{:<7} {}", "", bounds.iter().map(|b| format!("{b:>7}")).collect::<String>())
                .expect("writing to a String");
            for l in &self.levels {
                let counts: String = l.histogram.iter().map(|c| format!("{c:>7}")).collect();
                writeln!(out, "{:<7} {counts}", l.level.to_string()).expect("writing to a String");
            }
        }
        let widest = self.availability.iter().map(|b| b.ok + b.failed).max().unwrap_or(0).max(1);
        writeln!(out, "availability per {} (ok / failed):", seconds(self.bucket_us)).expect("writing to a String");
        for (i, b) in self.availability.iter().enumerate() {
            // A strip of 20 cells: `#` for ok, `x` for failed, in proportion to the busiest bucket.
            let cells = |n: usize| (n * 20).div_ceil(widest);
            let strip = format!("{}{}", "#".repeat(cells(b.ok)), "x".repeat(cells(b.failed)));
            let start = format_time(i as Time * self.bucket_us);
            writeln!(out, "{start:>10} s  {strip:<40} {} / {}", b.ok, b.failed).expect("writing to a String");
        }
        out
    }
}

impl LevelSummary {
    fn empty(level: Level) -> LevelSummary {
        LevelSummary { level, operations: 0, ok: 0, fail: 0, info: 0, running: 0, latency: None, histogram: Vec::new() }
    }
}

impl Latency {
    /// The percentiles of `latencies` (sorted in place), or `None` when there are none.
    fn of(latencies: &mut [Time]) -> Option<Latency> {
        latencies.sort_unstable();
        let max = *latencies.last()?;
        Some(Latency { p50: nearest_rank(latencies, 50), p99: nearest_rank(latencies, 99), max })
    }
}

/// The smallest value with at least `percent` of `sorted` at or below it. (Selecting instead of
/// sorting took a million operations' summary in the page from 40 to 31 ms, for 1.4 KB more of
/// its gzipped wasm: the first load is the tighter budget.)
fn nearest_rank(sorted: &[Time], percent: usize) -> Time {
    let rank = (sorted.len() * percent).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// 1, 2, 5, 10, 20, 50 ... ms, up to the first at or above `slowest`.
fn round_bounds_up_to(slowest: Time) -> Vec<Time> {
    let mut bounds = Vec::new();
    let mut scale = MICROS_PER_MS;
    loop {
        for step in [1, 2, 5] {
            bounds.push(step * scale);
            if step * scale >= slowest {
                return bounds;
            }
        }
        scale *= 10;
    }
}

/// `500ms`, `2s`: a round bound in few characters.
fn short_duration(t: Time) -> String {
    if t >= MICROS_PER_S {
        format!("{}s", t / MICROS_PER_S)
    } else {
        format!("{}ms", t / MICROS_PER_MS)
    }
}

/// The narrowest of 1, 2, 5, 10, 20, 50 ... ms that covers `[0, last]` in at most
/// [`MAX_BUCKETS`] buckets.
fn bucket_width(last: Time) -> Time {
    let mut scale = MICROS_PER_MS;
    loop {
        for step in [1, 2, 5] {
            let width = step * scale;
            if last / width < MAX_BUCKETS as Time {
                return width;
            }
        }
        scale *= 10;
    }
}

fn seconds(t: Time) -> String {
    format!("{} s", format_time(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let sorted: Vec<Time> = (1..=100).collect();
        assert_eq!((nearest_rank(&sorted, 50), nearest_rank(&sorted, 99)), (50, 99));
        assert_eq!((nearest_rank(&[7], 50), nearest_rank(&[7], 99)), (7, 7));
        assert_eq!(nearest_rank(&[1, 2], 50), 1);
        // 1 to 100 out of order (37 is coprime with 101).
        let mut shuffled: Vec<Time> = (1..=100).map(|i| i * 37 % 101).collect();
        assert_eq!(Latency::of(&mut shuffled), Some(Latency { p50: 50, p99: 99, max: 100 }));
        let mut repeated = [5, 3, 5, 3, 9];
        assert_eq!(Latency::of(&mut repeated), Some(Latency { p50: 5, p99: 9, max: 9 }));
        assert_eq!(Latency::of(&mut []), None);
    }

    #[test]
    fn latency_bounds_are_round_and_reach_the_slowest() {
        assert_eq!(round_bounds_up_to(1), [MICROS_PER_MS]);
        assert_eq!(round_bounds_up_to(3 * MICROS_PER_MS), [1, 2, 5].map(|ms| ms * MICROS_PER_MS));
        assert_eq!(round_bounds_up_to(10 * MICROS_PER_MS).len(), 4);
        assert_eq!(
            (short_duration(500 * MICROS_PER_MS), short_duration(2 * MICROS_PER_S)),
            ("500ms".into(), "2s".into())
        );
    }

    #[test]
    fn buckets_are_round_and_at_most_twenty() {
        assert_eq!(bucket_width(0), MICROS_PER_MS);
        assert_eq!(bucket_width(19 * MICROS_PER_MS), MICROS_PER_MS);
        assert_eq!(bucket_width(20 * MICROS_PER_MS), 2 * MICROS_PER_MS);
        assert_eq!(bucket_width(45_000 * MICROS_PER_MS), 5_000 * MICROS_PER_MS);
        for last in [1, 999, 12_345_678, 99_999_999_999] {
            assert!(last / bucket_width(last) < MAX_BUCKETS as Time, "{last}");
        }
    }
}
