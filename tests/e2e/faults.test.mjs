// Faults from the page, used as a person would: the Crash / Restart buttons and clock-skew slider of
// the node panels, and the faults card (link picker, partition, heal, the two repair switches,
// the free-form fault line). Each test fails too on a console error, an uncaught exception, a
// failed request, a CSP violation or a shown fatal error.
//
// Run: node --test tests/e2e/faults.test.mjs (after scripts/build-wasm.sh).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT,
  sharedPlayground,
  eventually,
  typeCommand,
  textOf,
  waitForText,
  storeRows,
  clockSeconds,
  ensurePlaying,
  jsonLines,
} from './helpers.mjs';

const SLOW = { timeout: 180_000 };

// One browser serves this file's tests; each test gets a freshly loaded page of its own.
const onPage = sharedPlayground();

/** The page running fast enough that a 24 s request timeout passes in about a second. */
async function playFast(page) {
  await ensurePlaying(page);
  await page.evaluate(() => window.playground.setSpeed(20));
}

async function pause(page) {
  if (await page.evaluate(() => window.playground.state().playing)) await page.getByTestId('play-pause').click();
}

async function trace(page) {
  return jsonLines(await page.evaluate(() => window.playground.trace())).map((line) => JSON.parse(line));
}

async function activeFaults(page) {
  return textOf(page, 'faults-active');
}

async function waitForActive(page, text) {
  return waitForText(page, 'faults-active', text);
}

/** Picks a link in the faults card: from, to, direction ('-' both ways, '>' one way, '*' every). */
async function pickLink(page, from, to, direction = '-') {
  await page.getByTestId('fault-direction').selectOption(direction);
  if (direction === '*') return;
  await page.getByTestId('fault-from').selectOption(String(from));
  await page.getByTestId('fault-to').selectOption(String(to));
}

async function restart(page, node, mode) {
  await page.getByTestId(`node-restart-mode-${node}`).selectOption(mode);
  await page.getByTestId(`node-restart-${node}`).click();
}

async function storeValue(page, node, key) {
  return (await storeRows(page, node)).find((row) => row.dataKey === key)?.value;
}

test('crash n2 with its button: ALL fails naming the replicas that answered, ONE still works; restart keep brings it back', SLOW, () =>
  onPage(async ({ page }) => {
    await playFast(page);
    assert.equal(await textOf(page, 'node-state-2'), 'up');
    await page.getByTestId('node-crash-2').click();
    await waitForText(page, 'node-state-2', 'DOWN');
    assert.ok(await page.getByTestId('node-panel-2').evaluate((panel) => panel.classList.contains('is-down')));
    assert.ok(await page.getByTestId('node-crash-2').isDisabled(), 'a down node cannot be crashed again');
    await waitForActive(page, 'n2 is down');

    // Key 5 lives on n0, n1 and n2.
    await typeCommand(page, 0, 'insert 5 hello ALL');
    await waitForText(page, 'console-output-0', 'insert 5 ALL failed: 2 of 3 replicas acknowledged');
    await typeCommand(page, 0, 'get 5 ONE');
    await waitForText(page, 'console-output-0', 'Get return: hello');

    await restart(page, 2, 'keep');
    await eventually(async () => (await textOf(page, 'node-state-2')) === 'up', { message: 'n2 to be up again' });
    assert.ok(!(await page.getByTestId('node-panel-2').evaluate((panel) => panel.classList.contains('is-down'))));
    assert.ok(await page.getByTestId('node-crash-2').isEnabled());
    assert.doesNotMatch(await activeFaults(page), /n2 is down/);
    const script = await page.evaluate(() => window.playground.script());
    assert.match(script, /^\d+\.\d{3} crash 2$/m, 'the crash is in the action log, for share links and replay');
    assert.match(script, /^\d+\.\d{3} restart 2 keep$/m);
  }),
);

test('cut a link: listed as active, messages on it dropped in the trace; one-way cuts, link conditions, partition and heal', SLOW, () =>
  onPage(async ({ page }) => {
    await playFast(page);
    await pickLink(page, 0, 2);
    await page.getByTestId('fault-cut').click();
    await waitForActive(page, 'n0 ↔ n2: cut');
    await typeCommand(page, 0, 'insert 5 hello ONE');
    await waitForText(page, 'console-output-0', 'insert successful');
    await eventually(async () => (await trace(page)).some((e) => e.kind === 'drop' && e.from === 0 && e.to === 2 && e.text === 'link cut'), {
      message: 'a drop of the write to n2 with "link cut" in the trace',
    });
    await waitForText(page, 'event-log', 'link cut');

    await pickLink(page, 3, 1, '>');
    await page.getByTestId('fault-cut').click();
    await waitForActive(page, 'n3 → n1: cut');
    assert.doesNotMatch(await activeFaults(page), /n1 → n3|n1 ↔ n3/, 'only the one direction');

    // Each link condition from its input, then removed by setting it to 0.
    await pickLink(page, 0, 1);
    const conditions = [
      ['fault-loss', 'fault-loss-p', '0.5', 'n0 ↔ n1: loss 50%'],
      ['fault-dup', 'fault-dup-p', '0.25', 'dup 25%'],
      ['fault-delay', 'fault-delay-ms', '1500', '+1500 ms'],
      ['fault-jitter', 'fault-jitter-ms', '200', 'jitter 200 ms'],
    ];
    for (const [button, input, value, shown] of conditions) {
      await page.getByTestId(input).fill(value);
      await page.getByTestId(button).click();
      await waitForActive(page, shown);
    }
    for (const [button, input] of conditions) {
      await page.getByTestId(input).fill('0');
      await page.getByTestId(button).click();
    }
    await eventually(async () => !/n0 ↔ n1/.test(await activeFaults(page)), { message: 'the n0-n1 conditions to be gone' });

    await page.getByTestId('fault-partition-groups').fill('0,1 | 2,3');
    await page.getByTestId('fault-partition').click();
    for (const link of ['n0 ↔ n2', 'n0 ↔ n3', 'n1 ↔ n2', 'n1 ↔ n3']) await waitForActive(page, `${link}: cut`);
    assert.doesNotMatch(await activeFaults(page), /n0 ↔ n1|n2 ↔ n3/, 'links within a group stay up');
    await typeCommand(page, 1, 'insert 6 six QUORUM'); // key 6: n1 reaches only itself and n0
    await page.getByTestId('fault-heal').click();
    await waitForActive(page, 'none');
    assert.equal(await page.getByTestId('fault-error').isVisible(), false);
    const faults = (await trace(page)).filter((e) => e.kind === 'fault').map((e) => e.text);
    assert.deepEqual(faults.slice(0, 2), ['cut 0-2', 'cut 3>1']);
    assert.deepEqual(faults.slice(-2), ['partition 0,1 | 2,3', 'heal']);

    // A picture with every kind of fault drawn: a down node, a one-way cut, a two-way cut, a lossy link, a skew.
    await page.getByTestId('node-crash-2').click();
    await pickLink(page, 0, 3, '>');
    await page.getByTestId('fault-cut').click();
    await pickLink(page, 0, 1);
    await page.getByTestId('fault-cut').click();
    await pickLink(page, 1, 3);
    await page.getByTestId('fault-loss-p').fill('0.3');
    await page.getByTestId('fault-loss').click();
    await page.getByTestId('node-skew-1').fill('-1500');
    await waitForActive(page, "n1's clock is 1500 ms behind");
    await pause(page);
    mkdirSync(join(ROOT, 'target'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'target/faults.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at 1280 px (${overflow} px too wide)`);
  }),
);

/** Presses Tab until the control with `testId` has the focus; fails if Tab never reaches it. */
async function tabTo(page, testId, limit = 40) {
  for (let i = 0; i < limit; i++) {
    if ((await page.evaluate(() => document.activeElement?.dataset.testid)) === testId) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`${testId} is not reachable with Tab (${limit} presses)`);
}

test('the faults card works from the keyboard alone: pick a link, cut it, partition, a repair switch, a fault line', SLOW, () =>
  onPage(async ({ page }) => {
    await page.getByTestId('fault-from').focus(); // the card's first control; Tab and arrows from here on
    await page.keyboard.press('ArrowDown'); // from n1
    await tabTo(page, 'fault-to');
    await page.keyboard.press('End'); // to n3
    await tabTo(page, 'fault-direction');
    await page.keyboard.press('ArrowDown'); // one way
    await tabTo(page, 'fault-cut');
    await page.keyboard.press('Enter');
    await waitForActive(page, 'n1 → n3: cut');

    await tabTo(page, 'fault-partition-groups');
    await page.keyboard.type('0,1 | 2,3');
    await page.keyboard.press('Enter');
    await waitForActive(page, 'n0 ↔ n2: cut');

    await tabTo(page, 'fault-hints');
    await page.keyboard.press('Space');
    await waitForActive(page, 'hinted handoff on');

    await tabTo(page, 'fault-line');
    await page.keyboard.type('heal');
    await page.keyboard.press('Enter');
    await eventually(async () => !/cut/.test(await activeFaults(page)), { message: 'every cut link healed' });
    assert.match(await activeFaults(page), /hinted handoff on/);
    assert.equal(await page.getByTestId('fault-error').isVisible(), false);
    const faults = (await trace(page)).filter((e) => e.kind === 'fault').map((e) => e.text);
    assert.deepEqual(faults, ['cut 1>3', 'partition 0,1 | 2,3', 'hints on', 'heal']);
  }),
);

test('a bad fault line shows its error as text next to the control and changes nothing', SLOW, () =>
  onPage(async ({ page, problems }) => {
    await playFast(page);
    const scriptBefore = await page.evaluate(() => window.playground.script());
    const activeBefore = await activeFaults(page);
    const error = page.getByTestId('fault-error');
    assert.equal(await error.getAttribute('role'), 'alert');

    const line = page.getByTestId('fault-line');
    await line.fill('crash 9');
    await page.getByTestId('fault-line-apply').click();
    await waitForText(page, 'fault-error', 'there is no node 9');
    assert.ok(await error.evaluate((el) => el.previousElementSibling.contains(document.querySelector('[data-testid="fault-line"]'))), 'beside the fault line');
    assert.equal(await line.inputValue(), 'crash 9', 'kept, to be corrected');

    // Shown as text: the core quotes the word it could not read.
    await line.fill('<img src=x onerror=alert(1)>');
    await line.press('Enter');
    await waitForText(page, 'fault-error', '`<img` is not a node number');
    await line.fill('cut <b>0-1</b>');
    await line.press('Enter');
    await waitForText(page, 'fault-error', '`<b>0-1</b>` is not a link');

    // A partition must name every node: the error moves beside the partition field.
    await page.getByTestId('fault-partition-groups').fill('0,1 | 2');
    await page.getByTestId('fault-partition').click();
    await eventually(() => error.evaluate((el) => el.previousElementSibling.contains(document.querySelector('[data-testid="fault-partition"]'))), {
      message: 'the error beside the partition field',
    });

    // An anti-entropy period under 10 ms: the switch stays off.
    await page.getByTestId('fault-anti-entropy-ms').fill('5');
    await page.getByTestId('fault-anti-entropy').click();
    await waitForText(page, 'fault-error', 'invalid fault `anti-entropy 5`');
    assert.equal(await page.getByTestId('fault-anti-entropy').isChecked(), false);

    await page.waitForTimeout(300); // a planted handler would have fired by now
    assert.deepEqual(problems.dialogs, [], 'no dialog opened');
    const planted = await page.evaluate(() => ({
      images: [...document.images].filter((i) => i.getAttribute('src') === 'x').length,
      handlers: document.querySelectorAll('[onerror]').length,
      bold: document.querySelectorAll('[data-testid="fault-error"] *').length,
    }));
    assert.deepEqual(planted, { images: 0, handlers: 0, bold: 0 }, 'no element made from the typed text');
    assert.equal(await page.evaluate(() => window.playground.script()), scriptBefore, 'nothing applied');
    assert.equal(await activeFaults(page), activeBefore);
    for (let i = 0; i < 4; i++) assert.equal(await textOf(page, `node-state-${i}`), 'up');

    await line.fill('heal');
    await page.getByTestId('fault-line-apply').click();
    await eventually(async () => !(await error.isVisible()), { message: 'a good line to hide the error' });
    assert.equal(await line.inputValue(), '', 'an applied line is cleared');
  }),
);

test('the clock-skew slider moved by the arrow keys applies one skew, once the keys rest', SLOW, () =>
  onPage(async ({ page }) => {
    await pause(page);
    const skew = page.getByTestId('node-skew-2');
    await skew.focus();
    for (let i = 0; i < 5; i++) await skew.press('ArrowLeft');
    const value = await skew.inputValue();
    assert.ok(Number(value) < 0, `the slider moved: ${value}`);
    await eventually(async () => (await page.evaluate(() => window.playground.script())).includes(`skew 2 ${value}`), { message: `skew 2 ${value} applied` });
    const skews = (await page.evaluate(() => window.playground.script())).split('\n').filter((line) => / skew 2 /.test(` ${line} `));
    // One (two if a loaded machine took 0.6 s between two presses), not one per key.
    assert.ok(skews.length < 5 && skews.at(-1).endsWith(`skew 2 ${value}`), `skew actions: ${skews.join(' | ')}`);
    // Moved by the keys, then a step back before they rest: the move is dropped, not applied in the past.
    await skew.press('ArrowRight');
    await page.keyboard.press(',');
    await page.waitForTimeout(800);
    assert.equal((await page.evaluate(() => window.playground.timeline())).forkedAt, null, 'no skew applied in the past');
  }),
);

test('clock skew: a later write from the node whose clock is behind loses under last-write-wins', SLOW, () =>
  onPage(async ({ page }) => {
    await pause(page);
    const skew = page.getByTestId('node-skew-1');
    await skew.fill('-5000');
    await waitForText(page, 'node-panel-1', '-5.0 s');
    await waitForActive(page, "n1's clock is 5000 ms behind");

    await typeCommand(page, 0, 'insert 5 early ALL');
    const typedAt = await clockSeconds(page);
    // Step until virtual time moves on, so n1's write is truly later (by less than its 5 s skew).
    for (let i = 0; i < 20 && (await clockSeconds(page)) === typedAt; i++) await page.getByTestId('step').click();
    const laterAt = await clockSeconds(page);
    assert.ok(laterAt > typedAt && laterAt - typedAt < 5, `later by ${laterAt - typedAt} s`);
    await typeCommand(page, 1, 'insert 5 late ALL');
    await page.getByTestId('run-until-quiet').click();
    await waitForText(page, 'console-output-1', 'insert successful');
    for (const node of [0, 1, 2]) {
      assert.equal(await storeValue(page, node, '5'), 'early', `n${node} keeps the earlier write: n1's is stamped 5 s in the past`);
    }
    const writes = (await trace(page)).filter((e) => e.kind === 'send' && e.msg === 'write' && e.to === 0);
    const [early, late] = writes.map((e) => e.version.timestamp);
    assert.ok(late < early, `n1's write carries the older timestamp (${late} < ${early})`);
  }),
);

test('hinted handoff switch: a write missed while n2 was down reaches it after restart, with no read', SLOW, () =>
  onPage(async ({ page }) => {
    await playFast(page);
    await page.getByTestId('fault-hints').check();
    await waitForActive(page, 'hinted handoff on');
    await page.getByTestId('node-crash-2').click();
    await waitForText(page, 'node-state-2', 'DOWN');
    await typeCommand(page, 0, 'insert 5 hello ONE');
    await waitForText(page, 'console-output-0', 'insert successful');
    await eventually(async () => (await trace(page)).some((e) => e.kind === 'drop' && e.to === 2 && e.msg === 'write' && e.text === 'node down'), {
      message: 'the write to n2 to be dropped: n2 is down',
    });
    await restart(page, 2, 'keep');
    await page.getByTestId('run-until-quiet').click();
    await eventually(async () => (await storeValue(page, 2, '5')) === 'hello', {
      message: async () => `n2 to hold 5 = hello: ${JSON.stringify(await storeRows(page, 2))}`,
    });
    const events = await trace(page);
    assert.ok(events.some((e) => e.kind === 'deliver' && e.msg === 'hint' && e.to === 2), 'a hint delivered to n2');
    assert.ok(!events.some((e) => e.msg === 'read'), 'no read repaired it');

    await page.getByTestId('fault-hints').uncheck();
    await eventually(async () => !/hinted handoff/.test(await activeFaults(page)), { message: 'hints off' });
    assert.match(await page.evaluate(() => window.playground.script()), /hints on[\s\S]*hints off/);
  }),
);

test('anti-entropy switch: n2 restarted without its store is refilled by anti-entropy, with no read', SLOW, () =>
  onPage(async ({ page }) => {
    await playFast(page);
    await typeCommand(page, 0, 'insert 5 hello ALL');
    await waitForText(page, 'console-output-0', 'insert successful');
    await eventually(async () => (await storeValue(page, 2, '5')) === 'hello', { message: 'n2 to store 5' });

    await restart(page, 2, 'lose');
    await eventually(async () => (await storeRows(page, 2)).length === 0, { message: "n2's store to be emptied" });
    await page.getByTestId('fault-anti-entropy-ms').fill('1000');
    await page.getByTestId('fault-anti-entropy').check();
    await waitForActive(page, 'anti-entropy every 1000 ms');
    await eventually(async () => (await storeValue(page, 2, '5')) === 'hello', {
      message: async () => `anti-entropy to refill n2: ${JSON.stringify(await storeRows(page, 2))}`,
    });
    const events = await trace(page);
    assert.ok(events.some((e) => e.kind === 'deliver' && e.msg?.startsWith('ae_') && (e.to === 2 || e.from === 2)), 'anti-entropy messages with n2');
    assert.ok(!events.some((e) => e.msg === 'read'), 'no read repaired it');

    await page.getByTestId('fault-anti-entropy').uncheck();
    await eventually(async () => !/anti-entropy/.test(await activeFaults(page)), { message: 'anti-entropy off' });
  }),
);
