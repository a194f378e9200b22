// The wasm package the page loads (www/pkg), called from JavaScript in headless Chromium: the
// facade's loop driven from JS (KvScheduler pops a task, its KvNode handles it, the scheduler
// absorbs the outputs) gives the native golden traces byte for byte, bad input throws JS errors
// and leaves the module working, exports return plain objects, and the page's own session and
// driver (www/js/session.js, driver.js) apply faults as kvsim does.

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
    // A kvsim script run by the facade alone, the loop of the page's driver (www/js/driver.js):
    // every line scheduled with scheduleTimedLine, then pop / handle / absorb until nothing is left
    // but background anti-entropy.
    window.runScript = (config, seed, script) => {
      const scheduler = new module.KvScheduler(config, seed);
      const nodes = JSON.parse(config).addresses.map((_, i) => new module.KvNode(config, i));
      for (const node of nodes) scheduler.absorb(node.start(0));
      const errors = [];
      script.split('\n').forEach((raw, i) => {
        const line = raw.split('#')[0].trim();
        if (!line) return;
        try {
          scheduler.scheduleTimedLine(line);
        } catch (e) {
          errors.push(`line ${i + 1}: ${e.message}`);
        }
      });
      while (!scheduler.isQuiet) {
        const task = scheduler.pop();
        if (task === undefined) break;
        scheduler.absorb(nodes[task.node].handle(task));
      }
      const run = {
        trace: scheduler.traceJsonLines(),
        hash: scheduler.traceHash(),
        processed: scheduler.processed,
        results: scheduler.takeResults(),
        errors,
      };
      for (const node of nodes) node.free();
      scheduler.free();
      return run;
    };
  });
});
after(async () => {
  await browser?.close();
  server?.close();
  assert.deepEqual(errors, [], 'no console errors');
});

test('the facade driven from JS gives the native golden trace byte for byte, the same on every run', async () => {
  const run = await page.evaluate(([config, script]) => window.runScript(config, 42, script), [EXAMPLE_CONFIG, SCRIPT]);
  assert.equal(run.trace, GOLDEN);
  assert.deepEqual(run.errors, []);
  assert.ok(run.results.some((r) => r.text.includes('Get return: hello')));
  assert.ok(run.results.some((r) => r.fields.result === 'repair'));
  // Deterministic: the same config, seed and script give the same trace again.
  const again = await page.evaluate(([config, script]) => window.runScript(config, 42, script), [EXAMPLE_CONFIG, SCRIPT]);
  assert.equal(again.trace, run.trace);
  assert.equal(again.hash, run.hash);
  assert.equal(again.processed, run.processed);
});

test('with hinted handoff and anti-entropy on, the facade driven from JS gives the native kvsim trace', async () => {
  const config = JSON.stringify({ ...JSON.parse(EXAMPLE_CONFIG), hinted_handoff: true, anti_entropy_period_s: 1.5 });
  const file = join(mkdtempSync(join(tmpdir(), 'kv-ae-')), 'config.json');
  writeFileSync(file, config);
  const script = join(ROOT, 'examples/read-repair.kvs');
  const output = execFileSync(ensureKvsim(), ['run', '--config', file, '--script', script, '--seed', '42', '--json', '--trace'], {
    encoding: 'utf8',
  });
  // Trace events have a `kind`; result lines do not.
  const native = output.split('\n').filter((line) => line && JSON.parse(line).kind !== undefined);
  const run = await page.evaluate(([c, s]) => window.runScript(c, 42, s), [config, SCRIPT]);
  assert.equal(run.trace, native.join('\n') + '\n');
  assert.ok(native.some((line) => line.includes('"msg":"ae_entries"')), 'anti-entropy exchanged entries');
});

test('bad input to the exports throws a JS error with a message, and the module keeps working', async () => {
  const outcomes = await page.evaluate((config) => {
    const { KvScheduler, KvNode, benchStandard } = window.kv;
    const attempt = (f) => {
      try {
        f();
        return 'no error';
      } catch (e) {
        return e instanceof Error && e.message ? 'error' : `odd throw: ${e}`;
      }
    };
    // A task handed to a node it is not for.
    const misrouted = () => {
      const scheduler = new KvScheduler(config, 1);
      scheduler.scheduleTimedLine('0 0 get 5 ONE');
      new KvNode(config, 1).handle(scheduler.pop());
    };
    return {
      notJson: attempt(() => new KvScheduler('{', 42)),
      negativeSeed: attempt(() => new KvScheduler(config, -1)),
      nanSeed: attempt(() => new KvScheduler(config, NaN)),
      badTimedLine: attempt(() => new KvScheduler(config, 1).scheduleTimedLine('soon 0 get 5 ONE')),
      badLine: attempt(() => new KvScheduler(config, 1).scheduleLine(0, 'explode 2')),
      misrouted: attempt(misrouted),
      zeroOps: attempt(() => benchStandard(0)),
      badNode: attempt(() => new KvNode(config, 9)),
      nanTime: attempt(() => new KvScheduler(config, 1).scheduleCommand(NaN, 0, 'get 5 ONE')),
    };
  }, EXAMPLE_CONFIG);
  for (const [what, outcome] of Object.entries(outcomes)) assert.equal(outcome, 'error', what);
  const checked = await page.evaluate(() => window.kv.validateConfig('{"addresses": ["a"], "avg_delays": [[-1]]}'));
  assert.deepEqual(
    { ok: checked.ok, field: checked.field },
    { ok: false, field: 'avg_delays[0][0]' },
  );
  assert.match(checked.message, /-1 is not a delay/);
  const again = await page.evaluate(([config, script]) => window.runScript(config, 42, script).trace, [EXAMPLE_CONFIG, SCRIPT]);
  assert.equal(again, GOLDEN);
  assert.deepEqual(await page.evaluate((config) => Array.from(window.kv.replicasOf(config, '5')), EXAMPLE_CONFIG), [0, 1, 2]);
});

test("faults through the page's session and driver give the native golden trace; faults() is the core's report", async () => {
  const run = await page.evaluate(async ([config, script]) => {
    const { Session } = await import('/js/session.js');
    const session = new Session();
    const lines = script.split('\n').map((l) => l.split('#')[0].trim()).filter((l) => l);
    session.load({ config, seed: 42, script: lines }); // runs until quiet, shows the end, paused
    let bad = 'no error';
    try {
      session.fault('partition 0,1 | 2');
    } catch (e) {
      bad = e.message;
    }
    const out = { trace: session.driver.traceJsonLines(), faults: session.driver.faults(), bad, log: session.script() };
    out.canonical = session.fault(' cut n0-1 ');
    out.links = session.driver.faults().links;
    out.scenario = JSON.parse(session.scenario());
    // 55 s: after `skew 1 -5000`, before `skew 1 0`. The report follows the moment shown.
    session.travel({ time: 55_000_000 });
    out.skewsAt55 = session.driver.faults().clock_skew_us;
    return out;
  }, [EXAMPLE_CONFIG, FAULTS]);
  assert.equal(run.trace, FAULTS_GOLDEN);
  assert.deepEqual(run.faults, { down: [], links: [], clock_skew_us: [0, 0, 0, 0], hinted_handoff: false, anti_entropy_period_us: null });
  assert.match(run.bad, /node 3 is in no group/);
  assert.ok(run.log.includes('5000.000 crash 2\n'), run.log);
  assert.equal(run.canonical, 'cut 0-1');
  assert.deepEqual(run.links.map((l) => [l.from, l.to, l.state]), [[0, 1, 'drop'], [1, 0, 'drop']]);
  assert.equal(run.scenario.version, 1);
  assert.equal(run.scenario.script.at(-1).endsWith(' cut 0-1'), true);
  assert.deepEqual(run.skewsAt55, [0, -5_000_000, 0, 0]);
});

test('benchStandard runs the benchmark workload and reports its figures', async () => {
  const figures = await page.evaluate(() => window.kv.benchStandard(2000));
  assert.equal(figures.operations, 2000);
  assert.ok(figures.events > 2000, `events: ${figures.events}`);
  assert.ok(figures.seconds > 0 && figures.events_per_second > 0);
});
