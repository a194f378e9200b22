// The command bar above the cluster in headless Chromium, as a person uses it: at 1280x720 the
// cluster, the bar and its answers are on screen; its answers are those of the run and the moment
// shown; the arrows recall its commands. Every test also fails on anything the page reported.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedPlayground, textOf, typeCommand, eventually, waitForText } from './helpers.mjs';

const SLOW = { timeout: 120_000 };
const withPlayground = sharedPlayground();

test('at 1280x720 the cluster, the command bar and its answers are visible without scrolling', SLOW, () =>
  withPlayground(async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 720 });
    const visible = async (testId) => {
      const box = await page.getByTestId(testId).boundingBox();
      return box && box.y >= 0 && box.y + box.height <= 720;
    };
    await page.getByTestId('command-input').fill('insert 5 hello ALL');
    await page.getByTestId('command-run').click();
    await waitForText(page, 'command-answers', 'insert successful');
    await page.getByTestId('command-node').selectOption('3');
    await page.getByTestId('command-input').fill('get 5 ONE');
    await page.getByTestId('command-input').press('Enter');
    await waitForText(page, 'command-answers', 'Get return: hello');
    await waitForText(page, 'console-output-3', 'n3> get 5 ONE', 5_000); // the same path as its console
    for (const id of ['topology', 'command-input', 'command-answers']) assert.ok(await visible(id), `${id} is on screen`);
    assert.equal(await page.evaluate(() => window.scrollY), 0, 'nothing scrolled');
    // A bad command says what is wrong, as text.
    await page.getByTestId('command-input').fill('<b>frobnicate</b> 5');
    await page.getByTestId('command-input').press('Enter');
    await waitForText(page, 'command-answers', 'frobnicate');
    assert.equal(await page.getByTestId('command-answers').locator('b').count(), 0);
  }),
);

test('the command bar shows the answers of the run and the moment shown, and recalls its commands with the arrows', SLOW, () =>
  withPlayground(async ({ page }) => {
    const input = page.getByTestId('command-input');
    const give = async (text, answer) => {
      await input.fill(text);
      await input.press('Enter');
      await waitForText(page, 'command-answers', answer);
    };
    await give('insert 5 hello ALL', 'insert successful');
    await give('get 5 ONE', 'Get return: hello');
    await input.press('ArrowUp');
    assert.equal(await input.inputValue(), 'get 5 ONE');
    await input.press('ArrowUp');
    assert.equal(await input.inputValue(), 'insert 5 hello ALL');
    await input.press('ArrowDown');
    await input.press('ArrowDown');
    assert.equal(await input.inputValue(), '', 'past the newest: the new, empty line');
    // Back to the moment the insert answered: the get had not been given yet.
    const inserted = await page.evaluate(() => window.playground.results().find((r) => r.command.startsWith('insert')).time);
    await page.evaluate((time) => window.playground.travelTo(time), inserted);
    await waitForText(page, 'command-answers', 'insert successful');
    assert.ok(!(await textOf(page, 'command-answers')).includes('Get return'), 'no answer from after the moment shown');
    // A new run starts with none: its request ids start again, and are not the old run's.
    await page.getByTestId('reset').click();
    await page.getByTestId('command-node').selectOption('2');
    // The clock was paused by the travel, and Reset keeps it so: the bar says what the command waits for.
    await give('bogus 7', 'unknown command');
    await give('get 7 ALL', 'waiting, the clock is paused');
    assert.ok(!(await textOf(page, 'command-answers')).includes('bogus 7: waiting'), 'a command answered at once does not wait');
    await page.getByTestId('play-pause').click();
    await waitForText(page, 'command-answers', 'Get return: not found');
    const answers = await textOf(page, 'command-answers');
    assert.ok(!answers.includes('insert successful') && !answers.includes('hello'), `only the new run's answers: ${answers}`);
  }),
);

test("each answer is announced once: a console's by live-results, the bar's by its own region, a generated workload's not at all", SLOW, () =>
  withPlayground(async ({ page }) => {
    await page.evaluate(() => window.playground.setSpeed(20));
    const input = page.getByTestId('command-input');
    await input.fill('insert 5 hello ALL');
    await input.press('Enter');
    await waitForText(page, 'command-answers', 'insert successful');
    assert.equal(await page.getByTestId('command-answers').getAttribute('aria-live'), 'polite');
    await typeCommand(page, 3, 'get 5 ALL');
    await waitForText(page, 'live-results', 'Get return: hello');
    assert.ok(!(await textOf(page, 'live-results')).includes('insert successful'), "the bar's answer is not said twice");

    // A played workload's hundreds of answers leave the live region as it was.
    await page.evaluate(() => {
      window.liveChanges = 0;
      // What a screen reader says: additions (a new run empties the region, which says nothing).
      const said = (m) => m.type === 'characterData' || m.addedNodes.length > 0;
      new MutationObserver((list) => (window.liveChanges += list.filter(said).length)).observe(document.querySelector('[data-testid="live-results"]'), { childList: true, subtree: true, characterData: true });
    });
    await page.evaluate(() => window.playground.runWorkload('ops=200 rate=400 keys=5 level=ONE'));
    await eventually(async () => (await page.evaluate(() => window.playground.results().length)) >= 200, { message: 'the workload answered' });
    assert.equal(await page.evaluate(() => window.liveChanges), 0, 'nothing announced for the workload');
  }),
);
