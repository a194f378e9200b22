// The history view: one lane per process, each client operation (history-ops.js) a bar from its
// invocation to its completion, coloured by outcome (ok, fail, info) and labelled `f key value`.
// The axis is virtual time (µs, shown in seconds) or the order of the events shown. A check's
// verdict marks it as porcupine's visualisation does: the counterexample's operations outlined,
// the longest linearizable prefix numbered in its order, the operation the search could not
// place hatched, and a line where no linearization can go on. Labels are text only: keys and
// values are whatever the history holds.
//
// Only bars in and near the visible part are drawn (again as it scrolls), and when more than
// MAX_BARS would be, the unmarked ones are bunched per BUNCH_PX of each lane: a long history
// stays light, and zooming in shows each operation again.

import { el, onceAFrame } from './dom.js';

const LABEL_WIDTH = 52; // px: the lane names
const MIN_BAR = 5; // px
const MIN_WIDTH = 320; // px of axis, however narrow the box
const ZOOM_STEP = 1.6;
const MAX_ZOOM = 400;
const TICK_SPACING = 110; // px between ticks, at least
const MAX_BARS = 1500; // bars drawn one by one at most; past that, unmarked ones are bunched
const BUNCH_PX = 6; // the width of one bunch of crowded bars
const MARGIN_PX = 200; // drawn beyond the visible part, so a small scroll shows no gap

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
  /**
   * Draws into `box`, a scrolling element. `onCrowded(n)` hears how many operations are bunched
   * (0: none).
   */
  constructor(box, onCrowded = () => {}) {
    this.box = box;
    this.onCrowded = onCrowded;
    this.ops = [];
    this.timed = false;
    this.marks = null;
    this.zoom = 1;
    this.layout = null; // {lanes, placed, drawnAt}: what render() placed, for scrolling
    // The box's width and scroll, kept from its observer and its scroll events: drawing reads no
    // layout, which would force the whole page's in the middle of a step's updates.
    this.width = 0;
    this.scrollLeft = 0;
    const drawSoon = onceAFrame(() => this.drawBars());
    new ResizeObserver(([entry]) => {
      this.width = entry.contentRect.width;
      this.render();
    }).observe(box);
    box.addEventListener('scroll', () => {
      this.scrollLeft = box.scrollLeft;
      if (this.layout?.drawnAt !== this.scrollLeft) drawSoon();
    });
  }

  /**
   * Shows `ops` (history-ops.js), on a time axis when `timed`, one lane per process named as
   * the ops say, keeping the zoom unless `fit`.
   */
  show(ops, { timed, fit = false }) {
    this.ops = ops;
    this.timed = timed;
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

  /** Scales the axis by `factor`, keeping the middle of the visible part in place. */
  zoomBy(factor) {
    const { box } = this;
    const middle = (box.scrollLeft + box.clientWidth / 2) / Math.max(1, box.scrollWidth);
    this.zoom = Math.min(MAX_ZOOM, Math.max(1, this.zoom * factor));
    this.render();
    box.scrollLeft = middle * box.scrollWidth - box.clientWidth / 2;
    this.scrollLeft = box.scrollLeft;
    this.drawBars();
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

  /** Lays out the axis and the lanes, then draws the bars in view. */
  render() {
    const box = this.box;
    if (!this.ops.length) {
      this.layout = null;
      this.onCrowded(0);
      box.replaceChildren(el('p', { className: 'history-empty', text: 'No client operations yet: type get, insert, update or delete on a node.' }));
      return;
    }
    const axis = axisOf(this.ops, this.timed);
    const width = Math.max(MIN_WIDTH, this.width - LABEL_WIDTH - 16) * this.zoom;
    const x = (t) => ((t - axis.first) / (axis.last - axis.first)) * width;
    const processes = [...new Set(this.ops.map((op) => op.process))].sort((a, b) => a - b);
    const laneOf = new Map(processes.map((p, i) => [p, i]));
    const laneNames = new Map(this.ops.map((op) => [op.process, op.lane]));
    const lanes = processes.map((p) => el('div', { className: 'history-lane', 'data-process': p }, el('span', { className: 'history-lane-name', text: laneNames.get(p) })));
    const rows = styled(el('div', { className: 'history-rows' }, this.axisRow(axis, x, width), ...lanes), { width: `${LABEL_WIDTH + width + 8}px` });
    const blocked = this.marks?.blocked;
    const stop = blocked === null || blocked === undefined ? null : this.ops.find((op) => op.line === blocked);
    if (stop) {
      const line = el('div', { className: 'history-stop', title: 'No linearization goes on past this point' });
      rows.append(styled(line, { left: `${LABEL_WIDTH + x(axis.end(stop))}px` }));
    }
    rows.classList.toggle('marking', Boolean(this.marks));
    box.replaceChildren(rows); // as wide as before unless zoomed: the scroll stays where it was
    const placed = this.ops.map((op) => {
      const left = x(axis.at(op.start));
      return { op, lane: laneOf.get(op.process), left, width: Math.max(MIN_BAR, x(axis.end(op)) - left) };
    });
    this.layout = { lanes, placed, drawnAt: null };
    this.drawBars();
  }

  /** Draws the bars in and near the visible part of the lanes (bunched when crowded). */
  drawBars() {
    if (!this.layout) return;
    const { lanes, placed } = this.layout;
    const from = this.scrollLeft - LABEL_WIDTH - MARGIN_PX;
    const to = this.scrollLeft + this.width + MARGIN_PX;
    this.layout.drawnAt = this.scrollLeft;
    const visible = placed.filter((p) => p.left + p.width >= from && p.left <= to);
    const crowded = visible.length > MAX_BARS;
    const bars = lanes.map(() => []);
    const bunches = new Map(); // `lane bunch` -> {lane, left, right, count, outcome}
    let bunched = 0;
    for (const p of visible) {
      if (!crowded || this.isMarked(p.op)) {
        bars[p.lane].push(this.bar(p));
        continue;
      }
      bunched++;
      const id = `${p.lane} ${Math.floor(p.left / BUNCH_PX)}`;
      const bunch = bunches.get(id);
      if (!bunch) bunches.set(id, { lane: p.lane, left: p.left, right: p.left + p.width, count: 1, outcome: p.op.outcome });
      else {
        bunch.right = Math.max(bunch.right, p.left + p.width);
        bunch.count++;
        if (bunch.outcome !== p.op.outcome) bunch.outcome = 'mixed';
      }
    }
    for (const { lane, left, right, count, outcome } of bunches.values()) {
      const bar = el('div', { className: `history-op history-bunch outcome-${outcome}`, title: `${count} operations: zoom in to see each one` });
      bars[lane].push(styled(bar, { left: `${LABEL_WIDTH + left}px`, width: `${right - left}px` }));
    }
    // Each lane keeps its name, its first child.
    lanes.forEach((lane, i) => lane.replaceChildren(lane.firstChild, ...bars[i]));
    this.onCrowded(bunched);
  }

  isMarked(op) {
    const marks = this.marks;
    return Boolean(marks) && (marks.counterexample.has(op.line) || marks.order.has(op.line) || marks.blocked === op.line);
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

  bar({ op, left, width }) {
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
