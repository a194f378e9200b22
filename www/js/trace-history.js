// The history of a trace-fed driver (trace-driver.js), for time travel. A recorded trace is known
// whole from the start: its end and every result are read once, by replaying a copy, so the
// timeline spans the whole trace at once; a moment is restored by replaying the trace from its
// start (no checkpoints: applying events is cheap). A live cluster's history grows as events
// arrive, like the simulation's; it is never restored (the clock follows real time).

import { History } from './history.js';

export class TraceHistory extends History {
  constructor(driver) {
    super(driver);
    this.traceResults = []; // every result, each with its `step`: a trace's are few
    if (driver.live) return;
    const whole = driver.restart();
    whole.runUntilQuiet();
    this.traceResults = whole.drain().results;
    this.end = { steps: whole.steps, time: whole.now };
  }

  /** A live cluster's new results (a recorded trace's are all known). */
  advance(steps, time, results) {
    for (const result of results) if (result.step > this.end.steps) this.traceResults.push(result);
    super.advance(steps, time, results, null);
  }

  // The results are the trace's own, in JS.
  keepResults() {}

  get results() {
    return this.traceResults;
  }

  resultsUpTo(steps, tail = Infinity) {
    const results = this.traceResults.filter((r) => r.step <= steps);
    return results.slice(Math.max(0, results.length - tail));
  }

  fork(at, actions) {
    this.traceResults = this.resultsUpTo(at.steps);
    super.fork(at, actions, null);
  }

  // No checkpoints: a restore replays the trace from its start.
  watch() {}

  keep() {}

  /** The trace at `target` ({steps} or {time}), as History.restore says it. */
  restore(target, log, like) {
    const driver = like.restart();
    if (target.steps !== undefined) driver.runSteps(target.steps);
    else driver.runUntil(target.time);
    return { driver, time: target.time ?? driver.now };
  }
}
