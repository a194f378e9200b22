// The one action path (www/js/session.js, act): a fault from the faults card or a node panel, a
// fault or link change or command from window.playground, and a command typed in a console are
// each scheduled, logged and shared once, and acting in the past forks the history the same way
// whatever the source. And the faults card shows the core's own fault report (driver.faults()),
// checked against the core run on its own. Each test fails too on a console error, an uncaught
// exception, a failed request, a CSP violation or a shown fatal error.
//
// Run: node --test tests/e2e/actions.test.mjs (after scripts/build-wasm.sh and build-site.sh).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { EXAMPLE_CONFIG, sharedPlayground, eventually, typeCommand, textOf, waitForText, jsonLines } from './helpers.mjs';

const SLOW = { timeout: 180_000 };

const onPage = sharedPlayground();

async function pause(page) {
  if (await page.evaluate(() => window.playground.state().playing)) await page.getByTestId('play-pause').click();
}

/** Picks a link in the faults card: from, to, direction ('-' both ways, '>' one way). */
async function pickLink(page, from, to, direction = '-') {
  await page.getByTestId('fault-direction').selectOption(direction);
  await page.getByTestId('fault-from').selectOption(String(from));
  await page.getByTestId('fault-to').selectOption(String(to));
}

const timeline = (page) => page.evaluate(() => window.playground.timeline());

/** playground.script() as [{time (ms text), action}]. */
async function scriptActions(page) {
  return jsonLines(await page.evaluate(() => window.playground.script())).map((line) => {
    const space = line.indexOf(' ');
    return { time: line.slice(0, space), action: line.slice(space + 1) };
  });
}

async function traceEvents(page) {
  return jsonLines(await page.evaluate(() => window.playground.trace())).map((line) => JSON.parse(line));
}

/** The scenario in the page's share link, decoded as a person's browser would. */
async function sharedScenario(page) {
  await page.getByTestId('share-link').click();
  const url = await eventually(async () => page.getByTestId('share-url').inputValue(), { message: 'a link in share-url' });
  const packed = new URLSearchParams(new URL(url).hash.slice(1)).get('scenario');
  return JSON.parse(inflateRawSync(Buffer.from(packed, 'base64url')).toString('utf8'));
}

/** How often `text` is a whole line's end in the console of node `i` (echoes are `[t] nI> command`). */
async function echoes(page, i, text) {
  return (await textOf(page, `console-output-${i}`)).split('\n').filter((line) => line.endsWith(`n${i}> ${text}`)).length;
}

test('every source of an action takes the one path: each is logged, traced, echoed and shared once', SLOW, () =>
  onPage(async ({ page }) => {
    await pause(page);
    await pickLink(page, 0, 2);
    await page.getByTestId('fault-cut').click(); // the faults card's link picker
    await page.getByTestId('node-crash-3').click(); // a node panel's fault control
    await page.evaluate(() => window.playground.fault('skew 1 -500'));
    await page.evaluate(() => window.playground.setLink(1, 2, 'hold'));
    await typeCommand(page, 0, 'insert 5 hello ONE'); // a console
    await page.evaluate(() => void window.playground.run(1, 'get 5 ONE')); // its result comes later
    const expected = ['cut 0-2', 'crash 3', 'skew 1 -500', 'hold 1>2', '0 insert 5 hello ONE', '1 get 5 ONE'];

    const script = await scriptActions(page);
    assert.deepEqual(script.map((a) => a.action), expected, 'the action log: each action once, in order');
    const trace = await traceEvents(page);
    assert.deepEqual(trace.filter((e) => e.kind === 'fault').map((e) => e.text), expected.slice(0, 4), 'each fault applied once');
    assert.deepEqual(trace.filter((e) => e.kind === 'command').map((e) => `${e.node} ${e.text}`), expected.slice(4), 'each command run once');
    assert.equal(await echoes(page, 0, 'insert 5 hello ONE'), 1, 'the typed command is echoed once');
    assert.equal(await echoes(page, 1, 'get 5 ONE'), 1, 'playground.run is echoed on its console too, once');

    // The scenario prints times in their shortest form (`146.3`); the same µs.
    const timed = (time, action) => `${Number(time)} ${action}`;
    const shared = (await sharedScenario(page)).script.map((line) => timed(line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)));
    assert.deepEqual(shared, script.map((a) => timed(a.time, a.action)), 'the share link carries the same actions');
  }),
);

// A history to travel back in: a later command and a later crash that a fork at 12 s drops.
const BASE = {
  version: 1,
  config: JSON.parse(EXAMPLE_CONFIG),
  seed: 42,
  script: ['0 0 insert 5 hello ALL', '10000 0 update 5 world ONE', '10100 3 get 5 ONE', '20000 1 search 5', '30000 crash 2'],
};
const PAST_US = 12_000_000;

test('acting in the past forks the history the same way from the faults card, playground.fault, setLink and a console', SLOW, () =>
  onPage(async ({ page }) => {
    const sources = {
      'the faults card': async () => {
        await pickLink(page, 0, 2);
        await page.getByTestId('fault-cut').click();
        return 'cut 0-2';
      },
      'playground.fault': () => page.evaluate(() => window.playground.fault('cut 0-2')),
      'playground.setLink': () => page.evaluate(() => window.playground.setLink(0, 2, 'drop')),
      'a console': async () => {
        await typeCommand(page, 1, 'get 5 ONE');
        return '1 get 5 ONE';
      },
    };
    const forks = {};
    for (const [source, act] of Object.entries(sources)) {
      await page.evaluate((json) => window.playground.loadScenario(json), JSON.stringify(BASE));
      const end = await timeline(page);
      await page.evaluate((t) => window.playground.travelTo(t), PAST_US);
      const past = await timeline(page);
      assert.equal(past.live, false, `${source}: in the past`);
      assert.ok(await page.getByTestId('timeline-note').isHidden(), `${source}: no fork yet in this history`);
      const action = await act();
      await eventually(() => page.getByTestId('timeline-note').isVisible(), { message: `${source}: the fork note` });
      assert.match(await textOf(page, 'timeline-note'), /forked at t = 12\.000 s/);
      const forked = await timeline(page);
      const script = await scriptActions(page);
      assert.deepEqual(script.at(-1), { time: '12000.000', action }, `${source}: the new action ends the log, at the moment shown`);
      assert.equal(forked.forkedAt, PAST_US, `${source}: forked at the moment shown`);
      assert.ok(forked.end < end.end, `${source}: the history ends at the fork (${forked.end} < ${end.end})`);
      assert.ok((await traceEvents(page)).every((e) => e.time <= PAST_US), `${source}: nothing after the fork`);
      forks[source] = { kept: script.slice(0, -1), pastEvents: past.events, endEvents: end.endEvents, forkedAt: forked.forkedAt };
    }
    const first = forks['the faults card'];
    assert.deepEqual(first.kept.map((a) => a.action), ['0 insert 5 hello ALL', '0 update 5 world ONE', '3 get 5 ONE'], 'the later actions are dropped');
    for (const [source, fork] of Object.entries(forks)) assert.deepEqual(fork, first, `${source} forks as the faults card does`);
  }),
);

/**
 * The core's fault report for the page's run at the moment shown, computed apart from the page's
 * session: a fresh Driver (the page's own loop, /js/driver.js) on the page's config and seed, fed
 * the page's script, run to the page's time. Also the lines the faults card would list for it
 * (fault-text.js).
 */
function coreReport(page) {
  return page.evaluate(async () => {
    const { checkConfig } = await import('/js/wasm.js'); // the modules the page loaded, ready
    const { Driver } = await import('/js/driver.js');
    const { describeFaults } = await import('/js/fault-text.js');
    const { now } = window.playground.timeline();
    const { config, seed } = window.playground.state();
    const driver = new Driver(checkConfig(JSON.stringify(config)), seed);
    try {
      for (const line of window.playground.script().split('\n').filter(Boolean)) driver.scheduleTimed(line);
      driver.runUntil(now);
      const report = driver.faults();
      return { report, lines: describeFaults(report) };
    } finally {
      driver.dispose();
    }
  });
}

/** The faults card's list as shown. */
function activeList(page) {
  return page.getByTestId('faults-active').evaluate((list) => [...list.children].map((li) => li.textContent));
}

test("the faults card shows the core's fault report after a skew and a hints switch, also in the past", SLOW, () =>
  onPage(async ({ page }) => {
    await pause(page);
    const before = await timeline(page);
    await page.getByTestId('node-skew-1').fill('-1500');
    await page.getByTestId('fault-hints').check();
    await waitForText(page, 'faults-active', 'hinted handoff on');
    const { report, lines } = await coreReport(page);
    assert.deepEqual(report.clock_skew_us, [0, -1_500_000, 0, 0]);
    assert.equal(report.hinted_handoff, true);
    assert.deepEqual(lines, ["n1's clock is 1500 ms behind", 'hinted handoff on']);
    assert.deepEqual(await activeList(page), lines, 'the card lists the core report');
    assert.equal(await page.getByTestId('fault-hints').isChecked(), true);
    assert.equal(await page.getByTestId('node-skew-1').inputValue(), '-1500');
    assert.match(await textOf(page, 'node-panel-1'), /-1\.5 s/);

    // Back before both actions: the core reports neither, and so does the card.
    await page.evaluate((t) => window.playground.travelTo(t), Math.max(0, before.now - 1));
    await eventually(async () => (await activeList(page)).length === 1, { message: 'the card to follow the travel' });
    const then = await coreReport(page);
    assert.deepEqual(then.report.clock_skew_us, [0, 0, 0, 0]);
    assert.equal(then.report.hinted_handoff, false);
    assert.deepEqual(await activeList(page), ['none: every node is up and every link plain']);
    assert.equal(await page.getByTestId('fault-hints').isChecked(), false);
    assert.equal(await page.getByTestId('node-skew-1').inputValue(), '0');
  }),
);
