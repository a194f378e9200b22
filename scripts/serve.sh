#!/usr/bin/env bash
# Serves the site on http://127.0.0.1:${PORT:-8000}/ with Python's static server (scripts/serve.py):
# dist/ (what scripts/build-site.sh assembles; scripts/play.sh builds and serves it), or the
# directory given, e.g. `scripts/serve.sh www` to serve the sources while editing them.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
DIR="${1:-dist}"
if [ ! -f "$DIR/pkg/kvplayground_bg.wasm" ]; then
  echo "$DIR/pkg is not built yet: run scripts/play.sh (or scripts/build-wasm.sh, then scripts/build-site.sh)" >&2
  exit 1
fi
echo "serving $DIR/ at http://127.0.0.1:$PORT/  (Ctrl-C stops it)"
exec python3 scripts/serve.py "$PORT" "$DIR"
