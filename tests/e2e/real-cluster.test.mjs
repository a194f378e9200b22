// The page and real nodes: four `kvnode` processes on loopback (release build) with --watch and
// --trace; the page attaches to their watch sockets, a read repair typed on the page's consoles
// happens on the real nodes and shows live, a node killed with SIGKILL is drawn down; then the
// nodes' traces, merged by `kvsim merge`, open in the page and replay the same repair.
//
// Run: node --test tests/e2e/real-cluster.test.mjs (after scripts/build-wasm.sh, build-site.sh).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, sharedPlayground, ensureKvsim, eventually, storeRows, typeCommand, waitForText } from './helpers.mjs';

const SLOW = { timeout: 120_000 };
const KVNODE = join(ROOT, 'target/release/kvnode');
const dir = mkdtempSync(join(tmpdir(), 'kvplayground-real-'));
const nodes = [];
after(() => {
  for (const node of nodes) node.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A port of 127.0.0.1 free a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * The story's cluster (as tests/support/kvnode.rs): constant delays, close links but the slow
 * n0 -> n2 (2 s); key 5 lives on n0, n1 and n2.
 */
function config(ports) {
  return {
    addresses: ports.map((p) => `127.0.0.1:${p}`),
    avg_delays: [[0, 0.02, 2.0, 0.3], [0.02, 0, 0.02, 0.3], [0.02, 0.02, 0, 0.02], [0.3, 0.3, 0.02, 0]],
    delay_distribution: 'constant',
    request_timeout_s: 1.5,
  };
}

/** Starts node `i`; resolves once its watch port accepts connections. */
async function startNode(i, configPath, watchPort) {
  const args = [String(i), '--config', configPath, '--trace', join(dir, `n${i}.trace.jsonl`), '--watch', String(watchPort)];
  const node = spawn(KVNODE, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  node.stderr.on('data', (d) => (stderr += d));
  nodes[i] = node;
  const accepts = () =>
    new Promise((resolve) => {
      const probe = connect(watchPort, '127.0.0.1', () => (probe.destroy(), resolve(true)));
      probe.on('error', () => resolve(false));
    });
  // 30 s: on a loaded 2-core machine a node's start took over 10 s once (CI, 2026-12-07).
  const message = () => `n${i} listening (exit code ${node.exitCode}, stderr: ${stderr || 'empty'})`;
  await eventually(accepts, { timeout: 30_000, message });
  return node;
}

const onPage = sharedPlayground();

test('attached to four real kvnodes: a read repair typed on the page, a killed node, then their merged traces replayed', SLOW, async () => {
  ensureKvsim(); // builds the release binaries, kvnode among them
  const ports = await Promise.all([0, 1, 2, 3].map(freePort));
  const watchPorts = await Promise.all([0, 1, 2, 3].map(freePort));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config(ports)));
  await Promise.all(watchPorts.map((port, i) => startNode(i, configPath, port)));

  await onPage(async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.getByTestId('config-toggle').click();
    await page.getByTestId('attach-addresses').fill(watchPorts.map((p) => `ws://127.0.0.1:${p}`).join(' '));
    await page.getByTestId('attach-button').click();
    await waitForText(page, 'source-text', 'Attached to a real cluster of 4 nodes');
    await page.getByTestId('config-toggle').click();

    // Everyone holds hello; n0 writes world at ONE, which reaches n2 only after 2 s; n3 reads at
    // ALL at once: n2 answers hello, so n3 repairs it.
    await typeCommand(page, 1, 'insert 5 hello ALL');
    await waitForText(page, 'console-output-1', 'insert successful');
    await typeCommand(page, 0, 'insert 5 world ONE');
    await waitForText(page, 'console-output-0', 'insert successful');
    await typeCommand(page, 3, 'get 5 ALL');
    await waitForText(page, 'console-output-3', 'Get return: world');
    await waitForText(page, 'live-results', 'n3: Get return: world'); // a screen reader hears the answer
    await waitForText(page, 'console-output-3', 'Executing repair: sent world');
    await waitForText(page, 'event-log', 'n3 -> n2 send repair');
    await eventually(async () => (await storeRows(page, 2)).find((r) => r.key === '5')?.value === 'world', { message: 'n2 repaired' });
    assert.ok((await page.evaluate(() => window.playground.spacetime())).kinds.repair >= 1, 'a repair arrow');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(ROOT, 'target/real-cluster.png') });

    // kill -9 n2: its watch socket closes and the page draws it down. A read at ALL then times
    // out on the real nodes; ONE still succeeds.
    await new Promise((resolve) => setTimeout(resolve, 300)); // n2's trace is flushed every 100 ms
    nodes[2].kill('SIGKILL');
    await waitForText(page, 'node-state-2', 'DOWN');
    await typeCommand(page, 3, 'get 5 ALL');
    await waitForText(page, 'console-output-3', 'get 5 ALL failed');
    await typeCommand(page, 3, 'get 5 ONE');
    await eventually(async () => (await page.getByTestId('console-output-3').textContent()).split('Get return: world').length >= 3, { message: 'ONE answers' });
    await page.getByTestId('source-leave').click();
  });

  // Stop the others (SIGTERM flushes their traces), merge, and replay the merge in the page.
  await Promise.all([0, 1, 3].map((i) => new Promise((resolve) => (nodes[i].once('exit', resolve), nodes[i].kill('SIGTERM')))));
  const traces = readdirSync(dir).filter((f) => f.endsWith('.trace.jsonl')).map((f) => join(dir, f));
  assert.equal(traces.length, 4);
  const merged = join(dir, 'merged.jsonl');
  execFileSync(join(ROOT, 'target/release/kvsim'), ['merge', ...traces, '--out', merged, '--shiviz', join(dir, 'merged.shiviz')]);
  const lines = readFileSync(merged, 'utf8').trim().split('\n');
  assert.ok(JSON.parse(lines[0]).merged, 'a merged header');

  await onPage(async ({ page }) => {
    await page.getByTestId('open-trace').setInputFiles(merged);
    await waitForText(page, 'source-text', 'Replaying the trace merged.jsonl');
    await page.getByTestId('run-until-quiet').click();
    await waitForText(page, 'console-output-3', 'Executing repair: sent world');
    await waitForText(page, 'event-log', 'n3 -> n2 send repair');
    assert.equal((await storeRows(page, 2)).find((r) => r.key === '5')?.value, 'world');
    assert.ok((await page.evaluate(() => window.playground.spacetime())).kinds.repair >= 1, 'the repair on the diagram');
  });
});
