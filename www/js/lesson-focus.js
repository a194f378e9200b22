// What a lesson step points at, marked on the views: nodes (a ring on the topology, their panels
// and key inspector rows outlined), a key (its rows in the stores, and the key inspector), a link (a glow on the
// topology), a message kind (its dots ringed, its legend entry marked) and the request of a
// script line (lit in the space-time diagram, as the Anomalies card lights its requests).

import { linkOf } from './lesson-data.js';

const MARK = 'lesson-focus';

export class LessonFocus {
  /** `views`: {topology, spacetime, inspector}. */
  constructor(session, views) {
    this.session = session;
    this.views = views;
    this.show = null; // the step's `show`, while a lesson step is shown
    // Store rows are made as keys appear: marked again after every step.
    session.subscribe((event) => {
      if (this.show && event.type === 'step') this.markDom();
    });
  }

  /** Marks what `show` names ({nodes, key, link, kind}) and lights `request` with `caption`. */
  set(show, request, caption) {
    this.show = show;
    const { topology, spacetime, inspector } = this.views;
    topology.setFocus({ nodes: show.nodes, link: show.link ? linkOf(show.link) : null, kind: show.kind ?? null });
    if (show.key !== undefined) inspector.show(show.key);
    if (request !== null && request !== undefined) spacetime.focusRequests(request, null, caption);
    this.markDom();
  }

  clear() {
    this.show = null;
    this.views.topology.setFocus();
    this.markDom();
  }

  markDom() {
    for (const node of document.querySelectorAll(`.${MARK}`)) node.classList.remove(MARK);
    if (!this.show) return;
    const { nodes = [], key, kind } = this.show;
    for (const i of nodes) {
      document.querySelector(`[data-testid="node-panel-${i}"]`)?.classList.add(MARK);
      document.querySelector(`[data-testid="inspector-table"] tr[data-node="${i}"]`)?.classList.add(MARK);
    }
    if (key !== undefined) {
      // The key's rows on the nodes named, or on every node when none are.
      const tables = nodes.length ? nodes.map((i) => `[data-testid="store-table-${i}"]`) : ['.store'];
      for (const table of tables) {
        for (const row of document.querySelectorAll(`${table} tbody tr`)) if (row.dataset.key === key) row.classList.add(MARK);
      }
    }
    // The legend lists only the kinds seen so far: the step's kind is shown whatever it lists.
    for (const item of document.querySelectorAll('[data-testid="legend"] li')) {
      if (kind && item.dataset.kind === kind) {
        item.classList.add(MARK);
        item.hidden = false;
      }
    }
  }
}
