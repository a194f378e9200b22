// The wasm package the page loads (www/pkg), called from the page's JavaScript in headless
// Chromium: the exports tests/wasm.rs cannot reach from Rust (runScript, benchStandard), the
// plain-object results every export returns, and the page driver (www/js/cluster.js) applying
// faults.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, EXAMPLE_CONFIG, startServer, launchBrowser, ensureKvsim } from './helpers.mjs';

const SCRIPT = readFileSync(join(ROOT, 'examples/read-repair.kvs'), 'utf8');
const GOLDEN = readFileSync(join(ROOT, 'tests/golden/read-repair.trace.jsonl'), 'utf8');
const FAULTS = readFileSync(join(ROOT, 'examples/faults.kvs'), 'utf8');
const FAULTS_GOLDEN = readFileSync(join(ROOT, 'tests/golden/faults.trace.jsonl'), 'utf8');

let server, browser, page;
const errors = [];
before(async () => {
  server = await startServer({ needPage: false });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  // The host document here is a bare file, so Chromium's request for /favicon.ico 404s; that is
  // the only error tolerated (the page tests, on index.html, tolerate none).
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.location().url.endsWith('/favicon.ico')) errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  // Any same-origin document will do: the module is imported from /pkg/.
  await page.goto(`${server.url}pkg/package.json`);
  await page.evaluate(async () => {
    const module = await import('/pkg/kvplayground.js');
    await module.default();
    window.kv = module;
  });
});
after(async () => {
  await browser?.close();
  server?.close();
  assert.deepEqual(errors, [], 'no console errors');
});

test('runScript in the browser gives the native golden trace byte for byte', async () => {
  const run = await page.evaluate(([config, script]) => window.kv.runScript(config, 42, script), [EXAMPLE_CONFIG, SCRIPT]);
  assert.equal(run.trace, GOLDEN);
  assert.deepEqual(run.errors, []);
  assert.ok(run.results.some((r) => r.text.includes('Get return: hello')));
  assert.ok(run.results.some((r) => r.fields.result === 'repair'));
});

test('with hinted handoff and anti-entropy on, runScript in the browser gives the native kvsim trace', async () => {
  const config = JSON.stringify({ ...JSON.parse(EXAMPLE_CONFIG), hinted_handoff: true, anti_entropy_period_s: 1.5 });
  const file = join(mkdtempSync(join(tmpdir(), 'kv-ae-')), 'config.json');
  writeFileSync(file, config);
  const script = join(ROOT, 'examples/read-repair.kvs');
  const output = execFileSync(ensureKvsim(), ['run', '--config', file, '--script', script, '--seed', '42', '--json', '--trace'], {
    encoding: 'utf8',
  });
  // Trace events have a `kind`; result lines do not.
  const native = output.split('\n').filter((line) => line && JSON.parse(line).kind !== undefined);
  const run = await page.evaluate(([c, s]) => window.kv.runScript(c, 42, s), [config, SCRIPT]);
  assert.equal(run.trace, native.join('\n') + '\n');
  assert.ok(native.some((line) => line.includes('"msg":"ae_entries"')), 'anti-entropy exchanged entries');
});

test('bad input to the exports throws a JS error with a message, and the module keeps working', async () => {
  const outcomes = await page.evaluate(([config, script]) => {
    const attempt = (f) => {
      try {
        f();
        return 'no error';
      } catch (e) {
        return e instanceof Error && e.message ? 'error' : `odd throw: ${e}`;
      }
    };
    return {
      notJson: attempt(() => window.kv.runScript('{', 42, script)),
      negativeSeed: attempt(() => window.kv.runScript(config, -1, script)),
      nanSeed: attempt(() => window.kv.runScript(config, NaN, script)),
      zeroOps: attempt(() => window.kv.benchStandard(0)),
      badNode: attempt(() => new window.kv.KvNode(config, 9)),
      badLink: attempt(() => new window.kv.KvScheduler(config, 1).setLink(0, 1, 'sideways')),
      nanTime: attempt(() => new window.kv.KvScheduler(config, 1).scheduleCommand(NaN, 0, 'get 5 ONE')),
    };
  }, [EXAMPLE_CONFIG, SCRIPT]);
  for (const [what, outcome] of Object.entries(outcomes)) assert.equal(outcome, 'error', what);
  const checked = await page.evaluate(() => window.kv.validateConfig('{"addresses": ["a"], "avg_delays": [[-1]]}'));
  assert.deepEqual(
    { ok: checked.ok, field: checked.field },
    { ok: false, field: 'avg_delays[0][0]' },
  );
  assert.match(checked.message, /-1 is not a delay/);
  const again = await page.evaluate(([config, script]) => window.kv.runScript(config, 42, script).trace, [EXAMPLE_CONFIG, SCRIPT]);
  assert.equal(again, GOLDEN);
  assert.deepEqual(await page.evaluate((config) => Array.from(window.kv.replicasOf(config, '5')), EXAMPLE_CONFIG), [0, 1, 2]);
});

test('faults through the page driver (cluster.js) give the native golden trace', async () => {
  const run = await page.evaluate(async ([config, script]) => {
    const { Cluster } = await import('/js/cluster.js');
    const cluster = new Cluster(config, 42);
    const lines = script.split('\n').map((l) => l.split('#')[0].trim()).filter((l) => l);
    cluster.replay(lines);
    cluster.runUntilQuiet();
    let bad = 'no error';
    try {
      cluster.fault('partition 0,1 | 2');
    } catch (e) {
      bad = e.message;
    }
    const out = { trace: cluster.traceJsonLines(), down: cluster.downNodes(), bad, log: cluster.script() };
    out.canonical = cluster.fault(' cut n0-1 ');
    out.links = cluster.links();
    out.scenario = JSON.parse(cluster.scenario());
    cluster.dispose();
    return out;
  }, [EXAMPLE_CONFIG, FAULTS]);
  assert.equal(run.trace, FAULTS_GOLDEN);
  assert.deepEqual(run.down, []);
  assert.match(run.bad, /node 3 is in no group/);
  assert.ok(run.log.includes('5000.000 crash 2\n'), run.log);
  assert.equal(run.canonical, 'cut 0-1');
  assert.deepEqual(run.links.map((l) => [l.from, l.to, l.state]), [[0, 1, 'drop'], [1, 0, 'drop']]);
  assert.equal(run.scenario.version, 1);
  assert.equal(run.scenario.script.at(-1).endsWith(' cut 0-1'), true);
});

test('benchStandard runs the benchmark workload and reports its figures', async () => {
  const figures = await page.evaluate(() => window.kv.benchStandard(2000));
  assert.equal(figures.operations, 2000);
  assert.ok(figures.events > 2000, `events: ${figures.events}`);
  assert.ok(figures.seconds > 0 && figures.events_per_second > 0);
});
