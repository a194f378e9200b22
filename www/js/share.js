// Share and export: a link holding the whole scenario, the moment shown and the compared setting
// when Compare is open (scenario-link.js, loaded with the first link or scenario file),
// the scenario as a file for `kvsim run --scenario` (with the moment as `time_ms`), loading such
// a file or opening such a link (replayed to the same state), and the trace as JSON lines or as a
// ShiViz log (trace-export.js): a long run's is read a slice at a time, its progress shown in
// `export-progress`, the export buttons disabled meanwhile. A bad file or link, or an export that
// failed, shows its error in `share-error` and changes nothing.

import { loadExports } from './wasm.js';
import { byTestId, el, setText } from './dom.js';
import { onFirstUse } from './lazy.js';

// The links' and files' module loads with the first link opened or made, or file read.
const links = onFirstUse(() => import('./scenario-link.js'));
/** The trace's exports (trace-export.js), loaded with the first one asked for (a button, the API). */
export const traceExports = onFirstUse(() => import('./trace-export.js'));

/**
 * The moment shown, in ms, for a link or file: the whole µs the run has reached (events fall on
 * whole µs; a clock playing between two is past the last, and rounding up would take in the next).
 */
function shownMs(session) {
  return Math.floor(session.now()) / 1000;
}

export class Share {
  /**
   * `compare`: the CompareLoader, whose setting a link carries and opens; `workloadCard`: resolves
   * with the Workload card (main.js's lazyCard), which fast-forwards a scenario's workload.
   */
  constructor(session, compare, workloadCard) {
    this.session = session;
    this.compare = compare;
    this.workloadCard = workloadCard;
    this.loading = null; // the load under way (see load)
    this.error = byTestId('share-error');
    this.urlField = byTestId('share-url');
    this.progress = byTestId('export-progress');
    this.exportButtons = [byTestId('export-trace'), byTestId('export-shiviz')];
    const clicks = {
      'share-link': () => this.showLink(),
      'download-scenario': async () => download('kv-scenario.json', new Blob([await this.scenarioFile()], { type: 'application/json' })),
      'export-trace': () => this.exporting('Exporting trace', async (onProgress) => download('kv-trace.jsonl', await (await traceExports()).traceBlob(this.session, onProgress))),
      'export-shiviz': () =>
        this.exporting('Exporting ShiViz', async (onProgress) => download('kv-shiviz.log', new Blob([await (await traceExports()).shivizLog(this.session, onProgress)], { type: 'text/plain' }))),
    };
    for (const [testId, action] of Object.entries(clicks)) {
      byTestId(testId).addEventListener('click', () => this.report(action, 'Cannot share this run').catch(() => {}));
    }
    const file = byTestId('load-scenario');
    file.addEventListener('change', () => {
      const chosen = file.files[0];
      file.value = ''; // so choosing the same file again loads it again
      if (chosen) this.report(() => this.loadFile(chosen)).catch(() => {});
    });
    window.addEventListener('hashchange', () => this.openLink().catch(() => {}));
    // The link shown is to a moment of the run it was made from: gone with that run (a new one,
    // or a fork that dropped part of it), so it is never copied for another.
    this.linked = null; // the history of the run the link shown is of
    session.subscribe((event) => {
      if (event.type === 'fork' || (event.type === 'cluster' && session.history !== this.linked)) this.urlField.hidden = true;
    });
  }

  /** This page's address with the scenario, the moment shown and the compared setting after `#`. */
  async url() {
    const { session } = this;
    const [scenario, timeMs, compare] = [session.scenario(), shownMs(session), this.compare.settingText()];
    const [{ scenarioFragment }, json] = await Promise.all([links(), scenario]);
    return location.href.split('#')[0] + (await scenarioFragment(json, timeMs, compare));
  }

  /** Resolves with the scenario file's text, with the moment shown as `time_ms`. */
  async scenarioFile() {
    const { formatMs } = await links();
    // The moment and the script read together, after the wait: the file is of one moment.
    return this.session.scenario(Number(formatMs(shownMs(this.session))));
  }

  /**
   * Replaces the history with the scenario `json` (file text) and shows its moment (`timeMs`
   * overrides the file's `time_ms`). Rejects with the problem, changing nothing. A scenario with
   * a workload is fast-forwarded on the Workload card (its progress shown there, Cancel
   * offered), then shows its moment if it got there.
   */
  async load(json, timeMs) {
    // A load started later (another link, another file) takes over: this one stops at its next wait.
    const loading = {};
    this.loading = loading;
    const superseded = () => this.loading !== loading;
    const { MAX_SCENARIO_BYTES } = await links();
    if (json.length > MAX_SCENARIO_BYTES) throw new Error(`invalid scenario: the text is too long: at most ${MAX_SCENARIO_BYTES} bytes`);
    const { parseScenario } = await loadExports(); // the scenario reader: loaded with the first scenario
    if (superseded()) return;
    const scenario = parseScenario(json); // throws naming the field; nothing has changed yet
    const moment = timeMs ?? scenario.timeMs;
    if (scenario.workload === undefined) {
      this.session.load({ ...scenario, timeMs: moment });
      return;
    }
    const card = this.workloadCard.made ?? (await this.workloadCard());
    await card.fastForward.stop(); // one under way (another run's) would not run this one
    if (superseded()) return;
    this.session.load(scenario); // throws for a workload too long for the page, changing nothing
    card.spec.value = scenario.workload;
    const { history } = this.session;
    const { scheduled, total } = await card.report(() => card.fastForwardToQuiet());
    // Cancelled, or another run meanwhile: the run stays where it is.
    if (moment === undefined || this.session.history !== history || scheduled !== total || !this.session.driver.isQuiet) return;
    this.session.travel({ time: Math.min(Math.round(moment * 1000), this.session.now()) });
  }

  /**
   * Opens the scenario in the page's address (on load and when the fragment changes), if any,
   * with its comparison open (or Compare closed when it names none).
   */
  openLink() {
    return this.report(async () => {
      if (!location.hash.includes('scenario=')) return; // no scenario: the links' module stays unloaded
      const { readFragment } = await links();
      const found = await readFragment(location.hash);
      if (!found) return;
      await this.load(found.json, found.timeMs);
      if (found.compare === null) this.compare.close();
      else await this.compare.open(found.compare);
    });
  }

  async showLink() {
    const history = this.session.history; // the run made into the link (url() waits for a module)
    const url = await this.url();
    if (this.session.history !== history) return url; // another run came meanwhile: not its link
    this.linked = history;
    this.urlField.value = url;
    this.urlField.hidden = false;
    this.urlField.select();
    await navigator.clipboard?.writeText(url).catch(() => {}); // may be refused: the field shows it
    return url;
  }

  async loadFile(file) {
    const { MAX_SCENARIO_BYTES } = await links();
    if (file.size > MAX_SCENARIO_BYTES) throw new Error(`invalid scenario: ${file.name} is too large: at most ${MAX_SCENARIO_BYTES} bytes`);
    await this.load(await file.text());
  }

  // Runs the export `make(onProgress)` with the export buttons disabled, its progress shown as
  // `what… 35%` from the end of its first slice (a short run's is done by then).
  async exporting(what, make) {
    for (const button of this.exportButtons) button.disabled = true;
    const onProgress = (fraction) => {
      setText(this.progress, `${what}… ${Math.floor(fraction * 100)}%`);
      this.progress.hidden = false;
    };
    try {
      await make(onProgress);
    } finally {
      for (const button of this.exportButtons) button.disabled = false;
      this.progress.hidden = true;
    }
  }

  // Runs `action`, showing its error after `what` (or clearing the last one); resolves or rejects
  // as it does.
  async report(action, what = 'Nothing changed') {
    try {
      const value = await action();
      this.error.hidden = true;
      this.error.textContent = '';
      return value;
    } catch (e) {
      this.error.textContent = `${what}: ${e.message}`;
      this.error.hidden = false;
      throw e;
    }
  }
}

// Saves `blob` as a file called `name` (a blob: link with the download attribute).
function download(name, blob) {
  const url = URL.createObjectURL(blob);
  const link = el('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
