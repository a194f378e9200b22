// Strips comments and blank space from the site's text files under a directory, in place (the
// served copy of the site, dist/): JavaScript with terser (comments, blank space), stylesheets
// (comments, indentation) and HTML (indentation). Nothing is renamed or rewritten: the code, its
// names, the rules and the module files are those of www/, so the page behaves as the sources do
// and stays readable in devtools.
// Usage: node scripts/strip-site.mjs DIR
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { minify } from 'terser';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/strip-site.mjs DIR');
  process.exit(2);
}

// Line breaks stay (a break between two inline elements is a space, as the indentation was).
const unindent = (text) => text.replace(/\n[ \t]+/g, '\n').replace(/\n{2,}/g, '\n');

const strippers = {
  '.js': async (source) => (await minify(source, { module: true, compress: false, mangle: false, format: { comments: false } })).code,
  // The stylesheets hold no `/*` inside a string or url().
  '.css': async (source) => unindent(source.replace(/\/\*[\s\S]*?\*\//g, '')).trim() + '\n',
  '.html': async (source) => unindent(source),
};

const files = readdirSync(dir, { recursive: true })
  .map((f) => join(dir, f))
  .filter((f) => extname(f) in strippers);
let before = 0;
let after = 0;
for (const file of files) {
  const source = readFileSync(file, 'utf8');
  const code = await strippers[extname(file)](source);
  writeFileSync(file, code);
  before += source.length;
  after += code.length;
}
console.log(`strip-site: ${files.length} files, ${before} -> ${after} bytes`);
