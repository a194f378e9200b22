// The topology: the nodes on a ring and every message in flight as a dot on its link, drawn on
// one canvas from the main animation frame. In-flight messages are fetched from the driver only
// after a step changed them; positions are interpolated from send and due time every frame.
// Faults (cut and degraded links, down nodes), as the core reports them, are drawn by
// topology-faults.js.

import { seconds } from './dom.js';
import { KINDS, kindLabel } from './kinds.js';
import { versionText } from './versions.js';
import { segment, drawFaultyLinks, drawDownMark } from './topology-faults.js';
import { Legend } from './legend.js';

const HOVER_RADIUS = 10;
// Past this many messages in flight their dots lose their white rims: on a big cluster the rims
// double the raster cost of a frame, and the dots overlap too much for rims to separate them.
const RIMS_UP_TO = 200;
const NO_FOCUS = { nodes: new Set(), link: null, kind: null };

export class Topology {
  constructor(session, { canvas, tooltip, legend, onCoordinators }) {
    this.session = session;
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.tooltip = tooltip;
    this.onCoordinators = onCoordinators;
    this.messages = [];
    this.dirty = true; // the message list must be read again
    this.painted = null; // the virtual time last painted; null: repaint whatever the time
    this.coordinators = new Set();
    this.held = new Map(); // "from-to" -> messages held on that link
    this.released = new Map(); // message signature -> when its held link let it go (µs)
    this.links = []; // the links that are not plainly up, from driver.faults()
    this.down = new Set(); // the nodes that are down
    this.hits = new Float32Array(0); // x, y per drawn message, for hover
    this.pointer = null;
    this.hovered = null;
    this.focus = NO_FOCUS; // what a lesson step points at: {nodes: Set, link: {from, to, both} or null, kind}
    this.size = { width: 0, height: 0 };
    this.mesh = { canvas: document.createElement('canvas'), key: '' }; // every link, drawn once per layout
    const css = getComputedStyle(document.documentElement);
    this.colors = Object.fromEntries(
      ['read', 'write', 'search', 'hint', 'ae', 'repair', 'coordinator', 'held', 'degraded', 'down', 'focus'].map((name) => [name, css.getPropertyValue(`--${name}`).trim()]),
    );
    this.legend = new Legend(legend);
    session.subscribe((event) => this.onEvent(event));
    new ResizeObserver(() => this.resize()).observe(canvas);
    canvas.addEventListener('pointermove', (e) => {
      const box = canvas.getBoundingClientRect();
      this.pointer = { x: e.clientX - box.left, y: e.clientY - box.top };
      this.painted = null;
    });
    canvas.addEventListener('pointerleave', () => {
      this.pointer = null;
      this.painted = null;
    });
    this.resize();
  }

  onEvent(event) {
    this.painted = null;
    if (event.type === 'cluster') {
      if (this.session.history !== this.run) {
        this.run = this.session.history;
        this.legend.reset(); // a new run; travelling in this one keeps what it has shown
      }
      this.held.clear();
      this.released.clear();
      this.coordinators = new Set(); // the new panels start unmarked
      this.dirty = true;
      this.readFaults();
    } else if (event.type === 'step') {
      this.dirty = true;
      for (const e of event.trace) {
        if (e.msg) this.legend.see(e.msg, 'coordinator');
        if (e.kind === 'hold') this.held.set(`${e.from}-${e.to}`, (this.held.get(`${e.from}-${e.to}`) ?? 0) + 1);
        // A released message keeps its first send time; it starts moving when released.
        if (e.kind === 'send' && e.time > e.sent) this.released.set(signature(e), e.time);
      }
    } else if (event.type === 'faults') {
      this.readFaults();
      const holding = new Set(this.links.filter((l) => l.state === 'hold').map((l) => `${l.from}-${l.to}`));
      for (const link of this.held.keys()) if (!holding.has(link)) this.held.delete(link);
    }
  }

  /** Marks the nodes, the link and the message kind a lesson step talks about (see NO_FOCUS). */
  setFocus({ nodes = [], link = null, kind = null } = {}) {
    this.focus = { nodes: new Set(nodes), link, kind };
    this.painted = null;
  }

  readFaults() {
    const { links, down } = this.session.driver.faults();
    this.links = links;
    this.down = new Set(down);
    const marks = links.map((l) => (l.state === 'hold' ? 'held' : l.state === 'drop' ? 'cut' : 'degraded'));
    this.legend.see(...marks, ...(down.length ? ['down'] : []));
  }

  resize() {
    const box = this.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    this.size = { width: box.width, height: box.height };
    this.canvas.width = Math.round(box.width * dpr);
    this.canvas.height = Math.round(box.height * dpr);
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.painted = null;
  }

  /**
   * Node positions on an ellipse (a circle stretched at most 1.5 times to use a wide canvas), n0
   * at the top, clockwise. Addresses are drawn only where there is room between the nodes.
   */
  layout(n) {
    const { width, height } = this.size;
    const fits = (margin) => {
      const ry = Math.max(40, height / 2 - margin);
      const rx = Math.max(40, Math.min(width / 2 - 2 * margin, 1.5 * ry));
      return { rx, ry, spacing: (2 * Math.PI * Math.sqrt((rx * rx + ry * ry) / 2)) / n };
    };
    let shape = fits(56);
    const addresses = shape.spacing >= 110;
    if (!addresses) shape = fits(26);
    const { rx, ry, spacing } = shape;
    const nodeRadius = Math.max(10, Math.min(24, spacing / 4));
    const nodes = [];
    for (let i = 0; i < n; i++) {
      const angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
      nodes.push({ x: width / 2 + rx * Math.cos(angle), y: height / 2 + ry * Math.sin(angle), angle });
    }
    return { nodes, nodeRadius, addresses };
  }

  /** Draws one frame at virtual time `now` (µs); nothing when nothing changed (paused, idle). */
  draw(now) {
    if (now === this.painted) return;
    this.painted = now;
    const driver = this.session.driver;
    if (this.dirty) {
      this.dirty = false;
      this.messages = driver.inFlight();
      if (this.released.size) {
        const live = new Set(this.messages.map(signature));
        for (const key of this.released.keys()) if (!live.has(key)) this.released.delete(key);
      }
      this.updateCoordinators();
    }
    const { ctx } = this;
    const { nodes, nodeRadius, addresses } = this.layout(driver.size);
    ctx.clearRect(0, 0, this.size.width, this.size.height);
    this.drawLinks(nodes, nodeRadius);
    this.drawMessages(now, nodes, nodeRadius);
    this.drawNodes(nodes, nodeRadius, addresses ? driver.config.addresses : null);
    this.updateTooltip();
  }

  updateCoordinators() {
    const next = new Set();
    for (const m of this.messages) {
      if (m.request === null || m.request === undefined) continue;
      next.add(m.kind.endsWith('_reply') || m.kind.endsWith('_ack') ? m.to : m.from);
    }
    if (next.size === this.coordinators.size && [...next].every((n) => this.coordinators.has(n))) return;
    this.coordinators = next;
    this.onCoordinators(next);
  }

  drawLinks(nodes, nodeRadius) {
    const { ctx } = this;
    if (this.canvas.width && this.canvas.height) ctx.drawImage(this.meshFor(nodes), 0, 0, this.size.width, this.size.height);
    drawFaultyLinks(ctx, { nodes, nodeRadius, links: this.links, held: this.held, colors: this.colors });
    const { link } = this.focus;
    if (link && nodes[link.from] && nodes[link.to]) {
      // A wide glow under the link, on its direction's side when it is one way.
      const s = segment(nodes[link.from], nodes[link.to], nodeRadius, link.both ? 0 : 6);
      ctx.save();
      ctx.globalAlpha = 0.45;
      ctx.lineWidth = 10;
      ctx.lineCap = 'round';
      ctx.strokeStyle = this.colors.focus;
      ctx.beginPath();
      ctx.moveTo(s.ax, s.ay);
      ctx.lineTo(s.bx, s.by);
      ctx.stroke();
      ctx.restore();
    }
  }

  /**
   * The plain links between every two nodes, as a picture kept until the layout changes: 64
   * nodes have 2,016 links, and stroking them all cost a third of a frame's raster.
   */
  meshFor(nodes) {
    const { canvas } = this.mesh;
    const key = `${this.canvas.width}x${this.canvas.height}:${nodes.map((p) => `${p.x},${p.y}`).join(';')}`;
    if (key === this.mesh.key) return canvas;
    this.mesh.key = key;
    canvas.width = this.canvas.width;
    canvas.height = this.canvas.height;
    const ctx = canvas.getContext('2d');
    ctx.setTransform(this.canvas.width / (this.size.width || 1), 0, 0, this.canvas.height / (this.size.height || 1), 0, 0);
    ctx.lineWidth = 1;
    ctx.strokeStyle = '#d5dbe5';
    ctx.beginPath();
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        ctx.moveTo(nodes[i].x, nodes[i].y);
        ctx.lineTo(nodes[j].x, nodes[j].y);
      }
    }
    ctx.stroke();
    return canvas;
  }

  drawMessages(now, nodes, nodeRadius) {
    const { ctx, messages } = this;
    if (this.hits.length < messages.length * 2) this.hits = new Float32Array(messages.length * 2);
    const positions = this.hits;
    messages.forEach((m, k) => {
      const start = this.released.size ? this.released.get(signature(m)) ?? m.sent : m.sent;
      const span = m.due - start;
      const progress = span > 0 ? Math.min(1, Math.max(0, (now - start) / span)) : 1;
      const from = nodes[m.from];
      const to = nodes[m.to];
      if (m.from === m.to) {
        // A message to itself circles its node.
        const angle = from.angle + progress * 2 * Math.PI;
        positions[2 * k] = from.x + (nodeRadius + 9) * Math.cos(angle);
        positions[2 * k + 1] = from.y + (nodeRadius + 9) * Math.sin(angle);
      } else {
        const { ax, ay, bx, by } = segment(from, to, nodeRadius, 4);
        positions[2 * k] = ax + (bx - ax) * progress;
        positions[2 * k + 1] = ay + (by - ay) * progress;
      }
    });
    // One path per kind keeps 300 dots cheap; repair is drawn last, on top, ringed.
    for (const [kind, style] of Object.entries(KINDS)) {
      const radius = style.loud ? 7 : 5;
      ctx.beginPath();
      let any = false;
      messages.forEach((m, k) => {
        if (m.kind !== kind) return;
        any = true;
        ctx.moveTo(positions[2 * k] + radius, positions[2 * k + 1]);
        ctx.arc(positions[2 * k], positions[2 * k + 1], radius, 0, 2 * Math.PI);
      });
      if (!any) continue;
      const color = this.colors[style.family];
      ctx.fillStyle = style.hollow ? '#ffffff' : color;
      ctx.fill();
      if (style.hollow || messages.length <= RIMS_UP_TO) {
        ctx.lineWidth = style.hollow ? 2.5 : 1;
        ctx.strokeStyle = style.hollow ? color : '#ffffff';
        ctx.stroke();
      }
      if (style.loud) {
        ctx.beginPath();
        messages.forEach((m, k) => {
          if (m.kind !== kind) return;
          ctx.moveTo(positions[2 * k] + 12, positions[2 * k + 1]);
          ctx.arc(positions[2 * k], positions[2 * k + 1], 12, 0, 2 * Math.PI);
        });
        ctx.lineWidth = 2.5;
        ctx.strokeStyle = color;
        ctx.stroke();
      }
    }
    if (this.focus.kind) {
      ctx.beginPath();
      messages.forEach((m, k) => {
        if (m.kind !== this.focus.kind) return;
        ctx.moveTo(positions[2 * k] + 16, positions[2 * k + 1]);
        ctx.arc(positions[2 * k], positions[2 * k + 1], 16, 0, 2 * Math.PI);
      });
      ctx.lineWidth = 3;
      ctx.strokeStyle = this.colors.focus;
      ctx.stroke();
    }
  }

  /** `addresses`: null when there is no room to label the nodes with them. */
  drawNodes(nodes, nodeRadius, addresses) {
    const { ctx } = this;
    const small = nodeRadius < 16;
    nodes.forEach((node, i) => {
      const down = this.down.has(i);
      const coordinating = this.coordinators.has(i);
      if (this.focus.nodes.has(i)) {
        ctx.beginPath();
        ctx.arc(node.x, node.y, nodeRadius + 9, 0, 2 * Math.PI);
        ctx.lineWidth = 4;
        ctx.strokeStyle = this.colors.focus;
        ctx.stroke();
      }
      if (coordinating) {
        ctx.beginPath();
        ctx.arc(node.x, node.y, nodeRadius + 6, 0, 2 * Math.PI);
        ctx.globalAlpha = 0.25;
        ctx.fillStyle = this.colors.coordinator;
        ctx.fill();
        ctx.globalAlpha = 1;
      }
      ctx.beginPath();
      ctx.arc(node.x, node.y, nodeRadius, 0, 2 * Math.PI);
      ctx.fillStyle = down ? '#e2e8f0' : coordinating ? '#fef3c7' : '#ffffff';
      ctx.fill();
      ctx.lineWidth = coordinating ? 3 : 1.5;
      ctx.strokeStyle = down ? this.colors.down : coordinating ? this.colors.coordinator : '#334155';
      if (down) ctx.setLineDash([4, 3]);
      ctx.stroke();
      ctx.setLineDash([]);
      if (down) drawDownMark(ctx, node, nodeRadius, this.colors.held);
      ctx.fillStyle = down ? '#64748b' : '#0f172a';
      ctx.font = `700 ${small ? 11 : 14}px system-ui, sans-serif`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(`n${i}`, node.x, node.y);
      if (!addresses) return;
      // The address sits outside the circle, on the node's side.
      const cos = Math.cos(node.angle);
      const sin = Math.sin(node.angle);
      ctx.font = '12px ui-monospace, monospace';
      ctx.fillStyle = '#475569';
      ctx.textAlign = cos > 0.3 ? 'left' : cos < -0.3 ? 'right' : 'center';
      ctx.fillText(clip(addresses[i]), node.x + cos * (nodeRadius + 8), node.y + sin * (nodeRadius + 12));
    });
    ctx.textBaseline = 'alphabetic';
  }

  updateTooltip() {
    let found = null;
    if (this.pointer) {
      let best = HOVER_RADIUS * HOVER_RADIUS;
      this.messages.forEach((m, k) => {
        const dx = this.hits[2 * k] - this.pointer.x;
        const dy = this.hits[2 * k + 1] - this.pointer.y;
        if (dx * dx + dy * dy <= best) {
          best = dx * dx + dy * dy;
          found = m;
        }
      });
    }
    if (!found) {
      if (this.hovered) this.tooltip.hidden = true;
      this.hovered = null;
      return;
    }
    if (this.hovered?.id !== found.id) {
      this.hovered = found;
      const value = found.version ? ` = ${found.value ?? '(deleted)'}` : '';
      this.tooltip.textContent = [
        `${kindLabel(found.kind)}  n${found.from} → n${found.to}`,
        found.key === null ? 'the keys both nodes replicate' : `key ${found.key}${value}`,
        found.version ? `timestamp ${versionText(found.version)}` : 'no version',
        `sent ${seconds(found.sent)} s, due ${seconds(found.due)} s`,
      ].join('\n');
      this.tooltip.hidden = false;
    }
    this.tooltip.style.left = `${this.pointer.x + 14}px`;
    this.tooltip.style.top = `${this.pointer.y + 14}px`;
  }
}

/** Identifies a message in flight by what both a trace send event and its view carry. */
function signature(m) {
  return `${m.from}-${m.to}-${m.msg ?? m.kind}-${m.sent}-${m.due}-${m.key}`;
}

function clip(text) {
  return text.length > 24 ? `${text.slice(0, 23)}…` : text;
}

