// The action log: every command and fault of the run with its virtual time, in the order they
// were scheduled. It is the run's script: kvsim replays it to the same trace, share links and
// scenario files carry it, and a moment of the history is restored by replaying it.

export class ActionLog {
  constructor(actions = []) {
    this.actions = actions; // {time (µs), line (canonical, as the core printed it)}
  }

  get length() {
    return this.actions.length;
  }

  /** Logs an action scheduled at `time` (µs). */
  add(time, line) {
    this.actions.push({ time, line });
  }

  /** Logs a timed line as the core printed it (`<time_ms> <action>`). */
  addTimed(timedLine) {
    const space = timedLine.indexOf(' ');
    this.add(Math.round(Number(timedLine.slice(0, space)) * 1000), timedLine.slice(space + 1));
  }

  /** The actions from index `start` on. */
  from(start) {
    return this.actions.slice(start);
  }

  /** The time of the last action (µs), or 0 when there is none. */
  lastTime() {
    return this.actions.at(-1)?.time ?? 0;
  }

  /** A log of the actions up to `time` (µs): what a fork there keeps. */
  upTo(time) {
    return new ActionLog(this.actions.filter((action) => action.time <= time));
  }

  /**
   * How many actions from the start upTo(`time`) keeps in their places: those before the first
   * one after `time` in the log's order. A script's line for later, logged before a command typed
   * now, ends them: a checkpoint that had scheduled more holds an action the fork drops.
   */
  keptInPlace(time) {
    const dropped = this.actions.findIndex((action) => action.time > time);
    return dropped < 0 ? this.actions.length : dropped;
  }

  /** The actions as kvsim script lines (times in ms, exact to the µs). */
  scriptLines() {
    return this.actions.map((a) => `${(a.time / 1000).toFixed(3)} ${a.line}`);
  }
}
