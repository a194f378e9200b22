// What faults look like on the topology: cut links dashed red (a ✕ when both directions are cut,
// an arrowhead and a label when one is), links that hold messages dashed red with their count,
// lossy, duplicating or slow links dotted amber with what they do, and down nodes greyed, marked
// ✕ and labelled "down". Also the link geometry the message dots use.

import { linkEntries } from './fault-text.js';

/** The link a -> b shortened by `inset` at both ends and moved `side` px to its right. */
export function segment(a, b, inset, side) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length = Math.hypot(dx, dy) || 1;
  const ux = dx / length;
  const uy = dy / length;
  const nx = -uy;
  const ny = ux;
  return {
    ax: a.x + ux * inset + nx * side,
    ay: a.y + uy * inset + ny * side,
    bx: b.x - ux * inset + nx * side,
    by: b.y - uy * inset + ny * side,
    nx,
    ny,
  };
}

/**
 * Draws every link that is not plainly up. `links`: driver.faults().links; `held`: "from-to" -> how
 * many messages that link holds; `colors`: {held, degraded}.
 */
export function drawFaultyLinks(ctx, { nodes, nodeRadius, links, held, colors }) {
  ctx.save();
  ctx.font = '600 12px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const spot = labelPlacer(ctx, nodes, nodeRadius);
  for (const entry of linkEntries(links)) {
    if (!nodes[entry.from] || !nodes[entry.to]) continue;
    const broken = entry.state !== 'up';
    const color = broken ? colors.held : colors.degraded;
    ctx.strokeStyle = color;
    // A link holding messages is drawn per direction, each with its own count.
    const ways = entry.state === 'hold' && entry.both ? [[entry.from, entry.to], [entry.to, entry.from]] : [[entry.from, entry.to]];
    for (const [from, to] of ways) {
      const oneWay = ways.length > 1 || !entry.both;
      // One way: beside the link, on its direction's side, clear of the node it points at.
      const s = segment(nodes[from], nodes[to], oneWay ? nodeRadius + 3 : 0, oneWay ? 6 : 0);
      ctx.setLineDash(broken ? [6, 4] : [2, 4]);
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(s.ax, s.ay);
      ctx.lineTo(s.bx, s.by);
      ctx.stroke();
      ctx.setLineDash([]);
      if (oneWay) {
        arrowhead(ctx, s, color);
        const text = entry.state === 'hold' ? `holding ${held.get(`${from}-${to}`) ?? 0}` : entry.text;
        // Near the sending end, where held messages wait, clear of the links crossing the middle.
        const words = `n${from}→n${to} ${text}`;
        label(ctx, words, spot(words, [0.3, 0.5, 0.7, 0.15].map((t) => along(s, t, 14))), color);
      } else if (broken) {
        cross(ctx, along(s, 0.5, 0), 6, color);
      } else {
        label(ctx, entry.conditions, spot(entry.conditions, [0.4, 0.6, 0.25, 0.75].map((t) => along(s, t, 0))), color);
      }
    }
  }
  ctx.restore();
}

/**
 * Marks a down node drawn at `node`: a ✕ badge on its rim and "down" beyond it, both 75° round
 * from the outward direction (where the address is), clear of the links, which all leave inwards.
 */
export function drawDownMark(ctx, node, nodeRadius, color) {
  const angle = node.angle - (5 * Math.PI) / 12;
  const at = (distance) => ({ x: node.x + Math.cos(angle) * distance, y: node.y + Math.sin(angle) * distance });
  const badge = at(nodeRadius);
  ctx.save();
  ctx.beginPath();
  ctx.arc(badge.x, badge.y, 7, 0, 2 * Math.PI);
  ctx.fillStyle = '#ffffff';
  ctx.fill();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = color;
  ctx.stroke();
  cross(ctx, badge, 3.5, color);
  ctx.font = '700 12px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  label(ctx, 'down', at(nodeRadius + 26), color);
  ctx.restore();
}

/**
 * Returns spot(text, candidates): the first candidate point where a label of `text` overlaps
 * neither a node nor a label placed before (else the first candidate), and takes that room.
 */
function labelPlacer(ctx, nodes, nodeRadius) {
  const box = (at, width, height) => ({ left: at.x - width / 2, right: at.x + width / 2, top: at.y - height / 2, bottom: at.y + height / 2 });
  const taken = nodes.map((node) => box(node, 2 * nodeRadius, 2 * nodeRadius));
  const free = (b) => !taken.some((t) => b.left < t.right && t.left < b.right && b.top < t.bottom && t.top < b.bottom);
  return (text, candidates) => {
    const width = ctx.measureText(text).width + 10;
    const chosen = candidates.find((at) => free(box(at, width, 18))) ?? candidates[0];
    taken.push(box(chosen, width, 18));
    return chosen;
  };
}

function along(s, t, offset) {
  return { x: s.ax + (s.bx - s.ax) * t + s.nx * offset, y: s.ay + (s.by - s.ay) * t + s.ny * offset };
}

function arrowhead(ctx, s, color) {
  const angle = Math.atan2(s.by - s.ay, s.bx - s.ax);
  ctx.beginPath();
  ctx.moveTo(s.bx, s.by);
  ctx.lineTo(s.bx - 9 * Math.cos(angle - 0.45), s.by - 9 * Math.sin(angle - 0.45));
  ctx.lineTo(s.bx - 9 * Math.cos(angle + 0.45), s.by - 9 * Math.sin(angle + 0.45));
  ctx.closePath();
  ctx.fillStyle = color;
  ctx.fill();
}

function cross(ctx, at, half, color) {
  ctx.beginPath();
  ctx.moveTo(at.x - half, at.y - half);
  ctx.lineTo(at.x + half, at.y + half);
  ctx.moveTo(at.x + half, at.y - half);
  ctx.lineTo(at.x - half, at.y + half);
  ctx.lineWidth = 2.5;
  ctx.strokeStyle = color;
  ctx.stroke();
}

/** Text on a white box, centred at `at` (the caller sets font, centring and middle baseline). */
function label(ctx, text, at, color) {
  const width = ctx.measureText(text).width + 10;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(at.x - width / 2, at.y - 9, width, 18);
  ctx.fillStyle = color;
  ctx.fillText(text, at.x, at.y + 1);
}
