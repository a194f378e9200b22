// Where things sit on the space-time diagram: the plot's frame (lanes as rows, time to the
// right), where a message record or a mark is drawn at a given virtual time, and which of them
// lies under the pointer. Plain math, shared by the painter and the hit test so they agree.

export const GUTTER = 118; // px left of the plot, for the lane labels
export const AXIS = 24; // px above the plot, for the time axis
// A message dropped before it travelled ends this share of the way to its receiver's lane.
const DROP_REACH = 0.35;
// A message to itself arcs over its lane; its top is half this high.
export const SELF_ARC = 24;
const PICK_RADIUS = 7;

/** The frame of one drawing: `from` and `span` (µs) are the visible time window. */
export function frame(size, laneCount, from, span) {
  const left = GUTTER;
  const right = Math.max(left + 1, size.width - 10);
  const top = AXIS + 4;
  const bottom = Math.max(top + 1, size.height - 4);
  const laneHeight = (bottom - top) / Math.max(1, laneCount);
  const scale = (right - left) / span;
  return {
    left,
    right,
    top,
    bottom,
    laneHeight,
    laneCount,
    from,
    to: from + span,
    span,
    x: (t) => left + (t - from) * scale,
    time: (x) => from + (x - left) / scale,
    y: (lane) => top + laneHeight * (lane + 0.5),
  };
}

/** When a record stops showing: its end, else as far as it reaches at `now`. */
export function lastTimeOf(r, now) {
  return r.end ?? Math.max(now, r.due ?? now);
}

const clamp01 = (v) => Math.min(1, Math.max(0, v));

/**
 * Where record `r` is drawn at `now`, written into `out` (reused, so a frame allocates nothing):
 * `state` is delivered | dropped | flight | waiting; a held message first waits on its sender's
 * lane from `waitX1` to `waitX2` (NaN when it never waited); then its line runs from (x1, y1)
 * to (x2, y2); an in-flight one heads for `dueX`.
 */
export function place(r, f, now, out) {
  const y1 = f.y(r.from);
  const yTo = f.y(r.to);
  const waitedUntil = r.held ? r.released ?? r.end ?? now : null;
  const start = r.held ? waitedUntil : r.sent;
  out.waitX1 = r.held ? f.x(r.sent) : NaN;
  out.waitX2 = r.held ? f.x(waitedUntil) : NaN;
  out.x1 = f.x(start);
  out.y1 = y1;
  out.dueX = NaN;
  out.self = r.from === r.to;
  if (r.end !== null && !r.dropped) {
    out.state = 'delivered';
    out.x2 = f.x(r.end);
    out.y2 = yTo;
  } else if (r.dropped) {
    out.state = 'dropped';
    out.x2 = f.x(r.end);
    const dy = yTo - y1;
    // Lost on its way: where it had got to; refused by its link: just off the sender's lane,
    // short of the next lane, so the cross never looks like another node's.
    out.y2 =
      r.due !== null && r.due > start
        ? y1 + dy * clamp01((r.end - start) / (r.due - start))
        : y1 + Math.sign(dy) * Math.min(Math.abs(dy) * DROP_REACH, f.laneHeight * 0.45);
  } else if (r.due !== null) {
    out.state = 'flight';
    const progress = r.due > start ? clamp01((now - start) / (r.due - start)) : 1;
    out.dueX = f.x(r.due);
    out.x2 = out.x1 + (out.dueX - out.x1) * progress;
    out.y2 = y1 + (yTo - y1) * progress;
  } else {
    out.state = 'waiting';
    out.x2 = out.x1;
    out.y2 = y1;
  }
  return out;
}

/** The lane a mark belongs to, or null for one about the whole cluster (e.g. a partition). */
function laneOf(mark, laneCount) {
  const lane = mark.node ?? mark.from;
  return Number.isInteger(lane) && lane >= 0 && lane < laneCount ? lane : null;
}

/** Where a mark's symbol sits: commands above their lane, whole-cluster marks at the top. */
export function markPoint(mark, f) {
  const lane = laneOf(mark, f.laneCount);
  const y = lane === null ? f.top + 8 : f.y(lane) + (mark.kind === 'command' ? -7 : 0);
  return { x: f.x(mark.time), y, lane };
}

function distanceToSegment(px, py, x1, y1, x2, y2) {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const length2 = dx * dx + dy * dy;
  const t = length2 ? clamp01(((px - x1) * dx + (py - y1) * dy) / length2) : 0;
  return Math.hypot(px - (x1 + t * dx), py - (y1 + t * dy));
}

/** How far (px) the point is from what `place` put in `p`. */
function distanceToPlaced(px, py, p) {
  let best = Number.isNaN(p.waitX1) ? Infinity : distanceToSegment(px, py, p.waitX1, p.y1, p.waitX2, p.y1);
  if (p.state === 'waiting') return best;
  if (p.self) {
    // The arc, as the two chords through its top.
    const mx = (p.x1 + p.x2) / 2;
    const my = p.y1 - SELF_ARC / 2;
    return Math.min(best, distanceToSegment(px, py, p.x1, p.y1, mx, my), distanceToSegment(px, py, mx, my, p.x2, p.y2));
  }
  return Math.min(best, distanceToSegment(px, py, p.x1, p.y1, p.x2, p.y2));
}

/**
 * What lies under (px, py): {message: record} or {mark: event}, the nearest within a few px,
 * marks first when as near (they are the smaller targets); null when nothing is.
 */
export function pick(model, f, now, px, py) {
  let best = null;
  let bestDistance = PICK_RADIUS;
  const slack = (PICK_RADIUS / (f.right - f.left)) * f.span;
  const [markLo, markHi] = model.markRange(f.time(px) - slack, f.time(px) + slack);
  for (let i = markLo; i < markHi; i++) {
    const mark = model.marks[i];
    const point = markPoint(mark, f);
    const whole = point.lane === null;
    const d = whole ? Math.abs(px - point.x) : Math.hypot(px - point.x, py - point.y);
    if (d <= bestDistance) {
      best = { mark };
      bestDistance = d - 0.5;
    }
  }
  const placed = {};
  const [lo, hi] = model.messageRange(f.from, f.to);
  for (let i = lo; i < hi; i++) {
    const r = model.messages[i];
    if (lastTimeOf(r, now) < f.from) continue;
    const d = distanceToPlaced(px, py, place(r, f, now, placed));
    if (d < bestDistance) {
      best = { message: r };
      bestDistance = d;
    }
  }
  return best;
}

/** A point (px) on the first visible message that `match(record)` accepts, or null. */
export function locate(model, f, now, match) {
  const placed = {};
  const [lo, hi] = model.messageRange(f.from, f.to);
  for (let i = lo; i < hi; i++) {
    const r = model.messages[i];
    if (!match(r) || lastTimeOf(r, now) < f.from) continue;
    const p = place(r, f, now, placed);
    if (p.state === 'waiting') return { x: (p.waitX1 + p.waitX2) / 2, y: p.y1 };
    const x = (p.x1 + p.x2) / 2;
    const y = p.self ? p.y1 - SELF_ARC / 2 : (p.y1 + p.y2) / 2;
    if (x >= f.left && x <= f.right) return { x, y };
  }
  return null;
}

/**
 * Baselines for labels that should sit at `y` (baseline) from `x`, `width` px wide: each goes
 * on the first line at or below its `y`, `lineHeight` apart, where it overlaps no label placed
 * before it nor any of `taken` (labels already there, same shape), so faults at one instant
 * stack instead of printing over each other. A label that would be pushed below its `limit`
 * (baseline) gets null: it is left out (on its own line it is always kept).
 */
export function stackLabels(labels, lineHeight, taken = []) {
  const placed = [...taken];
  return labels.map(({ x, y, width, limit = Infinity }) => {
    let baseline = y;
    const clashes = (p) => p.x < x + width && x < p.x + p.width && Math.abs(p.y - baseline) < lineHeight;
    while (placed.some(clashes)) baseline += lineHeight;
    if (baseline > limit && baseline !== y) return null;
    placed.push({ x, y: baseline, width });
    return baseline;
  });
}
