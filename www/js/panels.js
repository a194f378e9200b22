// One panel per node: a header (name, address, whether it is coordinating a request), a console
// and the node's store table. consoles.js and stores.js fill them.

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
    const panel = el(
      'section',
      { className: 'node-panel', 'data-testid': `node-panel-${i}`, 'aria-label': `node ${name}` },
      el('header', {}, el('h3', { text: name }), el('span', { className: 'address', text: address }), badge),
      output,
      el('div', { className: 'console-line' }, prompt, input),
      el('div', { className: 'store-wrap' }, table),
    );
    grid.append(panel);
    return { panel, badge, output, input, table, caption, body };
  });
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
