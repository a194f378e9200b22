// What a person gives from a console or the command bar: the commands typed, recalled with the
// arrows, and the requests given in the run shown, whose answers are that input's to show and
// announce (not a generated workload's, nor another input's).

/** The commands given from one input, oldest first, recalled on it with ↑ and ↓. */
export class TypedCommands {
  constructor() {
    this.lines = [];
    this.cursor = 0; // the line ↑ and ↓ show: lines.length is the new, empty one
  }

  /** Notes `text` as given (a repeat of the last one once); ↑ starts again from the newest. */
  add(text) {
    if (this.lines.at(-1) !== text) this.lines.push(text);
    this.cursor = this.lines.length;
  }

  /** On ↑ or ↓ (a keydown `e` on `input`), shows the command before or after; other keys pass. */
  recall(e, input) {
    if (e.key !== 'ArrowUp' && e.key !== 'ArrowDown') return;
    e.preventDefault();
    this.cursor = Math.max(0, Math.min(this.lines.length, this.cursor + (e.key === 'ArrowUp' ? -1 : 1)));
    input.value = this.lines[this.cursor] ?? '';
  }
}

/**
 * The requests given from one input in the run shown, each with the virtual µs it was given at.
 * Request ids start again with every run (Reset, a lesson, a config), so a new run starts with
 * none; a fork drops those given after it, whose ids the new branch may give again.
 */
export class GivenRequests {
  /** `onNewRun()` is called when the run shown is another one (its answers are not this one's). */
  constructor(session, onNewRun = () => {}) {
    this.session = session;
    this.at = new Map(); // request -> virtual µs
    this.run = null; // the history the requests belong to
    this.giving = false; // while a command from this input is being scheduled
    this.latest = null; // the request given last, once scheduled
    session.subscribe((event) => {
      if (event.type === 'cluster' && session.history !== this.run) {
        this.run = session.history;
        this.at.clear();
        onNewRun();
      } else if (event.type === 'fork') {
        for (const [request, time] of this.at) if (time > event.time) this.at.delete(request);
      } else if (event.type === 'action' && this.giving && event.request !== null) {
        this.at.set(event.request, event.time);
        this.latest = event.request;
      }
    });
  }

  /**
   * Types `text` on `node` (session.run), noting its request as it is scheduled, before it can
   * answer. Resolves with the first result; a real cluster's answer comes through it alone (see add).
   */
  give(node, text) {
    this.giving = true;
    try {
      return this.session.run(node, text);
    } finally {
      this.giving = false;
    }
  }

  /** Notes a request given here that no action told of (a real cluster's, from its answer). */
  add(request, time) {
    this.at.set(request, time);
  }

  has(request) {
    return this.at.has(request);
  }
}
