//! The node's loop: one `Node` fed with the wall clock, its timers, the lines typed on it and
//! the messages from its peers; what it outputs goes to the console, the timers and the links.
//! Each of its events ticks the node's vector clock and goes to the [`Tracer`].

use crate::app::clients::{Clients, Responder};
use crate::app::console::{Console, HELP};
use crate::app::outbound::Outbound;
use crate::app::timers::Timers;
use crate::app::tracer::Tracer;
use crate::app::wal::Wal;
use crate::app::{inbound, watch, Setup};
use kvplayground::model::message::{Message, RequestId};
use kvplayground::node::{Input, Node, Output, Timer};
use kvplayground::sim::node_log::StoreEntry;
use kvplayground::sim::trace::{TraceEvent, TraceKind, DROP_NODE_DOWN};
use kvplayground::{ClientResult, Command, Config, NodeId, Outcome, Time};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;

/// Something for the loop to handle (`Request`: a command from a client connection, and where
/// its answer goes).
pub enum Event {
    /// A message from a peer, sent at the peer's wall time `sent` with its clock `clock`.
    Deliver {
        from: NodeId,
        msg: Message,
        sent: Time,
        clock: Vec<u64>,
    },
    Timer(Timer),
    /// A line typed on the node's terminal, or sent by a watcher.
    Line(String),
    /// A page started watching the node (`--watch`).
    Watch(watch::Watcher),
    Request {
        line: String,
        client: Responder,
    },
    StdinClosed,
}

/// Request ids carry the node's index in their top 16 bits, so they are unique cluster-wide.
const ID_SHIFT: u32 = 48;

struct Driver {
    index: NodeId,
    config: Config,
    node: Node,
    outbound: Outbound,
    console: Console,
    started: Instant,
    next_request: u64,
    /// The command text of each open request.
    open: HashMap<RequestId, Rc<str>>,
    /// Messages this node sent to itself (and when), delivered before the next event.
    local: VecDeque<(Message, Time)>,
    /// The store on disk, with `--data`.
    wal: Option<Wal>,
    tracer: Tracer,
    /// The open requests that came from client connections.
    clients: Clients,
    timers: Timers,
}

pub async fn run(setup: Setup) -> Result<(), String> {
    let Setup { index, config, no_delay, seed, data, trace, watch } = setup;
    // Listening first: a second process for the same node stops here, before it touches the log.
    let listener = inbound::bind(&config.addresses[index], index).await?;
    let watchers = match &watch {
        Some(address) => Some(watch::bind(address).await?),
        None => None,
    };
    let mut node = Node::new(index, &config);
    let wal = match data {
        Some(dir) => {
            let (wal, entries) = Wal::open(&dir, index)?;
            eprintln!("n{index}: {} entries restored from {}", entries.len(), dir.display());
            node.restore(wall_clock(), entries);
            Some(wal)
        }
        None => None,
    };
    let mut tracer = Tracer::new(index, config.len());
    if let Some(path) = &trace {
        tracer.open_file(path, &tracer.hello(&config, wall_clock(), StoreEntry::all_of(&node)))?;
    }
    let (events, mut inbox) = mpsc::unbounded_channel();
    inbound::spawn_accept(listener, index, config.len(), events.clone());
    if let Some(listener) = watchers {
        watch::spawn_accept(listener, index, events.clone());
    }
    let mut driver = Driver {
        index,
        outbound: Outbound::start(&config, index, no_delay, seed),
        config,
        node,
        console: Console::start(index, events),
        started: Instant::now(),
        next_request: 0,
        open: HashMap::new(),
        local: VecDeque::new(),
        wal,
        tracer,
        clients: Clients::default(),
        timers: Timers::default(),
    };
    let mut out = Vec::new();
    driver.node.start(wall_clock(), &mut out);
    driver.absorb(&mut out);
    driver.console.prompt();
    loop {
        let event = tokio::select! {
            event = inbox.recv() => match event {
                Some(event) => event,
                None => break,
            },
            Some(timer) = driver.timers.next() => Event::Timer(timer),
        };
        let now = wall_clock();
        match event {
            Event::Deliver { from, msg, sent, clock } => {
                driver.tracer.deliver(now, from, &msg, sent, &clock);
                driver.node.handle(now, Input::Deliver { from, msg }, &mut out);
            }
            Event::Timer(timer) => {
                if let Timer::RequestTimeout { id } = timer {
                    // The request finished before its deadline: the timer is moot.
                    if !driver.open.contains_key(&id) {
                        continue;
                    }
                    driver.tracer.event(|| TraceEvent {
                        node: Some(index),
                        request: Some(id),
                        ..TraceEvent::new(now, TraceKind::Timeout)
                    });
                }
                driver.node.handle(now, Input::Timer(timer), &mut out);
                driver.absorb(&mut out);
                if let Timer::RequestTimeout { id } = timer {
                    driver.open.remove(&id);
                    driver.clients.close(id);
                }
            }
            Event::Line(line) => {
                if !driver.typed(now, line.trim(), &mut out) {
                    driver.tracer.flush();
                    return Ok(());
                }
                driver.console.prompt();
            }
            Event::Watch(watcher) => {
                let hello = driver.tracer.hello(&driver.config, now, StoreEntry::all_of(&driver.node));
                driver.tracer.watch(watcher, &hello);
            }
            Event::Request { line, client } => {
                let id = driver.new_request();
                driver.clients.open(id, client);
                driver.submit(now, id, line.trim(), &mut out);
            }
            // A server goes on serving its peers without a terminal, until it is stopped.
            Event::StdinClosed => {}
        }
        driver.absorb(&mut out);
    }
    Ok(())
}

impl Driver {
    /// Handles a line typed on the node; `false` to stop.
    fn typed(&mut self, now: Time, line: &str, out: &mut Vec<Output>) -> bool {
        match line {
            "" => {}
            "quit" | "exit" => return false,
            "help" => self.console.print(HELP),
            _ => {
                let id = self.new_request();
                self.submit(now, id, line, out);
            }
        }
        true
    }

    fn new_request(&mut self) -> RequestId {
        let id = ((self.index as u64) << ID_SHIFT) | self.next_request;
        self.next_request += 1;
        id
    }

    /// Starts request `id` for the command `line`, or answers it with the parse error.
    fn submit(&mut self, now: Time, id: RequestId, line: &str, out: &mut Vec<Output>) {
        let index = self.index;
        self.tracer.event(|| TraceEvent {
            node: Some(index),
            request: Some(id),
            text: Some(line.to_string()),
            ..TraceEvent::new(now, TraceKind::Command)
        });
        let text: Rc<str> = Rc::from(line);
        match Command::parse(line) {
            Ok(command) => {
                self.open.insert(id, text);
                self.node.handle(now, Input::Client { id, command }, out);
            }
            Err(e) => {
                self.print(Some(id), text, Outcome::Failed { error: e.to_string() });
                self.clients.close(id);
            }
        }
    }

    /// Carries out the node's outputs, then delivers what it sent to itself (and so on).
    fn absorb(&mut self, out: &mut Vec<Output>) {
        loop {
            self.persist(out);
            for output in out.drain(..) {
                match output {
                    Output::Send { to, msg } => self.send(to, msg),
                    Output::SetTimer { at, timer } => self.set_timer(at, timer),
                    Output::Reply { id, outcome } => {
                        let text = self.open.get(&id).cloned().unwrap_or_else(|| Rc::from(""));
                        self.print(Some(id), text, outcome);
                    }
                    Output::Finished { id } => {
                        self.open.remove(&id);
                        self.timers.cancel(id);
                        self.clients.close(id);
                    }
                    Output::StoreChanged { key, entry } => {
                        let node = self.index;
                        self.tracer.event(|| TraceEvent {
                            node: Some(node),
                            value: entry.as_ref().and_then(|e| e.value.clone()),
                            version: entry.as_ref().map(|e| e.version),
                            key: Some(key),
                            ..TraceEvent::new(wall_clock(), TraceKind::Store)
                        });
                    }
                }
            }
            let Some((msg, sent)) = self.local.pop_front() else { return };
            let (now, me) = (wall_clock(), self.index);
            // Its own clock has nothing new for it.
            self.tracer.deliver(now, me, &msg, sent, &[]);
            self.node.handle(now, Input::Deliver { from: me, msg }, out);
        }
    }

    /// Writes the store changes among `out` to the log, and waits until they are on disk, before
    /// any other output (an acknowledgement) is carried out. A node that cannot keep its store
    /// stops.
    fn persist(&mut self, out: &[Output]) {
        let Some(wal) = &mut self.wal else { return };
        for output in out {
            if let Output::StoreChanged { key, entry } = output {
                wal.push(key, entry);
            }
        }
        if let Err(e) = wal.sync() {
            eprintln!("kvnode: {e}");
            std::process::exit(1);
        }
    }

    /// Sends `msg` to `to` (itself: before the next event), or drops it if `to` is not
    /// connected.
    fn send(&mut self, to: NodeId, msg: Message) {
        let (now, me) = (wall_clock(), self.index);
        if to != me && !self.outbound.is_connected(to) {
            self.tracer.event(|| TraceEvent {
                text: Some(DROP_NODE_DOWN.into()),
                ..TraceEvent::message(now, TraceKind::Drop, me, to, &msg, now, None)
            });
            return;
        }
        let delay = if to == me { 0 } else { self.outbound.sample_delay(to) };
        // The clock ticks before the message takes it along.
        self.tracer.event(|| TraceEvent::message(now, TraceKind::Send, me, to, &msg, now, Some(now + delay)));
        if to == me {
            self.local.push_back((msg, now));
        } else {
            self.outbound.send(to, &msg, delay, now, self.tracer.clock());
        }
    }

    fn set_timer(&mut self, at: Time, timer: Timer) {
        self.timers.set(Duration::from_micros(at.saturating_sub(wall_clock())), timer);
    }

    /// Shows a result on the console, or sends it to the client that asked.
    fn print(&mut self, request: Option<RequestId>, command: Rc<str>, outcome: Outcome) {
        let (now, node) = (wall_clock(), self.index);
        self.tracer.event(|| TraceEvent {
            node: Some(node),
            request,
            text: Some(outcome.describe()),
            ..TraceEvent::new(now, TraceKind::Reply)
        });
        let time = self.started.elapsed().as_micros() as Time;
        let result = ClientResult { time, node, request, command, outcome };
        if !self.clients.answer(&result) {
            self.console.print_result(&result);
        }
    }
}

/// The node's clock: wall-clock microseconds since the UNIX epoch, as the original's
/// `time.time()` gave versions.
fn wall_clock() -> Time {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as Time)
}
