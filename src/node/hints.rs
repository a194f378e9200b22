//! Hinted handoff: a coordinator keeps the versions its replicas did not acknowledge in time and
//! redelivers them until they are acknowledged.
//!
//! - **When:** a hint is kept for every replica that has not acknowledged a write when the
//!   write's deadline (the request timeout) passes. No failure detector is involved, so crashes,
//!   partitions and lost messages are handled alike. With hints on, a write therefore waits for
//!   every replica (or its deadline) even after it answered its client.
//! - **Delivery:** the first `hint` goes out at once; the replica answers `hint_ack`. Unanswered
//!   hints are resent per replica after the request timeout, then after twice as long, and so on
//!   up to [`MAX_BACKOFF_FACTOR`] times the timeout; an ack resets the backoff.
//! - **Bounded:** one hint per (replica, key), a newer version replacing an older one, and at most
//!   [`MAX_HINTS`] per node; misses beyond that are left to read repair and anti-entropy.
//! - **Safe:** the replica applies a hint with last-write-wins like any write, so an old hint never
//!   replaces a newer version or a newer tombstone. A hint expires `NodeParams::hint_lifetime`
//!   after its write started (the tombstone grace period minus the clock skew spread and the
//!   request timeout): a tombstone newer than the hint was written no earlier than the hint's
//!   write minus the skew spread and is kept at least the grace period, so a hint is always
//!   delivered before such a tombstone can be purged and cannot revive its key. The spread is the
//!   widest seen so far, run-time `skew` faults included, and a narrower lifetime applies to the
//!   hints already kept.
//! - **Memory only:** hints are lost when the coordinator's process crashes.

use super::io::{Output, Timer};
use super::params::NodeParams;
use crate::model::message::Message;
use crate::model::types::{Entry, Key, NodeId, Time, Version, MICROS_PER_MS};
use rustc_hash::FxHashMap;

/// Most hints one node keeps.
pub const MAX_HINTS: usize = 10_000;
/// The retry period stops doubling at this multiple of the request timeout.
pub const MAX_BACKOFF_FACTOR: Time = 16;

/// The hints a coordinator keeps.
#[derive(Clone, Debug, Default)]
pub struct Hints {
    enabled: bool,
    /// Indexed by replica, grown on demand (a plain list: node ids are small and dense, and a
    /// second map type would be compiled into the wasm for nothing).
    targets: Vec<TargetHints>,
    count: usize,
}

/// The hints for one replica and its retry schedule; the default when it has none.
#[derive(Clone, Debug, Default)]
struct TargetHints {
    /// Resent in key order: the map's own order differs natively and in wasm.
    hints: FxHashMap<Key, Hint>,
    /// When the pending retry timer fires; a timer firing at another time belongs to an earlier
    /// schedule and is ignored.
    retry_at: Option<Time>,
    backoff: Time,
}

#[derive(Clone, Debug)]
struct Hint {
    entry: Entry,
    /// When the write started; the hint expires `hint_lifetime` later, as the lifetime is now.
    started: Time,
}

/// Whether a hint for a write started at `started` has expired by `now`, by the current lifetime.
fn expired(p: &NodeParams, started: Time, now: Time) -> bool {
    started.saturating_add(p.hint_lifetime) <= now
}

impl Hints {
    pub fn new(enabled: bool) -> Hints {
        Hints { enabled, ..Hints::default() }
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Switches hinted handoff; switching it off drops the hints kept.
    pub fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
        if !on {
            self.targets.clear();
            self.count = 0;
        }
    }

    /// Number of hints kept.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Keeps a hint that `target` should hold `entry` of `key` (from a write started at
    /// `started`) and sends it at once.
    #[allow(clippy::too_many_arguments)]
    pub fn keep(
        &mut self,
        p: &NodeParams,
        now: Time,
        target: NodeId,
        key: Key,
        entry: Entry,
        started: Time,
        out: &mut Vec<Output>,
    ) {
        if !self.enabled || expired(p, started, now) {
            return;
        }
        if self.targets.len() <= target {
            self.targets.resize_with(target + 1, TargetHints::default);
        }
        let t = &mut self.targets[target];
        match t.hints.get_mut(&key) {
            Some(kept) if kept.entry.version >= entry.version => return,
            Some(kept) => *kept = Hint { entry: entry.clone(), started },
            None if self.count >= MAX_HINTS => return,
            None => {
                self.count += 1;
                t.hints.insert(key.clone(), Hint { entry: entry.clone(), started });
            }
        }
        out.push(Output::Send { to: target, msg: Message::Hint { key, entry } });
        if t.retry_at.is_none() {
            t.backoff = first_backoff(p);
            t.schedule(now, target, out);
        }
    }

    /// `target` holds `version` of `key` or a newer one: drops the hint it answers.
    pub fn on_ack(&mut self, p: &NodeParams, target: NodeId, key: &Key, version: Version) {
        let Some(t) = self.targets.get_mut(target) else { return };
        if t.hints.get(key).is_some_and(|h| h.entry.version <= version) {
            t.hints.remove(key);
            self.count -= 1;
        }
        t.backoff = first_backoff(p);
        if t.hints.is_empty() {
            *t = TargetHints::default();
        }
    }

    /// The retry timer for `target` fired: drops expired hints and resends the others.
    pub fn on_retry(&mut self, p: &NodeParams, now: Time, target: NodeId, out: &mut Vec<Output>) {
        let Some(t) = self.targets.get_mut(target) else { return };
        if t.retry_at != Some(now) {
            return;
        }
        let before = t.hints.len();
        t.hints.retain(|_, h| !expired(p, h.started, now));
        self.count -= before - t.hints.len();
        if t.hints.is_empty() {
            *t = TargetHints::default();
            return;
        }
        let mut resend: Vec<(Key, Entry)> = t.hints.iter().map(|(k, h)| (k.clone(), h.entry.clone())).collect();
        // Keys are unique; the same sort as the store's listing, so the wasm carries one.
        resend.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        out.extend(
            resend.into_iter().map(|(key, entry)| Output::Send { to: target, msg: Message::Hint { key, entry } }),
        );
        t.backoff = (t.backoff * 2).min(first_backoff(p) * MAX_BACKOFF_FACTOR);
        t.schedule(now, target, out);
    }
}

impl TargetHints {
    fn schedule(&mut self, now: Time, target: NodeId, out: &mut Vec<Output>) {
        let at = now + self.backoff;
        self.retry_at = Some(at);
        out.push(Output::SetTimer { at, timer: Timer::HintRetry { target } });
    }
}

/// The first retry waits one request timeout: an ack to the first delivery comes back within it
/// unless something is wrong. At least a millisecond, so retries never spin at one instant.
fn first_backoff(p: &NodeParams) -> Time {
    p.request_timeout.max(MICROS_PER_MS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    const S: Time = 1_000_000;

    fn params() -> NodeParams {
        NodeParams::for_tests(0)
    }

    fn entry(ts: i64) -> Entry {
        Entry { value: Some(Rc::from("v")), version: Version { timestamp: ts, node: 0 } }
    }

    fn sent_hints(out: &[Output]) -> Vec<(NodeId, i64)> {
        out.iter()
            .filter_map(|o| match o {
                Output::Send { to, msg: Message::Hint { entry, .. } } => Some((*to, entry.version.timestamp)),
                _ => None,
            })
            .collect()
    }

    fn timers(out: &[Output]) -> Vec<Time> {
        out.iter().filter_map(|o| if let Output::SetTimer { at, .. } = o { Some(*at) } else { None }).collect()
    }

    #[test]
    fn off_keeps_nothing() {
        let mut hints = Hints::new(false);
        let mut out = vec![];
        hints.keep(&params(), 0, 1, Rc::from("k"), entry(1), 0, &mut out);
        assert!(hints.is_empty() && out.is_empty());
    }

    #[test]
    fn a_hint_is_sent_at_once_and_retried_with_doubling_backoff_until_acked() {
        let (p, k): (_, Key) = (params(), Rc::from("k"));
        let mut hints = Hints::new(true);
        let mut out = vec![];
        hints.keep(&p, 0, 1, k.clone(), entry(1), 0, &mut out);
        assert_eq!((sent_hints(&out), timers(&out)), (vec![(1, 1)], vec![S]));
        let mut at = S;
        for expected_next in [3 * S, 7 * S, 15 * S, 31 * S, 47 * S] {
            out.clear();
            hints.on_retry(&p, at, 1, &mut out);
            assert_eq!((sent_hints(&out), timers(&out)), (vec![(1, 1)], vec![expected_next]));
            at = expected_next;
        }
        hints.on_ack(&p, 1, &k, entry(1).version);
        assert!(hints.is_empty());
        out.clear();
        hints.on_retry(&p, at, 1, &mut out);
        assert!(out.is_empty(), "nothing is resent after the ack");
    }

    #[test]
    fn one_hint_per_replica_and_key_keeping_the_newest() {
        let (p, k): (_, Key) = (params(), Rc::from("k"));
        let mut hints = Hints::new(true);
        let mut out = vec![];
        hints.keep(&p, 0, 1, k.clone(), entry(5), 0, &mut out);
        hints.keep(&p, 0, 1, k.clone(), entry(3), 0, &mut out);
        hints.keep(&p, 0, 1, k.clone(), entry(7), 0, &mut out);
        assert_eq!(hints.len(), 1);
        assert_eq!(sent_hints(&out), vec![(1, 5), (1, 7)], "the older version is not kept");
        assert_eq!(timers(&out).len(), 1, "one retry schedule per replica");
        // An ack of the older version does not drop the newer hint.
        hints.on_ack(&p, 1, &k, entry(5).version);
        assert_eq!(hints.len(), 1);
    }

    #[test]
    fn resends_go_out_in_key_order() {
        let p = params();
        let mut hints = Hints::new(true);
        let mut out = vec![];
        for key in ["k2", "k10", "a", "k1"] {
            hints.keep(&p, 0, 1, Rc::from(key), entry(1), 0, &mut out);
        }
        out.clear();
        hints.on_retry(&p, S, 1, &mut out);
        let keys: Vec<&str> = out
            .iter()
            .filter_map(|o| match o {
                Output::Send { msg: Message::Hint { key, .. }, .. } => Some(key.as_ref()),
                _ => None,
            })
            .collect();
        assert_eq!(keys, ["a", "k1", "k10", "k2"]);
    }

    #[test]
    fn hints_expire_and_are_bounded() {
        let p = params();
        let mut hints = Hints::new(true);
        let mut out = vec![];
        hints.keep(&p, 60 * S, 1, Rc::from("late"), entry(1), 0, &mut out);
        assert!(hints.is_empty(), "a write older than the hint lifetime is not hinted");
        hints.keep(&p, 0, 1, Rc::from("k"), entry(1), 0, &mut out);
        out.clear();
        hints.on_retry(&p, S, 1, &mut out);
        assert_eq!(sent_hints(&out).len(), 1);
        out.clear();
        // The timer due at 3 s is rescheduled long after the lifetime by hand here.
        hints.targets[1].retry_at = Some(60 * S);
        hints.on_retry(&p, 60 * S, 1, &mut out);
        assert!(out.is_empty() && hints.is_empty(), "expired hints are dropped, not resent");

        for i in 0..MAX_HINTS + 5 {
            hints.keep(&p, 0, 1 + i % 2, Rc::from(format!("k{i}")), entry(1), 0, &mut out);
        }
        assert_eq!(hints.len(), MAX_HINTS);
        hints.set_enabled(false);
        assert!(hints.is_empty());
    }

    #[test]
    fn a_timer_from_an_earlier_schedule_is_ignored() {
        let (p, k): (_, Key) = (params(), Rc::from("k"));
        let mut hints = Hints::new(true);
        let mut out = vec![];
        hints.keep(&p, 0, 1, k.clone(), entry(1), 0, &mut out);
        hints.set_enabled(false);
        hints.set_enabled(true);
        hints.keep(&p, S / 2, 1, k, entry(2), 0, &mut out);
        out.clear();
        hints.on_retry(&p, S, 1, &mut out);
        assert!(out.is_empty(), "the first schedule's timer does nothing");
        hints.on_retry(&p, S / 2 + S, 1, &mut out);
        assert_eq!(sent_hints(&out), vec![(1, 2)]);
    }
}
