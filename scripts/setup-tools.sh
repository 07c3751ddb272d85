#!/usr/bin/env bash
# The tools only packaging and the editor tests need (tools/package.json: vsce, playwright-core,
# @vscode/test-electron), installed into tools/node_modules from tools/package-lock.json, apart from the main
# install so that `npm run demo` does not download them. Idempotent: a no-op while the lock file is unchanged.
set -euo pipefail
cd "$(dirname "$0")/../tools"
stamp=node_modules/.edgepush-lock-hash
hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
  exit 0
fi
printf 'setup-tools: installing vsce, playwright-core and @vscode/test-electron into tools/ (npm ci)\n' >&2
npm ci --no-audit --no-fund --loglevel=error >/dev/null
echo "$hash" > "$stamp"
