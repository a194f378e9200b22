// The page's one run: the driver (the wasm loop) paced by the clock, the action log, the history
// for time travel, waiters for run() results, and the script and scenario of the run (its trace's
// exports: trace-export.js).
// Views subscribe here once:
//   {type: 'cluster'}          a new driver is shown (new config, reset, a moment travelled to)
//   {type: 'step', trace, results, rebuild?}   events happened (rebuild: a moment shown anew)
//   {type: 'action', time, request, line}      an action was scheduled (request: null for a fault)
//   {type: 'faults'}           the fault state may have changed: read driver.faults()
//   {type: 'clock'}            play, pause or speed changed
//   {type: 'fork', time}       an action in the past dropped the history after `time`
//   {type: 'fast-forward', running}   a fast-forward started or ended (fast-forward.js); a view
//                              made meanwhile reads session.fastForwarding
//
// Every action (a console, the faults card, the link picker, window.playground) goes
// through act(line). When the moment shown is in the past, the action forks the history: the
// actions after that moment are dropped and the run continues from there. Travelling restores a
// moment, paused; playing or stepping from there replays the recorded future (the run is
// deterministic) and is live again once it passes the end.
//
// The driver can also be trace-fed (trace-driver.js, via showTrace): a recorded trace, replayed
// and travelled in the same way, or a live cluster, whose clock follows real time. Actions are
// refused with the driver's reason (`driver.recorded`), but a live cluster's commands, which
// run() sends to their node.

import { checkConfig, scenarioJson } from './wasm.js';
import { Driver } from './driver.js';
import { Clock } from './clock.js';
import { History, SHOWN_EVENTS } from './history.js';
import { TraceHistory } from './trace-history.js';
import { ActionLog } from './action-log.js';

/**
 * Most trace events and results handed to the views at once: they keep no more (the event log
 * and the space-time diagram keep the latest), and converting a long run's whole trace to JS
 * would take seconds.
 */
export const VIEW_TAIL = 20_000;
/**
 * Trace events (history.js's SHOWN_EVENTS) and results a moment shown anew (a jump in time)
 * hands the views: what they show at once (the event log's newest rows, the diagram's recent
 * window, the consoles' last lines). Converting and laying out 20,000 events and 2,000 console
 * lines took most of a jump's time; the run's older events are in its trace, to travel to.
 */
const JUMP_TAIL = SHOWN_EVENTS;
const RESULTS_TAIL = 400;
/** How long after a new driver is shown the old one is freed (ms): after the frame that shows it. */
const FREE_OLD_RUN_MS = 100;

/**
 * Most operations a workload may have in the page: it keeps the run's history, results, density
 * counts and checkpoints (time travel, the diagram, exports), about 350-400 MiB of wasm memory
 * after a million operations fast-forwarded on 16-64 nodes (docs/performance.md), and wasm has 4 GB.
 */
export const MAX_PAGE_OPERATIONS = 1_000_000;

/** The fault line word for each state setLink takes. */
const LINK_FAULTS = { up: 'heal', hold: 'hold', drop: 'cut' };

export class Session {
  constructor() {
    this.driver = null;
    this.flushedSteps = 0; // the driver's steps at the last flush
    this.clock = new Clock(() => {
      this.catchUp();
      this.arm();
    });
    this.history = null;
    this.log = new ActionLog();
    this.waiters = new Map(); // request id -> resolve, for run()
    this.playingWhenLeft = false; // whether the end was playing when we travelled away from it
    this.listeners = new Set();
    this.fastForwarding = false; // the last 'fast-forward' word, for views made during one
    this.workloadSpec = null; // the generated workload's spec (every field) of a run that has one
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event) {
    if (event.type === 'fast-forward') this.fastForwarding = event.running;
    // A copy: a listener added while this event is handed out must not see it too.
    for (const listener of [...this.listeners]) listener(event);
  }

  get seed() {
    return this.driver.seed;
  }

  /** Virtual time now, in µs. */
  now() {
    return this.clock.now();
  }

  /**
   * Replaces the run with a fresh one of `configText` (seed: the given one, else the config's),
   * with the workload of `workloadSpec` if given. Throws before touching anything when the config,
   * seed or spec is bad, or the workload too long for the page. The play state (unless `playing`
   * says) and the speed carry over; the first run starts playing. A new history starts.
   */
  replace(configText, seed, { playing, workloadSpec = null } = {}) {
    const checked = checkConfig(configText);
    const next = new Driver(checked, seed ?? checked.config.seed, null, workloadSpec);
    const operations = next.workloadProgress()?.total ?? 0;
    if (operations > MAX_PAGE_OPERATIONS) {
      next.dispose();
      throw new RangeError(
        `ops=${operations}: the page runs at most ${MAX_PAGE_OPERATIONS.toLocaleString('en')} operations, as it keeps every operation for time travel; kvsim run --workload runs any number in bounded memory`,
      );
    }
    this.start(next, new History(next), { playing, time: 0, workloadSpec: next.workloadSpec ?? null });
  }

  /**
   * A fresh run of the same config and seed with the workload of `spec` (`kvsim run --workload`'s
   * SPEC), paused at its start: the same trace as kvsim's. Throws for a bad spec, changing nothing.
   */
  startWorkload(spec) {
    this.refuseLive('A workload');
    if (this.driver.recorded) throw new Error(this.driver.recorded);
    this.replace(this.driver.configText, this.seed, { playing: false, workloadSpec: spec });
  }

  /**
   * Shows a trace-fed driver (trace-driver.js) instead of the simulation: a recorded trace from
   * its start (playing as the simulation was), or a live cluster, whose clock follows real time
   * at 1x from `driver.startTime`.
   */
  showTrace(driver) {
    if (driver.live) this.clock.setSpeed(1);
    this.start(driver, new TraceHistory(driver), { playing: driver.live || undefined, time: driver.startTime });
    driver.onNews = () => {
      this.catchUp();
      this.arm();
    };
  }

  // Makes `next` (with its `history`) the run shown from `time`, paused unless `playing` (by
  // default: as the run before was; the first run plays). `workloadSpec`: its workload's, if any.
  start(next, history, { playing, time, workloadSpec = null }) {
    const play = playing ?? (this.driver ? this.clock.playing : true);
    this.history?.dispose();
    this.history = history;
    this.log = new ActionLog();
    this.workloadSpec = workloadSpec;
    this.clock.stopAt(time);
    this.install(next);
    if (play) this.play();
  }

  /** A fresh run from the same config and seed (a recorded trace: from its start again). */
  reset() {
    this.refuseLive('Reset');
    if (this.driver.recorded) this.showTrace(this.driver.restart());
    else this.replace(this.driver.configText, this.seed);
  }

  // A live cluster's clock follows real time: stepping, travelling and resetting are refused.
  refuseLive(what) {
    if (this.driver.live) throw new Error(`${what} is not available: ${this.driver.recorded}`);
  }

  /**
   * Replaces the history with a checked scenario's ({config, seed, script, timeMs, workload}, as
   * parseScenario gives it) and shows the moment `timeMs`, or else the end of the run (as kvsim
   * runs it: until quiet), paused. The end of the history is then the last line's moment (or
   * `timeMs`, if later). Returns each script line's request id (null for a fault), in order.
   * With a workload the run is left paused at its start, its script waiting for the workload's
   * last operation (as kvsim runs it), for a fast-forward to run (share.js); the ids are null.
   */
  load({ config, seed, script, timeMs, workload }) {
    if (workload !== undefined) return this.loadWorkload({ config, seed, script, workload });
    this.replace(config, seed, { playing: false });
    const requests = script.map((line, i) => {
      try {
        const scheduled = this.driver.scheduleTimed(String(line));
        this.log.addTimed(scheduled.line);
        return scheduled.request ?? null;
      } catch (e) {
        throw new Error(`line ${i + 1}: ${e.message}`);
      }
    });
    this.catchUp();
    const moment = timeMs === undefined ? undefined : Math.round(timeMs * 1000);
    if (moment === undefined) this.runUntilQuiet();
    else {
      const end = Math.max(moment, this.log.lastTime());
      this.driver.runUntil(end);
      this.clock.reach(end);
      this.flush();
    }
    this.travel({ time: moment ?? this.now() });
    return requests;
  }

  // load() of a scenario with a workload (its spec): see there.
  loadWorkload({ config, seed, script, workload }) {
    this.replace(config, seed, { playing: false, workloadSpec: workload });
    for (const line of script) this.log.addTimed(line);
    this.driver.replay(this.log.actions);
    return script.map(() => null);
  }

  play() {
    if (this.clock.playing) return;
    this.clock.play();
    this.arm();
    this.emit({ type: 'clock' });
  }

  /** Pauses; what is due by the time shown happens first, so a paused moment is replayable. */
  pause() {
    if (!this.clock.playing) return;
    this.clock.pause();
    this.catchUp();
    this.emit({ type: 'clock' });
  }

  setSpeed(speed) {
    this.clock.setSpeed(speed);
    this.arm();
    this.emit({ type: 'clock' });
  }

  /** Processes exactly the next event (pausing), moving the clock to it; false when nothing is left. */
  step() {
    this.refuseLive('Step');
    this.pause();
    const due = this.driver.nextDue();
    if (due !== undefined) {
      this.clock.reach(due);
      this.driver.step();
    }
    this.flush();
    return due !== undefined;
  }

  /** Processes everything left but background anti-entropy; the clock ends at the last event. */
  runUntilQuiet() {
    this.refuseLive('Run until quiet');
    const from = this.now();
    const last = this.driver.runUntilQuiet();
    this.clock.jump(Math.max(from, last ?? from));
    this.flush();
    this.arm();
  }

  /**
   * Applies a script action now: `<node> <command>` or a fault line (`crash 2`, `cut 0-1`,
   * `skew 1 -500`, …, see docs/language.md, "Fault lines"). Returns what the core returned, {request (null for a
   * fault), line (canonical, as logged)}. Throws an Error naming the problem for a bad line;
   * nothing changes then (no fork either). `onScheduled(scheduled)` is called before the action
   * can run (run() waits for its result there).
   */
  act(line, { onScheduled } = {}) {
    this.refuseDuringWorkload();
    const text = String(line);
    this.forkIfPast(() => this.driver.check(this.now(), text));
    this.catchUp();
    // Now, but after the last event even at the same µs, and at a µs no queued event waits for: a
    // replay (like kvsim) schedules every action up front, so an action tied with an event that
    // went before it here would go first there.
    const time = this.driver.freeTimeFrom(Math.max(Math.floor(this.now()), this.driver.now + 1));
    const scheduled = this.driver.schedule(time, text);
    this.log.add(time, scheduled.line);
    this.clock.reach(time);
    onScheduled?.(scheduled);
    this.emit({ type: 'action', time, ...scheduled });
    this.catchUp();
    this.arm();
    return scheduled;
  }

  /**
   * Schedules a whole script of timed lines (`<time_ms> <node> <command>` or `<time_ms>
   * <fault>`), each time counted from now, in one call. Returns {scheduled (lines scheduled),
   * errors: [{line, text, message}]}: a line that does not parse is named by its number, and
   * the rest are scheduled. The commands are logged as actions, like typed ones.
   */
  runScript(text) {
    this.refuseDuringWorkload();
    this.forkIfPast(() => {});
    this.catchUp();
    // After the last event, as act(); each line then goes to a µs no queued event waits for.
    const offset = Math.max(Math.floor(this.now()), this.driver.now + 1);
    const { scheduled, errors } = this.driver.scheduleScript(String(text), offset);
    for (const { time, line } of scheduled) this.log.add(time, line);
    this.catchUp();
    this.arm();
    return { scheduled: scheduled.length, errors };
  }

  // Actions go through the action log, which a restore replays up front; a workload's
  // operations are scheduled as the run reaches them, so actions wait for its last one.
  refuseDuringWorkload() {
    if (this.driver.recorded) throw new Error(this.driver.recorded);
    if (this.driver.workloadLeft) {
      throw new Error('a workload is running: commands and faults can be given once its last operation is scheduled (fast-forward, or play on), or after Reset');
    }
  }

  /** Types `command` on `node` now (see act). Resolves with the command's first result. */
  run(node, command) {
    if (!Number.isInteger(node) || node < 0 || node >= this.driver.size) {
      return Promise.reject(new RangeError(`there is no node ${node}: nodes are 0 to ${this.driver.size - 1}`));
    }
    if (this.driver.send) return this.driver.send(node, String(command));
    // A throw in here (a bad line) rejects the promise.
    return new Promise((resolve) => {
      this.act(`${node} ${command}`, { onScheduled: ({ request }) => this.waiters.set(request, resolve) });
    });
  }

  /** Applies a fault line now (see act); returns its canonical line. */
  fault(line) {
    return this.act(line).line;
  }

  /**
   * Sets a link to 'up', 'hold' or 'drop': the fault line `heal`, `hold` or `cut` for `from>to`.
   * Returns the canonical line; throws for a bad state or node, changing nothing.
   */
  setLink(from, to, state) {
    if (!Object.hasOwn(LINK_FAULTS, state)) throw new RangeError(`link state ${state} must be up, hold or drop`);
    return this.fault(`${LINK_FAULTS[state]} ${from}>${to}`);
  }

  // When the moment shown is in the past, forks the history there (unless `check` throws for the
  // action): the actions after this moment are dropped.
  forkIfPast(check) {
    if (!this.history.isPast(this.driver.steps)) return;
    check();
    const playing = this.clock.playing; // replaying the recorded future: the fork plays on
    this.pause(); // what is due by now happens first: it is recorded history
    if (this.history.isPast(this.driver.steps)) {
      const at = { steps: this.driver.steps, time: this.now() };
      const inPlace = this.log.keptInPlace(at.time);
      this.log = this.log.upTo(at.time);
      this.history.fork(at, inPlace, this.driver);
      this.show(this.history.restore(at, this.log, this.driver));
      this.emit({ type: 'fork', time: at.time });
    } // else that was the rest of the recorded future: nothing to drop
    if (playing) this.play();
  }

  /**
   * Shows the moment `target` of the history, paused: {time} (µs; everything due by then has
   * happened) or {steps} (exactly that many events). Past the end means the end.
   */
  travel(target) {
    this.refuseLive('Time travel');
    const from = this.leave();
    const { end } = this.history;
    const pastEnd = target.steps !== undefined ? target.steps >= end.steps : target.time >= end.time;
    this.show(this.history.restore(pastEnd ? end : target, this.log, from));
  }

  /** Goes back exactly one event (a fault with the node changes it asked for is one); false at the start. */
  stepBack() {
    this.refuseLive('Step back');
    if (this.driver.steps === 0) return false;
    const from = this.leave();
    this.show(this.history.restore({ steps: from.steps - 1 }, this.log, from));
    return true;
  }

  /** Back to the end of the history, playing again if it was playing when we travelled away. */
  goLive() {
    if (!this.history.isPast(this.driver.steps)) return;
    this.travel(this.history.end);
    if (this.playingWhenLeft) this.play();
  }

  /** {scheduled, total (null without a workload), events}: how far `driver`'s run is. */
  runProgress(driver = this.driver) {
    const workload = driver.recorded ? null : driver.workloadProgress(); // a trace-fed driver has none
    return { scheduled: workload?.scheduled ?? null, total: workload?.total ?? null, events: driver.steps };
  }

  /** {now, start, end (µs), live, events (steps so far), endEvents, forkedAt (µs or null)}. */
  timeline() {
    const { driver, history } = this;
    const now = this.now();
    history.advance(driver.steps, now, [], driver);
    return {
      now,
      start: 0,
      end: history.end.time,
      live: !history.isPast(driver.steps),
      events: driver.steps,
      endEvents: history.end.steps,
      forkedAt: history.forkedAt,
    };
  }

  // Pauses the moment shown, before travelling away from it, and returns its driver.
  leave() {
    if (!this.history.isPast(this.driver.steps)) this.playingWhenLeft = this.clock.playing;
    this.pause(); // delivers what is due by now: the end is a replayable moment
    // A fast-forward moves the clock only when it tells the views: the run may be ahead of it.
    this.history.advance(this.driver.steps, Math.max(this.now(), this.driver.now), [], this.driver);
    return this.driver;
  }

  // Shows a restored moment ({driver, time}, from History.restore), paused; the views rebuild.
  // With `same`, it is the moment shown already (replayed): waiting run() calls go on waiting.
  show({ driver, time }, { same = false } = {}) {
    this.clock.stopAt(time);
    this.install(driver, { same });
    const { trace } = driver.drain({ tail: JUMP_TAIL, resultTail: 0 });
    this.emit({ type: 'step', trace, results: this.history.resultsUpTo(driver.steps, RESULTS_TAIL), rebuild: true });
    this.emit({ type: 'faults' });
  }

  /**
   * Shows the moment shown anew, replayed from the checkpoint before it with its trace kept:
   * after a fast-forward, which kept none, the views get its latest events.
   */
  showAnew() {
    const { driver } = this.history.restore({ steps: this.driver.steps }, this.log, this.driver);
    this.show({ driver, time: this.now() }, { same: true });
  }

  // Makes `next` the driver and tells the views. Waiting run() calls of the old one never settle,
  // unless `next` is the same run at the same moment (its requests are the old one's).
  install(next, { same = false } = {}) {
    // Freeing a long run's copy takes about as long as making one (~100 ms at a million
    // operations: the trace's blocks): after the next frame, not within a jump. A timer, not
    // requestAnimationFrame: a hidden page draws no frames, and would keep every old run.
    const old = this.driver;
    if (old) setTimeout(() => old.dispose(), FREE_OLD_RUN_MS);
    this.driver = next;
    if (!same) this.waiters.clear();
    this.emit({ type: 'cluster' });
  }

  // Processes every event due by now.
  catchUp() {
    this.driver.runUntil(this.now());
    this.flush();
  }

  // Wakes us when the next event is due (while playing).
  arm() {
    this.clock.wakeAt(this.driver.nextDue());
  }

  // Records and hands out what happened since the last flush; resolves waiting run() calls.
  // A step can leave no trace (a request's deadline that finds nothing to do) and still change
  // the state views read (the network became quiet), so steps taken are news too. Views get
  // only the last `tail` events and `resultTail` results (a fast-forward gives none: it keeps no
  // events, and printing results costs layouts).
  flush({ tail = VIEW_TAIL, resultTail = VIEW_TAIL } = {}) {
    // Results are converted from wasm only for the views, unless run() calls wait for theirs.
    const { trace, results } = this.driver.drain({ tail, resultTail: this.waiters.size ? Infinity : resultTail });
    if (!trace.length && !results.length && this.driver.steps === this.flushedSteps) return;
    this.flushedSteps = this.driver.steps;
    this.history.advance(this.driver.steps, this.now(), results, this.driver);
    for (const result of results) {
      const resolve = this.waiters.get(result.request);
      if (resolve) {
        this.waiters.delete(result.request);
        resolve(result);
      }
    }
    this.emit({ type: 'step', trace, results: results.slice(Math.max(0, results.length - resultTail)) });
    // Every fault, typed now or replayed from the log, changes what the views show.
    if (trace.some((e) => e.kind === 'fault')) this.emit({ type: 'faults' });
  }

  /** Every result up to the moment shown, oldest first (a long run's: many). */
  resultsShown() {
    return this.history.resultsUpTo(this.driver.steps);
  }

  /** The actions so far as a kvsim script. */
  script() {
    return this.log.scriptLines().join('\n') + '\n';
  }

  /**
   * Resolves with the run so far as a scenario file (JSON text): its workload's spec if it has one,
   * and with `timeMs`, the moment to reopen it at.
   */
  scenario(timeMs) {
    return scenarioJson(this.driver.configText, this.seed, this.log.scriptLines(), timeMs, this.workloadSpec);
  }
}
