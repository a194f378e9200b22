// Where the page's events come from: the simulation, a trace file opened (the file picker or a
// drop), or a real cluster attached (attach.js). A bar under the header says which, with the way
// back ("Back to the simulation" / "Detach"); the simulation's own actions a trace-fed driver
// cannot do are disabled with the driver's reason (`driver.recorded`) as their title and a note.
// A bad file or address shows its error and keeps the run. The trace reader, its driver and the
// cluster's connections load the first time a trace is opened or a cluster attached.

import { byTestId, setText } from './dom.js';
import { onFirstUse } from './lazy.js';
import { DEFAULT_HINT } from './presets.js';
import { ConfigError } from './wasm.js';

const loadReplay = onFirstUse(() => Promise.all([import('./trace-format.js'), import('./trace-driver.js')]));
const loadAttach = onFirstUse(() => import('./attach.js'));

// The hint line's suggestion for each source.
const REPLAY_HINT = 'Press Play or Step to replay the trace, or drag the history slider to any moment.';
const LIVE_HINT = 'Type a command in a node\'s console: it runs on that real node, and its messages appear here.';

// Controls that act on the simulation: off for any trace-fed driver.
const SIMULATION_ONLY = ['lesson-start', 'lessons-menu', 'demo-read-repair', 'share-link', 'download-scenario', 'export-shiviz'];
// Controls of virtual time: off while the clock follows a real cluster.
const REAL_TIME_OFF = ['play-pause', 'step-back', 'step', 'speed', 'run-until-quiet', 'reset', 'timeline', 'timeline-live'];

// A replay of `source`; a header's config the core rejects is named as the header's.
function newDriver(TraceDriver, source) {
  try {
    return new TraceDriver(source);
  } catch (error) {
    throw error instanceof ConfigError ? new Error(`line 1: the merged header holds an ${error.message}`) : error;
  }
}

export class TraceSource {
  constructor(session) {
    this.session = session;
    this.bar = byTestId('source-bar');
    this.text = byTestId('source-text');
    this.leaveButton = byTestId('source-leave');
    this.traceError = byTestId('trace-error');
    this.addresses = byTestId('attach-addresses');
    this.attachButton = byTestId('attach-button');
    this.attachStatus = byTestId('attach-status');
    this.attachError = byTestId('attach-error');
    this.problems = byTestId('source-problems');
    this.hint = byTestId('hint');
    this.shown = null; // what the bar says: {kind: 'trace', name} or {kind: 'live', urls}
    this.titles = new Map(); // a control disabled here -> its own title
    const file = byTestId('open-trace');
    file.addEventListener('change', async () => {
      const chosen = file.files[0];
      file.value = ''; // so choosing the same file again opens it again
      if (chosen) this.openText(chosen.name, await chosen.text()).catch(() => {}); // shown in trace-error
    });
    this.attachButton.addEventListener('click', () => this.attach(this.addresses.value).catch(() => {}));
    this.addresses.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.attachButton.click();
    });
    this.leaveButton.addEventListener('click', () => this.leave());
    session.subscribe((event) => {
      if (event.type === 'cluster') this.sync();
    });
  }

  /** Replays the trace `text` (file `name`); a bad one shows its error, keeps the run and rejects. */
  async openText(name, text) {
    try {
      const [{ parseTrace }, { TraceDriver }] = await loadReplay();
      const { driver } = this.session;
      const { config, stores, events } = parseTrace(text, driver.size);
      const next = newDriver(TraceDriver, { config: config ?? driver.config, stores, events });
      this.shown = { kind: 'trace', name };
      this.session.showTrace(next);
      this.traceError.hidden = true;
    } catch (error) {
      this.traceError.textContent = `Cannot open ${name}: ${error.message}. The run shown is kept.`;
      this.traceError.hidden = false;
      throw error;
    }
  }

  /** Attaches to the nodes at the watch addresses in `text`; rejects (and shows why) when it cannot. */
  async attach(text) {
    this.attachError.hidden = true;
    try {
      const { parseAddresses, attachCluster } = await loadAttach();
      const urls = parseAddresses(text);
      this.attachButton.disabled = true;
      setText(this.attachStatus, `Connecting to ${urls.length} node${urls.length === 1 ? '' : 's'}…`);
      const driver = await attachCluster(urls, { onProblem: (problem) => this.report(problem) });
      this.shown = { kind: 'live', urls };
      this.problems.replaceChildren();
      this.session.showTrace(driver);
      setText(this.attachStatus, '');
    } catch (error) {
      setText(this.attachStatus, '');
      this.attachError.textContent = `Cannot attach: ${error.message}`;
      this.attachError.hidden = false;
      throw error;
    } finally {
      this.attachButton.disabled = false;
    }
  }

  /** Back to the simulation, with the config of the cluster shown (a live cluster is detached). */
  leave() {
    this.session.replace(this.session.driver.configText);
  }

  // Trouble with a live cluster's connections, listed under the bar (newest last).
  report(problem) {
    const line = document.createElement('li');
    line.textContent = problem;
    this.problems.append(line);
    while (this.problems.childElementCount > 5) this.problems.firstElementChild.remove();
  }

  // Shows where the events come from, and turns the controls a trace-fed driver cannot serve off.
  sync() {
    const { driver } = this.session;
    const reason = driver.recorded ?? null;
    if (!reason) this.shown = null;
    const wasShown = !this.bar.hidden;
    this.bar.hidden = !reason;
    if (reason) {
      const what = driver.live
        ? `Attached to a real cluster of ${driver.size} nodes (${this.shown?.urls.join(' ')}): events appear as they happen.`
        : `Replaying the trace ${this.shown?.name}.`;
      setText(this.text, `${what} Note: ${reason}.`);
      setText(this.leaveButton, driver.live ? 'Detach' : 'Back to the simulation');
      setText(this.hint, driver.live ? LIVE_HINT : REPLAY_HINT);
    } else if (wasShown) {
      this.problems.replaceChildren();
      setText(this.hint, DEFAULT_HINT);
    }
    for (const id of SIMULATION_ONLY) this.turn(byTestId(id), reason);
    for (const id of REAL_TIME_OFF) this.turn(byTestId(id), driver.live ? reason : null);
    // Every control of the faults card acts on the simulation: they go inert; its title and a
    // note saying why stay readable.
    const note = byTestId('faults-unavailable');
    for (const child of byTestId('faults-panel').children) if (child !== note && child.tagName !== 'H2') child.inert = Boolean(reason);
    note.hidden = !reason;
    setText(note, reason ? `Faults are off: ${reason}.` : '');
    // The node panels are built anew for every cluster, so their controls start on.
    for (const row of byTestId('node-grid').querySelectorAll('.node-faults')) row.inert = Boolean(reason);
    if (reason && !driver.live) {
      for (const input of byTestId('node-grid').querySelectorAll('.console-line input')) {
        input.disabled = true;
        input.placeholder = 'a recorded trace takes no commands';
      }
    }
  }

  // Disables `control` with `reason` as its title, or gives it back its own state.
  turn(control, reason) {
    if (reason) {
      if (!this.titles.has(control)) this.titles.set(control, control.title);
      control.disabled = true;
      control.title = `Not available: ${reason}`;
    } else if (this.titles.has(control)) {
      control.disabled = false;
      control.title = this.titles.get(control);
      this.titles.delete(control);
    }
  }
}
