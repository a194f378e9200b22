#!/usr/bin/env bash
# The main job: builds the playground (the core compiled to WebAssembly) and serves the page.
# Open the printed URL in a browser. PORT=8080 scripts/play.sh picks another port.
# The headless story of the same cluster: cargo run --release -- run --config examples/config.json
#   --script examples/read-repair.kvs
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== setup: wasm target, wasm-bindgen-cli, wasm-pack (installs only what is missing)"
./scripts/setup.sh --build

echo "== build: wasm-pack build --target web --out-dir www/pkg --release, then the site in dist/"
./scripts/build-wasm.sh
./scripts/build-site.sh

echo "== serve: open http://127.0.0.1:${PORT:-8000}/ in a browser"
exec ./scripts/serve.sh
