//! The linearizability checker: reads a Jepsen/Knossos EDN history ([`edn_reader`]), pairs its
//! operations ([`history`]), turns them into actions of a model ([`models`], [`state`]), and
//! searches each key for a linearization ([`linearizable`]); a violation is shrunk to a small
//! counterexample ([`shrink`]). [`report::check`] does it all.
//!
//! The floor above the simulated world: it may use `model`, `lex`, `node` and `sim`; only the
//! wasm facade and the binary use it.

pub mod bitset;
pub mod edn;
pub mod edn_reader;
pub mod history;
pub mod linearizable;
pub mod models;
pub mod report;
pub mod shrink;
pub mod state;
