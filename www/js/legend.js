// The topology's legend, kept short for a first visit: the message kinds that have travelled in
// this run so far, the coordinator once a request is on its way, the link and node marks once a
// fault shows them; "all" lists every entry on demand. Lesson steps can ask for a kind (shown()).

import { KINDS } from './kinds.js';
import { el } from './dom.js';

const SYMBOLS = [
  ['coordinator', 'coordinator'],
  ['held', 'held link'],
  ['cut', 'cut link'],
  ['degraded', 'lossy, duplicating or slow link'],
  ['down', 'down node'],
];

export class Legend {
  constructor(root) {
    this.root = root;
    const swatch = (classes) => el('span', { className: `swatch ${classes}`, 'aria-hidden': 'true' });
    this.items = new Map();
    for (const [kind, style] of Object.entries(KINDS)) {
      const classes = `${style.family}${style.hollow ? ' hollow' : ''}${style.loud ? ' ringed' : ''}`;
      this.items.set(kind, el('li', { className: style.loud ? 'loud' : undefined, 'data-kind': kind }, swatch(classes), style.label));
    }
    for (const [symbol, label] of SYMBOLS) this.items.set(symbol, el('li', { 'data-symbol': symbol }, swatch(symbol), label));
    this.empty = el('li', { className: 'legend-empty muted', text: 'Message kinds appear here as they travel.' });
    this.toggle = el('button', { type: 'button', className: 'legend-toggle', 'data-testid': 'legend-all', 'aria-expanded': 'false' });
    this.toggle.addEventListener('click', () => this.showAll(this.toggle.getAttribute('aria-expanded') !== 'true'));
    root.replaceChildren(...this.items.values(), this.empty, el('li', {}, this.toggle));
    this.present = new Set();
    this.all = false;
    this.render();
  }

  /** A new run: nothing has travelled yet. */
  reset() {
    this.present.clear();
    this.render();
  }

  /** Marks entries (kinds or symbols) as present in the run. */
  see(...names) {
    const before = this.present.size;
    for (const name of names) if (this.items.has(name)) this.present.add(name);
    if (this.present.size !== before) this.render();
  }

  showAll(all) {
    this.all = all;
    this.render();
  }

  render() {
    for (const [name, item] of this.items) item.hidden = !(this.all || this.present.has(name));
    this.empty.hidden = this.all || this.present.size > 0;
    const hidden = [...this.items.keys()].filter((name) => !this.present.has(name)).length;
    this.toggle.textContent = this.all ? 'fewer' : `all (${hidden} more)`;
    this.toggle.setAttribute('aria-expanded', String(this.all));
    this.toggle.parentElement.hidden = !this.all && hidden === 0;
  }
}
