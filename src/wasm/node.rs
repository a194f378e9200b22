//! One server as a JS object: its own store and coordinator, nothing shared.

use super::convert::{time_from_js, to_js};
use super::json::parse_config;
use super::task::{Outputs, Task};
use crate::node::Node;
use crate::sim::node_log::StoreEntry;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct KvNode {
    node: Node,
}

#[wasm_bindgen]
impl KvNode {
    /// Node `id` of the cluster described by `config_json`.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str, id: usize) -> Result<KvNode, JsError> {
        let config = parse_config(config_json)?;
        if id >= config.len() {
            return Err(JsError::new(&format!("there is no node {id}: the config has {} nodes", config.len())));
        }
        Ok(KvNode { node: Node::new(id, &config) })
    }

    #[wasm_bindgen(getter)]
    pub fn id(&self) -> usize {
        self.node.id()
    }

    /// Starts the node's periodic work (anti-entropy rounds) at virtual time `now`; call it once
    /// after creating the node and hand the outputs to the scheduler.
    pub fn start(&mut self, now: f64) -> Result<Outputs, JsError> {
        let mut outputs = Vec::new();
        self.node.start(time_from_js(now)?, &mut outputs);
        Ok(Outputs::started(self.node.id(), outputs))
    }

    /// Does a task popped from the scheduler; it must be addressed to this node.
    pub fn handle(&mut self, task: Task) -> Result<Outputs, JsError> {
        let task = task.into_inner();
        if task.node != self.node.id() {
            return Err(JsError::new(&format!("this task is for node {}, not node {}", task.node, self.node.id())));
        }
        let mut outputs = Vec::new();
        let ran = task.run_on(&mut self.node, &mut outputs);
        Ok(Outputs::of(ran, outputs))
    }

    /// The local store: `[{key, value (null for a tombstone), version: {timestamp, node}}]`.
    pub fn store(&self) -> Result<JsValue, JsError> {
        to_js(&StoreEntry::all_of(&self.node))
    }

    /// A copy of this node as it is now (store, coordinator, timers), for the page's checkpoints:
    /// handing it the same inputs as this one gives the same outputs.
    pub fn snapshot(&self) -> KvNode {
        KvNode { node: self.node.clone() }
    }
}

impl KvNode {
    /// The server itself, for facade calls that read every node at once.
    pub(super) fn into_node(self) -> Node {
        self.node
    }

    /// A server handed back to the page (after `KvScheduler.runBatch`).
    pub(super) fn from_node(node: Node) -> KvNode {
        KvNode { node }
    }
}
