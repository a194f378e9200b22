// The page's first load carries only what a first visit shows: the modules and stylesheets of
// lessons, Compare, the config editor, the Figures card's charts, the Workload card, the
// space-time diagram's view (its record of the run starts with the page), scenario links and
// files (scenario-link.js), trace replay
// and attaching to a real cluster, the exports package (the ShiViz log, scenario files written and
// read, replicas compared) and the checker, are fetched when first used; the benchmark's package
// never by the page. Each such feature then works once loaded on demand
// (its own test file checks it in depth: lessons, compare, figures, attach).
//
// Run: node --test tests/e2e/first-load.test.mjs (after scripts/build-wasm.sh and build-site.sh).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, sharedPlayground, ensureKvsim, eventually, waitForText, showCard } from './helpers.mjs';

const SLOW = { timeout: 90_000 };
const onPage = sharedPlayground();

/** Files loaded when first used, by the feature that loads them. */
const ON_DEMAND = {
  lessons: ['js/lessons.js', 'js/lesson-data.js', 'js/lesson-check.js', 'js/lesson-focus.js', 'css/lessons.css'],
  compare: ['js/compare-view.js', 'js/compare.js', 'js/compare-setting.js', 'css/compare.css'],
  config: ['js/config-editor.js'],
  anomalies: ['js/anomalies.js'],
  figures: ['js/figures.js'],
  history: ['js/history-panel.js', 'js/history-view.js', 'js/history-ops.js', 'js/check-run.js'],
  workload: ['js/workload-panel.js', 'js/fast-forward.js'],
  spacetime: ['js/spacetime.js', 'js/spacetime-draw.js', 'js/spacetime-geometry.js', 'js/spacetime-density.js', 'js/spacetime-details.js', 'js/spacetime-window.js'],
  trace: ['js/trace-format.js', 'js/trace-driver.js'],
  links: ['js/scenario-link.js'],
  attach: ['js/attach.js'],
  exports: ['pkg-export/kvexport.js', 'pkg-export/kvexport_bg.wasm'],
  bench: ['pkg-bench/kvbench.js', 'pkg-bench/kvbench_bg.wasm'],
  checker: ['js/check-worker.js', 'pkg-check/kvchecker.js', 'pkg-check/kvchecker_bg.wasm'],
};

/** What the exports and bench packages make, which the page's own wasm module no longer carries. */
const EXPORTS_ONLY = { functions: ['benchStandard', 'scenarioJson', 'parseScenario', 'shivizOfTrace', 'divergentOf'], schedulerMethods: ['divergent', 'shivizLog'] };

/** The paths (`js/x.js`) of every file the page has requested so far. */
const fetched = (page) =>
  page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname.slice(1)));

test('the first load fetches none of the features loaded on demand', SLOW, async () => {
  await onPage(async ({ page }) => {
    const first = await fetched(page);
    assert.ok(first.includes('pkg/kvplayground_bg.wasm'), `the page's wasm is part of the first load: ${first.join(', ')}`);
    for (const [feature, files] of Object.entries(ON_DEMAND)) {
      for (const file of files) assert.ok(!first.includes(file), `${file} (${feature}) is fetched on the first load`);
    }
    const missing = await page.evaluate(async ({ functions, schedulerMethods }) => {
      const pkg = await import('/pkg/kvplayground.js'); // already loaded: no fetch
      return [...functions.filter((name) => name in pkg), ...schedulerMethods.filter((name) => name in pkg.KvScheduler.prototype)];
    }, EXPORTS_ONLY);
    assert.deepEqual(missing, [], "the page's wasm module carries none of the exports made on demand");
  });
});

test('each feature works once loaded on demand', SLOW, async () => {
  await onPage(async ({ page }) => {
    // The cards below the fold load when scrolled to, and then show the run so far.
    await page.evaluate(() => window.playground.run(0, 'insert k1 v1 QUORUM'));
    await page.evaluate(() => window.playground.runUntilQuiet());
    assert.ok(!(await fetched(page)).includes('js/figures.js'), 'the charts wait until their card is seen');
    // Before the Workload card loads, the API answers with the run's own progress.
    assert.ok(!(await fetched(page)).includes('js/workload-panel.js'), 'the Workload card waits until it is seen');
    const progress = await page.evaluate(() => window.playground.workloadProgress());
    assert.deepEqual({ ...progress, events: progress.events > 0 }, { scheduled: null, total: null, events: true, running: false });
    assert.ok(!(await fetched(page)).includes('js/spacetime.js'), 'the space-time diagram waits until it is seen');
    await showCard(page, 'spacetime-panel');
    const drawn = await page.evaluate(() => window.playground.spacetime());
    assert.deepEqual({ lanes: drawn.lanes.length, arrows: drawn.arrows > 0 }, { lanes: 4, arrows: true }, 'the diagram, once seen, draws the run so far');
    await showCard(page, 'figures-panel');
    await eventually(async () => (await page.getByTestId('figures-table').locator('tbody tr').count()) === 1, { message: 'the Figures table, once seen' });
    await showCard(page, 'anomalies-panel');
    assert.ok(await page.getByTestId('anomaly-empty').isVisible(), 'no anomaly in one write');
    await showCard(page, 'history-panel');
    await waitForText(page, 'history-source', 'this run, at the moment shown: 1 operation by 1 process');
    await showCard(page, 'workload-panel');
    assert.match(await page.getByTestId('workload-spec').inputValue(), /^ops=\d+ /);
    assert.equal(await page.getByTestId('workload-run').isEnabled(), true);
    await waitForText(page, 'workload-status', 'no workload in this run');

    // The ShiViz log, made from the trace by the exports package: kvsim's for the same run.
    const scenario = join(ROOT, 'examples/partition.scenario.json');
    const trace = execFileSync(ensureKvsim(), ['run', '--scenario', scenario, '--trace'], { encoding: 'utf8' });
    await page.evaluate((text) => window.playground.loadScenario(text), readFileSync(scenario, 'utf8'));
    await page.evaluate(() => window.playground.runUntilQuiet());
    const traceLines = trace.split('\n').filter((line) => line.startsWith('{')); // kvsim prints results between them
    assert.equal(await page.evaluate(() => window.playground.trace()), traceLines.join('\n') + '\n', "the page's run is kvsim's");
    const dir = mkdtempSync(join(tmpdir(), 'kv-shiviz-'));
    try {
      execFileSync(ensureKvsim(), ['run', '--scenario', scenario, '--shiviz', join(dir, 'run.shiviz')]);
      assert.equal(await page.evaluate(() => window.playground.shiviz()), readFileSync(join(dir, 'run.shiviz'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // The other exports of the package: the scenario file (the one loaded, written back) and the
    // replicas compared (the partition healed: every key converged).
    const written = JSON.parse(await page.evaluate(() => window.playground.scenario()));
    const loaded = JSON.parse(readFileSync(scenario, 'utf8'));
    assert.deepEqual({ seed: written.seed, script: written.script.length }, { seed: loaded.seed, script: loaded.script.length });
    assert.deepEqual(await page.evaluate(() => window.playground.divergent()), []);

    // A lesson: its player and stylesheet (the panel stays on screen while the page scrolls).
    await page.evaluate(() => window.playground.openLesson('read-repair'));
    assert.equal(await page.getByTestId('lesson-panel').evaluate((panel) => getComputedStyle(panel).position), 'sticky');
    await page.getByTestId('lesson-close').click();

    // Compare: its card, styled, beside the cluster.
    await page.evaluate(() => window.playground.compare('level=ONE'));
    assert.equal(await page.getByTestId('compare-card').evaluate((card) => getComputedStyle(card).display), 'flex');
    await page.evaluate(() => window.playground.closeCompare());

    // The config editor: the Config button opens it filled with the running cluster's config.
    await page.getByTestId('config-toggle').click();
    assert.equal(await page.getByTestId('config-address-3').inputValue(), 'localhost:15003');
    await page.getByTestId('config-toggle').click();
    assert.equal(await page.getByTestId('config-panel').isHidden(), true);

    // A trace: read and replayed.
    await page.evaluate((text) => window.playground.openTrace(text, 'partition.jsonl'), trace);
    await waitForText(page, 'source-text', 'Replaying the trace partition.jsonl');
    await page.getByTestId('source-leave').click();

    // Attaching: the address reader loads, and a bad address says what is wrong.
    const refused = await page.evaluate(() => window.playground.attach('not an address').then(() => null, (e) => e.message));
    assert.ok(refused, 'a bad address is refused');
    await waitForText(page, 'attach-error', `Cannot attach: ${refused}`);

    const now = await fetched(page);
    for (const feature of ['lessons', 'compare', 'config', 'anomalies', 'figures', 'history', 'workload', 'spacetime', 'exports', 'links', 'trace', 'attach']) {
      for (const file of ON_DEMAND[feature]) assert.ok(now.includes(file), `${file} is loaded once ${feature} is used`);
    }
  });
});
