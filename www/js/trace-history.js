// The history of a trace-fed driver (trace-driver.js), for time travel. A recorded trace is known
// whole from the start: its end and every result are read once, by replaying a copy, so the
// timeline spans the whole trace at once; a moment is restored by replaying the trace from its
// start (no checkpoints: applying events is cheap). A live cluster's history grows as events
// arrive, like the simulation's; it is never restored (the clock follows real time).

import { History } from './history.js';

export class TraceHistory extends History {
  constructor(driver) {
    super(driver);
    if (driver.live) return;
    const whole = driver.restart();
    whole.runUntilQuiet();
    this.results = whole.drain().results;
    this.end = { steps: whole.steps, time: whole.now };
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
