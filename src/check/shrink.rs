//! Shrinking a key's non-linearizable history to a small counterexample: a subset of its
//! operations that is still not linearizable, whatever the other operations did.
//!
//! Removing an operation does not simply delete it. (Deleting writes outright would let a read
//! of a deleted write's value become the "counterexample", which explains nothing.) A removed
//! read (or failed compare) is left out: it only constrained the order. A removed write is
//! weakened, in two phases:
//!
//! 1. **Any value**: a removed write that completed becomes a [`Action::Havoc`]: at some point
//!    within its interval it may have left any value at all. A havoc is a single state, so
//!    these searches cost no more than the original one, and they bring a long history down to
//!    a few operations. (A removed `info` write stays as it is: it may take effect at any point
//!    after its call, and coming after everything else is the same as never; a havoc there
//!    would explain every later read.)
//! 2. **Its own value, or nothing**: from what phase 1 kept, single operations are removed
//!    with every removed write *optional*: its own effect within its interval, or none. This
//!    is the history's own meaning, so the counterexample can be just "a read of 3, and no
//!    operation that could come before it writes 3". These searches can cost much more, so
//!    each is capped.
//!
//! Either way the operations kept are not linearizable on their own (every removed op doing
//! nothing, or coming last, is one of the choices), and they explain the original: whatever
//! the others did, these cannot be ordered. Removed appends are always havocs: optional
//! appends would make a state of every subset of them.
//!
//! Each phase is greedy, in the manner of delta debugging: try removing chunks of operations
//! (halves first, then quarters, down to single ones; phase 2 only single ones), keeping every
//! removal after which the history is still not linearizable, until no single one can go. The
//! searches spend from one [`Budget`], each at most `candidate_steps`; a removal whose search
//! runs out of steps is not made. The set never grows and always keeps the verdict.

use super::history::NEVER;
use super::linearizable::{search, Budget, Search, SearchOp};
use super::state::{Action, StateId, Values};

/// The ops kept (indices into the ops given, in order), and whether shrinking finished: then no
/// single op of them can be removed without the history becoming linearizable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shrunk {
    pub kept: Vec<usize>,
    pub complete: bool,
}

/// What a removed write becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Removed {
    /// Any value within its interval (phase 1).
    AnyValue,
    /// Its own effect within its interval, or none (phase 2).
    OwnOrNothing,
}

/// Whether an action only constrains the order (it changes no state).
fn only_reads(action: &Action) -> bool {
    matches!(action, Action::Read(_) | Action::Cas { matched: Some(false), .. })
}

/// The history with only `kept` as they were: the other reads left out, the other writes
/// weakened as `removed` says.
fn with_only(ops: &[SearchOp], kept: &[usize], removed: Removed) -> Vec<SearchOp> {
    let mut is_kept = vec![false; ops.len()];
    for &i in kept {
        is_kept[i] = true;
    }
    ops.iter()
        .zip(is_kept)
        .filter(|(op, kept)| *kept || !only_reads(&op.action))
        .map(|(op, kept)| match (kept, &op.action, removed) {
            (true, ..) => op.clone(),
            (false, Action::Append(_), _) => SearchOp { action: Action::Havoc, ..op.clone() },
            (false, _, _) if op.ret == NEVER => op.clone(),
            (false, _, Removed::AnyValue) => SearchOp { action: Action::Havoc, ..op.clone() },
            (false, _, Removed::OwnOrNothing) => SearchOp { optional: true, ..op.clone() },
        })
        .collect()
}

/// Shrinks `ops`, which must not be linearizable from `initial`.
pub fn shrink(
    ops: &[SearchOp],
    initial: StateId,
    values: &mut Values,
    budget: &mut Budget,
    candidate_steps: u64,
) -> Shrunk {
    let mut shrinker = Shrinker { ops, initial, values, budget, candidate_steps };
    let all: Vec<usize> = (0..ops.len()).collect();
    let first = shrinker.run(all, Removed::AnyValue, ops.len() / 2);
    let second = shrinker.run(first.kept, Removed::OwnOrNothing, 1);
    Shrunk { kept: second.kept, complete: first.complete && second.complete }
}

struct Shrinker<'a> {
    ops: &'a [SearchOp],
    initial: StateId,
    values: &'a mut Values,
    budget: &'a mut Budget,
    candidate_steps: u64,
}

impl Shrinker<'_> {
    /// Whether the history with only `subset` is still not linearizable; `None` when its search
    /// runs out of steps.
    fn still_fails(&mut self, subset: &[usize], removed: Removed) -> Option<bool> {
        let mut part = Budget::steps(self.candidate_steps.min(self.budget.left()));
        let found = search(&with_only(self.ops, subset, removed), self.initial, self.values, &mut part);
        self.budget.charge(&part);
        match found {
            Search::NotLinearizable { .. } => Some(true),
            Search::Linearizable { .. } => Some(false),
            Search::OutOfSteps => None,
        }
    }

    /// One phase: removals of `chunk` ops, then half as many, down to passes of single ones
    /// until one removes nothing.
    fn run(&mut self, mut kept: Vec<usize>, removed: Removed, mut chunk: usize) -> Shrunk {
        loop {
            let chunk_size = chunk.max(1);
            let mut removed_any = false;
            // Whether a removal of this pass ran out of steps: then the last pass, of single
            // removals, does not prove that none can go.
            let mut undecided = false;
            let mut start = 0;
            while start < kept.len() && kept.len() > 1 {
                if self.budget.is_spent() {
                    return Shrunk { kept, complete: false };
                }
                let end = (start + chunk_size).min(kept.len());
                let candidate: Vec<usize> = kept[..start].iter().chain(&kept[end..]).copied().collect();
                if candidate.is_empty() {
                    // Nothing kept is linearizable: every removed op may do nothing.
                    start = end;
                    continue;
                }
                match self.still_fails(&candidate, removed) {
                    Some(true) => {
                        kept = candidate;
                        removed_any = true;
                    }
                    Some(false) => start = end,
                    None => {
                        undecided = true;
                        start = end;
                    }
                }
            }
            if chunk_size == 1 && !removed_any {
                return Shrunk { kept, complete: !undecided };
            }
            chunk /= 2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(call: u64, ret: u64, action: Action) -> SearchOp {
        SearchOp { call, ret, action, optional: false }
    }

    fn shrunk(ops: &[SearchOp], values: &mut Values, steps: u64) -> Shrunk {
        shrink(ops, Values::NIL, values, &mut Budget::steps(steps), 1_000)
    }

    #[test]
    fn a_stale_read_shrinks_to_the_write_it_missed_and_the_read() {
        let mut values = Values::new();
        let (a, b, c) = (values.intern("a"), values.intern("b"), values.intern("c"));
        let ops = [
            op(0, 1, Action::Write(a)),
            op(2, 3, Action::Write(c)),
            op(4, 5, Action::Read(c)),
            op(6, 7, Action::Write(b)),
            op(8, 9, Action::Read(a)),
            op(10, 11, Action::Read(a)),
        ];
        let small = shrunk(&ops, &mut values, 1_000_000);
        assert!(small.complete);
        // Whatever else happened, a read of a right after b was written cannot be.
        assert_eq!(small.kept, [3, 5], "{small:?}");
        let alone: Vec<SearchOp> = small.kept.iter().map(|&i| ops[i].clone()).collect();
        assert!(matches!(
            search(&alone, Values::NIL, &mut values, &mut Budget::unbounded()),
            Search::NotLinearizable { .. }
        ));
        let starved = shrunk(&ops, &mut values, 3);
        assert!(!starved.complete);
        assert_eq!(starved.kept.len(), ops.len());
    }

    #[test]
    fn a_read_keeps_the_writes_it_needs() {
        // Both writes completed, then reads of a and then b: no write can come between the two
        // reads, whatever the writes did within their own intervals.
        let mut values = Values::new();
        let (a, b) = (values.intern("a"), values.intern("b"));
        let ops = [
            op(0, 3, Action::Write(a)),
            op(1, 2, Action::Write(b)),
            op(4, 5, Action::Read(a)),
            op(6, 7, Action::Read(b)),
        ];
        let small = shrunk(&ops, &mut values, 1_000_000);
        assert!(small.complete);
        assert_eq!(small.kept, [2, 3], "{small:?}");
        // The write of b completed, then a read of a: the write of a, long done, cannot
        // explain it, whatever value it wrote.
        let ops = [
            op(0, 1, Action::Write(a)),
            op(2, 5, Action::Write(b)),
            op(3, 4, Action::Read(b)),
            op(6, 7, Action::Read(a)),
        ];
        let small = shrunk(&ops, &mut values, 1_000_000);
        assert_eq!(small.kept, [1, 3], "{small:?}");
    }

    #[test]
    fn a_removed_info_write_may_happen_late_but_only_with_its_own_value() {
        // A read of a after the write of b completed. An info write of c, still open, could
        // come between them, but it writes c: it can go.
        let mut values = Values::new();
        let (a, b, c) = (values.intern("a"), values.intern("b"), values.intern("c"));
        let ops = [
            op(0, 1, Action::Write(a)),
            op(1, NEVER, Action::Write(c)),
            op(2, 3, Action::Write(b)),
            op(4, 5, Action::Read(a)),
        ];
        assert_eq!(shrunk(&ops, &mut values, 1_000_000).kept, [2, 3]);
    }

    #[test]
    fn a_removed_append_may_leave_any_value() {
        // Appends of x then y, then a read of "y": not linearizable. Without the append of x
        // it would be (a removed append may have left any value, the empty one too), so it
        // stays.
        let mut values = Values::new();
        let y = values.intern("y");
        let ops =
            [op(0, 1, Action::Append("x".into())), op(2, 3, Action::Append("y".into())), op(4, 5, Action::Read(y))];
        let small = shrink(&ops, values.intern(""), &mut values, &mut Budget::unbounded(), 1_000);
        assert_eq!(small.kept, [0, 1, 2], "{small:?}");
    }
}
