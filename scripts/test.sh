#!/usr/bin/env bash
# Runs every test of the project. Installs what a fresh machine lacks first (scripts/setup.sh).
# Stops at the first failing stage with a non-zero status; prints one line per stage with its time.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER=/usr/bin/chromedriver

started=$SECONDS
stage_start=$SECONDS
stage() {
  if [ -n "${stage_name:-}" ]; then echo "== done: $stage_name ($((SECONDS - stage_start)) s)"; fi
  stage_name="$1"
  stage_start=$SECONDS
  echo "== $1"
}
trap 'status=$?; if [ $status -ne 0 ]; then echo "== FAILED: ${stage_name:-setup} (status $status, after $((SECONDS - started)) s)"; fi' EXIT

stage "setup: install what is missing"
./scripts/setup.sh

stage "lint: cargo fmt --check, cargo clippy (native, and the library's four packages and wasm tests for wasm32)"
cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings
cargo clippy --lib --target wasm32-unknown-unknown --quiet -- -D warnings
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features checker --quiet -- -D warnings
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features exports --quiet -- -D warnings
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features bench --quiet -- -D warnings
cargo clippy --target wasm32-unknown-unknown --test wasm --features exports --quiet -- -D warnings

stage "native tests: unit, scenario, property, malformed-input, CLI and golden-trace tests"
cargo test --all-targets

stage "wasm tests: the facade in headless Chromium (tests/wasm/, wasm-bindgen-test)"
# What `wasm-pack test --headless --chrome` does, for tests/wasm/ alone: wasm-pack would first
# build every test target for wasm32 (`cargo build --tests`), and the others are native-only
# (proptest, the kvsim binary's processes). The runner comes with wasm-bindgen-cli (setup.sh),
# runs headless, and drives the system Chromium through $CHROMEDRIVER.
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown --test wasm --features exports

stage "build: the wasm packages into www/pkg, www/pkg-check, www/pkg-export and www/pkg-bench, the site into dist/, and kvsim (release) for the end-to-end tests"
./scripts/build-wasm.sh
./scripts/build-site.sh
cargo build --release --quiet

stage "end-to-end tests: the page as served (dist/) in headless Chromium (node --test tests/e2e/)"
node --test --test-concurrency=1 tests/e2e/*.test.mjs

stage_end=$((SECONDS - stage_start))
echo "== done: $stage_name ($stage_end s)"
echo "== all tests passed in $((SECONDS - started)) s"
