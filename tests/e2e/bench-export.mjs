// Export benchmark (not a test): fast-forwards a workload on the 16-node scale cluster, then
// times playground.traceHash() and the Share card's Export trace button, with the longest task
// the page ran meanwhile (PerformanceObserver 'longtask': tasks over 50 ms) and the download's
// size, and the wasm memory before and after. EXPORT_OPS sets the operations (1,000,000 by
// default: issue 14's million); EXPORT_SAVE=PATH keeps the file downloaded there (to compare with
// kvsim run --trace).
// Run: node tests/e2e/bench-export.mjs (after scripts/build-wasm.sh and build-site.sh).

import { startServer, launchBrowser, openPlayground, scaleConfig } from './helpers.mjs';
import { statSync } from 'node:fs';

const OPS = Number(process.env.EXPORT_OPS ?? 1_000_000);
const SPEC = `ops=${OPS} rate=5000 keys=500`;

const server = await startServer();
const browser = await launchBrowser();
try {
  const { page } = await openPlayground(browser.context, server.url);
  await page.evaluate((config) => window.playground.loadConfig(config, { seed: 1 }), JSON.stringify(scaleConfig(16)));
  const started = Date.now();
  const forwarded = await page.evaluate((spec) => window.playground.runWorkload(spec, { fastForward: true }), SPEC);
  console.log(`${SPEC} on 16 nodes: fast-forward of ${forwarded.events} steps in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await page.evaluate(() => {
    window.__tasks = [];
    new PerformanceObserver((list) => window.__tasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
  });
  const memory = () => page.evaluate(async () => `${((await import('/js/wasm.js')).wasmMemoryBytes() / 2 ** 20).toFixed(0)} MiB of wasm memory`);
  console.log(`after the fast-forward: ${await memory()}`);
  const longest = async () => {
    await page.evaluate(() => new Promise((r) => setTimeout(r, 200))); // the observer reports after the task
    return page.evaluate(() => {
      const tasks = window.__tasks.splice(0);
      return tasks.length ? `${tasks.length} tasks over 50 ms, the longest ${Math.max(...tasks).toFixed(0)} ms` : 'no task over 50 ms';
    });
  };
  // Called from a task of the page's own: a script evaluated by the test is no task the
  // longtask observer sees.
  const hash = await page.evaluate(
    () =>
      new Promise((resolve) =>
        setTimeout(async () => {
          const t = performance.now();
          try {
            resolve({ hash: await window.playground.traceHash(), ms: performance.now() - t });
          } catch (e) {
            resolve({ error: e.message, ms: performance.now() - t });
          }
        }),
      ),
  );
  console.log(`traceHash: ${JSON.stringify(hash)}; ${await longest()}; then ${await memory()}`);
  const clicked = Date.now();
  const outcome = await Promise.race([
    page.waitForEvent('download', { timeout: 600_000 }).then(async (d) => {
      if (process.env.EXPORT_SAVE) await d.saveAs(process.env.EXPORT_SAVE);
      return { file: await d.path() };
    }),
    page.getByTestId('share-error').waitFor({ state: 'visible', timeout: 600_000 }).then(async () => ({ error: await page.getByTestId('share-error').textContent() })),
    page.getByTestId('export-trace').click().then(() => new Promise(() => {})),
  ]).catch((e) => ({ error: String(e) }));
  const ms = Date.now() - clicked;
  const size = outcome.file ? `${(statSync(outcome.file).size / 2 ** 20).toFixed(0)} MiB downloaded` : `error: ${outcome.error}`;
  console.log(`Export trace: ${(ms / 1000).toFixed(1)} s, ${size}; ${await longest()}; then ${await memory()}`);
} finally {
  await browser.close();
  server.close();
}
