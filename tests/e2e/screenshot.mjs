// Takes the README's screenshot, docs/screenshot.png: the page at 1280x800 in headless Chromium,
// at the read-repair lesson's step where the REPAIR is on its way to the stale n2.
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
  await page.getByTestId('lesson-start').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="lesson-progress"]').textContent === 'step 1 of 6');
  for (let k = 1; k < 5; k++) await page.getByTestId('lesson-next').click();
  await nextFrames(page);
  mkdirSync(join(ROOT, 'docs'), { recursive: true });
  await page.screenshot({ path: OUT });
  await assertClean();
  console.log(`saved ${OUT}`);
} finally {
  await browser.close();
  server.close();
}
