// A fast-forward keeps no trace events (only the history, results, density counts and
// checkpoints) and rebuilds them when asked, by replaying the deterministic run. In headless
// Chromium: a fast-forwarded workload and the same workload played through (which keeps every
// event) give the same trace export, the same event log at the end (shown anew from a replay),
// and the same arrows in a window of the diagram in the middle of the run (replayed from a
// checkpoint taken during the fast-forward); a cancelled fast-forward's end is the played run's at
// that event; a moment just after such a checkpoint is replayed from further back, so the views
// still get their events; a command typed after a fast-forward is in the diagram's replayed
// window; a run() call waiting across a fast-forward is answered; a workload run shared as a
// link (its scenario carries the workload's spec) opens as the same run in a new page, and kvsim
// runs its scenario file to the same trace.
//
// Run: node --test tests/e2e/fast-forward.test.mjs (after scripts/build-wasm.sh and build-site.sh).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedPlayground, eventually, nextFrames, scaleConfig, showCard, ensureKvsim } from './helpers.mjs';

const SLOW = { timeout: 300_000 };
const onPage = sharedPlayground();
const SPEC = 'ops=10000 rate=5000 keys=50 level=ONE';

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
 * in the middle of the run until arrows show (past the fast-forward's first checkpoints, 12,800
 * steps apart): the same clicks give the same window in both runs.
 */
async function middleArrows(page) {
  await page.getByTestId('spacetime-fit').click();
  await nextFrames(page);
  const box = await page.getByTestId('spacetime').boundingBox();
  let drawn = await page.evaluate(() => window.playground.spacetime());
  for (let i = 0; i < 16 && drawn.mode === 'density'; i++) {
    await page.getByTestId('spacetime').click({ position: { x: box.width * 0.6, y: box.height / 2 } });
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
    diagram: await middleArrows(page),
  };
}

test('a fast-forwarded run rebuilds what it did not keep: the trace export, the event log and arrows mid-run equal a played run', SLOW, () =>
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
    const { from, to } = forwarded.diagram.window;
    assert.ok(from > forwarded.timeline.end * 0.4 && to < forwarded.timeline.end * 0.8, `mid-run: ${JSON.stringify(forwarded.diagram.window)}`);
    assert.ok(forwarded.diagram.visibleArrows > 10, `arrows drawn: ${forwarded.diagram.visibleArrows}`);
    assert.deepEqual(forwarded.diagram, played.diagram, 'the same arrows, replayed from a checkpoint');
  }),
);

test('a fast-forward cancelled half way shows its end anew: the event log and the trace are those of the played run at that event', SLOW, () =>
  onPage(async ({ page }) => {
    const spec = 'ops=60000 rate=5000 keys=50 level=ONE';
    await freshRun(page);
    await page.evaluate((s) => {
      window.playground.runWorkload(s, { fastForward: true });
      const timer = setInterval(() => {
        if (window.playground.workloadProgress().scheduled < 20_000) return;
        clearInterval(timer);
        window.playground.cancelFastForward();
      }, 0);
    }, spec);
    await eventually(async () => !(await page.evaluate(() => window.playground.workloadProgress())).running, { message: 'the fast-forward to stop' });
    const progress = await page.evaluate(() => window.playground.workloadProgress());
    assert.ok(progress.scheduled < 60_000, `cancelled before the end: ${progress.scheduled}`);
    const cancelled = { rows: await logRows(page), trace: await page.evaluate(() => window.playground.trace()), now: await page.evaluate(() => window.playground.timeline().now) };
    assert.ok(cancelled.rows.length > 20, `the event log lists the last events: ${cancelled.rows.length} rows`);

    // The same workload played to the end, then shown at the cancelled run's event.
    await freshRun(page);
    await page.evaluate(([s, events, time]) => {
      window.playground.runWorkload(s);
      window.playground.pause();
      window.playground.runUntilQuiet();
      window.playground.travelTo(time);
      while (window.playground.timeline().events > events) window.playground.stepBack();
    }, [spec, progress.events, cancelled.now]);
    await nextFrames(page);
    assert.equal(await page.evaluate(() => window.playground.timeline().events), progress.events);
    assert.equal(await page.evaluate(() => window.playground.trace()), cancelled.trace, 'the same trace up to that event');
    assert.deepEqual(await logRows(page), cancelled.rows, 'the same last events in the event log');
  }),
);

test('a moment just after a checkpoint taken in a fast-forward is replayed from further back: its views get 2,000 events, the run\'s', SLOW, () =>
  onPage(async ({ page }) => {
    const restored = await page.evaluate(async (config) => {
      const wasm = await import('/js/wasm.js');
      const { Driver } = await import('/js/driver.js');
      const { History, SHOWN_EVENTS } = await import('/js/history.js');
      const { ActionLog } = await import('/js/action-log.js');
      const checked = wasm.checkConfig(config);
      const driverOf = (keep) => {
        const driver = new Driver(checked, 1, null, 'ops=6000 rate=5000 keys=50 level=ONE');
        driver.keepTrace(keep);
        return driver;
      };
      const forwarded = driverOf(false); // as a fast-forward runs it
      const history = new History(forwarded);
      history.spaceAtLeast(12_800, forwarded);
      forwarded.runUntilQuiet();
      const checkpoint = history.checkpoints[1].steps;
      const at = checkpoint + 10;
      const { driver } = history.restore({ steps: at }, new ActionLog(), forwarded);
      const played = driverOf(true);
      played.runSteps(at);
      const last = (d) => JSON.stringify(d.scheduler.traceSince(d.scheduler.traceLength - SHOWN_EVENTS));
      const out = { checkpoint, at, steps: driver.steps, kept: driver.keptEvents, shown: SHOWN_EVENTS, same: last(driver) === last(played) };
      for (const d of [driver, played, forwarded]) d.dispose();
      history.dispose();
      return out;
    }, JSON.stringify(scaleConfig()));
    assert.equal(restored.checkpoint, 12_800, 'the fast-forward\'s spacing');
    assert.equal(restored.steps, restored.at);
    assert.ok(restored.kept >= restored.shown, `${restored.kept} events kept, not only the 10 since the checkpoint`);
    assert.equal(restored.same, true, "the last 2,000 events are the run's");
  }),
);

test('after a fast-forward, a command typed shows in the diagram\'s replayed window, and a run() call waiting across one is answered', SLOW, () =>
  onPage(async ({ page }) => {
    await freshRun(page);
    // A long run with few events: at its end the diagram's window (15 s) starts before the last
    // checkpoint, so it is read from a replayed copy.
    await page.evaluate(() => window.playground.runWorkload('ops=2200 rate=18 keys=50 level=ONE', { fastForward: true }));
    await nextFrames(page);
    assert.equal((await page.evaluate(() => window.playground.spacetime())).source, 'trace', 'the window is read from a copy');
    const result = await page.evaluate(() => {
      const typed = window.playground.run(0, 'insert zz 1 ALL');
      window.playground.resume(); // a fast-forward ends paused
      return typed;
    });
    assert.equal(result.ok, true, JSON.stringify(result));
    await page.evaluate(() => window.playground.pause());
    await nextFrames(page);
    const arrow = await page.evaluate(() => window.playground.spacetimeArrow({ key: 'zz' }));
    assert.ok(arrow, 'the typed insert is drawn: the copy was replayed with it');

    // A command typed while paused waits for its result; a fast-forward cancelled at once ends
    // before it is answered, and shows its moment anew: played on, the call is still answered.
    await freshRun(page);
    await page.evaluate(async () => {
      window.playground.pause();
      window.answered = window.playground.run(1, 'insert yy 2 ALL');
      const forwarded = window.playground.fastForward();
      window.playground.cancelFastForward();
      await forwarded;
      window.playground.resume();
    });
    const answer = await page.evaluate(() => Promise.race([window.answered, new Promise((r) => setTimeout(() => r('no answer'), 5000))]));
    assert.equal(answer.ok, true, JSON.stringify(answer));
  }),
);

test('a workload run shared as a link opens as the same run: the link carries its spec, and a new page fast-forwards it to the moment shown, the run kvsim runs from the scenario', SLOW, () =>
  onPage(async ({ page }) => {
    await freshRun(page);
    await page.evaluate(() => window.playground.runWorkload('ops=3000 rate=2000 keys=50 level=ONE', { fastForward: true }));
    const end = await page.evaluate(() => window.playground.timeline());
    const endHash = await page.evaluate(() => window.playground.traceHash());
    await page.evaluate((t) => window.playground.travelTo(t), Math.round(end.now / 2));
    const shown = await page.evaluate(() => window.playground.timeline());
    const hash = await page.evaluate(() => window.playground.traceHash());
    await nextFrames(page);
    const status = await page.getByTestId('workload-status').textContent();
    const scenario = await page.evaluate(() => window.playground.scenario());
    const { workload, script } = JSON.parse(scenario);
    assert.equal(workload, 'ops=3000 rate=2000 clients=16 keys=50 dist=uniform mix=get:50/insert:50 level=ONE seed=1', 'the scenario carries the spec, every field');
    assert.deepEqual(script, []);
    const dir = mkdtempSync(join(tmpdir(), 'kv-ff-'));
    try {
      writeFileSync(join(dir, 'run.json'), scenario);
      const kvsim = execFileSync(ensureKvsim(), ['run', '--scenario', join(dir, 'run.json'), '--quiet', '--hash'], { encoding: 'utf8' });
      assert.equal(kvsim.trim().split('\n').pop(), `trace hash: ${endHash}`, 'kvsim runs the scenario as the page ran it');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // Opened in a new page: the workload fast-forwarded, then the moment shown.
    const url = await page.evaluate(() => window.playground.shareUrl());
    await page.goto('about:blank');
    await page.goto(url);
    await page.waitForFunction(() => window.playground?.ready, null, { timeout: 30_000 });
    await page.evaluate(() => window.playground.ready);
    await eventually(async () => (await page.evaluate(() => window.playground.timeline())).now === shown.now, { message: `the link's moment ${shown.now} µs shown` });
    const opened = await page.evaluate(() => window.playground.timeline());
    assert.deepEqual([opened.events, opened.endEvents], [shown.events, shown.endEvents], 'the same moment of the same run');
    assert.equal(await page.evaluate(() => window.playground.traceHash()), hash);
    await nextFrames(page);
    assert.equal(await page.getByTestId('workload-status').textContent(), status, 'the Workload card tells the same progress');

    // Too many operations for the page: refused, saying so, and nothing changes.
    const tooMany = JSON.stringify({ ...JSON.parse(scenario), workload: 'ops=2000000' });
    const refused = await page.evaluate((text) => window.playground.loadScenario(text).then(() => null, (e) => e.message), tooMany);
    assert.match(refused, /ops=2000000: the page runs at most 1,000,000 operations/);
    assert.deepEqual(await page.evaluate(() => window.playground.timeline()), opened, 'the run shown is the same');

    // A second scenario opened while the first one's workload is fast-forwarding takes over: its
    // own workload runs to the end.
    const second = JSON.stringify({ ...JSON.parse(scenario), workload: 'ops=500 rate=2000 keys=20', time_ms: undefined });
    const both = await page.evaluate(
      async ([first, next]) => {
        const a = window.playground.loadScenario(first);
        await new Promise((r) => setTimeout(r, 50));
        await window.playground.loadScenario(next);
        await a;
        return window.playground.workloadProgress();
      },
      [JSON.stringify({ ...JSON.parse(scenario), workload: 'ops=200000 rate=5000 keys=50' }), second],
    );
    assert.deepEqual([both.scheduled, both.total, both.running], [500, 500, false], 'the second scenario ran to its end');
  }),
);
