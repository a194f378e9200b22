// The History card: the client operations of the page's run (at the moment shown) or of a loaded
// EDN history file, drawn by the history view; the model and search budget of a check; "Check
// linearizability", which runs the checker in a worker (check-run.js) with a progress bar and a
// Cancel button; and the verdict, per key, whose violations the view marks.

import { byTestId, el, setText, seconds, throttle } from './dom.js';
import { HistoryView } from './history-view.js';
import { runOps, fileOps } from './history-ops.js';
import { Checker, CheckCancelled } from './check-run.js';

const REFRESH_MS = 300; // the run's history is redrawn at most this often while it grows
/**
 * Most of the run's operations the view reads and draws (the newest): a fast-forwarded million
 * copied to JS took seconds and half a gigabyte, and draws as a smear. Check reads them all.
 */
const RUN_OPS_SHOWN = 20_000;
const VERDICTS = {
  linearizable: 'linearizable',
  'not-linearizable': 'NOT linearizable',
  unknown: 'unknown (search budget spent)',
};

/** A key of the report in words, as the checker names it: `key 5`, `the register`. */
function keyLabel(key) {
  return key === null ? 'the register' : `key ${key}`;
}

/** `n thing` or `n things` (or `n {plural}`). */
function count(n, thing, plural = `${thing}s`) {
  return `${n} ${n === 1 ? thing : plural}`;
}

/** The model a file's operations (readHistory's) most likely follow (the chooser can say otherwise). */
function guessModel(ops) {
  const fs = new Set(ops.map((op) => op.f));
  const any = (...names) => names.some((f) => fs.has(f));
  if (any('insert', 'update', 'delete')) return 'store';
  if (any('put', 'append')) return 'kv';
  if (any('read', 'write', 'cas')) return 'cas-register';
  return 'store';
}

export class HistoryPanel {
  constructor(session) {
    this.session = session;
    const note = byTestId('history-note');
    this.view = new HistoryView(byTestId('history-view'), (bunched) => {
      note.hidden = bunched === 0;
      setText(note, `${count(bunched, 'operation')} in view are bunched: zoom in (+) to see each one.`);
    });
    this.sourceText = byTestId('history-source');
    this.showRunButton = byTestId('history-show-run');
    this.model = byTestId('history-model');
    this.budget = byTestId('history-budget');
    this.checkButton = byTestId('history-check');
    this.cancelButton = byTestId('history-cancel');
    this.progress = byTestId('history-progress');
    this.status = byTestId('history-status');
    this.verdict = byTestId('history-verdict');
    this.keys = byTestId('history-keys');
    this.error = byTestId('history-error');
    this.onlyKey = byTestId('history-only-key');
    this.source = { kind: 'run' }; // or {kind: 'file', name, edn, ops, timed}
    this.ops = []; // the source's operations (history-ops.js)
    this.marked = null; // the key report marked on the view
    this.runHistory = null; // the session's history the run source shows
    this.checker = new Checker();
    this.checks = 0; // checks started: a cancelled one's ending must not touch the next one's UI
    this.refreshSoon = throttle(() => this.refresh(), REFRESH_MS);
    this.wire();
    session.subscribe((event) => {
      if (this.source.kind !== 'run') return;
      if (event.type === 'cluster' && session.history !== this.runHistory) {
        this.runHistory = session.history; // a new run: an earlier check says nothing of it
        this.clearCheck();
        this.refreshSoon();
      } else if (event.type === 'fast-forward') {
        // Reading a long run's whole history takes longer than a frame: once, at the end.
        if (!event.running) this.refreshSoon();
      } else if (event.type === 'step' && !session.fastForwarding && (event.rebuild || event.trace.some((e) => e.kind === 'command' || e.kind === 'reply'))) {
        this.refreshSoon();
      }
    });
    this.showRun(); // made when the card is first seen: the run so far
  }

  wire() {
    this.showRunButton.addEventListener('click', () => this.showRun());
    byTestId('history-file').addEventListener('change', async (e) => {
      const file = e.target.files[0];
      e.target.value = ''; // the same file again is a new load
      if (file) this.report(() => this.load(file.name, file.text())).catch(() => {}); // shown on the card
    });
    this.checkButton.addEventListener('click', () => this.report(() => this.check()).catch(() => {})); // shown on the card
    this.cancelButton.addEventListener('click', () => this.checker.cancel());
    byTestId('history-zoom-in').addEventListener('click', () => this.view.zoomIn());
    byTestId('history-zoom-out').addEventListener('click', () => this.view.zoomOut());
    byTestId('history-fit').addEventListener('click', () => this.view.fit());
    this.onlyKey.addEventListener('change', () => this.draw({ fit: true }));
  }

  /** Runs `action` (maybe async); its error is shown on the card, and thrown on. */
  async report(action) {
    try {
      const result = await action();
      this.error.hidden = true;
      return result;
    } catch (error) {
      if (!(error instanceof CheckCancelled)) this.showError(error.message);
      throw error;
    }
  }

  showError(message) {
    this.error.textContent = message;
    this.error.hidden = false;
  }

  /** Shows the page's run again (the moment shown), with the store model. */
  showRun() {
    this.source = { kind: 'run' };
    this.runHistory = this.session.history;
    this.model.value = 'store';
    this.clearCheck();
    this.error.hidden = true;
    this.refresh({ fit: true });
  }

  /**
   * Shows the EDN history `text` (a string or a promise of one) named `name`, and picks the model
   * its operations suggest. Resolves the number of operations; rejects (changing nothing) when
   * the text does not read as a history, with the line that is wrong.
   */
  async load(name, text) {
    const edn = String(await text);
    const read = await this.checker.read(edn);
    this.source = { kind: 'file', name, edn, ...fileOps(read) };
    this.model.value = guessModel(read);
    this.clearCheck();
    this.refresh({ fit: true });
    return read.length;
  }

  /** The EDN the view shows, and what it is, in words. */
  current() {
    if (this.source.kind === 'file') return { edn: this.source.edn, what: `file ${this.source.name}` };
    return { edn: this.session.driver.historyEdn(), what: `this run at t = ${seconds(this.session.now())} s` };
  }

  refresh({ fit = false } = {}) {
    const file = this.source.kind === 'file';
    const { driver } = this.session;
    this.ops = file ? this.source.ops : runOps(driver.historyOps(RUN_OPS_SHOWN));
    const processes = new Set(this.ops.map((op) => op.process)).size;
    const what = file ? `file ${this.source.name}` : 'this run, at the moment shown';
    const total = file ? this.ops.length : driver.historyLength;
    const shown = total > this.ops.length ? `the last ${count(this.ops.length, 'operation')} of ${total.toLocaleString('en')}` : count(this.ops.length, 'operation');
    setText(this.sourceText, `${what}: ${shown} by ${count(processes, 'process', 'processes')}`);
    this.showRunButton.disabled = !file;
    this.draw({ fit });
  }

  /** Draws the operations: with a key marked and "only this key" on, that key's alone. */
  draw({ fit = false } = {}) {
    const key = this.onlyKey.checked && !this.onlyKey.disabled ? this.marked?.key : null;
    const text = typeof key === 'number' ? String(key) : key; // the EDN text the operations carry
    const ops = text === null || text === undefined ? this.ops : this.ops.filter((op) => op.key === text);
    const file = this.source.kind === 'file';
    this.view.show(ops, { timed: file ? this.source.timed : true, fit });
  }

  /**
   * Checks the history shown for linearizability in the worker, against `model` (else the
   * chooser's) with `searchSteps` per key (null: no bound; else the chooser's). Resolves the
   * report, which the card shows; rejects with the checker's error or CheckCancelled.
   */
  check({ model, searchSteps } = {}) {
    if (model !== undefined) {
      if (![...this.model.options].some((o) => o.value === model)) throw new RangeError(`there is no model ${model}: use kv, cas-register or store`);
      this.model.value = model;
    }
    const steps = searchSteps !== undefined ? searchSteps : this.budget.value === '' ? null : Number(this.budget.value);
    const { edn, what } = this.current();
    this.clearCheck();
    const id = ++this.checks;
    this.setRunning(true);
    setText(this.status, 'Starting the checker…');
    const run = this.checker.start({ edn, model: this.model.value, searchSteps: steps }, (p) => this.showProgress(p));
    return this.report(async () => {
      try {
        const { report, ms } = await run;
        this.showVerdict(report, `${what}, checked in ${(ms / 1000).toFixed(2)} s`);
        return report;
      } catch (error) {
        if (id === this.checks) setText(this.status, error instanceof CheckCancelled ? 'Check cancelled.' : 'The check stopped: see the error below.');
        throw error;
      } finally {
        if (id === this.checks) this.setRunning(false);
      }
    });
  }

  /** Stops a running check. */
  cancel() {
    this.checker.cancel();
  }

  setRunning(running) {
    this.checkButton.disabled = running;
    this.cancelButton.disabled = !running;
    this.progress.hidden = !running;
    if (running) this.progress.removeAttribute('value'); // indeterminate until the first step
  }

  showProgress({ done, total, operations, label }) {
    this.progress.max = Math.max(total, 1);
    this.progress.value = done;
    const last = label === null ? '' : ` · last: ${label}`;
    setText(this.status, `Checking ${operations} operations: step ${done} of ${total} (each key is searched in rounds of 10 k, 100 k and 1 M steps, then to the end)${last}`);
  }

  clearCheck() {
    this.checker.cancel();
    this.verdict.hidden = true;
    this.keys.replaceChildren();
    setText(this.status, '');
    this.markKey(null);
  }

  /** Shows `report` (of `what`, in words) and marks its first key that is not linearizable. */
  showVerdict(report, what) {
    const bad = report.keys.filter((k) => k.verdict !== 'linearizable');
    this.verdict.className = `history-verdict verdict-${report.verdict}`;
    this.verdict.replaceChildren(
      el('strong', { text: VERDICTS[report.verdict] ?? report.verdict }),
      ` · ${what} · ${count(report.operations, 'operation')}, ${count(report.keys.length, 'key')}, model ${report.model}`,
    );
    this.verdict.hidden = false;
    setText(this.status, '');
    const items = bad.map((k) => {
      const button = el(
        'button',
        { type: 'button', className: `history-key verdict-${k.verdict}`, disabled: k.verdict !== 'not-linearizable' },
        `${keyLabel(k.key)} · ${count(k.operations, 'operation')} · ${VERDICTS[k.verdict] ?? k.verdict}`,
      );
      button.addEventListener('click', () => this.markKey(k));
      return el('li', {}, button);
    });
    const good = report.keys.length - bad.length;
    const rest = !bad.length ? count(good, 'key') : good === 1 ? 'the other key' : `the other ${good} keys`;
    if (good) items.push(el('li', { className: 'history-keys-rest', text: `${rest}: linearizable` }));
    this.keys.replaceChildren(...items);
    this.markKey(report.keys.find((k) => k.verdict === 'not-linearizable') ?? null);
  }

  /** Marks key report `k` in the view (null: none) and explains the marks under the verdict. */
  markKey(k) {
    if (k === null && this.marked === null) return; // nothing to redraw
    this.marked = k;
    const label = k && keyLabel(k.key);
    for (const b of this.keys.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.textContent.startsWith(`${label} ·`)));
    this.onlyKey.disabled = k === null || k.key === null;
    this.view.mark(k);
    this.draw({ fit: true });
    this.verdict.querySelector('.history-explain')?.remove();
    if (!k) return;
    const counter = k.counterexample?.operations.length ?? 0;
    const prefix = k.longest_prefix?.operations.length ?? 0;
    const shrunk = k.counterexample?.complete ? '' : ' (shrinking stopped early: it may hold more than it needs)';
    this.verdict.append(
      el(
        'p',
        { className: 'history-explain' },
        `${label}: outlined in red, ${count(counter, 'operation')} that no order can fit, whatever the others did${shrunk}. ` +
          `Numbered: the longest linearizable prefix the search found (${count(prefix, 'operation')}, in its order). ` +
          'Hatched: the operation it could then not place; the red line marks its return, past which no linearization goes on.',
      ),
    );
  }
}
