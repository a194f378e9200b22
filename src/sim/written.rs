//! The values inserted or updated so far, by key number and address, for the live checks: a
//! value a get returns comes from the write that wrote it, shared, so a look-up by address
//! finds it without hashing its text.
//!
//! One set serves a run and every copy of it (the page's checkpoints clone the checks every few
//! thousand steps; a set of every write copied each time held most of a long run's memory).
//! Sharing it is sound because the set only ever answers "yes, written" for an allocation a
//! write command made: that allocation is created when the command is invoked, and the entry is
//! added at that same moment, so a copy that holds the allocation shares the past in which it
//! was invoked (and the key number, given then). Entries from another copy's future name
//! allocations this copy never holds, and the set keeps each value alive while its entry is
//! there, so no address is reused under an entry.

use crate::model::types::Value;
use rustc_hash::FxHashSet;
use std::cell::RefCell;
use std::rc::Rc;

#[derive(Clone, Debug, Default)]
pub struct WrittenValues(Rc<RefCell<Shared>>);

#[derive(Debug, Default)]
struct Shared {
    entries: FxHashSet<(u32, usize)>,
    /// The values of `entries`, held so their addresses are not reused.
    values: Vec<(u32, Value)>,
    /// `values.len()` after the last sweep: the next one comes when it has doubled.
    swept: usize,
}

/// The address a value's text lives at.
pub fn address(value: &Value) -> usize {
    value.as_ptr() as usize
}

impl WrittenValues {
    /// Notes that a write of key number `key` invoked now carries `value`.
    pub fn insert(&self, key: u32, value: &Value) {
        let mut shared = self.0.borrow_mut();
        if shared.entries.insert((key, address(value))) {
            shared.values.push((key, value.clone()));
            if shared.values.len() >= 2 * shared.swept.max(4096) {
                shared.sweep();
            }
        }
    }

    /// Whether `value`, at its address, was noted for key number `key`.
    pub fn contains(&self, key: u32, value: &Value) -> bool {
        self.0.borrow().entries.contains(&(key, address(value)))
    }
}

impl Shared {
    /// Drops the values nothing else holds (no copy of the run can return them any more), with
    /// their entries: copies dropped by time travel leave their writes here otherwise.
    fn sweep(&mut self) {
        let Shared { entries, values, .. } = self;
        values.retain(|(key, value)| {
            let held = Rc::strong_count(value) > 1;
            if !held {
                entries.remove(&(*key, address(value)));
            }
            held
        });
        self.swept = self.values.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_shares_the_values_and_a_sweep_forgets_only_those_nothing_holds() {
        let written = WrittenValues::default();
        let copy = written.clone();
        let kept: Value = Rc::from("kept");
        written.insert(1, &kept);
        assert!(copy.contains(1, &kept), "a copy sees what the run noted");
        assert!(!copy.contains(2, &kept), "under its own key only");
        assert!(!copy.contains(1, &Rc::from("kept")), "the same text elsewhere is another allocation");
        written.insert(1, &Rc::from("dropped"));
        written.0.borrow_mut().sweep();
        let shared = written.0.borrow();
        assert_eq!(shared.values.len(), 1);
        assert!(shared.entries.contains(&(1, address(&kept))));
    }
}
