// Compare: the form that picks one setting (the share row's Compare button, wired by
// compare-loader.js, which loads this module when first used), and the card of
// the compared run (compare.js) beside the cluster: its topology (topology.js, fed by the
// compared run), its stores as one table (a row per key, a column per node, stale cells marked)
// and a summary of both runs side by side (operations ok / failed, anomalies by kind, latency
// p50 / p99 per level). draw(now) is called from the animation frame: it keeps the compared run
// at the main clock's moment.

import { byTestId, el, setText, seconds, throttle } from './dom.js';
import { anomalyKinds } from './wasm.js';
import { traceExports } from './share.js';
import { Topology } from './topology.js';
import { CompareSide } from './compare.js';
import { SETTINGS, parseSetting, settingText, settingLabel } from './compare-setting.js';
import { newestVersions, replicaState } from './versions.js';

const REFRESH_MS = 250;
/**
 * Most keys the stores table shows: a workload's 500 keys at 16 nodes made a table whose layout
 * alone took 60-70 ms.
 */
const MAX_KEYS_SHOWN = 100;
/** Rows the table's box (320 px high, compare.css) shows before it scrolls, about. */
const KEYS_IN_VIEW = 10;

export class CompareView {
  constructor(session) {
    this.session = session;
    this.side = null;
    this.refreshing = null; // the refresh under way (see refresh)
    this.card = byTestId('compare-card');
    this.form = byTestId('compare-form');
    this.error = byTestId('compare-error');
    this.nameField = byTestId('compare-setting');
    this.valueField = byTestId('compare-value');
    this.nameField.replaceChildren(...Object.entries(SETTINGS).map(([name, s]) => el('option', { value: name, text: s.label })));
    this.nameField.addEventListener('change', () => this.offerValues());
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      try {
        this.open(`${this.nameField.value}=${this.valueField.value}`);
      } catch (error) {
        this.showError(error); // nothing changed
      }
    });
    byTestId('compare-close').addEventListener('click', () => this.close());
    this.refreshSoon = throttle(() => this.refresh(), REFRESH_MS);
    this.refreshNext = throttle(() => this.refresh(), 0); // in a task of its own, after the frame
    // One topology for the card's lifetime, fed by whichever compared run is open.
    const view = this;
    this.feed = {
      listeners: new Set(),
      get driver() {
        return view.side.driver;
      },
      get history() {
        return view.session.history;
      },
      subscribe(listener) {
        this.listeners.add(listener);
      },
    };
    this.topology = new Topology(this.feed, {
      canvas: byTestId('compare-topology'),
      tooltip: byTestId('compare-tooltip'),
      legend: byTestId('compare-legend'),
      onCoordinators: () => {},
    });
    session.subscribe((event) => {
      if (event.type !== 'cluster' || !this.side) return;
      if (session.driver.recorded) this.close(); // a trace or a real cluster has no script to follow
      else this.refreshSoon(); // another run: the main column too
    });
  }

  toggleForm() {
    const opening = this.form.hidden;
    this.form.hidden = !opening;
    byTestId('compare-toggle').setAttribute('aria-expanded', String(opening));
    if (opening) {
      if (this.side) this.nameField.value = this.side.setting.name;
      this.offerValues();
      this.nameField.focus();
    }
  }

  // The value choices of the chosen setting, the one compared now selected.
  offerValues() {
    const name = this.nameField.value;
    const choices = SETTINGS[name].choices(this.session.driver.size);
    this.valueField.replaceChildren(...choices.map((v) => el('option', { value: v, text: v })));
    if (this.side?.setting.name === name) this.valueField.value = settingText(this.side.setting).split('=')[1];
  }

  /** Opens (or replaces) the comparison under `text` (`name=value`); throws saying what is wrong, changing nothing. */
  open(text) {
    if (this.session.driver.recorded) throw new Error(`Compare needs a simulated run: ${this.session.driver.recorded}`);
    const side = new CompareSide(this.session, parseSetting(text));
    side.sync(this.session.now()); // a script line the setting refuses fails here
    this.close();
    this.side = side;
    this.card.hidden = false;
    document.querySelector('main').classList.add('comparing');
    setText(byTestId('compare-title'), settingLabel(side.setting));
    side.subscribe((event) => {
      for (const listener of this.feed.listeners) listener(event);
      this.refreshSoon();
    });
    this.topology.onEvent({ type: 'cluster' }); // built before the topology listened
    this.form.hidden = true;
    this.error.hidden = true;
    this.refresh();
  }

  close() {
    if (!this.side) return;
    this.side.dispose();
    this.side = null;
    this.card.hidden = true;
    document.querySelector('main').classList.remove('comparing');
  }

  /** The setting compared as `name=value`, or null when Compare is closed. */
  settingText() {
    return this.side ? settingText(this.side.setting) : null;
  }

  /** Keeps the compared run at `now` (µs) and draws its topology (every frame). */
  draw(now) {
    if (!this.side) return;
    try {
      // Paused (a step, a travel), the tables follow at once, after the frame; playing, at most
      // every REFRESH_MS; catching up, once caught up (which a sync may reach running nothing).
      const wasBehind = this.side.behind;
      const changed = this.side.sync(now);
      if (!this.side.behind && (changed || wasBehind)) {
        if (this.session.clock.playing) this.refreshSoon();
        else this.refreshNext();
      }
      this.error.hidden = true;
    } catch (e) {
      this.showError(e);
      return;
    }
    this.topology.draw(now);
    setText(byTestId('compare-clock'), `t = ${seconds(this.side.shown)} s${this.side.behind ? ' · catching up…' : ''}`);
  }

  /**
   * For the API: resolves with the compared run at the main clock's moment; null when Compare is
   * closed. Read at once; only the scenario file waits for the exports package.
   */
  async state() {
    if (!this.side) return null;
    const { MAX_TEXT_EVENTS } = await traceExports(); // first: the state below is read in one go
    const { side } = this;
    if (!side) return null;
    side.sync(this.session.now(), { budgetMs: Infinity }); // all the way: the caller reads it at once
    const { driver } = side;
    const scenario = side.scenario();
    // A trace too long for one string (a long workload's) is left out, as playground.trace() refuses it.
    const fits = driver.traceEvents <= MAX_TEXT_EVENTS;
    const [traceHash, trace] = side.withWholeTrace((whole) => [whole.traceHash(), fits ? whole.traceJsonLines() : null]);
    const state = {
      setting: settingText(side.setting),
      now: side.shown,
      steps: driver.steps,
      workload: side.workloadSpec(),
      traceHash,
      trace,
      config: driver.config,
      seed: driver.seed,
      scenario: null,
      summary: driver.summary(),
      anomalies: driver.anomalies(),
      nodes: driver.config.addresses.map((address, id) => ({ id, address, store: driver.store(id) })),
    };
    state.scenario = await scenario;
    return state;
  }

  // The stores, then each run's figures, then the summary drawn: a task each (a million-operation
  // run's figures take 30 ms), the last refresh superseding one under way. Catching up, the tables
  // wait for the end.
  refresh() {
    const { side } = this;
    if (!side?.driver || side.behind) return;
    const refreshing = {};
    this.refreshing = refreshing;
    const drivers = [this.session.driver, side.driver];
    const runs = [];
    const turns = [
      () => this.drawStores(side.driver),
      ...drivers.map((d) => () => runs.push({ summary: d.summary?.() ?? null, counts: d.anomalyCounts?.() ?? {} })),
      () => this.drawSummary(runs),
    ];
    const next = () => {
      if (this.refreshing !== refreshing || this.side !== side || drivers[0] !== this.session.driver || drivers[1] !== side.driver) return;
      turns.shift()();
      if (turns.length) setTimeout(next);
    };
    next();
  }

  // A row per key, a column per node: the value, `(deleted)` for a tombstone, STALE when another
  // replica holds a newer version. At most MAX_KEYS_SHOWN rows: the keys whose replicas disagree
  // first, then by name.
  drawStores(driver) {
    const rows = driver.config.addresses.map((_, i) => driver.store(i));
    const byKey = rows.map((nodeRows) => new Map(nodeRows.map((row) => [row.key, row])));
    const newest = newestVersions(rows);
    const stale = (key, row) => row !== undefined && replicaState(row, newest.get(key)) === 'STALE';
    const byName = (a, b) => a.localeCompare(b, undefined, { numeric: true });
    const all = [...newest.keys()].sort(byName);
    const disagreeing = new Set(all.filter((key) => byKey.some((nodeRows) => stale(key, nodeRows.get(key)))));
    const keys = [...disagreeing, ...all.filter((key) => !disagreeing.has(key))].slice(0, MAX_KEYS_SHOWN);
    const head = el('tr', {}, el('th', { text: 'key' }), ...rows.map((_, i) => el('th', { text: `n${i}` })));
    const body = keys.map((key) =>
      el(
        'tr',
        { 'data-key': key },
        el('th', { text: key }),
        ...byKey.map((nodeRows) => {
          const row = nodeRows.get(key);
          if (!row) return el('td', { className: 'muted', text: '–' });
          const isStale = stale(key, row);
          const value = row.value ?? '(deleted)';
          return el('td', { className: isStale ? 'stale' : undefined }, value, isStale ? el('span', { className: 'stale-word', text: ' STALE' }) : null);
        }),
      ),
    );
    byTestId('compare-stores').replaceChildren(el('thead', {}, head), el('tbody', {}, ...body));
    let note = '';
    if (!all.length) note = 'No keys stored yet.';
    else if (all.length > keys.length) note = `${keys.length} of ${all.length} keys: those whose replicas disagree first.`;
    else if (keys.length > KEYS_IN_VIEW) note = `${keys.length} keys: scroll the table for all of them.`;
    setText(byTestId('compare-stores-note'), note);
  }

  // Both runs' figures in two columns: this page's run, then the compared one.
  // `runs`: [this page's, the compared] {summary, counts (anomalies by kind)}.
  drawSummary(runs) {
    const lines = [];
    const sum = (r, pick) => (r.summary ? r.summary.levels.reduce((n, l) => n + pick(l), 0) : 0);
    lines.push(['operations ok', ...runs.map((r) => String(sum(r, (l) => l.ok)))]);
    lines.push(['failed or unknown', ...runs.map((r) => String(sum(r, (l) => l.fail + l.info)))]);
    const kinds = anomalyKinds().filter(({ kind }) => runs.some((r) => r.counts[kind]));
    if (!kinds.length) lines.push(['anomalies', '0', '0']);
    for (const { kind, name } of kinds) lines.push([name, ...runs.map((r) => String(r.counts[kind] ?? 0))]);
    const levels = new Set(runs.flatMap((r) => r.summary?.levels.map((l) => l.level) ?? []));
    const ms = (t) => (t === undefined ? '–' : `${(t / 1000).toFixed(1)}`);
    for (const level of levels) {
      const latency = runs.map((r) => r.summary?.levels.find((l) => l.level === level)?.latency);
      lines.push([`${level} p50 / p99 (ms)`, ...latency.map((l) => `${ms(l?.p50)} / ${ms(l?.p99)}`)]);
    }
    const head = el('tr', {}, el('th', { text: '' }), el('th', { text: 'this run' }), el('th', { text: 'compared' }));
    const body = lines.map(([label, ...cells]) => el('tr', {}, el('th', { text: label }), ...cells.map((c) => el('td', { text: c }))));
    byTestId('compare-summary').replaceChildren(el('thead', {}, head), el('tbody', {}, ...body));
  }

  showError(e) {
    setText(this.error, e.message);
    this.error.hidden = false;
  }
}
