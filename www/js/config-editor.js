// The config editor: load a config.json (file picker, or a file dropped on the page: drops.js), or
// edit its fields and Apply. An invalid config is reported next to the field it names and in the
// general error area, and the running cluster is left alone; a valid one replaces the cluster.
// The page loads it when first used (main.js): the Config button, or a config file dropped.

import { el, byTestId } from './dom.js';
import { ConfigError } from './wasm.js';

const MAX_EDITOR_NODES = 32;
const NEW_LINK_DELAY = 0.5;
// Config fields the form does not show, carried over from a loaded file.
const CARRIED = ['clock_skew_ms', 'tombstone_grace_s'];

export class ConfigEditor {
  constructor(session) {
    this.session = session;
    this.panel = byTestId('config-panel');
    this.toggle = byTestId('config-toggle');
    this.nodes = byTestId('config-nodes');
    this.rf = byTestId('config-rf');
    this.distribution = byTestId('config-distribution');
    this.timeout = byTestId('config-timeout');
    this.seed = byTestId('config-seed');
    this.error = byTestId('config-error');
    this.addressList = byTestId('config-addresses');
    this.grid = byTestId('config-delays');
    this.nodes.max = String(MAX_EDITOR_NODES);
    this.carried = {};
    this.shownConfig = null; // the cluster config the form was last filled from
    this.addresses = [];
    this.delays = [];

    byTestId('config-apply').addEventListener('click', () => this.apply());
    byTestId('config-revert').addEventListener('click', () => this.revert());
    this.nodes.addEventListener('change', () => this.resize());
    const file = byTestId('config-file');
    file.addEventListener('change', () => {
      if (file.files.length) this.loadFile(file.files[0]);
      file.value = ''; // so choosing the same file again loads it again
    });
    session.subscribe((event) => {
      if (event.type === 'cluster' && session.driver.configText !== this.shownConfig) this.revert();
    });
    this.revert();
  }

  /** Shows the panel, or hides it when shown (the Config button). */
  toggleOpen() {
    this.open(this.panel.hidden);
  }

  open(show) {
    this.panel.hidden = !show;
    this.toggle.setAttribute('aria-expanded', String(show));
  }

  /** Refills the form from the running cluster and clears any error. */
  revert() {
    const { driver } = this.session;
    this.shownConfig = driver.configText;
    this.fill(driver.config, driver.seed);
    this.rf.placeholder = `default ${driver.checked.replicationFactor}`;
    this.timeout.placeholder = `default ${driver.checked.requestTimeoutUs / 1e6}`;
    this.clearErrors();
  }

  fill(config, seed) {
    this.rf.value = config.replication_factor ?? '';
    this.timeout.value = config.request_timeout_s ?? '';
    this.distribution.value = config.delay_distribution ?? 'uniform';
    this.seed.value = String(seed ?? config.seed ?? 0);
    this.carried = Object.fromEntries(CARRIED.filter((f) => config[f] !== undefined).map((f) => [f, config[f]]));
    this.renderNodes(config.addresses.map(String), config.avg_delays.map((row) => row.map(String)));
  }

  // Builds one address input per node and the N x N grid of delay inputs.
  renderNodes(addresses, delays) {
    const n = addresses.length;
    this.nodes.value = String(n);
    this.addresses = addresses.map((address, i) =>
      el('input', { type: 'text', value: address, 'data-testid': `config-address-${i}`, 'aria-label': `address of n${i}`, spellcheck: 'false' }),
    );
    this.addressList.replaceChildren(
      ...this.addresses.map((input, i) => el('label', { className: 'address-field' }, el('span', { text: `n${i}` }), input)),
    );
    this.delays = delays.map((row, i) =>
      row.map((delay, j) =>
        el('input', {
          type: 'number',
          min: 0,
          step: 'any',
          inputmode: 'decimal',
          value: delay,
          'data-testid': `config-delay-${i}-${j}`,
          'aria-label': `average delay from n${i} to n${j}, seconds`,
        }),
      ),
    );
    const head = el('tr', {}, el('th', { scope: 'col', text: 'from \\ to' }), ...addresses.map((_, j) => el('th', { scope: 'col', text: `n${j}` })));
    this.grid.replaceChildren(
      el('thead', {}, head),
      el('tbody', {}, ...this.delays.map((row, i) => el('tr', {}, el('th', { scope: 'row', text: `n${i}` }), ...row.map((input) => el('td', {}, input))))),
    );
  }

  // Changes the number of nodes, keeping what was typed for the nodes that remain.
  resize() {
    const n = Number(this.nodes.value);
    if (!Number.isInteger(n) || n < 1 || n > MAX_EDITOR_NODES) {
      this.showError(new ConfigError('addresses', `the editor takes 1 to ${MAX_EDITOR_NODES} nodes; load a file for more`));
      return;
    }
    const addresses = Array.from({ length: n }, (_, i) => this.addresses[i]?.value ?? `localhost:${15000 + i}`);
    const delays = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => this.delays[i]?.[j]?.value ?? String(i === j ? 0 : NEW_LINK_DELAY)),
    );
    if (this.carried.clock_skew_ms) {
      this.carried.clock_skew_ms = Array.from({ length: n }, (_, i) => this.carried.clock_skew_ms[i] ?? 0);
    }
    this.clearErrors();
    this.renderNodes(addresses, delays);
  }

  /** The form as config text and seed; throws ConfigError for what only the form can get wrong. */
  read() {
    const number = (input, field) => {
      const value = Number(input.value);
      if (input.value.trim() === '' || !Number.isFinite(value)) throw new ConfigError(field, `"${input.value}" is not a number`);
      return value;
    };
    const config = {
      addresses: this.addresses.map((input) => input.value),
      avg_delays: this.delays.map((row, i) => row.map((input, j) => number(input, `avg_delays[${i}][${j}]`))),
      delay_distribution: this.distribution.value,
    };
    if (this.rf.value.trim() !== '') {
      config.replication_factor = number(this.rf, 'replication_factor');
      if (!Number.isInteger(config.replication_factor) || config.replication_factor < 1) {
        throw new ConfigError('replication_factor', `${this.rf.value} is not a whole number of replicas`);
      }
    }
    if (this.timeout.value.trim() !== '') config.request_timeout_s = number(this.timeout, 'request_timeout_s');
    const seed = number(this.seed, 'seed');
    if (!Number.isSafeInteger(seed) || seed < 0) throw new ConfigError('seed', `${this.seed.value} must be a whole number from 0 to 2^53 - 1`);
    config.seed = seed;
    Object.assign(config, this.carried);
    return { text: JSON.stringify(config, null, 2), seed };
  }

  apply() {
    this.attempt(() => {
      const { text, seed } = this.read();
      this.session.replace(text, seed);
    });
  }

  async loadFile(file) {
    this.loadText(await file.text(), file.name);
  }

  /**
   * Loads a config file's text (`name`: its file's, which an error about the whole file names):
   * fills the form when it can show it, and applies it.
   */
  loadText(text, name = 'config.json') {
    this.open(true);
    let parsed = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // The core's parser names the problem below.
    }
    if (fillable(parsed)) this.fill(parsed, parsed.seed);
    this.attempt(() => this.session.replace(text), name);
  }

  // Runs `change` and shows what went wrong: a ConfigError names its field (the whole file by
  // `name`); any other error (say, a seed the wasm side refuses) is still about this config, so
  // it is shown too.
  attempt(change, name = 'config.json') {
    this.clearErrors();
    try {
      change();
    } catch (e) {
      if (!(e instanceof ConfigError)) this.showError(new ConfigError('config', e.message));
      else this.showError(e.field === 'config.json' ? new ConfigError(name, e.detail) : e);
    }
  }

  showError(error) {
    this.open(true);
    this.error.textContent = error.message;
    this.error.hidden = false;
    const target = this.fieldInput(error.field);
    if (target) {
      target.classList.add('invalid');
      target.setAttribute('aria-invalid', 'true');
      target.setAttribute('aria-errormessage', this.error.id);
    }
    const slot = this.panel.querySelector(`[data-error-for="${errorGroup(error.field)}"]`);
    if (slot) {
      slot.textContent = `${error.field}: ${error.detail ?? error.message}`;
      slot.hidden = false;
    }
  }

  /** The input a config error's field names, if the form shows it. */
  fieldInput(field) {
    let match = /^addresses\[(\d+)\]$/.exec(field);
    if (match) return this.addresses[Number(match[1])];
    match = /^avg_delays\[(\d+)\]\[(\d+)\]$/.exec(field);
    if (match) return this.delays[Number(match[1])]?.[Number(match[2])];
    return { replication_factor: this.rf, request_timeout_s: this.timeout, delay_distribution: this.distribution, seed: this.seed }[field];
  }

  clearErrors() {
    this.error.hidden = true;
    this.error.textContent = '';
    for (const input of this.panel.querySelectorAll('.invalid')) {
      input.classList.remove('invalid');
      input.removeAttribute('aria-invalid');
      input.removeAttribute('aria-errormessage');
    }
    for (const slot of this.panel.querySelectorAll('[data-error-for]')) {
      slot.hidden = true;
      slot.textContent = '';
    }
  }
}

/** The group whose error line shows an error about `field`. */
function errorGroup(field) {
  if (field.startsWith('addresses')) return 'addresses';
  if (field.startsWith('avg_delays')) return 'avg_delays';
  return field;
}

/** Whether a parsed file has the shape the form can show: N addresses and an N x N matrix. */
function fillable(config) {
  const n = config?.addresses?.length;
  return (
    Array.isArray(config?.addresses) &&
    n >= 1 &&
    n <= MAX_EDITOR_NODES &&
    Array.isArray(config.avg_delays) &&
    config.avg_delays.length === n &&
    config.avg_delays.every((row) => Array.isArray(row) && row.length === n)
  );
}
