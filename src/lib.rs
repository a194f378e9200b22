//! A Dynamo-style replicated key-value store as a deterministic, sans-IO core.
//!
//! The course project's servers become pure state machines ([`node::Node`]) that take
//! `(now, input)` and return outputs; a discrete-event [`sim::Simulation`] composes them with a
//! seeded [`network::Network`]. The same code runs natively (the `kvsim` runner, tests,
//! benchmarks) and in WebAssembly (the browser playground).
//!
//! The core reads no clock and no global randomness: a run is a function of
//! `(config, seed, script)`.

pub mod action;
pub mod command;
pub mod config;
pub mod fault;
pub mod message;
pub mod network;
pub mod node;
pub mod outcome;
pub mod placement;
pub mod scenario;
pub mod scheduler;
pub mod script;
pub mod shiviz;
pub mod sim;
pub mod store;
pub mod trace;
pub mod types;
pub mod view;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
pub mod workload;

pub use command::{Command, CommandError, Level};
pub use config::{Config, ConfigError};
pub use outcome::{ClientResult, Outcome};
pub use sim::Simulation;
pub use types::{Entry, Key, NodeId, Time, Version};
