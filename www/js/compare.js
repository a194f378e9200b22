// The compared run: the main session's config, seed and action log under one changed setting
// (compare-setting.js), derived from the main run rather than kept in step with it. sync(now)
// makes its driver show the moment `now` of the main clock: when the main run changed (a new
// action, a fork, a new config, reset: the action log or the config is another one) or the moment
// went back (a travel, a step back), the run is rebuilt from its start, every action scheduled up
// front as kvsim schedules a script, and replayed to `now`; otherwise it only runs on to `now`.
// So commands typed anywhere reach both sides, and one clock and one set of controls drive both.
//
// When the main run is paused at the end of its history with nothing left to do (Run until quiet,
// a scenario loaded), the compared run also runs until it is quiet: its trace is then
// `kvsim run`'s of its own config and script, though it may end later or earlier than the main's.
//
// Its events, for the views: 'cluster' (a rebuilt driver) and 'step' (events happened), as the
// session's.

import { checkConfig, scenarioJson } from './wasm.js';
import { Driver } from './driver.js';
import { applyToConfig, applyToAction } from './compare-setting.js';

export class CompareSide {
  /** A compared run of `main` (a Session) under `setting` ({name, value}); throws when the setting makes a bad config. */
  constructor(main, setting) {
    this.main = main;
    this.setting = setting;
    this.driver = null;
    this.basis = null; // what the driver was built from: {configText, seed, log, actions}
    this.at = 0; // the main clock's moment last followed (µs)
    this.shown = 0; // the moment the driver shows: `at`, or later once it ran until quiet (µs)
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

  /** Resolves with the compared run as a scenario file (JSON text) for `kvsim run --scenario`. */
  scenario() {
    const lines = this.actions().map(({ time, line }) => `${(time / 1000).toFixed(3)} ${line}`);
    return scenarioJson(this.driver.configText, this.driver.seed, lines);
  }

  /**
   * Shows the main clock's moment `now` (µs). Returns whether anything changed. Does nothing for
   * a trace-fed main run (it has no script to follow).
   */
  sync(now) {
    const { main } = this;
    if (main.driver.recorded) return false;
    const { configText } = main.driver;
    const { log, seed } = main;
    const basis = this.basis;
    const stale = !basis || basis.configText !== configText || basis.seed !== seed || basis.log !== log || basis.actions !== log.length;
    if (stale || now < this.at) this.rebuild({ configText, seed, log, actions: log.length });
    const before = this.driver.steps;
    this.driver.runUntil(now);
    this.at = now;
    this.shown = Math.max(this.shown, now);
    if (!main.clock.playing && main.driver.isQuiet && !main.history.isPast(main.driver.steps)) {
      const last = this.driver.runUntilQuiet();
      if (last !== undefined) this.shown = Math.max(this.shown, last);
    }
    if (this.driver.steps === before && !stale) return false;
    this.emit({ type: 'step', trace: this.driver.drain().trace, results: [] });
    return true;
  }

  // A fresh driver of the compared config with every action scheduled, at time 0.
  rebuild(basis) {
    const next = new Driver(this.check(basis.configText), basis.seed);
    this.actions().forEach(({ time, line }, i) => {
      try {
        next.schedule(time, line);
      } catch (e) {
        next.dispose();
        throw new Error(`action ${i + 1} (${line}) cannot run under this setting: ${e.message}`);
      }
    });
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
