// Windows of the run's trace for the space-time diagram's arrows, anywhere in the run. A run
// that was fast-forwarded kept no events of that stretch (fast-forward.js): a window there is
// read from a copy of the run replayed, trace kept, from the checkpoint before the window (the
// run is deterministic, so the copy's events are the run's). The copy is kept for the next
// window, which is usually near, and run on when the view pans later.

/** Most events a copy keeps before the next window replays anew (about 12 bytes each). */
const MAX_COPY_EVENTS = 1_000_000;

export class TraceWindows {
  constructor(session) {
    this.session = session;
    this.copy = null; // a scratch driver replayed to read past windows, or null
    session.subscribe((event) => {
      if (event.type === 'cluster' || event.type === 'fork') this.drop();
    });
  }

  /** Events processed by the run shown: a window read while it grows is read again. */
  get processed() {
    return this.session.driver.steps;
  }

  /** Virtual time of the run shown (µs). */
  get now() {
    return this.session.driver.now;
  }

  /**
   * The trace events at or after `from` and before `to` (µs), at most `max`, oldest first: the
   * shown run's own when it kept them, else a replayed copy's (none after the moment shown).
   */
  eventsBetween(from, to, max) {
    const { driver } = this.session;
    if (driver.keepsTraceSince(from)) return driver.scheduler.eventsBetween(from, to, max);
    if (!this.holds(from)) this.replayTo(from);
    this.copy.runUntil(Math.min(to, driver.now));
    return this.copy.scheduler.eventsBetween(from, to, max);
  }

  // Whether the copy holds the events from `from` (µs) on, or runs on to them cheaply: it kept
  // them, has not passed them, and has not kept a long pan's worth already.
  holds(from) {
    const copy = this.copy;
    if (!copy?.keepsTraceSince(from) || copy.now < from) return false;
    return copy.scheduler.traceLength - copy.scheduler.traceKeptFrom < MAX_COPY_EVENTS;
  }

  // A new copy at the latest checkpoint before `from` (µs), replayed to just before it: its
  // trace then holds every event from `from` on.
  replayTo(from) {
    this.drop();
    const { session } = this;
    const target = { time: Math.max(0, from - 1) };
    this.copy = session.history.restore(target, session.log, session.driver, { scratch: true }).driver;
  }

  drop() {
    this.copy?.dispose();
    this.copy = null;
  }
}
