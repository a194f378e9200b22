#!/usr/bin/env bash
# Runs every test of the project. Installs what a fresh machine lacks first.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== lint: cargo fmt --check, cargo clippy"
cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings

echo "== native tests: unit, scenario, property, malformed-input and CLI tests"
cargo test --all-targets
