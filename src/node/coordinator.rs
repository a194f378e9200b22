//! The coordinator role: fan a client command out to the replicas, count answers against the
//! level, answer the client, run read repair, and keep hints for replicas that missed a write.

use super::hints::Hints;
use super::io::{Output, Timer};
use super::params::NodeParams;
use crate::model::command::{Command, Level};
use crate::model::config::ReadRepair;
use crate::model::message::{Message, RequestId};
use crate::model::outcome::{Outcome, SearchReply, WriteOp};
use crate::model::placement::Replicas;
use crate::model::store::Store;
use crate::model::types::{format_time, newest, Entry, Key, NodeId, Time, Value, Version};
use rustc_hash::FxHashMap;

/// The requests this node coordinates that still wait for replies.
#[derive(Clone, Debug, Default)]
pub struct Coordinator {
    pending: FxHashMap<RequestId, Pending>,
    /// The timestamp of the last write this node issued: versions must be unique, so two writes
    /// typed in the same microsecond get increasing timestamps.
    last_timestamp: Option<i64>,
    pub hints: Hints,
}

#[derive(Clone, Debug)]
enum Pending {
    Read(ReadState),
    Write(WriteState),
    Search(SearchState),
}

#[derive(Clone, Debug)]
struct ReadState {
    key: Key,
    level: Level,
    replicas: Replicas,
    replies: Vec<(NodeId, Option<Entry>)>,
    /// How many of the first replies the client's answer is made of; 0 until the level is
    /// reached. Replies after those only feed the repair.
    basis: usize,
    /// Blocking read repair: the replicas whose acknowledgement the answer still waits for.
    awaiting: Vec<NodeId>,
    /// Blocking read repair: the replicas sent the answer's version already, and that version.
    repaired: Option<(Vec<NodeId>, Version)>,
    /// The client has had its answer; the request stays until repair.
    answered: bool,
}

#[derive(Clone, Debug)]
struct WriteState {
    key: Key,
    op: WriteOp,
    level: Level,
    replicas: Replicas,
    entry: Entry,
    acked: Vec<NodeId>,
    /// Replicas that reported an update's key missing.
    missing: Vec<NodeId>,
    started: Time,
    /// The client has had its answer.
    answered: bool,
    /// Hinted handoff was on at the start: the write waits for every replica (or its deadline)
    /// after answering, so the ones that did not acknowledge get hints.
    awaits_all: bool,
}

#[derive(Clone, Debug)]
struct SearchState {
    key: Key,
    replicas: Replicas,
    /// Per node: `None` until it answers, then its copy.
    replies: Vec<Option<Option<Entry>>>,
    answered: usize,
}

impl Coordinator {
    pub fn new(hinted_handoff: bool) -> Coordinator {
        Coordinator { hints: Hints::new(hinted_handoff), ..Coordinator::default() }
    }

    /// Starts a client command at `now`.
    pub fn start(
        &mut self,
        p: &NodeParams,
        store: &mut Store,
        now: Time,
        id: RequestId,
        command: Command,
        out: &mut Vec<Output>,
    ) {
        let pending = match command {
            Command::ShowAll => {
                out.push(Output::Reply { id, outcome: Outcome::Listed { entries: store.sorted() } });
                out.push(Output::Finished { id });
                return;
            }
            Command::Get { key, level } => {
                let replicas = Replicas::of(&key, p.nodes, p.replication_factor);
                for to in replicas.iter() {
                    out.push(Output::Send { to, msg: Message::Read { req: id, key: key.clone() } });
                }
                Pending::Read(ReadState {
                    key,
                    level,
                    replicas,
                    replies: Vec::with_capacity(replicas.len()),
                    basis: 0,
                    awaiting: Vec::new(),
                    repaired: None,
                    answered: false,
                })
            }
            Command::Search { key } => {
                for to in 0..p.nodes {
                    out.push(Output::Send { to, msg: Message::SearchRead { req: id, key: key.clone() } });
                }
                let replicas = Replicas::of(&key, p.nodes, p.replication_factor);
                Pending::Search(SearchState { key, replicas, replies: vec![None; p.nodes], answered: 0 })
            }
            Command::Insert { key, value, level } => {
                self.write(p, now, id, key, Some(value), level, WriteOp::Insert, out)
            }
            Command::Update { key, value, level } => {
                self.write(p, now, id, key, Some(value), level, WriteOp::Update, out)
            }
            Command::Delete { key, level } => self.write(p, now, id, key, None, level, WriteOp::Delete, out),
        };
        out.push(Output::SetTimer { at: now + p.request_timeout, timer: Timer::RequestTimeout { id } });
        self.pending.insert(id, pending);
    }

    /// The timestamp of a new write: this node's clock, or one microsecond after the last write's
    /// timestamp if the clock has not moved past it. Without this, two writes from one node in the
    /// same microsecond would share a version, and replicas that received them in different orders
    /// would keep different values forever (read repair sees equal versions and repairs nothing).
    fn next_timestamp(&mut self, p: &NodeParams, now: Time) -> i64 {
        let clock = now as i64 + p.clock_skew;
        let timestamp = self.last_timestamp.map_or(clock, |last| clock.max(last + 1));
        self.last_timestamp = Some(timestamp);
        timestamp
    }

    /// Counts a replica's reply.
    pub fn on_reply(&mut self, p: &NodeParams, from: NodeId, msg: Message, out: &mut Vec<Output>) {
        let Some(id) = msg.request() else { return };
        // A reply to a finished request (late, or duplicated by the network) is ignored.
        let Some(pending) = self.pending.get_mut(&id) else { return };
        let finished = match (pending, msg) {
            (Pending::Read(r), Message::ReadReply { entry, .. }) => {
                if !r.replicas.contains(from) || r.replies.iter().any(|(n, _)| *n == from) {
                    return;
                }
                r.replies.push((from, entry));
                if r.basis == 0 && r.replies.len() >= r.level.required(p.replication_factor) {
                    r.reach_level(p.read_repair, id, out);
                }
                r.finish_if_complete(id, out)
            }
            (Pending::Read(r), Message::RepairAck { .. }) => {
                let Some(at) = r.awaiting.iter().position(|&n| n == from) else { return };
                r.awaiting.swap_remove(at);
                if r.awaiting.is_empty() {
                    r.answer(id, out);
                }
                r.finish_if_complete(id, out)
            }
            (Pending::Write(w), Message::WriteAck { applied, .. }) => {
                if !w.replicas.contains(from) || w.acked.contains(&from) || w.missing.contains(&from) {
                    return;
                }
                if applied {
                    w.acked.push(from)
                } else {
                    w.missing.push(from)
                }
                if !w.answered {
                    if let Some(outcome) = w.outcome(p) {
                        out.push(Output::Reply { id, outcome });
                        w.answered = true;
                    }
                }
                w.answered && (!w.awaits_all || w.acked.len() + w.missing.len() == w.replicas.len())
            }
            (Pending::Search(s), Message::SearchReply { entry, .. }) => {
                let Some(slot @ None) = s.replies.get_mut(from) else { return };
                *slot = Some(entry);
                s.answered += 1;
                if s.answered == s.replies.len() {
                    out.push(Output::Reply { id, outcome: s.outcome() });
                    true
                } else {
                    false
                }
            }
            _ => false,
        };
        if finished {
            self.pending.remove(&id);
            out.push(Output::Finished { id });
        }
    }

    /// The request's deadline passed: fail it if it has not answered yet, repair a read with
    /// the replies that came in, and keep hints for the replicas a write did not hear from.
    pub fn on_timeout(&mut self, p: &NodeParams, now: Time, id: RequestId, out: &mut Vec<Output>) {
        let Some(pending) = self.pending.remove(&id) else { return };
        let rf = p.replication_factor;
        let seconds = format_time(p.request_timeout);
        match pending {
            Pending::Read(r) => {
                if !r.awaiting.is_empty() {
                    let error = format!(
                        "get {} {} failed: {} did not acknowledge the read repair within the {seconds} s timeout; blocking read repair answers only after it",
                        r.key,
                        r.level,
                        crate::model::outcome::node_list(&r.awaiting),
                    );
                    out.push(Output::Reply { id, outcome: Outcome::Failed { error } });
                } else if !r.answered {
                    let error = format!(
                        "get {} {} failed: {} of {} replicas answered within the {seconds} s timeout; {} needs {}",
                        r.key,
                        r.level,
                        r.replies.len(),
                        r.replicas.len(),
                        r.level,
                        r.level.required(rf)
                    );
                    out.push(Output::Reply { id, outcome: Outcome::Failed { error } });
                }
                r.repair(id, out);
            }
            Pending::Write(w) => {
                if !w.answered {
                    let name = w.op.name();
                    let error = format!(
                        "{name} {} {} failed: {} of {} replicas acknowledged within the {seconds} s timeout; {} needs {}",
                        w.key, w.level, w.acked.len(), w.replicas.len(), w.level, w.level.required(rf)
                    );
                    out.push(Output::Reply { id, outcome: Outcome::Failed { error } });
                }
                for to in w.replicas.iter().filter(|n| !w.acked.contains(n) && !w.missing.contains(n)) {
                    self.hints.keep(p, now, to, w.key.clone(), w.entry.clone(), w.started, out);
                }
            }
            Pending::Search(s) => out.push(Output::Reply { id, outcome: s.outcome() }),
        }
    }

    /// Sends a new version of `key` to its replicas; `value: None` writes a tombstone.
    #[allow(clippy::too_many_arguments)]
    fn write(
        &mut self,
        p: &NodeParams,
        now: Time,
        id: RequestId,
        key: Key,
        value: Option<Value>,
        level: Level,
        op: WriteOp,
        out: &mut Vec<Output>,
    ) -> Pending {
        let timestamp = self.next_timestamp(p, now);
        let entry = Entry { value, version: Version { timestamp, node: p.id } };
        let replicas = Replicas::of(&key, p.nodes, p.replication_factor);
        for to in replicas.iter() {
            let msg = Message::Write {
                req: id,
                key: key.clone(),
                entry: entry.clone(),
                only_if_present: op == WriteOp::Update,
            };
            out.push(Output::Send { to, msg });
        }
        Pending::Write(WriteState {
            key,
            op,
            level,
            replicas,
            entry,
            acked: Vec::new(),
            missing: Vec::new(),
            started: now,
            answered: false,
            awaits_all: self.hints.is_enabled(),
        })
    }
}

impl WriteState {
    /// The client's answer once the acks decide it: success at the level, or an update that
    /// can no longer reach it because too many replicas lack the key.
    fn outcome(&self, p: &NodeParams) -> Option<Outcome> {
        let needed = self.level.required(p.replication_factor);
        if self.acked.len() >= needed {
            Some(Outcome::Written {
                key: self.key.clone(),
                op: self.op,
                entry: self.entry.clone(),
                acked_by: self.acked.clone(),
            })
        } else if self.replicas.len() - self.missing.len() < needed {
            let error = format!(
                "update failed: key not found: {} hold(s) no value for `{}`, so {} ({needed} of {} replicas) cannot be reached; use insert to create a key",
                crate::model::outcome::node_list(&self.missing), self.key, self.level, self.replicas.len()
            );
            Some(Outcome::Failed { error })
        } else {
            None
        }
    }
}

impl ReadState {
    /// The level is reached: answer now, or (blocking repair, replies that disagree) repair the
    /// older ones first and answer when they acknowledge.
    fn reach_level(&mut self, mode: ReadRepair, id: RequestId, out: &mut Vec<Output>) {
        self.basis = self.replies.len();
        match stale_among(&self.replies) {
            Some((stale, best)) if mode == ReadRepair::Blocking => {
                self.awaiting = stale.clone();
                self.repaired = Some((stale.clone(), best.version));
                self.send_repair(id, best, stale, true, out);
            }
            _ => self.answer(id, out),
        }
    }

    /// Answers the client with the newest of the replies the level was reached with.
    fn answer(&mut self, id: RequestId, out: &mut Vec<Output>) {
        let basis = &self.replies[..self.basis];
        let entry = basis.iter().fold(None, |best, (_, e)| newest(best, e.as_ref())).cloned();
        let heard_from = basis.iter().map(|(n, _)| *n).collect();
        out.push(Output::Reply { id, outcome: Outcome::Value { key: self.key.clone(), entry, heard_from } });
        self.answered = true;
    }

    /// Once answered and every replica replied: repairs what is left; says whether the request
    /// is done.
    fn finish_if_complete(&self, id: RequestId, out: &mut Vec<Output>) -> bool {
        let complete = self.answered && self.replies.len() == self.replicas.len();
        if complete {
            self.repair(id, out);
        }
        complete
    }

    /// Read repair: sends the newest version to every replica that answered with an older one
    /// or none, but those a blocking repair sent it already. A tombstone is repaired like any
    /// version, so a deleted key never comes back.
    fn repair(&self, id: RequestId, out: &mut Vec<Output>) {
        let Some((mut stale, best)) = stale_among(&self.replies) else { return };
        if let Some((repaired, version)) = &self.repaired {
            if *version == best.version {
                stale.retain(|n| !repaired.contains(n));
            }
        }
        if !stale.is_empty() {
            self.send_repair(id, best, stale, false, out);
        }
    }

    /// Sends `entry` to the `stale` replicas and tells the client; a blocking repair is
    /// acknowledged.
    fn send_repair(&self, id: RequestId, entry: Entry, stale: Vec<NodeId>, blocking: bool, out: &mut Vec<Output>) {
        for &to in &stale {
            let msg = Message::Repair { req: blocking.then_some(id), key: self.key.clone(), entry: entry.clone() };
            out.push(Output::Send { to, msg });
        }
        out.push(Output::Reply { id, outcome: Outcome::Repaired { key: self.key.clone(), entry, repaired: stale } });
    }
}

/// The replies older than the newest of `replies` (or holding none), with that newest version;
/// `None` when they agree.
fn stale_among(replies: &[(NodeId, Option<Entry>)]) -> Option<(Vec<NodeId>, Entry)> {
    let best = replies.iter().fold(None, |best, (_, e)| newest(best, e.as_ref()))?;
    let stale: Vec<NodeId> =
        replies.iter().filter(|(_, e)| e.as_ref().is_none_or(|e| e.version < best.version)).map(|(n, _)| *n).collect();
    (!stale.is_empty()).then(|| (stale, best.clone()))
}

impl SearchState {
    fn outcome(&self) -> Outcome {
        let replies = self
            .replies
            .iter()
            .enumerate()
            .map(|(node, reply)| SearchReply {
                node,
                replica: self.replicas.contains(node),
                answered: reply.is_some(),
                entry: reply.clone().flatten(),
            })
            .collect();
        Outcome::Searched { key: self.key.clone(), replies }
    }
}
