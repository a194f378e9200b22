//! Export of a trace as a ShiViz log (<https://bestchai.bitbucket.io/shiviz/>): one event per
//! two lines, `host {"host": clock, ...}` and a description, with vector clocks computed from
//! the trace. Paste the log into ShiViz with the parser regex [`SHIVIZ_REGEX`].
//!
//! Every event a node takes part in ticks its own entry: a command typed on it, a message it
//! sends (also one the network then loses), a delivery to it, a store change, a reply, a
//! deadline, a fault about it. A delivery first merges the clock the sender had when it sent.
//! What the network alone does (releasing a held message, dropping one on arrival) is no event.

use crate::model::config::MAX_NODES;
use crate::model::message::MessageKind;
use crate::model::types::{format_time, Key, NodeId, Time, Version};
use crate::sim::event::is_new_send;
use crate::sim::trace::{Trace, TraceEvent, TraceKind, SEND_DUPLICATE};
use rustc_hash::FxHashMap;
use std::collections::VecDeque;
use std::fmt::Write as _;

/// The regex to paste into ShiViz's "log parsing regular expression" box.
pub const SHIVIZ_REGEX: &str = r"(?<host>\S*) (?<clock>{.*})\n(?<event>.*)";

/// What identifies a message in the trace: its send and its delivery carry the same fields.
type MessageKey = (NodeId, NodeId, Time, Option<MessageKind>, Option<u64>, Option<Key>, Option<Version>);

fn message_key(e: &TraceEvent) -> MessageKey {
    (e.from.unwrap_or(0), e.to.unwrap_or(0), e.sent.unwrap_or(0), e.msg, e.request, e.key.clone(), e.version)
}

/// The trace as a ShiViz log.
pub fn shiviz_log(trace: &Trace) -> String {
    let mut writer = ShivizWriter::default();
    for e in trace.events() {
        writer.push(&e);
    }
    writer.take()
}

/// The ShiViz log of a trace given as JSON lines (`kvsim run --trace`, the page's
/// `traceJsonLines()`): the [`shiviz_log`] of the trace they were written from. Blank lines are
/// skipped; an error names the line that is no trace event.
pub fn shiviz_of_json_lines(text: &str) -> Result<String, String> {
    let mut writer = ShivizWriter::default();
    for (i, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let event: TraceEvent = serde_json::from_str(line)
            .map_err(|e| format!("trace line {}: {e}: expected a trace event as JSON", i + 1))?;
        // The log keeps a clock of every node for every node: a node number past a cluster's
        // largest would ask for gigabytes.
        if let Some(node) = [event.node, event.from, event.to].into_iter().flatten().find(|&n| n >= MAX_NODES) {
            return Err(format!(
                "trace line {}: node {node}: a cluster has at most {MAX_NODES} nodes, numbered from 0",
                i + 1
            ));
        }
        writer.push(&event);
    }
    Ok(writer.take())
}

/// Writes a ShiViz log as a run goes, one trace event at a time: what it keeps is the clocks and
/// the messages on their way, not the events, so a long run streams in bounded memory.
#[derive(Default)]
pub struct ShivizWriter {
    log: Log,
    /// The sender's clock of each message on its way, oldest first (identical messages are
    /// interchangeable).
    in_flight: FxHashMap<MessageKey, VecDeque<Vec<u64>>>,
}

impl ShivizWriter {
    /// Adds the ShiViz events of one trace event (none for what the network alone does).
    pub fn push(&mut self, e: &TraceEvent) {
        let (from, to) = (e.from.unwrap_or(0), e.to.unwrap_or(0));
        self.log.grow(e.node.unwrap_or(0).max(from).max(to) + 1);
        let (log, in_flight) = (&mut self.log, &mut self.in_flight);
        let reason = e.text.as_deref();
        match e.kind {
            TraceKind::Drop if is_new_send(e.kind, reason) => {
                let why = reason.unwrap_or_default();
                log.event(from, e.time, &format!("send {} to n{to}, lost ({why})", describe(e)));
            }
            TraceKind::Send | TraceKind::Hold if is_new_send(e.kind, reason) => {
                let held = if e.kind == TraceKind::Hold { " (held on the link)" } else { "" };
                let clock = log.event(from, e.time, &format!("send {} to n{to}{held}", describe(e)));
                in_flight.entry(message_key(e)).or_default().push_back(clock);
            }
            TraceKind::Send if reason == Some(SEND_DUPLICATE) => {
                let queue = in_flight.entry(message_key(e)).or_default();
                if let Some(clock) = queue.back().cloned() {
                    queue.push_back(clock);
                }
            }
            // A held message released: its send was the hold.
            TraceKind::Send | TraceKind::Hold => {}
            TraceKind::Drop => {
                take_sent(in_flight, e);
            }
            TraceKind::Deliver => {
                if let Some(sent) = take_sent(in_flight, e) {
                    for (mine, theirs) in log.clocks[to].iter_mut().zip(sent) {
                        *mine = (*mine).max(theirs);
                    }
                }
                log.event(to, e.time, &format!("deliver {} from n{from}", describe(e)));
            }
            TraceKind::Command
            | TraceKind::Reply
            | TraceKind::Timeout
            | TraceKind::Store
            | TraceKind::Fault
            | TraceKind::Anomaly => {
                if let Some(node) = e.node {
                    log.event(node, e.time, &local_description(e));
                }
            }
        }
    }

    /// The log written since the last call.
    pub fn take(&mut self) -> String {
        std::mem::take(&mut self.log.out)
    }
}

/// The oldest sender's clock of the message `e` is about, forgetting it (and its key, once no
/// copy is left on its way).
fn take_sent(in_flight: &mut FxHashMap<MessageKey, VecDeque<Vec<u64>>>, e: &TraceEvent) -> Option<Vec<u64>> {
    let key = message_key(e);
    let queue = in_flight.get_mut(&key)?;
    let sent = queue.pop_front();
    if queue.is_empty() {
        in_flight.remove(&key);
    }
    sent
}

#[derive(Default)]
struct Log {
    clocks: Vec<Vec<u64>>,
    out: String,
}

impl Log {
    /// Makes room for nodes `0..nodes`.
    fn grow(&mut self, nodes: usize) {
        if nodes > self.clocks.len() {
            for clock in &mut self.clocks {
                clock.resize(nodes, 0);
            }
            self.clocks.resize(nodes, vec![0; nodes]);
        }
    }

    /// Ticks `node`'s clock, writes the event, and returns the clock.
    fn event(&mut self, node: NodeId, time: Time, description: &str) -> Vec<u64> {
        self.clocks[node][node] += 1;
        let clock = &self.clocks[node];
        let entries: Vec<String> =
            clock.iter().enumerate().filter(|(_, &c)| c > 0).map(|(n, c)| format!("\"n{n}\":{c}")).collect();
        let description = description.replace(['\n', '\r'], " / ");
        writeln!(self.out, "n{node} {{{}}}\n[{} s] {description}", entries.join(","), format_time(time)).ok();
        clock.clone()
    }
}

/// A message in a few words: `write 5 = hello (request 3)`.
fn describe(e: &TraceEvent) -> String {
    let kind = e.msg.and_then(|k| serde_json::to_value(k).ok()).and_then(|v| v.as_str().map(String::from));
    let mut s = format!("{} {}", kind.unwrap_or_default(), e.key.as_deref().unwrap_or(""));
    match (&e.value, e.version) {
        (Some(v), Some(version)) => write!(s, " = {v} ({version})").ok(),
        (None, Some(version)) => write!(s, " = tombstone ({version})").ok(),
        _ => None,
    };
    if let Some(request) = e.request {
        write!(s, " (request {request})").ok();
    }
    s
}

fn local_description(e: &TraceEvent) -> String {
    let text = e.text.as_deref().unwrap_or("");
    let request = e.request.map(|r| format!(" (request {r})")).unwrap_or_default();
    match e.kind {
        TraceKind::Command => format!("command: {text}{request}"),
        TraceKind::Reply => format!("reply{request}: {text}"),
        TraceKind::Timeout => format!("deadline passed{request}"),
        TraceKind::Fault => format!("fault: {text}"),
        TraceKind::Anomaly => format!("anomaly{request}: {text}"),
        _ => match (&e.value, e.version) {
            (Some(v), Some(version)) => format!("store {} = {v} ({version})", e.key.as_deref().unwrap_or("")),
            (None, Some(version)) => format!("store {} = tombstone ({version})", e.key.as_deref().unwrap_or("")),
            _ => format!("purge tombstone of {}", e.key.as_deref().unwrap_or("")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::Config;
    use crate::sim::simulation::Simulation;

    /// Parses the log back: `(host, clock)` per event.
    fn parse(log: &str) -> Vec<(String, serde_json::Map<String, serde_json::Value>)> {
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines.len() % 2, 0, "two lines per event");
        lines
            .chunks(2)
            .map(|pair| {
                let (host, clock) = pair[0].split_once(' ').expect("host and clock");
                let clock: serde_json::Value = serde_json::from_str(clock).expect("the clock is JSON");
                (host.to_string(), clock.as_object().cloned().expect("an object"))
            })
            .collect()
    }

    #[test]
    fn clocks_tick_locally_and_merge_on_delivery() {
        let config = Config::from_json(
            r#"{"addresses": ["a", "b"], "avg_delays": [[0, 1], [1, 0]], "replication_factor": 1, "delay_distribution": "constant"}"#,
        )
        .unwrap();
        let mut sim = Simulation::new(&config, 1);
        // Key 2's replica is whichever node it hashes to; write from the other one.
        let replica = crate::model::placement::Replicas::of("k", 2, 1).iter().next().unwrap();
        let coordinator = 1 - replica;
        sim.schedule(0, coordinator, "insert k v ALL").unwrap();
        sim.run_until_quiet();
        let events = parse(&shiviz_log(sim.trace()));
        let (c, r) = (format!("n{coordinator}"), format!("n{replica}"));
        let hosts: Vec<&str> = events.iter().map(|(h, _)| h.as_str()).collect();
        // command, send write; deliver, store, send ack; deliver ack, reply.
        assert_eq!(hosts, [&c, &c, &r, &r, &r, &c, &c]);
        let at = |i: usize, host: &str| events[i].1.get(host).and_then(|v| v.as_u64()).unwrap_or(0);
        assert_eq!((at(2, &c), at(2, &r)), (2, 1), "the delivery merges the sender's clock at send");
        assert_eq!((at(5, &c), at(5, &r)), (3, 3), "the ack carries the replica's clock back");
        assert_eq!(at(6, &c), 4);
    }

    #[test]
    fn the_log_of_a_trace_read_back_from_json_lines_is_the_log_of_the_trace() {
        let scenario =
            crate::sim::scenario::Scenario::parse(include_str!("../../examples/partition.scenario.json")).unwrap();
        let sim = scenario.run();
        let trace = sim.trace();
        assert!(trace.len() > 20);
        assert_eq!(shiviz_of_json_lines(&trace.to_json_lines()), Ok(shiviz_log(trace)));
        let error = shiviz_of_json_lines("\n{\"time\": 1}\n").unwrap_err();
        assert!(error.starts_with("trace line 2: "), "{error}");
        // A node number no cluster has is refused, not given a clock of its own.
        let huge = r#"{"time":1,"kind":"send","from":0,"to":50000,"msg":"read","sent":1,"due":2}"#;
        assert_eq!(
            shiviz_of_json_lines(huge),
            Err("trace line 1: node 50000: a cluster has at most 256 nodes, numbered from 0".to_string())
        );
    }
}
