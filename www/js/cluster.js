// The running cluster: one KvNode instance per server, the seeded KvScheduler, and a Pacer (a
// gloo timer in wasm) that wakes us when the next message is due. Virtual time runs with the
// wall clock, scaled by `speed`, while playing; every message crosses the JS event loop.
//
// Listeners get {type: 'step', trace, results} after events are processed, and {type: 'clock'}
// when play/pause/speed change.
//
// Time travel: `checkpoint()` copies the wasm state, `Cluster.restore` starts a cluster from such a
// copy with the whole action log (the actions after the copy are scheduled again), and
// `fastForward` replays to a moment without pacing. Every result carries the `step` (scheduler pop) that produced it.
//
// Faults go through the scheduler's queue like commands. Those that change a node (restart,
// clock skew) come back out of `scheduler.pop()` as envelopes for that node, and
// `KvNode.handle` applies them: the loop below needs nothing special, and applies them exactly
// where `kvsim` does.

import { KvNode, KvScheduler, Pacer, replicasOf, scenarioJson } from '../pkg/kvplayground.js';
import { checkConfig } from './wasm.js';
import { CHECKPOINT_EVERY } from './history.js';

export { loadWasm, ConfigError, checkConfig } from './wasm.js';

/** Virtual seconds per wall second at 1x: the original's delays are seconds, watchable as is. */
export const DEFAULT_SPEED = 1;
export const MIN_SPEED = 0.1;
export const MAX_SPEED = 100;

export class Cluster {
  /**
   * Throws ConfigError for a bad config; nothing is created then. `checked`: what
   * checkConfig(configText) gave, if already known ({config, replicationFactor,
   * requestTimeoutUs}): the config is not checked again. With a `checkpoint` (see `checkpoint()`),
   * the scheduler and nodes start as copies of its own.
   */
  constructor(configText, seed, { checked = checkConfig(configText), checkpoint = null } = {}) {
    this.checked = checked;
    this.configText = JSON.stringify(checked.config);
    this.config = checked.config;
    this.replicationFactor = checked.replicationFactor;
    this.requestTimeoutUs = checked.requestTimeoutUs;
    this.seed = seed;
    if (checkpoint) {
      this.scheduler = checkpoint.scheduler.snapshot();
      this.nodes = checkpoint.nodes.map((node) => node.snapshot());
    } else {
      this.scheduler = new KvScheduler(this.configText, seed);
      this.nodes = this.config.addresses.map((_, i) => new KvNode(this.configText, i));
      for (const node of this.nodes) this.scheduler.absorb(node.start(0)); // periodic timers
    }
    this.steps = checkpoint?.steps ?? 0; // scheduler pops so far: the timeline's unit
    this.pacer = new Pacer();
    this.speed = DEFAULT_SPEED;
    this.playing = false;
    this.pausedAt = 0; // virtual µs, while paused
    this.baseWall = 0;
    this.baseVirtual = 0;
    this.traceIndex = 0;
    this.actionLog = []; // {time (µs), line}: every command and fault, replays the run with kvsim
    this.pendingResults = []; // taken after each pop, handed out at the next flush
    this.history = null; // a History that keeps checkpoints as the steps go by
    // Called by every new action (run, fault) with a check that throws for a bad one:
    // returns the cluster to act on, which is another one when the session forks the history
    // because this one shows the past (after the check, so a bad action forks nothing).
    this.beforeAction = () => this;
    this.listeners = new Set();
    this.waiters = new Map(); // request id -> resolve, for run()
  }

  /**
   * A cluster starting from `checkpoint` with the action log of `source` (same config, seed,
   * speed): the script lines after the checkpoint are scheduled again. Paused at the checkpoint's
   * time. `source.checked` is its checked config, not checked again.
   */
  static restore(checkpoint, source) {
    const cluster = new Cluster(source.configText, source.seed, { checked: source.checked, checkpoint });
    cluster.speed = source.speed;
    cluster.actionLog = source.actionLog.slice();
    cluster.pausedAt = checkpoint.time;
    for (const { time, line } of cluster.actionLog.slice(checkpoint.lines)) cluster.scheduler.scheduleLine(time, line);
    return cluster;
  }

  /** A copy of the wasm state for `Cluster.restore` (free its scheduler and nodes when dropped). */
  checkpoint() {
    return {
      steps: this.steps,
      time: this.scheduler.now,
      lines: this.actionLog.length,
      scheduler: this.scheduler.snapshot(),
      nodes: this.nodes.map((node) => node.snapshot()),
    };
  }

  /**
   * Replays at full speed, telling nobody, up to `target`: {steps} (exactly that many steps in
   * all; the clock stops at the last event) or {time} (everything due by then; the clock stops
   * there). Never goes back.
   */
  fastForward(target) {
    const more = (due) => (target.steps !== undefined ? this.steps < target.steps : due <= target.time);
    for (;;) {
      const due = this.scheduler.nextDue();
      if (due === undefined || !more(due)) break;
      this.deliverNext();
    }
    this.pausedAt = Math.max(this.pausedAt, target.time ?? this.scheduler.now);
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
    this.pausedAt = Math.floor(this.now()); // whole µs, as a shared moment says it
    this.playing = false;
    this.pacer.cancel();
    this.catchUp(); // what is due by the time shown has happened: a paused moment is replayable
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
    const present = this.beforeAction(() => {});
    if (present !== this) return present.run(node, command);
    this.catchUp();
    const time = this.actionTime();
    const id = this.scheduler.scheduleCommand(time, node, String(command));
    this.logAction(time, `${node} ${String(command).trim()}`);
    const result = new Promise((resolve) => this.waiters.set(id, resolve));
    this.catchUp();
    this.arm();
    return result;
  }

  /**
   * Applies a fault line now (e.g. `crash 2`, `restart 2 keep`, `cut 0-1`, `hold 0>2`,
   * `partition 0,1 | 2,3`, `heal`, `loss 0-2 0.3`, `skew 1 -500`; a `<node> <command>` line works
   * too). Returns the canonical line as logged. Throws an Error naming the problem (with the
   * usage) for a bad line; nothing changes then.
   */
  fault(line) {
    const present = this.beforeAction(() => this.tryOnCopy((copy) => copy.scheduleLine(this.now(), String(line))));
    if (present !== this) return present.fault(line);
    this.catchUp();
    const time = this.actionTime();
    const scheduled = this.scheduler.scheduleLine(time, String(line));
    this.logAction(time, scheduled.line);
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

  /**
   * Delivers exactly one event (the next due), moving the clock to it; a fault's event includes
   * the node changes it asks for (several steps). False when nothing is left.
   */
  step() {
    if (this.playing) this.pause();
    const due = this.scheduler.nextDue();
    if (due === undefined) {
      this.flush();
      return false;
    }
    this.pausedAt = Math.max(this.pausedAt, due);
    do this.deliverNext();
    while (this.midEvent);
    this.flush();
    return true;
  }

  /** Whether the last step began an event that is not over (a fault's node changes wait). */
  get midEvent() {
    return this.scheduler.hasDirectives;
  }

  /** Processes everything left but background anti-entropy, however far in virtual time; the clock ends at the last event. */
  runUntilQuiet() {
    let last = this.now();
    // Anti-entropy never runs out: stop when only it is left.
    while (!this.scheduler.isQuiet) {
      const due = this.scheduler.nextDue();
      if (due === undefined) break;
      last = Math.max(last, due);
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

  /**
   * The run so far as a scenario file (JSON text) for `kvsim run --scenario` or sharing; with
   * `timeMs`, the moment to reopen it at.
   */
  scenario(timeMs) {
    return scenarioJson(this.configText, this.seed, this.scriptLines(), timeMs);
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

  // Throws what `act` throws on a throwaway copy of the scheduler: checks an action, changing nothing.
  tryOnCopy(act) {
    const copy = this.scheduler.snapshot();
    try {
      act(copy);
    } finally {
      copy.free();
    }
  }

  // Virtual time for a new action, once everything due by now is done: now, but after the last
  // event even at the same µs. A replay (like kvsim) schedules every action up front, so an
  // action tied with an event that went before it here would go first there.
  actionTime() {
    return Math.max(Math.floor(this.now()), this.scheduler.now + 1);
  }

  // Logs an action scheduled at `time`; a paused clock moves on to it (at most 1 µs).
  logAction(time, line) {
    this.actionLog.push({ time, line });
    if (!this.playing) this.pausedAt = Math.max(this.pausedAt, time);
  }

  // Delivers every event due by now, in the scheduler's order.
  catchUp() {
    const now = this.now();
    for (let due = this.scheduler.nextDue(); due !== undefined && due <= now; due = this.scheduler.nextDue()) {
      this.deliverNext();
    }
    this.flush();
  }

  // One step: pops the next input (something must be due), hands it to its node, keeps results.
  deliverNext() {
    const envelope = this.scheduler.pop();
    if (envelope !== undefined) this.scheduler.absorb(this.nodes[envelope.node].handle(envelope));
    this.steps += 1;
    for (const result of this.scheduler.takeResults()) this.pendingResults.push({ ...result, step: this.steps });
    if (this.steps % CHECKPOINT_EVERY === 0) this.history?.checkpoint(this);
  }

  // Arms the pacer for the next due event, so it happens after its (scaled) delay.
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
    const { trace, results } = this.drain();
    for (const result of results) {
      const resolve = this.waiters.get(result.request);
      if (resolve) {
        this.waiters.delete(result.request);
        resolve(result);
      }
    }
    if (trace.length || results.length) this.emit({ type: 'step', trace, results });
  }

  /** The trace events and results not yet handed out (a restored cluster's first: all of its trace). */
  drain() {
    const length = this.scheduler.traceLength;
    const trace = length > this.traceIndex ? this.scheduler.traceSince(this.traceIndex) : [];
    this.traceIndex = length;
    const results = this.pendingResults;
    this.pendingResults = [];
    for (const result of this.scheduler.takeResults()) results.push({ ...result, step: this.steps });
    return { trace, results };
  }
}
