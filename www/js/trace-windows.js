// Windows of the run's trace for the space-time diagram's arrows, anywhere in the run. A run
// that was fast-forwarded kept no events of that stretch (fast-forward.js): a window there is
// read from a copy of the run replayed, trace kept, from the checkpoint before the window (the
// run is deterministic, so the copy's events are the run's). The copy is kept for the next
// window, which is usually near: it is run on to the window's end, never past the moment shown.

/** Most events a copy keeps before the next window replays anew (about 12 bytes each). */
const MAX_COPY_EVENTS = 1_000_000;

export class TraceWindows {
  constructor(session) {
    this.session = session;
    // A scratch driver replayed to read past windows, with the action log it replayed (and that
    // log's length): an action typed since is not in it. Or null.
    this.copy = null;
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
    const { driver: copy } = this.copy;
    copy.runBatch({ until: Math.min(to, driver.now), maxEvents: driver.steps - copy.steps });
    return copy.scheduler.eventsBetween(from, to, max);
  }

  // Whether the copy holds the events from `from` (µs) on, or runs on to them: it has the
  // actions logged so far, kept its events since before `from`, has not passed `from` (a window
  // further on replays from the checkpoint before it) nor the moment shown, and has not kept a
  // long pan's worth already.
  holds(from) {
    if (!this.copy) return false;
    const { driver: copy, log, actions } = this.copy;
    const { session } = this;
    return (
      log === session.log &&
      actions === log.length &&
      copy.keepsTraceSince(from) &&
      copy.now >= from &&
      copy.steps <= session.driver.steps &&
      copy.keptEvents < MAX_COPY_EVENTS
    );
  }

  // A new copy at the latest checkpoint before `from` (µs), replayed to just before it: its
  // trace then holds every event from `from` on.
  replayTo(from) {
    this.drop();
    const { session } = this;
    const target = { time: Math.max(0, from - 1) };
    const { driver } = session.history.restore(target, session.log, session.driver, { scratch: true });
    this.copy = { driver, log: session.log, actions: session.log.length };
  }

  drop() {
    this.copy?.driver.dispose();
    this.copy = null;
  }
}
