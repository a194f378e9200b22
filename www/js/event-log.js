// The event log: the trace as lines (newest at the bottom, the last MAX_EVENTS kept), filterable
// by node and by kind. Lines are built from text nodes only.

import { el, byTestId, seconds, followBottom } from './dom.js';
import { KINDS } from './kinds.js';
import { versionText } from './versions.js';

const MAX_EVENTS = 2000;
// Trace events without a message, offered in the kind filter after the message kinds.
const EVENT_KINDS = ['command', 'reply', 'store', 'timeout', 'hold', 'drop', 'anomaly'];

export class EventLog {
  constructor(session) {
    this.log = byTestId('event-log');
    this.nodeFilter = byTestId('log-filter-node');
    this.kindFilter = byTestId('log-filter-kind');
    this.events = [];
    this.scroll = followBottom(this.log);
    this.kindFilter.replaceChildren(
      el('option', { value: '', text: 'all kinds' }),
      ...Object.keys(KINDS).map((kind) => el('option', { value: `msg:${kind}`, text: `${kind} messages` })),
      ...EVENT_KINDS.map((kind) => el('option', { value: `event:${kind}`, text: `${kind} events` })),
    );
    for (const filter of [this.nodeFilter, this.kindFilter]) filter.addEventListener('change', () => this.rebuild());
    session.subscribe((event) => {
      if (event.type === 'step') this.add(event.trace);
      else if (event.type === 'cluster') this.restart(session.driver.size);
    });
  }

  restart(size) {
    this.events = [];
    const chosen = this.nodeFilter.value;
    this.nodeFilter.replaceChildren(
      el('option', { value: '', text: 'all nodes' }),
      ...Array.from({ length: size }, (_, i) => el('option', { value: String(i), text: `n${i}` })),
    );
    if (Number(chosen) < size) this.nodeFilter.value = chosen;
    this.rebuild();
  }

  add(trace) {
    const fresh = trace.slice(-MAX_EVENTS);
    this.events.push(...fresh);
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    this.log.append(...fresh.filter(this.test()).map(line));
    while (this.log.childElementCount > MAX_EVENTS) this.log.firstElementChild.remove();
    this.scroll();
  }

  rebuild() {
    this.log.replaceChildren(...this.events.filter(this.test()).map(line));
    this.scroll(true); // a new view starts at the newest
  }

  /** The predicate of the chosen filters. */
  test() {
    const node = this.nodeFilter.value === '' ? null : Number(this.nodeFilter.value);
    const [what, kind] = this.kindFilter.value.split(':');
    return (e) =>
      (node === null || e.node === node || e.from === node || e.to === node) &&
      (!kind || (what === 'msg' ? e.msg === kind : e.kind === kind));
  }
}

/** One trace event as a line: time, from -> to (or the node), what, key=value, version. */
function line(e) {
  // A fault about no one node (cut, partition, heal, switches) is the cluster's.
  const where = e.from !== undefined ? `n${e.from} -> n${e.to}` : e.node !== undefined ? `n${e.node}` : 'cluster';
  const what = e.msg ? `${e.kind} ${e.msg}` : e.kind;
  const parts = [];
  if (e.key !== undefined) parts.push(e.version ? `${e.key}=${e.value ?? '(deleted)'}` : e.kind === 'store' ? `${e.key} purged` : `key ${e.key}`);
  if (e.version) parts.push(`@${versionText(e.version)}`);
  if (e.kind === 'send') parts.push(`due ${seconds(e.due)}`);
  if (e.text !== undefined) parts.push(e.text.split('\n').join(' | '));
  return el(
    'div',
    { className: `entry${e.msg ? ` msg-${e.msg}` : ''} kind-${e.kind}` },
    el('span', { className: 'time', text: seconds(e.time) }),
    ' ',
    el('span', { className: 'where', text: where }),
    ' ',
    el('span', { className: 'what', text: what }),
    ' ',
    parts.join('  '),
  );
}
