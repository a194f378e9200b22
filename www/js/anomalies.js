// The Anomalies card: what the core's live checks found in the run up to the moment shown (a
// count per kind, and each anomaly explained in words), and the keys whose replicas still
// disagree once the network is quiet. Clicking an anomaly travels to the moment its operation
// completed and lights up that operation's messages, and those of the one it contradicts, in the
// space-time diagram. Every text is set as text: keys and values are whatever users typed.

import { anomalyKinds } from './wasm.js';
import { byTestId, el, setText, seconds, throttle } from './dom.js';
import { versionText } from './versions.js';

const DIVERGENCE_MS = 400; // the replicas are compared at most this often while quiet
/** Anomalies listed as items; a long run's others are counted (playground.anomalies() has all). */
const MAX_LISTED = 500;

export class AnomaliesPanel {
  /** `spacetime` lights up the chosen anomaly's requests. */
  constructor(session, spacetime) {
    this.session = session;
    this.spacetime = spacetime;
    this.list = byTestId('anomaly-list');
    this.empty = byTestId('anomaly-empty');
    this.divergentBox = byTestId('anomaly-divergent');
    this.more = el('p', { className: 'muted anomaly-more', hidden: true }); // past MAX_LISTED
    this.list.after(this.more);
    this.found = []; // the anomalies listed, oldest first
    this.chosen = null; // the request of the anomaly clicked last, in this history
    this.history = null; // the session's history the anomalies are of
    this.shownDivergence = null; // what the divergent box shows, to skip redrawing the same
    this.comparisons = 0; // comparisons of replicas asked for: only the last one asked is shown
    this.counts = new Map();
    byTestId('anomaly-counts').replaceChildren(
      ...anomalyKinds().map(({ kind, name }) => {
        const count = el('span', { className: 'anomaly-count', text: '0' });
        this.counts.set(kind, count);
        return el('li', { className: `kind-${kind}`, 'data-kind': kind }, count, ' ', el('span', { text: name }));
      }),
    );
    this.compareSoon = throttle(() => this.compareReplicas().catch(console.error), DIVERGENCE_MS); // only a failed package load
    session.subscribe((event) => {
      if (event.type === 'cluster') this.restart();
      else if (event.type === 'step') this.update();
      else if (event.type === 'fork') this.chosen = null; // later requests may take its id again
    });
    this.restart(); // made when the card is first seen: the run so far
  }

  /** A new driver is shown (a moment travelled to, or a new run): its anomalies are read afresh. */
  restart() {
    if (this.session.history !== this.history) {
      this.history = this.session.history;
      this.chosen = null; // request ids start again in a new run
    }
    this.found = [];
    this.list.replaceChildren();
    this.recount();
    this.update();
  }

  update() {
    const driver = this.session.driver;
    const total = driver.anomalyCount;
    if (total > this.found.length) {
      // Only the anomalies still to be listed cross over; the rest are counted by kind.
      const listed = Math.min(total, MAX_LISTED);
      const fresh = listed > this.found.length ? driver.anomalies(this.found.length).slice(0, listed - this.found.length) : [];
      for (const a of fresh) this.found.push(a);
      this.list.append(...fresh.map((a) => this.item(a)));
      this.recount();
    }
    this.compareSoon();
  }

  recount() {
    const total = this.session.driver.anomalyCount;
    const byKind = total > this.found.length ? this.session.driver.anomalyCounts() : null;
    for (const [kind, node] of this.counts) {
      const n = byKind ? (byKind[kind] ?? 0) : this.found.filter((a) => a.kind === kind).length;
      setText(node, String(n));
      node.parentElement.classList.toggle('some', n > 0);
    }
    this.empty.hidden = total > 0;
    this.more.hidden = total <= this.found.length;
    setText(this.more, `… and ${(total - this.found.length).toLocaleString('en')} more (playground.anomalies() lists all)`);
  }

  item(a) {
    const button = el(
      'button',
      { type: 'button', className: 'anomaly-item', 'aria-current': a.request === this.chosen ? 'true' : undefined },
      el(
        'span',
        { className: 'anomaly-head' },
        el('span', { className: 'anomaly-time', text: `${seconds(a.time)} s` }),
        el('span', { className: 'anomaly-kind', text: a.name }),
        el('span', { className: 'anomaly-where', text: `n${a.process} · key ${a.key} · request ${a.request}` }),
      ),
      el('span', { className: 'anomaly-explanation', text: a.explanation }),
    );
    button.addEventListener('click', () => this.choose(a));
    return el('li', { className: `anomaly kind-${a.kind}` }, button);
  }

  /** Travels to the moment anomaly `a` was found and lights up its operation and the earlier one. */
  choose(a) {
    this.chosen = a.request;
    this.session.travel({ time: a.time });
    const earlier = a.earlier === null ? '' : ` and, in violet, request ${a.earlier}: the operation it contradicts`;
    const text = `${a.name} at ${seconds(a.time)} s: lit in amber, request ${a.request} (the operation on n${a.process})${earlier}.\n${a.explanation}`;
    this.spacetime.focusRequests(a.request, a.earlier, text);
  }

  /** Lists the keys whose replicas disagree, once the network is quiet (compared by the exports package). */
  async compareReplicas() {
    const driver = this.session.driver;
    const asked = ++this.comparisons;
    const keys = driver.isQuiet ? await driver.divergent() : null;
    // A later comparison was asked for while this one waited, or a jump replaced the driver (its
    // comparison, throttled, may not have started yet): this answer is of another moment.
    if (asked !== this.comparisons || driver !== this.session.driver) return;
    const lines = keys?.map(({ key, replicas }) => [
      `key ${key}`,
      replicas.map(([node, entry]) => (entry ? `n${node}: ${entry.value} (${versionText(entry.version)})` : `n${node}: nothing`)).join(' · '),
    ]);
    const shown = JSON.stringify(lines ?? null);
    if (shown === this.shownDivergence) return; // unchanged: no DOM work
    this.shownDivergence = shown;
    if (!lines) {
      this.divergentBox.replaceChildren(el('p', { className: 'muted', text: 'Replicas are compared once the network is quiet.' }));
    } else if (!lines.length) {
      this.divergentBox.replaceChildren(el('p', { className: 'muted', text: 'The network is quiet and every key’s replicas agree.' }));
    } else {
      this.divergentBox.replaceChildren(
        el('p', { className: 'divergent-title', text: `Not converged (the network is quiet): ${lines.length} key${lines.length === 1 ? '' : 's'}` }),
        el('ul', { className: 'divergent-keys' }, ...lines.map(([key, held]) => el('li', {}, el('span', { className: 'divergent-key', text: key }), ' ', held))),
      );
    }
  }
}
