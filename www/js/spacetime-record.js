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
    session.subscribe((event) => this.onEvent(event));
  }

  onEvent(event) {
    if (event.type === 'cluster') {
      this.model.clear();
      this.liveFrom = 0;
    } else if (event.type === 'step') {
      // Only the tail of a long step or of a moment shown anew comes: the model lacks what is
      // before. (A fast-forward's steps bring no events, and its end is shown anew.)
      if (event.trace.length && (event.rebuild || event.trace.length >= VIEW_TAIL)) this.liveFrom = event.trace[0].time;
      this.model.addAll(event.trace);
    }
  }
}
