// The compared run: the main session's config, seed, action log and generated workload under one
// changed setting (compare-setting.js), derived from the main run rather than kept in step with
// it. sync(now) makes its driver show the moment `now` of the main clock: when the main run
// changed (a new action, a fork, a new config or workload, reset: the action log or the config is
// another one) or the moment went back (a travel, a step back), the run is rebuilt from its start,
// every action scheduled up front as kvsim schedules a script, and replayed to `now`; otherwise
// it only runs on to `now`. So commands typed anywhere reach both sides, and one clock and one
// set of controls drive both.
//
// Following takes about FOLLOW_MS of a frame (STILL_FOLLOW_MS while the page's run stands still):
// a long way behind (a fast-forward, a travel far into a long run) the compared run catches up
// over several frames, keeping no trace meanwhile (its topology reads what is in flight from the
// driver), and says it is `behind`.
//
// When the main run is paused at the end of its history with nothing left to do (Run until quiet,
// a scenario loaded), the compared run also runs until it is quiet: its trace is then
// `kvsim run`'s of its own config and script, though it may end later or earlier than the main's.
//
// Its events, for the views: 'cluster' (a rebuilt driver) and 'step' (events happened), as the
// session's.

import { checkConfig, scenarioJson } from './wasm.js';
import { Driver } from './driver.js';
import { applyToConfig, applyToAction, applyToSpec } from './compare-setting.js';

/**
 * Most of a frame following the main clock takes (ms) while the page's run moves (playing or
 * fast-forwarding), and while it stands still; the rest of the way waits for the next frames.
 */
const FOLLOW_MS = 6;
const STILL_FOLLOW_MS = 16;
/** Events run between two looks at the time while following. */
const FOLLOW_BATCH = 2_000;
/** Trace events a step hands the compared views at most: its topology keeps no more. */
const VIEW_TAIL = 2_000;

export class CompareSide {
  /** A compared run of `main` (a Session) under `setting` ({name, value}); throws when the setting makes a bad config. */
  constructor(main, setting) {
    this.main = main;
    this.setting = setting;
    this.driver = null;
    this.basis = null; // what the driver was built from: {configText, seed, log, actions, workloadSpec}
    this.at = 0; // the main clock's moment last followed (µs)
    this.shown = 0; // the moment the driver shows: `at`, or later once it ran until quiet (µs)
    this.caughtUp = false; // whether the last sync got all the way (see behind)
    this.listeners = new Set();
    this.check(main.driver.configText); // a bad setting fails here, before anything is shown
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event) {
    for (const listener of [...this.listeners]) listener(event);
  }

  // The main config under the setting, checked; throws naming the problem.
  check(configText) {
    try {
      return checkConfig(applyToConfig(configText, this.setting));
    } catch (e) {
      throw new Error(`this setting makes a bad config: ${e.message}`);
    }
  }

  /** The main run's actions under the setting: [{time (µs), line}]. */
  actions() {
    return this.main.log.actions.map(({ time, line }) => ({ time, line: applyToAction(line, this.setting) }));
  }

  /** The workload spec of the compared run (the main run's under the setting), or null when it has none. */
  workloadSpec(basis = this.basis ?? this.main) {
    return basis.workloadSpec === null ? null : applyToSpec(basis.workloadSpec, this.setting);
  }

  /** Whether the last sync ran out of time before the main clock's moment, or quiet (see FOLLOW_MS). */
  get behind() {
    return !this.caughtUp;
  }

  /** Resolves with the compared run as a scenario file (JSON text) for `kvsim run --scenario`. */
  scenario() {
    const lines = this.actions().map(({ time, line }) => `${(time / 1000).toFixed(3)} ${line}`);
    return scenarioJson(this.driver.configText, this.driver.seed, lines, undefined, this.workloadSpec());
  }

  /**
   * Shows the main clock's moment `now` (µs), or gets as near as `budgetMs` of work allows (see
   * `behind`). Returns whether anything changed. Does nothing for a trace-fed main run (it has no
   * script to follow).
   */
  sync(now, { budgetMs = this.main.clock.playing || this.main.fastForwarding ? FOLLOW_MS : STILL_FOLLOW_MS } = {}) {
    const { main } = this;
    if (main.driver.recorded) return false;
    const { configText } = main.driver;
    const { log, seed, workloadSpec } = main;
    const basis = this.basis;
    const stale =
      !basis || basis.configText !== configText || basis.seed !== seed || basis.log !== log || basis.actions !== log.length || basis.workloadSpec !== workloadSpec;
    if (stale || now < this.at) this.rebuild({ configText, seed, log, actions: log.length, workloadSpec });
    const { driver } = this;
    const before = driver.steps;
    const deadline = performance.now() + budgetMs;
    this.at = now;
    let reached = this.follow({ until: now }, deadline);
    if (reached) {
      this.shown = Math.max(this.shown, now);
      if (!main.clock.playing && main.driver.isQuiet && !main.history.isPast(main.driver.steps)) {
        const steps = driver.steps;
        reached = this.follow({ toQuiet: true }, deadline);
        if (driver.steps > steps) this.shown = Math.max(this.shown, driver.now);
      }
    } else {
      this.shown = driver.now;
    }
    this.caughtUp = reached;
    // A long way behind, the events are only counted: the views get the latest once caught up.
    driver.keepTrace(reached);
    if (driver.steps === before && !stale) return false;
    this.emit({ type: 'step', trace: driver.drain({ tail: reached ? VIEW_TAIL : 0, resultTail: 0 }).trace, results: [] });
    // A fault may have run (its event not kept while catching up, or past the tail): the views
    // read the fault state anew, one small read a frame.
    this.emit({ type: 'faults' });
    return true;
  }

  // Runs the driver in batches (`options` as Driver.runBatch's) until they run nothing, or until
  // `deadline` (performance.now()); returns whether they ran out.
  follow(options, deadline) {
    for (;;) {
      if (this.driver.runBatch({ ...options, maxEvents: FOLLOW_BATCH }) === 0) return true;
      if (performance.now() >= deadline) return false;
    }
  }

  /**
   * `use(driver)` with a driver at the moment shown that holds its whole trace: the driver, or a
   * replay of it from the start (when catching up left events out), freed after `use`.
   */
  withWholeTrace(use) {
    if (this.driver.keepsWholeTrace) return use(this.driver);
    const whole = this.build(this.basis);
    try {
      whole.runSteps(this.driver.steps);
      return use(whole);
    } finally {
      whole.dispose();
    }
  }

  // A fresh driver of the compared config with its workload and every action scheduled, at time
  // 0. With a workload the actions wait for its last operation, as they did in the main run (the
  // page refuses them before), and are only checked now.
  build(basis) {
    const spec = this.workloadSpec(basis);
    const next = new Driver(this.check(basis.configText), basis.seed, null, spec);
    const actions = this.actions();
    actions.forEach(({ time, line }, i) => {
      try {
        if (spec !== null) next.check(time, line);
        else next.schedule(time, line);
      } catch (e) {
        next.dispose();
        throw new Error(`action ${i + 1} (${line}) cannot run under this setting: ${e.message}`);
      }
    });
    if (spec !== null) next.replay(actions);
    return next;
  }

  // Shows a fresh driver (see build) at time 0.
  rebuild(basis) {
    const next = this.build(basis);
    this.driver?.dispose();
    this.driver = next;
    this.basis = basis;
    this.at = 0;
    this.shown = 0;
    this.emit({ type: 'cluster' });
  }

  /** Releases the driver; the side is unusable afterwards. */
  dispose() {
    this.driver?.dispose();
    this.driver = null;
    this.listeners.clear();
  }
}
