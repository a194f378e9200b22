//! The simulated world around the nodes: the seeded [`network`], [`fault`]s, timed
//! [`action`]s (commands and faults) read from [`script`]s and [`scenario`] files, the
//! [`scheduler`] that orders every event, the [`trace`] (with its [`density`] index) and the client [`history`] it records (with the live [`anomalies`] checks and their [`chains`]), the [`workload`] generator,
//! the [`shiviz`] export, the
//! [`merge`] of real nodes' traces ([`node_log`]), and the headless loop ([`simulation`]) that composes nodes and
//! scheduler. What a run keeps as it goes is stored in [`chunks`], cheap to clone.

pub mod action;
pub mod anomalies;
mod block;
pub mod chains;
pub mod chunks;
pub mod density;
pub mod event;
pub mod fault;
pub mod history;
pub mod kept_result;
pub mod merge;
pub mod names;
pub mod network;
pub mod node_log;
pub mod packed;
pub mod scenario;
pub mod scheduler;
pub mod script;
pub mod shiviz;
pub mod simulation;
pub mod summary;
pub mod trace;
pub mod workload;
pub mod workload_feed;
pub mod workload_spec;
pub mod written;
