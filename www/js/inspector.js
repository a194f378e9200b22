// The key inspector: one key's versions on each of its replicas side by side, marked newest,
// STALE or missing, redrawn whenever a store changes (so repair can be watched arriving).

import { el, byTestId } from './dom.js';
import { versionText, replicaState } from './versions.js';

export class Inspector {
  constructor(session) {
    this.session = session;
    this.input = byTestId('inspector-key');
    this.body = byTestId('inspector-table').querySelector('tbody');
    this.placement = byTestId('inspector-placement');
    this.datalist = document.getElementById(this.input.getAttribute('list'));
    this.snapshot = { rows: [], newest: new Map() };
    this.knownKeys = '';
    for (const type of ['input', 'change']) this.input.addEventListener(type, () => this.render());
    this.input.addEventListener('keydown', (e) => e.key === 'Enter' && this.render());
  }

  /** Shows `key` (a lesson step points the inspector at its key). */
  show(key) {
    this.input.value = key;
    this.render();
  }

  /** Takes the stores' latest snapshot: refreshes the list of keys and the table. */
  update(snapshot) {
    this.snapshot = snapshot;
    const keys = [...snapshot.newest.keys()].sort();
    if (keys.join('\n') !== this.knownKeys) {
      this.knownKeys = keys.join('\n');
      this.datalist.replaceChildren(...keys.map((key) => el('option', { value: key })));
    }
    this.render();
  }

  render() {
    const key = this.input.value.trim();
    if (!key) {
      this.placement.textContent = 'Pick a key to compare its replicas.';
      this.body.replaceChildren(el('tr', {}, el('td', { colspan: 4, className: 'muted', text: 'no key chosen' })));
      return;
    }
    const replicas = this.session.driver.replicasOf(key);
    const newest = this.snapshot.newest.get(key);
    this.placement.textContent = `key ${key} lives on ${replicas.map((r) => `n${r}`).join(', ')}`;
    this.body.replaceChildren(
      ...replicas.map((node) => {
        const row = this.snapshot.rows[node]?.find((r) => r.key === key);
        const state = replicaState(row, newest);
        const value = !row ? '—' : row.value ?? '(deleted)';
        return el(
          'tr',
          { className: `state-${state.toLowerCase()}`, 'data-node': node },
          el('td', { text: `n${node}` }),
          el('td', { text: value }),
          el('td', { text: row ? versionText(row.version) : '—' }),
          el('td', { className: 'state', text: state }),
        );
      }),
    );
  }
}
