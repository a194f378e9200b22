//! The scheduler's request book: the requests that may still produce results, and the results
//! gathered for their clients.

use crate::model::message::RequestId;
use crate::model::outcome::ClientResult;
use crate::model::types::NodeId;
use rustc_hash::FxHashMap;
use std::rc::Rc;

/// A request that may still produce results: a get that answered waits to report its repair,
/// and with hinted handoff a write that answered waits for every replica.
#[derive(Clone, Debug)]
struct OpenRequest {
    node: NodeId,
    text: Rc<str>,
    /// Whether its client has had a result; a crash then ends it without another one.
    answered: bool,
}

#[derive(Clone, Debug, Default)]
pub(super) struct RequestBook {
    next_id: RequestId,
    open: FxHashMap<RequestId, OpenRequest>,
    results: Vec<ClientResult>,
}

impl RequestBook {
    /// The id the next command will carry.
    pub fn new_id(&mut self) -> RequestId {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// A command typed on `node` started and may produce results.
    pub fn open(&mut self, id: RequestId, node: NodeId, text: Rc<str>) {
        self.open.insert(id, OpenRequest { node, text, answered: false });
    }

    pub fn is_open(&self, id: RequestId) -> bool {
        self.open.contains_key(&id)
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// Notes that request `id` answered its client; returns its command text (empty for a
    /// request no longer open).
    pub fn answer(&mut self, id: RequestId) -> Rc<str> {
        match self.open.get_mut(&id) {
            Some(request) => {
                request.answered = true;
                request.text.clone()
            }
            None => Rc::from(""),
        }
    }

    /// Request `id` will produce no more results.
    pub fn close(&mut self, id: RequestId) {
        self.open.remove(&id);
    }

    /// Closes every request `node` coordinated (it crashed) and returns those that never
    /// answered their client, in id order, with their command text.
    pub fn abandon(&mut self, node: NodeId) -> Vec<(RequestId, Rc<str>)> {
        // Sorted: the map's iteration order differs between 64-bit and wasm32.
        let mut ended: Vec<RequestId> =
            self.open.iter().filter(|(_, request)| request.node == node).map(|(&id, _)| id).collect();
        ended.sort_unstable();
        ended
            .into_iter()
            .filter_map(|id| self.open.remove(&id).filter(|request| !request.answered).map(|r| (id, r.text)))
            .collect()
    }

    pub fn push_result(&mut self, result: ClientResult) {
        self.results.push(result);
    }

    pub fn results(&self) -> &[ClientResult] {
        &self.results
    }

    /// Removes and returns the results gathered so far (the buffer is kept for the next ones).
    pub fn take_results(&mut self) -> std::vec::Drain<'_, ClientResult> {
        self.results.drain(..)
    }
}
