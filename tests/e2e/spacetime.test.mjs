// The space-time diagram: its model on its own (plain Node), then the page in headless Chromium:
// lanes, arrows for a typed command and for the read-repair demo, details on click (hostile keys
// shown as text), zoom / fit / pan / follow, and the draw time with a few thousand events.
//
// Run: node --test tests/e2e/spacetime.test.mjs (after scripts/build-wasm.sh).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, sharedPlayground, eventually, typeCommand, waitForText, nextFrames, ensurePlaying } from './helpers.mjs';
import { SpacetimeModel, MAX_RECORDS } from '../../www/js/spacetime-model.js';
import { stackLabels } from '../../www/js/spacetime-geometry.js';

const SLOW = { timeout: 180_000 };

// ---- the model, without a page ------------------------------------------------------------

const message = (kind, time, fields) => ({ kind, time, from: 0, to: 1, msg: 'write', key: '5', request: 1, ...fields });

test('labels of faults at one instant stack; labels apart stay on their line', () => {
  const at = (x, y = 11) => ({ x, y, width: 60 });
  // Three faults at one instant, one a little later (overlapping), one far away, and one whose
  // own line (60) is too close to the fourth's (50): it moves down a line.
  const baselines = stackLabels([at(100), at(100), at(100), at(130), at(300), at(100, 60)], 13);
  assert.deepEqual(baselines, [11, 24, 37, 50, 11, 73]);
  assert.deepEqual(stackLabels([], 13), []);
  // Pushed past its line's end (a lane's bottom), a label is left out; the next still finds its
  // place; one on its own line is kept even in a lane too short for it.
  assert.deepEqual(stackLabels([at(0), { ...at(0), limit: 20 }, { ...at(0), limit: 30 }], 13), [11, null, 24]);
  assert.deepEqual(stackLabels([{ ...at(0), limit: 5 }], 13), [11]);
});

test('model: a send and its delivery make one arrow; other events are marks', () => {
  const model = new SpacetimeModel();
  model.addAll([
    { kind: 'command', time: 0, node: 0, request: 1, text: 'insert 5 hello ALL' },
    message('send', 10, { sent: 10, due: 50 }),
    message('send', 10, { to: 2, sent: 10, due: 90 }),
    message('deliver', 50, { sent: 10, due: 50 }),
    { kind: 'store', time: 50, node: 1, key: '5', value: 'hello', version: { timestamp: 10, node: 0 } },
    { kind: 'fault', time: 60, text: 'partition 0,1 | 2,3' },
  ]);
  assert.equal(model.messages.length, 2);
  assert.deepEqual(model.messages.map((r) => r.end), [50, null], 'the copy to n2 is still on its way');
  assert.deepEqual(model.marks.map((m) => m.kind), ['command', 'store', 'fault']);
  assert.deepEqual(model.extent(), { first: 0, last: 90 });
});

test('model: a held message waits, is released with a new due time, then delivered; a drop ends one', () => {
  const model = new SpacetimeModel();
  model.addAll([
    message('hold', 10, { sent: 10 }),
    message('hold', 20, { sent: 20, key: '6' }),
    message('send', 400, { sent: 10, due: 450 }),
    message('deliver', 450, { sent: 10, due: 450 }),
    message('drop', 500, { sent: 20, key: '6' }),
    message('drop', 600, { sent: 600, key: '7' }),
  ]);
  const [released, dropped, lost] = model.messages;
  assert.deepEqual([released.held, released.released, released.due, released.end, released.dropped], [true, 400, 450, 450, false]);
  assert.deepEqual([dropped.held, dropped.end, dropped.dropped], [true, 500, true]);
  assert.deepEqual([lost.sent, lost.end, lost.dropped], [600, 600, true], 'dropped as it was sent');
  assert.equal(model.openCount, 0);
});

test('model: the visible range finds a long-open message; the oldest records go past MAX_RECORDS', () => {
  const model = new SpacetimeModel();
  model.addAll([message('hold', 0, { sent: 0 })]);
  for (let t = 1; t <= 100; t++) model.addAll([message('send', t * 10, { sent: t * 10, due: t * 10 + 5 }), message('deliver', t * 10 + 5, { sent: t * 10, due: t * 10 + 5 })]);
  const [lo, hi] = model.messageRange(900, 1000);
  assert.equal(lo, 0, 'the message held since 0 still reaches the window');
  assert.equal(model.messages[hi - 1].sent, 1000);

  const many = [];
  for (let i = 0; i < MAX_RECORDS + 10; i++) many.push({ kind: 'store', time: 2000 + i, node: 0, key: String(i) });
  model.addAll(many);
  assert.ok(model.messages.length + model.marks.length <= MAX_RECORDS, 'capped');
  assert.ok(model.trimmed > 0);
  assert.equal(model.messages.length, 0, 'the oldest, the messages, went first');
  assert.equal(model.marks.at(-1).key, String(MAX_RECORDS + 9), 'the newest stay');
  assert.equal(model.keptFrom, model.marks[0].time);
});

// ---- the page -----------------------------------------------------------------------------

// One browser serves this file's tests; each test gets a freshly loaded page of its own.
const onPage = sharedPlayground();

/** The diagram's summary once the page has drawn what it has. */
async function spacetime(page) {
  await nextFrames(page);
  return page.evaluate(() => window.playground.spacetime());
}

/** Clicks the first visible arrow whose record has `fields`; returns the details text. */
async function clickArrow(page, fields) {
  // A click outside the viewport hits nothing: bring the diagram into view first. And stop the
  // clock: while it runs, the diagram follows it, and an arrow found can move before the click.
  await page.evaluate(() => window.playground.pause());
  await page.getByTestId('spacetime').scrollIntoViewIfNeeded();
  await nextFrames(page);
  const point = await page.evaluate((f) => window.playground.spacetimeArrow(f), fields);
  assert.ok(point, `an arrow with ${JSON.stringify(fields)} is in view`);
  const box = await page.getByTestId('spacetime').boundingBox();
  await page.mouse.click(box.x + point.x, box.y + point.y);
  return (await page.getByTestId('spacetime-details').innerText()).trim();
}

test('the diagram: four lanes, labelled controls, a legend, a live details box, no horizontal scroll', SLOW, () =>
  onPage(async ({ page }) => {
    const summary = await spacetime(page);
    assert.deepEqual(summary.lanes, ['n0', 'n1', 'n2', 'n3']);
    assert.equal(summary.arrows, 0);
    assert.equal(summary.follow, true, 'it follows the clock by default');
    const canvas = page.getByTestId('spacetime');
    assert.ok(await canvas.isVisible());
    assert.match((await canvas.getAttribute('aria-label')) ?? '', /lane per node/);
    const box = await canvas.boundingBox();
    assert.ok(box.height >= 4 * 40, `room for four lanes (${box.height} px)`);
    for (const id of ['spacetime-zoom-in', 'spacetime-zoom-out', 'spacetime-fit', 'spacetime-follow']) {
      const button = page.getByTestId(id);
      assert.equal(await button.evaluate((el) => el.tagName), 'BUTTON');
      assert.ok((await button.getAttribute('aria-label')) || (await button.innerText()).trim(), `${id} has a label`);
    }
    assert.equal(await page.getByTestId('spacetime-follow').getAttribute('aria-pressed'), 'true');
    assert.equal(await page.getByTestId('spacetime-details').getAttribute('aria-live'), 'polite');
    const legend = (await page.getByTestId('spacetime-legend').innerText()).toLowerCase();
    for (const word of ['read', 'write', 'repair', 'in flight', 'dropped', 'command', 'fault']) assert.ok(legend.includes(word), `legend names ${word}`);
    // The cards do not overlap: the diagram lies below the cluster and above the node panels.
    const topology = await page.getByTestId('topology').boundingBox();
    const nodes = await page.getByTestId('node-grid').boundingBox();
    assert.ok(box.y > topology.y + topology.height && box.y + box.height < nodes.y, 'between the cluster and the nodes');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at 1280 px (${overflow} px too wide)`);
  }),
);

test('a typed insert at ALL draws its writes and acks; reset clears the diagram', SLOW, () =>
  onPage(async ({ page }) => {
    await typeCommand(page, 0, 'insert 5 hello ALL');
    await page.getByTestId('run-until-quiet').click();
    await waitForText(page, 'console-output-0', 'insert successful');
    await page.getByTestId('spacetime-fit').click();
    const summary = await spacetime(page);
    assert.equal(summary.kinds.write, 3, `a write to each replica: ${JSON.stringify(summary.kinds)}`);
    assert.equal(summary.kinds.write_ack, 3, 'and an ack from each');
    assert.equal(summary.visibleArrows, 6, 'all six in view after fit');
    assert.ok(summary.marks >= 5, 'the command, the reply and three store changes are marked');

    const details = await clickArrow(page, { msg: 'write', to: 2 });
    assert.match(details, /write\s+n0 → n2/);
    assert.match(details, /key 5 = hello/);
    assert.match(details, /delivered \d+\.\d{3} s/);

    await page.getByTestId('reset').click();
    await eventually(async () => (await spacetime(page)).arrows === 0, { message: 'the diagram to clear on reset' });
    assert.match(await page.getByTestId('spacetime-details').innerText(), /Click an arrow/);
  }),
);

test('the read-repair demo draws a loud repair arrow; clicking it shows its details; screenshot', SLOW, () =>
  onPage(async ({ page }) => {
    await page.evaluate(() => window.playground.setSpeed(5));
    await page.getByTestId('demo-read-repair').click();
    await page.evaluate(() => window.playground.demo()); // the running demo: resolves when it is done
    await page.evaluate(() => window.playground.pause());
    await page.getByTestId('spacetime-fit').click();
    const summary = await spacetime(page);
    assert.equal(summary.kinds.repair, 1, `one repair arrow: ${JSON.stringify(summary.kinds)}`);
    assert.ok(summary.kinds.read >= 3 && summary.kinds.read_reply >= 3, `the read's fan-out: ${JSON.stringify(summary.kinds)}`);
    const details = await clickArrow(page, { msg: 'repair', to: 2 });
    assert.match(details, /REPAIR\s+n3 → n2/);
    assert.match(details, /key 5 = world/);
    assert.match(details, /version \d+\.\d{6}@n0/);

    mkdirSync(join(ROOT, 'target'), { recursive: true });
    await page.getByTestId('spacetime').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ROOT, 'target/spacetime.png'), fullPage: true });
  }),
);

test('a hostile key is shown as text in the details and runs nothing', SLOW, () =>
  onPage(async ({ page, problems }) => {
    const key = '<img/src=x/onerror=alert(1)>';
    await typeCommand(page, 1, `insert ${key} v ALL`);
    await typeCommand(page, 2, 'insert <img src=x onerror=alert(1)> ALL'); // a bad command, kept as typed
    await page.getByTestId('run-until-quiet').click();
    await waitForText(page, 'console-output-1', 'insert successful');
    await page.getByTestId('spacetime-fit').click();
    const details = await clickArrow(page, { msg: 'write', key });
    assert.ok(details.includes(`key ${key} = v`), `the key literally: ${details}`);
    await page.waitForTimeout(300); // a planted handler would have fired by now
    const planted = await page.evaluate(() => ({
      images: [...document.images].filter((i) => i.getAttribute('src') === 'x').length,
      handlers: document.querySelectorAll('[onerror]').length,
      inDetails: document.querySelector('[data-testid="spacetime-details"]').childElementCount,
    }));
    assert.deepEqual(planted, { images: 0, handlers: 0, inDetails: 0 });
    assert.deepEqual(problems.dialogs, []);
  }),
);

test('zoom in, zoom out, fit, drag to pan and follow change the visible window', SLOW, () =>
  onPage(async ({ page }) => {
    await page.evaluate(() => window.playground.pause());
    for (const [node, command] of [[0, 'insert 1 a ALL'], [1, 'insert 2 b ALL'], [3, 'get 1 QUORUM']]) {
      await page.evaluate(([n, c]) => {
        window.playground.run(n, c);
        window.playground.runUntilQuiet();
      }, [node, command]);
    }
    const width = (w) => w.to - w.from;
    const before = (await spacetime(page)).window;
    await page.getByTestId('spacetime-zoom-in').click();
    const zoomedIn = (await spacetime(page)).window;
    assert.ok(width(zoomedIn) < width(before) * 0.9, `zoom in narrows ${JSON.stringify([before, zoomedIn])}`);
    await page.getByTestId('spacetime-zoom-out').click();
    await page.getByTestId('spacetime-zoom-out').click();
    const zoomedOut = (await spacetime(page)).window;
    assert.ok(width(zoomedOut) > width(zoomedIn) * 2, 'zoom out widens');

    for (let i = 0; i < 4; i++) await page.getByTestId('spacetime-zoom-in').click();
    const narrow = await spacetime(page);
    await page.getByTestId('spacetime-fit').click();
    const fitted = await spacetime(page);
    assert.ok(width(fitted.window) > width(narrow.window), 'fit widens a narrow window');
    assert.equal(fitted.visibleArrows, fitted.arrows, 'fit shows every arrow');
    const { now } = await page.evaluate(() => window.playground.state());
    const first = JSON.parse((await page.evaluate(() => window.playground.trace())).split('\n')[0]).time;
    assert.ok(fitted.window.from <= first && fitted.window.to >= now, `fit spans the run from ${first} to ${now}: ${JSON.stringify(fitted.window)}`);

    // Dragging pans into the past and stops following; Follow brings the clock back in view.
    const box = await page.getByTestId('spacetime').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 300, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const panned = await spacetime(page);
    assert.equal(panned.follow, false);
    assert.ok(panned.window.from < fitted.window.from, 'dragging right shows earlier times');
    assert.equal(await page.getByTestId('spacetime-follow').getAttribute('aria-pressed'), 'false');
    await page.getByTestId('spacetime-follow').click();
    const following = await spacetime(page);
    assert.equal(following.follow, true);
    assert.ok(following.window.from < now && following.window.to > now, 'the clock is in view again');
  }),
);

test('faults and kinds the page does not know yet are drawn and described, not fatal', SLOW, () =>
  onPage(async ({ page }) => {
    // The core emits neither yet: paint a hand-made model with the diagram's own modules.
    const drawn = await page.evaluate(async () => {
      const { SpacetimeModel } = await import('/js/spacetime-model.js');
      const { frame, pick, markPoint } = await import('/js/spacetime-geometry.js');
      const { paint } = await import('/js/spacetime-draw.js');
      const { describe } = await import('/js/spacetime-details.js');
      const model = new SpacetimeModel();
      const hint = { from: 0, to: 2, msg: 'hint', key: 'h', value: 'x', version: { timestamp: 1e6, node: 0 } };
      model.addAll([
        { kind: 'fault', time: 1e6, text: 'partition 0,1 | 2,3' },
        { kind: 'fault', time: 1e6, text: 'loss * 0.2' },
        { kind: 'fault', time: 1e6, node: 0, text: 'skew 0 500' },
        { kind: 'command', time: 1e6, node: 0, request: 7, text: 'get 5 ONE' },
        { kind: 'fault', time: 2e6, node: 1, text: 'crash 1' },
        { kind: 'send', time: 3e6, sent: 3e6, due: 5e6, ...hint },
        { kind: 'deliver', time: 5e6, sent: 3e6, due: 5e6, ...hint },
        { kind: 'handoff', time: 6e6, node: 3, key: 'h' },
      ]);
      const canvas = document.createElement('canvas');
      canvas.width = 800;
      canvas.height = 220;
      const f = frame({ width: 800, height: 220 }, 4, 0, 8e6);
      const colors = new Proxy({}, { get: () => '#888888' });
      const lanes = [0, 1, 2, 3].map((i) => ({ name: `n${i}`, address: `a:${i}` }));
      const visible = paint(canvas.getContext('2d'), { size: { width: 800, height: 220 }, f, model, now: 7e6, colors, lanes, highlight: [] });
      const crash = markPoint(model.marks[4], f);
      canvas.dataset.testid = 'hand-made';
      document.body.prepend(canvas);
      return {
        visible,
        picked: pick(model, f, 7e6, crash.x, crash.y)?.mark?.text,
        hint: describe({ message: model.messages[0] }),
        handoff: describe({ mark: model.marks[5] }),
      };
    });
    // Three faults and a command at 1 s: their labels are stacked, not printed over each other.
    await page.getByTestId('hand-made').screenshot({ path: join(ROOT, 'target/spacetime-faults.png') });
    assert.equal(drawn.visible, 1);
    assert.equal(drawn.picked, 'crash 1');
    assert.match(drawn.hint, /^hint\s+n0 → n2\nkey h = x/);
    assert.match(drawn.handoff, /^handoff on n3 at 6\.000 s\nkey h$/);
  }),
);

test('performance: the draw time with ~3000 events in view (printed, not asserted)', SLOW, () =>
  onPage(async ({ page }) => {
    const events = await page.evaluate(async () => {
      const { playground } = window;
      playground.pause();
      const levels = ['ONE', 'QUORUM', 'ALL'];
      for (let i = 0; (await playground.trace()).split('\n').length < 3000; i++) {
        const command = i % 5 === 4 ? `get k${i - 1} ${levels[i % 3]}` : `insert k${i} v${i} ${levels[i % 3]}`;
        const result = playground.run(i % 4, command);
        playground.runUntilQuiet();
        await result;
      }
      return (await playground.trace()).split('\n').filter(Boolean).length;
    });
    await page.getByTestId('spacetime-fit').click();
    await ensurePlaying(page); // the clock moves: every frame redraws
    await page.waitForTimeout(1500);
    const summary = await spacetime(page);
    console.log(
      `spacetime: ${events} trace events, ${summary.arrows} arrows (${summary.visibleArrows} in view) and ${summary.marks} marks; ` +
        `mean draw time ${summary.drawMs.toFixed(2)} ms per frame`,
    );
    assert.ok(events >= 3000);
    assert.ok(summary.visibleArrows > 1000, 'the whole run is in view');

    await page.getByTestId('spacetime-zoom-in').click();
    await page.getByTestId('spacetime-zoom-in').click();
    await page.waitForTimeout(500);
    const zoomed = await spacetime(page);
    console.log(`spacetime zoomed in: ${zoomed.visibleArrows} arrows in view, mean draw time ${zoomed.drawMs.toFixed(2)} ms per frame`);
  }),
);
