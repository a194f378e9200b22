// One history of the page's run, for time travel: checkpoints (copies of the scheduler and of
// every node, evenly spaced by steps: CHECKPOINT_EVERY at first, twice as far apart each time
// they are thinned), every result with the step that produced it (kept in wasm, read when
// shown), and the furthest point reached (`end`). A moment is restored by copying the nearest checkpoint
// before it and replaying the action log from there at full speed; the run is deterministic, so
// the replay is the history itself. A step is one event with all its tasks (driver.js).

import { Driver, freeCheckpoint } from './driver.js';
import { wasmMemoryBytes } from './wasm.js';

/** Steps between checkpoints at first: a restore replays fewer than this many (until thinned). */
export const CHECKPOINT_EVERY = 200;
/**
 * Most checkpoints kept; past this many every other one is dropped (the first stays) and the
 * spacing doubles, so they stay evenly spread over a run of any length: memory stays bounded
 * and restores replay at most the spacing (its double just before a thinning). A checkpoint
 * shares the history's, results' and trace's chunks with the live scheduler (src/sim/chunks.rs,
 * trace.rs), so it holds the nodes, the queue and the checks' read heads: 0.3-0.5 MB for the
 * 16-node benchmark, so 256 of them over a million operations (7 M steps, 51,200 apart) replay
 * at most about 50,000 steps, tens of ms.
 */
export const MAX_CHECKPOINTS = 256;
/**
 * Past this much wasm memory, half as many checkpoints are kept (each holds every store and the
 * queue: about 0.4 MiB at a million operations). Well below the 512 MiB a million operations may
 * take (issue 14): wasm memory never shrinks, so 256 checkpoints kept until the run passed 512 MiB
 * stayed in its high-water mark after the thinning, some 50 MiB.
 */
const MEMORY_BUDGET = 384 * 2 ** 20;
/** Checkpoints dropped by a thinning freed per checkpoint taken: freeing them all at once took a long task. */
const FREED_PER_KEEP = 4;
/** Checkpoints a history let go of frees per task (see dispose). */
const FREED_PER_TASK = 32;
/**
 * Trace events a moment shown anew hands the views (session.js): what they show at once (the event
 * log's newest rows, the diagram's recent window). A restored moment keeps at least this many.
 */
export const SHOWN_EVENTS = 2_000;

export class History {
  /** A history of `driver`'s run from its start (a checkpoint is taken now). */
  constructor(driver) {
    this.checkpoints = []; // by steps: {steps, time, actions, scheduler, nodes}
    this.dropped = []; // thinned out, freed a few at a time
    this.every = CHECKPOINT_EVERY; // steps between checkpoints now
    this.endResults = null; // every result of this history, up to the end: a KvResults (wasm)
    this.end = { steps: 0, time: 0 }; // the furthest point reached
    this.forkedAt = null; // virtual µs of the last fork, for the note
    this.watch(driver);
    this.keep(driver);
  }

  /** Takes a checkpoint of `driver` every `this.every` steps from now on. */
  watch(driver) {
    driver.checkpointEvery = this.every;
    driver.onEvent = (d) => {
      if (d.steps % this.every === 0) this.keep(d);
      d.checkpointEvery = this.every;
    };
  }

  /**
   * Spaces checkpoints at least `steps` apart from now on (doubling the spacing, so thinning
   * stays even). A fast-forward runs hundreds of thousands of steps: copying every node each
   * 200 steps cost more than running them.
   */
  spaceAtLeast(steps, driver) {
    while (this.every < steps) this.every *= 2;
    driver.checkpointEvery = this.every;
  }

  /** Keeps a checkpoint of `driver` as it is now, unless one of that step is kept already. */
  keep(driver) {
    const at = this.checkpoints.findIndex((c) => c.steps >= driver.steps);
    if (at >= 0 && this.checkpoints[at].steps === driver.steps) return;
    const taken = driver.checkpoint();
    if (at < 0) this.checkpoints.push(taken);
    else this.checkpoints.splice(at, 0, taken);
    const most = wasmMemoryBytes() > MEMORY_BUDGET ? MAX_CHECKPOINTS / 2 : MAX_CHECKPOINTS;
    while (this.checkpoints.length > most) this.thin();
    this.dropped.splice(0, FREED_PER_KEEP).forEach(freeCheckpoint);
  }

  // Drops every checkpoint off the doubled spacing (the first, at step 0, stays).
  thin() {
    this.every *= 2;
    const off = (c) => c.steps % this.every !== 0;
    this.dropped.push(...this.checkpoints.filter(off));
    this.checkpoints = this.checkpoints.filter((c) => !off(c));
  }

  /**
   * A driver like `like` (config, seed) at `target`: {steps} (exactly that many steps) or {time}
   * (everything due by then), with the actions of `log` (an ActionLog) scheduled, replayed from
   * the nearest checkpoint. Its trace keeps the events replayed. A driver to show takes
   * checkpoints as it goes on and keeps at least SHOWN_EVENTS events; a `scratch` one (a copy
   * read and freed) neither. Returns {driver, time}: the virtual time to show (the target's,
   * else the last event's).
   */
  restore(target, log, like, { scratch = false } = {}) {
    const time = (driver, base) => Math.max(base.time, target.time ?? driver.now);
    const { driver, base } = this.replay(target, log, like, { scratch });
    if (scratch || driver.keptEvents >= SHOWN_EVENTS || driver.keepsWholeTrace) return { driver, time: time(driver, base) };
    // The checkpoint was taken in a fast-forward (it kept no trace) just before the target: the
    // event log would list only the few events since. Replayed from further back instead.
    const again = this.replay({ steps: driver.steps }, log, like, { lead: SHOWN_EVENTS });
    driver.dispose();
    return { driver: again.driver, time: time(again.driver, base) };
  }

  // A driver at `target` replayed from the latest checkpoint at least `lead` steps before it
  // (see restore); returns {driver, base}.
  replay(target, log, like, { scratch = false, lead = 0 }) {
    const bySteps = target.steps !== undefined;
    // The latest checkpoint not past the target and holding no action the log has dropped.
    const fits = (c) => (bySteps ? c.steps <= target.steps - lead : c.time <= target.time) && c.actions <= log.length;
    const base = this.checkpoints.findLast(fits) ?? this.checkpoints[0];
    const driver = this.driverAt(base, log, like);
    if (!scratch) this.watch(driver);
    if (bySteps) driver.runSteps(target.steps);
    else driver.runUntil(target.time);
    return { driver, base };
  }

  /**
   * A scratch driver like `like` at the run's start (the first checkpoint, step 0), the actions
   * of `log` scheduled, for its caller to run on: the whole trace of a run a fast-forward kept
   * none of is replayed from there a slice at a time (whole-trace.js). Its trace keeps its events.
   */
  fromStart(log, like) {
    return this.driverAt(this.checkpoints[0], log, like);
  }

  // A driver like `like` at checkpoint `base`, with the actions of `log` after it scheduled.
  driverAt(base, log, like) {
    const driver = new Driver(like.checked, like.seed, base);
    driver.replay(log.from(base.actions));
    return driver;
  }

  /**
   * Moves the end forward to (steps, time) if that is further; `driver` (at `steps`) holds the
   * results so far (`results`, those since the last call, are for TraceHistory).
   */
  advance(steps, time, results, driver) {
    if (steps > this.end.steps || !this.endResults) this.keepResults(driver);
    if (this.isPast(steps)) return;
    const latest = Math.max(this.end.time, time);
    // Called every frame: a new object only when the end moved.
    if (steps !== this.end.steps || latest !== this.end.time) this.end = { steps, time: latest };
  }

  /** Whether `steps` is a moment before the end. (At the end's steps with an earlier clock, nothing is left to happen.) */
  isPast(steps) {
    return steps < this.end.steps;
  }

  // Keeps a copy of `driver`'s results (it shares their chunks) as the end's.
  keepResults(driver) {
    this.endResults?.free();
    this.endResults = driver.resultLog();
  }

  /** Every result of this history, oldest first, each with its `step` (a long run's: many). */
  get results() {
    return this.endResults ? this.endResults.upTo(Infinity, Infinity) : [];
  }

  /** The last `tail` results up to step `steps`. */
  resultsUpTo(steps, tail = Infinity) {
    return this.endResults ? this.endResults.upTo(steps, tail) : [];
  }

  /**
   * Drops what came after `steps`/`time` (where `driver` is): a new history continues from
   * there. Checkpoints that hold dropped actions (more than `actions`, the log's first actions
   * the fork keeps in their places: ActionLog.keptInPlace) go too.
   */
  fork({ steps, time }, actions, driver) {
    const keep = (c) => c.steps <= steps && c.actions <= actions;
    this.checkpoints.filter((c) => !keep(c)).forEach(freeCheckpoint);
    this.checkpoints = this.checkpoints.filter(keep);
    this.keepResults(driver);
    this.end = { steps, time };
    this.forkedAt = time;
  }

  /**
   * Releases the checkpoints' wasm memory, FREED_PER_TASK of them per task (all of a million-
   * operation run's at once took a 140 ms task); the history is unusable afterwards.
   */
  dispose() {
    const left = [...this.checkpoints, ...this.dropped];
    this.checkpoints = [];
    this.dropped = [];
    this.endResults?.free();
    this.endResults = null;
    const freeSome = () => {
      left.splice(0, FREED_PER_TASK).forEach(freeCheckpoint);
      if (left.length) setTimeout(freeSome);
    };
    freeSome();
  }
}
