#!/usr/bin/env bash
# Builds the four wasm packages (release), then shrinks each wasm with binaryen's
# wasm-opt:
#   www/pkg/kvplayground.js + kvplayground_bg.wasm    the page's cluster (feature `page`);
#   www/pkg-check/kvchecker.js + kvchecker_bg.wasm    the linearizability checker (feature
#                                                     `checker`), which only the page's checker
#                                                     worker loads, so the first load carries none of it;
#   www/pkg-export/kvexport.js + kvexport_bg.wasm     the exports made on demand from a run's data
#                                                     (feature `exports`: the ShiViz log, scenario
#                                                     files written and read, replicas compared),
#                                                     loaded when first used;
#   www/pkg-bench/kvbench.js + kvbench_bg.wasm        the benchmark in the browser (feature `bench`:
#                                                     benchStandard), which only tests/e2e/bench.mjs
#                                                     and the facade's tests load (the engine would
#                                                     double the exports package).
# Assumes scripts/setup.sh --build has run (wasm32 target, wasm-bindgen-cli, wasm-pack, node_modules).
# Arguments go to every wasm-pack build.
#
# wasm-pack runs with --no-opt because it would download binaryen (or take Debian's wasm-opt
# 108, which corrupts this module: the page then fails at start with "WebAssembly.Table.set():
# Argument 1 is invalid for table"). We run the npm binaryen at the version in package-lock.json
# ourselves, with exactly the wasm features rustc emits for wasm32-unknown-unknown.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# build OUT_DIR NAME [wasm-pack options] [-- cargo options]
build() {
  local out=$1 name=$2
  shift 2
  # wasm-pack finds wasm-bindgen (at the locked version) on PATH and downloads nothing.
  wasm-pack --quiet build --target web --out-dir "$out" --out-name "$name" --no-typescript --release --no-opt "$@"
  local wasm=$out/${name}_bg.wasm
  # --converge repeats -O3 until the module stops shrinking (about 700 bytes gzipped, 4 s more);
  # -Oz would save 180 bytes more but inlines less; -O3 is kept for the speed of the engine loop.
  # The producers and target-features sections are for tools, not browsers (190 bytes).
  node_modules/.bin/wasm-opt -O3 --converge --strip-producers --strip-target-features \
    --enable-bulk-memory --enable-mutable-globals --enable-multivalue \
    --enable-nontrapping-float-to-int --enable-reference-types --enable-sign-ext \
    "$wasm" -o "$wasm.opt"
  mv "$wasm.opt" "$wasm"
}

build www/pkg kvplayground "$@"
build www/pkg-check kvchecker "$@" -- --no-default-features --features checker
build www/pkg-export kvexport "$@" -- --no-default-features --features exports
build www/pkg-bench kvbench "$@" -- --no-default-features --features bench
