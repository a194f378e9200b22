// The history view: one lane per process, each client operation (history-ops.js) a bar from its
// invocation to its completion, coloured by outcome (ok, fail, info) and labelled `f key value`.
// The axis is virtual time (µs, shown in seconds) or the order of the events shown. A check's verdict marks
// it as porcupine's visualisation does: the counterexample's operations outlined, the longest
// linearizable prefix numbered in its order, the operation the search could not place hatched,
// and a line where no linearization can go on. Labels are text only: keys and values are
// whatever the history holds.

import { el } from './dom.js';

const LABEL_WIDTH = 52; // px: the lane names
const MIN_BAR = 5; // px
const MIN_WIDTH = 320; // px of axis, however narrow the box
const ZOOM_STEP = 1.6;
const MAX_ZOOM = 400;
const TICK_SPACING = 110; // px between ticks, at least

/** `node` placed with CSSOM styles (the page's CSP forbids style attributes). */
function styled(node, styles) {
  Object.assign(node.style, styles);
  return node;
}

/**
 * Where the operations lie on the axis: {first, last, at(t), end(op)}. Time stays as it is; event
 * positions are ranked among the operations shown, so a key's operations spread over the width
 * however many others the history has. Operations with no end run on past the last event.
 */
function axisOf(ops, timed) {
  const points = [...new Set(ops.flatMap((op) => (op.end === null ? [op.start] : [op.start, op.end])))].sort((a, b) => a - b);
  const rank = new Map(points.map((t, i) => [t, i]));
  const at = timed ? (t) => t : (t) => rank.get(t);
  let first = at(points[0] ?? 0) ?? 0;
  let last = at(points[points.length - 1] ?? 1) ?? 1;
  if (last <= first) last = first + 1;
  const open = last + (last - first) * 0.04 + (timed ? 0 : 0.5);
  return { first, last: open, at, end: (op) => (op.end === null ? open : at(op.end)) };
}

/** Tick values at 1, 2 or 5 × 10^k units, at least `minStep` apart. */
function ticks(first, last, minStep) {
  const magnitude = 10 ** Math.floor(Math.log10(minStep));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= minStep);
  const values = [];
  for (let t = Math.ceil(first / step) * step; t <= last; t += step) values.push(t);
  return { values, step };
}

export class HistoryView {
  /** Draws into `box`, a scrolling element; `lanePrefix` names lanes (`n` for nodes, `p` for processes). */
  constructor(box) {
    this.box = box;
    this.ops = [];
    this.lanePrefix = 'p';
    this.timed = false;
    this.marks = null;
    this.zoom = 1;
    new ResizeObserver(() => this.render()).observe(box);
  }

  /** Shows `ops` (history-ops.js), on a time axis when `timed`, keeping the zoom unless `fit`. */
  show(ops, { timed, lanePrefix, fit = false }) {
    this.ops = ops;
    this.timed = timed;
    this.lanePrefix = lanePrefix;
    if (fit) this.zoom = 1;
    this.render();
  }

  /**
   * Marks one key's result of a check (a `keys` entry of the report; null: no marks): its
   * counterexample, longest linearizable prefix and blocked operation, found by their lines.
   * Drawn at the next show().
   */
  mark(keyReport) {
    const prefix = keyReport?.longest_prefix;
    this.marks = keyReport && {
      counterexample: new Set((keyReport.counterexample?.operations ?? []).map((op) => op.invoke.line)),
      order: new Map((prefix?.operations ?? []).map((op, i) => [op.invoke.line, i + 1])),
      blocked: prefix?.blocked.invoke.line ?? null,
    };
  }

  zoomBy(factor) {
    this.zoom = Math.min(MAX_ZOOM, Math.max(1, this.zoom * factor));
    this.render();
  }

  zoomIn() {
    this.zoomBy(ZOOM_STEP);
  }

  zoomOut() {
    this.zoomBy(1 / ZOOM_STEP);
  }

  fit() {
    this.zoom = 1;
    this.render();
  }

  render() {
    const box = this.box;
    if (!this.ops.length) {
      box.replaceChildren(el('p', { className: 'history-empty', text: 'No client operations yet: type get, insert, update or delete on a node.' }));
      return;
    }
    const axis = axisOf(this.ops, this.timed);
    const width = Math.max(MIN_WIDTH, box.clientWidth - LABEL_WIDTH - 16) * this.zoom;
    const x = (t) => ((t - axis.first) / (axis.last - axis.first)) * width;
    const processes = [...new Set(this.ops.map((op) => op.process))].sort((a, b) => a - b);
    const laneOf = new Map(processes.map((p, i) => [p, i]));
    const lanes = processes.map((p) => el('div', { className: 'history-lane', 'data-process': p }, el('span', { className: 'history-lane-name', text: `${this.lanePrefix}${p}` })));
    for (const op of this.ops) lanes[laneOf.get(op.process)].append(this.bar(op, axis, x));
    const rows = styled(el('div', { className: 'history-rows' }, this.axisRow(axis, x, width), ...lanes), { width: `${LABEL_WIDTH + width + 8}px` });
    const blocked = this.marks?.blocked;
    const stop = blocked === null || blocked === undefined ? null : this.ops.find((op) => op.line === blocked);
    if (stop) {
      const line = el('div', { className: 'history-stop', title: 'No linearization goes on past this point' });
      rows.append(styled(line, { left: `${LABEL_WIDTH + x(axis.end(stop))}px` }));
    }
    rows.classList.toggle('marking', Boolean(this.marks));
    const { scrollLeft, scrollTop } = box;
    box.replaceChildren(rows);
    Object.assign(box, { scrollLeft, scrollTop });
  }

  axisRow(axis, x, width) {
    const unit = this.timed ? 1e6 : 1; // seconds, or events
    const span = (axis.last - axis.first) / unit;
    const { values, step } = ticks(axis.first / unit, axis.last / unit, Math.max(this.timed ? 1e-6 : 1, (span * TICK_SPACING) / width));
    const decimals = this.timed ? Math.max(0, Math.ceil(-Math.log10(step))) : 0;
    const row = el('div', { className: 'history-axis' }, el('span', { className: 'history-lane-name', text: this.timed ? 'time' : 'order' }));
    for (const t of values) {
      const tick = el('span', { className: 'history-tick', text: this.timed ? `${t.toFixed(decimals)} s` : String(Math.round(t)) });
      row.append(styled(tick, { left: `${LABEL_WIDTH + x(t * unit)}px` }));
    }
    return row;
  }

  bar(op, axis, x) {
    const left = x(axis.at(op.start));
    const width = Math.max(MIN_BAR, x(axis.end(op)) - left);
    const classes = ['history-op', `outcome-${op.outcome}`];
    const order = this.marks?.order.get(op.line);
    if (this.marks) {
      if (this.marks.counterexample.has(op.line)) classes.push('counterexample');
      if (order !== undefined) classes.push('linearized');
      if (this.marks.blocked === op.line) classes.push('blocked');
    }
    const bar = el('div', { className: classes.join(' '), title: op.detail, 'data-line': op.line });
    styled(bar, { left: `${LABEL_WIDTH + left}px`, width: `${width}px` });
    if (order !== undefined) bar.append(el('span', { className: 'history-order', text: String(order) }));
    bar.append(el('span', { className: 'history-label', text: op.label }));
    return bar;
  }
}
