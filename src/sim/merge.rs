//! `kvsim merge`: the traces of a cluster's real nodes (each a [`node_log`](crate::sim::node_log))
//! merged into one trace, as a simulated run would have recorded it.
//!
//! Each node's wall clock is its own, so wall times alone can put a delivery before its send.
//! The vector clocks say what happened before what: an event is taken only once every event of
//! another node it has seen (its clock's entry for that node) is taken, and its time becomes the
//! latest of its own wall time and the times of those events (so a delivery is never before its
//! send). Each node's own events keep their order. Times are then made relative to the earliest
//! time of any log, so a merged trace starts near 0 like a simulated one.

use crate::model::config::Config;
use crate::model::types::{NodeId, Time};
use crate::sim::node_log::{EventLine, HelloLine, NodeHello, StoreEntry, PROTOCOL};
use crate::sim::trace::{Trace, TraceEvent, TraceKind};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// One node's trace, read.
#[derive(Clone, Debug)]
pub struct NodeLog {
    /// Where it was read from, for errors.
    pub name: String,
    pub hello: NodeHello,
    /// Each event with the node's clock after it, in the order the node recorded them.
    pub events: Vec<(TraceEvent, Vec<u64>)>,
}

/// The merged trace of a cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct Merged {
    pub config: Config,
    /// The wall time (µs since the UNIX epoch) that times are relative to.
    pub origin_us: Time,
    /// Each node's store at its hello (empty for a node with no log).
    pub stores: Vec<Vec<StoreEntry>>,
    /// Ordered by time, causally consistent.
    pub events: Vec<TraceEvent>,
}

/// The first line of a merged trace: `{"merged": {...}}`.
#[derive(Serialize, Deserialize)]
struct Header {
    merged: HeaderBody,
}

#[derive(Serialize, Deserialize)]
struct HeaderBody {
    config: Config,
    origin_us: Time,
    stores: Vec<Vec<StoreEntry>>,
}

impl NodeLog {
    /// Reads a node's trace: a hello line, then event lines. Blank lines are skipped, and so is
    /// a last line cut short by a kill (no newline at its end, not readable). Errors name the
    /// file and the line.
    pub fn parse(name: &str, text: &str) -> Result<NodeLog, String> {
        let torn_tail = !text.is_empty() && !text.ends_with('\n');
        let lines: Vec<(usize, &str)> =
            text.lines().enumerate().map(|(i, l)| (i + 1, l)).filter(|(_, l)| !l.trim().is_empty()).collect();
        let Some(&(first, hello_line)) = lines.first() else {
            return Err(format!("{name}: empty: a node trace starts with a hello line"));
        };
        let hello: HelloLine<NodeHello> = serde_json::from_str(hello_line)
            .map_err(|e| format!("{name}:{first}: not a node hello ({e}); is this a `kvnode --trace` file?"))?;
        let hello = hello.hello;
        if hello.protocol != PROTOCOL {
            return Err(format!(
                "{name}:{first}: written by a node speaking protocol {}; this kvsim reads protocol {PROTOCOL}",
                hello.protocol
            ));
        }
        hello.config.validate().map_err(|e| format!("{name}:{first}: the hello's config: {e}"))?;
        let nodes = hello.config.len();
        if hello.node >= nodes {
            return Err(format!("{name}:{first}: node {} is not in the config (nodes 0 to {})", hello.node, nodes - 1));
        }
        check_clock(name, first, &hello.clock, nodes)?;
        let last = lines.last().map_or(0, |&(n, _)| n);
        let mut events = Vec::with_capacity(lines.len());
        for &(n, line) in &lines[1..] {
            let parsed = match serde_json::from_str::<EventLine>(line) {
                Ok(parsed) => parsed,
                Err(_) if torn_tail && n == last => break,
                Err(e) => return Err(format!("{name}:{n}: not a node event line ({e})")),
            };
            check_clock(name, n, &parsed.clock, nodes)?;
            match owner(&parsed.event) {
                Some(owner) if owner == hello.node => {}
                other => {
                    let whose = other.map_or("no node's".to_string(), |o| format!("node {o}'s"));
                    return Err(format!("{name}:{n}: {whose} event in the trace of node {}", hello.node));
                }
            }
            events.push((parsed.event, parsed.clock));
        }
        Ok(NodeLog { name: name.to_string(), hello, events })
    }
}

fn check_clock(name: &str, line: usize, clock: &[u64], nodes: usize) -> Result<(), String> {
    if clock.len() == nodes {
        Ok(())
    } else {
        Err(format!("{name}:{line}: a clock of {} entries, but the cluster has {nodes} nodes", clock.len()))
    }
}

/// The node that recorded an event: the sender of a send or drop, the receiver of a delivery.
fn owner(e: &TraceEvent) -> Option<NodeId> {
    match e.kind {
        TraceKind::Send | TraceKind::Drop | TraceKind::Hold => e.from,
        TraceKind::Deliver => e.to,
        _ => e.node,
    }
}

/// Merges the traces of distinct nodes of one cluster.
pub fn merge(logs: &[NodeLog]) -> Result<Merged, String> {
    let Some(first) = logs.first() else { return Err("no node traces to merge".into()) };
    let config = first.hello.config.clone();
    let nodes = config.len();
    let mut by_node: Vec<Option<&NodeLog>> = vec![None; nodes];
    for log in logs {
        if log.hello.config != config {
            return Err(format!(
                "{} and {} are not of one cluster: their configs differ (merge the traces of one run)",
                first.name, log.name
            ));
        }
        if let Some(other) = by_node[log.hello.node] {
            return Err(format!(
                "{} and {} are both traces of node {}: give one trace per node",
                other.name, log.name, log.hello.node
            ));
        }
        by_node[log.hello.node] = Some(log);
    }
    let origin_us = logs
        .iter()
        .flat_map(|log| std::iter::once(log.hello.time).chain(log.events.iter().map(|(e, _)| e.time)))
        .min()
        .unwrap_or(0);
    let mut events = causal_order(&by_node);
    // Ties and the rare fallback of `causal_order` aside, the order is already by time.
    events.sort_by_key(|e| e.time);
    for e in &mut events {
        e.time -= origin_us.min(e.time);
        e.sent = e.sent.map(|t| t.saturating_sub(origin_us));
        e.due = e.due.map(|t| t.saturating_sub(origin_us));
    }
    let stores = by_node.iter().map(|log| log.map(|l| l.hello.store.clone()).unwrap_or_default()).collect();
    Ok(Merged { config, origin_us, stores, events })
}

/// Takes the nodes' events one at a time: of the events whose causal past is taken, the one
/// with the earliest time. Each event's time is raised to the times of its causal past.
fn causal_order(by_node: &[Option<&NodeLog>]) -> Vec<TraceEvent> {
    let nodes = by_node.len();
    let mut queues: Vec<VecDeque<&(TraceEvent, Vec<u64>)>> =
        by_node.iter().map(|log| log.map(|l| l.events.iter().collect()).unwrap_or_default()).collect();
    // The highest own clock entry in each node's log: an event that has seen more of a node
    // (a part of its log lost in a kill) waits for no more than the whole log.
    let last: Vec<u64> =
        (0..nodes).map(|n| by_node[n].and_then(|l| l.events.last()).map_or(0, |(_, clock)| clock[n])).collect();
    // Per node, the own clock entry and the merged time of each event taken so far.
    let mut taken: Vec<Vec<(u64, Time)>> = vec![Vec::new(); nodes];
    let mut done: Vec<u64> = (0..nodes).map(|n| by_node[n].map_or(0, |l| l.hello.clock[n])).collect();
    let mut out = Vec::with_capacity(queues.iter().map(VecDeque::len).sum());
    loop {
        let is_ready = |node: NodeId, clock: &[u64]| {
            (0..nodes).all(|i| i == node || by_node[i].is_none() || clock[i].min(last[i]) <= done[i])
        };
        let heads = (0..nodes).filter_map(|n| queues[n].front().map(|&(e, clock)| (n, e, clock)));
        let ready = heads.clone().filter(|&(n, _, clock)| is_ready(n, clock));
        let time_of = |(n, e, clock): (NodeId, &TraceEvent, &Vec<u64>)| (merged_time(n, e, clock, &taken), n);
        // A restarted node starts its clock again, so its peers' clocks can wait on events that
        // never come: then the earliest head goes first.
        let Some((time, node)) = ready.map(time_of).min().or_else(|| heads.map(time_of).min()) else { break };
        let (event, clock) = queues[node].pop_front().expect("a head was found");
        taken[node].push((clock[node], time));
        done[node] = clock[node];
        out.push(TraceEvent { time, ..event.clone() });
    }
    out
}

/// An event's time in the merged trace: the latest of its wall time, its node's previous
/// event, every taken event its clock has seen, and (for a delivery) the send's time.
fn merged_time(node: NodeId, e: &TraceEvent, clock: &[u64], taken: &[Vec<(u64, Time)>]) -> Time {
    let mut time = e.time.max(taken[node].last().map_or(0, |&(_, t)| t));
    if e.kind == TraceKind::Deliver {
        time = time.max(e.sent.unwrap_or(0));
    }
    for (i, seen) in taken.iter().enumerate() {
        // The last taken event of node i that this event has seen.
        let upto = seen.partition_point(|&(counter, _)| counter <= clock[i]);
        if let Some(&(_, t)) = upto.checked_sub(1).and_then(|k| seen.get(k)) {
            time = time.max(t);
        }
    }
    time
}

impl Merged {
    /// The header line, then one line per event.
    pub fn to_json_lines(&self) -> String {
        let header = Header {
            merged: HeaderBody { config: self.config.clone(), origin_us: self.origin_us, stores: self.stores.clone() },
        };
        let mut out = serde_json::to_string(&header).expect("a header serialises");
        out.push('\n');
        for event in &self.events {
            out.push_str(&serde_json::to_string(event).expect("trace events serialise"));
            out.push('\n');
        }
        out
    }

    /// The events as a [`Trace`], for the ShiViz export.
    pub fn trace(&self) -> Trace {
        let mut trace = Trace::new(true);
        for event in &self.events {
            trace.record_event(event);
        }
        trace
    }
}

#[cfg(test)]
mod tests;
