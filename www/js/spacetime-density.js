// The space-time diagram zoomed out over a busy window: each lane a strip shaded by the messages
// its node sent per pixel column, read repairs as a bar over the strip and anomalies (stale reads
// and the others) as a bar under it, ringed too while few, from the core's density index
// (KvScheduler.densityInto: a few lookups per column, whatever the length of the run). All three
// are pixels of one small image stretched onto the lanes, kept per window: a frame costs a few
// image draws, not a path per column.

import { SMALL_MONO } from './spacetime-draw.js';

const CHANNELS = 3; // messages, repairs, anomalies: the order of KvScheduler.densityInto
const STRIP = 0.56; // share of a lane's height the message strip takes
const BAR = 3; // px: the repair and anomaly bars
const MAX_RINGS = 300; // anomaly columns in view ringed as well, at most

export class DensityView {
  constructor() {
    this.counts = new Uint32Array(0);
    this.key = '';
    // Row 3 * lane: its repairs; + 1: its messages; + 2: its anomalies.
    this.image = null;
    this.canvas = document.createElement('canvas');
    this.ctx = this.canvas.getContext('2d');
    this.lanes = 0;
    this.columns = 0;
    this.peak = 0; // most messages in one column and lane of the window
    this.total = 0; // messages in the window
    this.bucket = 0; // µs: the index's resolution
  }

  /**
   * Reads the counts of frame `f` from `scheduler` unless this window was read already, and
   * paints them into the image. `rgb`: {ink, repair, anomaly} as [r, g, b].
   */
  update(scheduler, f, lanes, rgb) {
    const columns = Math.max(1, Math.round(f.right - f.left));
    const key = `${f.from} ${f.to} ${columns} ${lanes} ${scheduler.processed}`;
    if (key === this.key) return;
    this.key = key;
    if (this.counts.length !== CHANNELS * lanes * columns) {
      this.counts = new Uint32Array(CHANNELS * lanes * columns); // only when the plot or cluster changes size
      Object.assign(this.canvas, { width: columns, height: Math.max(1, CHANNELS * lanes) });
      this.image = this.ctx.createImageData(columns, Math.max(1, CHANNELS * lanes));
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
    // Messages shaded on a log scale, so a quiet lane still shows beside a busy one.
    const scale = 1 / Math.log1p(Math.max(1, peak));
    const data = this.image.data;
    const put = (row, column, [r, g, b], alpha) => {
      const at = 4 * (row * columns + column);
      data[at] = r;
      data[at + 1] = g;
      data[at + 2] = b;
      data[at + 3] = alpha;
    };
    for (let lane = 0; lane < lanes; lane++) {
      for (let column = 0; column < columns; column++) {
        const n = this.count(0, lane, column);
        put(3 * lane, column, rgb.repair, this.count(1, lane, column) ? 255 : 0);
        put(3 * lane + 1, column, rgb.ink, n ? 40 + 215 * Math.log1p(n) * scale : 0);
        put(3 * lane + 2, column, rgb.anomaly, this.count(2, lane, column) ? 255 : 0);
      }
    }
    this.ctx.putImageData(this.image, 0, 0);
  }

  /** Count of `channel` (0 messages, 1 repairs, 2 anomalies) in `lane`, `column`. */
  count(channel, lane, column) {
    return this.counts[(channel * this.lanes + lane) * this.columns + column];
  }

  /** Paints the strips and bars of the last update into frame `f` (rings while few). */
  paint(ctx, f, colors) {
    const height = f.laneHeight * STRIP;
    const width = f.right - f.left;
    const bar = Math.min(BAR, f.laneHeight * 0.15);
    ctx.imageSmoothingEnabled = false;
    for (let lane = 0; lane < this.lanes; lane++) {
      const top = f.y(lane) - height / 2;
      ctx.drawImage(this.canvas, 0, 3 * lane, this.columns, 1, f.left, top - bar - 1, width, bar);
      ctx.drawImage(this.canvas, 0, 3 * lane + 1, this.columns, 1, f.left, top, width, height);
      ctx.drawImage(this.canvas, 0, 3 * lane + 2, this.columns, 1, f.left, top + height + 1, width, bar);
    }
    const rings = new Path2D();
    let ringed = 0;
    const step = width / this.columns;
    for (let lane = 0; lane < this.lanes && ringed <= MAX_RINGS; lane++) {
      for (let column = 0; column < this.columns && ringed <= MAX_RINGS; column++) {
        if (!this.count(2, lane, column)) continue;
        const x = f.left + (column + 0.5) * step;
        rings.moveTo(x + 4.5, f.y(lane));
        rings.arc(x, f.y(lane), 4.5, 0, 2 * Math.PI);
        ringed++;
      }
    }
    if (ringed <= MAX_RINGS) {
      ctx.strokeStyle = colors.anomaly;
      ctx.lineWidth = 2;
      ctx.stroke(rings);
    }
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
