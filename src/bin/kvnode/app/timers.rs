//! The node's timers, in one queue the driver's loop polls beside its events (not a task and a
//! sleep per timer: at tens of thousands of requests a second, spawning them cost more than the
//! requests' own work). A request's deadline is taken back when the request finishes first.

use futures_util::StreamExt;
use kvplayground::model::message::RequestId;
use kvplayground::node::Timer;
use std::collections::HashMap;
use std::time::Duration;
use tokio_util::time::{delay_queue, DelayQueue};

#[derive(Default)]
pub struct Timers {
    queue: DelayQueue<Timer>,
    /// The queued deadline of each open request.
    deadlines: HashMap<RequestId, delay_queue::Key>,
}

impl Timers {
    /// Fires `timer` after `wait`.
    pub fn set(&mut self, wait: Duration, timer: Timer) {
        let key = self.queue.insert(timer, wait);
        if let Timer::RequestTimeout { id } = timer {
            self.deadlines.insert(id, key);
        }
    }

    /// Takes back request `id`'s deadline: it finished.
    pub fn cancel(&mut self, id: RequestId) {
        if let Some(key) = self.deadlines.remove(&id) {
            self.queue.try_remove(&key);
        }
    }

    /// The next timer due; `None` at once if none is set (so a `select!` disables the branch
    /// until the next turn of the loop).
    pub async fn next(&mut self) -> Option<Timer> {
        let timer = self.queue.next().await?.into_inner();
        if let Timer::RequestTimeout { id } = timer {
            self.deadlines.remove(&id);
        }
        Some(timer)
    }
}
