// Fast-forward: runs the session's simulation to quiet in slices of at most SLICE_MS on the main
// thread, so the page keeps drawing (one requestAnimationFrame loop draws every view from the
// current state). The views hear of the run at most once per frame. The run keeps no trace
// meanwhile, only its density index, checks, results and checkpoints: its end is then shown anew
// from a replay, like a moment travelled to, and a view that reads an earlier window of events
// replays it (trace-windows.js). Cancel stops between two batches of events: the run is then a
// consistent moment like any other, paused, to travel in or play on.

import { afterFrame, Batches } from './slices.js';

/**
 * Longest slice of work between two chances for the page to draw: one frame (a few ms of
 * rendering in headless Chromium) comes between two slices, so a longer slice spends more of
 * the time running; 40 ms and the batch it ends in keep every task under the 50 ms of issue 14.
 * A slice that tells the views leaves them VIEWS_MS of it.
 */
const SLICE_MS = 40;
/** What telling the views takes of a slice (ms): the clock, the progress bar, the cards' counts. */
const VIEWS_MS = 8;
/** A frame's period (ms): a slice ends just before a frame is due (see slice). */
const FRAME_MS = 1000 / 60;
/** How long before that frame a slice ends (ms): its last batch may run over its estimate. */
const FRAME_MARGIN_MS = 1.5;
/** Shortest slice that is worth aligning to a frame (ms); a shorter one keeps its deadline. */
const MIN_ALIGNED_MS = 20;
/**
 * Steps between the history's checkpoints in a fast-forward, at least: a jump replays up to this
 * many (a few ms). At 200 apart, copying the nodes took a quarter of a 100,000-operation run.
 */
const CHECKPOINT_STEPS = 12_800;
/**
 * The views and the progress bar are told at most this often (ms): each time, the frame after
 * lays out and paints what changed. Every 200 ms rather than 100, the 100,000-operation
 * fast-forward took 1.4-1.5 s instead of 1.8-1.9 s (65-69% of the time in slices, not 58-62%).
 */
const VIEWS_EVERY_MS = 200;

export class FastForward {
  /** `onProgress({scheduled, total, events, running})` is told with the views, and at the end. */
  constructor(session, onProgress) {
    this.session = session;
    this.onProgress = onProgress;
    this.running = null; // {driver, cancelled, resolve} while a fast-forward runs
    this.framed = true; // whether a frame was drawn since the views were last told
    this.toldAt = -Infinity; // performance.now() when the views were last told
    this.frameAt = null; // when the last frame began (requestAnimationFrame's time), or null
  }

  /** Runs to quiet (every workload operation done); resolves with the last progress when done or cancelled. */
  start() {
    if (this.running) return this.running.done;
    const { session } = this;
    if (session.driver.recorded) throw new Error(`Fast-forward is not available: ${session.driver.recorded}`);
    session.pause();
    let resolve;
    const done = new Promise((r) => (resolve = r));
    // sliceMs: time spent in slices, so the share of the wall time that ran can be measured.
    this.running = { driver: session.driver, cancelled: false, ended: false, resolve, done, batches: new Batches(), sliceMs: 0 };
    // The run keeps no trace meanwhile (packing it took half the time): the density index, the
    // checks, the results and the checkpoints go on, and finish() shows the end anew from a replay.
    session.driver.keepTrace(false);
    session.history.spaceAtLeast(CHECKPOINT_STEPS, session.driver);
    session.emit({ type: 'fast-forward', running: true });
    this.schedule();
    return done;
  }

  /** Stops after the batch in progress; the run stays where it got to. */
  cancel() {
    if (this.running) this.running.cancelled = true;
  }

  /** Cancels the fast-forward running, if any; resolves once it has ended. */
  stop() {
    if (!this.running) return Promise.resolve();
    this.cancel();
    return this.running.done;
  }

  get isRunning() {
    return this.running !== null;
  }

  // The next slice runs as a task of its own once a frame is drawn: one frame between two
  // slices, never two slices back to back. A hidden page draws no frames: a timer starts it.
  schedule() {
    afterFrame().then((frameAt) => {
      this.frameAt = frameAt;
      this.framed = true;
      this.slice();
    });
  }

  slice() {
    const run = this.running;
    const { session } = this;
    // A reset, a new config or a moment travelled to replaced the driver: this run is over. The
    // end is a task of its own: the views' work on the finished run (the stores read anew, the
    // last events) on top of a slice made a task past 50 ms.
    if (run.cancelled || run.ended || session.driver !== run.driver || run.driver.isQuiet) return this.finish(run);
    const sliceStart = performance.now();
    const telling = this.framed && sliceStart - this.toldAt >= VIEWS_EVERY_MS;
    let deadline = sliceStart + SLICE_MS - (telling ? VIEWS_MS : 0);
    // End just before a frame is due: the next frame then starts at once, where a slice ending
    // anywhere waits half a frame for it on average, time in which nothing runs.
    if (this.frameAt !== null) {
      const aligned = this.frameAt + Math.floor((deadline - this.frameAt) / FRAME_MS) * FRAME_MS - FRAME_MARGIN_MS;
      if (aligned - sliceStart >= MIN_ALIGNED_MS) deadline = aligned;
    }
    for (;;) {
      // Batches fill the slice, so it ends near its deadline rather than up to a batch before
      // it (time in which nothing runs).
      const events = run.batches.next(deadline - performance.now());
      if (events === 0) break;
      const started = performance.now();
      const done = run.driver.runBatch({ maxEvents: events, toQuiet: true });
      run.batches.measured(done, performance.now() - started);
      run.ended = done === 0; // nothing left to run (quiet, or nothing due)
      if (run.ended || run.driver.isQuiet) break;
    }
    if (telling) this.tell(run, false);
    run.sliceMs += performance.now() - sliceStart;
    this.schedule();
  }

  // Tells the views and the progress bar of the run so far (`finished`: it is over). They get no
  // events (none are kept) nor results (printing them costs layouts): the end shown anew has its
  // latest ones.
  tell(run, finished) {
    const { session } = this;
    this.framed = false;
    this.toldAt = performance.now();
    session.clock.jump(Math.max(session.now(), run.driver.now));
    session.flush({ tail: 0, resultTail: 0 });
    this.onProgress({ ...this.progress(run.driver), running: !finished, sliceMs: run.sliceMs });
  }

  // Ends the run: quiet, cancelled, or its driver replaced (then the views show another, and
  // the old one may be freed already).
  finish(run) {
    const { session } = this;
    const started = performance.now();
    const shown = session.driver === run.driver;
    if (shown) this.tell(run, true);
    run.sliceMs += performance.now() - started;
    this.running = null;
    session.arm();
    session.emit({ type: 'fast-forward', running: false });
    const last = () => ({ ...this.progress(), running: false, sliceMs: run.sliceMs });
    if (!shown) {
      // tell() said so for the same driver; the card of a replaced one must hear the run is over too.
      this.onProgress(last());
      run.resolve(last());
      return;
    }
    // The run kept no trace: its end is shown anew from a replay that keeps it (the event log's
    // and the diagram's latest events, the consoles' last results), in a task of its own: with
    // the views' work above, at 64 nodes one task took 50 ms. Unless a jump came in between.
    setTimeout(() => {
      if (session.driver === run.driver) session.showAnew();
      run.resolve(last());
    });
  }

  /** progress(), and whether a fast-forward is running. */
  status() {
    return { ...this.progress(), running: this.isRunning };
  }

  /** {scheduled, total (null without a workload), events}: how far the run is. */
  progress(driver = this.session.driver) {
    return this.session.runProgress(driver);
  }
}
