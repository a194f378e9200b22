// The page's own loop in headless Chromium: the driver as served (dist/js/driver.js: the
// KvScheduler pops a task, its KvNode handles it, the scheduler absorbs the outputs), fed script
// lines as the page loads a scenario, gives the native golden traces byte for byte, and the page's
// session applies faults as kvsim does. Of the raw wasm package (www/pkg), what the driver does
// not show: bad input throws JS errors with messages and leaves the module working, exports return
// plain objects, and benchStandard (the benchmark's package) reports its figures.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, EXAMPLE_CONFIG, startServer, openFacade, scriptLines, ensureKvsim } from './helpers.mjs';

const read = (relative) => readFileSync(join(ROOT, relative), 'utf8');
const SCRIPT = read('examples/read-repair.kvs');
const GOLDEN = read('tests/golden/read-repair.trace.jsonl');
const FAULTS = read('examples/faults.kvs');
const FAULTS_GOLDEN = read('tests/golden/faults.trace.jsonl');
const PARTITION = read('examples/partition.scenario.json');
const PARTITION_GOLDEN = read('tests/golden/partition.trace.jsonl');

let server, browser, page, errors;
before(async () => {
  server = await startServer({ needPage: false });
  ({ browser, page, errors } = await openFacade(server, async () => {
    const { loadWasm, loadExports } = await import('/js/wasm.js');
    await loadWasm();
    window.kv = await import('/pkg/kvplayground.js');
    window.kvExports = await loadExports(); // the package made on demand: scenario files
    window.kvBench = await import('/pkg-bench/kvbench.js'); // benchStandard, in a package of its own
    await window.kvBench.default();
  }));
});
after(async () => {
  await browser?.close();
  server?.close();
  assert.deepEqual(errors ?? [], [], 'no console errors');
});

/**
 * Runs timed script lines on the page's own Driver (/js/driver.js as served) the way the page
 * loads a scenario (Session.load): the config checked by checkConfig, every line through
 * scheduleTimed, then runUntilQuiet. Resolves {trace (JSON lines), hash, steps, results, lines
 * (as the core canonicalised them)}; the driver's wasm objects are freed.
 */
function runOnPageDriver(config, seed, lines) {
  return page.evaluate(
    async ([config, seed, lines]) => {
      const { checkConfig } = await import('/js/wasm.js');
      const { Driver } = await import('/js/driver.js');
      const driver = new Driver(checkConfig(config), seed);
      try {
        const scheduled = lines.map((line) => driver.scheduleTimed(line).line);
        driver.runUntilQuiet();
        const { results } = driver.drain();
        return { trace: driver.traceJsonLines(), hash: driver.traceHash(), steps: driver.steps, results, lines: scheduled };
      } finally {
        driver.dispose();
      }
    },
    [config, seed, lines],
  );
}

test("the page's driver gives the native golden traces byte for byte, the same on every run", async () => {
  const run = await runOnPageDriver(EXAMPLE_CONFIG, 42, scriptLines(SCRIPT));
  assert.equal(run.trace, GOLDEN, 'read-repair');
  assert.equal(run.lines.length, scriptLines(SCRIPT).length);
  assert.ok(run.results.some((r) => r.text.includes('Get return: hello')));
  assert.ok(run.results.some((r) => r.fields.result === 'repair'));
  assert.ok(run.results.every((r) => Number.isInteger(r.step) && r.step > 0 && r.step <= run.steps), 'each result has its step');
  // Deterministic: the same config, seed and script give the same trace again.
  const again = await runOnPageDriver(EXAMPLE_CONFIG, 42, scriptLines(SCRIPT));
  assert.equal(again.trace, run.trace);
  assert.equal(again.hash, run.hash);
  assert.equal(again.steps, run.steps);

  // Every kind of fault, through the same loop.
  assert.equal((await runOnPageDriver(EXAMPLE_CONFIG, 42, scriptLines(FAULTS))).trace, FAULTS_GOLDEN, 'faults');

  // The partition scenario, read as the page reads a scenario file (parseScenario, share.js).
  const scenario = await page.evaluate((json) => window.kvExports.parseScenario(json), PARTITION);
  assert.equal(scenario.timeMs, undefined, 'the scenario runs until quiet, as kvsim runs it');
  const partition = await runOnPageDriver(scenario.config, scenario.seed, scenario.script);
  assert.equal(partition.trace, PARTITION_GOLDEN, 'partition');
});

test("with hinted handoff and anti-entropy on, the page's driver gives the native kvsim trace", async () => {
  const config = JSON.stringify({ ...JSON.parse(EXAMPLE_CONFIG), hinted_handoff: true, anti_entropy_period_s: 1.5 });
  const file = join(mkdtempSync(join(tmpdir(), 'kv-ae-')), 'config.json');
  writeFileSync(file, config);
  const script = join(ROOT, 'examples/read-repair.kvs');
  const output = execFileSync(ensureKvsim(), ['run', '--config', file, '--script', script, '--seed', '42', '--json', '--trace'], {
    encoding: 'utf8',
  });
  // Trace events have a `kind`; result lines do not.
  const native = output.split('\n').filter((line) => line && JSON.parse(line).kind !== undefined);
  const run = await runOnPageDriver(config, 42, scriptLines(SCRIPT));
  assert.equal(run.trace, native.join('\n') + '\n');
  assert.ok(native.some((line) => line.includes('"msg":"ae_entries"')), 'anti-entropy exchanged entries');
});

test('bad input to the exports throws a JS error with a message, and the module keeps working', async () => {
  const outcomes = await page.evaluate((config) => {
    const { KvScheduler, KvNode } = window.kv;
    const { benchStandard } = window.kvBench;
    const made = []; // every wasm object created here, freed at the end
    const keep = (object) => {
      made.push(object);
      return object;
    };
    const attempt = (f) => {
      try {
        f();
        return 'no error';
      } catch (e) {
        return e instanceof Error && e.message ? 'error' : `odd throw: ${e}`;
      }
    };
    // A task handed to a node it is not for (handle takes the task: it needs no free).
    const misrouted = () => {
      const scheduler = keep(new KvScheduler(config, 1));
      scheduler.scheduleTimedLine('0 0 get 5 ONE');
      keep(new KvNode(config, 1)).handle(scheduler.pop());
    };
    try {
      return {
        notJson: attempt(() => keep(new KvScheduler('{', 42))),
        negativeSeed: attempt(() => keep(new KvScheduler(config, -1))),
        nanSeed: attempt(() => keep(new KvScheduler(config, NaN))),
        badTimedLine: attempt(() => keep(new KvScheduler(config, 1)).scheduleTimedLine('soon 0 get 5 ONE')),
        badLine: attempt(() => keep(new KvScheduler(config, 1)).scheduleLine(0, 'explode 2')),
        misrouted: attempt(misrouted),
        zeroOps: attempt(() => benchStandard(0)),
        badNode: attempt(() => keep(new KvNode(config, 9))),
        nanTime: attempt(() => keep(new KvScheduler(config, 1)).scheduleCommand(NaN, 0, 'get 5 ONE')),
        densityArraySize: attempt(() => keep(new KvScheduler(config, 1)).densityInto(0, 1e6, 10, new Uint32Array(7))),
        densityNaN: attempt(() => keep(new KvScheduler(config, 1)).messagesBetween(NaN, 1e6)),
        eventsBackwards: attempt(() => keep(new KvScheduler(config, 1)).eventsBetween(5e6, 1e6, 10)),
      };
    } finally {
      for (const object of made) object.free();
    }
  }, EXAMPLE_CONFIG);
  for (const [what, outcome] of Object.entries(outcomes)) assert.equal(outcome, 'error', what);
  const checked = await page.evaluate(() => window.kv.validateConfig('{"addresses": ["a"], "avg_delays": [[-1]]}'));
  assert.deepEqual(
    { ok: checked.ok, field: checked.field },
    { ok: false, field: 'avg_delays[0][0]' },
  );
  assert.match(checked.message, /-1 is not a delay/);
  assert.equal((await runOnPageDriver(EXAMPLE_CONFIG, 42, scriptLines(SCRIPT))).trace, GOLDEN, 'the module still works');
  assert.deepEqual(await page.evaluate((config) => Array.from(window.kv.replicasOf(config, '5')), EXAMPLE_CONFIG), [0, 1, 2]);
});

test('the exports return plain objects and arrays, never wasm handles', async () => {
  const values = await page.evaluate(
    async ([config, partition]) => {
      const { checkConfig } = await import('/js/wasm.js');
      const { Driver } = await import('/js/driver.js');
      const { validateConfig } = window.kv;
      const { parseScenario } = window.kvExports;
      const { benchStandard } = window.kvBench;
      // Plain: JSON-like all the way down (what crosses to the views and to window.playground).
      const plain = (v) =>
        v === null ||
        ['string', 'number', 'boolean', 'undefined'].includes(typeof v) ||
        (Array.isArray(v) ? v.every(plain) : Object.getPrototypeOf(v) === Object.prototype && Object.values(v).every(plain));
      const driver = new Driver(checkConfig(config), 42);
      try {
        driver.scheduleTimed('0 0 insert 5 hello ALL');
        driver.scheduleTimed('0 crash 3');
        driver.runUntil(0); // the insert's messages are on their way
        const inFlight = driver.inFlight();
        driver.runUntilQuiet();
        const values = {
          validConfig: validateConfig(config),
          badConfig: validateConfig('{"addresses": []}'),
          scenario: parseScenario(partition),
          inFlight,
          faults: driver.faults(),
          store: driver.store(0),
          resultFields: driver.drain().results.map((r) => r.fields),
          bench: benchStandard(100),
        };
        return Object.fromEntries(Object.entries(values).map(([name, v]) => [name, { plain: plain(v), empty: Array.isArray(v) && !v.length }]));
      } finally {
        driver.dispose();
      }
    },
    [EXAMPLE_CONFIG, PARTITION],
  );
  for (const [name, { plain, empty }] of Object.entries(values)) {
    assert.ok(plain, `${name} is plain`);
    assert.ok(!empty, `${name} is not empty`);
  }
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
    out.scenario = JSON.parse(await session.scenario());
    // 55 s: after `skew 1 -5000`, before `skew 1 0`. The report follows the moment shown.
    session.travel({ time: 55_000_000 });
    out.skewsAt55 = session.driver.faults().clock_skew_us;
    // The session's wasm objects (it has no dispose of its own): checkpoints, driver, pacer.
    session.history.dispose();
    session.driver.dispose();
    session.clock.pacer.free();
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
  const figures = await page.evaluate(() => window.kvBench.benchStandard(2000));
  assert.equal(figures.operations, 2000);
  assert.ok(figures.events > 2000, `events: ${figures.events}`);
  assert.ok(figures.seconds > 0 && figures.events_per_second > 0);
});
