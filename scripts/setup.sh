#!/usr/bin/env bash
# Installs what building and testing the playground needs, and only what is missing:
#   target   rustup target wasm32-unknown-unknown
#   bindgen  wasm-bindgen-cli at exactly the version of `wasm-bindgen` in Cargo.lock
#   wasmpack wasm-pack
#   apt      Debian packages: nodejs and npm (wasm-opt runs on node) and python3 (the static
#            server) if missing; chromium, chromium-driver (for the browser tests)
#   npm      node_modules (npm ci): binaryen's wasm-opt, terser (minifies the served
#            JavaScript, scripts/build-site.sh), playwright-core, which drives the system
#            Chromium in the end-to-end tests, and ws (the attach test's watch servers)
#
# Usage: scripts/setup.sh [--build]   (--build: only what building the wasm package needs:
# target, bindgen, wasmpack and npm). Idempotent and non-interactive; quick when everything is there.
# Nothing here downloads a browser or a prebuilt binary: Chromium and chromedriver come from
# Debian, the Rust tools are built from crates.io.
#
# binaryen comes from npm (version 132, a wasm build run by node), not from Debian: Debian's
# wasm-opt 108 corrupts this module (see scripts/build-wasm.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$HOME/.cargo/bin:$PATH"
export DEBIAN_FRONTEND=noninteractive
# playwright-core never downloads a browser, but make sure nothing else does either.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

WASM_PACK_VERSION=0.15.1
only_build=false
case "${1:-}" in
  --build) only_build=true ;;
  "") ;;
  *) echo "usage: $0 [--build]" >&2; exit 2 ;;
esac

say() { echo "setup: $*"; }

# --- Rust target ---------------------------------------------------------------------------
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "wasm32-unknown-unknown target: present"
else
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# --- wasm-bindgen-cli at the locked version ------------------------------------------------
# The version of the `wasm-bindgen` package in Cargo.lock (the line after its name).
bindgen_version=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$bindgen_version" ]; then
  echo "setup: cannot find the wasm-bindgen version in Cargo.lock" >&2
  exit 1
fi
have_bindgen=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have_bindgen" = "$bindgen_version" ]; then
  say "wasm-bindgen-cli $bindgen_version: present"
else
  say "installing wasm-bindgen-cli $bindgen_version (found: ${have_bindgen:-none}); takes about 2 minutes"
  # Not --locked: a dependency pinned in its lock file may not be served here.
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi

# --- wasm-pack -----------------------------------------------------------------------------
if command -v wasm-pack >/dev/null 2>&1; then
  say "$(wasm-pack --version): present"
else
  say "installing wasm-pack $WASM_PACK_VERSION; takes about 1.5 minutes"
  cargo install wasm-pack --version "$WASM_PACK_VERSION"
fi

# --- Debian packages -----------------------------------------------------------------------
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if ! $only_build; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
fi
if [ ${#missing[@]} -eq 0 ]; then
  say "Debian packages (node, npm, python3$($only_build || echo ', chromium, chromedriver')): present"
else
  say "installing Debian packages: ${missing[*]}"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo -n); fi
  # Only what is needed (chromium's recommended packages would upgrade half the system), and
  # quietly: apt's output goes to a log, shown only if it fails.
  apt_log=$(mktemp)
  if ! { "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
      --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}"; } >"$apt_log" 2>&1; then
    cat "$apt_log" >&2
    rm -f "$apt_log"
    echo "setup: apt-get could not install ${missing[*]} (run as root, or allow sudo -n)" >&2
    exit 1
  fi
  rm -f "$apt_log"
fi

# --- npm packages: binaryen and terser (build), playwright-core and ws (end-to-end tests) ---
if [ -x node_modules/.bin/wasm-opt ] && [ -d node_modules/terser ] && [ -d node_modules/playwright-core ] && [ -d node_modules/ws ]; then
  say "node_modules (binaryen, terser, playwright-core, ws): present"
else
  say "installing node_modules (npm ci: binaryen, terser, playwright-core, ws)"
  npm ci --no-audit --no-fund
fi

say "done"
