// Takes the README's screenshot, docs/screenshot.png: the page at 1280x800 in headless Chromium,
// paused by the page's own animation frame while the read-repair demo's REPAIR is halfway to the
// stale n2.
//
// Run: node tests/e2e/screenshot.mjs (after scripts/build-wasm.sh and scripts/build-site.sh).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startServer, launchBrowser, openPlayground, nextFrames } from './helpers.mjs';

const OUT = join(ROOT, 'docs/screenshot.png');

const server = await startServer();
const browser = await launchBrowser({ viewport: { width: 1280, height: 800 } });
try {
  const { page, assertClean } = await openPlayground(browser.context, server.url);
  await page.evaluate(() => window.playground.setSpeed(2));
  await page.getByTestId('demo-read-repair').click();
  await page.evaluate(
    () =>
      new Promise((resolve) => {
        const frame = () => {
          const { now, inFlight } = window.playground.state();
          const repair = inFlight.find((m) => m.kind === 'repair');
          if (repair && now - repair.sent >= 0.5 * (repair.due - repair.sent)) {
            window.playground.pause();
            resolve();
          } else requestAnimationFrame(frame);
        };
        frame();
      }),
  );
  await nextFrames(page);
  mkdirSync(join(ROOT, 'docs'), { recursive: true });
  await page.screenshot({ path: OUT });
  await assertClean();
  console.log(`saved ${OUT}`);
} finally {
  await browser.close();
  server.close();
}
