// Traces and real clusters on the page: a kvsim trace with a `kvsim merge` header opened by the
// file picker and replayed (stores, event log, consoles and space-time diagram show the read
// repair; a malformed file is refused by line, keeping the run), kvsim's plain output dropped on
// the page, and a cluster attached over
// WebSockets: the watch protocol served here with the `ws` package (one server per node: a
// hello, then node event lines taken from a kvsim trace), commands typed on the page reaching
// their node's server, hostile strings shown as text, and a closed connection drawing its node
// down. The trace reader's checks run in plain Node first.
//
// Run: node --test tests/e2e/attach.test.mjs (after scripts/build-wasm.sh and scripts/build-site.sh).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { ROOT, sharedPlayground, ensureKvsim, eventually, storeRows, typeCommand, waitForText, textOf, dropFile, EXAMPLE_CONFIG } from './helpers.mjs';
import { parseTrace, isTrace } from '../../www/js/trace-format.js';

const SLOW = { timeout: 120_000 };
const CONFIG = JSON.parse(EXAMPLE_CONFIG);
const HOSTILE = '<img src=x onerror=alert(1)>';
const dir = mkdtempSync(join(tmpdir(), 'kvplayground-attach-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** What kvsim run --trace prints for examples/read-repair.kvs: results and trace lines. */
function readRepairOutput() {
  return execFileSync(ensureKvsim(), ['run', '--config', join(ROOT, 'examples/config.json'), '--script', join(ROOT, 'examples/read-repair.kvs'), '--trace'], { encoding: 'utf8' });
}

/** The trace events of examples/read-repair.kvs. */
function readRepairTrace() {
  return readRepairOutput()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

const mergedHeader = (config, stores) => JSON.stringify({ merged: { config, origin_us: 1_700_000_000_000_000, stores } });

// ---- the reader, without a page -------------------------------------------------------------

test('reader: a merged trace, a plain one, and bad lines named', () => {
  const events = [{ time: 0, kind: 'command', node: 0, request: 0, text: 'get 5 ONE' }];
  const merged = `${mergedHeader(CONFIG, [[], [], [], []])}\n${JSON.stringify(events[0])}\n`;
  assert.ok(isTrace(merged));
  assert.equal(parseTrace(merged, 2).config.addresses.length, 4);
  const plain = `[   0.000 n0] Get return: not found\n${JSON.stringify(events[0])}\n`;
  assert.ok(isTrace(plain));
  assert.deepEqual(parseTrace(plain, 4), { config: null, stores: null, events });
  assert.ok(!isTrace(EXAMPLE_CONFIG));
  const bad = (text, pattern) => assert.throws(() => parseTrace(text, 4), pattern);
  bad(`${JSON.stringify(events[0])}\n{"time": 1, "kind": "teleport"}`, /^Error: line 2: unknown kind "teleport"/);
  bad(`${JSON.stringify(events[0])}\nnot json`, /line 2: not JSON/);
  bad('{"time": 5, "kind": "send", "from": 0, "to": 9, "msg": "read"}', /line 1: "to" 9 is not a node of this cluster \(0 to 3\)/);
  bad('{"time": 5, "kind": "store", "node": 1}\n{"time": 4, "kind": "store", "node": 1, "key": "a"}', /line 1: a store event needs "key"/);
  bad('{"time": 5, "kind": "timeout", "node": 1}\n{"time": 4, "kind": "timeout", "node": 1}', /line 2: time 4 comes before/);
  bad(`${JSON.stringify(events[0])}\n${mergedHeader(CONFIG, [])}`, /line 2: a merged header must be the first line/);
  bad(mergedHeader(CONFIG, [[]]), /line 1: the merged header needs "stores": one list of store entries per node \(4\)/);
});

// ---- the page --------------------------------------------------------------------------------

const onPage = sharedPlayground();

test('a merged trace opened by the file picker replays the read repair; a bad file is refused and the run kept', SLOW, async () => {
  const plainOutput = readRepairOutput();
  const trace = readRepairTrace();
  const path = join(dir, 'merged.jsonl');
  writeFileSync(path, [mergedHeader(CONFIG, [[], [], [], []]), ...trace.map((e) => JSON.stringify(e))].join('\n') + '\n');
  await onPage(async ({ page }) => {
    await page.getByTestId('open-trace').setInputFiles(path);
    await waitForText(page, 'source-text', 'Replaying the trace merged.jsonl');
    assert.equal(await page.getByTestId('fault-cut').evaluate((b) => b.closest('[inert]') !== null), true, 'the faults card is off');
    assert.match(await textOf(page, 'faults-unavailable'), /recorded trace/);
    assert.match(await textOf(page, 'hint'), /replay the trace/);
    assert.equal(await page.getByTestId('console-input-0').isDisabled(), true);
    // The timeline spans the whole trace at once; in the middle, n2 still holds the old value.
    await page.evaluate(() => window.playground.travelTo(11_000_000));
    await eventually(async () => (await storeRows(page, 2)).find((r) => r.key === '5')?.state === 'STALE', { message: 'n2 stale at 11 s' });
    assert.equal((await storeRows(page, 2)).find((r) => r.key === '5').value, 'hello');
    // Played at 100x from there, the repair reaches n2, as in the simulation.
    await page.evaluate(() => window.playground.setSpeed(100));
    await page.getByTestId('play-pause').click();
    await eventually(async () => (await storeRows(page, 2)).find((r) => r.key === '5')?.value === 'world', { message: 'the repair on n2' });
    await waitForText(page, 'console-output-3', 'Executing repair: sent world');
    await waitForText(page, 'event-log', 'n3 -> n2 send repair');
    const arrows = await page.evaluate(() => window.playground.spacetime());
    assert.ok(arrows.kinds.repair >= 1, `a repair arrow: ${JSON.stringify(arrows.kinds)}`);
    await eventually(async () => (await page.evaluate(() => window.playground.state().inFlight.length)) === 0, { message: 'nothing left in flight at the end' });

    // A malformed file: its line and problem are named, and the replay stays.
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${JSON.stringify(trace[0])}\n${JSON.stringify(trace[1])}\n{"time": 1, "kind": "teleport", "node": 0}\n`);
    await page.getByTestId('open-trace').setInputFiles(bad);
    await waitForText(page, 'trace-error', 'Cannot open bad.jsonl: line 3: unknown kind "teleport"');
    const badConfig = { ...CONFIG, addresses: CONFIG.addresses.slice(0, 2) }; // a 2-node cluster with 4x4 delays
    const refused = await page.evaluate((text) => window.playground.openTrace(text, 'config.jsonl').then(() => 'opened', (e) => e.message), mergedHeader(badConfig, [[], []]));
    assert.match(refused, /^line 1: the merged header holds an invalid config: avg_delays/);
    assert.match(await textOf(page, 'source-text'), /Replaying the trace merged\.jsonl/);
    assert.equal((await storeRows(page, 2)).find((r) => r.key === '5').value, 'world');

    await page.getByTestId('source-leave').click();
    assert.equal(await page.getByTestId('source-bar').isHidden(), true);
    assert.equal(await page.getByTestId('fault-cut').evaluate((b) => b.closest('[inert]') !== null), false, 'the faults card is back');
    assert.equal(await page.getByTestId('console-input-0').isDisabled(), false);
    assert.match(await textOf(page, 'hint'), /Watch read repair/);

    // kvsim run --trace's own output, result lines and all, dropped on the page: it runs on the
    // page's config, from empty stores.
    await dropFile(page, 'config-drop', 'plain.jsonl', plainOutput);
    await waitForText(page, 'source-text', 'Replaying the trace plain.jsonl');
    await page.getByTestId('run-until-quiet').click();
    assert.equal((await storeRows(page, 2)).find((r) => r.key === '5')?.value, 'world');
    await waitForText(page, 'console-output-1', 'Server #3 returned value: not found');
  });
});

/**
 * One watch server per node on a free port of 127.0.0.1: each sends its hello, then its node's
 * events of `trace` (times scaled by `scale`, from `startMs` after the first connection), sent
 * when they happen, and records the frames the page sends.
 */
async function watchServers(trace, { scale = 0.1, startMs = 500 } = {}) {
  // µs: `startMs` after the first connection of an attach (while none is open), so every event
  // comes after every hello.
  let origin = null;
  let connected = 0;
  const owner = (e) => (e.kind === 'send' || e.kind === 'drop' ? e.from : e.kind === 'deliver' ? e.to : e.node);
  const at = (t) => (t === undefined ? undefined : origin + Math.round(t * scale));
  const servers = [];
  for (let node = 0; node < CONFIG.addresses.length; node++) {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    const received = [];
    const timers = [];
    server.on('connection', (socket) => {
      socket.on('message', (data) => received.push(String(data)));
      const clock = CONFIG.addresses.map(() => 0);
      if (connected++ === 0) origin = (Date.now() + startMs) * 1000;
      socket.send(JSON.stringify({ hello: { protocol: 2, node, config: CONFIG, time: Date.now() * 1000, clock, store: [] } }));
      for (const e of trace.filter((e) => owner(e) === node)) {
        const line = JSON.stringify({ ...e, time: at(e.time), sent: at(e.sent), due: at(e.due), clock });
        const wait = at(e.time) / 1000 - Date.now(); // sent when it happens, as a node does
        timers.push(setTimeout(() => socket.readyState === socket.OPEN && socket.send(line), wait));
      }
      socket.on('close', () => {
        connected -= 1;
        timers.forEach(clearTimeout);
      });
    });
    servers.push({ server, received, port: server.address().port, send: (lines) => [...server.clients].forEach((c) => c.send(lines.map((l) => JSON.stringify(l)).join('\n'))) });
  }
  return { servers, close: () => servers.forEach(({ server }) => (server.clients.forEach((c) => c.terminate()), server.close())) };
}

test('attached to a cluster: live events, a command sent to its node, hostile text as text, a closed connection drawn down', SLOW, async () => {
  const { servers, close } = await watchServers(readRepairTrace());
  try {
    await onPage(async ({ page, problems }) => {
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.getByTestId('config-toggle').click();
      // Too few addresses: the missing node is named and the simulation stays.
      await page.getByTestId('attach-addresses').fill(servers.slice(0, 3).map((s) => String(s.port)).join(' '));
      await page.getByTestId('attach-button').click();
      await waitForText(page, 'attach-error', 'the cluster has 4 nodes: add the watch address of n3');
      assert.equal(await page.getByTestId('source-bar').isHidden(), true);

      const [a, b, ...rest] = servers;
      // One node twice (through window.playground): named, and nothing changes.
      const twice = `${a.port} ${a.port} ${rest.map((s) => s.port).join(' ')}`;
      const refused = await page.evaluate((text) => window.playground.attach(text).then(() => 'attached', (e) => e.message), twice);
      assert.match(refused, /^ws:\/\/127\.0\.0\.1:\d+\/ and ws:\/\/127\.0\.0\.1:\d+\/ are both n0: give each node's watch address once$/);
      await eventually(() => servers.every(({ server }) => server.clients.size === 0), { message: 'the refused attach closes what it opened' });
      await page.getByTestId('attach-addresses').fill(`ws://127.0.0.1:${a.port} 127.0.0.1:${b.port} ${rest.map((s) => s.port).join(', ')}`);
      await page.getByTestId('attach-button').click();
      await waitForText(page, 'source-text', 'Attached to a real cluster of 4 nodes');
      assert.equal(await page.getByTestId('step').isDisabled(), true, 'virtual-time controls are off');
      assert.match(await page.getByTestId('step').getAttribute('title'), /real cluster/);
      await page.getByTestId('config-toggle').click();

      // The read repair arrives live: n2 ends with world, n3's console shows the repair.
      await eventually(async () => (await storeRows(page, 2)).find((r) => r.key === '5')?.value === 'world', { message: 'the repair on n2' });
      await waitForText(page, 'console-output-3', 'Executing repair: sent world');
      await waitForText(page, 'event-log', 'n3 -> n2 send repair');
      assert.ok((await page.evaluate(() => window.playground.spacetime())).kinds.repair >= 1);
      // Events of different nodes, arriving on their own sockets, are shown in time order.
      const times = (await page.evaluate(() => window.playground.trace())).trim().split('\n').map((l) => JSON.parse(l).time);
      assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]), `in time order: ${times}`);

      // A command typed in n1's console goes to n1's server, and its reply shows there.
      await typeCommand(page, 1, 'get k ONE');
      await eventually(() => servers[1].received.includes('get k ONE'), { message: 'the command at n1' });
      assert.deepEqual([0, 2, 3].flatMap((i) => servers[i].received), []);
      const now = Date.now() * 1000;
      const clock = [0, 0, 0, 0];
      servers[1].send([
        { time: now, kind: 'command', node: 1, request: 100, text: 'get k ONE', clock },
        { time: now + 10, kind: 'reply', node: 1, request: 100, text: `Get return: ${HOSTILE}  (timestamp 1.000000@n1)  [replies from n1]`, clock },
        { time: now + 10, kind: 'store', node: 1, key: HOSTILE, value: '<b>bold</b>', version: { timestamp: 1, node: 1 }, clock },
      ]);
      await waitForText(page, 'console-output-1', `Get return: ${HOSTILE}`);
      await eventually(async () => (await storeRows(page, 1)).some((r) => r.key === HOSTILE && r.value === '<b>bold</b>'), { message: 'the hostile key as text' });
      assert.equal(await page.locator('img, b').count(), 0, 'no markup from the wire');

      // n2's server goes away: n2 is drawn down and the bar says why.
      [...servers[2].server.clients].forEach((c) => c.close(1001, 'node stopped'));
      await waitForText(page, 'node-state-2', 'DOWN');
      await waitForText(page, 'source-problems', 'n2');
      await waitForText(page, 'event-log', 'watch connection closed: node stopped');
      mkdirSync(join(ROOT, 'target'), { recursive: true });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(ROOT, 'target/attach.png') });

      await page.getByTestId('source-leave').click();
      assert.equal(await page.getByTestId('source-bar').isHidden(), true);
      await eventually(() => [0, 1, 3].every((i) => servers[i].server.clients.size === 0), { message: 'every connection closed on Detach' });
      assert.deepEqual(problems.dialogs, []);
    });
  } finally {
    close();
  }
});
