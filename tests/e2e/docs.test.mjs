// The manual against the live page: the `window.playground` calls are exactly the rows of the
// API table in docs/playground.md, and the `data-testid` hooks on the page (with the config editor
// open, so its per-node fields exist) are exactly the listed ones. Numbered hooks are listed as
// patterns (`console-input-N`, `config-delay-N-M`).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, sharedPlayground } from './helpers.mjs';

const onPage = sharedPlayground();
const DOC = readFileSync(join(ROOT, 'docs/playground.md'), 'utf8');

/** The lines of the doc's section whose heading contains `title`, up to the next `## `. */
function section(title) {
  const lines = DOC.split('\n');
  const start = lines.findIndex((line) => line.startsWith('## ') && line.includes(title));
  assert.ok(start >= 0, `docs/playground.md has no section "${title}"`);
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** What `actual` has that `listed` lacks, and the reverse, as a message ('' when they agree). */
function difference(what, actual, listed) {
  const missing = [...actual].filter((x) => !listed.has(x)).sort();
  const extra = [...listed].filter((x) => !actual.has(x)).sort();
  const parts = [];
  if (missing.length) parts.push(`on the page but not in docs/playground.md: ${missing.join(', ')}`);
  if (extra.length) parts.push(`in docs/playground.md but not on the page: ${extra.join(', ')}`);
  return parts.length ? `${what}: ${parts.join('; ')}` : '';
}

test('the API table lists exactly the calls window.playground has', async () => {
  // Table rows whose first cell is `playground.NAME...`.
  const listed = new Set(
    section('Automation API')
      .map((line) => /^\|\s*`playground\.([A-Za-z_$][\w$]*)/.exec(line)?.[1])
      .filter(Boolean),
  );
  await onPage(async ({ page }) => {
    const actual = new Set(await page.evaluate(() => Object.keys(window.playground)));
    assert.equal(difference('window.playground', actual, listed), '');
  });
});

test('the data-testid list names exactly the hooks the page has', async () => {
  // List items whose first code span is the id; upper-case letters stand for node numbers.
  const listed = new Set(
    section('data-testid')
      .map((line) => /^- `([^`]+)`/.exec(line)?.[1])
      .filter(Boolean),
  );
  const pattern = (id) => id.replace(/\d+/g, 'N').replace(/N-N$/, 'N-M');
  await onPage(async ({ page }) => {
    await page.getByTestId('config-toggle').click();
    await page.getByTestId('config-address-0').waitFor();
    const ids = await page.evaluate(() => [...document.querySelectorAll('[data-testid]')].map((e) => e.dataset.testid));
    const actual = new Set(ids.map((id) => (listed.has(id) ? id : pattern(id))));
    assert.equal(difference('data-testid', actual, listed), '');
  });
});
