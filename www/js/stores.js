// Each node's local store as a table. A row flashes when its version changes and says STALE
// when another node holds a newer version of the key. Stores are read from the nodes only after
// steps whose trace stored something or applied a fault (a restart may lose a store).

import { el, replay } from './dom.js';
import { versionText, newestVersions, replicaState } from './versions.js';

export class Stores {
  /** `onChange(snapshot)` is told after every refresh: {rows: per node, newest: key -> version}. */
  constructor(session, onChange) {
    this.session = session;
    this.onChange = onChange;
    this.parts = [];
    this.rendered = []; // per node: key -> {tr, cells, signature}
    this.snapshot = { rows: [], newest: new Map() };
    // While a fast-forward runs, rows would change every frame, and laying out every node's
    // table that often takes longer than a frame: they are read once, at the end.
    this.fastForwarding = false;
    session.subscribe((event) => {
      if (event.type === 'fast-forward') {
        this.fastForwarding = event.running;
        if (!event.running) this.refresh({ flash: false });
      } else if (event.type === 'step' && !this.fastForwarding && !event.rebuild && event.trace.some((e) => e.kind === 'store' || e.kind === 'fault')) {
        // (A moment shown anew was refreshed by its 'cluster' event, main.js.)
        this.refresh();
      }
    });
  }

  attach(parts) {
    this.parts = parts;
    this.rendered = parts.map(() => new Map());
    this.refresh({ flash: false }); // fresh tables (a new cluster, or a moment travelled to): nothing changed
  }

  refresh({ flash = true } = {}) {
    const { driver } = this.session;
    const rows = this.parts.map((_, i) => driver.store(i));
    const newest = newestVersions(rows);
    const changed = [];
    rows.forEach((nodeRows, i) => this.render(i, nodeRows, newest, changed));
    if (flash) replay(changed, 'flash');
    this.snapshot = { rows, newest };
    this.onChange(this.snapshot);
  }

  render(node, rows, newest, changed) {
    const { body, caption } = this.parts[node];
    const rendered = this.rendered[node];
    const keys = new Set(rows.map((row) => row.key));
    for (const [key, entry] of rendered) {
      if (!keys.has(key)) {
        entry.tr.remove(); // a purged tombstone
        rendered.delete(key);
      }
    }
    rows.forEach((row, index) => {
      let entry = rendered.get(row.key);
      if (!entry) {
        entry = makeRow(row.key);
        rendered.set(row.key, entry);
      }
      const signature = `${row.value}\u0000${row.version.timestamp}\u0000${row.version.node}`;
      if (entry.signature !== signature) {
        entry.signature = signature;
        entry.cells.value.textContent = row.value ?? '(deleted)';
        entry.cells.value.classList.toggle('tombstone', row.value === null);
        entry.cells.timestamp.textContent = versionText(row.version);
        changed.push(entry.tr);
      }
      const stale = replicaState(row, newest.get(row.key)) === 'STALE';
      if (entry.stale !== stale) {
        // Written only when it changes: a jump refreshes some 1,500 rows.
        entry.stale = stale;
        entry.cells.state.textContent = stale ? 'STALE' : 'newest';
        entry.tr.classList.toggle('stale', stale);
      }
      // Moved only when out of place: moving a row would restart its flash.
      const at = body.children[index];
      if (at !== entry.tr) body.insertBefore(entry.tr, at ?? null);
    });
    caption.textContent = `n${node} store — ${rows.length ? `${rows.length} key${rows.length === 1 ? '' : 's'}` : 'empty'}`;
  }
}

function makeRow(key) {
  const cells = {};
  const tr = el('tr', { 'data-key': key });
  for (const col of ['key', 'value', 'timestamp', 'state']) {
    cells[col] = el('td', { 'data-col': col });
    tr.append(cells[col]);
  }
  cells.key.textContent = key;
  return { tr, cells, signature: null, stale: null };
}
