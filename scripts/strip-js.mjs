// Strips comments and blank space from every .js file under a directory, in place (the served
// copy of the site, dist/). Nothing is renamed or rewritten: the code, its names and the module
// files are those of www/, so the page behaves as the sources do and stays readable in devtools.
// Usage: node scripts/strip-js.mjs DIR
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { minify } from 'terser';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/strip-js.mjs DIR');
  process.exit(2);
}

const files = readdirSync(dir, { recursive: true })
  .map((f) => join(dir, f))
  .filter((f) => f.endsWith('.js'));
let before = 0;
let after = 0;
for (const file of files) {
  const source = readFileSync(file, 'utf8');
  const { code } = await minify(source, { module: true, compress: false, mangle: false, format: { comments: false } });
  writeFileSync(file, code);
  before += source.length;
  after += code.length;
}
console.log(`strip-js: ${files.length} files, ${before} -> ${after} bytes`);
