// The lessons (www/lessons/*.json) in headless Chromium, as a reader meets them: each opened by its
// link, stepped through with Next (captions as in the file) and back with Previous (the stores
// and the clock at each step the same both ways), its task failing as the lesson ships and solved
// by the intended change; a screenshot of one step of each under target/lessons/. Also: the time
// from opening a lesson link to its first caption (printed), a bad lesson name, the menu, "Start
// here" and "Watch read repair", and that the first load fetches no lesson.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startServer, launchBrowser, openPlayground, textOf, nextFrames, eventually } from './helpers.mjs';

const SLOW = { timeout: 180_000 };
const LESSONS = join(ROOT, 'www/lessons');
const NAMES = JSON.parse(readFileSync(join(LESSONS, 'index.json'), 'utf8')).lessons;
const lessonFile = (name) => JSON.parse(readFileSync(join(LESSONS, `${name}.json`), 'utf8'));
const SHOTS = join(ROOT, 'target/lessons');

// The change each lesson's task asks for: a script line typed, or a config choice picked.
const SOLUTIONS = {
  'read-repair': { line: '12000 3 get 5 ALL' },
  'stale-one': { line: '8000 3 get 5 ALL' },
  'quorum-not-linearizable': { choice: 'blocking' },
  tombstones: { choice: 'false' },
  'clock-skew': { line: '0 skew 1 0' },
  'hinted-handoff': { line: '0 hints on' },
  partition: { line: '12000 3 get 5 ONE' },
};

let server;
let browser;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  [server, browser] = await Promise.all([startServer(), launchBrowser({ viewport: { width: 1280, height: 720 } })]);
});
after(async () => {
  await browser?.close();
  server?.close();
});

/** Runs `fn` on a fresh page opened at `hash`, then fails on any problem the page reported. */
async function onPage(hash, fn) {
  const playground = await openPlayground(browser.context, server.url + hash);
  try {
    await fn(playground);
    await playground.assertClean();
  } finally {
    await playground.page.close();
  }
}

const lessonState = (page) => page.evaluate(() => window.playground.lesson());

// What the page shows at a step: the clock, the event count and every node's store.
async function moment(page) {
  await nextFrames(page);
  return page.evaluate(() => {
    const { now, nodes } = window.playground.state();
    return { now, events: window.playground.timeline().events, stores: nodes.map((n) => n.store) };
  });
}

async function waitForCaption(page, caption) {
  await eventually(async () => (await textOf(page, 'lesson-caption')) === caption, {
    timeout: 10_000,
    message: async () => `the caption "${caption}"; it shows "${await textOf(page, 'lesson-caption')}"`,
  });
}

test('every lesson file is listed, and every listed lesson has a solution here', () => {
  assert.ok(NAMES.length >= 7, `at least seven lessons: ${NAMES.join(', ')}`);
  assert.deepEqual(Object.keys(SOLUTIONS).sort(), [...NAMES].sort());
});

for (const name of NAMES) {
  test(`lesson ${name}: its link opens it, Next and Previous are exact, its task fails before the change and is solved after`, SLOW, () =>
    onPage('', async ({ page }) => {
      const lesson = lessonFile(name);
      const steps = lesson.steps.length;
      // Opening the link in this page: the time to its first caption.
      const started = Date.now();
      await page.evaluate((hash) => (location.hash = hash), `#lesson=${name}`);
      await waitForCaption(page, lesson.steps[0].caption);
      console.log(`lesson ${name}: link to first caption in ${Date.now() - started} ms (page already loaded)`);
      assert.equal(await textOf(page, 'lesson-title'), lesson.title);
      assert.equal(await textOf(page, 'lesson-intro'), lesson.intro);
      assert.equal(await page.getByTestId('lesson-prev').isDisabled(), true);
      assert.equal(await page.getByTestId('lesson-task').isVisible(), false, 'the task waits for the last step');

      // Forward through every step: each caption as in the file; the moment each shows recorded.
      const seen = [await moment(page)];
      for (let k = 1; k < steps; k++) {
        await page.getByTestId('lesson-next').click();
        await waitForCaption(page, lesson.steps[k].caption);
        assert.equal(await textOf(page, 'lesson-progress'), `step ${k + 1} of ${steps}`);
        assert.equal(await page.evaluate(() => window.playground.state().playing), false, 'a step is paused: the caption stays');
        seen.push(await moment(page));
        if (k === Math.min(2, steps - 1)) await page.screenshot({ path: join(SHOTS, `${name}.png`) });
      }
      assert.equal(await page.getByTestId('lesson-next').isDisabled(), true, 'Next stops at the last step');

      // Back through every step: the same stores and clock as on the way forward.
      for (let k = steps - 2; k >= 0; k--) {
        await page.getByTestId('lesson-prev').click();
        await waitForCaption(page, lesson.steps[k].caption);
        assert.deepEqual(await moment(page), seen[k], `step ${k + 1} shows the same moment after Previous`);
      }
      // And forward again to the end.
      for (let k = 1; k < steps; k++) await page.getByTestId('lesson-next').click();
      await waitForCaption(page, lesson.steps[steps - 1].caption);
      assert.deepEqual(await moment(page), seen[steps - 1], 'the last step again: the same moment');

      // The task: not solved as the lesson ships, solved by the intended change.
      assert.equal(await textOf(page, 'lesson-task-text'), lesson.task.text);
      const listed = await page.getByTestId('lesson-script').locator('li').evaluateAll((items) => items.map((li) => li.querySelector('input')?.value ?? li.textContent));
      assert.deepEqual(listed, lesson.scenario.script, 'the script is shown, its editable line in place');
      await page.getByTestId('lesson-check').click();
      const before = await textOf(page, 'lesson-verdict');
      assert.match(before, /^Not yet: /, `unchanged, the task is not solved: ${before}`);
      console.log(`lesson ${name}: unchanged: ${before}`);
      const solution = SOLUTIONS[name];
      if (solution.line) await page.getByTestId('lesson-change-line').fill(solution.line);
      else await page.getByTestId('lesson-change-choice').selectOption(solution.choice);
      await page.getByTestId('lesson-check').click();
      const solved = await textOf(page, 'lesson-verdict');
      assert.equal(solved, `Solved. ${lesson.task.solved}`);
      await page.screenshot({ path: join(SHOTS, `${name}-solved.png`) });

      // Undo: the lesson's own run and value again, not solved.
      await page.getByTestId('lesson-undo').click();
      assert.equal(await textOf(page, 'lesson-verdict'), '');
      await page.getByTestId('lesson-check').click();
      assert.match(await textOf(page, 'lesson-verdict'), /^Not yet: /);
    }),
  );
}

test("the steps show the lesson's own run after a command typed in its past, and after Check showed a change", SLOW, () =>
  onPage('#lesson=read-repair', async ({ page }) => {
    const lesson = lessonFile('read-repair');
    const last = lesson.steps.length - 1;
    await waitForCaption(page, lesson.steps[0].caption);
    const seen = [await moment(page)];
    for (let k = 1; k <= last; k++) {
      await page.getByTestId('lesson-next').click();
      await waitForCaption(page, lesson.steps[k].caption);
      seen.push(await moment(page));
    }
    // At step 2, a command typed in the command bar forks the run there.
    for (let k = last - 1; k >= 1; k--) await page.getByTestId('lesson-prev').click();
    await waitForCaption(page, lesson.steps[1].caption);
    await page.getByTestId('command-input').fill('get 5 ALL');
    await page.getByTestId('command-input').press('Enter');
    await eventually(async () => (await page.evaluate(() => window.playground.timeline().forkedAt)) !== null, { message: 'the run forked' });
    await page.getByTestId('lesson-next').click();
    await waitForCaption(page, lesson.steps[2].caption);
    assert.deepEqual(await moment(page), seen[2], "Next after the fork: step 3 of the lesson's own run");
    assert.equal(await page.evaluate(() => window.playground.timeline().forkedAt), null);

    // Check shows the run of the change; Previous goes back to the lesson's own run, without the verdict.
    for (let k = 3; k <= last; k++) await page.getByTestId('lesson-next').click();
    await waitForCaption(page, lesson.steps[last].caption);
    await page.getByTestId('lesson-change-line').fill(SOLUTIONS['read-repair'].line);
    await page.getByTestId('lesson-check').click();
    assert.match(await textOf(page, 'lesson-verdict'), /^Solved\. /);
    await page.getByTestId('lesson-prev').click();
    await waitForCaption(page, lesson.steps[last - 1].caption);
    assert.deepEqual(await moment(page), seen[last - 1], "Previous after Check: the lesson's own run");
    assert.equal(await textOf(page, 'lesson-verdict'), '', 'no verdict about a run no longer shown');
  }),
);

test('lesson stale-one: QUORUM returns world in this run, yet is not accepted, since R + W = 3 is not more than RF', SLOW, () =>
  onPage('#lesson=stale-one', async ({ page }) => {
    const lesson = lessonFile('stale-one');
    await waitForCaption(page, lesson.steps[0].caption);
    for (let k = 1; k < lesson.steps.length; k++) await page.getByTestId('lesson-next').click();
    await waitForCaption(page, lesson.steps.at(-1).caption);
    await page.getByTestId('lesson-change-line').fill('8000 3 get 5 QUORUM');
    await page.getByTestId('lesson-check').click();
    const { why } = lesson.task.check.find((check) => check.level);
    // Its one failure is the level: the read returned world and no stale read was found.
    assert.equal(await textOf(page, 'lesson-verdict'), `Not yet: line 4 (8000 3 get 5 QUORUM) runs at QUORUM, where the task wants ALL: ${why}.`);
    // The original's `9` is ALL, as the core reads it.
    await page.getByTestId('lesson-change-line').fill('8000 3 get 5 9');
    await page.getByTestId('lesson-check').click();
    assert.equal(await textOf(page, 'lesson-verdict'), `Solved. ${lesson.task.solved}`);
  }),
);

test('a lesson link opened in a new tab shows its first caption; the time is printed', SLOW, async () => {
  const page = await browser.context.newPage();
  try {
    const first = lessonFile(NAMES[0]);
    const started = Date.now();
    await page.goto(`${server.url}#lesson=${NAMES[0]}`);
    await page.waitForFunction((caption) => document.querySelector('[data-testid="lesson-caption"]')?.textContent === caption, first.steps[0].caption, { timeout: 30_000 });
    const took = Date.now() - started;
    console.log(`lesson link to first caption: ${took} ms (page load, wasm, lesson fetch and run included)`);
    assert.equal((await page.evaluate(() => window.playground.lesson())).step, 1);
  } finally {
    await page.close();
  }
});

test('a bad lesson name says so and opens nothing; a wrong change is refused with its rule', SLOW, () =>
  onPage('#lesson=no-such-lesson', async ({ page }) => {
    await eventually(async () => (await page.getByTestId('lesson-error').isVisible()) && (await textOf(page, 'lesson-error')), { message: 'the lesson error' });
    const error = await textOf(page, 'lesson-error');
    assert.match(error, /^Cannot open the lesson: there is no lesson "no-such-lesson": the lessons are read-repair, /);
    assert.equal(await page.getByTestId('lesson-panel').isVisible(), false);
    assert.equal(await lessonState(page), null);

    await page.evaluate(() => (location.hash = '#lesson=../secret'));
    await eventually(async () => /a lesson's name is lower-case letters/.test(await textOf(page, 'lesson-error')), { message: 'the bad-name error' });

    // A good one clears the error; a change the task does not allow is refused, saying why.
    await page.evaluate(() => (location.hash = '#lesson=read-repair'));
    await eventually(async () => (await lessonState(page))?.name === 'read-repair', { message: 'the lesson to open' });
    assert.equal(await page.getByTestId('lesson-error').isVisible(), false);
    const last = lessonFile('read-repair').steps.length;
    for (let k = 1; k < last; k++) await page.getByTestId('lesson-next').click();
    await page.getByTestId('lesson-change-line').fill('12000 1 get 5 ONE');
    await page.getByTestId('lesson-check').click();
    assert.match(await textOf(page, 'lesson-verdict'), /^That change cannot run: "12000 1 get 5 ONE" is not allowed here: keep "12000 3 get 5"/);

    // A replayed trace is left alone: the lesson asks to go back to the simulation first.
    await page.evaluate(async () => window.playground.openTrace(await window.playground.trace()));
    const refused = await page.evaluate(() => window.playground.openLesson('tombstones').then(() => 'opened', (e) => e.message));
    assert.equal(refused, 'a lesson runs its own simulation: press "Back to the simulation" first');
    assert.match(await textOf(page, 'source-text'), /trace/i, 'the trace is still shown');
  }),
);

test('a malformed lesson file is refused naming the field that is wrong', SLOW, () =>
  onPage('', async ({ page }) => {
    const good = lessonFile('read-repair');
    const cases = [
      [{ ...good, title: '' }, 'lesson x: title must be a non-empty string'],
      [{ ...good, steps: [] }, 'lesson x: steps must be a non-empty list'],
      [{ ...good, steps: [{ at: { after_line: 9 }, caption: 'c' }] }, 'lesson x: steps[0].at must be {"time_ms": a moment from 0} or {"after_line": an index into scenario.script, 0 to 4}'],
      [{ ...good, steps: [{ at: { time_ms: 0 }, caption: 'c', show: { link: '2>2' } }] }, 'lesson x: steps[0].show.link must be a link like "0>2" (one way) or "0-2" (both)'],
      [{ ...good, task: { ...good.task, change: { line: 7 } } }, 'lesson x: task.change must be {"line": an index into scenario.script, "pattern"?, "rule"?} or {"config": a field, "choices": [values]}'],
      [{ ...good, task: { ...good.task, check: [{ store: 9, key: '5', value: 'x' }] } }, 'lesson x: task.check[0] must be {"line", "value", "ok" or "level"}, {"store": node, "key", "value"}, {"absent": key} or {"anomaly": kind, "count"}'],
      [{ ...good, task: { ...good.task, check: [{ line: 3, level: 'TWO' }] } }, 'lesson x: task.check[0] must be {"line", "value", "ok" or "level"}, {"store": node, "key", "value"}, {"absent": key} or {"anomaly": kind, "count"}'],
    ];
    const errors = await page.evaluate(async (all) => {
      const { checkLesson } = await import('./js/lesson-data.js');
      return all.map(([lesson]) => {
        try {
          checkLesson('x', lesson);
          return 'accepted';
        } catch (e) {
          return e.message;
        }
      });
    }, cases);
    assert.deepEqual(errors, cases.map(([, error]) => error));
    // Every shipped lesson passes the same check.
    const shipped = await page.evaluate(async (names) => {
      const { fetchLesson } = await import('./js/lesson-data.js');
      return Promise.all(names.map((name) => fetchLesson(name).then((l) => l.name)));
    }, NAMES);
    assert.deepEqual(shipped, NAMES);
  }),
);

test('the first load fetches no lesson; the menu lists them in order; Start here, Watch read repair and playground.demo() open the first', SLOW, () =>
  onPage('', async ({ page }) => {
    const fetched = [];
    page.on('request', (request) => fetched.push(new URL(request.url()).pathname));
    const loaded = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
    const lessonPart = /\/lessons\/|\/lessons\.js$|\/lesson-(data|check|focus)\.js$/;
    assert.deepEqual(loaded.filter((path) => lessonPart.test(path)), [], 'nothing of the lessons in the first load');

    await page.getByTestId('lessons-menu').click();
    await eventually(async () => (await page.locator('[data-testid="lessons-list"] a').count()) === NAMES.length, { message: 'the menu to list every lesson' });
    await page.keyboard.press('Escape');
    assert.equal(await page.getByTestId('lessons-list').isVisible(), false, 'Escape closes the menu');
    await page.getByTestId('lessons-menu').click();
    assert.equal(await page.getByTestId('lessons-menu').getAttribute('aria-expanded'), 'true');
    const titles = await page.locator('[data-testid="lessons-list"] a').allInnerTexts();
    assert.deepEqual(titles, NAMES.map((name) => lessonFile(name).title));
    await page.locator('[data-testid="lessons-list"] a').nth(3).click();
    await waitForCaption(page, lessonFile(NAMES[3]).steps[0].caption);
    assert.equal(await page.getByTestId('lessons-list').isVisible(), false, 'the menu closes');
    assert.ok(page.url().endsWith(`#lesson=${NAMES[3]}`), 'the address names the lesson');
    assert.ok(fetched.some((path) => path.endsWith(`/lessons/${NAMES[3]}.json`)));

    await page.getByTestId('lesson-start').click();
    await waitForCaption(page, lessonFile(NAMES[0]).steps[0].caption);
    await page.getByTestId('lesson-close').click();
    assert.equal(await page.getByTestId('lesson-panel').isVisible(), false);
    assert.equal(await lessonState(page), null);

    await page.getByTestId('demo-read-repair').click();
    await waitForCaption(page, lessonFile('read-repair').steps[0].caption);
    await page.evaluate(() => window.playground.demo());
    const state = await lessonState(page);
    assert.deepEqual([state.name, state.step], ['read-repair', state.steps], 'demo() ends at the last step');
  }),
);
