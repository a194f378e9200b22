//! The state of one key (or register) as the models see it, and the actions that change it.
//!
//! A state is a value or nil. Values are interned, so a state is a small number: cheap to
//! compare, to hash into the search's memo and to keep on its stack. Appending (the kv model)
//! interns the longer text it makes.
//!
//! Shrinking adds one more state, [`Values::ANY`]: "some value, not known which", left by an
//! operation whose effect is no longer pinned down ([`Action::Havoc`]). Every action accepts it
//! whenever it would accept some value, and learns what it can (a read of `v` leaves `v`), so a
//! history that is not linearizable with `ANY` is not linearizable for any value in its place.

use rustc_hash::FxHashMap;

/// An interned value; [`Values::NIL`] is nil (absent, deleted, never written).
pub type StateId = u32;

/// The table of interned values: texts of strings (kv) or canonical EDN texts (the others).
#[derive(Debug, Default)]
pub struct Values {
    texts: Vec<String>,
    ids: FxHashMap<String, StateId>,
}

impl Values {
    pub const NIL: StateId = 0;
    /// Any value at all (or nil): what a [`Action::Havoc`] leaves.
    pub const ANY: StateId = StateId::MAX;

    pub fn new() -> Self {
        Values::default()
    }

    /// The id of `text` (a value, never nil).
    pub fn intern(&mut self, text: &str) -> StateId {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        self.texts.push(text.to_string());
        let id = self.texts.len() as StateId;
        self.ids.insert(text.to_string(), id);
        id
    }

    /// The text of a value; `None` for nil (and [`Values::ANY`]).
    pub fn text(&self, id: StateId) -> Option<&str> {
        let index = (id as usize).checked_sub(1)?;
        self.texts.get(index).map(String::as_str)
    }

    fn append(&mut self, id: StateId, suffix: &str) -> StateId {
        let text = format!("{}{suffix}", self.text(id).unwrap_or(""));
        self.intern(&text)
    }
}

/// What an operation does to the state, and what it requires of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// An `ok` read: the state must be this value; it stays.
    Read(StateId),
    /// A write (put, insert, delete as a write of nil): the state becomes this value.
    Write(StateId),
    /// The kv model's append: the state's text gets this suffix.
    Append(String),
    /// A compare-and-set. `matched`: `Some(true)` for `ok` (the state was `from` and becomes
    /// `to`), `Some(false)` for `fail` (the compare ran and the state was not `from`), `None`
    /// for `info` (it either happened, as the state decides, or not at all).
    Cas { from: StateId, to: StateId, matched: Option<bool> },
    /// The store's update: writes `to` only over a live value. `known`: an `ok` update proves
    /// the value was live; an `info` one writes if it was, and changes nothing if not.
    Update { to: StateId, known: bool },
    /// An operation whose effect is no longer known (shrinking removed it): afterwards the
    /// state may be anything.
    Havoc,
}

impl Action {
    /// The state after this action, or `None` if the action cannot happen in `state`.
    pub fn step(&self, state: StateId, values: &mut Values) -> Option<StateId> {
        const ANY: StateId = Values::ANY;
        match *self {
            Action::Havoc => Some(ANY),
            Action::Read(value) if state == ANY => Some(value),
            Action::Append(_) if state == ANY => Some(ANY),
            Action::Cas { to, matched: Some(true), .. } | Action::Update { to, known: true } if state == ANY => {
                Some(to)
            }
            Action::Cas { .. } | Action::Update { .. } if state == ANY => Some(ANY),
            Action::Read(value) => (state == value).then_some(state),
            Action::Write(value) => Some(value),
            Action::Append(ref suffix) => Some(values.append(state, suffix)),
            Action::Cas { from, to, matched: Some(true) } => (state == from).then_some(to),
            Action::Cas { from, matched: Some(false), .. } => (state != from).then_some(state),
            Action::Cas { from, to, matched: None } => Some(if state == from { to } else { state }),
            Action::Update { to, known: true } => (state != Values::NIL).then_some(to),
            Action::Update { to, known: false } => Some(if state != Values::NIL { to } else { state }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_intern_once_and_nil_has_no_text() {
        let mut values = Values::new();
        let a = values.intern("a");
        assert_eq!(values.intern("a"), a);
        assert_ne!(a, Values::NIL);
        assert_eq!(values.text(a), Some("a"));
        assert_eq!(values.text(Values::NIL), None);
        assert_eq!(values.text(99), None);
    }

    #[test]
    fn actions_step_as_the_models_say() {
        let mut v = Values::new();
        let (a, b) = (v.intern("a"), v.intern("b"));
        const NIL: StateId = Values::NIL;
        assert_eq!(Action::Read(a).step(a, &mut v), Some(a));
        assert_eq!(Action::Read(a).step(b, &mut v), None);
        assert_eq!(Action::Write(NIL).step(a, &mut v), Some(NIL));
        let ab = Action::Append("b".into()).step(a, &mut v);
        assert_eq!(ab.and_then(|id| v.text(id)), Some("ab"));
        assert_eq!(Action::Cas { from: a, to: b, matched: Some(true) }.step(a, &mut v), Some(b));
        assert_eq!(Action::Cas { from: a, to: b, matched: Some(true) }.step(NIL, &mut v), None);
        assert_eq!(Action::Cas { from: a, to: b, matched: Some(false) }.step(a, &mut v), None);
        assert_eq!(Action::Cas { from: a, to: b, matched: Some(false) }.step(b, &mut v), Some(b));
        assert_eq!(Action::Cas { from: a, to: b, matched: None }.step(a, &mut v), Some(b));
        assert_eq!(Action::Cas { from: a, to: b, matched: None }.step(NIL, &mut v), Some(NIL));
        assert_eq!(Action::Update { to: b, known: true }.step(NIL, &mut v), None);
        assert_eq!(Action::Update { to: b, known: true }.step(a, &mut v), Some(b));
        assert_eq!(Action::Update { to: b, known: false }.step(NIL, &mut v), Some(NIL));
    }

    #[test]
    fn any_value_is_accepted_by_every_action_and_pinned_down_by_what_it_learns() {
        let mut v = Values::new();
        let (a, b) = (v.intern("a"), v.intern("b"));
        const ANY: StateId = Values::ANY;
        assert_eq!(Action::Havoc.step(a, &mut v), Some(ANY));
        assert_eq!(Action::Read(a).step(ANY, &mut v), Some(a));
        assert_eq!(Action::Write(b).step(ANY, &mut v), Some(b));
        assert_eq!(Action::Append("x".into()).step(ANY, &mut v), Some(ANY));
        assert_eq!(Action::Cas { from: a, to: b, matched: Some(true) }.step(ANY, &mut v), Some(b));
        assert_eq!(Action::Cas { from: a, to: b, matched: Some(false) }.step(ANY, &mut v), Some(ANY));
        assert_eq!(Action::Cas { from: a, to: b, matched: None }.step(ANY, &mut v), Some(ANY));
        assert_eq!(Action::Update { to: b, known: true }.step(ANY, &mut v), Some(b));
        assert_eq!(Action::Update { to: b, known: false }.step(ANY, &mut v), Some(ANY));
        assert_eq!(v.text(ANY), None);
    }
}
