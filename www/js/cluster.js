// The running cluster: one KvNode instance per server, the seeded KvScheduler, and a Pacer (a
// gloo timer in wasm) that wakes us when the next message is due. Virtual time runs with the
// wall clock, scaled by `speed`, while playing; every message crosses the JS event loop.
//
// Listeners get {type: 'step', trace, results} after events are processed, and
// {type: 'clock'} when play/pause/speed change.
//
// Faults go through the scheduler's queue like commands. Those that change a node (restart,
// clock skew) come back out of `scheduler.pop()` as envelopes for that node, and
// `KvNode.handle` applies them: the loop below needs nothing special, and applies them exactly
// where `kvsim` does.

import init, {
  KvNode,
  KvScheduler,
  Pacer,
  validateConfig,
  replicasOf,
  scenarioJson,
} from '../pkg/kvplayground.js';

/** Virtual seconds per wall second at 1x: the original's delays are seconds, watchable as is. */
export const DEFAULT_SPEED = 1;
export const MIN_SPEED = 0.1;
export const MAX_SPEED = 100;

let wasmReady = null;
/** Loads the wasm module once. */
export function loadWasm() {
  wasmReady ??= init();
  return wasmReady;
}

/** A config the core rejected: `field` names what is wrong (e.g. `avg_delays[1][0]`). */
export class ConfigError extends Error {
  constructor(field, message) {
    super(`invalid config: ${field}: ${message}`);
    this.field = field;
    this.detail = message;
  }
}

/** Validates config text; returns {config, replicationFactor, requestTimeoutUs} or throws ConfigError. */
export function checkConfig(configText) {
  const checked = validateConfig(configText);
  if (!checked.ok) throw new ConfigError(checked.field, checked.message);
  return {
    config: checked.config,
    replicationFactor: checked.replication_factor,
    requestTimeoutUs: checked.request_timeout_us,
  };
}

export class Cluster {
  /** Throws ConfigError for a bad config; nothing is created then. */
  constructor(configText, seed) {
    const checked = checkConfig(configText);
    this.configText = JSON.stringify(checked.config);
    this.config = checked.config;
    this.replicationFactor = checked.replicationFactor;
    this.requestTimeoutUs = checked.requestTimeoutUs;
    this.seed = seed;
    this.scheduler = new KvScheduler(this.configText, seed);
    this.nodes = this.config.addresses.map((_, i) => new KvNode(this.configText, i));
    for (const node of this.nodes) this.scheduler.absorb(node.start(0)); // periodic timers
    this.pacer = new Pacer();
    this.speed = DEFAULT_SPEED;
    this.playing = false;
    this.pausedAt = 0; // virtual µs, while paused
    this.baseWall = 0;
    this.baseVirtual = 0;
    this.traceIndex = 0;
    this.actionLog = []; // {time (µs), line}: every command and fault, replays the run with kvsim
    this.listeners = new Set();
    this.waiters = new Map(); // request id -> resolve, for run()
  }

  get size() {
    return this.nodes.length;
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event) {
    for (const listener of this.listeners) listener(event);
  }

  /** Virtual time now, in µs. */
  now() {
    if (!this.playing) return this.pausedAt;
    return this.baseVirtual + (performance.now() - this.baseWall) * 1000 * this.speed;
  }

  play() {
    if (this.playing) return;
    this.baseVirtual = this.pausedAt;
    this.baseWall = performance.now();
    this.playing = true;
    this.arm();
    this.emit({ type: 'clock' });
  }

  pause() {
    if (!this.playing) return;
    this.pausedAt = this.now();
    this.playing = false;
    this.pacer.cancel();
    this.emit({ type: 'clock' });
  }

  setSpeed(speed) {
    if (!(speed >= MIN_SPEED && speed <= MAX_SPEED)) {
      throw new RangeError(`speed ${speed} must be from ${MIN_SPEED} to ${MAX_SPEED}`);
    }
    const now = this.now();
    this.baseVirtual = now;
    this.pausedAt = now;
    this.baseWall = performance.now();
    this.speed = speed;
    this.arm();
    this.emit({ type: 'clock' });
  }

  /** Types `command` on `node` now. Resolves with the command's first result. */
  run(node, command) {
    if (!Number.isInteger(node) || node < 0 || node >= this.size) {
      return Promise.reject(new RangeError(`there is no node ${node}: nodes are 0 to ${this.size - 1}`));
    }
    const time = this.actionTime();
    const id = this.scheduler.scheduleCommand(time, node, String(command));
    this.actionLog.push({ time, line: `${node} ${String(command).trim()}` });
    const result = new Promise((resolve) => this.waiters.set(id, resolve));
    this.catchUp();
    this.arm();
    return result;
  }

  /**
   * Applies a fault line now (e.g. `crash 2`, `restart 2 keep`, `cut 0-1`, `partition 0,1 | 2,3`,
   * `heal`, `loss 0-2 0.3`, `skew 1 -500`; a `<node> <command>` line works too). Returns the
   * canonical line as logged. Throws an Error naming the problem (with the usage) for a bad
   * line; nothing changes then.
   */
  fault(line) {
    const time = this.actionTime();
    const scheduled = this.scheduler.scheduleLine(time, String(line));
    this.actionLog.push({ time, line: scheduled.line });
    this.catchUp();
    this.arm();
    return scheduled.line;
  }

  /**
   * Schedules timed script lines (`<time_ms> <node> <command>` or `<time_ms> <fault>`, as in a
   * scenario's `script`) at their times, e.g. to replay a shared scenario. Throws at the first
   * bad line, naming it; the lines before it stay scheduled.
   */
  replay(lines) {
    for (const [i, line] of lines.entries()) {
      let scheduled;
      try {
        scheduled = this.scheduler.scheduleTimedLine(String(line));
      } catch (e) {
        throw new Error(`line ${i + 1}: ${e.message}`);
      }
      const [ms, ...action] = scheduled.line.split(' ');
      this.actionLog.push({ time: Math.round(Number(ms) * 1000), line: action.join(' ') });
    }
    this.catchUp();
    this.arm();
  }

  /** The nodes that are down (crashed, not restarted). */
  downNodes() {
    return Array.from(this.scheduler.downNodes());
  }

  /** Links that are not plainly up: [{from, to, state, loss, duplicate, extra_delay_us, jitter_us}]. */
  links() {
    return this.scheduler.links();
  }

  /** Delivers exactly one event (the next due), moving the clock to it. False when nothing is left. */
  step() {
    const due = this.scheduler.nextDue();
    if (due === undefined) return false;
    if (this.playing) this.pause();
    this.pausedAt = Math.max(this.pausedAt, due);
    this.deliverNext();
    this.flush();
    return true;
  }

  /** Processes everything left but background anti-entropy, however far in virtual time; the clock ends at the last event. */
  runUntilQuiet() {
    let last = this.now();
    // Anti-entropy never runs out: stop when only it is left.
    while (!this.scheduler.isQuiet) {
      last = Math.max(last, this.scheduler.nextDue());
      this.deliverNext();
    }
    if (this.playing) {
      this.baseVirtual = last;
      this.baseWall = performance.now();
    } else {
      this.pausedAt = last;
    }
    this.flush();
  }

  /** Sets what a link does with new messages: 'up', 'hold' or 'drop'. */
  setLink(from, to, state) {
    this.scheduler.setLink(from, to, state);
    this.flush();
    this.arm();
  }

  /** Messages on their way: [{id, from, to, kind, key, value, version, request, sent, due}]. */
  inFlight() {
    return this.scheduler.inFlight();
  }

  /** A node's store: [{key, value (null = tombstone), version: {timestamp, node}}]. */
  store(node) {
    return this.nodes[node].store();
  }

  replicasOf(key) {
    return Array.from(replicasOf(this.configText, key));
  }

  /** The run as JSON lines, as `kvsim run --trace` prints it. */
  traceJsonLines() {
    return this.scheduler.traceJsonLines();
  }

  /** The commands and faults so far as kvsim script lines (times in ms, exact to the µs). */
  scriptLines() {
    return this.actionLog.map((a) => `${(a.time / 1000).toFixed(3)} ${a.line}`);
  }

  /** The commands and faults so far as a kvsim script. */
  script() {
    return this.scriptLines().join('\n') + '\n';
  }

  /** The run so far as a scenario file (JSON text) for `kvsim run --scenario` or sharing. */
  scenario() {
    return scenarioJson(this.configText, this.seed, this.scriptLines());
  }

  /** The trace's stable hash, as `kvsim run --hash` prints it. */
  traceHash() {
    return this.scheduler.traceHash();
  }

  /** The run as a ShiViz log (vector clocks); paste it into ShiViz with the README's regex. */
  shivizLog() {
    return this.scheduler.shivizLog();
  }

  /** Releases the wasm objects; the cluster is unusable afterwards. */
  dispose() {
    this.pacer.cancel();
    this.listeners.clear();
    for (const node of this.nodes) node.free();
    this.scheduler.free();
    this.pacer.free();
  }

  // Virtual time for a new action: now, but never before the last event.
  actionTime() {
    return Math.max(Math.floor(this.now()), this.scheduler.now);
  }

  // Delivers every event due by now, in the scheduler's order.
  catchUp() {
    const now = this.now();
    for (let due = this.scheduler.nextDue(); due !== undefined && due <= now; due = this.scheduler.nextDue()) {
      this.deliverNext();
    }
    this.flush();
  }

  deliverNext() {
    const envelope = this.scheduler.pop();
    if (envelope === undefined) return;
    const node = this.nodes[envelope.node];
    this.scheduler.absorb(node.handle(envelope));
  }

  // Arms the pacer for the next due event, so it is delivered after its (scaled) delay.
  arm() {
    this.pacer.cancel();
    if (!this.playing) return;
    const due = this.scheduler.nextDue();
    if (due === undefined) return;
    const delayMs = Math.max(0, (due - this.now()) / 1000 / this.speed);
    this.pacer.arm(delayMs, () => {
      this.catchUp();
      this.arm();
    });
  }

  // Tells listeners what happened since the last flush and resolves waiting run() calls.
  flush() {
    const length = this.scheduler.traceLength;
    const trace = length > this.traceIndex ? this.scheduler.traceSince(this.traceIndex) : [];
    this.traceIndex = length;
    const results = this.scheduler.takeResults();
    for (const result of results) {
      const resolve = this.waiters.get(result.request);
      if (resolve) {
        this.waiters.delete(result.request);
        resolve(result);
      }
    }
    if (trace.length || results.length) this.emit({ type: 'step', trace, results });
  }
}
