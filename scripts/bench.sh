#!/usr/bin/env bash
# Benchmarks: prints figures, asserts nothing.
#   1. native: kvsim bench (events/s with the trace off and on);
#   2. browser (headless Chromium): wasm size, wasm events/s beside native, frame times with
#      ~300 messages in flight (tests/e2e/bench.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

echo "== native: cargo run --release -- bench"
cargo run --release --quiet -- bench

echo "== browser: setup, wasm build, site build (dist/), tests/e2e/bench.mjs"
./scripts/setup.sh >/dev/null
./scripts/build-wasm.sh
./scripts/build-site.sh
node tests/e2e/bench.mjs
