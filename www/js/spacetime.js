// The space-time diagram: one lane per node, time to the right, every message an arrow from its
// send to its delivery. The record (spacetime-record.js, from the page's first step) holds the
// model (spacetime-model.js) of the session's trace; this view, loaded when the card is first
// seen or asked for, owns the visible time window (zoom, pan, follow the clock), the controls and
// the details box, and redraws from the main animation frame only when something changed or time
// moved.
// A window with more messages than arrowLimit() is drawn as density (spacetime-density.js, from
// the core's index); one the live model no longer holds (a long run's past) is drawn as arrows
// from its events decoded from the trace (spacetime-window.js).

import { byTestId, el, setText, seconds } from './dom.js';
import { KINDS } from './kinds.js';
import { frame, pick, locate, AXIS, GUTTER } from './spacetime-geometry.js';
import { paint } from './spacetime-draw.js';
import { describe } from './spacetime-details.js';
import { DensityView, rgbOf } from './spacetime-density.js';
import { WindowEvents } from './spacetime-window.js';
import { TraceWindows } from './trace-windows.js';

/** The line under the diagram, by what it draws. */
const MODE_LABELS = {
  density: 'Density: too many messages in view to draw one by one (the count is over the plot); zoom in or click a lane to see them as arrows',
  'fast-forward': 'Density: a fast-forward keeps no events to draw one by one; arrows come back when it ends',
  arrows: 'Arrows: every message in view',
};
const DEFAULT_SPAN = 15e6; // µs: the example's slowest link (3 s average) and back, twice
const MIN_SPAN = 2e3;
const FOLLOW_AT = 0.92; // following keeps the clock at this share of the width
const ZOOM_STEP = 1.6;
const LANE_HEIGHT = 46;
const MAX_PLOT_HEIGHT = 380;
const SCROLL_STEPS = 1000; // the range input's resolution
const CLOCK_REPAINT_MS = 50; // ~20 repaints a second while only the clock moves
const OFF_SCREEN_REPAINT_MS = 1000; // scrolled out of view: once a second, and only for new events
const DEFAULT_DETAILS = 'Click an arrow or a marker to see its details.';
/**
 * Past this many messages sent in the window, or two per pixel column, it is drawn as density,
 * not arrows: more are unreadable, and rastering them took a few hundred ms a frame.
 */
const ARROW_LIMIT = 5_000;
const ARROWS_PER_PX = 2;
const MIN_ARROW_LIMIT = 1_000; // a narrow (or not yet laid out) diagram still draws a small run's arrows
const DENSITY_CLICK_ZOOM = 1 / 8; // a click on the density zooms in this much around it
// Canvas colours, from the stylesheets' custom properties (kinds.js's families for message kinds).
const COLOR_VARIABLES = {
  // One per message family, from the kind table, so a new kind cannot drift.
  ...Object.fromEntries(Object.values(KINDS).map(({ family }) => [family, `--${family}`])),
  held: '--held',
  ink: '--ink',
  muted: '--muted',
  other: '--st-other',
  reply: '--st-reply',
  store: '--st-store',
  fault: '--st-fault',
  now: '--st-now',
  band: '--st-band',
  lane: '--st-lane',
  grid: '--st-grid',
  highlight: '--st-highlight',
  earlier: '--st-earlier',
  anomaly: '--st-anomaly',
};

export class Spacetime {
  /** `record`: the SpacetimeRecord of the run so far. */
  constructor(session, record) {
    this.session = session;
    this.record = record;
    this.canvas = byTestId('spacetime');
    this.ctx = this.canvas.getContext('2d');
    this.details = byTestId('spacetime-details');
    this.scroll = byTestId('spacetime-scroll');
    this.followButton = byTestId('spacetime-follow');
    this.shown = this.model; // the model drawn: the live one, or a window of the trace's
    this.windowEvents = new WindowEvents();
    this.traceWindows = new TraceWindows(session); // windows of the trace, replayed where it kept none
    this.density = new DensityView();
    this.mode = 'arrows'; // or 'density'
    this.busy = 0; // messages sent in the window drawn
    this.modeLabel = byTestId('spacetime-mode');
    this.lanes = [];
    this.from = 0;
    this.span = DEFAULT_SPAN;
    this.follow = true;
    this.now = 0;
    this.size = { width: 0, height: 0 };
    this.frame = null; // the last drawn frame, for the pointer
    this.drag = null; // {x, from, moved} while the pointer is down on the canvas
    this.dirty = true;
    this.paintedAt = -Infinity; // performance.now() of the last repaint
    // Whether the canvas is in the viewport: off screen it is repainted only now and then
    // (rastering it cost frames while nobody could see it); it catches up when it comes into
    // view, or is asked.
    this.onScreen = true;
    // The virtual time the last frame asked to draw (`now` is the time drawn); made after the page
    // started, the view knows it before its first frame (a Fit clicked at once uses it).
    this.clock = session.now();
    this.hovered = null;
    this.selected = null;
    this.glow = new Map(); // request id -> 'main' or 'earlier': the requests focusRequests lit up
    this.visibleArrows = 0;
    this.drawTimes = []; // ms of the latest redraws
    const css = getComputedStyle(document.documentElement);
    this.colors = Object.fromEntries(Object.entries(COLOR_VARIABLES).map(([name, v]) => [name, css.getPropertyValue(v).trim()]));
    this.rgb = { ink: rgbOf(this.colors.ink), repair: rgbOf(this.colors.repair), anomaly: rgbOf(this.colors.anomaly) };
    this.colors.densityLow = `rgba(${this.rgb.ink.join(', ')}, 0.16)`;
    this.colors.densityHigh = `rgb(${this.rgb.ink.join(', ')})`;
    buildLegend(byTestId('spacetime-legend'));
    session.subscribe((event) => this.onEvent(event));
    this.wireControls();
    this.wirePointer();
    new ResizeObserver(() => this.resize()).observe(this.canvas);
    new IntersectionObserver(([entry]) => {
      this.onScreen = entry.isIntersecting;
      if (this.onScreen) this.draw(this.clock);
    }).observe(this.canvas);
    addEventListener('beforeprint', () => this.paint(this.clock)); // a printed page shows it all
    this.resize();
    if (session.driver) this.showCluster(); // made after the page started: the run so far
  }

  /** The live run's latest events (the record's). */
  get model() {
    return this.record.model;
  }

  /** The live model holds every event from this time (µs) on. */
  get liveFrom() {
    return this.record.liveFrom;
  }

  onEvent(event) {
    if (event.type === 'cluster') this.showCluster();
    else if (event.type === 'step') {
      if (this.selected?.message) setText(this.details, describe(this.selected)); // it may have landed
      this.dirty = true;
    }
  }

  /** Shows the cluster of the session's driver from its start (a new run, or a moment travelled to). */
  showCluster() {
    this.windowEvents.clear();
    this.shown = this.model;
    this.lanes = this.session.driver.config.addresses.map((address, i) => ({ name: `n${i}`, address }));
    this.canvas.parentElement.style.height = `${AXIS + 8 + Math.min(MAX_PLOT_HEIGHT, this.lanes.length * LANE_HEIGHT)}px`;
    this.from = 0;
    this.span = DEFAULT_SPAN;
    this.setFollow(true);
    this.hovered = null;
    this.glow = new Map();
    this.select(null);
  }

  wireControls() {
    byTestId('spacetime-zoom-in').addEventListener('click', () => this.zoom(1 / ZOOM_STEP));
    byTestId('spacetime-zoom-out').addEventListener('click', () => this.zoom(ZOOM_STEP));
    byTestId('spacetime-fit').addEventListener('click', () => this.fit());
    this.followButton.addEventListener('click', () => this.setFollow(!this.follow));
    this.scroll.max = String(SCROLL_STEPS);
    this.scroll.addEventListener('input', () => {
      const { start, room } = this.scrollRange();
      this.setFollow(false);
      this.from = start + (Number(this.scroll.value) / SCROLL_STEPS) * room;
    });
  }

  wirePointer() {
    const canvas = this.canvas;
    const point = (e) => {
      const box = canvas.getBoundingClientRect();
      return { x: e.clientX - box.left, y: e.clientY - box.top };
    };
    canvas.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      this.drag = { x: e.clientX, from: this.from, moved: false };
      canvas.setPointerCapture(e.pointerId);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (this.drag) {
        const dx = e.clientX - this.drag.x;
        if (Math.abs(dx) > 3 && !this.drag.moved) {
          this.drag.moved = true;
          this.setFollow(false);
          canvas.classList.add('dragging');
        }
        if (this.drag.moved) this.from = this.drag.from - this.pixelsToTime(dx);
      } else this.hover(point(e));
    });
    canvas.addEventListener('pointerup', (e) => {
      if (this.drag && !this.drag.moved && this.mode === 'density') this.zoomInto(point(e));
      else if (this.drag && !this.drag.moved) this.select(this.itemAt(point(e)));
      this.drag = null;
      canvas.classList.remove('dragging');
    });
    canvas.addEventListener('pointerleave', () => this.hover(null));
    canvas.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault(); // the wheel zooms the diagram, not the page
        if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
          this.setFollow(false);
          this.from += this.pixelsToTime(e.deltaX || e.deltaY);
        } else if (this.frame) this.zoom(Math.exp(e.deltaY * 0.002), this.frame.time(point(e).x));
      },
      { passive: false },
    );
  }

  resize() {
    const box = this.canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    this.size = { width: box.width, height: box.height };
    Object.assign(this.canvas, { width: Math.round(box.width * ratio), height: Math.round(box.height * ratio) });
    this.ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    this.dirty = true;
  }

  pixelsToTime(px) {
    return this.frame ? (px / (this.frame.right - this.frame.left)) * this.span : 0;
  }

  itemAt({ x, y }) {
    return this.frame ? pick(this.shown, this.frame, this.now, x, y) : null;
  }

  /** A click on the density: says what its column holds and zooms in around it. */
  zoomInto({ x, y }) {
    const f = this.frame;
    const cell = f && this.density.cellAt(f, Math.floor((y - f.top) / f.laneHeight), x);
    if (!cell) return;
    this.setFollow(false);
    const count = (n, one, many) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
    setText(
      this.details,
      `n${cell.lane}, ${seconds(cell.from)} to ${seconds(cell.to)} s: ${count(cell.messages, 'message', 'messages')} sent, ` +
        `${count(cell.repairs, 'repair', 'repairs')}, ${count(cell.anomalies, 'anomaly', 'anomalies')}. ` +
        'Zoomed in around it: arrows are drawn once few enough messages are in view.',
    );
    this.zoom(DENSITY_CLICK_ZOOM, f.time(x));
  }

  hover(position) {
    const item = position && this.mode === 'arrows' ? this.itemAt(position) : null;
    this.canvas.classList.toggle('picking', Boolean(item));
    if (sameItem(item, this.hovered)) return;
    this.hovered = item;
    this.dirty = true;
  }

  select(item) {
    this.selected = item;
    setText(this.details, item ? describe(item) : DEFAULT_DETAILS);
    this.dirty = true;
  }

  setFollow(on) {
    this.follow = on;
    this.followButton.setAttribute('aria-pressed', String(on));
    this.dirty = true;
  }

  /** Scales the window by `factor` around time `anchor` (following: around the clock). */
  zoom(factor, anchor = this.follow ? this.clock : this.from + this.span / 2) {
    const { first, last } = this.extent();
    const widest = Math.max(4 * DEFAULT_SPAN, 1.5 * (Math.max(last, this.clock) - first));
    const span = Math.min(widest, Math.max(MIN_SPAN, this.span * factor));
    this.from = anchor - (anchor - this.from) * (span / this.span);
    this.span = span;
    this.dirty = true;
  }

  /** Shows the whole kept run, with the clock at the usual place when following. */
  fit() {
    const { first, last } = this.extent();
    const length = Math.max(1e6, Math.max(last, this.clock) - first); // an empty run: its first second
    this.span = (length * 1.04) / FOLLOW_AT;
    this.from = first - length * 0.02;
    this.dirty = true;
  }

  /** What the scroll bar spans: from the first kept event to the clock (or the last due). */
  scrollRange() {
    const { first, last } = this.extent();
    const start = Math.min(first, this.from);
    return { start, room: Math.max(0, Math.max(last, this.clock, this.from + this.span) - this.span - start) };
  }

  /** The run's time span, {first, last} µs: from its start once the live model lacks some of it. */
  extent() {
    const { first, last } = this.model.extent();
    return { first: this.liveFrom > 0 || this.model.trimmed ? 0 : first, last };
  }

  /** Most messages drawn as arrows in the plot's width. */
  arrowLimit() {
    return Math.min(ARROW_LIMIT, Math.max(MIN_ARROW_LIMIT, Math.round(ARROWS_PER_PX * (this.size.width - GUTTER))));
  }

  /** Messages sent in [from, to) µs, from the core's index (0 before a cluster exists). */
  messagesBetween(from, to) {
    return this.session.driver?.scheduler?.messagesBetween(from, to) ?? 0;
  }

  /**
   * Chooses what frame `f` shows: density past arrowLimit() messages or while a fast-forward
   * runs (it keeps no events to draw), else arrows from the live model when it holds the window,
   * else from the window's events read from the trace (trace-windows.js).
   */
  chooseSource(f) {
    const scheduler = this.session.driver?.scheduler;
    const { fastForwarding } = this.session;
    this.busy = this.messagesBetween(f.from, f.to);
    const mode = this.busy > this.arrowLimit() || fastForwarding ? 'density' : 'arrows';
    if (mode === 'density') this.density.update(scheduler, f, this.lanes.length, this.rgb);
    else {
      const keptFrom = Math.max(this.liveFrom, this.model.trimmed ? this.model.keptFrom : 0);
      const live = !scheduler || keptFrom <= Math.max(0, f.from);
      this.shown = live ? this.model : this.windowEvents.modelFor(this.traceWindows, f.from, f.to);
    }
    if (mode !== this.mode) {
      this.mode = mode;
      this.hovered = null;
    }
    // The label changes with the mode only: after a long run, new text in the page cost a 70 ms
    // frame (the page's style and layout), so the count is drawn on the canvas instead.
    const label = fastForwarding ? 'fast-forward' : mode;
    if (this.modeLabel.dataset.mode !== label) {
      this.modeLabel.dataset.mode = label;
      setText(this.modeLabel, MODE_LABELS[label]);
    }
  }

  /** Draws at virtual time `now` (µs), if anything changed since the last frame. */
  draw(now) {
    this.clock = now;
    if (!this.onScreen && !(this.dirty && performance.now() - this.paintedAt >= OFF_SCREEN_REPAINT_MS)) return;
    this.paint(now);
  }

  /** Repaints at `now` unless nothing changed or only the clock moved within CLOCK_REPAINT_MS. */
  paint(now) {
    if (this.follow) this.from = Math.max(0, now - FOLLOW_AT * this.span);
    if (!this.dirty && now === this.now && this.frame?.from === this.from) return;
    const started = performance.now();
    // When only the clock moved, repaint at most every CLOCK_REPAINT_MS: rastering this wide
    // canvas every frame made the browser miss frames (software raster, 16 nodes, 300 messages).
    if (!this.dirty && started - this.paintedAt < CLOCK_REPAINT_MS) return;
    this.paintedAt = started;
    this.now = now;
    this.frame = frame(this.size, this.lanes.length, this.from, this.span);
    this.chooseSource(this.frame);
    this.visibleArrows = paint(this.ctx, {
      size: this.size,
      f: this.frame,
      model: this.shown,
      density: this.mode === 'density' ? this.density : null,
      now,
      colors: this.colors,
      lanes: this.lanes,
      highlight: [this.hovered, this.selected],
      glow: this.glow,
    });
    this.dirty = false;
    this.syncControls();
    this.drawTimes.push(performance.now() - started);
    if (this.drawTimes.length > 60) this.drawTimes.shift();
  }

  syncControls() {
    const { start, room } = this.scrollRange();
    this.scroll.disabled = room <= 0;
    if (document.activeElement !== this.scroll) {
      const value = room > 0 ? Math.round(((this.from - start) / room) * SCROLL_STEPS) : SCROLL_STEPS;
      this.scroll.value = String(Math.min(SCROLL_STEPS, Math.max(0, value)));
    }
  }

  /**
   * Lights up every message and mark of request `main` (and, in another colour, of `earlier`),
   * shows them all (following stops) and says so in the details box. Lit until the next
   * moment is shown or another focus.
   */
  focusRequests(main, earlier = null, text = '') {
    this.glow = new Map([[main, 'main']]);
    if (earlier !== null && earlier !== undefined) this.glow.set(earlier, 'earlier');
    // Both requests when few enough messages lie around them for arrows, else the chosen one.
    // Messages still in flight are due after the moment shown, where the diagram is blank: the
    // window ends at the clock at the latest (the session's: a travel just moved it).
    const now = this.session.now();
    const around = ({ first, last }) => {
      if (!Number.isFinite(first)) return null;
      const length = Math.max(Math.min(last, now) - first, MIN_SPAN);
      return { from: first - length * 0.15, span: length * 1.3 };
    };
    const fits = (w) => this.messagesBetween(w.from, w.from + w.span) <= this.arrowLimit();
    const candidates = [around(this.timesOf(new Set(this.glow.keys()))), around(this.timesOf(new Set([main])))].filter(Boolean);
    const chosen = candidates.find(fits) ?? candidates.at(-1);
    if (chosen) {
      this.setFollow(false);
      this.from = chosen.from;
      this.span = chosen.span;
    }
    this.selected = null;
    setText(this.details, text || DEFAULT_DETAILS);
    this.dirty = true;
  }

  /** {first, last}: the time (µs) the messages and marks of `requests` span, in the models held. */
  timesOf(requests) {
    let first = Infinity;
    let last = -Infinity;
    for (const model of new Set([this.model, this.shown])) {
      for (const r of model.messages) {
        if (!requests.has(r.request)) continue;
        first = Math.min(first, r.sent);
        last = Math.max(last, r.end ?? r.due ?? r.sent);
      }
      for (const mark of model.marks) {
        if (!requests.has(mark.request)) continue;
        first = Math.min(first, mark.time);
        last = Math.max(last, mark.time);
      }
    }
    return { first, last };
  }

  /** What is drawn, for window.playground.spacetime(). */
  summary() {
    this.paint(this.clock); // off screen, the canvas may be behind the run
    const kinds = {};
    let drops = 0;
    for (const r of this.shown.messages) {
      kinds[r.msg] = (kinds[r.msg] ?? 0) + 1;
      if (r.dropped) drops++;
    }
    const mean = this.drawTimes.reduce((sum, t) => sum + t, 0) / (this.drawTimes.length || 1);
    return {
      lanes: this.lanes.map((lane) => lane.name),
      mode: this.mode,
      source: this.shown === this.model ? 'live' : 'trace', // where the arrows come from
      inView: this.busy,
      density: this.mode === 'density' ? { peak: this.density.peak, total: this.density.total, bucketUs: this.density.bucket } : null,
      arrows: this.shown.messages.length,
      visibleArrows: this.visibleArrows,
      drops,
      kinds,
      marks: this.shown.marks.length,
      glow: Object.fromEntries(this.glow),
      trimmed: this.model.trimmed,
      follow: this.follow,
      window: { from: this.from, to: this.from + this.span },
      drawMs: mean,
    };
  }

  /** The canvas point (CSS px) of the first visible arrow whose fields equal `query`'s, or null. */
  locate(query) {
    this.paint(this.clock);
    const match = (r) => Object.entries(query).every(([field, value]) => r[field] === value);
    return this.frame ? locate(this.shown, this.frame, this.now, match) : null;
  }
}

function sameItem(a, b) {
  return a === b || (a && b && a.message === b.message && a.mark === b.mark);
}

/** The diagram's legend: the message kinds' colours (kinds.js), then the diagram's marks. */
function buildLegend(legend) {
  const families = [...new Map(Object.values(KINDS).map((k) => [k.family, k])).values()];
  const item = (symbol, text, className) => el('li', { className }, el('span', { className: `st-key ${symbol}`, 'aria-hidden': 'true' }), text);
  legend.replaceChildren(
    ...families.map((k) => item(`line ${k.family}`, k.loud ? k.label : k.family, k.loud ? 'loud' : undefined)),
    item('line other', 'other kinds'),
    item('line thin', 'thin (faint when dense): a reply'),
    item('line dashed', 'in flight'),
    item('line held', 'held on its link'),
    item('cross', 'dropped'),
    item('command', 'command'),
    item('reply', 'reply to the client'),
    item('store', 'store change'),
    item('timeout', 'timeout'),
    item('fault', 'fault'),
    item('anomaly', 'anomaly found'),
    item('density', 'zoomed out: repairs, messages per px, anomalies'),
    item('glow', 'the chosen anomaly'),
    item('glow earlier', 'what it contradicts'),
  );
}
