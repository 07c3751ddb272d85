#!/usr/bin/env bash
# code-server 4.100.3 (VS Code 1.100.3 on Node 20) for the end-to-end tests, never a product dependency.
# Installed once into ${XDG_CACHE_HOME:-$HOME/.cache}/edgepush/code-server and linked from test/e2e/.code-server.
# Idempotent: a no-op once the marker file is there. Pitfalls handled (see docs/vscode-e2e.md):
#   - kerberos needs libkrb5-dev (scripts/setup.sh installs it);
#   - @vscode/ripgrep's postinstall downloads from GitHub: its cache is seeded from Debian's ripgrep;
#   - node-pty's build runs `npx node-gyp`: npm_config_yes=true;
#   - as root, code-server's postinstall refuses to run unless npm_config_unsafe_perm=true.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.100.3
RG_VERSION=1.15.11
cache="${XDG_CACHE_HOME:-$HOME/.cache}/edgepush/code-server"
bin="$cache/node_modules/.bin/code-server"
link=test/e2e/.code-server
say() { printf 'setup-e2e: %s\n' "$*" >&2; }

link_cache() {
  mkdir -p test/e2e
  if [ "$(readlink "$link" 2>/dev/null || true)" != "$cache" ]; then
    rm -rf "$link"
    ln -s "$cache" "$link"
  fi
}

if [ -x "$bin" ] && [ -f "$cache/.installed-$VERSION" ]; then
  link_cache
  exit 0
fi

for need in rg chromium; do
  if ! command -v "$need" >/dev/null; then
    say "'$need' is missing: apt-get install -y ripgrep chromium libkrb5-dev (scripts/setup.sh does this as root)"
    exit 1
  fi
done

say "installing code-server $VERSION into $cache (one-off, about 2 minutes)"
mkdir -p "$cache"
tmp="$cache/.tmp"
rm -rf "$tmp"
mkdir -p "$tmp/vscode-ripgrep-cache-$RG_VERSION" "$tmp/rgpkg"
cp "$(command -v rg)" "$tmp/rgpkg/rg"
tar czf "$tmp/vscode-ripgrep-cache-$RG_VERSION/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$tmp/rgpkg" rg

cd "$cache"
cat > package.json <<JSON
{"name":"code-server-for-tests","private":true}
JSON
TMPDIR="$tmp" npm_config_yes=true npm_config_unsafe_perm=true npm install "code-server@$VERSION" --no-audit --no-fund --loglevel=error >"$cache/install.log" 2>&1 || {
  say "npm install failed; last lines of $cache/install.log:"
  tail -30 "$cache/install.log" >&2
  exit 1
}
# --version writes a default config file: keep it in the temporary folder.
got=$(XDG_CONFIG_HOME="$tmp" XDG_DATA_HOME="$tmp" "$bin" --version 2>/dev/null | grep -o "^$VERSION" | head -1 || true)
rm -rf "$tmp"
case "$got" in
  "$VERSION"*) touch ".installed-$VERSION"; say "code-server $got ready" ;;
  *) say "code-server --version printed '$got', expected $VERSION"; exit 1 ;;
esac
cd - >/dev/null
link_cache
