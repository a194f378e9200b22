// Links set by hand (the page's setLink: 'up', 'hold', 'drop'), which no script line expresses.
// Each is recorded with the number of steps done before it, so that a cluster restored for time
// travel sets it again at exactly that point of the run (and not before the clock reaches it).

export class LinkLog {
  /** `entries`: [{time (µs), steps, from, to, state}], the first `applied` of them in effect. */
  constructor(entries = [], applied = entries.length) {
    this.entries = entries;
    this.applied = applied;
  }

  get length() {
    return this.entries.length;
  }

  /** Whether some entry is still to be set again (a restored cluster's recorded future). */
  get pending() {
    return this.applied < this.entries.length;
  }

  /** Logs a link just set by hand. */
  record(entry) {
    this.entries.push(entry);
    this.applied = this.entries.length;
  }

  /** The next entry to set again once `steps` steps are done (it came before the next one). */
  next(steps) {
    const entry = this.entries[this.applied];
    return entry?.steps <= steps ? entry : undefined;
  }

  /** Hands `set` each entry due after `steps` steps whose time is by `clock`, in order. */
  applyDue(steps, clock, set) {
    for (let entry = this.next(steps); entry && entry.time <= clock; entry = this.next(steps)) {
      set(entry);
      this.applied += 1;
    }
  }

  /** A copy with the first `applied` entries in effect. */
  copy(applied = this.applied) {
    return new LinkLog(this.entries.slice(), applied);
  }

  /** A copy of the entries in effect only (a fork drops the others). */
  kept() {
    return new LinkLog(this.entries.slice(0, this.applied));
  }
}
