// The event log: the trace as lines (newest at the bottom, the last MAX_EVENTS kept), filterable
// by node and by kind. Virtualised: every row has the same height, and only the rows in view
// (and a few either side) exist in the DOM, so a long run's log scrolls as lightly as a short
// one's. Lines are built from text nodes only.

import { el, byTestId, seconds, onceAFrame } from './dom.js';
import { KINDS } from './kinds.js';
import { versionText } from './versions.js';

const MAX_EVENTS = 20_000;
/** Trimming waits until this many events are over MAX_EVENTS, so it is not a copy per frame. */
const TRIM_SLACK = 2_000;
/** Height of one row in px: .event-log .entry in playground.css says the same. */
const ROW_HEIGHT = 18;
/** Rows drawn above and below the visible ones, so a quick scroll shows no gap. */
const OVERSCAN = 40;
// Trace events without a message, offered in the kind filter after the message kinds.
const EVENT_KINDS = ['command', 'reply', 'store', 'timeout', 'hold', 'drop', 'anomaly'];

export class EventLog {
  constructor(session) {
    this.session = session;
    this.log = byTestId('event-log');
    this.nodeFilter = byTestId('log-filter-node');
    this.kindFilter = byTestId('log-filter-kind');
    this.events = [];
    this.dropped = 0; // events trimmed off the front of `events` so far
    this.shown = []; // {n (index among every event added), e} for the events that pass the filters
    this.space = el('div', { className: 'log-space' }); // as tall as every shown row
    this.rows = el('div', { className: 'log-rows' }); // the rows in view, placed in the space
    this.space.append(this.rows);
    this.log.replaceChildren(this.space);
    this.follow = true; // whether the view sticks to the newest line
    this.drawn = null; // {first, last, count, newest} of the rows in the DOM
    this.rowNodes = new Map(); // event number (`n` of `shown`) -> its row in the DOM
    this.drawSoon = onceAFrame(() => this.draw()); // once however many steps and scrolls came first
    this.kindFilter.replaceChildren(
      el('option', { value: '', text: 'all kinds' }),
      ...Object.keys(KINDS).map((kind) => el('option', { value: `msg:${kind}`, text: `${kind} messages` })),
      ...EVENT_KINDS.map((kind) => el('option', { value: `event:${kind}`, text: `${kind} events` })),
    );
    for (const filter of [this.nodeFilter, this.kindFilter]) filter.addEventListener('change', () => this.rebuild());
    this.ownScroll = false; // whether the next scroll event is draw()'s own, following the newest
    this.log.addEventListener('scroll', () => {
      // Reading the log's heights here would force a layout of the frame's changes: draw() keeps
      // the view at the bottom, so its own scroll changes nothing.
      if (this.ownScroll) {
        this.ownScroll = false;
        return;
      }
      // Only the reader scrolls up; at the bottom the view follows the newest line again.
      this.follow = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < ROW_HEIGHT * 1.5;
      this.drawSoon();
    });
    session.subscribe((event) => {
      if (event.type === 'step') this.add(event.trace, event.rebuild);
      else if (event.type === 'cluster') this.restart(session.driver.size);
    });
  }

  restart(size) {
    this.events = [];
    this.dropped = 0;
    const chosen = this.nodeFilter.value;
    this.nodeFilter.replaceChildren(
      el('option', { value: '', text: 'all nodes' }),
      ...Array.from({ length: size }, (_, i) => el('option', { value: String(i), text: `n${i}` })),
    );
    if (Number(chosen) < size) this.nodeFilter.value = chosen;
    this.rebuild();
  }

  // A moment shown anew (`rebuild`) is drawn at the next frame, with the rest of the page: drawn
  // now, reading the log's height forced a layout of every panel the jump rebuilt.
  add(trace, rebuild = false) {
    if (!trace.length) return;
    const fresh = trace.length > MAX_EVENTS ? trace.slice(-MAX_EVENTS) : trace;
    const start = this.dropped + this.events.length + (trace.length - fresh.length);
    this.dropped += trace.length - fresh.length;
    this.events.push(...fresh);
    const over = this.events.length - MAX_EVENTS;
    if (over > TRIM_SLACK) {
      this.events.splice(0, over);
      this.dropped += over;
    }
    const test = this.test();
    fresh.forEach((e, i) => {
      if (test(e)) this.shown.push({ n: start + i, e });
    });
    // The shown events are kept ones: drop those that fell off the front.
    let gone = 0;
    while (gone < this.shown.length && this.shown[gone].n < this.dropped) gone++;
    if (gone) this.shown.splice(0, gone);
    // While a fast-forward runs, steps come every frame: drawn in it.
    if (this.session.fastForwarding || rebuild) this.drawSoon();
    else this.draw();
  }

  rebuild() {
    const test = this.test();
    this.shown = [];
    this.events.forEach((e, i) => {
      if (test(e)) this.shown.push({ n: this.dropped + i, e });
    });
    this.follow = true; // a new view starts at the newest
    this.drawn = null;
    this.rowNodes.clear();
    this.rows.replaceChildren();
    this.draw();
  }

  draw() {
    const count = this.shown.length;
    this.space.style.height = `${count * ROW_HEIGHT}px`;
    if (this.follow) {
      const before = this.log.scrollTop;
      this.log.scrollTop = this.log.scrollHeight;
      if (this.log.scrollTop !== before) this.ownScroll = true;
    }
    const top = this.log.scrollTop;
    const visible = Math.ceil((this.log.clientHeight || 10 * ROW_HEIGHT) / ROW_HEIGHT);
    // Following, every frame brings new rows (hundreds on a big cluster): only those in view are
    // built then, and the reader's first scroll up draws the rest.
    const above = this.follow ? 2 : OVERSCAN;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - above);
    const last = Math.min(count, Math.floor(top / ROW_HEIGHT) + visible + OVERSCAN);
    const { drawn } = this;
    const newest = this.shown[count - 1]?.n;
    if (drawn && drawn.first === first && drawn.last === last && drawn.count === count && drawn.newest === newest) return;
    this.drawn = { first, last, count, newest };
    this.rows.style.top = `${first * ROW_HEIGHT}px`;
    this.placeRows(this.shown.slice(first, last));
  }

  // Shows `wanted` (consecutive shown events, oldest first) as the rows, keeping the rows already
  // there: following a run, a frame then adds its few new lines and drops as many old ones,
  // instead of building every row in view again (which cost a layout of them all per frame).
  placeRows(wanted) {
    const kept = new Map();
    const before = [];
    const after = [];
    for (const { n, e } of wanted) {
      const row = this.rowNodes.get(n);
      if (row) kept.set(n, row);
      else (kept.size ? after : before).push([n, line(e)]);
    }
    for (const [n, row] of this.rowNodes) if (!kept.has(n)) row.remove();
    if (kept.size === 0) this.rows.replaceChildren(...before.map(([, row]) => row));
    else {
      this.rows.prepend(...before.map(([, row]) => row));
      this.rows.append(...after.map(([, row]) => row));
    }
    this.rowNodes = new Map([...before, ...kept, ...after]);
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
  const detail = parts.join('  ');
  return el(
    'div',
    { className: `entry${e.msg ? ` msg-${e.msg}` : ''} kind-${e.kind}`, title: `${seconds(e.time)} ${where} ${what} ${detail}` },
    el('span', { className: 'time', text: seconds(e.time) }),
    ' ',
    el('span', { className: 'where', text: where }),
    ' ',
    el('span', { className: 'what', text: what }),
    ' ',
    detail,
  );
}
