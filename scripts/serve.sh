#!/usr/bin/env bash
# Serves www/ on http://127.0.0.1:${PORT:-8000}/ with Python's static server (scripts/serve.py).
# Build the wasm package first: scripts/build-wasm.sh (scripts/play.sh does both).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
if [ ! -f www/pkg/kvplayground_bg.wasm ]; then
  echo "www/pkg is not built yet: run scripts/play.sh (or scripts/build-wasm.sh)" >&2
  exit 1
fi
echo "serving www/ at http://127.0.0.1:$PORT/  (Ctrl-C stops it)"
exec python3 scripts/serve.py "$PORT" www
