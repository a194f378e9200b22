// The space-time diagram zoomed out over a busy window: each lane a strip shaded by the messages
// its node sent per pixel column, read repairs as a bar over the strip and anomalies (stale reads
// and the others) as rings, from the core's density index (KvScheduler.densityInto: a few
// lookups per column, whatever the length of the run). The counts and the strip image are kept
// per window, so a frame that shows the same window again redraws without asking the core.

import { SMALL_MONO } from './spacetime-draw.js';

const CHANNELS = 3; // messages, repairs, anomalies: the order of KvScheduler.densityInto
const STRIP = 0.56; // share of a lane's height the strip takes
const REPAIR_BAR = 3; // px
const MAX_RINGS = 4_000; // past this many anomaly columns in view, they are drawn as bars

export class DensityView {
  constructor() {
    this.counts = new Uint32Array(0);
    this.key = '';
    this.strips = document.createElement('canvas'); // one pixel row per lane
    this.stripsCtx = this.strips.getContext('2d');
    this.image = null;
    this.lanes = 0;
    this.columns = 0;
    this.peak = 0; // most messages in one column and lane of the window
    this.total = 0; // messages in the window
    this.bucket = 0; // µs: the index's resolution
  }

  /** Reads the counts of frame `f` from `scheduler` unless this window was read already. */
  update(scheduler, f, lanes, ink) {
    const columns = Math.max(1, Math.round(f.right - f.left));
    const key = `${f.from} ${f.to} ${columns} ${lanes} ${scheduler.processed}`;
    if (key === this.key) return;
    this.key = key;
    if (this.counts.length !== CHANNELS * lanes * columns) {
      this.counts = new Uint32Array(CHANNELS * lanes * columns); // only when the plot or cluster changes size
      Object.assign(this.strips, { width: columns, height: Math.max(1, lanes) });
      this.image = this.stripsCtx.createImageData(columns, Math.max(1, lanes));
    }
    this.lanes = lanes;
    this.columns = columns;
    this.bucket = scheduler.densityInto(f.from, f.to, columns, this.counts);
    const messages = this.counts.subarray(0, lanes * columns);
    let peak = 0;
    let total = 0;
    for (const n of messages) {
      total += n;
      if (n > peak) peak = n;
    }
    this.peak = peak;
    this.total = total;
    // Shade on a log scale, so a quiet lane still shows beside a busy one.
    const data = this.image.data;
    const scale = 1 / Math.log1p(Math.max(1, peak));
    for (let i = 0; i < messages.length; i++) {
      const n = messages[i];
      data[4 * i] = ink[0];
      data[4 * i + 1] = ink[1];
      data[4 * i + 2] = ink[2];
      data[4 * i + 3] = n ? 40 + 215 * Math.log1p(n) * scale : 0;
    }
    this.stripsCtx.putImageData(this.image, 0, 0);
  }

  /** Count of `channel` (0 messages, 1 repairs, 2 anomalies) in `lane`, `column`. */
  count(channel, lane, column) {
    return this.counts[(channel * this.lanes + lane) * this.columns + column];
  }

  /** Paints the strips, repair bars and anomaly rings of the last update into frame `f`. */
  paint(ctx, f, colors) {
    const height = f.laneHeight * STRIP;
    const width = f.right - f.left;
    ctx.imageSmoothingEnabled = false;
    for (let lane = 0; lane < this.lanes; lane++) {
      ctx.drawImage(this.strips, 0, lane, this.columns, 1, f.left, f.y(lane) - height / 2, width, height);
    }
    const step = width / this.columns;
    const rings = new Path2D();
    const bars = new Path2D();
    let ringCount = 0;
    for (let lane = 0; lane < this.lanes; lane++) {
      const top = f.y(lane) - height / 2;
      let runStart = -1; // repair bars: one rectangle per run of columns with repairs
      for (let column = 0; column <= this.columns; column++) {
        const repaired = column < this.columns && this.count(1, lane, column) > 0;
        if (repaired && runStart < 0) runStart = column;
        if (!repaired && runStart >= 0) {
          bars.rect(f.left + runStart * step, top - REPAIR_BAR - 1, (column - runStart) * step, REPAIR_BAR);
          runStart = -1;
        }
      }
    }
    ctx.fillStyle = colors.repair;
    ctx.fill(bars);
    const marks = new Path2D();
    for (let lane = 0; lane < this.lanes; lane++) {
      for (let column = 0; column < this.columns; column++) {
        if (!this.count(2, lane, column)) continue;
        const x = f.left + (column + 0.5) * step;
        if (++ringCount <= MAX_RINGS) {
          rings.moveTo(x + 4.5, f.y(lane));
          rings.arc(x, f.y(lane), 4.5, 0, 2 * Math.PI);
        }
        marks.moveTo(x, f.y(lane) - height / 2);
        marks.lineTo(x, f.y(lane) + height / 2);
      }
    }
    ctx.strokeStyle = colors.anomaly;
    ctx.lineWidth = 2;
    ctx.stroke(ringCount <= MAX_RINGS ? rings : marks);
    drawScale(ctx, f, this.total, this.peak, colors);
  }

  /** What lies under x (px) on `lane`: {lane, from, to, messages, repairs, anomalies}, or null. */
  cellAt(f, lane, x) {
    if (lane === null || lane < 0 || lane >= this.lanes || x < f.left || x >= f.right) return null;
    const column = Math.min(this.columns - 1, Math.floor(((x - f.left) / (f.right - f.left)) * this.columns));
    const from = f.from + (column / this.columns) * f.span;
    return {
      lane,
      from,
      to: from + f.span / this.columns,
      messages: this.count(0, lane, column),
      repairs: this.count(1, lane, column),
      anomalies: this.count(2, lane, column),
    };
  }
}

/** The scale, over the plot's top right: "N messages in view; per px per lane: 1 [ramp] peak". */
function drawScale(ctx, f, total, peak, colors) {
  const rampWidth = 60;
  ctx.font = SMALL_MONO;
  const right = `${peak.toLocaleString('en')}`;
  const left = `${total.toLocaleString('en')} messages in view; per px per lane: 1`;
  const x2 = f.right - ctx.measureText(right).width - 6;
  const x1 = x2 - rampWidth - 6;
  const y = f.top + 10;
  ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
  ctx.fillRect(x1 - ctx.measureText(left).width - 10, y - 10, f.right - x1 + ctx.measureText(left).width + 10, 14);
  const ramp = ctx.createLinearGradient(x1, 0, x1 + rampWidth, 0);
  ramp.addColorStop(0, colors.densityLow);
  ramp.addColorStop(1, colors.densityHigh);
  ctx.fillStyle = ramp;
  ctx.fillRect(x1, y - 8, rampWidth, 10);
  ctx.fillStyle = colors.ink;
  ctx.textAlign = 'right';
  ctx.fillText(left, x1 - 4, y);
  ctx.textAlign = 'left';
  ctx.fillText(right, x2 + 6, y);
}

/** [r, g, b] of a CSS colour, read back from a pixel. */
export function rgbOf(color) {
  const ctx = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  ctx.fillStyle = color;
  ctx.fillRect(0, 0, 1, 1);
  return [...ctx.getImageData(0, 0, 1, 1).data.slice(0, 3)];
}
