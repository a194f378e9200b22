//! Shrinking a key's non-linearizable history to a small counterexample: a subset of its
//! operations that is still not linearizable, whatever the other operations did.
//!
//! Removing an operation does not simply delete it. A removed read (or failed compare) is left
//! out: it only constrained the order. A removed write becomes *optional*: it may have taken
//! effect at some point within its own interval, or not at all. A removed append becomes a
//! [`Action::Havoc`] instead (it may have left any value within its interval): optional appends
//! would make a state of every subset of them, and the searches explode. So the operations kept
//! are not linearizable on their own (every removed op not happening is one of the choices),
//! and they explain the original: whatever the others did, these cannot be ordered. (Deleting
//! writes outright would let a read of a deleted write's value become the "counterexample",
//! which explains nothing.)
//!
//! Greedy, in the manner of delta debugging: try removing chunks of operations (halves first,
//! then quarters, down to single ones), keeping every removal after which the history is still
//! not linearizable; then repeat single removals until none can go. The searches spend from
//! one [`Budget`], each at most `candidate_steps`; a removal whose search runs out of steps is
//! not made. The set never grows and always keeps the verdict.

use super::linearizable::{search, Budget, Search, SearchOp};
use super::state::{Action, StateId, Values};

/// The ops kept (indices into the ops given, in order), and whether shrinking finished: then no
/// single op of them can be removed without the history becoming linearizable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shrunk {
    pub kept: Vec<usize>,
    pub complete: bool,
}

/// Whether an action only constrains the order (it changes no state).
fn only_reads(action: &Action) -> bool {
    matches!(action, Action::Read(_) | Action::Cas { matched: Some(false), .. })
}

/// The history with only `kept` as they were: the other reads left out, the other writes
/// optional (appends havocs).
fn with_only(ops: &[SearchOp], kept: &[usize]) -> Vec<SearchOp> {
    let mut is_kept = vec![false; ops.len()];
    for &i in kept {
        is_kept[i] = true;
    }
    ops.iter()
        .zip(is_kept)
        .filter(|(op, kept)| *kept || !only_reads(&op.action))
        .map(|(op, kept)| match (kept, &op.action) {
            (true, _) => op.clone(),
            (false, Action::Append(_)) => SearchOp { action: Action::Havoc, ..op.clone() },
            (false, _) => SearchOp { optional: true, ..op.clone() },
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
    let mut kept: Vec<usize> = (0..ops.len()).collect();
    let mut complete = true;
    // Some(still not linearizable), or None when the steps ran out.
    let mut still_fails = |subset: &[usize], budget: &mut Budget| -> Option<bool> {
        let mut part = Budget::steps(candidate_steps.min(budget.left()));
        let found = search(&with_only(ops, subset), initial, values, &mut part);
        budget.charge(&part);
        match found {
            Search::NotLinearizable { .. } => Some(true),
            Search::Linearizable { .. } => Some(false),
            Search::OutOfSteps => None,
        }
    };
    let mut chunk = kept.len() / 2;
    loop {
        let chunk_size = chunk.max(1);
        let mut removed_any = false;
        let mut start = 0;
        while start < kept.len() && kept.len() > 1 {
            if budget.is_spent() {
                return Shrunk { kept, complete: false };
            }
            let end = (start + chunk_size).min(kept.len());
            let candidate: Vec<usize> = kept[..start].iter().chain(&kept[end..]).copied().collect();
            if candidate.is_empty() {
                // Nothing kept is linearizable: every op may be a havoc.
                start = end;
                continue;
            }
            match still_fails(&candidate, budget) {
                Some(true) => {
                    kept = candidate;
                    removed_any = true;
                }
                Some(false) => start = end,
                None => {
                    complete = false;
                    start = end;
                }
            }
        }
        if chunk_size == 1 && !removed_any {
            return Shrunk { kept, complete };
        }
        chunk /= 2;
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
        // A read of b during the write of b, then a read of a: whether or not the writes
        // happened, nothing writes a between the two reads.
        let ops = [
            op(0, 1, Action::Write(a)),
            op(2, 5, Action::Write(b)),
            op(3, 4, Action::Read(b)),
            op(6, 7, Action::Read(a)),
        ];
        let small = shrunk(&ops, &mut values, 1_000_000);
        assert_eq!(small.kept, [2, 3], "{small:?}");
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
