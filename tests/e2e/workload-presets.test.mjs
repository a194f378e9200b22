// The Workload card's presets, picked as a person would: "64 nodes · 1,000,000 ops at ONE" loads
// a 64-node cluster and puts its spec in the field; a smaller run of that cluster fast-forwards and
// finds stale reads at ONE; a preset on the cluster already shown keeps the run; "this cluster"
// keeps the config; typing a spec of one's own shows the menu as such again.
//
// Run: node --test tests/e2e/workload-presets.test.mjs (after scripts/build-wasm.sh and build-site.sh).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedPlayground, showCard } from './helpers.mjs';
import { WORKLOAD_PRESETS, linkCluster, workloadPreset as presetNamed } from '../../www/js/workload-presets.js';

const onPage = sharedPlayground();

test('every preset names its cluster and spec, and the page workload generator takes each spec', () =>
  onPage(async ({ page }) => {
    assert.ok(WORKLOAD_PRESETS.length >= 4);
    for (const { label, nodes } of WORKLOAD_PRESETS) assert.ok(nodes === null || label.startsWith(`${nodes} nodes`), label);
    const parsed = await page.evaluate(async (specs) => {
      const { KvWorkload } = await import('/js/wasm.js');
      return specs.map((spec) => {
        const workload = new KvWorkload(spec);
        try {
          return workload.operations;
        } finally {
          workload.free();
        }
      });
    }, WORKLOAD_PRESETS.map((p) => p.spec));
    assert.deepEqual(parsed, WORKLOAD_PRESETS.map((p) => Number(/ops=(\d+)/.exec(p.spec)[1])));
    const cluster = linkCluster(64);
    assert.equal(cluster.addresses.length, 64);
    assert.ok(cluster.avg_delays.every((row, i) => row.length === 64 && row[i] === 0 && row.every((d, j) => i === j || (d >= 0.001 && d <= 0.02))));
  }),
);

test('picking "64 nodes, a million operations at ONE" loads a 64-node cluster and its spec; a smaller run of it finds stale reads', { timeout: 300_000 }, () =>
  onPage(async ({ page }) => {
    const preset = presetNamed('64-1m-one');
    const menu = page.getByTestId('workload-preset');
    await menu.scrollIntoViewIfNeeded(); // the card loads when seen
    await menu.selectOption({ label: preset.label });
    assert.equal(await page.getByTestId('workload-spec').inputValue(), preset.spec);
    const state = await page.evaluate(() => {
      const { config, now } = window.playground.state();
      return { addresses: config.addresses, delays: config.avg_delays, now };
    });
    assert.deepEqual(state.addresses, linkCluster(64).addresses);
    assert.deepEqual(state.delays, linkCluster(64).avg_delays);
    assert.equal(state.now, 0, 'a fresh run, at its start');
    assert.equal(await page.locator('[data-testid="workload-error"]').isHidden(), true);

    // The same spec with fewer operations, typed: the menu no longer names the preset.
    await page.getByTestId('workload-spec').fill(preset.spec.replace('ops=1000000', 'ops=3000'));
    assert.equal(await menu.inputValue(), '');
    await showCard(page, 'anomalies-panel');
    await page.getByTestId('workload-fast-forward').click();
    await page.waitForFunction(() => {
      const p = window.playground.workloadProgress();
      return !p.running && p.scheduled === 3000;
    }, null, { timeout: 240_000 });
    const stale = await page.evaluate(() => window.playground.anomalies().filter((a) => a.kind === 'stale_read').length);
    assert.ok(stale > 0, `3,000 operations at ONE over 500 keys read stale values: ${stale}`);
    assert.equal((await page.evaluate(() => window.playground.state().config.addresses.length)), 64);

    // A preset of the cluster already shown keeps the run (only the spec changes).
    const before = await page.evaluate(() => window.playground.state().now);
    await menu.selectOption({ label: presetNamed('64-1m-quorum').label });
    assert.equal(await page.evaluate(() => window.playground.state().now), before);
    assert.equal(await page.getByTestId('workload-spec').inputValue(), presetNamed('64-1m-quorum').spec);
  }),
);

test('"this cluster" keeps the config and only fills in the spec', () =>
  onPage(async ({ page }) => {
    const addresses = await page.evaluate(() => window.playground.state().config.addresses);
    const preset = presetNamed('here-10k');
    const menu = page.getByTestId('workload-preset');
    await menu.scrollIntoViewIfNeeded(); // the card loads when seen
    await menu.selectOption({ label: preset.label });
    assert.equal(await page.getByTestId('workload-spec').inputValue(), preset.spec);
    assert.deepEqual(await page.evaluate(() => window.playground.state().config.addresses), addresses);
  }),
);
