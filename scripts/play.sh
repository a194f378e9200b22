#!/usr/bin/env bash
# The main job: runs kvsim on the example cluster and prints a read-repair story.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --quiet -- run --config examples/config.json --script examples/read-repair.kvs "$@"
