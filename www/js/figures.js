// The Figures card: the run's figures as `kvsim run --summary` prints them, up to the moment
// shown: per level the operations ok / failed and their latency (p50, p99, max) in a table, a
// latency histogram per level, and an availability strip (operations completed ok or failed per
// time bucket). Redrawn at most every few hundred milliseconds while the run goes on.

import { byTestId, el, setText, throttle } from './dom.js';

const REDRAW_MS = 300;
const LEVEL_COLOURS = { ONE: '#2563eb', QUORUM: '#16a34a', ALL: '#9333ea' };
const OK = '#16a34a';
const FAILED = '#dc2626';
const AXIS = '#64748b';

export class FiguresPanel {
  constructor(session) {
    this.session = session;
    this.table = byTestId('figures-table');
    this.note = byTestId('figures-note');
    this.latency = byTestId('latency-chart');
    this.availability = byTestId('availability-chart');
    this.shown = null; // the summary drawn last, as JSON, to skip redrawing the same
    this.redrawSoon = throttle(() => this.redraw(), REDRAW_MS);
    // The summary is computed over the whole history: while a fast-forward runs it would be every
    // REDRAW_MS, a task growing with the run (145 ms at a million operations); it is drawn at the end.
    session.subscribe((event) => {
      if (event.type === 'cluster') this.redrawSoon(); // a long run's summary: not within a jump
      else if (event.type === 'fast-forward') {
        if (!event.running) this.redrawSoon();
      } else if (event.type === 'step' && !session.fastForwarding) this.redrawSoon();
    });
    this.redraw(); // made when the card is first seen: the run so far
  }

  /** The summary of the run shown, or null when the driver keeps no history (a trace). */
  summary() {
    return this.session.driver.summary?.() ?? null;
  }

  redraw() {
    const summary = this.summary();
    const json = JSON.stringify(summary);
    if (json === this.shown) return;
    this.shown = json;
    const ops = summary?.levels.reduce((n, l) => n + l.operations, 0) ?? 0;
    if (!ops) {
      setText(
        this.note,
        summary
          ? 'No operations yet: type get, insert, update or delete on a node.'
          : "Figures come from the simulation's history of operations; a trace replayed or a real cluster has none here (kvsim run --summary on a run, or kvnode bench for real nodes).",
      );
      this.table.replaceChildren();
      clear(this.latency);
      clear(this.availability);
      return;
    }
    setText(this.note, '');
    this.drawTable(summary);
    drawLatency(this.latency, summary);
    drawAvailability(this.availability, summary);
  }

  drawTable(summary) {
    const head = el('tr', {}, ...['level', 'operations', 'ok', 'fail', 'info', 'running', 'p50', 'p99', 'max'].map((h) => el('th', { text: h })));
    const ms = (t) => (t === undefined ? '–' : `${(t / 1000).toFixed(1)} ms`);
    const rows = summary.levels.map((l) =>
      el(
        'tr',
        { 'data-level': l.level },
        el('td', {}, el('span', { className: `figures-swatch level-${l.level}` }), l.level),
        ...[l.operations, l.ok, l.fail, l.info, l.running].map((n) => el('td', { text: String(n) })),
        ...['p50', 'p99', 'max'].map((p) => el('td', { text: ms(l.latency?.[p]) })),
      ),
    );
    this.table.replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
  }
}

/** The canvas's 2D context, sized for the device's pixels and cleared; its CSS size in `size`. */
function prepare(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 480;
  const height = canvas.clientHeight || 140;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = '11px system-ui, sans-serif';
  return { ctx, width, height };
}

function clear(canvas) {
  prepare(canvas);
}

/** Grouped bars: one group per latency bucket, one bar per level, heights relative to the tallest. */
function drawLatency(canvas, summary) {
  const { ctx, width, height } = prepare(canvas);
  const bounds = summary.latency_bounds_us;
  const levels = summary.levels.filter((l) => l.ok > 0);
  if (!bounds.length || !levels.length) return;
  const top = Math.max(1, ...levels.flatMap((l) => l.histogram));
  const plot = { left: 8, right: width - 8, top: 14, bottom: height - 18 };
  const group = (plot.right - plot.left) / bounds.length;
  const bar = Math.max(1, (group - 4) / levels.length);
  ctx.fillStyle = AXIS;
  ctx.fillText('ok operations per latency bucket (upper bound)', plot.left, 10);
  bounds.forEach((bound, i) => {
    const x = plot.left + i * group;
    levels.forEach((l, j) => {
      const h = ((plot.bottom - plot.top) * l.histogram[i]) / top;
      ctx.fillStyle = LEVEL_COLOURS[l.level];
      ctx.fillRect(x + 2 + j * bar, plot.bottom - h, bar - 1, h);
    });
    ctx.fillStyle = AXIS;
    ctx.fillText(shortDuration(bound), x + 2, height - 4);
  });
}

/** Stacked bars per time bucket: ok below, failed above. */
function drawAvailability(canvas, summary) {
  const { ctx, width, height } = prepare(canvas);
  const buckets = summary.availability;
  const top = Math.max(1, ...buckets.map((b) => b.ok + b.failed));
  const plot = { left: 8, right: width - 8, top: 14, bottom: height - 18 };
  const slot = (plot.right - plot.left) / Math.max(1, buckets.length);
  const scale = (plot.bottom - plot.top) / top;
  ctx.fillStyle = AXIS;
  ctx.fillText(`operations completed per ${shortDuration(summary.bucket_us)}: ok (green), not ok: fail or info (red)`, plot.left, 10);
  buckets.forEach((b, i) => {
    const x = plot.left + i * slot + 1;
    ctx.fillStyle = OK;
    ctx.fillRect(x, plot.bottom - b.ok * scale, slot - 2, b.ok * scale);
    ctx.fillStyle = FAILED;
    ctx.fillRect(x, plot.bottom - (b.ok + b.failed) * scale, slot - 2, b.failed * scale);
  });
  ctx.fillStyle = AXIS;
  ctx.fillText('0 s', plot.left, height - 4);
  const end = `${((buckets.length * summary.bucket_us) / 1e6).toFixed(1)} s`;
  ctx.fillText(end, plot.right - ctx.measureText(end).width, height - 4);
}

/** `500ms`, `2s`: as kvsim's summary writes a bound. */
function shortDuration(us) {
  return us >= 1e6 ? `${us / 1e6}s` : `${us / 1e3}ms`;
}
