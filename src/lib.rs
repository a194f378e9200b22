//! A Dynamo-style replicated key-value store as a deterministic, sans-IO core.
//!
//! The course project's servers become pure state machines ([`node::Node`]) that take
//! `(now, input)` and return outputs; a discrete-event [`Simulation`] composes them with a
//! seeded [`sim::network::Network`]. The floors of the crate, and the rule between them, are in
//! `docs/design.md`. The same code runs natively (the `kvsim` runner, tests,
//! benchmarks) and in WebAssembly (the browser playground).
//!
//! The core reads no clock and no global randomness: a run is a function of
//! `(config, seed, script)`.

pub mod check;
pub mod lex;
pub mod model;
pub mod node;
pub mod sim;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use model::command::{Command, CommandError, Level};
pub use model::config::{Config, ConfigError};
pub use model::outcome::{ClientResult, Outcome};
pub use model::types::{Entry, Key, NodeId, Time, Version};
pub use sim::simulation::Simulation;
