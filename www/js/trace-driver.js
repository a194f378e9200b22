// A driver fed by trace events instead of the wasm scheduler: a recorded trace replayed (a merged
// `kvsim merge` trace, or a plain `kvsim run --trace`), or a real cluster watched live
// (attach.js pushes each node's events as they arrive). It has the interface the session and
// the views read from Driver (driver.js), rebuilt from the events alone: stores from the initial
// stores plus `store` events, messages in flight from a `send` until its `deliver` or `drop`,
// results from `reply` events, nodes down from crash faults or a closed watch connection.
//
// `recorded` says, in words, why the simulation's own actions (faults, forks, lessons, history
// check) are off; `live` marks a real cluster (its clock follows real time); `send` exists only
// there. A step is every event of one time, as the wasm driver's step is every task of one event.

import { checkConfig, replicasOf } from './wasm.js';

const REPLAY_REASON = 'this is a recorded trace: faults, commands and the history check need the simulation (Back to the simulation)';
const LIVE_REASON = 'this is a real cluster: faults, time travel and the history check need the simulation (Detach)';
// The reply texts of a command that succeeded (src/model/outcome.rs Outcome::describe).
const OK_REPLY = /^(Get return:|\w+ successful|Executing repair|Server #\d+ returned|\(store is empty\)|.* => \()/;
const REPAIR_REPLY = /^Executing repair/;
// The fault lines that take a node down or bring it back.
const CRASH = /^crash (\d+)/;
const RESTART = /^restart (\d+)/;
// Events a live cluster's driver keeps (its export holds the latest of them).
const MAX_KEPT = 200_000;
// The text of the event the page records when a live node's watch connection ends.
const WATCH_CLOSED = 'watch connection closed';

export class TraceDriver {
  /**
   * `source`: {config (object), stores (per node: store entries, or null for empty), events
   * (trace events in time order; a live cluster's grow)}. `live`: {send(node, line), startTime}
   * for a real cluster. Throws a ConfigError for a config the core rejects.
   */
  constructor(source, live = null) {
    this.source = source;
    this.configText = JSON.stringify(source.config);
    this.checked = checkConfig(this.configText);
    this.config = this.checked.config;
    this.seed = this.config.seed ?? 0;
    this.live = live !== null;
    this.recorded = live ? LIVE_REASON : REPLAY_REASON;
    this.sender = live?.send;
    this.startTime = live?.startTime ?? 0;
    this.events = source.events;
    this.onNews = () => {}; // the session's: new events arrived (live)
    this.index = 0; // the next event to apply
    this.steps = 0;
    this.now = 0;
    this.stores = this.config.addresses.map((_, i) => new Map((source.stores?.[i] ?? []).map((entry) => [entry.key, entry])));
    this.flight = new Map(); // message identity -> its copies on the way, oldest first
    this.landed = new Map(); // message identity -> deliveries seen before their send (live)
    this.nextId = 0;
    this.down = new Set();
    this.commands = new Map(); // request -> the command's text, for results
    this.waiting = this.config.addresses.map(() => []); // per node: lines sent, waiting for their command event
    this.resolvers = new Map(); // request -> resolve, for send()
    this.trace = []; // every event applied
    this.traceIndex = 0; // handed out by drain()
    this.results = [];
  }

  get size() {
    return this.config.addresses.length;
  }

  /** The same trace from its start (a replay's reset and time travel). */
  restart() {
    return new TraceDriver(this.source);
  }

  /** Due time of the next event (µs), or undefined when nothing is left. */
  nextDue() {
    return this.events[this.index]?.time;
  }

  /** Applies every event of the next time; false when nothing is left. */
  step() {
    const due = this.nextDue();
    if (due === undefined) return false;
    while (this.events[this.index]?.time === due) this.apply(this.events[this.index++]);
    this.now = Math.max(this.now, due); // a live event can arrive late
    this.steps += 1;
    if (this.live) this.forgetOld();
    return true;
  }

  // A live cluster runs for as long as it likes: what was applied is never replayed, and only the
  // latest MAX_KEPT events are kept for the export.
  forgetOld() {
    if (this.index > MAX_KEPT / 2) {
      this.events.splice(0, this.index);
      this.index = 0;
    }
    if (this.trace.length > MAX_KEPT) {
      const dropped = this.trace.length - MAX_KEPT / 2;
      this.trace.splice(0, dropped);
      this.traceIndex = Math.max(0, this.traceIndex - dropped);
    }
  }

  runUntil(time) {
    for (let due = this.nextDue(); due !== undefined && due <= time; due = this.nextDue()) this.step();
  }

  runSteps(steps) {
    while (this.steps < steps && this.step());
  }

  /** Applies everything received; returns the time of the last event applied, if any. */
  runUntilQuiet() {
    let last;
    while (this.nextDue() !== undefined) {
      last = this.nextDue();
      this.step();
    }
    return last;
  }

  apply(e) {
    this.trace.push(e);
    const node = e.node;
    if (e.kind === 'command') {
      this.commands.set(e.request, e.text);
      const sent = this.waiting[node].findIndex((w) => w.line === e.text);
      if (sent >= 0) this.resolvers.set(e.request, this.waiting[node].splice(sent, 1)[0].resolve);
    } else if (e.kind === 'send') {
      const key = identity(e);
      if (this.landed.has(key)) this.forget(this.landed, key);
      else {
        if (!this.flight.has(key)) this.flight.set(key, []);
        this.flight.get(key).push(this.message(e));
      }
    } else if (e.kind === 'deliver' || e.kind === 'drop') {
      const key = identity(e);
      if (this.flight.has(key)) this.forget(this.flight, key);
      else this.landed.set(key, [...(this.landed.get(key) ?? []), e]); // its send is yet to come (live)
    } else if (e.kind === 'store') {
      if (e.version === undefined) this.stores[node].delete(e.key);
      else this.stores[node].set(e.key, { key: e.key, value: e.value ?? null, version: e.version });
    } else if (e.kind === 'reply') {
      this.reply(e);
    } else if (e.kind === 'fault') {
      const crash = CRASH.exec(e.text ?? '');
      const restart = RESTART.exec(e.text ?? '');
      if (crash) this.down.add(Number(crash[1]));
      if (restart) this.down.delete(Number(restart[1]));
      if (e.text?.startsWith(WATCH_CLOSED)) this.down.add(node);
    }
  }

  // Drops the oldest of `map`'s entries under `key`.
  forget(map, key) {
    const list = map.get(key);
    list.shift();
    if (!list.length) map.delete(key);
  }

  message(e) {
    this.nextId += 1;
    const { from, to, msg: kind, key, value, version, request, sent, due } = e;
    return { id: this.nextId, from, to, kind, key, value, version, request, sent: sent ?? e.time, due: due ?? e.time };
  }

  reply(e) {
    const result = {
      time: e.time,
      node: e.node,
      request: e.request ?? null,
      command: this.commands.get(e.request) ?? '',
      ok: OK_REPLY.test(e.text),
      text: e.text,
      fields: { result: REPAIR_REPLY.test(e.text) ? 'repair' : null },
      step: this.steps + 1,
    };
    this.results.push(result);
    const resolve = this.resolvers.get(e.request);
    if (resolve) {
      this.resolvers.delete(e.request);
      resolve(result);
    }
  }

  /**
   * A live cluster's new events (times already relative to the first hello), put in time order
   * among those not applied yet: the nodes' streams arrive on separate sockets.
   */
  receive(events) {
    for (const e of events) {
      let at = this.events.length;
      while (at > this.index && this.events[at - 1].time > e.time) at -= 1;
      this.events.splice(at, 0, e);
    }
    this.onNews();
  }

  /** A live node's watch connection ended: it is drawn down, and the event log says why. */
  markDown(node, time, why) {
    this.receive([{ time: Math.max(time, this.events.at(-1)?.time ?? 0), kind: 'fault', node, text: `${WATCH_CLOSED}: ${why}` }]);
  }

  /** Sends a command line to a live node; resolves with its first result. */
  send(node, line) {
    if (!this.sender) return Promise.reject(new Error(this.recorded));
    return new Promise((resolve) => {
      this.waiting[node].push({ line, resolve });
      this.sender(node, line);
    });
  }

  drain() {
    const trace = this.trace.slice(this.traceIndex);
    this.traceIndex = this.trace.length;
    const results = this.results;
    this.results = [];
    return { trace, results };
  }

  faults() {
    return {
      down: [...this.down].sort((a, b) => a - b),
      links: [],
      clock_skew_us: this.config.addresses.map(() => 0),
      hinted_handoff: Boolean(this.config.hinted_handoff),
      anti_entropy_period_us: null,
    };
  }

  inFlight() {
    return [...this.flight.values()].flat();
  }

  store(node) {
    return [...this.stores[node].values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  replicasOf(key) {
    return Array.from(replicasOf(this.configText, key));
  }

  /** The events shown so far as JSON lines (a live cluster's as the page received them, the latest MAX_KEPT). */
  traceJsonLines() {
    return this.trace.map((e) => JSON.stringify(e) + '\n').join('');
  }

  async shivizLog() {
    throw new Error('a ShiViz log of real nodes comes from kvsim merge --shiviz');
  }

  traceHash() {
    throw new Error('the trace hash is kvsim run --hash, for a simulated run');
  }

  get anomalyCount() {
    return 0;
  }

  anomalies() {
    return [];
  }

  /** The keys whose replicas disagree, as Driver.divergent says them (a promise, as there). */
  async divergent() {
    const keys = new Set(this.stores.flatMap((store) => [...store.keys()]));
    const found = [];
    for (const key of [...keys].sort()) {
      const replicas = this.replicasOf(key).map((node) => {
        const entry = this.stores[node].get(key);
        return [node, entry ? { value: entry.value, version: entry.version } : null];
      });
      const versions = new Set(replicas.map(([, entry]) => JSON.stringify(entry)));
      if (versions.size > 1) found.push({ key, replicas });
    }
    return found;
  }

  get isQuiet() {
    return this.flight.size === 0 && this.nextDue() === undefined;
  }

  historyOps() {
    return [];
  }

  get historyLength() {
    return 0;
  }

  historyEdn() {
    throw new Error(this.recorded);
  }

  check() {
    throw new Error(this.recorded);
  }

  dispose() {
    this.onDispose?.();
  }
}

// A message's identity, the same in its send and its deliver or drop (kvsim's ShiViz export
// matches on it too).
function identity(e) {
  return `${e.from}>${e.to} ${e.msg} ${e.sent ?? e.time} ${e.request ?? ''} ${e.key ?? ''} ${JSON.stringify(e.version ?? null)}`;
}
