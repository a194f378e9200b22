// The Workload card: a generated workload (the spec of `kvsim run --workload`, its defaults
// shown, or a preset's cluster and spec), Run (a fresh run of this config and seed with the
// workload, playing), Fast-forward to quiet (fast-forward.js) with a progress bar, and Cancel.
// It loads when first seen or used (main.js): its buttons are disabled in the page until then.

import { byTestId, setText, throttle } from './dom.js';
import { KvWorkload } from './wasm.js';
import { FastForward } from './fast-forward.js';
import { WORKLOAD_PRESETS, linkCluster, workloadPreset } from './workload-presets.js';

/** How often a played run's progress is shown anew (ms). */
const PLAYING_STATUS_MS = 250;

export class WorkloadPanel {
  constructor(session) {
    this.session = session;
    this.preset = byTestId('workload-preset');
    this.spec = byTestId('workload-spec');
    this.error = byTestId('workload-error');
    this.runButton = byTestId('workload-run');
    this.fastButton = byTestId('workload-fast-forward');
    this.cancelButton = byTestId('workload-cancel');
    this.bar = byTestId('workload-progress');
    this.status = byTestId('workload-status');
    this.fastForward = new FastForward(session, (progress) => this.show(progress));
    this.spec.placeholder = KvWorkload.defaults();
    this.spec.value ||= this.spec.placeholder; // a spec typed before the card loaded stays
    // A button's error is shown on the card (report), and goes no further.
    const click = (action) => () => {
      try {
        this.report(action);
      } catch {}
    };
    this.runButton.addEventListener('click', click(() => this.run({ playing: true })));
    this.fastButton.addEventListener('click', click(() => this.fastForwardToQuiet()));
    this.cancelButton.addEventListener('click', () => this.fastForward.cancel());
    for (const { id, label } of WORKLOAD_PRESETS) this.preset.add(new Option(label, id));
    this.preset.disabled = false;
    this.preset.addEventListener('change', () => {
      if (!this.preset.value) return;
      try {
        this.report(() => this.choose(this.preset.value));
      } catch {
        this.preset.value = ''; // refused: the spec and the cluster are as they were
      }
    });
    // A spec typed by hand is no longer the preset's.
    this.spec.addEventListener('input', () => {
      this.preset.value = '';
    });
    const showRun = () => this.show(this.fastForward.status());
    // Played, the run moves every frame: the bar and the counts follow a few times a second (a
    // fast-forward tells them itself).
    const showRunSoon = throttle(showRun, PLAYING_STATUS_MS);
    session.subscribe((event) => {
      if (event.type === 'cluster') showRun();
      else if (event.type === 'step' && !this.fastForward.isRunning) showRunSoon();
    });
    showRun();
  }

  /**
   * Puts preset `id`'s spec in the field and, for a preset with a node count, replaces the run
   * with a generated cluster of that size (paused at its start; unchanged when it already is that
   * cluster). Throws for an unknown preset or while attached to a live cluster.
   */
  choose(id) {
    const preset = workloadPreset(id);
    if (!preset) throw new RangeError(`no workload preset "${id}": pick one of ${WORKLOAD_PRESETS.map((p) => p.id).join(', ')}`);
    if (preset.nodes !== null) {
      this.session.refuseLive('A workload preset');
      const cluster = linkCluster(preset.nodes);
      const links = ({ addresses, avg_delays }) => JSON.stringify([addresses, avg_delays]);
      const { config } = this.session.driver;
      if (!config || links(config) !== links(cluster)) this.session.replace(JSON.stringify(cluster, null, 2), this.session.seed, { playing: false });
    }
    this.spec.value = preset.spec;
    this.preset.value = id;
  }

  /** A fresh run with the spec's workload (paused unless `playing`); throws for a bad spec. */
  run({ playing = false } = {}) {
    this.session.startWorkload(this.spec.value);
    if (playing) this.session.play();
  }

  /**
   * Fast-forwards the run to quiet, starting the spec's workload first when the run has none.
   * Resolves with the progress at the end: {scheduled, total, events, running: false}.
   */
  fastForwardToQuiet() {
    if (!this.session.driver.recorded && this.session.driver.workloadProgress() === null) this.run();
    return this.fastForward.start();
  }

  // Runs `action`, showing its error on the card (and rethrowing it for the API).
  report(action) {
    this.error.hidden = true;
    try {
      return action();
    } catch (error) {
      setText(this.error, error.message);
      this.error.hidden = false;
      throw error;
    }
  }

  show({ scheduled, total, events, running }) {
    this.cancelButton.disabled = !running;
    this.runButton.disabled = running;
    this.fastButton.disabled = running;
    this.bar.max = total ?? 1;
    this.bar.value = scheduled ?? 0;
    const operations = total === null ? 'no workload in this run' : `${scheduled.toLocaleString('en')} / ${total.toLocaleString('en')} operations scheduled`;
    setText(this.status, `${operations} · ${events.toLocaleString('en')} events processed${running ? ' · fast-forwarding…' : ''}`);
  }
}
