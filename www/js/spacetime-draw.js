// Paints one frame of the space-time diagram: lanes, time axis, message arrows, marks, the
// "now" line and the lane labels. Only what lies in the visible window is visited; arrows are
// batched into one path per colour and style, so a few thousand cost a few strokes.

import { KINDS } from './kinds.js';
import { place, lastTimeOf, markPoint, stackLabels, SELF_ARC } from './spacetime-geometry.js';

const FONT = 'system-ui, sans-serif';
const MONO = 'ui-monospace, monospace';
export const SMALL_MONO = `11px ${MONO}`;
// Command texts (and fault texts) are written beside their marks only while this few are in view.
const MAX_LABELS = 40;
// Each message in flight gets a faint dotted line to where it will land while this few are in
// view. Dashes are rastered segment by segment: with 300 messages in flight those dots cost 5 ms
// of every repaint (software raster, headless Chromium), for a picture too crowded to read.
const MAX_GHOSTS = 64;
/**
 * Past this many arrows in view, lines are drawn one pixel wide (replies fainter instead of
 * thinner): without a GPU, Chromium rasters one-pixel strokes on a fast path, and 800 arrows of
 * 1.6 px took 50-170 ms a frame (docs/performance.md); that dense, the widths hardly show.
 */
const DENSE_ARROWS = 300;

const LOOKS = new Map();
/** How a message kind is drawn: its colour family (unknown kinds: 'other'), thin reply, loud. */
function lookOf(msg) {
  let look = LOOKS.get(msg);
  if (!look) {
    const kind = KINDS[msg];
    look = { family: kind?.family ?? 'other', reply: Boolean(kind?.hollow), loud: Boolean(kind?.loud) };
    LOOKS.set(msg, look);
  }
  return look;
}

/**
 * Draws the frame `f` (see spacetime-geometry.js) at virtual time `now`. `colors` maps the
 * families and mark kinds to CSS colours; `highlight` lists the hovered and chosen items
 * ({message} or {mark}); `glow` (optional) maps request ids to 'main' or 'earlier' (every
 * message and mark of those requests glows). With `density` (a DensityView, updated for this
 * frame) the plot shows it instead of the model's arrows and marks. Returns how many messages
 * were drawn as arrows.
 */
export function paint(ctx, { size, f, model, now, colors, lanes, highlight, glow = new Map(), density = null }) {
  ctx.clearRect(0, 0, size.width, size.height);
  drawLanes(ctx, f, size, colors);
  drawAxis(ctx, f, colors);
  ctx.save();
  ctx.beginPath();
  ctx.rect(f.left, 0, f.right - f.left, size.height);
  ctx.clip();
  let visible = 0;
  if (density) density.paint(ctx, f, colors);
  else {
    if (glow.size) drawGlow(ctx, f, model, now, glow, colors);
    for (const item of highlight) if (item) drawHighlight(ctx, f, now, item, colors.highlight); // a glow under it
    visible = drawMessages(ctx, f, model, now, colors);
    drawMarks(ctx, f, model, colors);
  }
  drawNow(ctx, f, now, colors);
  ctx.restore();
  drawLaneLabels(ctx, f, lanes, colors);
  return visible;
}

function drawLanes(ctx, f, size, colors) {
  ctx.fillStyle = colors.band;
  for (let lane = 1; lane < f.laneCount; lane += 2) {
    ctx.fillRect(0, f.top + lane * f.laneHeight, size.width, f.laneHeight);
  }
  ctx.strokeStyle = colors.lane;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let lane = 0; lane < f.laneCount; lane++) {
    const y = Math.round(f.y(lane)) + 0.5;
    ctx.moveTo(f.left, y);
    ctx.lineTo(f.right, y);
  }
  ctx.stroke();
}

/** Ticks at 1, 2 or 5 × 10^k µs, at least 90 px apart, labelled in seconds. */
function drawAxis(ctx, f, colors) {
  const minStep = (f.span * 90) / (f.right - f.left);
  const magnitude = 10 ** Math.floor(Math.log10(minStep));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= minStep);
  const decimals = Math.max(0, Math.ceil(-Math.log10(step / 1e6)));
  ctx.font = SMALL_MONO;
  ctx.textAlign = 'center';
  ctx.fillStyle = colors.muted;
  ctx.strokeStyle = colors.grid;
  ctx.beginPath();
  for (let t = Math.ceil(f.from / step) * step; t <= f.to; t += step) {
    const x = Math.round(f.x(t)) + 0.5;
    ctx.moveTo(x, f.top - 6);
    ctx.lineTo(x, f.bottom);
    ctx.fillText(`${(t / 1e6).toFixed(decimals)} s`, x, f.top - 10);
  }
  ctx.stroke();
}

function addLine(path, p) {
  path.moveTo(p.x1, p.y1);
  if (p.self) path.quadraticCurveTo((p.x1 + p.x2) / 2, p.y1 - SELF_ARC, p.x2, p.y2);
  else path.lineTo(p.x2, p.y2);
}

/** An arrowhead at (x2, y2) coming from (x1, y1): filled, or an open chevron for replies. */
function addHead(path, x1, y1, x2, y2, size, open) {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const length = Math.hypot(dx, dy);
  if (length < 3) return;
  const s = Math.min(size, length * 0.6);
  const ux = dx / length;
  const uy = dy / length;
  const bx = x2 - ux * s;
  const by = y2 - uy * s;
  const w = s * 0.5;
  path.moveTo(bx + uy * w, by - ux * w);
  path.lineTo(x2, y2);
  path.lineTo(bx - uy * w, by + ux * w);
  if (!open) path.closePath();
}

function addCross(path, x, y, r) {
  path.moveTo(x - r, y - r);
  path.lineTo(x + r, y + r);
  path.moveTo(x + r, y - r);
  path.lineTo(x - r, y + r);
}

function addDot(path, x, y, r) {
  path.moveTo(x + r, y);
  path.arc(x, y, r, 0, 2 * Math.PI);
}

function drawMessages(ctx, f, model, now, colors) {
  const sets = new Map(); // colour family -> its paths
  const wait = new Path2D();
  const crosses = new Path2D();
  const p = {};
  let visible = 0;
  let flying = 0;
  const [lo, hi] = model.messageRange(f.from, f.to);
  for (let i = lo; i < hi; i++) {
    const r = model.messages[i];
    if (lastTimeOf(r, now) < f.from) continue;
    visible++;
    place(r, f, now, p);
    const look = lookOf(r.msg);
    let set = sets.get(look.family);
    if (!set) {
      set = { loud: look.loud, line: new Path2D(), reply: new Path2D(), flight: new Path2D(), ghost: new Path2D(), fill: new Path2D() };
      sets.set(look.family, set);
    }
    if (!Number.isNaN(p.waitX1)) {
      wait.moveTo(p.waitX1, p.y1);
      wait.lineTo(p.waitX2, p.y1);
    }
    if (p.state === 'waiting') continue;
    // A head comes from the line's last direction: for an arc, from its control point.
    const fromX = p.self ? (p.x1 + p.x2) / 2 : p.x1;
    const fromY = p.self ? p.y1 - SELF_ARC : p.y1;
    if (p.state === 'flight') {
      flying++;
      addLine(set.flight, p);
      set.ghost.moveTo(p.x2, p.y2);
      set.ghost.lineTo(p.dueX, f.y(r.to));
      addDot(set.fill, p.x2, p.y2, look.loud ? 5 : 3.5);
    } else {
      addLine(look.reply ? set.reply : set.line, p);
      if (p.state === 'dropped') addCross(crosses, p.x2, p.y2, 5);
      else addHead(look.reply ? set.reply : set.fill, fromX, fromY, p.x2, p.y2, look.loud ? 11 : 8, look.reply);
    }
  }
  const dense = visible > DENSE_ARROWS;
  for (const [family, set] of sets) strokeSet(ctx, set, colors[family] ?? colors.other, flying <= MAX_GHOSTS, dense);
  ctx.setLineDash([6, 3]);
  ctx.lineWidth = 3;
  ctx.strokeStyle = colors.held;
  ctx.stroke(wait);
  ctx.setLineDash([]);
  ctx.lineWidth = 2.5;
  ctx.stroke(crosses);
  return visible;
}

function strokeSet(ctx, set, color, ghosts, dense) {
  const width = set.loud ? 3 : dense ? 1 : 1.6;
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  if (ghosts) {
    ctx.globalAlpha = 0.35;
    ctx.lineWidth = 1;
    ctx.setLineDash([2, 4]);
    ctx.stroke(set.ghost);
    ctx.globalAlpha = 1;
  }
  ctx.lineWidth = width;
  ctx.setLineDash([5, 4]);
  ctx.stroke(set.flight);
  ctx.setLineDash([]);
  if (set.loud) {
    // Repairs are the loudest thing on the diagram: a halo under a thick line.
    ctx.globalAlpha = 0.22;
    ctx.lineWidth = 9;
    ctx.stroke(set.line);
    ctx.globalAlpha = 1;
    ctx.lineWidth = width;
  }
  ctx.stroke(set.line);
  ctx.lineWidth = dense ? 1 : 1.1;
  ctx.globalAlpha = dense ? 0.55 : 1;
  ctx.stroke(set.reply);
  ctx.globalAlpha = 1;
  ctx.fill(set.fill);
}

function drawMarks(ctx, f, model, colors) {
  const pad = (16 / (f.right - f.left)) * f.span;
  const [lo, hi] = model.markRange(f.from - pad, f.to + pad);
  const paths = { command: new Path2D(), reply: new Path2D(), store: new Path2D(), timeout: new Path2D(), anomaly: new Path2D(), other: new Path2D() };
  const commands = [];
  const wide = []; // faults and marks about the whole cluster, drawn as lines across lanes
  for (let i = lo; i < hi; i++) {
    const mark = model.marks[i];
    const { x, y, lane } = markPoint(mark, f);
    if (mark.kind === 'command') {
      paths.command.moveTo(x - 5, y - 5);
      paths.command.lineTo(x + 5, y - 5);
      paths.command.lineTo(x, y + 4);
      paths.command.closePath();
      commands.push(mark);
    } else if (mark.kind === 'reply') {
      paths.reply.moveTo(x, y - 5);
      paths.reply.lineTo(x + 5, y);
      paths.reply.lineTo(x, y + 5);
      paths.reply.lineTo(x - 5, y);
      paths.reply.closePath();
    } else if (mark.kind === 'store') {
      paths.store.moveTo(x, y - 6);
      paths.store.lineTo(x, y + 6);
    } else if (mark.kind === 'timeout') addDot(paths.timeout, x, y, 4.5);
    else if (mark.kind === 'anomaly') addAnomaly(paths.anomaly, x, y);
    else if (mark.kind === 'fault' || lane === null) wide.push(mark);
    else addDot(paths.other, x, y, 3.5);
  }
  ctx.lineWidth = 2;
  ctx.strokeStyle = colors.store;
  ctx.stroke(paths.store);
  ctx.strokeStyle = colors.held;
  ctx.stroke(paths.timeout);
  ctx.fillStyle = colors.other;
  ctx.fill(paths.other);
  ctx.fillStyle = colors.reply;
  ctx.fill(paths.reply);
  ctx.fillStyle = colors.ink;
  ctx.fill(paths.command);
  ctx.lineWidth = 2.5;
  ctx.strokeStyle = colors.anomaly;
  ctx.stroke(paths.anomaly);
  const commandLabels = commands.length <= MAX_LABELS ? layOutCommandLabels(ctx, f, commands) : [];
  drawWideMarks(ctx, f, wide, colors, commandLabels);
  for (const { text, x, y } of commandLabels) label(ctx, text, x, y, colors.ink, SMALL_MONO);
}

/**
 * Faults (and marks of kinds this page does not know) as dashed lines over their lane or all
 * lanes, labelled while at most MAX_LABELS are in view; a label that would overlap another
 * (faults at one instant) or one of `taken` (the command labels) goes a line lower, and is left
 * out if that is past its line's end.
 */
function drawWideMarks(ctx, f, marks, colors, taken) {
  const font = `600 11px ${FONT}`;
  ctx.font = font;
  const items = marks.map((mark) => {
    const { x, lane } = markPoint(mark, f);
    const top = lane === null ? f.top : f.y(lane) - f.laneHeight / 2;
    const bottom = lane === null ? f.bottom : top + f.laneHeight;
    const text = clip(mark.text ?? mark.kind, 32);
    const color = mark.kind === 'fault' ? colors.fault : colors.other;
    return { x, top, bottom, text, color, width: ctx.measureText(text).width + 8 };
  });
  const labelled = items.length <= MAX_LABELS ? items : [];
  const baselines = stackLabels(
    labelled.map(({ x, top, bottom, width }) => ({ x: x + 4, y: top + 11, width, limit: bottom - 2 })),
    13,
    taken,
  );
  ctx.lineWidth = 2;
  ctx.setLineDash([4, 3]);
  for (const { x, top, bottom, color } of items) {
    ctx.strokeStyle = color;
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  labelled.forEach(({ x, text, color }, i) => {
    if (baselines[i] !== null) label(ctx, text, x + 4, baselines[i], color, font);
  });
}

/**
 * Where the typed commands go beside their marks ({text, x, y (baseline), width}), skipping one
 * that would run into the previous one on its lane.
 */
function layOutCommandLabels(ctx, f, commands) {
  const labels = [];
  const freeFrom = new Map(); // lane -> x where the lane's last label ended
  ctx.font = SMALL_MONO;
  for (const mark of commands) {
    const { x, y, lane } = markPoint(mark, f);
    const text = clip(mark.text ?? '', 24);
    const start = x + 7;
    if (start < (freeFrom.get(lane) ?? -Infinity)) continue;
    const width = ctx.measureText(text).width + 8;
    labels.push({ text, x: start, y: y - 3, width });
    freeFrom.set(lane, start + width);
  }
  return labels;
}

/** Text with a white halo, readable over arrows. */
function label(ctx, text, x, y, color, font) {
  ctx.font = font;
  ctx.textAlign = 'left';
  ctx.lineJoin = 'round';
  ctx.lineWidth = 3;
  ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
  ctx.strokeText(text, x, y);
  ctx.fillStyle = color;
  ctx.fillText(text, x, y);
}

/** An anomaly: a ring with an exclamation mark over the operation's lane. */
function addAnomaly(path, x, y) {
  addDot(path, x, y, 7);
  path.moveTo(x, y - 4);
  path.lineTo(x, y + 1);
  path.moveTo(x, y + 3);
  path.lineTo(x, y + 4);
}

/** Every visible message and mark of the requests in `glow`, in the colour of its role. */
function drawGlow(ctx, f, model, now, glow, colors) {
  const [lo, hi] = model.messageRange(f.from, f.to);
  for (let i = lo; i < hi; i++) {
    const r = model.messages[i];
    const role = glow.get(r.request);
    if (role && lastTimeOf(r, now) >= f.from) drawHighlight(ctx, f, now, { message: r }, colors[role === 'main' ? 'highlight' : 'earlier']);
  }
  const [markLo, markHi] = model.markRange(f.from, f.to);
  for (let i = markLo; i < markHi; i++) {
    const mark = model.marks[i];
    const role = glow.get(mark.request);
    if (role) drawHighlight(ctx, f, now, { mark }, colors[role === 'main' ? 'highlight' : 'earlier']);
  }
}

function drawHighlight(ctx, f, now, item, color) {
  ctx.strokeStyle = color;
  ctx.globalAlpha = 0.5;
  ctx.lineWidth = 10;
  ctx.lineCap = 'round';
  ctx.beginPath();
  if (item.mark) {
    const { x, y, lane } = markPoint(item.mark, f);
    if (lane === null) {
      ctx.moveTo(x, f.top);
      ctx.lineTo(x, f.bottom);
    } else addDot(ctx, x, y, 8);
  } else {
    const p = place(item.message, f, now, {});
    if (!Number.isNaN(p.waitX1)) {
      ctx.moveTo(p.waitX1, p.y1);
      ctx.lineTo(p.waitX2, p.y1);
    }
    if (p.state !== 'waiting') addLine(ctx, p);
  }
  ctx.stroke();
  ctx.globalAlpha = 1;
  ctx.lineCap = 'butt';
}

function drawNow(ctx, f, now, colors) {
  const x = f.x(now);
  if (x < f.left || x > f.right) return;
  ctx.strokeStyle = colors.now;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(x, f.top - 8);
  ctx.lineTo(x, f.bottom);
  ctx.stroke();
  ctx.fillStyle = colors.now;
  ctx.beginPath();
  ctx.moveTo(x - 5, f.top - 10);
  ctx.lineTo(x + 5, f.top - 10);
  ctx.lineTo(x, f.top - 3);
  ctx.fill();
}

/** Height a lane's name takes (13px bold), in CSS pixels. */
const NAME_HEIGHT = 15;

function drawLaneLabels(ctx, f, lanes, colors) {
  const width = f.left - 16;
  // Lanes thinner than a name (many nodes) are named every few lanes, so names never overlap.
  const every = Math.ceil(NAME_HEIGHT / f.laneHeight);
  lanes.forEach(({ name, address }, lane) => {
    if (lane % every !== 0) return;
    const y = f.y(lane);
    const small = f.laneHeight < 34; // no room for the address under the name
    label(ctx, name, 10, small ? y + 4 : y - 3, colors.ink, `700 13px ${FONT}`);
    if (small) return;
    ctx.font = SMALL_MONO;
    let text = address;
    while (text.length > 1 && ctx.measureText(text).width > width) text = `${text.slice(0, -2)}…`;
    label(ctx, text, 10, y + 12, colors.muted, SMALL_MONO);
  });
}

function clip(text, length) {
  const line = String(text).split('\n')[0];
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}
