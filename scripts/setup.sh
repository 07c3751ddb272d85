#!/usr/bin/env bash
# Everything the demo and the tests need on a Debian 12 machine, idempotent and quick when already done:
#   Debian packages, a running Docker engine, npm dependencies, then the cached test clients
#   (official balena CLI, code-server) through their own scripts.
# Not root, not Debian, or no Docker: says exactly what to install and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  docker.io busybox-static ca-certificates iproute2      # engine, local base images, loopback addresses
  rdiff xdelta3 bsdiff zstd                               # delta benchmark anchors
  qemu-system-x86 qemu-utils debootstrap e2fsprogs lz4    # QEMU board image
  ovmf                                                    # UEFI firmware for booting a user's balenaOS image
  chromium libkrb5-dev ripgrep                            # end-to-end tests in code-server
  docker-registry                                         # a real OCI registry (distribution 2.8): images, deltas, fleets
)

say() { printf 'setup: %s\n' "$*" >&2; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    say "missing packages: ${missing[*]}"
    say "install them as root on Debian 12:  apt-get update && apt-get install -y ${missing[*]}"
    say "(elsewhere: Docker Engine, busybox (static), QEMU for x86_64, Chromium, and Node 20 with npm)"
    exit 1
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts its own registry service on :5000 of every interface; EdgePush runs registries on loopback
  # addresses when asked (edgepush registry start), so the service it just installed is not left running.
  if [[ " ${missing[*]} " == *" docker-registry "* ]] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now docker-registry >/dev/null 2>&1 || true
  fi
fi

# A Docker engine that answers.
if ! docker version >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    say "no Docker engine answers; start one (sudo systemctl start docker) and add yourself to the docker group"
    exit 1
  fi
  say "starting dockerd"
  mkdir -p /var/log
  nohup dockerd >/var/log/edgepush-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker version >/dev/null 2>&1 && break; sleep 0.5; done
  docker version >/dev/null 2>&1 || { say "dockerd did not start; see /var/log/edgepush-dockerd.log"; tail -20 /var/log/edgepush-dockerd.log >&2; exit 1; }
fi

# npm dependencies, only when the lock file changed since the last install.
stamp=node_modules/.edgepush-lock-hash
hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund >/dev/null
  echo "$hash" > "$stamp"
fi

# Cached test clients, each with its own script (kept out of the product's dependencies).
for s in scripts/setup-*.sh; do
  [ -e "$s" ] || continue
  bash "$s"
done
say "ready"
