//! Shrinking a key's non-linearizable history to a small counterexample: a subset of its
//! operations that is still not linearizable, whatever the other operations did.
//!
//! Removing an operation does not delete it: a removed read (or failed compare) is left out,
//! since it only constrained the order; a removed write becomes *optional*: it may have taken
//! effect within its own interval, or not at all. So the kept operations stay not linearizable
//! on their own (skipping every optional op is one choice), and they explain the original: no
//! matter what the others did, these cannot be ordered. (Deleting writes outright would let a
//! read of their value become the "counterexample", which explains nothing.)
//!
//! Greedy, in the manner of delta debugging: try removing chunks of operations (halves first,
//! then quarters, down to single ones), keeping every removal after which the history is still
//! not linearizable; then repeat single removals until none can go. Every search spends from
//! one [`Budget`]; when it runs out, the smallest set found so far is the answer, marked
//! incomplete. The set never grows and always keeps the verdict.

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
/// optional.
fn with_only(ops: &[SearchOp], kept: &[usize]) -> Vec<SearchOp> {
    let mut is_kept = vec![false; ops.len()];
    for &i in kept {
        is_kept[i] = true;
    }
    ops.iter()
        .zip(is_kept)
        .filter(|(op, kept)| *kept || !only_reads(&op.action))
        .map(|(op, kept)| SearchOp { optional: !kept, ..op.clone() })
        .collect()
}

/// Shrinks `ops`, which must not be linearizable from `initial`.
pub fn shrink(ops: &[SearchOp], initial: StateId, values: &mut Values, budget: &mut Budget) -> Shrunk {
    let mut kept: Vec<usize> = (0..ops.len()).collect();
    let mut still_fails = |subset: &[usize], budget: &mut Budget| -> Option<bool> {
        match search(&with_only(ops, subset), initial, values, budget) {
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
            let end = (start + chunk_size).min(kept.len());
            let candidate: Vec<usize> = kept[..start].iter().chain(&kept[end..]).copied().collect();
            if candidate.is_empty() {
                // Nothing kept is linearizable: every other op may be skipped.
                start = end;
                continue;
            }
            match still_fails(&candidate, budget) {
                None => return Shrunk { kept, complete: false },
                Some(true) => {
                    kept = candidate;
                    removed_any = true;
                }
                Some(false) => start = end,
            }
        }
        if chunk_size == 1 && !removed_any {
            return Shrunk { kept, complete: true };
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
        let shrunk = shrink(&ops, Values::NIL, &mut values, &mut Budget::unbounded());
        assert!(shrunk.complete);
        // Whatever else happened, a read of a right after b was written cannot be.
        assert_eq!(shrunk.kept, [3, 5], "{shrunk:?}");
        let alone: Vec<SearchOp> = shrunk.kept.iter().map(|&i| ops[i].clone()).collect();
        assert!(matches!(
            search(&alone, Values::NIL, &mut values, &mut Budget::unbounded()),
            Search::NotLinearizable { .. }
        ));
        let starved = shrink(&ops, Values::NIL, &mut values, &mut Budget::steps(3));
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
        let shrunk = shrink(&ops, Values::NIL, &mut values, &mut Budget::unbounded());
        assert!(shrunk.complete);
        assert_eq!(shrunk.kept, [2, 3], "{shrunk:?}");
    }
}
