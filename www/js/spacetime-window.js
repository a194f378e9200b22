// Arrows anywhere in a long run: the events of a time window decoded from the core's packed
// trace (KvScheduler.eventsBetween finds the block holding the window's start; trace-windows.js
// replays a stretch a fast-forward kept none of), made into a model of their own. The decoded range is three windows wide, so panning and zooming within it
// redraws from the same model; it is decoded again only when the view leaves it, zooms far in
// or out, or the run adds events inside it.

import { SpacetimeModel } from './spacetime-model.js';

/** Most events decoded for one window (a window drawn as arrows holds at most a few thousand messages). */
const MAX_EVENTS = 60_000;

export class WindowEvents {
  constructor() {
    this.clear();
  }

  clear() {
    this.model = null;
    this.from = 0;
    this.to = 0;
    this.span = 0;
    this.stamp = null; // `processed` of the run when decoded, while the range reaches its end
  }

  /**
   * A model of (at least) the window [from, to) of a run: `source` has eventsBetween(from, to,
   * max), and the run's `processed` events and `now` (a TraceWindows).
   */
  modelFor(source, from, to) {
    const span = to - from;
    const fresh = this.stamp === null || this.stamp === source.processed;
    const inside = this.model && from >= this.from && to <= this.to && span * 4 >= this.span;
    if (inside && fresh) return this.model;
    const lo = Math.max(0, from - span);
    const events = source.eventsBetween(lo, to + span, MAX_EVENTS);
    const model = new SpacetimeModel();
    model.addAll(events);
    // Capped: the model reaches as far as the events decoded.
    const reached = events.length === MAX_EVENTS ? events[events.length - 1].time : to + span;
    Object.assign(this, { model, from: from - span, to: reached, span });
    this.stamp = reached >= source.now ? source.processed : null;
    return model;
  }
}
