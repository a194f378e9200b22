//! Texts numbered in the order first seen (the keys a run's operations and results name, the
//! history's errors), so a long run keeps a number of 4 bytes for each, not a pointer to an
//! allocation of its own (every command parses its key anew). One table serves its owner (the history, the page's kept
//! results: each has its own) and all the owner's copies (the page's checkpoints), as the checks'
//! sets of nodes do (chains.rs): numbers are only ever added and a text keeps its number, so what
//! a copy recorded names only texts of its own past.

use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::rc::Rc;

#[derive(Clone, Debug, Default)]
pub struct Names(Rc<RefCell<Table>>);

#[derive(Debug, Default)]
struct Table {
    texts: Vec<Rc<str>>,
    numbers: FxHashMap<Rc<str>, u32>,
}

impl Names {
    /// The number of `text`, given it now if it has none.
    pub fn number(&self, text: &Rc<str>) -> u32 {
        let mut table = self.0.borrow_mut();
        if let Some(&n) = table.numbers.get(text) {
            return n;
        }
        let n = table.texts.len() as u32;
        table.texts.push(text.clone());
        table.numbers.insert(text.clone(), n);
        n
    }

    /// The text numbered `number` (numbers come from [`Names::number`]).
    pub fn get(&self, number: u32) -> Rc<str> {
        self.0.borrow().texts[number as usize].clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_keeps_its_number_in_every_copy() {
        let names = Names::default();
        let copy = names.clone();
        let (a, b) = (names.number(&Rc::from("a")), copy.number(&Rc::from("b")));
        assert_eq!((a, b, names.number(&Rc::from("a")), copy.number(&Rc::from("b"))), (0, 1, 0, 1));
        assert_eq!((&*copy.get(a), &*names.get(b)), ("a", "b"));
    }
}
