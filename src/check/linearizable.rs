//! Is one key's history linearizable? The Wing-Gong search with Lowe's memoisation, as
//! porcupine does it.
//!
//! The operations' calls and returns form one list in real-time order. The search walks it: at
//! a call, it tries to linearize that op now (the model must accept it in the current state);
//! if the op fits and the pair (set of ops linearized so far, state after it) was never reached
//! before, it pushes the op, takes it (and its return) out of the list and starts again from
//! the front. At a return whose op is not linearized yet, no order can go on from here: it pops
//! the last op, puts it back and tries the next call after it. The history is linearizable when
//! the list is empty; not when it must pop from an empty stack.
//!
//! An `info` op returns at [`NEVER`](super::history::NEVER), after every other event, so it may
//! be linearized at any point after its call; placing it last is the same as never placing it.
//!
//! An *optional* op (shrinking makes the ops it removes optional, see [`super::shrink`]) may
//! also not happen at all: at its call the search tries its action first, then leaving the
//! state as it is.
//!
//! Each pass of the loop is one step of a [`Budget`]; the core reads no clock, so this is how a
//! search is bounded.

use super::bitset::{mix, Bitset};
use super::state::{Action, StateId, Values};
use rustc_hash::FxHashMap;

/// One operation of the key: when it was called and returned (positions in the history), what
/// it does, and whether it may also not happen at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchOp {
    pub call: u64,
    pub ret: u64,
    pub action: Action,
    pub optional: bool,
}

/// A number of search steps left (or no bound), the steps taken, and the most memory each
/// search's memo may take ([`MAX_MEMO_BYTES`] unless set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    left: Option<u64>,
    spent: u64,
    memo_bytes: usize,
}

impl Budget {
    pub fn unbounded() -> Budget {
        Budget { left: None, spent: 0, memo_bytes: MAX_MEMO_BYTES }
    }

    pub fn steps(steps: u64) -> Budget {
        Budget { left: Some(steps), ..Budget::unbounded() }
    }

    /// The same budget with searches' memos capped at `bytes`.
    pub fn with_memo_bytes(self, bytes: usize) -> Budget {
        Budget { memo_bytes: bytes, ..self }
    }

    /// Takes one step; false when none is left.
    pub fn spend(&mut self) -> bool {
        match &mut self.left {
            Some(0) => return false,
            Some(left) => *left -= 1,
            None => {}
        }
        self.spent += 1;
        true
    }

    pub fn is_spent(&self) -> bool {
        self.left == Some(0)
    }

    /// Steps left; `u64::MAX` when unbounded.
    pub fn left(&self) -> u64 {
        self.left.unwrap_or(u64::MAX)
    }

    /// Steps taken so far.
    pub fn spent(&self) -> u64 {
        self.spent
    }

    /// Takes the steps `part` spent.
    pub fn charge(&mut self, part: &Budget) {
        self.spent += part.spent;
        if let Some(left) = &mut self.left {
            *left = left.saturating_sub(part.spent);
        }
    }
}

/// What the search found. Op numbers are indices into the ops searched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Search {
    /// A linearization: every op, in an order the model accepts and real time allows (`info`
    /// ops that could come last are in it too).
    Linearizable { order: Vec<usize> },
    /// None exists. `longest`: the longest partial linearization the search reached; `blocked`:
    /// the op whose return it then met without being able to place it.
    NotLinearizable { longest: Vec<usize>, blocked: usize },
    /// The budget ran out first: its steps, or its memory for the memo.
    OutOfSteps,
}

const NONE: u32 = u32::MAX;
const HEAD: u32 = 0;

/// The call and return events of the ops as a doubly linked list in real-time order, with a
/// head sentinel (index 0); events 1.. are `2 * op + 1` (call) and `2 * op + 2` (return).
struct Events {
    next: Vec<u32>,
    prev: Vec<u32>,
}

fn call_of(op: usize) -> u32 {
    (2 * op + 1) as u32
}

fn return_of(op: usize) -> u32 {
    (2 * op + 2) as u32
}

fn op_of(event: u32) -> usize {
    (event as usize - 1) / 2
}

fn is_call(event: u32) -> bool {
    event % 2 == 1
}

impl Events {
    fn new(ops: &[SearchOp]) -> Self {
        let mut order: Vec<(u64, bool, u32)> = Vec::with_capacity(2 * ops.len());
        for (i, op) in ops.iter().enumerate() {
            // At equal times a call comes first (ops that touch are concurrent).
            order.push((op.call, false, call_of(i)));
            order.push((op.ret, true, return_of(i)));
        }
        order.sort_unstable();
        let size = 2 * ops.len() + 1;
        let (mut next, mut prev) = (vec![NONE; size], vec![NONE; size]);
        let mut last = HEAD;
        for &(_, _, event) in &order {
            next[last as usize] = event;
            prev[event as usize] = last;
            last = event;
        }
        Events { next, prev }
    }

    fn unlink(&mut self, event: u32) {
        let (p, n) = (self.prev[event as usize], self.next[event as usize]);
        self.next[p as usize] = n;
        if n != NONE {
            self.prev[n as usize] = p;
        }
    }

    fn relink(&mut self, event: u32) {
        let (p, n) = (self.prev[event as usize], self.next[event as usize]);
        self.next[p as usize] = event;
        if n != NONE {
            self.prev[n as usize] = event;
        }
    }

    /// Takes an op's call and return out of the list.
    fn lift(&mut self, op: usize) {
        self.unlink(call_of(op));
        self.unlink(return_of(op));
    }

    /// Puts them back (in the reverse order of [`Events::lift`]).
    fn unlift(&mut self, op: usize) {
        self.relink(return_of(op));
        self.relink(call_of(op));
    }
}

/// Most memory a search's memo may hold by default, in bytes. A search that needs more ends as
/// if out of steps (the key is `unknown`): a hard history must not take the machine's memory
/// (one key of porcupine's kv histories would take 15 GB).
pub const MAX_MEMO_BYTES: usize = 512 << 20;

/// The pairs (linearized set, state) already reached, bucketed by a hash of both.
struct Memo {
    buckets: FxHashMap<u64, Vec<(Bitset, StateId)>>,
    /// Pairs recorded so far, and about what each costs: its set's words, the pair, and its
    /// share of the table and of a bucket.
    entries: usize,
    entry_bytes: usize,
}

impl Memo {
    fn new(ops: usize) -> Memo {
        let entry_bytes = ops.div_ceil(64) * 8 + std::mem::size_of::<(Bitset, StateId)>() + 40;
        Memo { buckets: FxHashMap::default(), entries: 0, entry_bytes }
    }

    /// Records the pair; false if it was there already.
    fn insert(&mut self, linearized: &Bitset, state: StateId) -> bool {
        let bucket = self.buckets.entry(linearized.hash() ^ mix(u64::from(state) ^ 0x5eed)).or_default();
        if bucket.iter().any(|(set, s)| *s == state && set == linearized) {
            return false;
        }
        bucket.push((linearized.clone(), state));
        self.entries += 1;
        true
    }

    fn holds_more_than(&self, bytes: usize) -> bool {
        self.entries * self.entry_bytes > bytes
    }
}

/// Searches for a linearization of `ops` from `initial`.
pub fn search(ops: &[SearchOp], initial: StateId, values: &mut Values, budget: &mut Budget) -> Search {
    let mut events = Events::new(ops);
    let mut linearized = Bitset::new(ops.len());
    let mut memo = Memo::new(ops.len());
    // The ops linearized so far, each with the state before it and whether it was skipped.
    let mut stack: Vec<(usize, StateId, bool)> = Vec::new();
    let mut longest: Option<(Vec<usize>, usize)> = None;
    let mut state = initial;
    let mut event = events.next[HEAD as usize];
    // At a call: whether to try not doing the (optional) op, rather than its action.
    let mut skip = false;
    while events.next[HEAD as usize] != NONE {
        if !budget.spend() || memo.holds_more_than(budget.memo_bytes) {
            return Search::OutOfSteps;
        }
        let op = op_of(event);
        if is_call(event) {
            let after = if skip { Some(state) } else { ops[op].action.step(state, values) };
            if let Some(after) = after {
                linearized.insert(op);
                if memo.insert(&linearized, after) {
                    stack.push((op, state, skip));
                    state = after;
                    events.lift(op);
                    event = events.next[HEAD as usize];
                    skip = false;
                    continue;
                }
                linearized.remove(op);
            }
            if !skip && ops[op].optional {
                skip = true;
            } else {
                skip = false;
                event = events.next[event as usize];
            }
        } else {
            // The return of an op not linearized: nothing can go on from here.
            if longest.as_ref().is_none_or(|(ops, _)| stack.len() > ops.len()) {
                longest = Some((stack.iter().map(|&(op, ..)| op).collect(), op));
            }
            let Some((last, before, skipped)) = stack.pop() else {
                let (longest, blocked) = longest.unwrap_or_default();
                return Search::NotLinearizable { longest, blocked };
            };
            state = before;
            linearized.remove(last);
            events.unlift(last);
            // Try the same op again, not doing it this time, or else the next call.
            skip = !skipped && ops[last].optional;
            event = if skip { call_of(last) } else { events.next[call_of(last) as usize] };
        }
    }
    Search::Linearizable { order: stack.into_iter().filter(|&(.., skipped)| !skipped).map(|(op, ..)| op).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(call: u64, ret: u64, action: Action) -> SearchOp {
        SearchOp { call, ret, action, optional: false }
    }

    #[test]
    fn a_read_of_a_value_written_before_is_linearizable_and_a_stale_one_is_not() {
        let mut values = Values::new();
        let (a, b) = (values.intern("a"), values.intern("b"));
        let ok = [op(0, 1, Action::Write(a)), op(2, 3, Action::Write(b)), op(4, 5, Action::Read(b))];
        let found = search(&ok, Values::NIL, &mut values, &mut Budget::unbounded());
        assert_eq!(found, Search::Linearizable { order: vec![0, 1, 2] });
        let stale = [op(0, 1, Action::Write(a)), op(2, 3, Action::Write(b)), op(4, 5, Action::Read(a))];
        let found = search(&stale, Values::NIL, &mut values, &mut Budget::unbounded());
        assert_eq!(found, Search::NotLinearizable { longest: vec![0, 1], blocked: 2 });
    }

    #[test]
    fn concurrent_ops_may_go_in_either_order_and_info_ops_late_or_never() {
        let mut values = Values::new();
        let (a, b) = (values.intern("a"), values.intern("b"));
        // The write of b overlaps both reads: the first sees a, the second b.
        let ops = [
            op(0, 1, Action::Write(a)),
            op(2, 7, Action::Write(b)),
            op(3, 4, Action::Read(a)),
            op(5, 6, Action::Read(b)),
        ];
        let found = search(&ops, Values::NIL, &mut values, &mut Budget::unbounded());
        assert_eq!(found, Search::Linearizable { order: vec![0, 2, 1, 3] });
        // An info write of b may happen long after it was invoked, or never.
        let info = [op(0, u64::MAX, Action::Write(b)), op(1, 2, Action::Read(Values::NIL)), op(3, 4, Action::Read(b))];
        assert!(matches!(
            search(&info, Values::NIL, &mut values, &mut Budget::unbounded()),
            Search::Linearizable { .. }
        ));
        let never = [op(0, u64::MAX, Action::Write(b)), op(1, 2, Action::Read(Values::NIL))];
        assert!(matches!(
            search(&never, Values::NIL, &mut values, &mut Budget::unbounded()),
            Search::Linearizable { .. }
        ));
    }

    #[test]
    fn a_havoc_may_leave_any_value_but_only_within_its_interval() {
        let mut values = Values::new();
        let (a, b) = (values.intern("a"), values.intern("b"));
        // Some op between the write of a and the read may have written b.
        let ops = [op(0, 1, Action::Write(a)), op(2, 3, Action::Havoc), op(4, 5, Action::Read(b))];
        assert!(matches!(
            search(&ops, Values::NIL, &mut values, &mut Budget::unbounded()),
            Search::Linearizable { .. }
        ));
        // No op could have written a after b was.
        let ops = [op(0, 1, Action::Havoc), op(2, 3, Action::Write(b)), op(4, 5, Action::Read(a))];
        assert!(matches!(
            search(&ops, Values::NIL, &mut values, &mut Budget::unbounded()),
            Search::NotLinearizable { .. }
        ));
    }

    #[test]
    fn an_optional_op_may_not_happen_but_only_within_its_interval() {
        let mut values = Values::new();
        let (a, b) = (values.intern("a"), values.intern("b"));
        let optional = |call, ret, action| SearchOp { call, ret, action, optional: true };
        // Not doing the optional write of b explains the read of a.
        let ops = [op(0, 1, Action::Write(a)), optional(2, 3, Action::Write(b)), op(4, 5, Action::Read(a))];
        let found = search(&ops, Values::NIL, &mut values, &mut Budget::unbounded());
        assert_eq!(found, Search::Linearizable { order: vec![0, 2] });
        // An optional write of a within [0, 1] cannot explain a read of a after b was written.
        let ops = [optional(0, 1, Action::Write(a)), op(2, 3, Action::Write(b)), op(4, 5, Action::Read(a))];
        assert!(matches!(
            search(&ops, Values::NIL, &mut values, &mut Budget::unbounded()),
            Search::NotLinearizable { .. }
        ));
    }

    #[test]
    fn the_budget_bounds_the_search() {
        let mut values = Values::new();
        let a = values.intern("a");
        let ops: Vec<SearchOp> = (0..20).map(|i| op(i, 100, Action::Write(a))).collect();
        assert_eq!(search(&ops, Values::NIL, &mut values, &mut Budget::steps(5)), Search::OutOfSteps);
        let mut budget = Budget::steps(1000);
        assert!(matches!(search(&ops, Values::NIL, &mut values, &mut budget), Search::Linearizable { .. }));
        assert!(!budget.is_spent());
        assert_eq!(budget.left() + budget.spent(), 1000);
    }

    #[test]
    fn the_memo_is_bounded_too() {
        // 24 concurrent writes and a read of a value none wrote: the search visits every
        // subset of the writes before it gives up, unless the memo's cap stops it first.
        let mut values = Values::new();
        let (a, b) = (values.intern("a"), values.intern("b"));
        let mut ops: Vec<SearchOp> = (0..24).map(|i| op(i, 100, Action::Write(a))).collect();
        ops.push(op(101, 102, Action::Read(b)));
        let mut budget = Budget::unbounded().with_memo_bytes(100_000);
        assert_eq!(search(&ops, Values::NIL, &mut values, &mut budget), Search::OutOfSteps);
        assert!(budget.spent() < 10_000, "stopped when the memo was full: {} steps", budget.spent());
    }
}
