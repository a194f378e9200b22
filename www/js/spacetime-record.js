// What the space-time diagram draws of the live run, recorded from the page's first step: its
// latest events (spacetime-model.js) and from when the record holds every event. The diagram
// (spacetime.js: the view, its drawing, density and windows of the trace) loads when its card is
// first seen, or a lesson, an anomaly or window.playground asks for it, and draws this record.

import { SpacetimeModel } from './spacetime-model.js';
import { VIEW_TAIL } from './session.js';

export class SpacetimeRecord {
  constructor(session) {
    this.model = new SpacetimeModel(); // the live run's latest events
    this.liveFrom = 0; // the model holds every event from this time (µs) on
    this.session = session;
    session.subscribe((event) => this.onEvent(event));
  }

  onEvent(event) {
    if (event.type === 'cluster') {
      this.model.clear();
      this.liveFrom = 0;
    } else if (event.type === 'step') {
      // A fast-forward keeps no events (the diagram draws density meanwhile): its steps bring none.
      const { fastForwarding } = this.session;
      if (fastForwarding) this.model.clear();
      // Only the tail of a long step, a fast-forward frame or a moment shown anew comes: the
      // model lacks what is before.
      const tail = fastForwarding || event.rebuild || event.trace.length >= VIEW_TAIL;
      if (event.trace.length && tail) this.liveFrom = event.trace[0].time;
      else if (fastForwarding) this.liveFrom = Infinity;
      this.model.addAll(event.trace);
    }
  }
}
