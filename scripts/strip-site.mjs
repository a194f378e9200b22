// Shrinks the site's text files under a directory, in place (the served copy of the site, dist/):
// JavaScript with terser (compressed, local names mangled; exports, properties and the module
// files stay those of www/: no bundling), each module with a source map beside it (`x.js.map`,
// fetched by devtools only, which then shows the sources); stylesheets without comments and
// indentation; HTML without indentation.
// Usage: node scripts/strip-site.mjs DIR
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { minify } from 'terser';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/strip-site.mjs DIR');
  process.exit(2);
}

// Line breaks stay (a break between two inline elements is a space, as the indentation was).
const unindent = (text) => text.replace(/\n[ \t]+/g, '\n').replace(/\n{2,}/g, '\n');

// Mangling renames local names only (a module's exports keep theirs, and properties are never
// renamed); the map's `sources` names the file as written, so devtools shows it.
async function minifyModule(source, file) {
  const name = basename(file);
  const { code, map } = await minify(
    { [name]: source },
    {
      module: true,
      compress: true,
      mangle: true,
      format: { comments: false },
      sourceMap: { filename: name, url: `${name}.map`, includeSources: true },
    },
  );
  writeFileSync(`${file}.map`, map);
  return code;
}

const strippers = {
  '.js': minifyModule,
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
  const code = await strippers[extname(file)](source, file);
  writeFileSync(file, code);
  before += source.length;
  after += code.length;
}
console.log(`strip-site: ${files.length} files, ${before} -> ${after} bytes`);
