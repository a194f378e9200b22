// The playground page in headless Chromium, used as a person would: typing commands into the node
// consoles, clicking the controls, editing the config. Every test also fails on a console error,
// an uncaught exception, a failed request, a CSP violation or a shown fatal error.
//
// Run: node --test tests/e2e/ (after scripts/build-wasm.sh and cargo build --release).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
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
  clockSeconds,
  dropFile,
  ensurePlaying,
  ensureKvsim,
  jsonLines,
} from './helpers.mjs';

const SLOW = { timeout: 120_000 };

let server;
before(async () => {
  server = await startServer();
});
after(() => server?.close());

/** A fresh browser (own empty profile) and the loaded playground for one test. */
async function withPlayground(fn) {
  const browser = await launchBrowser();
  try {
    const playground = await openPlayground(browser.context, server.url);
    await fn(playground);
    await playground.assertClean();
  } finally {
    await browser.close();
  }
}

/** Value of key `key` in node `i`'s store table, or undefined when the node has no row for it. */
async function storeValue(page, i, key) {
  return (await storeRows(page, i)).find((r) => r.dataKey === key);
}

/** Chooses the option of a <select> whose value or label matches `pattern`; returns its value. */
async function selectMatching(page, testId, pattern) {
  const value = await page.getByTestId(testId).evaluate((select, source) => {
    const re = new RegExp(source, 'i');
    const option = [...select.options].find((o) => re.test(o.value) || re.test(o.textContent));
    return option ? option.value : null;
  }, pattern.source);
  assert.ok(value !== null, `${testId} has an option matching ${pattern}`);
  await page.getByTestId(testId).selectOption(value);
  return value;
}

test('the example cluster is loaded: four node panels, seed 42, a hint, a legend, no horizontal scroll', SLOW, () =>
  withPlayground(async ({ page }) => {
    for (let i = 0; i < 4; i++) {
      await page.getByTestId(`node-panel-${i}`).waitFor();
      assert.match(await textOf(page, `node-panel-${i}`), new RegExp(`localhost:1500${i}`));
      await page.getByTestId(`console-input-${i}`).waitFor();
      await page.getByTestId(`store-table-${i}`).waitFor({ state: 'attached' });
    }
    assert.equal(await page.getByTestId('node-panel-4').count(), 0, 'exactly four nodes');
    const seed = page.getByTestId('seed');
    const seedText = (await seed.evaluate((el) => ('value' in el ? el.value : el.textContent))).trim();
    assert.match(seedText, /\b42\b/, 'the seed shown is 42');
    assert.ok((await textOf(page, 'hint')).length > 10, 'a one-line hint says what to type');
    // The legend lists what has travelled so far (nothing, before the first command), the rest
    // on demand.
    const legend = page.getByTestId('legend');
    assert.equal(await legend.locator('li[data-kind]:visible').count(), 0, 'no message kind before any message');
    await page.getByTestId('legend-all').click();
    const all = (await legend.innerText()).toLowerCase();
    for (const kind of ['read', 'write', 'repair', 'search', 'down node']) assert.ok(all.includes(kind), `"all" lists ${kind}`);
    await page.getByTestId('legend-all').click();
    await typeCommand(page, 0, 'insert 5 hello ALL');
    await eventually(async () => (await legend.innerText()).includes('write ack'), { message: 'the write and its acks in the legend' });
    assert.equal(await legend.locator('li[data-kind="search"]:visible').count(), 0, 'search has not travelled');
    assert.ok(await page.getByTestId('topology').isVisible(), 'the topology is drawn');
    assert.ok(await page.getByTestId('demo-read-repair').isVisible());
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at 1280 px (the page is ${overflow} px too wide)`);
  }),
);

test('(a) insert on n0 at ALL, then get at ONE on n3 returns the value', SLOW, () =>
  withPlayground(async ({ page }) => {
    await ensurePlaying(page);
    await page.evaluate(() => window.playground.setSpeed(20));
    await typeCommand(page, 0, 'insert 5 hello ALL');
    await waitForText(page, 'console-output-0', 'insert successful');
    assert.equal(await page.getByTestId('console-input-0').inputValue(), '', 'the prompt is cleared after Enter');

    await typeCommand(page, 3, 'get 5 ONE');
    await waitForText(page, 'console-output-3', 'Get return: hello');
    await waitForText(page, 'live-results', 'Get return: hello');
    assert.ok(await page.getByTestId('live-results').getAttribute('aria-live'), 'live-results is an aria-live region');

    // Key 5 lives on n0, n1 and n2; n3 coordinated the read but holds nothing.
    for (const i of [0, 1, 2]) {
      const row = await eventually(() => storeValue(page, i, '5'), { message: `key 5 in store-table-${i}` });
      assert.equal(row.key, '5');
      assert.equal(row.value, 'hello');
      assert.ok(!/STALE/.test(row.state ?? ''), `n${i} is not stale`);
    }
    assert.equal(await storeValue(page, 3, '5'), undefined, 'n3 is not a replica of key 5');

    const results = await page.evaluate(() => window.playground.results());
    const get = results.find((r) => r.node === 3 && r.command === 'get 5 ONE');
    assert.ok(get, `results() holds the get: ${JSON.stringify(results)}`);
    assert.equal(get.ok, true);
    assert.match(get.text, /Get return: hello/);
  }),
);

test('controls: pause, step, run until quiet, speed and reset', SLOW, () =>
  withPlayground(async ({ page }) => {
    // Pause if the clock runs, and check it stands still.
    const t0 = await clockSeconds(page);
    await page.waitForTimeout(400);
    if ((await clockSeconds(page)) !== t0) await page.getByTestId('play-pause').click();
    const paused = await clockSeconds(page);
    await page.waitForTimeout(400);
    assert.equal(await clockSeconds(page), paused, 'the clock stands still while paused');

    await typeCommand(page, 0, 'insert 5 hello ALL');
    const traceLength = async () => jsonLines(await page.evaluate(() => window.playground.trace())).length;
    let length = await traceLength();
    let clock = await clockSeconds(page);
    for (let i = 0; i < 3; i++) {
      await page.getByTestId('step').click();
      await eventually(async () => (await traceLength()) > length, { message: `step ${i + 1} to deliver an event` });
      const now = await clockSeconds(page);
      assert.ok(now >= clock, `the clock never goes back (${clock} -> ${now})`);
      clock = now;
      length = await traceLength();
    }
    assert.ok(clock > paused, 'stepping moved the clock to the delivered messages');
    await page.waitForTimeout(400);
    assert.equal(await clockSeconds(page), clock, 'still paused after stepping');

    await page.getByTestId('run-until-quiet').click();
    await waitForText(page, 'console-output-0', 'insert successful');
    const state = await page.evaluate(() => window.playground.state());
    assert.equal(state.inFlight.length, 0, 'nothing in flight after run until quiet');
    for (const i of [0, 1, 2]) assert.equal((await storeValue(page, i, '5'))?.value, 'hello');

    // Speed: the slider's value is shown beside it.
    const speed = page.getByTestId('speed');
    const before = await textOf(page, 'speed-value');
    const max = (await speed.getAttribute('max')) ?? '100';
    await speed.fill(max);
    await eventually(async () => (await textOf(page, 'speed-value')) !== before, {
      message: `speed-value to change from "${before}" after moving the speed slider to ${max}`,
    });

    // Reset: an empty cluster at time 0.
    await page.getByTestId('reset').click();
    await eventually(async () => (await storeRows(page, 0)).length === 0, { message: 'store-table-0 to empty' });
    for (const i of [1, 2, 3]) assert.equal((await storeRows(page, i)).length, 0, `store-table-${i} is empty`);
    assert.ok((await clockSeconds(page)) < 1, 'the clock is back at 0');
    assert.equal(jsonLines(await page.evaluate(() => window.playground.trace())).length, 0, 'the trace is empty');

    // And it still works.
    await ensurePlaying(page);
    await page.evaluate(() => window.playground.setSpeed(20));
    await typeCommand(page, 1, 'insert 6 again QUORUM');
    await waitForText(page, 'console-output-1', 'insert successful');
  }),
);

test('(b) Watch read repair opens the read-repair lesson: a stale replica, repair messages, convergence; screenshot', SLOW, () =>
  withPlayground(async ({ page }) => {
    await page.getByTestId('demo-read-repair').click();
    await waitForText(page, 'lesson-progress', 'step 1 of 6');
    assert.equal(await textOf(page, 'lesson-title'), 'Read repair');

    // Step by step with Next: n2 is STALE once the update went by it, then the read's repair
    // fixes it, and the event log says so.
    const staleAt = [];
    for (let k = 1; k <= 6; k++) {
      const row = await storeValue(page, 2, '5');
      if (/STALE/.test(row?.state ?? '')) staleAt.push(k);
      if (k < 6) await page.getByTestId('lesson-next').click();
    }
    assert.deepEqual(staleAt, [3, 4, 5], 'n2 is STALE from the update to the repair');
    for (const i of [0, 1, 2]) {
      const row = await storeValue(page, i, '5');
      assert.equal(row?.value, 'world', `n${i} holds world at the last step`);
      assert.ok(!/STALE/.test(row.state ?? ''), `no STALE row at the last step (n${i})`);
    }
    assert.match(await textOf(page, 'event-log'), /repair/i, 'the event log shows the repair');
    await page.evaluate(() => window.playground.live()); // the rest of the lesson's run
    const trace = jsonLines(await page.evaluate(() => window.playground.trace())).map((l) => JSON.parse(l));
    const repairs = trace.filter((e) => e.msg === 'repair');
    assert.ok(repairs.some((e) => e.kind === 'send' && e.to === 2), 'the trace shows a repair sent to n2');
    for (const i of [0, 1, 2]) {
      for (const row of await storeRows(page, i)) {
        assert.ok(!/STALE/.test(row.state ?? ''), `no STALE row at the end (n${i}: ${JSON.stringify(row)})`);
      }
    }

    mkdirSync(join(ROOT, 'target/e2e'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'target/e2e/playground.png'), fullPage: true });
  }),
);

test('(b) a held link makes n2 stale; a get at ALL repairs it; inspector and log filter show it', SLOW, () =>
  withPlayground(async ({ page }) => {
    await ensurePlaying(page);
    await page.evaluate(() => window.playground.setSpeed(20));
    await typeCommand(page, 0, 'insert 5 hello ALL');
    await waitForText(page, 'console-output-0', 'insert successful');

    await page.evaluate(() => window.playground.setLink(0, 2, 'hold'));
    await typeCommand(page, 0, 'update 5 world QUORUM');
    await waitForText(page, 'console-output-0', 'update successful');
    const stale = await eventually(
      async () => {
        const row = await storeValue(page, 2, '5');
        return row && /STALE/.test(row.state ?? '') && row;
      },
      { message: async () => `a STALE row for key 5 on n2: ${JSON.stringify(await storeRows(page, 2))}` },
    );
    assert.equal(stale.value, 'hello', 'n2 still holds hello');
    for (const i of [0, 1]) assert.equal((await storeValue(page, i, '5'))?.value, 'world');

    // The key inspector shows the replicas side by side, n2 marked stale.
    const inspector = page.getByTestId('inspector-key');
    if ((await inspector.evaluate((el) => el.tagName)) === 'SELECT') await inspector.selectOption('5');
    else {
      await inspector.fill('5');
      await inspector.press('Enter');
    }
    await waitForText(page, 'inspector-table', 'STALE');
    assert.match(await textOf(page, 'inspector-table'), /hello/);
    assert.match(await textOf(page, 'inspector-table'), /world/);

    await typeCommand(page, 3, 'get 5 ALL');
    await waitForText(page, 'console-output-3', 'Get return: world');
    await waitForText(page, 'console-output-3', 'Executing repair');
    await eventually(async () => (await storeValue(page, 2, '5'))?.value === 'world', {
      message: 'n2 to be repaired with world',
    });
    await eventually(async () => !/STALE/.test(await textOf(page, 'inspector-table')), {
      message: 'the inspector to show no stale replica',
    });
    for (const i of [0, 1, 2]) assert.ok(!/STALE/.test((await storeValue(page, i, '5')).state ?? ''));

    // The event log filtered to repairs shows only repair events, at least one.
    await selectMatching(page, 'log-filter-kind', /repair/);
    await eventually(
      async () => {
        const lines = (await textOf(page, 'event-log')).split('\n').filter((l) => l.trim());
        return lines.length > 0 && lines.every((l) => /repair/i.test(l));
      },
      { message: async () => `only repair events in the filtered log:\n${await textOf(page, 'event-log')}` },
    );
    await selectMatching(page, 'log-filter-node', /2/);
    await page.evaluate(() => window.playground.setLink(0, 2, 'up'));
    await page.evaluate(() => window.playground.runUntilQuiet());
    assert.equal((await storeValue(page, 2, '5'))?.value, 'world', 'the released old write changes nothing');
  }),
);

/**
 * After a config file was chosen or dropped: a page may apply it at once or load it into the
 * editor for Apply. Waits a moment for `done` (the file took effect); else clicks config-apply.
 */
async function loadedOrApplied(page, done) {
  try {
    await eventually(done, { timeout: 3_000, message: 'the loaded file to take effect' });
  } catch {
    await page.getByTestId('config-apply').click();
  }
}

test('the event log: a long run keeps few rows in the DOM, follows the newest, and stays where the reader scrolled', SLOW, () =>
  withPlayground(async ({ page }) => {
    // The rows in the DOM, the first and last in view, whether the view is at the bottom.
    const rows = () =>
      page.getByTestId('event-log').evaluate((log) => {
        const entries = [...log.querySelectorAll('.entry')];
        const box = log.getBoundingClientRect();
        const seen = entries.filter((e) => {
          const r = e.getBoundingClientRect();
          return r.bottom > box.top + 4 && r.top < box.bottom - 4;
        });
        return {
          count: entries.length,
          first: seen[0]?.textContent ?? '',
          last: seen.at(-1)?.textContent ?? '',
          newest: entries.at(-1)?.textContent ?? '',
          atBottom: log.scrollHeight - log.scrollTop - log.clientHeight < 20,
        };
      });
    const script = (from) => Array.from({ length: 200 }, (_, i) => `${i} ${i % 4} insert k${from + i} v${from + i} ALL`).join('\n');
    const timeOf = (line) => Number(line.split(' ')[0]);
    await page.evaluate((text) => window.playground.runScript(text), script(0));
    await page.evaluate(() => window.playground.runUntilQuiet());
    await eventually(async () => {
      const r = await rows();
      return r.atBottom && r.last !== '' && r.last === r.newest;
    }, { message: 'the newest events at the bottom' });
    const following = await rows();
    assert.ok(following.count <= 60, `only the rows in view (and a few) exist: ${following.count}`);

    // The reader scrolls to the top: the oldest events show, and new ones do not pull the view down.
    await page.getByTestId('event-log').evaluate((log) => (log.scrollTop = 0));
    await eventually(async () => /command insert k0 /.test((await rows()).first), { message: 'the first event at the top' });
    await page.evaluate((text) => window.playground.runScript(text), script(1000));
    await page.evaluate(() => window.playground.runUntilQuiet());
    await page.waitForTimeout(200);
    assert.match((await rows()).first, /command insert k0 /, 'the view stays where the reader put it');

    // Back at the bottom, it follows again: the newest event is a later one than before.
    await page.getByTestId('event-log').evaluate((log) => (log.scrollTop = log.scrollHeight));
    await eventually(async () => {
      const r = await rows();
      return r.atBottom && r.last === r.newest && timeOf(r.last) > timeOf(following.last);
    }, { message: 'following the newest again' });
  }),
);

test('(c) a bad config shows an error naming the field; the running cluster keeps its data', SLOW, () =>
  withPlayground(async ({ page }) => {
    await ensurePlaying(page);
    await page.evaluate(() => window.playground.setSpeed(20));
    await typeCommand(page, 0, 'insert 5 hello ALL');
    await waitForText(page, 'console-output-0', 'insert successful');

    // Open the editor, type a negative delay into the grid, apply.
    const apply = page.getByTestId('config-apply');
    if (!(await apply.isVisible())) await page.getByTestId('config-toggle').click();
    await apply.waitFor();
    assert.equal(await page.getByTestId('config-nodes').evaluate((el) => ('value' in el ? el.value : el.textContent).trim()), '4');
    assert.equal(await page.getByTestId('config-address-2').inputValue(), 'localhost:15002');
    assert.equal(Number(await page.getByTestId('config-delay-0-2').inputValue()), 3);
    const cell = page.getByTestId('config-delay-0-1');
    await cell.fill('-1');
    await apply.click();
    await waitForText(page, 'config-error', 'avg_delays[0][1]');
    assert.ok(await page.getByTestId('config-error').isVisible());

    // A bad file: two nodes with one address.
    const bad = JSON.stringify({ addresses: ['a:1', 'a:1'], avg_delays: [[0, 1], [1, 0]] });
    await page.getByTestId('config-file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(bad) });
    await loadedOrApplied(page, async () => (await textOf(page, 'config-error')).includes('addresses[1]'));
    await waitForText(page, 'config-error', 'addresses[1]');

    // A file dropped on the drop zone: an unknown field.
    const unknown = JSON.stringify({ addresses: ['a:1'], avg_delays: [[0]], colour: 'red' });
    await dropFile(page, 'config-drop', 'unknown.json', unknown);
    await loadedOrApplied(page, async () => (await textOf(page, 'config-error')).includes('colour'));
    await waitForText(page, 'config-error', 'colour');

    // A file that is not JSON: the error names that file.
    await page.getByTestId('config-file').setInputFiles({ name: 'malformed.json', mimeType: 'application/json', buffer: Buffer.from('{"addresses": [') });
    await waitForText(page, 'config-error', 'invalid config: malformed.json: ');

    // The cluster kept running with its data: four nodes, key 5 on its replicas, new commands work.
    for (const i of [0, 1, 2]) assert.equal((await storeValue(page, i, '5'))?.value, 'hello', `n${i} kept key 5`);
    assert.equal(await page.getByTestId('node-panel-3').count(), 1);
    const clock = await clockSeconds(page);
    await eventually(async () => (await clockSeconds(page)) > clock, { message: 'the clock to keep running' });
    await typeCommand(page, 3, 'get 5 ONE');
    await waitForText(page, 'console-output-3', 'Get return: hello');

    // A good config through the same editor replaces the cluster.
    const good = JSON.stringify({ addresses: ['x:1', 'x:2', 'x:3'], avg_delays: [[0, 0.1, 0.1], [0.1, 0, 0.1], [0.1, 0.1, 0]] });
    await page.getByTestId('config-file').setInputFiles({ name: 'good.json', mimeType: 'application/json', buffer: Buffer.from(good) });
    await loadedOrApplied(page, async () => (await page.getByTestId('node-panel-3').count()) === 0);
    await eventually(async () => (await page.getByTestId('node-panel-3').count()) === 0, {
      message: 'the three-node config to replace the four nodes',
    });
    assert.match(await textOf(page, 'node-panel-2'), /x:3/);
    await ensurePlaying(page);
    await typeCommand(page, 2, 'insert 7 seven ALL');
    await waitForText(page, 'console-output-2', 'insert successful');
  }),
);

test('(d) hostile values are shown as text: no dialog, no element made from them', SLOW, () =>
  withPlayground(async ({ page, problems }) => {
    await ensurePlaying(page);
    await page.evaluate(() => window.playground.setSpeed(20));
    const img = '<img/src=x/onerror=alert(1)>';
    const script = '<script>alert(1)</script>';
    const key = '<b>k3</b>';
    await typeCommand(page, 0, `insert k1 ${img} ALL`);
    await typeCommand(page, 1, `insert k2 ${script} ALL`);
    await typeCommand(page, 2, `insert ${key} v3 ALL`);
    await waitForText(page, 'console-output-0', 'insert successful');
    await waitForText(page, 'console-output-1', 'insert successful');
    await waitForText(page, 'console-output-2', 'insert successful');
    await typeCommand(page, 3, 'get k1 ONE');
    await waitForText(page, 'console-output-3', `Get return: ${img}`);
    await typeCommand(page, 3, 'get k2 ONE');
    await waitForText(page, 'console-output-3', `Get return: ${script}`);
    await typeCommand(page, 0, 'show-all');
    await waitForText(page, 'console-output-0', script); // n0 holds k2 too (keys live on 3 of 4 nodes)
    assert.ok((await textOf(page, 'console-output-0')).includes(img), 'the typed value is shown literally');

    const values = {};
    for (let i = 0; i < 4; i++) {
      for (const row of await storeRows(page, i)) values[row.dataKey] = [...(values[row.dataKey] ?? []), row];
    }
    assert.ok(values.k1?.length >= 1 && values.k1.every((r) => r.value === img), `k1 shown literally: ${JSON.stringify(values.k1)}`);
    assert.ok(values.k2?.length >= 1 && values.k2.every((r) => r.value === script), `k2 shown literally: ${JSON.stringify(values.k2)}`);
    assert.ok(values[key]?.length >= 1 && values[key].every((r) => r.key === key), `the key is shown literally: ${JSON.stringify(values[key])}`);

    // A hostile address in a config is shown as text too.
    await page.evaluate(
      (cfg) => window.playground.loadConfig(cfg, { seed: 1 }),
      JSON.stringify({ addresses: ['<img src=x onerror=alert(2)>', '<svg onload=alert(3)>'], avg_delays: [[0, 0.1], [0.1, 0]] }),
    );
    await waitForText(page, 'node-panel-0', '<img src=x onerror=alert(2)>');
    await waitForText(page, 'node-panel-1', '<svg onload=alert(3)>');

    await page.waitForTimeout(500); // give a planted handler the chance to fire
    const planted = await page.evaluate(() => ({
      onerror: document.querySelectorAll('[onerror], [onload]').length,
      imgX: [...document.images].filter((i) => i.getAttribute('src') === 'x').length,
      scripts: [...document.scripts].filter((s) => s.textContent.includes('alert(')).length,
      bold: [...document.querySelectorAll('b')].filter((b) => b.textContent === 'k3').length,
    }));
    assert.deepEqual(planted, { onerror: 0, imgX: 0, scripts: 0, bold: 0 }, 'no element was created from typed text');
    assert.deepEqual(problems.dialogs, [], 'no dialog opened');
  }),
);

test('(e) the live page and kvsim give the same trace for the typed commands', SLOW, () =>
  withPlayground(async ({ page }) => {
    const kvsim = ensureKvsim();
    await page.evaluate((cfg) => window.playground.loadConfig(cfg, { seed: 42 }), EXAMPLE_CONFIG);
    await ensurePlaying(page);
    await page.evaluate(() => window.playground.setSpeed(10));
    await typeCommand(page, 0, 'insert 5 hello ALL');
    await waitForText(page, 'console-output-0', 'insert successful');
    await typeCommand(page, 0, 'update 5 world ONE');
    await typeCommand(page, 3, 'get 5 ONE');
    await typeCommand(page, 1, 'insert 12 twelve QUORUM');
    await waitForText(page, 'console-output-3', 'Get return');
    await typeCommand(page, 2, 'search 5');
    await typeCommand(page, 1, 'get'); // a mistake: answered with Invalid command
    await typeCommand(page, 3, 'delete 12');
    await waitForText(page, 'console-output-1', 'Invalid command');
    await page.evaluate(() => window.playground.runUntilQuiet());

    const script = await page.evaluate(() => window.playground.script());
    const pageTrace = jsonLines(await page.evaluate(() => window.playground.trace()));
    const scriptLines = script.split('\n').filter((l) => l.trim());
    for (const line of scriptLines) assert.match(line, /^\d+\.\d{3} \d+ \S/, `script line "${line}"`);
    const typed = ['0 insert 5 hello ALL', '0 update 5 world ONE', '3 get 5 ONE', '1 insert 12 twelve QUORUM', '2 search 5', '3 delete 12'];
    const listed = scriptLines.map((l) => l.replace(/^\S+ /, '')).filter((l) => l !== '1 get');
    assert.deepEqual(listed, typed, `script() lists the typed commands in order:\n${script}`);
    const times = scriptLines.map((l) => Number(l.split(' ')[0]));
    assert.deepEqual([...times].sort((a, b) => a - b), times, 'in time order');

    const dir = mkdtempSync(join(tmpdir(), 'kvplayground-e2e-'));
    try {
      const scriptPath = join(dir, 'typed.kvs');
      writeFileSync(scriptPath, script);
      const out = execFileSync(
        kvsim,
        ['run', '--config', 'examples/config.json', '--script', scriptPath, '--seed', '42', '--trace', '--json'],
        { cwd: ROOT, encoding: 'utf8' },
      );
      const nativeTrace = out.split('\n').filter((l) => l.trim() && 'kind' in JSON.parse(l));
      assert.ok(nativeTrace.length > 50, 'kvsim traced the run');
      assert.deepEqual(pageTrace, nativeTrace, 'the page trace equals kvsim trace line for line');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }),
);
