// Shared by the end-to-end tests and the browser benchmark: a static server for dist/ on a free
// port of 127.0.0.1 (the same Python server scripts/play.sh runs), the system's Chromium driven
// by playwright-core (which never downloads a browser), and small helpers that read the page the
// way a person would see it.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { before, after } from 'node:test';
import { linkCluster } from '../../www/js/workload-presets.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// The served directory: dist/, the site as users get it (KV_WWW overrides it, e.g. KV_WWW=www to
// test the sources as they are).
export const WWW = process.env.KV_WWW ? resolve(process.env.KV_WWW) : join(ROOT, 'dist');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const KVSIM = join(ROOT, 'target/release/kvsim');
export const EXAMPLE_CONFIG = readFileSync(join(ROOT, 'examples/config.json'), 'utf8');

/**
 * Starts scripts/serve.py on a free port serving WWW; resolves {url, close}. `isolated` makes
 * the page cross-origin isolated (finer frame timestamps, for the benchmark).
 */
export async function startServer({ needPage = true, isolated = false } = {}) {
  if (needPage && !existsSync(join(WWW, 'index.html'))) throw new Error(`${WWW}/index.html does not exist`);
  if (!existsSync(join(WWW, 'pkg/kvplayground_bg.wasm'))) {
    throw new Error(`${WWW}/pkg is not built: run scripts/build-wasm.sh and scripts/build-site.sh (scripts/test.sh does)`);
  }
  const args = ['-u', join(ROOT, 'scripts/serve.py'), ...(isolated ? ['--isolated'] : []), '0', WWW];
  const child = spawn('python3', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = () => child.kill();
  process.on('exit', stop); // never leave a server behind, whatever happens to the test
  const port = await new Promise((resolvePort, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the static server did not start: ${out}`)), 10_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /port (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    });
    child.stderr.on('data', () => {}); // request log
    child.on('exit', (code) => reject(new Error(`the static server exited (${code}): ${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => {
      process.off('exit', stop);
      stop();
    },
  };
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The system Chromium with a fresh, empty user data dir; resolves {context, close}. */
export async function launchBrowser({ viewport = { width: 1280, height: 800 } } = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'kvplayground-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  // Recorded before any page script runs: CSP violations the page's own policy reports.
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}`);
    });
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Opens the playground and waits for `window.playground.ready`. Records console errors, page
 * errors, failed requests, CSP violations and dialogs in `problems`; `assertClean()` fails the
 * test on any of them but dialogs (which the XSS test checks itself), or on a shown fatal error.
 */
export async function openPlayground(context, url) {
  const page = await context.newPage();
  const problems = { console: [], page: [], dialogs: [], failed: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text())) {
      problems.console.push(`${msg.type()}: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.page.push(String(err?.stack ?? err)));
  // A dialog is recorded (the XSS test fails on any) and accepted, as a person would.
  page.on('dialog', async (dialog) => {
    problems.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.accept().catch(() => {});
  });
  page.on('requestfailed', (req) => problems.failed.push(`${req.url()}: ${req.failure()?.errorText}`));
  await page.goto(url);
  await page.waitForFunction(() => window.playground && window.playground.ready, null, { timeout: 30_000 });
  await page.evaluate(() => window.playground.ready);
  const assertClean = async () => {
    const csp = await page.evaluate(() => window.__cspViolations ?? []).catch(() => []);
    const fatal = await page
      .getByTestId('fatal-error')
      .evaluate((el) => (el.hidden || getComputedStyle(el).display === 'none' ? '' : el.textContent.trim()))
      .catch(() => '');
    const all = [
      ...problems.console.map((p) => `console ${p}`),
      ...problems.page.map((p) => `page error: ${p}`),
      ...problems.failed.map((p) => `request failed: ${p}`),
      ...csp.map((p) => `CSP violation: ${p}`),
      ...(fatal ? [`fatal-error shown: ${fatal}`] : []),
    ];
    if (all.length) throw new Error(`the page reported problems:\n  ${all.join('\n  ')}`);
  };
  return { page, problems, assertClean };
}

/**
 * For a test file whose tests share one static server and one browser (started before its first
 * test, closed after its last). Returns onPage(fn): runs `fn({page, problems, assertClean})` on a
 * freshly loaded page of its own, then fails on any problem the page reported.
 */
export function sharedPlayground() {
  let server;
  let browser;
  before(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });
  return async (fn) => {
    const playground = await openPlayground(browser.context, server.url);
    try {
      await fn(playground);
      await playground.assertClean();
    } finally {
      await playground.page.close();
    }
  };
}

/** Polls `check` (async, returns a truthy value when done) until it holds or `timeout` ms pass. */
export async function eventually(check, { timeout = 30_000, interval = 50, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const detail = typeof message === 'function' ? await message(last) : message;
      throw new Error(`timed out after ${timeout} ms waiting for ${detail}` + (last instanceof Error ? `: ${last.message}` : ''));
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Types a command into node `i`'s console, as a person would, and presses Enter. */
export async function typeCommand(page, i, command) {
  const input = page.getByTestId(`console-input-${i}`);
  await input.click();
  await input.pressSequentially(command);
  await input.press('Enter');
}

/** The page's requestAnimationFrame intervals (ms) over `seconds`, in the order they came. */
export function frameIntervals(page, seconds) {
  return page.evaluate(
    (span) =>
      new Promise((resolve) => {
        const times = [];
        let start;
        let last;
        const frame = (t) => {
          if (last !== undefined) times.push(t - last);
          start ??= t;
          last = t;
          if (t - start < span * 1000) requestAnimationFrame(frame);
          else resolve(times);
        };
        requestAnimationFrame(frame);
      }),
    seconds,
  );
}

/** The nearest-rank percentile `p` of ascending `sorted`. */
export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** Drags a file holding `text` onto the element with `testId` and drops it, as a person would. */
export async function dropFile(page, testId, name, text) {
  await page.getByTestId(testId).evaluate(
    (target, [fileName, fileText]) => {
      const data = new DataTransfer();
      data.items.add(new File([fileText], fileName, { type: 'application/json' }));
      for (const type of ['dragenter', 'dragover', 'drop']) {
        target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
      }
    },
    [name, text],
  );
}

/** Scrolls to a card that loads when first seen (www/js/lazy.js) and waits until it has loaded. */
export async function showCard(page, testId) {
  const card = page.getByTestId(testId);
  await card.scrollIntoViewIfNeeded();
  await eventually(async () => (await card.getAttribute('aria-busy')) === null, { message: `the ${testId} card to load` });
}

/** The visible text of an element by test id. */
export async function textOf(page, testId) {
  return (await page.getByTestId(testId).innerText()).trim();
}

/** Waits until the element with `testId` shows `text`. */
export async function waitForText(page, testId, text, timeout = 30_000) {
  return eventually(async () => (await page.getByTestId(testId).innerText()).includes(text), {
    timeout,
    message: async () => `"${text}" in ${testId}; it shows:\n${await page.getByTestId(testId).innerText().catch((e) => e)}`,
  });
}

/** Node `i`'s store table as the page shows it: [{key, key, value, timestamp, state}]. */
export async function storeRows(page, i) {
  return page.getByTestId(`store-table-${i}`).evaluate((table) =>
    [...table.querySelectorAll('tbody tr')].map((tr) => {
      const row = { dataKey: tr.dataset.key };
      for (const cell of tr.querySelectorAll('[data-col]')) row[cell.dataset.col] = cell.textContent.trim();
      return row;
    }),
  );
}

/** Resolves after the page has drawn two more frames (what it shows is then up to date). */
export async function nextFrames(page) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** The virtual time the clock shows, in seconds (the first number in its text), once redrawn. */
export async function clockSeconds(page) {
  await nextFrames(page);
  const text = await textOf(page, 'clock');
  const match = /-?\d+(?:\.\d+)?/.exec(text.replace(/,/g, ''));
  if (!match) throw new Error(`the clock shows no number: "${text}"`);
  return Number(match[0]);
}

/** Makes sure virtual time runs: a person clicks play when the clock stands still. */
export async function ensurePlaying(page) {
  const before = await clockSeconds(page);
  await page.waitForTimeout(400);
  if ((await clockSeconds(page)) !== before) return;
  await page.getByTestId('play-pause').click();
  const started = await clockSeconds(page);
  await eventually(async () => (await clockSeconds(page)) > started, {
    timeout: 5_000,
    message: 'the clock to run after clicking play-pause',
  });
}

/** Builds target/release/kvsim when it is missing. */
export function ensureKvsim() {
  if (!existsSync(KVSIM)) {
    execFileSync('cargo', ['build', '--release', '--quiet'], { cwd: ROOT, stdio: 'inherit' });
  }
  return KVSIM;
}

/** The timed lines of a kvsim script, as kvsim reads them: `#` comments and blank lines dropped. */
export function scriptLines(text) {
  return text
    .split('\n')
    .map((line) => line.split('#')[0].trim())
    .filter((line) => line);
}

/**
 * The wasm facade in a page of its own, for the tests that call it raw: a new browser on
 * `server`, a page at a same-origin document (a stylesheet: the page's modules are imported from
 * /js/, and through /js/wasm.js the packages, one module instance each, as on the page), `load`
 * run in it. Console errors and page errors are gathered in `errors`; the host document is a
 * bare file, so Chromium's request for /favicon.ico 404s, the only error not gathered.
 */
export async function openFacade(server, load) {
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.location().url.endsWith('/favicon.ico')) errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(`${server.url}css/playground.css`);
  await page.evaluate(load);
  return { browser, page, errors };
}

/** The lines of a JSON-lines text (or array of lines), empty lines dropped. */
export function jsonLines(text) {
  const lines = Array.isArray(text) ? text : String(text).split('\n');
  return lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).filter((l) => l.trim() !== '');
}

/** `n` nodes with links averaging 1-20 ms: the Workload card's preset clusters (scale tests, bench). */
export const scaleConfig = (n = 16) => linkCluster(n);
