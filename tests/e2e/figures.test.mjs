// The Figures card: the page's figures of a run equal `kvsim run --summary`'s for the same
// scenario (the same history: levels, latencies, histogram, availability), the table lists them
// and both charts are drawn (once the card is scrolled to: it loads then); with no history (a
// trace replayed) the card says why it is empty.
//
// Run: node --test tests/e2e/figures.test.mjs (after scripts/build-wasm.sh and build-site.sh).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, sharedPlayground, ensureKvsim, eventually, waitForText } from './helpers.mjs';

const SLOW = { timeout: 120_000 };
const SCENARIO = join(ROOT, 'examples/partition.scenario.json');
const onPage = sharedPlayground();

/** kvsim's figures for the scenario: the `summary` of its last JSON line. */
function kvsimSummary() {
  const out = execFileSync(ensureKvsim(), ['run', '--scenario', SCENARIO, '--summary', '--json', '--quiet'], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()).summary;
}

/** How many pixels of the canvas are drawn (not transparent). */
const inked = (page, testId) =>
  page.getByTestId(testId).evaluate((canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n += 1;
    return n;
  });

test('the figures of a scenario equal kvsim run --summary, in the table and on both charts', SLOW, async () => {
  const expected = kvsimSummary();
  await onPage(async ({ page }) => {
    await page.evaluate((text) => window.playground.loadScenario(text), readFileSync(SCENARIO, 'utf8'));
    await page.evaluate(() => window.playground.runUntilQuiet());
    assert.deepEqual(await page.evaluate(() => window.playground.summary()), expected);
    const levels = expected.levels.map((l) => l.level);
    await page.getByTestId('figures-panel').scrollIntoViewIfNeeded(); // the charts load when their card is seen
    await eventually(async () => (await page.getByTestId('figures-table').locator('tbody tr').count()) === levels.length, { message: 'a row per level' });
    for (const l of expected.levels) {
      const cells = await page.getByTestId('figures-table').locator(`tr[data-level="${l.level}"] td`).allTextContents();
      assert.deepEqual(cells.slice(0, 6), [l.level, l.operations, l.ok, l.fail, l.info, l.running].map(String));
    }
    assert.ok((await inked(page, 'latency-chart')) > 100, 'the latency histogram is drawn');
    assert.ok((await inked(page, 'availability-chart')) > 100, 'the availability strip is drawn');
    mkdirSync(join(ROOT, 'target'), { recursive: true });
    await page.getByTestId('figures-panel').screenshot({ path: join(ROOT, 'target/figures.png') });

    // A replayed trace keeps no history: the card says so and draws nothing.
    const trace = execFileSync(ensureKvsim(), ['run', '--scenario', SCENARIO, '--trace'], { encoding: 'utf8' });
    await page.evaluate((text) => window.playground.openTrace(text, 'partition.jsonl'), trace);
    await waitForText(page, 'figures-note', 'a trace replayed or a real cluster has none here');
    assert.equal(await page.getByTestId('figures-table').locator('tr').count(), 0);
    assert.equal(await inked(page, 'latency-chart'), 0);
  });
});
