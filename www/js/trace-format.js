// Reading what real nodes and kvsim write (docs/playground.md, "Traces and real clusters"): a
// merged trace (`kvsim merge`: a header line, then trace events with times relative to the
// header's origin), a plain `kvsim run --trace` output (trace events; kvsim's own result lines
// `[  3.464 n0] …` are skipped), and a kvnode watch stream (a hello frame, then node event lines
// with wall-clock times and a vector clock). Every check names the line and what is wrong.

/** The trace event kinds (src/sim/trace.rs TraceKind). */
const KINDS = new Set(['command', 'send', 'deliver', 'drop', 'hold', 'reply', 'timeout', 'store', 'fault', 'anomaly']);
/** The kinds about a message between two nodes. */
const MESSAGE_KINDS = new Set(['send', 'deliver', 'drop', 'hold']);
/** The watch protocol the page speaks (the hello's `protocol`). */
export const WATCH_PROTOCOL = 2;
/** Traces larger than this are refused before they are read. */
export const MAX_TRACE_BYTES = 64 * 1024 * 1024;
// A result line kvsim run prints among its trace lines.
const RESULT_LINE = /^\[\s*-?\d+(\.\d+)?\s+n\d+\]/;

/** An error about line `line` (1-based) of a trace. */
export class TraceError extends Error {
  constructor(line, detail) {
    super(`line ${line}: ${detail}`);
    this.line = line;
  }
}

/** Whether `text` reads as a trace: its first line is a merged header or a trace event. */
export function isTrace(text) {
  const first = text.split('\n', 50).find((line) => line.trim() && !RESULT_LINE.test(line.trim())) ?? '';
  try {
    const value = JSON.parse(first);
    return isObject(value) && (isObject(value.merged) || (typeof value.kind === 'string' && 'time' in value));
  } catch {
    return false;
  }
}

/**
 * Reads a merged trace or a plain `kvsim run --trace` output. Returns {config (the header's
 * config object, or null for a plain trace), stores (per node: store entries, or null), events};
 * `size` (the nodes of the page's config) bounds a plain trace's node numbers. Throws a
 * TraceError naming the first bad line.
 */
export function parseTrace(text, size) {
  if (text.length > MAX_TRACE_BYTES) throw new Error(`the trace is too large: at most ${MAX_TRACE_BYTES / 1024 / 1024} MB`);
  const lines = text.split('\n');
  let config = null;
  let stores = null;
  const events = [];
  let previous = -Infinity;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const number = i + 1;
    if (!line || RESULT_LINE.test(line)) return;
    const value = parseJson(line, number);
    if (isObject(value) && 'merged' in value) {
      if (number !== firstLine(lines)) throw new TraceError(number, 'a merged header must be the first line');
      ({ config, stores } = readHeader(value.merged, number));
      size = config.addresses.length;
      return;
    }
    const event = checkEvent(value, number, size);
    if (event.time < previous) throw new TraceError(number, `time ${event.time} comes before the previous event's ${previous}: a trace is in time order`);
    previous = event.time;
    events.push(event);
  });
  if (!events.length && !config) throw new Error('the file holds no trace events');
  return { config, stores, events };
}

/**
 * Reads a watch stream's first frame: {node, config, time, clock, store}. Throws naming the
 * problem (`where` says which connection).
 */
export function parseHello(text, where) {
  const value = parseJson(text, 1, where);
  const hello = value?.hello;
  if (!isObject(hello)) throw new Error(`${where}: the first frame is not a hello ({"hello": {...}}): is this a kvnode --watch address?`);
  if (hello.protocol !== WATCH_PROTOCOL) throw new Error(`${where}: speaks watch protocol ${hello.protocol}, the page speaks ${WATCH_PROTOCOL}: use a kvnode of this version`);
  if (!isObject(hello.config) || !Array.isArray(hello.config.addresses)) throw new Error(`${where}: the hello has no config with addresses`);
  const size = hello.config.addresses.length;
  if (!isNode(hello.node, size)) throw new Error(`${where}: the hello's node ${JSON.stringify(hello.node)} is not one of the config's ${size}`);
  if (!Number.isFinite(hello.time)) throw new Error(`${where}: the hello has no time`);
  return { node: hello.node, config: hello.config, time: hello.time, store: checkStore(hello.store, `${where}: the hello's store`) };
}

/** Reads one frame of node event lines (after the hello): trace events, their `clock` dropped. */
export function parseEventFrame(text, size, where) {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line, i) => {
      const value = parseJson(line, i + 1, where);
      if (isObject(value)) delete value.clock;
      return checkEvent(value, i + 1, size, where);
    });
}

function readHeader(merged, number) {
  if (!isObject(merged) || !isObject(merged.config) || !Array.isArray(merged.config.addresses)) {
    throw new TraceError(number, 'the merged header needs a "config" object with "addresses"');
  }
  const size = merged.config.addresses.length;
  if (!Array.isArray(merged.stores) || merged.stores.length !== size) {
    throw new TraceError(number, `the merged header needs "stores": one list of store entries per node (${size})`);
  }
  return { config: merged.config, stores: merged.stores.map((store, i) => checkStore(store, `line ${number}: node ${i}'s store`)) };
}

function checkStore(store, what) {
  if (!Array.isArray(store)) throw new Error(`${what} is not a list of store entries`);
  for (const entry of store) {
    if (!isObject(entry) || typeof entry.key !== 'string' || !isObject(entry.version) || !(entry.value === null || typeof entry.value === 'string')) {
      throw new Error(`${what} holds ${JSON.stringify(entry)}: an entry is {"key": K, "value": V or null, "version": {...}}`);
    }
  }
  return store;
}

// One trace event, checked: the fields the views rely on are there and of their type.
function checkEvent(e, number, size, where) {
  const fail = (detail) => {
    throw where ? new Error(`${where}: line ${number}: ${detail}`) : new TraceError(number, detail);
  };
  if (!isObject(e)) fail('not a trace event (a JSON object with "time" and "kind")');
  if (!Number.isFinite(e.time) || e.time < 0) fail(`"time" must be a number of µs from 0, not ${JSON.stringify(e.time)}`);
  if (!KINDS.has(e.kind)) fail(`unknown kind ${JSON.stringify(e.kind)}: one of ${[...KINDS].join(', ')}`);
  for (const field of ['node', 'from', 'to']) {
    if (e[field] !== undefined && !isNode(e[field], size)) fail(`"${field}" ${JSON.stringify(e[field])} is not a node of this cluster (0 to ${size - 1})`);
  }
  for (const field of ['key', 'value', 'text', 'msg']) {
    if (e[field] !== undefined && e[field] !== null && typeof e[field] !== 'string') fail(`"${field}" must be a string`);
  }
  if (MESSAGE_KINDS.has(e.kind) && (e.from === undefined || e.to === undefined || e.msg === undefined)) fail(`a ${e.kind} event needs "from", "to" and "msg"`);
  if (['command', 'reply', 'store', 'timeout'].includes(e.kind) && e.node === undefined) fail(`a ${e.kind} event needs "node"`);
  if (e.kind === 'store' && e.key === undefined) fail('a store event needs "key"');
  if ((e.kind === 'reply' || e.kind === 'command') && typeof e.text !== 'string') fail(`a ${e.kind} event needs "text"`);
  return e;
}

function parseJson(line, number, where) {
  try {
    return JSON.parse(line);
  } catch (e) {
    const detail = `not JSON (${e.message}): ${line.length > 60 ? `${line.slice(0, 60)}…` : line}`;
    throw where ? new Error(`${where}: line ${number}: ${detail}`) : new TraceError(number, detail);
  }
}

function firstLine(lines) {
  return lines.findIndex((l) => l.trim()) + 1;
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isNode(value, size) {
  return Number.isInteger(value) && value >= 0 && value < size;
}
