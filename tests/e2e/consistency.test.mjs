// The Anomalies and History cards, used as a person would: a stale read at ONE found during a run
// and shown by clicking it; EDN histories dropped or picked and checked for linearizability in
// the worker, their verdicts as `kvsim check` gives them and marked on the history view; a long
// check cancelled while the page stays responsive; bad EDN; hostile keys and values. Screenshots
// of both cards go to target/anomalies-panel.png and target/history-view.png.
//
// Run: node --test tests/e2e/consistency.test.mjs (after scripts/build-wasm.sh and build-site.sh).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ROOT,
  sharedPlayground,
  eventually,
  typeCommand,
  textOf,
  waitForText,
  dropFile,
  nextFrames,
  ensurePlaying,
  ensureKvsim,
  showCard,
  scaleConfig,
} from './helpers.mjs';
import { storeHistory, explodingHistory } from './histories.mjs';

const SLOW = { timeout: 180_000 };
const onPage = sharedPlayground();
const fixture = (name) => join(ROOT, 'tests/histories', name);

/** Applies a fault line from the faults card, as a person types it. */
async function applyFault(page, line) {
  const field = page.getByTestId('fault-line');
  await field.fill('');
  await field.pressSequentially(line);
  await page.getByTestId('fault-line-apply').click();
  await waitForText(page, 'event-log', line); // the fault event is logged
}

/** The count shown for anomaly kind `kind` (`stale_read`...). */
async function countOf(page, kind) {
  return page.locator(`[data-testid="anomaly-counts"] [data-kind="${kind}"] .anomaly-count`).innerText();
}

/** `kvsim check --json` on an EDN file. */
function kvsimCheck(path, model) {
  try {
    return JSON.parse(execFileSync(ensureKvsim(), ['check', '--model', model, '--history', path, '--json'], { encoding: 'utf8' }));
  } catch (e) {
    if (e.status === 1) return JSON.parse(e.stdout); // not linearizable: exit 1, the report printed
    throw e;
  }
}

/** Clicks Check linearizability and waits for the verdict; returns its text. */
async function checkAndWait(page) {
  await page.getByTestId('history-check').click();
  await eventually(() => page.getByTestId('history-verdict').isVisible(), { message: 'the verdict' });
  return textOf(page, 'history-verdict');
}

test('a stale read at ONE shows in the Anomalies card; clicking it travels to its moment and lights up its messages', SLOW, () =>
  onPage(async ({ page }) => {
    const loaded = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
    assert.ok(!loaded.some((url) => url.includes('pkg-check') || url.includes('check-worker')), `the first load fetches no checker: ${loaded.join(', ')}`);
    await showCard(page, 'anomalies-panel'); // it loads when first seen
    assert.ok(await page.getByTestId('anomaly-empty').isVisible(), 'the note shows while nothing was found');
    await ensurePlaying(page);
    await page.evaluate(() => window.playground.setSpeed(20));
    await typeCommand(page, 0, 'insert 5 hello ALL');
    await waitForText(page, 'console-output-0', 'insert successful');
    await applyFault(page, 'hold 0>2'); // n2 misses the update
    await typeCommand(page, 0, 'update 5 world QUORUM');
    await waitForText(page, 'console-output-0', 'update successful');
    await applyFault(page, 'cut 3>0'); // n3's read can only reach the stale n2
    await applyFault(page, 'cut 3>1');
    await typeCommand(page, 3, 'get 5 ONE');
    await waitForText(page, 'console-output-3', 'Get return: hello');
    await typeCommand(page, 1, 'insert 6 later ONE'); // something happens after the stale read
    await waitForText(page, 'console-output-1', 'insert successful');

    await eventually(async () => (await countOf(page, 'stale_read')) === '1', { message: 'one stale read counted' });
    for (const kind of ['read_your_writes', 'monotonic_reads', 'lost_write', 'resurrection', 'phantom_value']) {
      assert.equal(await countOf(page, kind), '0', kind);
    }
    assert.ok(!(await page.getByTestId('anomaly-empty').isVisible()));
    const [anomaly] = await page.evaluate(() => window.playground.anomalies());
    assert.equal(anomaly.kind, 'stale_read');
    assert.equal(anomaly.process, 3);
    assert.equal(anomaly.key, '5');
    const item = page.locator('[data-testid="anomaly-list"] .anomaly-item');
    assert.equal(await item.count(), 1);
    const text = await item.innerText();
    for (const part of ['stale read', 'n3 · key 5', 'get 5 at ONE on n3 returned hello', 'update 5=world at QUORUM on n0', 'ONE + QUORUM = 3 <= RF 3']) {
      assert.ok(text.includes(part), `"${part}" in: ${text}`);
    }

    // The event log has it too, as an anomaly event.
    await page.getByTestId('log-filter-kind').selectOption('event:anomaly');
    await waitForText(page, 'event-log', 'n3 anomaly key 5  stale read: get 5 at ONE on n3 returned hello');
    await page.getByTestId('log-filter-kind').selectOption('');

    await page.evaluate(() => window.playground.pause());
    await item.click();
    const timeline = await page.evaluate(() => window.playground.timeline());
    assert.equal(timeline.live, false, 'travelled into the past');
    assert.equal(timeline.now, anomaly.time, "at the moment the get completed");
    assert.ok(await page.getByTestId('timeline-bar').evaluate((bar) => bar.classList.contains('in-past')));
    await nextFrames(page);
    const drawn = await page.evaluate(() => window.playground.spacetime());
    assert.deepEqual(drawn.glow, { [anomaly.request]: 'main', [anomaly.earlier]: 'earlier' }, 'the get and the update it missed are lit');
    assert.equal(drawn.follow, false);
    for (const request of [anomaly.request, anomaly.earlier]) {
      assert.ok(await page.evaluate((r) => window.playground.spacetimeArrow({ request: r }), request), `request ${request}'s messages are in view`);
    }
    const ms = Math.floor(anomaly.time / 1000); // the page shows times truncated to the millisecond
    assert.ok((await textOf(page, 'spacetime-details')).includes(`stale read at ${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')} s`));
    assert.equal(await page.locator('[data-testid="anomaly-list"] .anomaly-item').getAttribute('aria-current'), 'true', 'the chosen one stays marked');
    await page.getByTestId('anomalies-panel').screenshot({ path: join(ROOT, 'target/anomalies-panel.png') });
    await page.locator('.spacetime-card').screenshot({ path: join(ROOT, 'target/anomaly-spacetime.png') });

    // One event back, the get has not completed: the anomaly is not found yet. Live finds it again.
    await page.getByTestId('step-back').click();
    await eventually(async () => (await countOf(page, 'stale_read')) === '0', { message: 'no anomaly before the get completed' });
    assert.equal(await page.locator('[data-testid="anomaly-list"] .anomaly-item').count(), 0);
    await page.getByTestId('timeline-live').click();
    await eventually(async () => (await countOf(page, 'stale_read')) === '1', { message: 'the anomaly again, live' });

    // Quiet: n2 still holds hello, and the card says so.
    await page.getByTestId('run-until-quiet').click();
    await waitForText(page, 'anomaly-divergent', 'Not converged');
    const divergent = await textOf(page, 'anomaly-divergent');
    assert.ok(divergent.includes('key 5') && divergent.includes('n2: hello'), divergent);

    // The trace hash leaves the checks' anomaly events out: it is kvsim's without --check.
    const dir = mkdtempSync(join(tmpdir(), 'kv-anomaly-'));
    try {
      const path = join(dir, 'scenario.json');
      writeFileSync(path, await page.evaluate(() => window.playground.scenario()));
      const hash = await page.evaluate(() => window.playground.traceHash());
      const plain = execFileSync(ensureKvsim(), ['run', '--scenario', path, '--hash'], { encoding: 'utf8' });
      assert.ok(plain.includes(`trace hash: ${hash}`), `kvsim run prints the page's hash ${hash}:\n${plain.slice(-200)}`);
      let checked = '';
      try {
        execFileSync(ensureKvsim(), ['run', '--scenario', path, '--hash', '--check'], { encoding: 'utf8' });
      } catch (e) {
        checked = e.stdout; // exit status 3: an anomaly was found
      }
      assert.ok(checked.includes('check: 1 anomaly (1 stale read)'), checked.slice(-300));
      assert.ok(!checked.includes(`trace hash: ${hash}`), 'with --check the anomaly events are in the trace and its hash');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }),
);

test('an anomaly chosen mid-run zooms the diagram onto the moment shown, not onto the blank future of messages still in flight', SLOW, () =>
  onPage(async ({ page }) => {
    await page.evaluate(async (config) => {
      await window.playground.loadConfig(config, { seed: 1 });
      await window.playground.runWorkload('ops=300 rate=5000 keys=500 level=ONE', { fastForward: true });
    }, scaleConfig(16));
    await page.getByTestId('anomalies-panel').scrollIntoViewIfNeeded();
    const item = page.locator('[data-testid="anomaly-list"] .anomaly-item').first();
    await item.click();
    // The diagram's view may still be loading: it zooms once made.
    const zoomed = async () => {
      const { now } = await page.evaluate(() => window.playground.timeline());
      const { window: shown, follow } = await page.evaluate(() => window.playground.spacetime());
      return { now, shown, follow };
    };
    await eventually(async () => (await zoomed()).follow === false, { message: 'the diagram zoomed onto the anomaly' });
    await nextFrames(page);
    const { now, shown } = await zoomed();
    assert.ok(shown.to - now <= 0.16 * (shown.to - shown.from), `the window ${JSON.stringify(shown)} ends near the moment shown, ${now}`);
  }),
);

test('the run history and EDN files show in the History card; checks give kvsim check verdicts, marked on the view', SLOW, () =>
  onPage(async ({ page }) => {
    // The page's own run, at the moment shown.
    await showCard(page, 'history-panel'); // it loads when first seen
    await page.evaluate(() => window.playground.demo());
    await page.evaluate(() => window.playground.pause());
    await eventually(async () => (await page.locator('[data-testid="history-view"] .history-op').count()) === 3, { message: 'three operations drawn' });
    const labels = await page.locator('[data-testid="history-view"] .history-op').allInnerTexts();
    assert.deepEqual(labels.map((l) => l.trim()).sort(), ['get 5 hello', 'insert 5 hello', 'update 5 world']);
    assert.ok((await textOf(page, 'history-source')).includes('this run, at the moment shown'));
    assert.equal(await page.getByTestId('history-model').inputValue(), 'store');
    const verdict = await checkAndWait(page);
    assert.ok(verdict.startsWith('NOT LINEARIZABLE'), verdict); // the stale read
    assert.equal(await page.locator('.history-op.blocked').innerText(), 'get 5 hello');

    // A file dropped on the page: the model it suggests, its verdict marked on the view.
    const bad = readFileSync(fixture('porcupine-kv-c01-bad.edn'), 'utf8');
    await dropFile(page, 'history-view', 'porcupine-kv-c01-bad.edn', bad);
    await waitForText(page, 'history-source', 'file porcupine-kv-c01-bad.edn: 38 operations');
    assert.equal(await page.getByTestId('history-model').inputValue(), 'kv');
    assert.ok(!(await page.getByTestId('history-verdict').isVisible()), 'the run\'s verdict is gone');
    assert.ok((await checkAndWait(page)).startsWith('NOT LINEARIZABLE'));
    const expected = kvsimCheck(fixture('porcupine-kv-c01-bad.edn'), 'kv');
    const key = expected.keys.find((k) => k.verdict === 'not-linearizable');
    assert.equal(await page.locator('.history-key[aria-pressed="true"]').innerText(), `key ${key.key} · ${key.operations} operations · NOT linearizable`);
    const lines = (ops) => ops.map((op) => String(op.invoke.line)).sort();
    const marked = async (selector) => (await page.locator(selector).evaluateAll((bars) => bars.map((b) => b.dataset.line))).sort();
    assert.deepEqual(await marked('.history-op.counterexample'), lines(key.counterexample.operations));
    assert.deepEqual(await marked('.history-op.linearized'), lines(key.longest_prefix.operations));
    assert.deepEqual(await marked('.history-op.blocked'), lines([key.longest_prefix.blocked]));
    const order = await page.locator('.history-op.linearized .history-order').allInnerTexts();
    assert.deepEqual(order.map(Number).sort((a, b) => a - b), key.longest_prefix.operations.map((_, i) => i + 1));
    assert.equal(await page.locator('.history-stop').count(), 1, 'the line past which no linearization goes');
    assert.ok((await textOf(page, 'history-verdict')).includes('the longest linearizable prefix'));
    await page.getByTestId('history-panel').screenshot({ path: join(ROOT, 'target/history-view.png') });

    // Picked with the file picker: linearizable.
    await page.getByTestId('history-file').setInputFiles(fixture('porcupine-kv-c01-ok.edn'));
    await waitForText(page, 'history-source', 'file porcupine-kv-c01-ok.edn');
    assert.ok((await checkAndWait(page)).startsWith('LINEARIZABLE'));
    assert.equal(await page.locator('.history-op.counterexample').count(), 0);

    // Through window.playground: the report is kvsim check's, for a Knossos vector and a cas-register.
    for (const [name, model] of [['knossos-bad-analysis.edn', 'cas-register'], ['porcupine-etcd-002.edn', 'cas-register'], ['porcupine-kv-c01-bad.edn', 'kv']]) {
      const text = readFileSync(fixture(name), 'utf8');
      await page.evaluate(([t, n]) => window.playground.loadHistory(t, n), [text, name]);
      assert.equal(await page.getByTestId('history-model').inputValue(), model, `${name}: the model suggested`);
      const report = await page.evaluate((m) => window.playground.checkLinearizability({ model: m }), model);
      assert.deepEqual(report, kvsimCheck(fixture(name), model), `${name}: the page's report is kvsim check's`);
    }

    // Show this run goes back to the page's history, whose EDN is kvsim's format.
    await page.getByTestId('history-show-run').click();
    await waitForText(page, 'history-source', 'this run, at the moment shown');
    const edn = await page.evaluate(() => window.playground.historyEdn());
    assert.match(edn.split('\n')[0], /^\{:process 0, :type :invoke, :f :insert, :key "5", :value "hello", :time \d+, :level :all\}$/);

    // A 10,000-operation history of 10 keys: drawn bunched until zoomed in, checked in the worker.
    await page.evaluate((t) => window.playground.loadHistory(t, 'generated.edn'), storeHistory({ operations: 10_000 }));
    await waitForText(page, 'history-note', 'operations in view are bunched');
    assert.ok((await page.locator('.history-bunch').count()) > 0);
    for (let i = 0; i < 12; i++) await page.getByTestId('history-zoom-in').click();
    await eventually(() => page.getByTestId('history-note').isHidden(), { message: 'each operation drawn once zoomed in' });
    assert.equal(await page.locator('.history-bunch').count(), 0);
    assert.ok((await page.locator('.history-op').count()) < 1500, 'only those in view are drawn');
    const big = await page.evaluate(() => window.playground.checkLinearizability({ model: 'store' }));
    assert.equal(big.verdict, 'linearizable');
    assert.equal(big.operations, 10_000);
  }),
);

test('a long check shows its progress and can be cancelled while the page stays responsive; a budget makes it unknown', SLOW, () =>
  onPage(async ({ page }) => {
    await dropFile(page, 'history-view', 'exploding.edn', explodingHistory(24));
    await waitForText(page, 'history-source', 'file exploding.edn: 25 operations');
    assert.equal(await page.getByTestId('history-model').inputValue(), 'cas-register');
    await page.getByTestId('history-budget').selectOption({ label: 'no bound' });
    await page.getByTestId('history-check').click();
    await waitForText(page, 'history-status', 'step 3 of 4'); // the three rounds are done; the last pass never ends
    assert.ok(await page.getByTestId('history-progress').isVisible());
    assert.equal(await page.getByTestId('history-progress').evaluate((p) => [p.value, p.max].join('/')), '3/4');
    assert.ok(await page.getByTestId('history-check').isDisabled());

    // Meanwhile the page works: a command typed is echoed and answered as the run plays on.
    await ensurePlaying(page);
    await typeCommand(page, 1, 'insert 9 busy ONE');
    await waitForText(page, 'console-output-1', 'insert successful');
    assert.ok((await textOf(page, 'history-status')).includes('step 3 of 4'), 'the check still runs');

    await page.getByTestId('history-cancel').click();
    await waitForText(page, 'history-status', 'Check cancelled.');
    assert.ok(await page.getByTestId('history-cancel').isDisabled());
    assert.ok(await page.getByTestId('history-check').isEnabled());
    assert.ok(!(await page.getByTestId('history-progress').isVisible()));
    assert.ok(!(await page.getByTestId('history-verdict').isVisible()));

    // The API's check rejects when cancelled.
    const cancelled = page.evaluate(() => window.playground.checkLinearizability({ searchSteps: null }).then(() => 'done', (e) => e.message));
    await waitForText(page, 'history-status', 'step 3 of 4');
    await page.evaluate(() => window.playground.cancelCheck());
    assert.equal(await cancelled, 'the check was cancelled');

    // With a budget of 1 M steps per key, the search gives up: unknown.
    await page.getByTestId('history-budget').selectOption({ label: '1 M steps' });
    const verdict = await checkAndWait(page);
    assert.ok(verdict.startsWith('UNKNOWN (SEARCH BUDGET SPENT)'), verdict);
  }),
);

test('a history that does not read shows its error with the line, and changes nothing', SLOW, () =>
  onPage(async ({ page }) => {
    await showCard(page, 'history-panel'); // it loads when first seen
    await waitForText(page, 'history-source', 'this run, at the moment shown');
    const unclosed = '{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value 1}\n{:process 1, :type :invoke, :f :read, :value "unterminated}\n';
    await dropFile(page, 'history-view', 'unclosed.edn', unclosed);
    await waitForText(page, 'history-error', 'line 3: this string is never closed');
    assert.ok((await textOf(page, 'history-source')).startsWith('this run, at the moment shown'), 'still the run');

    const badType = '; a comment first\n{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :nope, :f :read, :value nil}\n';
    await page.getByTestId('history-file').setInputFiles({ name: 'bad-type.edn', mimeType: 'text/plain', buffer: Buffer.from(badType) });
    await waitForText(page, 'history-error', 'line 3: `:type :nope` is not an op type');
    const rejected = await page.evaluate(() => window.playground.loadHistory('{:process x, :type :invoke}').then(() => 'loaded', (e) => e.message));
    assert.match(rejected, /^line 1: `:process` must be an integer/);

    // A history the model cannot take: the check's error names the line.
    await page.evaluate(() => window.playground.loadHistory('{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value 1}\n', 'register.edn'));
    assert.ok(await page.getByTestId('history-error').isHidden(), 'a good file clears the error');
    const error = await page.evaluate(() => window.playground.checkLinearizability({ model: 'kv' }).then(() => 'checked', (e) => e.message));
    assert.match(error, /^line 1: /);
    await waitForText(page, 'history-error', error);
  }),
);

test('hostile keys and values show as text in the anomalies, the history view and the checker errors', SLOW, () =>
  onPage(async ({ page, problems }) => {
    const hostile = '<img/src=x/onerror=alert(1)>';
    await showCard(page, 'anomalies-panel'); // both load when first seen
    await showCard(page, 'history-panel');
    await ensurePlaying(page);
    await page.evaluate(() => window.playground.setSpeed(20));
    // n0's clock 10 minutes behind: its later write is older by version, and last-write-wins loses it.
    await applyFault(page, 'skew 0 -600000');
    await typeCommand(page, 1, `insert ${hostile} first ALL`);
    await waitForText(page, 'console-output-1', 'insert successful');
    await typeCommand(page, 0, `insert ${hostile} <b>second</b> ALL`);
    await waitForText(page, 'console-output-0', 'insert successful');
    await eventually(async () => (await countOf(page, 'lost_write')) === '1', { message: 'the lost write counted' });
    const explanation = await page.locator('[data-testid="anomaly-list"] .anomaly-item').innerText();
    assert.ok(explanation.includes(`key ${hostile}`) && explanation.includes(`insert ${hostile}=<b>second</b> at ALL on n0`), explanation);
    await eventually(async () => (await page.locator('[data-testid="history-view"] .history-op').count()) === 2, { message: 'two operations drawn' });
    const labels = await page.locator('[data-testid="history-view"] .history-op').allInnerTexts();
    assert.ok(labels.includes(`insert ${hostile} <b>second</b>`), labels.join(' | '));

    const edn = `{:process 0, :type :invoke, :f :insert, :key "${hostile}", :value "<script>alert(2)</script>"}\n{:process 0, :type :ok, :f :insert, :key "${hostile}", :value "<script>alert(2)</script>"}\n{:process 1, :type :invoke, :f :get, :key "${hostile}", :value nil}\n{:process 1, :type :ok, :f :get, :key "${hostile}", :value "<svg onload=alert(3)>"}\n`;
    await dropFile(page, 'history-view', 'hostile.edn', edn);
    await waitForText(page, 'history-source', 'file hostile.edn');
    assert.ok((await checkAndWait(page)).startsWith('NOT LINEARIZABLE'));
    const fileLabels = await page.locator('[data-testid="history-view"] .history-op').allInnerTexts();
    assert.ok(fileLabels.some((l) => l.includes('"<svg onload=alert(3)>"')), fileLabels.join(' | '));
    assert.ok((await textOf(page, 'history-keys')).includes(`key "${hostile}"`));
    await dropFile(page, 'history-view', 'hostile-bad.edn', '{:process 0, :type :<img/src=x/onerror=alert(5)>, :f :read, :value nil}\n');
    await waitForText(page, 'history-error', 'line 1: `:type :<img/src=x/onerror=alert` is not an op type');

    const injected = await page.evaluate(() =>
      ['anomalies-panel', 'history-panel', 'spacetime-details'].map((id) => document.querySelector(`[data-testid="${id}"]`).querySelectorAll('img, script, svg, b').length),
    );
    assert.deepEqual(injected, [0, 0, 0], 'no element came from a key or a value');
    assert.deepEqual(problems.dialogs, [], 'nothing ran');
  }),
);
