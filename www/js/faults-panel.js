// The faults card and each node panel's fault controls. Every control builds one fault line
// (docs/language.md, "Fault lines") and applies it with session.act, the one action path, so the action log,
// share links and time travel see it. A bad line shows the core's error as text next to the
// control and changes nothing. What is active is the core's own report (driver.faults()), read
// after every change, so the controls never disagree with the cluster.

import { byTestId, el, setText, onceAFrame } from './dom.js';
import { describeFaults, antiEntropyMs, skewText } from './fault-text.js';

/** How long the arrow keys rest on a clock-skew slider before its value is applied (ms). */
const SKEW_KEYS_REST_MS = 600;

export class FaultsPanel {
  constructor(session) {
    this.session = session;
    this.error = byTestId('fault-error');
    this.errorHome = this.error.nextElementSibling; // where the error waits when no control failed
    this.active = byTestId('faults-active');
    this.from = byTestId('fault-from');
    this.to = byTestId('fault-to');
    this.direction = byTestId('fault-direction');
    this.partitionGroups = byTestId('fault-partition-groups');
    this.line = byTestId('fault-line');
    this.hints = byTestId('fault-hints');
    this.antiEntropy = byTestId('fault-anti-entropy');
    this.antiEntropyMs = byTestId('fault-anti-entropy-ms');
    this.parts = []; // the node panels' parts, from buildPanels
    this.size = 0; // nodes in the picker
    this.shownActive = null;
    this.shownAnew = false; // the next refresh shows every value anew (a jump kept the panels)
    this.skewResting = null; // the timer of a skew slider moved by the keys, until it is applied
    this.refreshSoon = onceAFrame(() => {
      const anew = this.shownAnew;
      this.shownAnew = false;
      this.refresh({ anew });
    });
    this.wireCard();
    session.subscribe((event) => {
      if (event.type === 'cluster') this.onCluster();
      else if (event.type === 'faults') this.refreshSoon(); // the session's word after every fault
    });
  }

  wireCard() {
    // Each button's line, built from the input before it (if any); Enter in that input clicks it.
    const actions = [
      ['fault-cut', null, () => `cut ${this.link()}`],
      ['fault-loss', 'fault-loss-p', (p) => `loss ${this.link()} ${p}`],
      ['fault-dup', 'fault-dup-p', (p) => `dup ${this.link()} ${p}`],
      ['fault-delay', 'fault-delay-ms', (ms) => `delay ${this.link()} ${ms}`],
      ['fault-jitter', 'fault-jitter-ms', (ms) => `jitter ${this.link()} ${ms}`],
      ['fault-partition', 'fault-partition-groups', (groups) => `partition ${groups}`],
      ['fault-heal', null, () => 'heal'],
      ['fault-line-apply', 'fault-line', (line) => line],
    ];
    for (const [buttonId, inputId, line] of actions) {
      const button = byTestId(buttonId);
      const input = inputId && byTestId(inputId);
      button.addEventListener('click', () => {
        if (this.apply(line(input?.value), button) && input === this.line) this.line.value = '';
      });
      input?.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') button.click();
      });
    }
    this.direction.addEventListener('change', () => {
      const every = this.direction.value === '*';
      this.from.disabled = every;
      this.to.disabled = every;
    });
    this.hints.addEventListener('change', () => this.apply(`hints ${this.hints.checked ? 'on' : 'off'}`, this.hints));
    this.antiEntropy.addEventListener('change', () => this.applyAntiEntropy(this.antiEntropy));
    this.antiEntropyMs.addEventListener('change', () => {
      if (this.antiEntropy.checked) this.applyAntiEntropy(this.antiEntropyMs);
    });
  }

  /** Wires the fault controls of freshly built node panels. */
  attach(parts) {
    this.parts = parts;
    parts.forEach(({ faults }, i) => {
      const { crash, restart, restartMode, skew } = faults;
      crash.addEventListener('click', () => {
        if (this.apply(`crash ${i}`, crash)) restart.focus(); // Crash is disabled while down
      });
      restart.addEventListener('click', () => this.apply(`restart ${i} ${restartMode.value}`, restart));
      // The value follows the thumb; the fault is applied once, when it is let go, or once the
      // arrow keys rest (each press is a change: five presses were five skew actions).
      let byKeys = false; // whether the slider last moved by the keys
      const applySkew = () => {
        this.cancelSkew();
        this.apply(`skew ${i} ${skew.value}`, skew);
      };
      skew.addEventListener('input', () => showSkew(faults, Number(skew.value)));
      skew.addEventListener('keydown', () => (byKeys = true));
      skew.addEventListener('pointerdown', () => (byKeys = false));
      skew.addEventListener('change', () => {
        if (!byKeys) return applySkew();
        this.cancelSkew();
        this.skewResting = setTimeout(applySkew, SKEW_KEYS_REST_MS);
      });
      skew.addEventListener('blur', () => this.skewResting !== null && applySkew());
    });
    this.refresh();
  }

  /** Takes back the panels of the last cluster (a jump in time keeps them): wired already, shown anew. */
  keep(parts) {
    this.parts = parts;
    // Once, in the next frame: the session's 'faults' word follows a jump's 'cluster'.
    this.shownAnew = true;
    this.refreshSoon();
  }

  /** Applies `line` now; on an error shows it next to `control` and returns false. */
  apply(line, control) {
    let ok = true;
    try {
      this.session.act(line);
      this.error.hidden = true;
    } catch (error) {
      ok = false;
      control.closest('.fault-row, .node-faults').after(this.error);
      this.error.textContent = error.message;
      this.error.hidden = false;
    }
    this.refresh(); // also puts back a checkbox or slider whose line failed
    return ok;
  }

  applyAntiEntropy(control) {
    this.apply(this.antiEntropy.checked ? `anti-entropy ${this.antiEntropyMs.value}` : 'anti-entropy off', control);
  }

  /** The LINK of a fault line from the picker: `0-2`, `0>2` or `*`. */
  link() {
    const direction = this.direction.value;
    return direction === '*' ? '*' : `${this.from.value}${direction}${this.to.value}`;
  }

  // A skew moved by the keys and not yet applied is dropped: the moment it was moved at is left
  // (a step, a travel, another run), and the slider shows the skew of the moment shown again.
  cancelSkew() {
    clearTimeout(this.skewResting);
    this.skewResting = null;
  }

  onCluster() {
    this.cancelSkew();
    const { size } = this.session.driver;
    // A cluster of another size (not the same one replayed, as by time travel): fresh choices.
    if (size !== this.size) {
      this.size = size;
      fillNodes(this.from, size, 0);
      fillNodes(this.to, size, 1);
      // Half the nodes against the other half: `0,1 | 2,3`.
      const half = Math.ceil(size / 2);
      const group = (from, to) => Array.from({ length: to - from }, (_, k) => from + k).join(',');
      this.partitionGroups.value = size > 1 ? `${group(0, half)} | ${group(half, size)}` : '';
    }
    this.errorHome.before(this.error);
    this.error.hidden = true;
    this.parts = []; // until attach() gets the new panels
    this.refresh();
  }

  /** Shows the core's fault report; `anew`: a moment shown anew, which even a control in use shows. */
  refresh({ anew = false } = {}) {
    const state = this.session.driver.faults();
    this.showActive(describeFaults(state));
    this.hints.checked = state.hinted_handoff;
    const period = antiEntropyMs(state);
    this.antiEntropy.checked = period !== null;
    if (period !== null && (anew || document.activeElement !== this.antiEntropyMs)) this.antiEntropyMs.value = String(period);
    this.parts.forEach(({ panel, faults }, i) => {
      const down = state.down.includes(i);
      const skewMs = state.clock_skew_us[i] / 1000;
      panel.classList.toggle('is-down', down);
      setText(faults.state, down ? 'DOWN' : 'up');
      faults.crash.disabled = down;
      // Not under the user's thumb or arrow keys: that value is on its way in.
      if (anew || document.activeElement !== faults.skew) faults.skew.value = String(skewMs);
      showSkew(faults, skewMs);
    });
  }

  showActive(lines) {
    const text = lines.join('\n');
    if (text === this.shownActive) return;
    this.shownActive = text;
    this.active.replaceChildren(
      ...(lines.length
        ? lines.map((line) => el('li', { text: line }))
        : [el('li', { className: 'none', text: 'none: every node is up and every link plain' })]),
    );
  }
}

function showSkew({ skew, skewValue }, ms) {
  setText(skewValue, skewText(ms));
  skew.setAttribute('aria-valuetext', `clock ${skewText(ms)}`);
}

/** Options n0 … n(size-1) in `select`, `chosen` selected. */
function fillNodes(select, size, chosen) {
  select.replaceChildren(...Array.from({ length: size }, (_, i) => el('option', { value: String(i), text: `n${i}` })));
  select.value = String(Math.min(chosen, size - 1));
}
