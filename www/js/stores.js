// Each node's local store as a table. A row flashes when its version changes and says STALE
// when another node holds a newer version of the key. Stores are read from the nodes only after
// steps whose trace stored something or applied a fault (a restart may lose a store).

import { el, replay } from './dom.js';
import { versionText, newestVersions, replicaState } from './versions.js';

/**
 * Tables filled per task when a fast-forward ends: all sixteen of a 16-node run (about 1,500
 * rows made anew) took 20-30 ms in one task, on top of the run's last slice (issue 14 bounds a
 * task at 50 ms).
 */
const TABLES_PER_TURN = 4;

export class Stores {
  /** `onChange(snapshot)` is told after every refresh: {rows: per node, newest: key -> version}. */
  constructor(session, onChange) {
    this.session = session;
    this.onChange = onChange;
    this.parts = [];
    this.rendered = []; // per node: key -> {tr, cells, signature}
    this.snapshot = { rows: [], newest: new Map() };
    this.turns = null; // the refresh in turns under way (refreshInTurns), or null
    session.subscribe((event) => {
      // While a fast-forward runs, rows would change every frame, and laying out every node's
      // table that often takes longer than a frame: they are read once, at the end.
      if (event.type === 'fast-forward') {
        if (!event.running) this.refreshInTurns();
      } else if (event.type === 'step' && !session.fastForwarding && !event.rebuild && event.trace.some((e) => e.kind === 'store' || e.kind === 'fault')) {
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
    this.turns = null; // this covers every table
    const { rows, newest } = this.read();
    const changed = [];
    rows.forEach((nodeRows, i) => this.render(i, nodeRows, newest, changed));
    if (flash) replay(changed, 'flash');
    this.changed(rows, newest);
  }

  /**
   * refresh({flash: false}) spread over tasks, TABLES_PER_TURN tables each: every store is read
   * now (the moment shown), and a refresh meanwhile (a jump, a step) supersedes the rest.
   */
  refreshInTurns() {
    const { rows, newest } = this.read();
    const turns = { next: 0 };
    this.turns = turns;
    const turn = () => {
      if (this.turns !== turns) return;
      const end = Math.min(rows.length, turns.next + TABLES_PER_TURN);
      for (; turns.next < end; turns.next++) this.render(turns.next, rows[turns.next], newest, []);
      if (turns.next < rows.length) return setTimeout(turn);
      this.turns = null;
      this.changed(rows, newest);
    };
    turn();
  }

  read() {
    const { driver } = this.session;
    const rows = this.parts.map((_, i) => driver.store(i));
    return { rows, newest: newestVersions(rows) };
  }

  changed(rows, newest) {
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
