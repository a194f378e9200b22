// The wasm loop, the twin of the Rust `Simulation` (src/sim/simulation.rs): one KvNode instance
// per server and the seeded KvScheduler. The scheduler pops a task, the task's node handles it,
// the scheduler absorbs the node's outputs, so every message crosses the JS event loop. Knows
// nothing of wall-clock time (clock.js) nor of the action log and time travel (session.js).
//
// A step is one event (an action, a message delivered, a timer) with all its tasks: a fault that
// changes nodes (restart, clock skew, switches) hands out its follow-up tasks at once, while
// `scheduler.hasDirectives` is true. `steps` counts events (`scheduler.processed`), and every
// result carries the `step` that produced it.
//
// The live checks are on (`kvsim run --check`): the scheduler records the history of client
// operations and finds anomalies. Its exports (trace, hash, ShiViz) leave the checks' `anomaly`
// events out, so they equal `kvsim run`'s without `--check`; drain() hands them out with the rest.

import { KvNode, KvScheduler, KvWorkload, loadExports, replicasOf } from './wasm.js';

export class Driver {
  /**
   * A cluster of `checked.config` (what checkConfig gave) seeded with `seed`; from a
   * `checkpoint` (see checkpoint()), the scheduler and nodes start as copies of its own. A fresh
   * one runs the workload of `workloadSpec` (`kvsim run --workload`'s SPEC) if given, from time 0
   * as kvsim runs it; a bad spec throws saying what is wrong.
   */
  constructor(checked, seed, checkpoint = null, workloadSpec = null) {
    this.checked = checked;
    this.config = checked.config;
    this.configText = JSON.stringify(checked.config);
    this.seed = seed;
    this.onEvent = () => {}; // called after every step: history.js takes checkpoints there
    // A fresh driver's workload spec with every field, or null (none, or a copy of a checkpoint).
    this.workloadSpec = null;
    if (checkpoint) {
      this.scheduler = checkpoint.scheduler.snapshot();
      this.scheduler.keepTrace(true); // a checkpoint taken in a fast-forward kept none
      this.nodes = checkpoint.nodes.map((node) => node.snapshot());
    } else {
      // Read first: a bad spec throws before anything is made.
      const workload = workloadSpec === null ? null : new KvWorkload(workloadSpec);
      this.scheduler = new KvScheduler(this.configText, seed);
      this.scheduler.checkAnomalies();
      this.nodes = this.config.addresses.map((_, i) => new KvNode(this.configText, i));
      for (const node of this.nodes) this.scheduler.absorb(node.start(0)); // periodic timers
      if (workload) {
        this.scheduler.setWorkload(workload);
        this.workloadSpec = workload.spec;
        workload.free();
      }
    }
    this.actions = checkpoint?.actions ?? 0; // actions scheduled so far: a prefix of the action log
    this.traceIndex = 0; // trace events handed out by drain()
    this.resultIndex = this.scheduler.resultCount; // results handed out by drain() (the scheduler keeps them all)
    this.checkpointEvery = 2 ** 30; // history.js sets it: runBatch stops at every multiple for onEvent
    // Actions replayed onto a checkpoint whose workload still had operations to schedule: they
    // were scheduled after its last one (session.js refuses them before), so they wait for it.
    this.pendingActions = [];
  }

  /** The generated workload's progress: {scheduled, total} operations, or null without one. */
  workloadProgress() {
    return this.scheduler.workloadProgress();
  }

  /** Whether a generated workload still has operations to schedule. */
  get workloadLeft() {
    const progress = this.workloadProgress();
    return progress !== null && progress.scheduled < progress.total;
  }

  get size() {
    return this.nodes.length;
  }

  /** Events processed so far. */
  get steps() {
    return this.scheduler.processed;
  }

  /** Virtual time of the last event, in µs. */
  get now() {
    return this.scheduler.now;
  }

  /** Due time of the next event (µs), or undefined when nothing is left. */
  nextDue() {
    return this.scheduler.nextDue();
  }

  /** Schedules a script action (`<node> <command>` or a fault) at `time` (µs); returns the core's {request, line}. */
  schedule(time, line) {
    const scheduled = this.scheduler.scheduleLine(time, line);
    this.actions += 1;
    return scheduled;
  }

  /** The first time (µs) from `time` on at which no message or timer waits (see session.js's act). */
  freeTimeFrom(time) {
    return this.scheduler.freeTimeFrom(time);
  }

  /** Schedules a timed script line (`<time_ms> …`); returns the core's {request, line}. */
  scheduleTimed(line) {
    const scheduled = this.scheduler.scheduleTimedLine(line);
    this.actions += 1;
    return scheduled;
  }

  /**
   * Schedules the actions of a replayed log ([{time, line}]) now, or, while the workload has
   * operations to schedule, once its last one is (see pendingActions).
   */
  replay(actions) {
    for (const action of actions) this.pendingActions.push(action); // a long log: too many to spread
    this.schedulePending();
  }

  schedulePending() {
    if (!this.pendingActions.length || this.workloadLeft) return;
    for (const { time, line } of this.pendingActions) this.schedule(time, line);
    this.pendingActions = [];
  }

  /**
   * Schedules a whole script of timed lines, their times counted from `offset` (µs). Returns
   * {scheduled: [{time, request, line}], errors: [{line, text, message}]} (see scheduleScript).
   */
  scheduleScript(text, offset) {
    const report = this.scheduler.scheduleScript(text, offset);
    this.actions += report.scheduled.length;
    return report;
  }

  /** Throws what schedule(time, line) would throw, changing nothing (it tries on a copy). */
  check(time, line) {
    const copy = this.scheduler.snapshot();
    try {
      copy.scheduleLine(time, line);
    } finally {
      copy.free();
    }
  }

  /** Processes the next event with all its tasks; false when nothing is left. */
  step() {
    if (!this.runTask()) return false;
    while (this.scheduler.hasDirectives) this.runTask();
    this.schedulePending();
    this.onEvent(this);
    return true;
  }

  /** Processes every event due by `time` (µs). */
  runUntil(time) {
    this.runBatch({ until: time });
  }

  /** Processes events until `steps` of them are done in all, or nothing is left. */
  runSteps(steps) {
    this.runBatch({ maxEvents: steps - this.steps });
  }

  /**
   * Processes everything left but background anti-entropy, which never runs out; returns the
   * time of the last event processed, or undefined when there was none.
   */
  runUntilQuiet() {
    return this.runBatch({ toQuiet: true }) > 0 ? this.now : undefined;
  }

  /**
   * Processes events in bulk, in wasm (the same events as step() one by one): at most
   * `maxEvents`, none due after `until` (µs), and with `toQuiet` none once only background work
   * is left. Stops at every checkpoint boundary to call onEvent. Returns the events processed.
   */
  runBatch({ maxEvents = Infinity, until = Infinity, toQuiet = false } = {}) {
    // Most animation frames fall between events: they must not hand every node to wasm and back
    // (that garbage cost a frame in ten its 16 ms).
    const due = this.nextDue();
    if (due === undefined || due > until) return 0;
    const start = this.steps;
    for (;;) {
      const left = maxEvents - (this.steps - start);
      if (left <= 0) break;
      const before = this.steps;
      const chunk = Math.min(left, this.checkpointEvery - (before % this.checkpointEvery));
      this.nodes = this.scheduler.runBatch(this.nodes, chunk, until, toQuiet);
      if (this.steps === before) break;
      this.schedulePending();
      this.onEvent(this);
    }
    return this.steps - start;
  }

  // One task: popped, handed to its node, its outputs back to the scheduler (which keeps its results).
  runTask() {
    const task = this.scheduler.pop();
    if (task === undefined) return false;
    this.scheduler.absorb(this.nodes[task.node].handle(task));
    return true;
  }

  /**
   * The trace events and results (each with its `step`) not yet handed out (a new driver's
   * first: all of its trace, and no result: those of its past are the history's); with `tail`
   * and `resultTail`, only the last so many of them (views keep no more; a fast-forward
   * converts none while it runs).
   */
  drain({ tail = Infinity, resultTail = Infinity } = {}) {
    const length = this.scheduler.traceLength;
    const from = Math.max(this.traceIndex, length - tail);
    const trace = length > from ? this.scheduler.traceSince(from) : [];
    this.traceIndex = length;
    const count = this.scheduler.resultCount;
    const first = Math.max(this.resultIndex, count - resultTail);
    const results = count > first ? this.scheduler.resultsBetween(first, count) : [];
    this.resultIndex = count;
    return { trace, results };
  }

  /** Every result so far, to read after this driver is gone (a KvResults: free it when done). */
  resultLog() {
    return this.scheduler.resultLog();
  }

  /**
   * The core's fault state: {down: [node], links: [{from, to, state, loss, duplicate,
   * extra_delay_us, jitter_us}] (links not plainly up), clock_skew_us: [per node],
   * hinted_handoff, anti_entropy_period_us (null: off)}.
   */
  faults() {
    return this.scheduler.faults();
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

  /**
   * Keeps the trace's events from now on, or only counts them (a fast-forward: the density index
   * and the checks go on). Events kept after a pause start anew; those kept before are let go.
   */
  keepTrace(keep) {
    this.scheduler.keepTrace(keep);
  }

  /**
   * From now on keeps only the trace: no history, checks, density index or results (see
   * KvScheduler.traceOnly). For a replay read for its trace alone; its views would show none of these.
   */
  traceOnly() {
    this.scheduler.traceOnly();
  }

  /** Trace events kept: the last ones (see keepTrace). */
  get keptEvents() {
    return this.scheduler.traceLength - this.scheduler.traceKeptFrom;
  }

  /** Whether the trace holds every event so far (none was left out by a fast-forward). */
  get keepsWholeTrace() {
    return this.scheduler.traceKeptFrom === 0;
  }

  /** Whether the trace holds every event at or after `time` (µs). */
  keepsTraceSince(time) {
    const unkept = this.scheduler.traceUnkeptUntil;
    return unkept === undefined || unkept < time;
  }

  /** Trace events so far, kept or not (the checks' anomaly events too, which the exports leave out). */
  get traceEvents() {
    return this.scheduler.traceLength;
  }

  /** The run as JSON lines, as `kvsim run --trace` prints it (keepsWholeTrace, else it throws). */
  traceJsonLines() {
    return this.scheduler.traceJsonLines();
  }

  /** The trace's stable hash, as `kvsim run --hash` prints it (keepsWholeTrace, else it throws). */
  traceHash() {
    return this.scheduler.traceHash();
  }

  /** Anomalies found so far. */
  get anomalyCount() {
    return this.scheduler.anomalyCount;
  }

  /** Anomalies found so far by kind: {stale_read: n, ...} (kinds found none of are left out). */
  anomalyCounts() {
    return this.scheduler.anomalyCounts();
  }

  /** The anomalies found from index `start` on: [{kind, name, time, process, request, key, earlier, explanation}]. */
  anomalies(start = 0) {
    return this.scheduler.anomaliesSince(start);
  }

  /**
   * Resolves with the keys whose replicas disagree: [{key, replicas: [[node, {value, version} or
   * null]]}]. Compared by the exports package (loaded on first use) from the stores now.
   */
  async divergent() {
    const stores = this.nodes.map((node) => node.store()); // now: a jump while the package loads frees this driver
    const { divergentOf } = await loadExports();
    return divergentOf(stores, this.checked.replicationFactor);
  }

  /** Whether nothing is left but periodic background work (anti-entropy). */
  get isQuiet() {
    return this.scheduler.isQuiet;
  }

  /**
   * The last `last` client operations so far (all by default), for the history view: [{process,
   * request, f, key, value, level, invoked, completed, outcome, error, line}] (see KvScheduler.historyOps).
   */
  historyOps(last = Infinity) {
    return this.scheduler.historyOps(last);
  }

  /** Client operations so far. */
  get historyLength() {
    return this.scheduler.historyLength;
  }

  /** The run's figures, as `kvsim run --summary` prints them (see KvScheduler.summary). */
  summary() {
    return this.scheduler.summary();
  }

  /** The client operations so far as a Jepsen EDN history, as `kvsim run --history` writes it. */
  historyEdn() {
    return this.scheduler.historyEdn();
  }

  /** A copy of the wasm state to start another Driver from (free it with freeCheckpoint). */
  checkpoint() {
    return {
      steps: this.steps,
      time: this.now,
      actions: this.actions,
      scheduler: this.scheduler.snapshot(),
      nodes: this.nodes.map((node) => node.snapshot()),
    };
  }

  /** Releases the wasm objects; the driver is unusable afterwards. */
  dispose() {
    for (const node of this.nodes) node.free();
    this.scheduler.free();
  }
}

/** Releases a checkpoint's wasm copies. */
export function freeCheckpoint(checkpoint) {
  checkpoint.scheduler.free();
  for (const node of checkpoint.nodes) node.free();
}
