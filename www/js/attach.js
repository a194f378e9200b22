// Watching a real cluster: one WebSocket per node to its `kvnode --watch` address. Each stream
// opens with the node's hello (its node number, the cluster config and its store), then carries
// node event lines as they happen (docs/playground.md, "Attach to a running cluster"). The hellos
// give the cluster (they must agree on the config and name every node once) and a TraceDriver
// shows it; times are made relative to the earliest hello. A command typed in node i's console
// is sent over node i's socket as a text frame; a closed socket draws its node down.

import { parseHello, parseEventFrame } from './trace-format.js';
import { TraceDriver } from './trace-driver.js';
import { checkConfig, ConfigError } from './wasm.js';

/** How long a node has to send its hello. */
const HELLO_TIMEOUT_MS = 5000;
/**
 * The page shows the cluster this far behind real time (µs), so that events of different nodes,
 * arriving on different sockets, are applied in time order.
 */
const LAG_US = 300_000;

/**
 * The watch URLs in `text`: space- or comma-separated `ws://…` / `wss://…` URLs, `HOST:PORT` or a
 * bare PORT (on 127.0.0.1). Throws naming a word that is none of those.
 */
export function parseAddresses(text) {
  const words = String(text).split(/[\s,]+/).filter(Boolean);
  if (!words.length) throw new Error('give the watch address of every node, e.g. ws://127.0.0.1:9100 ws://127.0.0.1:9101 (or just the ports: 9100 9101)');
  return words.map((word) => {
    if (/^wss?:\/\/[^\s/]+/.test(word)) return word;
    if (/^\d{1,5}$/.test(word) && Number(word) > 0 && Number(word) < 65536) return `ws://127.0.0.1:${word}/`;
    if (/^[\w.-]+:\d{1,5}$/.test(word) || /^\[[\da-fA-F:]+\]:\d{1,5}$/.test(word)) return `ws://${word}/`;
    throw new Error(`"${word}" is not a watch address: write ws://HOST:PORT, HOST:PORT or a port`);
  });
}

/**
 * Connects to every URL and resolves with a live TraceDriver once every hello is in. Rejects
 * (closing what it opened) when a node cannot be reached, says something else than a hello, or
 * the hellos disagree. `onProblem(text)` hears of later trouble (a bad frame, a closed socket).
 */
export async function attachCluster(urls, { onProblem }) {
  const links = urls.map((url) => ({ url, socket: null, hello: null, early: [] }));
  let driver = null;
  let detached = false;
  const closeAll = () => {
    detached = true;
    for (const { socket } of links) socket?.close(1000, 'detached');
  };
  try {
    await Promise.all(links.map((link) => openLink(link)));
  } catch (error) {
    closeAll();
    throw error;
  }
  let cluster;
  try {
    cluster = agree(links);
    checkConfig(JSON.stringify(cluster.config));
  } catch (error) {
    closeAll();
    throw error instanceof ConfigError ? new Error(`the nodes' hello holds an ${error.message}`) : error;
  }
  const { config, origin } = cluster;
  const size = config.addresses.length;
  const byNode = [];
  for (const link of links) byNode[link.hello.node] = link;
  // Times from the earliest hello; a node whose clock is behind the others' could say earlier
  // than that, and the views count time from 0.
  const rebase = (e) => {
    for (const field of ['time', 'sent', 'due']) if (e[field] !== undefined) e[field] = Math.max(0, e[field] - origin);
    return e;
  };
  const send = (node, line) => {
    const { socket } = byNode[node];
    if (socket.readyState !== WebSocket.OPEN) throw new Error(`n${node} is not connected (its watch connection closed): Detach and attach again`);
    socket.send(line);
  };
  driver = new TraceDriver(
    { config, stores: byNode.map((link) => link.hello.store), events: [] },
    { send, startTime: Date.now() * 1000 - origin - LAG_US },
  );
  driver.onDispose = closeAll;
  for (const link of links) {
    const node = link.hello.node;
    link.receive = (text) => {
      try {
        driver.receive(parseEventFrame(text, size, `n${node} (${link.url})`).map(rebase));
      } catch (error) {
        onProblem(error.message);
      }
    };
    link.closed = (why) => {
      if (detached) return;
      onProblem(`n${node} (${link.url}): ${why}`);
      driver.markDown(node, Date.now() * 1000 - origin - LAG_US, why);
    };
    for (const text of link.early.splice(0)) link.receive(text);
    if (link.socket.readyState !== WebSocket.OPEN) link.closed('the connection closed');
  }
  return driver;
}

// Opens `link`'s socket and resolves once its hello has come; later frames go to link.receive
// (kept in link.early until there is one), a close to link.closed.
function openLink(link) {
  return new Promise((resolve, reject) => {
    let socket;
    try {
      socket = new WebSocket(link.url);
    } catch (error) {
      reject(new Error(`${link.url}: ${error.message}`));
      return;
    }
    link.socket = socket;
    const timer = setTimeout(() => reject(new Error(`${link.url}: no hello within ${HELLO_TIMEOUT_MS / 1000} s: is kvnode --watch listening there?`)), HELLO_TIMEOUT_MS);
    socket.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') return; // the protocol is text frames only
      if (link.hello) {
        if (link.receive) link.receive(event.data);
        else link.early.push(event.data);
        return;
      }
      clearTimeout(timer);
      try {
        link.hello = parseHello(event.data, link.url);
        resolve();
      } catch (error) {
        reject(error);
      }
    });
    socket.addEventListener('close', (event) => {
      clearTimeout(timer);
      const why = event.reason || (event.wasClean ? `closed (code ${event.code})` : 'the connection was lost or refused');
      if (!link.hello) reject(new Error(`${link.url}: ${why}: is kvnode --watch listening there?`));
      else link.closed?.(why);
    });
  });
}

// The cluster the hellos describe: {config, origin (µs: the earliest hello)}. Throws when they
// disagree on the config or do not name every node exactly once.
function agree(links) {
  const [first] = links;
  const configText = JSON.stringify(first.hello.config);
  const size = first.hello.config.addresses.length;
  const seen = new Map();
  for (const link of links) {
    if (JSON.stringify(link.hello.config) !== configText) throw new Error(`${link.url} runs another config than ${first.url}: attach to the nodes of one cluster`);
    const other = seen.get(link.hello.node);
    if (other) throw new Error(`${other} and ${link.url} are both n${link.hello.node}: give each node's watch address once`);
    seen.set(link.hello.node, link.url);
  }
  const missing = first.hello.config.addresses.map((_, i) => i).filter((i) => !seen.has(i));
  if (missing.length) throw new Error(`the cluster has ${size} nodes: add the watch address of ${missing.map((i) => `n${i}`).join(', ')}`);
  return { config: first.hello.config, origin: Math.min(...links.map((link) => link.hello.time)) };
}
