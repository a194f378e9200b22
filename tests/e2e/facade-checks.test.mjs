// The wasm facade's live checks and checker in headless Chromium, raw: the page's driver (live
// checks on) gives kvsim's trace and hash without `--check` while handing out the anomaly events,
// and its anomalies, history (EDN and operations) and divergent keys agree with kvsim; the
// checker's own package (www/pkg-check) checks in steps to kvsim check's report, reads histories,
// and turns bad input into errors that name the problem.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, EXAMPLE_CONFIG, startServer, openFacade, scriptLines, ensureKvsim } from './helpers.mjs';

const read = (relative) => readFileSync(join(ROOT, relative), 'utf8');
const SCRIPT = read('examples/read-repair.kvs');
const GOLDEN = read('tests/golden/read-repair.trace.jsonl');
/** Runs kvsim with `args`; returns its output (also when it exits 1 or 3 with a verdict). */
function kvsim(args) {
  try {
    return execFileSync(ensureKvsim(), args, { encoding: 'utf8' });
  } catch (e) {
    if (e.status === 1 || e.status === 3) return e.stdout;
    throw e;
  }
}

let server, browser, page, errors;
before(async () => {
  server = await startServer({ needPage: false });
  ({ browser, page, errors } = await openFacade(server, async () => {
    const { loadWasm, loadChecker } = await import('/js/wasm.js');
    await loadWasm();
    window.checker = await loadChecker();
  }));
});
after(async () => {
  await browser?.close();
  server?.close();
  assert.deepEqual(errors ?? [], [], 'no console errors');
});

test("with live checks on, the driver's exports are kvsim's without --check; anomalies, history and divergent keys agree with kvsim", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kv-facade-'));
  try {
    const script = join(dir, 'read-repair.kvs');
    const history = join(dir, 'history.edn');
    writeFileSync(script, SCRIPT);
    const base = ['run', '--config', join(ROOT, 'examples/config.json'), '--seed', '42', '--script', script];
    const plainHash = /trace hash: (\w+)/.exec(kvsim([...base, '--hash']))[1];
    const checked = kvsim([...base, '--hash', '--check', '--history', history]);
    const checkedHash = /trace hash: (\w+)/.exec(checked)[1];
    assert.notEqual(checkedHash, plainHash, "kvsim's --check adds the anomaly event to the trace and its hash");

    const run = await page.evaluate(
      async ([config, lines]) => {
        const { checkConfig, loadExports } = await import('/js/wasm.js');
        const { divergentOf } = await loadExports();
        const { Driver } = await import('/js/driver.js');
        const driver = new Driver(checkConfig(config), 42);
        try {
          for (const line of lines) driver.scheduleTimed(line);
          driver.runUntilQuiet();
          const misfit = (() => {
            try {
              divergentOf([driver.nodes[0].store()], 3);
              return 'no error';
            } catch (e) {
              return e.message;
            }
          })();
          return {
            trace: driver.traceJsonLines(),
            hash: driver.traceHash(),
            drained: driver.drain().trace.filter((e) => e.kind === 'anomaly'),
            count: driver.anomalyCount,
            anomalies: driver.anomalies(),
            later: driver.anomalies(1),
            edn: driver.historyEdn(),
            ops: driver.historyOps(),
            divergent: await driver.divergent(),
            misfit,
          };
        } finally {
          driver.dispose();
        }
      },
      [EXAMPLE_CONFIG, scriptLines(SCRIPT)],
    );
    assert.equal(run.trace, GOLDEN, 'the exported trace is the golden one, without the anomaly event');
    assert.equal(run.hash, plainHash);
    assert.equal(run.drained.length, 1, 'the views get the anomaly event');
    assert.match(run.drained[0].text, /^stale read: get 5 at ONE on n3 returned hello/);
    assert.equal(run.count, 1);
    assert.deepEqual(run.later, []);
    const [anomaly] = run.anomalies;
    assert.deepEqual(
      { kind: anomaly.kind, name: anomaly.name, process: anomaly.process, key: anomaly.key },
      { kind: 'stale_read', name: 'stale read', process: 3, key: '5' },
    );
    assert.ok(checked.includes(anomaly.explanation), 'kvsim run --check explains it in the same words');
    assert.equal(run.edn, readFileSync(history, 'utf8'), 'historyEdn is what kvsim run --history writes');
    const lines = run.edn.split('\n');
    for (const op of run.ops) {
      assert.ok(lines[op.line - 1].startsWith(`{:process ${op.process}, :type :invoke, :f :${op.f}, :key "${op.key}"`), `line ${op.line}`);
    }
    assert.deepEqual(run.ops.map((op) => [op.f, op.outcome, op.value]), [
      ['insert', 'ok', 'hello'],
      ['update', 'ok', 'world'],
      ['get', 'ok', 'hello'],
      ['get', 'ok', 'world'],
    ]);
    assert.deepEqual(run.divergent, [], 'read repair left every key converged');
    assert.match(run.misfit, /replication factor 3 must be from 1 to the 1 nodes whose stores are given/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the checker's package checks key by key to kvsim check's report, reads histories, and names what is wrong", async () => {
  const path = join(ROOT, 'tests/histories/porcupine-kv-c01-bad.edn');
  const edn = readFileSync(path, 'utf8');
  const expected = JSON.parse(kvsim(['check', '--model', 'kv', '--history', path, '--json']));
  const result = await page.evaluate((text) => {
    const { KvChecker, readHistory } = window.checker;
    const checker = new KvChecker(text, 'kv', undefined);
    const steps = [];
    while (!checker.finished) steps.push(checker.checkNext());
    const after = checker.checkNext();
    const fields = { total: checker.total, operations: checker.operations };
    const attempt = (f) => {
      try {
        f();
        return 'no error';
      } catch (e) {
        return e.message;
      }
    };
    return {
      steps,
      after: after === undefined ? 'undefined' : after,
      fields,
      report: checker.report(),
      ops: readHistory(text),
      errors: {
        model: attempt(() => new KvChecker(text, 'queue')),
        zeroSteps: attempt(() => new KvChecker(text, 'kv', 0)),
        fraction: attempt(() => new KvChecker(text, 'kv', 1.5)),
        unreadable: attempt(() => new KvChecker('{:process 0, :type :invoke, :f :get}\n{:process', 'kv')),
        wrongModel: attempt(() => new KvChecker(text, 'cas-register')),
        history: attempt(() => readHistory('[{:process 0, :type :ok, :f :read, :value 1}]')),
      },
    };
  }, edn);
  assert.deepEqual(result.report, expected, "the report is kvsim check's");
  const n = expected.keys.length;
  assert.equal(result.fields.total, 4 * n, 'three rounds and the last pass over every key');
  assert.equal(result.fields.operations, expected.operations);
  // The first round finds a key not linearizable: at its end the other rounds count as done,
  // skipped, and the last pass follows.
  const steps = (from, count) => Array.from({ length: count }, (_, i) => from + i);
  assert.deepEqual(result.steps.map((s) => s.done), [...steps(1, n - 1), ...steps(3 * n, n + 1)]);
  const keys = expected.keys.map((k) => k.key);
  assert.deepEqual(result.steps.map((s) => s.key), [...keys, ...keys], 'keys in order: the first round, then the last pass');
  assert.equal(result.steps[0].label, `key ${keys[0]}`);
  assert.equal(result.after, 'undefined');
  assert.equal(result.ops.length, expected.operations);
  assert.deepEqual(result.ops[0], {
    process: 0,
    f: 'append',
    outcome: 'ok',
    key: '"0"',
    value: '"x 0 0 y"',
    call: 0,
    ret: 1,
    invoked: null,
    completed: null,
    line: 1,
    completion_line: 2,
  });
  assert.match(result.errors.model, /there is no model `queue`: use kv, cas-register, store/);
  assert.match(result.errors.zeroSteps, /search steps 0 must be a whole number from 1/);
  assert.match(result.errors.fraction, /search steps 1.5 must be a whole number from 1/);
  assert.match(result.errors.unreadable, /^line 2: /);
  assert.match(result.errors.wrongModel, /^line 1: `:f :append` is not an operation of the cas-register model/);
  assert.match(result.errors.history, /^line 1: this :ok completes no op/);
});
