// A fast-forward keeps no trace events (only the history, results, density counts and
// checkpoints) and rebuilds them when asked, by replaying the deterministic run: in headless
// Chromium, a fast-forwarded workload and the same workload played through (which keeps every
// event) give the same trace export, the same event log at the end (shown anew from a replay),
// and the same arrows in a window of the diagram long before the end (replayed from the
// checkpoint before it); a fast-forward cancelled half way shows its end anew in the same way.
//
// Run: node --test tests/e2e/fast-forward.test.mjs (after scripts/build-wasm.sh and build-site.sh).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedPlayground, eventually, nextFrames, scaleConfig, showCard } from './helpers.mjs';

const SLOW = { timeout: 300_000 };
const onPage = sharedPlayground();
const SPEC = 'ops=4000 rate=5000 keys=50 level=ONE';

/** A fresh run of the 16-node scale cluster with the Workload card and the diagram loaded. */
async function freshRun(page) {
  await page.evaluate((config) => window.playground.loadConfig(config, { seed: 1 }), JSON.stringify(scaleConfig()));
  await showCard(page, 'workload-panel');
  await showCard(page, 'spacetime-panel');
}

/** The event log's rows as text, newest last (the rows in view: it follows the newest). */
const logRows = (page) => page.getByTestId('event-log').evaluate((log) => [...log.querySelectorAll('.entry')].map((row) => row.textContent));

/**
 * What the diagram draws over the window a person reaches from Fit by clicking into the density
 * near the run's start until arrows show: the same clicks give the same window in both runs.
 */
async function earlyArrows(page) {
  await page.getByTestId('spacetime-fit').click();
  await nextFrames(page);
  const box = await page.getByTestId('spacetime').boundingBox();
  let drawn = await page.evaluate(() => window.playground.spacetime());
  for (let i = 0; i < 14 && drawn.mode === 'density'; i++) {
    await page.getByTestId('spacetime').click({ position: { x: box.width * 0.3, y: box.height / 2 } });
    await nextFrames(page);
    drawn = await page.evaluate(() => window.playground.spacetime());
  }
  const { mode, source, window, arrows, visibleArrows, kinds } = drawn;
  return { mode, source, window, arrows, visibleArrows, kinds };
}

/** Everything the comparison reads once the run is over. */
async function endOf(page) {
  await nextFrames(page);
  return {
    timeline: await page.evaluate(() => window.playground.timeline()),
    trace: await page.evaluate(() => window.playground.trace()),
    hash: await page.evaluate(() => window.playground.traceHash()),
    rows: await logRows(page),
    diagram: await earlyArrows(page),
  };
}

test('a fast-forwarded run rebuilds what it did not keep: the trace export, the event log and early arrows equal a played run', SLOW, () =>
  onPage(async ({ page }) => {
    await freshRun(page);
    await page.evaluate((spec) => window.playground.runWorkload(spec, { fastForward: true }), SPEC);
    const forwarded = await endOf(page);

    await freshRun(page);
    await page.evaluate((spec) => {
      window.playground.runWorkload(spec);
      window.playground.pause(); // at its start: runUntilQuiet ends the clock at the last event, as a fast-forward does
      window.playground.runUntilQuiet();
    }, SPEC);
    const played = await endOf(page);

    assert.equal(forwarded.timeline.events, played.timeline.events, 'the same run');
    assert.ok(forwarded.trace.length > 100_000, `a whole trace: ${forwarded.trace.length} characters`);
    assert.equal(forwarded.trace, played.trace, 'the trace export, replayed from the start, is the run');
    assert.equal(forwarded.hash, played.hash);
    assert.ok(forwarded.rows.length > 20, `the event log lists the end: ${forwarded.rows.length} rows`);
    assert.deepEqual(forwarded.rows, played.rows, 'the same last events in the event log');
    assert.equal(forwarded.diagram.mode, 'arrows', JSON.stringify(forwarded.diagram));
    assert.equal(forwarded.diagram.source, 'trace', 'a window long before the end, read from the trace');
    assert.ok(forwarded.diagram.window.to < forwarded.timeline.end * 0.6, `early in the run: ${JSON.stringify(forwarded.diagram.window)}`);
    assert.ok(forwarded.diagram.visibleArrows > 10, `arrows drawn: ${forwarded.diagram.visibleArrows}`);
    assert.deepEqual(forwarded.diagram, played.diagram, 'the same arrows, replayed from a checkpoint');
  }),
);

test('a fast-forward cancelled half way shows its end anew: the event log lists its last events, the trace is the run', SLOW, () =>
  onPage(async ({ page }) => {
    await freshRun(page);
    await page.evaluate((spec) => {
      window.playground.runWorkload(spec, { fastForward: true });
      const timer = setInterval(() => {
        if (window.playground.workloadProgress().scheduled < 20_000) return;
        clearInterval(timer);
        window.playground.cancelFastForward();
      }, 0);
    }, 'ops=60000 rate=5000 keys=50 level=ONE');
    await eventually(async () => !(await page.evaluate(() => window.playground.workloadProgress())).running, { message: 'the fast-forward to stop' });
    await nextFrames(page);
    const progress = await page.evaluate(() => window.playground.workloadProgress());
    assert.ok(progress.scheduled < 60_000, `cancelled before the end: ${progress.scheduled}`);
    const rows = await logRows(page);
    assert.ok(rows.length > 20, `the event log lists the last events: ${rows.length} rows`);
    const hash = await page.evaluate(() => window.playground.traceHash());
    // Stepping back one event and forward again gives the same run: the moment shown anew is the run's.
    await page.evaluate(() => window.playground.stepBack());
    await page.evaluate(() => window.playground.step());
    assert.equal(await page.evaluate(() => window.playground.timeline().events), progress.events);
    assert.equal(await page.evaluate(() => window.playground.traceHash()), hash);
  }),
);
