// The simulated run's whole trace up to the moment shown, read range by range for the exports
// (trace-export.js): a slice of work at a time (slices.js), so a long run's export keeps the
// page drawing. A run that kept its whole trace is read from
// a copy of its scheduler (the run shown may play on, or be freed by a jump, meanwhile). A
// fast-forward kept none of its events: such a run is replayed from its start (the run is
// deterministic), and each range is let go once read, so the replay holds a batch's worth of
// events, not the run's (wasm memory never shrinks).

import { afterFrame, Batches } from './slices.js';

/**
 * Longest slice of work (ms) before the page may draw: with the batch it ends in, a task stays
 * under the 50 ms of issue 14.
 */
const SLICE_MS = 35;

export class WholeTrace {
  /** The trace of `session`'s run (a simulation: not `driver.recorded`) up to the moment shown. */
  constructor(session) {
    const { driver } = session;
    // How many events the export will read, about (the checks' anomaly events counted, which are
    // not read): it sizes where the export's bytes go (export-sink.js).
    this.events = driver.traceEvents;
    this.batches = new Batches(); // of events read, or steps replayed
    this.read = 0; // events read so far: the next range starts here
    if (driver.keepsWholeTrace) {
      this.replay = null;
      this.scheduler = driver.scheduler.snapshot(); // shares the trace's sealed blocks
    } else {
      this.replay = session.history.fromStart(session.log, driver);
      this.replay.traceOnly(); // the exports read nothing else: no history, checks or results twice
      this.scheduler = this.replay.scheduler;
      this.steps = driver.steps; // the replay's target: the moment shown
    }
  }

  /** Whether every event up to the moment shown has been read. */
  get done() {
    return this.read === this.scheduler.traceLength && (!this.replay || this.replay.steps === this.steps);
  }

  /** How far the reading is, from 0 to 1. */
  get progress() {
    if (this.replay) return this.steps ? this.replay.steps / this.steps : 1;
    return this.scheduler.traceLength ? this.read / this.scheduler.traceLength : 1;
  }

  /**
   * Reads the next ranges of events until `deadline` (performance.now() ms) or the end:
   * `visit(scheduler, start, end)` for each, in order, with a KvScheduler holding the events
   * from `start` to `end` (read them with its traceJsonLinesBetween or hashTraceBetween).
   */
  readUntil(deadline, visit) {
    while (!this.done) {
      const units = this.batches.next(deadline - performance.now());
      if (units === 0) return;
      const started = performance.now();
      const end = this.replay ? this.replayFor(units) : Math.min(this.read + units, this.scheduler.traceLength);
      visit(this.scheduler, this.read, end);
      if (this.replay) this.scheduler.clearTrace();
      this.read = end;
      this.batches.measured(units, performance.now() - started);
    }
  }

  // Replays up to `steps` more steps (not past the moment shown); returns the events recorded.
  replayFor(steps) {
    const { replay } = this;
    const before = replay.steps;
    replay.runSteps(Math.min(this.steps, before + steps));
    if (replay.steps === before && before < this.steps) {
      throw new Error(`the replay of this run ran out of events at step ${before} of ${this.steps}`);
    }
    return this.scheduler.traceLength;
  }

  /** Releases the copy or the replay. */
  dispose() {
    if (this.replay) this.replay.dispose();
    else this.scheduler.free();
  }
}

/**
 * Reads `trace` (a WholeTrace), a slice at a time: the first in the caller's task (a short run's
 * is read at once), each next one in a task of its own after a frame, once `settle()` has
 * resolved (an export's writes: a slow disk holds the reading back). After each slice but the
 * last, `onProgress(fraction)` is told. Resolves once every range is read; `trace` is disposed.
 */
export async function readWholeTrace(trace, visit, { onProgress = () => {}, settle = async () => {} } = {}) {
  try {
    for (;;) {
      trace.readUntil(performance.now() + SLICE_MS, visit);
      if (trace.done) return;
      onProgress(trace.progress);
      await Promise.all([afterFrame(), settle()]);
    }
  } finally {
    trace.dispose();
  }
}
