// One panel per node: a header (name, address, up or down, whether it is coordinating a request),
// the node's fault controls (crash, restart, clock skew), a console and the node's store table.
// consoles.js, stores.js and faults-panel.js fill and wire them.

import { el } from './dom.js';

/** Builds the panels for `addresses` into `grid`; returns one set of parts per node. */
export function buildPanels(grid, addresses) {
  grid.replaceChildren();
  return addresses.map((address, i) => {
    const name = `n${i}`;
    const badge = el('span', { className: 'badge coordinating', text: 'coordinating', hidden: true });
    const output = el('div', {
      className: 'console-output',
      'data-testid': `console-output-${i}`,
      role: 'log',
      'aria-live': 'off', // results are announced once, by the live region
      'aria-label': `${name} console output`,
      tabindex: 0,
    });
    const inputId = `console-input-${i}`;
    const input = el('input', {
      id: inputId,
      'data-testid': inputId,
      type: 'text',
      autocomplete: 'off',
      autocapitalize: 'off',
      spellcheck: 'false',
      'aria-label': `command for ${name}`,
      placeholder: 'get KEY LEVEL, insert KEY VALUE LEVEL, …',
    });
    const prompt = el('label', { className: 'prompt', for: inputId, text: `${name}>` });
    const caption = el('caption', { text: `${name} store` });
    const body = el('tbody');
    const table = el(
      'table',
      { className: 'store', 'data-testid': `store-table-${i}` },
      caption,
      el('thead', {}, row(['key', 'value', 'timestamp', 'state'])),
      body,
    );
    const faults = faultControls(i, name);
    const panel = el(
      'section',
      { className: 'node-panel', 'data-testid': `node-panel-${i}`, 'aria-label': `node ${name}` },
      el('header', {}, el('h3', { text: name }), el('span', { className: 'address', text: address }), faults.state, badge),
      faults.row,
      output,
      el('div', { className: 'console-line' }, prompt, input),
      el('div', { className: 'store-wrap' }, table),
    );
    grid.append(panel);
    return { panel, badge, output, input, table, caption, body, faults };
  });
}

// Crash, restart (keeping or losing the store) and a clock-skew slider in ms; `state` says up or DOWN.
function faultControls(i, name) {
  const skewId = `node-skew-${i}`;
  const parts = {
    state: el('span', { className: 'node-state', role: 'status', 'data-testid': `node-state-${i}`, text: 'up' }),
    crash: el('button', { type: 'button', 'data-testid': `node-crash-${i}`, title: `${name} stops: it neither sends nor receives`, text: 'Crash' }),
    restart: el('button', { type: 'button', 'data-testid': `node-restart-${i}`, title: `${name} comes back with empty memory (reboots if running)`, text: 'Restart' }),
    restartMode: el(
      'select',
      { 'data-testid': `node-restart-mode-${i}`, 'aria-label': `${name} restarts` },
      el('option', { value: 'keep', text: 'keeping its store' }),
      el('option', { value: 'lose', text: 'losing its store' }),
    ),
    skew: el('input', { id: skewId, type: 'range', min: -5000, max: 5000, step: 100, value: 0, 'data-testid': skewId }),
    skewValue: el('output', { for: skewId, className: 'skew-value', text: '0.0 s' }),
  };
  parts.row = el(
    'div',
    { className: 'node-faults', role: 'group', 'aria-label': `${name} faults` },
    parts.crash,
    parts.restart,
    parts.restartMode,
    el('label', { className: 'skew', for: skewId, text: 'clock skew' }),
    parts.skew,
    parts.skewValue,
  );
  return parts;
}

function row(headings) {
  return el('tr', {}, ...headings.map((h) => el('th', { scope: 'col', text: h })));
}

/** Marks the panels of nodes that coordinate a request with messages in flight. */
export function markCoordinators(parts, coordinators) {
  parts.forEach((part, i) => {
    const on = coordinators.has(i);
    part.panel.classList.toggle('is-coordinating', on);
    part.badge.hidden = !on;
  });
}
