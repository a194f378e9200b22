#!/usr/bin/env bash
# Assembles the site as it is served and hosted: dist/ = www/ (with the wasm packages in www/pkg,
# www/pkg-check, www/pkg-export and www/pkg-bench, built by scripts/build-wasm.sh), its JavaScript minified one
# module per file with a source map beside each, its stylesheets stripped of comments and blank
# space, its HTML of indentation (scripts/strip-site.mjs).
# www/ stays the source: edit there, then run this again (or serve www/ itself while developing:
# scripts/serve.sh www).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f www/pkg/kvplayground_bg.wasm ] || [ ! -f www/pkg-check/kvchecker_bg.wasm ] || [ ! -f www/pkg-export/kvexport_bg.wasm ] || [ ! -f www/pkg-bench/kvbench_bg.wasm ]; then
  echo "www/pkg, www/pkg-check, www/pkg-export or www/pkg-bench is not built yet: run scripts/build-wasm.sh first" >&2
  exit 1
fi
rm -rf dist
cp -r www dist
# wasm-pack's README, package.json and .gitignore are for npm, and the page never loads them.
rm -f dist/pkg*/README.md dist/pkg*/package.json dist/pkg*/.gitignore
node scripts/strip-site.mjs dist
