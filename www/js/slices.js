// Long work on the main thread in slices: batches sized from the rate measured, so a slice ends
// near its deadline, and a frame drawn between two slices, so the page stays responsive. The
// fast-forward (fast-forward.js) and the whole trace's exports (whole-trace.js) run this way.

/** Longest wait for a frame before the next slice: a hidden page draws none (ms). */
const HIDDEN_WAIT_MS = 100;

/**
 * Resolves, in a task of its own, once a frame has been drawn (with the frame's time), or after
 * HIDDEN_WAIT_MS (with null) on a hidden page. A message task, not a timer: timers nested this
 * deep wait 4 ms, and a message task could run before the browser's frame.
 */
export function afterFrame() {
  return new Promise((resolve) => {
    let started = false;
    const start = (frameAt) => {
      if (started) return;
      started = true;
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve(frameAt ?? null);
      channel.port2.postMessage(null);
    };
    requestAnimationFrame(start);
    setTimeout(start, HIDDEN_WAIT_MS);
  });
}

/**
 * Sizes batches of work (events, steps) from the rate measured in the last one: 1,000 at first,
 * then what fills 70% of the time left in the slice (a batch's time varies: a checkpoint falls in
 * it, or not, and one running past the frame's time costs a frame's wait), 5 ms' worth at most (a
 * slice checks its deadline between batches); none (end the slice) when that is under 0.5 ms.
 */
export class Batches {
  constructor({ first = 1_000, batchMs = 5, fill = 0.7, minMs = 0.5 } = {}) {
    Object.assign(this, { first, batchMs, fill, minMs });
    this.rate = null; // units per ms, null until a batch is timed
  }

  /** Units for the next batch with `left` ms of the slice left; 0: end the slice. */
  next(left) {
    if (this.rate === null) return left > 0 ? this.first : 0;
    // Decided on time, not units: after a batch slowed by a pause (a debugger, a long GC) the
    // rate is tiny, and a batch of at least one unit measures it anew.
    const ms = Math.min(this.batchMs, left * this.fill);
    return ms >= this.minMs ? Math.max(1, Math.floor(this.rate * ms)) : 0;
  }

  /** Takes the rate of a batch of `units` that took `ms`. */
  measured(units, ms) {
    if (ms > 0.1) this.rate = units / ms;
  }
}
