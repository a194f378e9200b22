// The details of what was clicked on the space-time diagram, as plain text lines (shown with
// textContent: keys and values are whatever users typed).

import { kindLabel } from './kinds.js';
import { seconds } from './dom.js';
import { versionText } from './versions.js';

const at = (micros) => `${seconds(micros)} s`;

/** The text for {message: record} or {mark: trace event}. */
export function describe(item) {
  return item.message ? describeMessage(item.message) : describeMark(item.mark);
}

function describeMessage(r) {
  const request = r.request !== undefined && r.request !== null ? `  ·  request ${r.request}` : '';
  const times = [`sent ${at(r.sent)}`];
  if (r.held) times.push(r.released !== null ? `held on its link until ${at(r.released)}` : r.dropped ? 'held on its link' : 'held: waiting for its link');
  if (r.due !== null) times.push(`due ${at(r.due)}`);
  if (r.end !== null) times.push(r.dropped ? `DROPPED at ${at(r.end)}` : `delivered ${at(r.end)}`);
  else if (r.due !== null) times.push('in flight');
  return [
    `${kindLabel(r.msg)}  n${r.from} → n${r.to}${request}`,
    `key ${r.key}${r.version ? ` = ${r.value ?? '(deleted)'}` : ''}`,
    r.version ? `version ${versionText(r.version)}` : 'no version',
    times.join(', '),
  ].join('\n');
}

function describeMark(e) {
  const where = e.node !== undefined ? ` on n${e.node}` : e.from !== undefined ? ` n${e.from} → n${e.to}` : '';
  const request = e.request !== undefined && e.request !== null ? `  ·  request ${e.request}` : '';
  const lines = [`${e.kind}${where} at ${at(e.time)}${request}`];
  if (e.msg !== undefined) lines.push(`message ${kindLabel(e.msg)}`);
  if (e.key !== undefined) {
    if (e.version) lines.push(`key ${e.key} = ${e.value ?? '(deleted)'}`, `version ${versionText(e.version)}`);
    else lines.push(e.kind === 'store' ? `key ${e.key}: its tombstone purged` : `key ${e.key}`);
  }
  if (e.text !== undefined) lines.push(e.text);
  return lines.join('\n');
}
