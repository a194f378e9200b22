// Compare: a second cluster beside the page's, the same config, seed and commands under one
// changed setting, on the same clock. Each side's trace hash equals `kvsim run --hash` of its own
// config and script; after pause, step, back and a travel the compared run is at the main
// clock's moment, its trace exactly kvsim's trace cut there; a typed command reaches both; the
// share link carries the comparison; closing leaves nothing behind; a generated workload runs on
// both sides (each kvsim run --workload of its own level), the compared side catching up with a
// fast-forward over several frames. Also writes a 1280x720
// screenshot (target/compare.png) and prints frame times with both sides at 16 nodes (a figure,
// never an assertion).
//
// Run: node --test tests/e2e/compare.test.mjs (after scripts/build-wasm.sh and build-site.sh).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, EXAMPLE_CONFIG, startServer, launchBrowser, openPlayground, ensureKvsim, ensurePlaying, scriptLines, eventually, frameIntervals, percentile, scaleConfig } from './helpers.mjs';

const SLOW = { timeout: 90_000 };
const SCENARIO = JSON.stringify({
  version: 1,
  config: JSON.parse(EXAMPLE_CONFIG),
  seed: 42,
  script: scriptLines(readFileSync(join(ROOT, 'examples/read-repair.kvs'), 'utf8')),
});
const LEVEL = /^(\S+ \d+ (?:get|delete) \S+) \S+$|^(\S+ \d+ (?:insert|update) \S+ \S+) \S+$/;

let server;
let browser;
let scratch;
before(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser({ viewport: { width: 1280, height: 720 } })]);
  scratch = mkdtempSync(join(tmpdir(), 'kv-compare-'));
});
after(async () => {
  await browser?.close();
  server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** kvsim's output for a scenario (JSON text) with `args`. */
function kvsim(scenarioText, args) {
  const file = join(scratch, `scenario-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, scenarioText);
  return execFileSync(ensureKvsim(), ['run', '--scenario', file, '--quiet', ...args], { encoding: 'utf8' });
}

const kvsimHash = (scenarioText) => kvsim(scenarioText, ['--hash']).trim().split('\n').pop().replace(/^trace hash: /, '');
const kvsimTrace = (scenarioText) => kvsim(scenarioText, ['--trace']).trim().split('\n');

/** The main run's and the compared run's state, read at the same moment (the scenarios resolve later). */
const sides = (page) =>
  page.evaluate(async () => {
    const { playground } = window;
    const [main, hash, scenario, side] = [playground.timeline(), playground.traceHash(), playground.scenario(), playground.compareState()];
    return { main, hash: await hash, scenario: await scenario, side: await side };
  });

/** Checks the compared run shows the main clock's moment, its trace exactly kvsim's cut there. */
async function assertLockstep(page, fullTrace, what) {
  const { main, side } = await sides(page);
  assert.equal(side.now, main.now, `${what}: the compared run is at the main clock's moment`);
  const cut = fullTrace.filter((line) => JSON.parse(line).time <= main.now);
  assert.deepEqual(side.trace.trim().split('\n').filter(Boolean), cut, `${what}: the compared trace is kvsim's up to ${main.now} µs`);
}

test('Compare at QUORUM on the read-repair example: kvsim hashes, lockstep, typed commands, share link, close', SLOW, async () => {
  const { page, assertClean } = await openPlayground(browser.context, server.url);
  try {
    await page.evaluate((text) => window.playground.loadScenario(text), SCENARIO);

    // Opened from the form in the share row.
    await page.getByTestId('compare-toggle').click();
    await page.getByTestId('compare-setting').selectOption('level');
    await page.getByTestId('compare-value').selectOption('QUORUM');
    await page.getByTestId('compare-open').click();
    await eventually(() => page.getByTestId('compare-card').isVisible(), { message: 'the compare card shows' });
    assert.match(await page.getByTestId('compare-title').textContent(), /level of every command: QUORUM/);

    // Both sides at quiet: each hash is kvsim's of its own config and script.
    let { hash, scenario, side } = await sides(page);
    assert.equal(side.setting, 'level=QUORUM');
    assert.equal(hash, kvsimHash(scenario), 'the main run is kvsim run of its scenario');
    const compared = JSON.parse(side.scenario);
    const expectedScript = JSON.parse(scenario).script.map((line) => line.replace(LEVEL, (_, a, b) => `${a ?? b} QUORUM`));
    assert.deepEqual(compared.script, expectedScript, 'every level rewritten to QUORUM, nothing else');
    assert.notDeepEqual(compared.script, JSON.parse(scenario).script);
    assert.deepEqual(compared.config, JSON.parse(scenario).config);
    assert.equal(side.traceHash, kvsimHash(side.scenario), 'the compared run is kvsim run of its own scenario');
    assert.equal(side.summary.levels.map((l) => l.level).join(), 'QUORUM');
    assert.equal(side.anomalies.length, 0, 'at QUORUM the stale read of the example is gone');
    const fullTrace = kvsimTrace(side.scenario);

    // Lockstep after a travel, a step back, a step, and a pause while playing.
    await page.evaluate(() => window.playground.travelTo(10_300_000));
    await assertLockstep(page, fullTrace, 'travelTo 10.3 s');
    // At 10.3 s the QUORUM update has reached n0 only: the card's table marks n1 and n2 stale.
    const storesShown = () => page.getByTestId('compare-stores').locator('tr[data-key="5"] td').allTextContents();
    await eventually(async () => (await storesShown()).join() === 'world,hello STALE,hello STALE,–', { message: 'the compared stores at 10.3 s' });
    await page.screenshot({ path: join(ROOT, 'target/compare.png') });
    for (let i = 0; i < 3; i++) await page.evaluate(() => window.playground.stepBack());
    await assertLockstep(page, fullTrace, 'three steps back');
    for (let i = 0; i < 5; i++) await page.evaluate(() => window.playground.step());
    await assertLockstep(page, fullTrace, 'five steps');
    await page.evaluate(() => window.playground.resume());
    await page.waitForTimeout(400);
    await page.evaluate(() => window.playground.pause());
    await assertLockstep(page, fullTrace, 'pause');

    // A command typed reaches both sides, at its own level on each.
    await page.evaluate(() => window.playground.live());
    await page.evaluate(() => window.playground.pause());
    await page.evaluate(() => void window.playground.run(3, 'get 5 ONE')); // paused: its result comes with the run below
    await page.evaluate(() => window.playground.runUntilQuiet());
    ({ hash, scenario, side } = await sides(page));
    assert.match(JSON.parse(scenario).script.at(-1), / 3 get 5 ONE$/);
    assert.match(JSON.parse(side.scenario).script.at(-1), / 3 get 5 QUORUM$/);
    assert.equal(hash, kvsimHash(scenario));
    assert.equal(side.traceHash, kvsimHash(side.scenario));

    const url = await page.evaluate(() => window.playground.shareUrl());
    assert.match(url, /&compare=level%3DQUORUM$/);

    // A command in the past forks both runs there; reset empties both.
    await page.evaluate(() => window.playground.travelTo(10_050_000));
    await page.evaluate(() => void window.playground.run(1, 'insert 7 x ALL'));
    await page.evaluate(() => window.playground.pause());
    const forked = await sides(page);
    const forkedScript = JSON.parse(forked.scenario).script;
    assert.equal(forkedScript.length, 3, 'the fork keeps the two actions before 10.05 s and adds the new one');
    assert.deepEqual(JSON.parse(forked.side.scenario).script, forkedScript.map((line) => line.replace(LEVEL, (_, a, b) => `${a ?? b} QUORUM`)));
    await assertLockstep(page, kvsimTrace(forked.side.scenario), 'after the fork');
    await page.evaluate(() => window.playground.reset());
    await page.evaluate(() => window.playground.pause());
    const fresh = await sides(page);
    assert.deepEqual(JSON.parse(fresh.side.scenario).script, []);
    assert.equal(fresh.side.now, fresh.main.now);

    // The share link carries the comparison; opening it opens the same compared run.
    const opened = await openPlayground(browser.context, url);
    try {
      await eventually(() => opened.page.evaluate(async () => (await window.playground.compareState()) !== null), { message: 'the link opens Compare' });
      const again = await sides(opened.page);
      assert.equal(again.side.setting, 'level=QUORUM');
      assert.equal(again.side.traceHash, side.traceHash);
      assert.equal(again.hash, hash);
      await opened.assertClean();
    } finally {
      await opened.page.close();
    }

    // Closing: the card goes, the layout is the usual one, the link carries no comparison.
    await page.getByTestId('compare-close').click();
    assert.equal(await page.getByTestId('compare-card').isVisible(), false);
    assert.equal(await page.evaluate(() => window.playground.compareState()), null);
    assert.equal(await page.locator('main.comparing').count(), 0);
    assert.doesNotMatch(await page.evaluate(() => window.playground.shareUrl()), /compare=/);
    await assertClean();
  } finally {
    await page.close();
  }
});

test('the compared topology shows the faults of its own run: a node crashed is down on both sides', SLOW, async () => {
  const { page, assertClean } = await openPlayground(browser.context, server.url);
  try {
    await page.evaluate((text) => window.playground.loadScenario(text), SCENARIO);
    await page.evaluate(() => window.playground.compare('level=QUORUM'));
    const downMarked = (legend) => page.getByTestId(legend).locator('li[data-symbol="down"]:not([hidden])').count();
    assert.equal(await downMarked('compare-legend'), 0);
    await page.evaluate(() => window.playground.fault('crash 2'));
    await eventually(async () => (await downMarked('legend')) === 1 && (await downMarked('compare-legend')) === 1, {
      message: 'n2 marked down in both legends',
    });
    // More keys than the table's box shows: its note says it scrolls.
    await page.evaluate(() => window.playground.runScript(Array.from({ length: 12 }, (_, i) => `${i} 0 insert k${i} v ONE`).join('\n')));
    await page.evaluate(() => window.playground.runUntilQuiet());
    await eventually(async () => (await page.getByTestId('compare-stores-note').textContent()) === '13 keys: scroll the table for all of them.', {
      message: async () => `the note says the table scrolls; it says "${await page.getByTestId('compare-stores-note').textContent()}"`,
    });
    await assertClean();
  } finally {
    await page.close();
  }
});

test('a generated workload is compared too: each side is kvsim run --workload of its own level, and a fast-forward leaves the compared run catching up over frames', SLOW, async () => {
  const { page, assertClean } = await openPlayground(browser.context, server.url);
  const spec = 'ops=20000 rate=2000 clients=6 keys=150 dist=uniform mix=get:60/insert:40 level=QUORUM seed=5';
  const config = JSON.stringify(scaleConfig(6));
  const configFile = join(scratch, 'workload-config.json');
  writeFileSync(configFile, config);
  const kvsimWorkload = (workload) =>
    execFileSync(ensureKvsim(), ['run', '--config', configFile, '--seed', '3', '--workload', workload, '--quiet', '--hash'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()
      .replace(/^trace hash: /, '');
  try {
    await page.evaluate((cfg) => window.playground.loadConfig(cfg, { seed: 3 }), config);
    await page.evaluate(() => window.playground.compare('level=ONE'));
    // What the compared run's clock says at every frame from now on.
    await page.evaluate(() => {
      window.compareClocks = [];
      const clock = document.querySelector('[data-testid="compare-clock"]');
      const look = () => {
        window.compareClocks.push(clock.textContent);
        requestAnimationFrame(look);
      };
      requestAnimationFrame(look);
    });
    await page.evaluate((s) => window.playground.runWorkload(s, { fastForward: true }), spec);
    await eventually(() => page.evaluate(() => !window.compareClocks.at(-1).includes('catching up')), { message: 'the compared run catches up' });
    const clocks = await page.evaluate(() => window.compareClocks);
    assert.ok(
      clocks.some((text) => text.includes('catching up')),
      `the compared run follows a fast-forward over several frames, not in one task: ${clocks.slice(0, 5).join(' | ')}`,
    );

    const { main, hash, side } = await sides(page);
    assert.equal(side.workload, spec.replace('level=QUORUM', 'level=ONE'), 'the compared run generates the same operations at its own level');
    assert.equal(hash, kvsimWorkload(spec), 'the main run is kvsim run --workload of its spec');
    assert.equal(side.traceHash, kvsimWorkload(side.workload), 'the compared run is kvsim run --workload of its own spec');
    assert.deepEqual(side.summary.levels.map((l) => l.level), ['ONE']);
    assert.equal(side.summary.levels[0].ok + side.summary.levels[0].fail + side.summary.levels[0].info, 20_000, 'every operation of the workload ran on the compared side');
    assert.ok(side.now >= main.now, 'the compared run is at the end of the main run, or past it once quiet');
    // The card's tables once caught up: 100 of the 150 keys, and the summary the API reads.
    await eventually(async () => (await page.getByTestId('compare-stores').locator('tbody tr').count()) === 100, { message: 'the stores table shows 100 keys' });
    assert.equal(await page.getByTestId('compare-stores-note').textContent(), '100 of 150 keys: those whose replicas disagree first.');
    const okRow = () => page.getByTestId('compare-summary').locator('tr', { hasText: 'operations ok' }).locator('td').allTextContents();
    const ok = (summary) => String(summary.levels.reduce((n, l) => n + l.ok, 0));
    const mainSummary = await page.evaluate(() => window.playground.summary());
    await eventually(async () => (await okRow()).join() === [ok(mainSummary), ok(side.summary)].join(), {
      message: 'the summary shows both runs\' operations ok',
    });

    // A travel back into the run: both sides at the same moment again.
    const middle = Math.round(main.now / 2);
    await page.evaluate((t) => window.playground.travelTo(t), middle);
    const back = await sides(page);
    assert.equal(back.side.now, back.main.now, 'after a travel the compared run is at the main clock\'s moment');
    await assertClean();
  } finally {
    await page.close();
  }
});

test('a bad setting is refused with what is wrong, and nothing opens', SLOW, async () => {
  const { page, assertClean } = await openPlayground(browser.context, server.url);
  try {
    const refused = (setting) => page.evaluate((s) => window.playground.compare(s).then(() => null, (e) => e.message), setting);
    assert.match(await refused('level=TWO'), /the level must be ONE, QUORUM or ALL/);
    assert.match(await refused('speed=3'), /unknown setting "speed"/);
    assert.match(await refused('replication_factor=9'), /this setting makes a bad config: .*replication_factor/);
    assert.equal(await page.getByTestId('compare-card').isVisible(), false);
    await assertClean();
  } finally {
    await page.close();
  }
});

test('frame times with both sides running 16 nodes each', SLOW, async () => {
  const isolated = await startServer({ isolated: true });
  const n = 16;
  const config = JSON.stringify({
    addresses: Array.from({ length: n }, (_, i) => `localhost:${15000 + i}`),
    avg_delays: Array.from({ length: n }, () => Array(n).fill(20)),
  });
  // The same first 4 s of the same run on a fresh page, with and without the compared side (the
  // run's own cost grows as its diagram fills, so only the same window compares).
  const measure = async (setting) => {
    const { page, assertClean } = await openPlayground(browser.context, isolated.url);
    try {
      await page.evaluate((cfg) => window.playground.loadConfig(cfg, { seed: 1 }), config);
      if (setting) await page.evaluate((s) => window.playground.compare(s), setting);
      await ensurePlaying(page);
      await page.evaluate(() => window.playground.setSpeed(1));
      await page.evaluate((nodes) => {
        for (let k = 0; k < 19; k++) window.playground.run(k % nodes, `search k${k}`); // 16 messages each
      }, n);
      const frames = await frameTimes(page);
      const { inFlight, side } = await page.evaluate(async () => ({ inFlight: window.playground.state().inFlight.length, side: await window.playground.compareState() }));
      if (setting) assert.equal(side.nodes.length, n);
      await assertClean();
      return { ...frames, inFlight };
    } finally {
      await page.close();
    }
  };
  try {
    const alone = await measure(null);
    const both = await measure('read_repair=blocking');
    console.log(`== frame times at 1x, 16 nodes, ${both.inFlight} messages in flight on the page's side (as many on the compared one), the first 4 s`);
    console.log(`one side: ${alone.text}`);
    console.log(`both sides: ${both.text}`);
  } finally {
    isolated.close();
  }
});

/** Frame intervals over 4 s, as text. */
async function frameTimes(page) {
  const sorted = (await frameIntervals(page, 4)).sort((a, b) => a - b);
  const at = (p) => percentile(sorted, p).toFixed(2);
  return { text: `${sorted.length} frames, p50 ${at(50)} ms, p95 ${at(95)} ms, max ${sorted.at(-1).toFixed(2)} ms` };
}
