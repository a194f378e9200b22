// The space-time diagram over a long run, in headless Chromium: a 30,000-operation workload at ONE
// fast-forwarded from the Workload card is drawn zoomed out as density (the mode label says so,
// the strips are painted); zoomed into its middle, long gone from the live model, it is drawn as
// arrows decoded from the trace; clicking a stale read on the Anomalies card shows the arrows of
// its request. Screenshots go to target/spacetime-density*.png.
//
// Run: node --test tests/e2e/spacetime-density.test.mjs (after scripts/build-wasm.sh and build-site.sh).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, sharedPlayground, eventually, nextFrames, scaleConfig, showCard } from './helpers.mjs';

const SLOW = { timeout: 300_000 };
const onPage = sharedPlayground();

const spacetime = (page) => page.evaluate(() => window.playground.spacetime());

/** Dark pixels (the strips' ink) in the diagram's plot. */
const inkedPixels = (page) =>
  page.getByTestId('spacetime').evaluate((canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let dark = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && data[i] + data[i + 1] + data[i + 2] < 300) dark++;
    return dark;
  });

test('a 30,000-operation run: density zoomed out, arrows from the trace zoomed in, a stale read with its messages', SLOW, () =>
  onPage(async ({ page }) => {
    mkdirSync(join(ROOT, 'target'), { recursive: true });
    await page.evaluate((config) => window.playground.loadConfig(config, { seed: 1 }), JSON.stringify(scaleConfig()));
    await page.getByTestId('workload-spec').fill('ops=30000 rate=5000 keys=50 level=ONE');
    await page.getByTestId('workload-fast-forward').click();
    await eventually(() => page.getByTestId('workload-cancel').isDisabled(), { timeout: 240_000, interval: 200, message: 'the fast-forward to end' });

    // Zoomed out over the whole run: too many messages for arrows.
    await page.getByTestId('spacetime-fit').click();
    await nextFrames(page);
    const whole = await spacetime(page);
    assert.equal(whole.mode, 'density');
    assert.ok(whole.inView > 100_000, `the run's messages are in view: ${whole.inView}`);
    assert.ok(whole.density.peak > 0 && whole.density.total > 100_000, JSON.stringify(whole.density));
    assert.equal(whole.visibleArrows, 0, 'no arrows drawn');
    assert.match(await page.getByTestId('spacetime-mode').textContent(), /^Density: too many messages in view to draw one by one/);
    assert.ok((await inkedPixels(page)) > 5_000, 'the strips are painted');
    await page.locator('.spacetime-card').screenshot({ path: join(ROOT, 'target/spacetime-density.png') });

    // Zoomed into the middle of the run (the live model holds only its last frame): arrows,
    // decoded from the trace; a click on the density zooms in by itself too.
    const box = await page.getByTestId('spacetime').boundingBox();
    let zoomed = whole;
    for (let i = 0; i < 12 && zoomed.mode === 'density'; i++) {
      await page.getByTestId('spacetime').click({ position: { x: box.width / 2, y: box.height / 2 } });
      await nextFrames(page);
      zoomed = await spacetime(page);
    }
    assert.equal(zoomed.mode, 'arrows', JSON.stringify(zoomed));
    assert.equal(zoomed.source, 'trace');
    assert.ok(zoomed.window.to < whole.window.to * 0.8, 'in the past of the run');
    assert.ok(zoomed.visibleArrows > 10, `arrows in view: ${zoomed.visibleArrows}`);
    assert.match(await page.getByTestId('spacetime-mode').textContent(), /^Arrows: every message in view/);
    assert.match(await page.getByTestId('spacetime-details').textContent(), /^n\d+, [\d.]+ to [\d.]+ s: [\d,]+ messages? sent/);

    // A stale read from the Anomalies card, well into the run: its request's arrows are drawn, lit.
    await showCard(page, 'anomalies-panel');
    await page.locator('[data-testid="anomaly-list"] li.kind-stale_read button').last().click();
    await nextFrames(page);
    const focused = await eventually(
      async () => {
        const s = await spacetime(page);
        return s.mode === 'arrows' && Object.keys(s.glow).length && s;
      },
      { message: 'the stale read in arrows' },
    );
    const request = Number(Object.entries(focused.glow).find(([, role]) => role === 'main')[0]);
    const arrow = await page.evaluate((r) => window.playground.spacetimeArrow({ request: r }), request);
    assert.ok(arrow, `an arrow of request ${request} is in view: ${JSON.stringify(focused)}`);
    assert.ok(focused.window.from > 0.1e6, `well into the run: ${JSON.stringify(focused.window)}`);
    await page.locator('.spacetime-card').screenshot({ path: join(ROOT, 'target/spacetime-density-stale-read.png') });
  }),
);
