// Time travel, forks, and sharing in headless Chromium, used as a person would: dragging the
// history slider, pressing `,`, typing in the past, clicking share/download/export, choosing
// files. Every test also fails on a console error, an uncaught exception, a failed request, a CSP
// violation or a shown fatal error.
//
// Run: node --test tests/e2e/timeline.test.mjs (after scripts/build-wasm.sh and cargo build --release).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ROOT,
  EXAMPLE_CONFIG,
  startServer,
  launchBrowser,
  openPlayground,
  eventually,
  typeCommand,
  textOf,
  waitForText,
  storeRows,
  nextFrames,
  dropFile,
  ensureKvsim,
  jsonLines,
} from './helpers.mjs';

const SLOW = { timeout: 180_000 };

let server;
let downloads;
before(async () => {
  server = await startServer();
  downloads = mkdtempSync(join(tmpdir(), 'kvplayground-downloads-'));
});
after(() => {
  server?.close();
  rmSync(downloads, { recursive: true, force: true });
});

/** A fresh browser (own empty profile) and the loaded playground for one test. */
async function withPlayground(fn) {
  const browser = await launchBrowser();
  try {
    const playground = await openPlayground(browser.context, server.url);
    await fn({ ...playground, context: browser.context });
    await playground.assertClean();
  } finally {
    await browser.close();
  }
}

const timeline = (page) => page.evaluate(() => window.playground.timeline());
const traceHash = (page) => page.evaluate(() => window.playground.traceHash());
const traceEvents = async (page) => jsonLines(await page.evaluate(() => window.playground.trace())).map((l) => JSON.parse(l));

/** Node `i`'s row for key 5 as its store table shows it. */
async function key5(page, i) {
  return (await storeRows(page, i)).find((r) => r.dataKey === '5');
}

/** The inspector's row for replica `node`: {value, state}. */
async function inspectorRow(page, node) {
  return page.getByTestId('inspector-table').evaluate((table, node) => {
    const tr = table.querySelector(`tbody tr[data-node="${node}"]`);
    return tr && { value: tr.children[1].textContent, state: tr.querySelector('.state').textContent };
  }, node);
}

/** Drags the history slider's thumb to `timeUs` with the mouse; resolves with the timeline shown. */
async function dragTimelineTo(page, timeUs) {
  const slider = page.getByTestId('timeline');
  const { max, value } = await slider.evaluate((s) => ({ max: Number(s.max), value: Number(s.value) }));
  const box = await slider.boundingBox();
  const thumb = 8; // half of Chromium's thumb: the thumb's centre runs from here to width - here
  const x = (ms) => box.x + thumb + (Math.min(ms, max) / max) * (box.width - 2 * thumb);
  const y = box.y + box.height / 2;
  await page.mouse.move(x(value), y);
  await page.mouse.down();
  await page.mouse.move(x(timeUs / 1000), y, { steps: 6 });
  await page.mouse.up();
  await nextFrames(page); // the slider travels at the next frame
  return timeline(page);
}

/** Saves what clicking `testId` downloads; resolves with its path and suggested name. */
async function download(page, testId) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const path = join(downloads, `${Date.now()}-${file.suggestedFilename()}`);
  await file.saveAs(path);
  return { path, name: file.suggestedFilename() };
}

/** Opens the read-repair lesson and shows the end of its run (paused); resolves with its trace. */
async function playDemo(page) {
  await page.evaluate(() => window.playground.demo());
  await page.evaluate(() => window.playground.live());
  return traceEvents(page);
}

test('scrubbing back shows n2 stale before the repair, in the stores and the inspector; Live shows it repaired; screenshot', SLOW, () =>
  withPlayground(async ({ page, context }) => {
    const trace = await playDemo(page);
    const updated = trace.find((e) => e.kind === 'store' && e.node === 0 && e.value === 'world').time;
    const repaired = trace.find((e) => e.kind === 'deliver' && e.msg === 'repair' && e.to === 2).time;
    assert.ok(updated < repaired, 'n2 is stale from the update until the repair lands');
    assert.equal((await key5(page, 2)).value, 'world', 'at the end n2 is repaired');
    const end = await timeline(page);
    assert.equal(end.live, true);

    const shown = await dragTimelineTo(page, (updated + repaired) / 2);
    assert.equal(shown.live, false, 'the slider travelled into the past');
    assert.ok(shown.now > updated && shown.now < repaired, `the moment shown (${shown.now}) is between ${updated} and ${repaired}`);
    assert.match(await textOf(page, 'timeline-time'), /t = \d+\.\d{3} s of \d+\.\d{3} s/);
    const stale = await key5(page, 2);
    assert.equal(stale.value, 'hello', `n2's store shows the old value: ${JSON.stringify(stale)}`);
    assert.match(stale.state, /STALE/);
    assert.deepEqual(await inspectorRow(page, 2), { value: 'hello', state: 'STALE' });
    assert.deepEqual(await inspectorRow(page, 0), { value: 'world', state: 'newest' });
    assert.ok(!(await textOf(page, 'event-log')).includes('deliver repair'), 'the event log ends before the repair');
    assert.equal(await page.evaluate(() => window.playground.state().playing), false, 'the past is paused');
    await page.screenshot({ path: join(ROOT, 'target/timeline.png'), fullPage: true });

    await page.getByTestId('timeline-live').click();
    await nextFrames(page);
    const back = await timeline(page);
    assert.equal(back.live, true);
    assert.equal(back.events, end.events);
    assert.equal((await key5(page, 2)).value, 'world', 'forward again: n2 is repaired');
    assert.deepEqual(await inspectorRow(page, 2), { value: 'world', state: 'newest' });
    assert.deepEqual(await traceEvents(page), trace, 'the replayed history is the one lived');

    // The lesson holds and heals its link with fault lines, so its run can be shared as it is.
    await page.getByTestId('share-link').click();
    const url = await eventually(async () => page.getByTestId('share-url').inputValue(), { message: 'a link in share-url' });
    const other = await openPlayground(context, url);
    assert.equal(await traceHash(other.page), await traceHash(page), 'the shared lesson run: same trace hash');
    assert.deepEqual(await storeRows(other.page, 2), await storeRows(page, 2), "the shared lesson run: n2's store");
    await other.assertClean();
  }),
);

test('step back (`,` and the button) undoes exactly one event; step redoes it', SLOW, () =>
  withPlayground(async ({ page }) => {
    await typeCommand(page, 0, 'insert 5 hello ALL');
    await waitForText(page, 'console-output-0', 'insert successful');
    await page.getByTestId('run-until-quiet').click();
    const before = await timeline(page);
    const traceBefore = await page.evaluate(() => window.playground.trace());
    await nextFrames(page); // the event log draws at the next frame
    const logBefore = await page.getByTestId('event-log').locator('.entry').count();

    await page.locator('body').press(',');
    const after = await timeline(page);
    assert.equal(after.events, before.events - 1, 'one event fewer');
    assert.equal(after.live, false);
    const traceAfter = await page.evaluate(() => window.playground.trace());
    assert.ok(traceAfter.length < traceBefore.length && traceBefore.startsWith(traceAfter), 'the trace is the old one without its last event');
    const undone = jsonLines(traceBefore).length - jsonLines(traceAfter).length;
    // A moment shown anew is drawn at the next frame (event-log.js).
    await nextFrames(page);
    assert.equal(await page.getByTestId('event-log').locator('.entry').count(), logBefore - undone, 'the event log lost what that event recorded');

    await page.getByTestId('step-back').click();
    assert.equal((await timeline(page)).events, before.events - 2);
    await page.getByTestId('step').click();
    // `.` typed in a console is text; Esc leaves the console, and `.` steps again.
    const prompt = page.getByTestId('console-input-0');
    await prompt.fill('get 5');
    await prompt.press('.');
    assert.equal((await timeline(page)).events, before.events - 1, 'a key typed into a field is text');
    await prompt.press('Escape');
    assert.equal(await prompt.inputValue(), 'get 5.', 'Esc keeps what was typed');
    await page.keyboard.press('.');
    assert.equal(await page.evaluate(() => window.playground.trace()), traceBefore, 'stepping forward replays the same events');
    assert.equal((await timeline(page)).live, true);
  }),
);

test('a fault with the node changes it asks for is one event for Step and for Back', SLOW, () =>
  withPlayground(async ({ page }) => {
    await page.getByTestId('play-pause').click(); // pause
    const before = await timeline(page);
    const trace = await page.evaluate(() => window.playground.trace());
    // A clock skew that widens the cluster's skew spread: the skewed node changes its clock and
    // every node its hint lifetime, each a step of the loop after the fault's own.
    await page.evaluate(() => window.playground.fault('skew 1 2000'));
    const after = await timeline(page);
    assert.equal(after.events, before.events + 1, 'the fault and the node changes it asks for are one event');

    await page.getByTestId('step-back').click();
    assert.equal((await timeline(page)).events, before.events, 'Back undoes the whole fault');
    assert.equal(await page.evaluate(() => window.playground.trace()), trace);
    await page.getByTestId('step').click();
    assert.equal((await timeline(page)).events, after.events, 'Step redoes the whole fault');
    assert.match(await page.evaluate(() => window.playground.trace()), /"text":"skew 1 2000"/);
  }),
);

test('typing in the past forks the history: the later events are gone, the new command runs; screenshot', SLOW, () =>
  withPlayground(async ({ page }) => {
    const trace = await playDemo(page);
    const repaired = trace.find((e) => e.kind === 'deliver' && e.msg === 'repair' && e.to === 2).time;
    const oldEnd = await timeline(page);
    const past = await dragTimelineTo(page, repaired - 300_000);
    assert.equal(past.live, false);

    await typeCommand(page, 1, 'get 5 ALL');
    await waitForText(page, 'timeline-note', 'forked at t =');
    const forked = await timeline(page);
    assert.equal(forked.forkedAt, past.now);
    assert.ok(forked.end < oldEnd.end, `the history ends at the fork: ${JSON.stringify({ oldEnd, past, forked })}`);
    assert.ok((await traceEvents(page)).every((e) => e.time <= past.now + 1), 'no event after the fork');
    assert.match(await textOf(page, 'console-output-1'), /n1> get 5 ALL/, 'the command is echoed on the new history');

    await page.getByTestId('play-pause').click(); // the fork is paused, like the past
    await waitForText(page, 'console-output-1', 'Get return: world');
    const lines = jsonLines(await page.evaluate(() => window.playground.script()));
    assert.match(lines.at(-1), /^\d+(\.\d+)? 1 get 5 ALL$/, `the new command ends the script:\n${lines.join('\n')}`);
    assert.equal(lines.filter((l) => / 3 get 5 ONE$/.test(l)).length, 1, 'the commands before the fork are kept');
    await page.getByTestId('play-pause').click();
    await page.screenshot({ path: join(ROOT, 'target/timeline-fork.png'), fullPage: true });
  }),
);

test('a fork keeps a command typed now and drops a script line for later that was given before it', SLOW, () =>
  withPlayground(async ({ page }) => {
    await page.evaluate(() => window.playground.pause());
    // 60 inserts over the next 60 ms (hundreds of steps: checkpoints), and one line for 5 s later.
    const script = [...Array.from({ length: 60 }, (_, i) => `${i} ${i % 4} insert k${i} v ALL`), '5000 0 insert late x ALL'];
    await page.evaluate((text) => window.playground.runScript(text), script.join('\n'));
    // Stepped through the inserts (a checkpoint is taken on the way), then a command typed there.
    await page.evaluate(() => {
      while (window.playground.timeline().events < 250) window.playground.step(); // a checkpoint at 200
    });
    assert.ok((await timeline(page)).now < 5_000_000, 'the line for 5 s has not run yet');
    await page.evaluate(() => void window.playground.run(1, 'insert early y ALL')); // logged after the line for 5 s
    await page.evaluate(() => window.playground.runUntilQuiet());
    // Back to 2 s, between the two, and a command there: the fork keeps `early`, drops `late`.
    await page.evaluate(() => window.playground.travelTo(2_000_000));
    await typeCommand(page, 2, 'get early ALL');
    await page.evaluate(() => window.playground.runUntilQuiet());
    const lines = (await page.evaluate(() => window.playground.script())).trim().split('\n');
    assert.equal(lines.filter((l) => / insert late /.test(l)).length, 0, 'the line for 5 s is dropped');
    assert.equal(lines.filter((l) => / insert early /.test(l)).length, 1, 'the command typed at 0.1 s is kept');
    const keys = (node) => page.evaluate((i) => window.playground.state().nodes[i].store.map((row) => row.key), node);
    const held = new Set([...(await keys(0)), ...(await keys(1)), ...(await keys(2)), ...(await keys(3))]);
    assert.ok(held.has('early') && !held.has('late'), `the run restored from a checkpoint is the log's: ${[...held].join(' ')}`);
    await waitForText(page, 'console-output-2', 'Get return: y');
  }),
);

test('a shared link opens the same run in a new page: same stores, same trace hash, also in the past', SLOW, () =>
  withPlayground(async ({ page, context }) => {
    await page.evaluate(() => window.playground.setSpeed(20));
    await typeCommand(page, 0, 'insert 5 hello ALL');
    await waitForText(page, 'console-output-0', 'insert successful');
    await typeCommand(page, 3, 'update 5 world ONE');
    await page.evaluate(() => window.playground.fault('crash 1'));
    await typeCommand(page, 3, 'get 5 QUORUM');
    await waitForText(page, 'console-output-3', 'Get return');
    await page.getByTestId('play-pause').click();

    const opened = [];
    let url = '';
    for (const moment of ['end', 'past']) {
      await page.bringToFront(); // the other page took the front: this one draws no frames behind it
      if (moment === 'past') assert.equal((await dragTimelineTo(page, (await timeline(page)).end / 2)).live, false);
      const previous = url;
      await page.getByTestId('share-link').click();
      url = await eventually(async () => (await page.getByTestId('share-url').inputValue()).replace(previous, ''), {
        message: 'a new link in share-url',
      });
      assert.match(url, /#scenario=[A-Za-z0-9_-]+&t=\d+(\.\d+)?$/);
      const other = await openPlayground(context, url);
      opened.push(other);
      assert.equal(await traceHash(other.page), await traceHash(page), `the ${moment}: same trace hash`);
      for (const i of [0, 1, 2, 3]) assert.deepEqual(await storeRows(other.page, i), await storeRows(page, i), `the ${moment}: n${i}'s store`);
      const [mine, theirs] = [await timeline(page), await timeline(other.page)];
      assert.equal(theirs.now, mine.now, 'the same moment');
      assert.equal(theirs.events, mine.events);
    }
    assert.equal(await page.getByTestId('share-url').isVisible(), true);
    await page.getByTestId('reset').click();
    assert.equal(await page.getByTestId('share-url').isVisible(), false, "a new run: the old run's link is not left to copy");
    for (const other of opened) await other.assertClean();
  }),
);

test('the downloaded scenario runs headless to the same hash, and loads into another page; exports', SLOW, () =>
  withPlayground(async ({ page, context }) => {
    await typeCommand(page, 0, 'insert 5 hello ALL');
    await waitForText(page, 'console-output-0', 'insert successful');
    await page.evaluate(() => window.playground.fault('partition 0,1 | 2,3'));
    await typeCommand(page, 3, 'update 5 split ONE');
    await page.evaluate(() => window.playground.fault('heal'));
    await typeCommand(page, 1, 'get 5 ALL');
    await page.getByTestId('run-until-quiet').click();
    await page.getByTestId('play-pause').click(); // pause: the moment saved is the one shown
    const hash = await traceHash(page);

    const scenario = await download(page, 'download-scenario');
    assert.match(scenario.name, /\.json$/);
    const file = JSON.parse(readFileSync(scenario.path, 'utf8'));
    assert.equal(file.version, 1);
    assert.equal(file.time_ms, (await timeline(page)).now / 1000, 'the file keeps the moment shown');
    const out = execFileSync(ensureKvsim(), ['run', '--scenario', scenario.path, '--hash'], { encoding: 'utf8' });
    assert.ok(out.includes(hash), `kvsim prints the page's hash ${hash}:\n${out.slice(-300)}`);

    // A moment in the past (the partition in force): kvsim --until the file's time_ms stops there too.
    const { end } = await timeline(page);
    await page.evaluate((t) => window.playground.travelTo(t), Math.round(end / 3));
    const pastFile = (await download(page, 'download-scenario')).path;
    const past = JSON.parse(readFileSync(pastFile, 'utf8'));
    const pastHash = await traceHash(page);
    assert.notEqual(pastHash, hash);
    const until = execFileSync(ensureKvsim(), ['run', '--scenario', pastFile, '--hash', '--quiet', '--until', String(past.time_ms)], { encoding: 'utf8' });
    assert.equal(until.trim(), `trace hash: ${pastHash}`, 'kvsim --until the moment gives the page\'s hash there');
    await page.evaluate(() => window.playground.live());

    const other = await openPlayground(context, server.url);
    await other.page.getByTestId('load-scenario').setInputFiles(scenario.path);
    await eventually(async () => (await traceHash(other.page)) === hash, { message: 'the loaded page to reach the same hash' });
    assert.ok(await other.page.getByTestId('share-error').isHidden());
    await other.assertClean();

    // Dropped on a page rather than chosen: read as a scenario, not as a config.
    const dropped = await openPlayground(context, server.url);
    await dropFile(dropped.page, 'node-grid', 'kv-scenario.json', readFileSync(scenario.path, 'utf8'));
    await eventually(async () => (await traceHash(dropped.page)) === hash, { message: 'the page it was dropped on to reach the same hash' });
    assert.ok(await dropped.page.getByTestId('config-error').isHidden(), 'not read as a config');
    assert.ok(await dropped.page.getByTestId('share-error').isHidden());
    await dropped.assertClean();

    const trace = readFileSync((await download(page, 'export-trace')).path, 'utf8');
    assert.deepEqual(Object.keys(JSON.parse(trace.split('\n')[0])).slice(0, 2), ['time', 'kind']);
    const files = await page.evaluate(async () => {
      const root = await navigator.storage.getDirectory();
      const names = [];
      for await (const name of root.keys()) names.push(name);
      return names;
    });
    assert.deepEqual(files, [], 'a short export is gathered in memory, not written to a file (export-sink.js)');
    assert.equal(trace, await page.evaluate(async () => (await window.playground.exportTrace()).text()));
    assert.equal(trace, await page.evaluate(() => window.playground.trace()));
    const shiviz = readFileSync((await download(page, 'export-shiviz')).path, 'utf8');
    assert.match(shiviz.split('\n')[0], /^n\d+ \{"n\d+":\d+.*\}$/, 'a host and its vector clock');
    assert.equal(shiviz, await page.evaluate(() => window.playground.exportShiviz()));
  }),
);

/** A link fragment holding `text` as a scenario would be packed. */
const fragment = (text, t = 0) => `#scenario=${deflateRawSync(Buffer.from(text)).toString('base64url')}&t=${t}`;

test('bad scenario files and links show an error and change nothing', SLOW, () =>
  withPlayground(async ({ page }) => {
    await typeCommand(page, 0, 'insert 5 hello ALL');
    await waitForText(page, 'console-output-0', 'insert successful');
    await page.getByTestId('play-pause').click();
    const hash = await traceHash(page);
    const shown = await timeline(page);
    const stores = await Promise.all([0, 1, 2, 3].map((i) => storeRows(page, i)));
    const unchanged = async (what) => {
      assert.equal(await traceHash(page), hash, `${what}: same trace`);
      assert.deepEqual(await timeline(page), shown, `${what}: same moment and history`);
      assert.deepEqual(await Promise.all([0, 1, 2, 3].map((i) => storeRows(page, i))), stores, `${what}: same stores`);
    };
    const good = { version: 1, config: JSON.parse(EXAMPLE_CONFIG), seed: 1, script: ['0 0 get 5 ONE'] };
    const files = [
      ['not json', 'this is not JSON', /invalid scenario: scenario:/],
      ['another version', JSON.stringify({ ...good, version: 2 }), /version: 2 is not supported/],
      ['a bad line', JSON.stringify({ ...good, script: ['10 crash 9'] }), /script\[0\].*no node 9/],
      ['a bad config', JSON.stringify({ ...good, config: { addresses: ['a'], avg_delays: [[-1]] } }), /config\.avg_delays/],
      ['a bad time', JSON.stringify({ ...good, time_ms: -4 }), /time_ms/],
      ['a huge file', JSON.stringify({ ...good, script: Array(80_000).fill('0 0 get 5 ONE') }), /too large/],
    ];
    const showsError = (what, error) =>
      eventually(async () => error.test(await page.getByTestId('share-error').textContent()), {
        message: async () => `${what}: ${error} in share-error, which says "${await page.getByTestId('share-error').textContent()}"`,
      });
    for (const [what, text, error] of files) {
      await page.getByTestId('load-scenario').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(text) });
      await showsError(what, error);
      assert.ok(await page.getByTestId('share-error').isVisible(), `${what}: the error is shown`);
      assert.match(await textOf(page, 'share-error'), /^Nothing changed: /);
      await unchanged(what);
    }
    // Dropped on the page rather than chosen: the same error, and not read as a config.
    await dropFile(page, 'node-grid', 'bad.json', JSON.stringify({ ...good, version: 2 }));
    await showsError('a dropped file of another version', /version: 2 is not supported/);
    assert.ok(await page.getByTestId('config-error').isHidden(), 'a scenario file is not read as a config');
    await unchanged('a dropped scenario file');
    const links = [
      ['not base64', '#scenario=%%%&t=1', /damaged/],
      ['not deflate', '#scenario=aGVsbG8&t=1', /damaged/],
      ['another version', fragment(JSON.stringify({ ...good, version: 2 })), /version/],
      ['a bad moment', fragment(JSON.stringify(good), -5), /t=-5/],
      ['a zip bomb', fragment(' '.repeat(5_000_000)), /too large/],
    ];
    for (const [what, hashText, error] of links) {
      await page.evaluate((h) => (location.hash = h), hashText);
      await showsError(`link with ${what}`, error);
      await unchanged(`link with ${what}`);
    }
    const rejected = await page.evaluate(() => window.playground.loadScenario('{').then(() => 'loaded', (e) => e.message));
    assert.match(rejected, /invalid scenario/);
    await unchanged('playground.loadScenario');
  }),
);
