#!/usr/bin/env bash
# The official balena CLI 22.5.5 as a test client (never a product dependency), cached under
# ${XDG_CACHE_HOME:-$HOME/.cache}/edgepush/balena-cli. Idempotent: a no-op once `balena version` answers.
# Recipe (see docs/balena-cli.md): pin the git-hosted unbzip2-stream to the registry release, skip install
# scripts (patch-package fails in a local install); push and device detect need no native rebuild.
set -euo pipefail
VERSION=22.5.5
dir="${XDG_CACHE_HOME:-$HOME/.cache}/edgepush/balena-cli"
bin="$dir/node_modules/.bin/balena"
say() { printf 'setup-balena-cli: %s\n' "$*" >&2; }

if [ -x "$bin" ] && [ -f "$dir/.installed-$VERSION" ]; then
  exit 0
fi
say "installing balena-cli $VERSION into $dir (one-off, about 2 minutes)"
mkdir -p "$dir"
cd "$dir"
cat > package.json <<JSON
{"name":"balena-cli-for-tests","private":true,"overrides":{"unbzip2-stream":"1.4.3"}}
JSON
npm install "balena-cli@$VERSION" --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
got=$(BALENARC_NO_ANALYTICS=1 BALENARC_NO_SENTRY=1 "$bin" version 2>/dev/null | head -1 || true)
case "$got" in
  *"$VERSION"*) touch ".installed-$VERSION"; say "balena-cli $got ready" ;;
  *) say "balena version printed '$got', expected $VERSION"; exit 1 ;;
esac
