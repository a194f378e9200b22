//! The node's vector clock and its trace (`--trace FILE`, and the pages of `--watch`): every
//! event the driver reports ticks the clock; when someone records, the event becomes a node
//! event line (kvplayground::sim::node_log), written to the file and queued for each watcher.
//! With nobody recording, no event is built.

use crate::app::watch::{Watcher, Watchers};
use kvplayground::model::message::Message;
use kvplayground::sim::node_log::{EventLineRef, NodeHello, StoreEntry, PROTOCOL};
use kvplayground::sim::trace::{TraceEvent, TraceKind};
use kvplayground::{Config, NodeId, Time};
use std::cell::RefCell;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::rc::{Rc, Weak};
use std::time::Duration;

/// Stopped by SIGTERM (scripts/cluster.sh) or SIGINT (Ctrl-C), the node flushes its trace and
/// exits with the usual status for the signal (128 + its number).
#[cfg(unix)]
fn flush_on_signals(file: Weak<RefCell<BufWriter<File>>>) {
    use tokio::signal::unix::{signal, SignalKind};
    for (kind, number) in [(SignalKind::terminate(), 15), (SignalKind::interrupt(), 2)] {
        let Ok(mut signals) = signal(kind) else { continue };
        let file = file.clone();
        tokio::task::spawn_local(async move {
            signals.recv().await;
            if let Some(file) = file.upgrade() {
                file.borrow_mut().flush().ok();
            }
            std::process::exit(128 + number);
        });
    }
}

/// How often the trace file is flushed: a killed node loses at most this much of its trace.
const FLUSH_EVERY: Duration = Duration::from_millis(100);

pub struct Tracer {
    index: NodeId,
    clock: Vec<u64>,
    file: Option<Rc<RefCell<BufWriter<File>>>>,
    watchers: Watchers,
}

impl Tracer {
    pub fn new(index: NodeId, nodes: usize) -> Tracer {
        Tracer { index, clock: vec![0; nodes], file: None, watchers: Watchers::default() }
    }

    /// Starts writing the trace to `path` (created or emptied), beginning with `hello`, flushed
    /// every [`FLUSH_EVERY`].
    pub fn open_file(&mut self, path: &Path, hello: &NodeHello) -> Result<(), String> {
        let fail = |e: std::io::Error| format!("cannot write the trace {}: {e}", path.display());
        let mut file = BufWriter::new(File::create(path).map_err(fail)?);
        writeln!(file, "{}", hello.to_line()).and_then(|()| file.flush()).map_err(fail)?;
        let file = Rc::new(RefCell::new(file));
        let flushed = Rc::downgrade(&file);
        tokio::task::spawn_local(async move {
            let mut every = tokio::time::interval(FLUSH_EVERY);
            loop {
                every.tick().await;
                let Some(file) = flushed.upgrade() else { return };
                let flushed = file.borrow_mut().flush();
                if let Err(e) = flushed {
                    eprintln!("kvnode: the trace stopped: {e}");
                    return;
                }
            }
        });
        #[cfg(unix)]
        flush_on_signals(Rc::downgrade(&file));
        self.file = Some(file);
        Ok(())
    }

    /// The hello of this node's trace, with `store` as it is now.
    pub fn hello(&self, config: &Config, now: Time, store: Vec<StoreEntry>) -> NodeHello {
        NodeHello {
            protocol: PROTOCOL,
            node: self.index,
            config: config.clone(),
            time: now,
            clock: self.clock.clone(),
            store,
        }
    }

    /// Adds a watcher, who gets `hello` first and then every event.
    pub fn watch(&mut self, watcher: Watcher, hello: &NodeHello) {
        self.watchers.add(watcher, hello.to_line());
    }

    pub fn clock(&self) -> &[u64] {
        &self.clock
    }

    fn is_recording(&self) -> bool {
        self.file.is_some() || !self.watchers.is_empty()
    }

    /// Ticks the clock for an event, and records the event `make` builds if someone records.
    pub fn event(&mut self, make: impl FnOnce() -> TraceEvent) {
        self.clock[self.index] += 1;
        if !self.is_recording() {
            return;
        }
        let line: Rc<str> = Rc::from(EventLineRef { event: &make(), clock: &self.clock }.to_line());
        if let Some(file) = &self.file {
            let mut file = file.borrow_mut();
            if let Err(e) = writeln!(file, "{line}") {
                eprintln!("kvnode: the trace stopped: {e}");
                drop(file);
                self.file = None;
            }
        }
        self.watchers.push(&line);
    }

    /// A message from `from` arrived: the clock takes in the sender's, then ticks.
    pub fn deliver(&mut self, now: Time, from: NodeId, msg: &Message, sent: Time, clock: &[u64]) {
        for (mine, theirs) in self.clock.iter_mut().zip(clock) {
            *mine = (*mine).max(*theirs);
        }
        let to = self.index;
        self.event(|| TraceEvent::message(now, TraceKind::Deliver, from, to, msg, sent, None));
    }

    /// Writes out what is buffered (at the end of the node).
    pub fn flush(&self) {
        if let Some(file) = &self.file {
            file.borrow_mut().flush().ok();
        }
    }
}
