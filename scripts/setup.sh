#!/usr/bin/env bash
# What a job needs on a Debian 12 machine, idempotent and quick when already done. Each job names the groups it
# needs; nothing else is installed:
#   bash scripts/setup.sh demo    a Docker engine and the npm packages (what `npm run demo` needs, nothing more)
#   bash scripts/setup.sh e2e     + Chromium, code-server and tools/ (vsce, playwright-core: the end-to-end tests)
#   bash scripts/setup.sh board   + QEMU, debootstrap and UEFI firmware (QEMU boards)
#   bash scripts/setup.sh bench   + the delta anchors (rdiff, xdelta3, bsdiff, zstd)
#   bash scripts/setup.sh registry + Debian's docker-registry (edgepush registry, fleets)
#   bash scripts/setup.sh arm     + qemu-user-static and binfmt-support, handlers registered (simulated ARM devices)
#   bash scripts/setup.sh real-supervisor + the real balena-supervisor v19.0.5 (its sources, deps and Node 22 cached
#                                 under ~/.cache/edgepush/real-supervisor: the conformance suite's reference device)
#   bash scripts/setup.sh         everything the tests need (CI, `npm run test:all`): all groups and the cached
#                                 test clients (official balena CLI, code-server) and tools/
# Not root, not Debian, or no Docker: says exactly what to install and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages by what needs them. To add a package, put it in the group of the job that needs it (or add a
# group, and name it in ALL_GROUPS and in the job that runs it).
PKG_engine=(docker.io ca-certificates iproute2)                    # the Docker engine, loopback addresses
PKG_base=(busybox-static)                                          # the local base images (edgepush-base/*)
PKG_bench=(rdiff xdelta3 bsdiff zstd)                              # delta benchmark anchors
PKG_board=(qemu-system-x86 qemu-utils debootstrap e2fsprogs lz4 ovmf) # QEMU board image, UEFI for balenaOS images
PKG_e2e=(chromium libkrb5-dev ripgrep)                             # end-to-end tests in code-server
PKG_registry=(docker-registry)                                     # a real OCI registry (distribution 2.8): images, deltas, fleets
PKG_realsup=(jq curl g++ make python3 libsqlite3-dev util-linux) # the real balena-supervisor (scripts/real-supervisor/; npm comes with Node)
PKG_arm=(qemu-user-static binfmt-support qemu-system-arm)          # ARM containers here (simulated Raspberry Pis), the aarch64 board
ALL_GROUPS=(engine base bench board e2e registry realsup arm)

# Which groups (and which scripts/setup-*.sh test clients) each job needs.
job=${1:-all}
case "$job" in
  demo) groups=(engine base); clients=() ;;
  e2e) groups=(engine base e2e); clients=(tools e2e) ;;
  board) groups=(engine base board); clients=() ;;
  bench) groups=(engine base bench); clients=() ;;
  registry) groups=(engine base registry); clients=() ;;
  real-supervisor) groups=(engine base realsup); clients=(real-supervisor) ;;
  arm) groups=(engine base arm); clients=() ;;
  all) groups=("${ALL_GROUPS[@]}"); clients=(all) ;;
  *) printf 'setup: unknown job %s (demo, e2e, board, bench, registry, real-supervisor, arm or nothing for all)\n' "$job" >&2; exit 2 ;;
esac

say() { printf 'setup: %s\n' "$*" >&2; }
started=$SECONDS

wanted=()
for g in "${groups[@]}"; do
  declare -n list="PKG_$g"
  wanted+=("${list[@]}")
  unset -n list
done
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    say "missing packages: ${missing[*]}"
    say "install them as root on Debian 12:  apt-get update && apt-get install -y ${missing[*]}"
    say "(elsewhere: Docker Engine, busybox (static), and Node 20 with npm; for boards QEMU for x86_64; for the e2e tests Chromium)"
    exit 1
  fi
  say "installing Debian packages for ${groups[*]}: ${missing[*]}"
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
  say "starting dockerd (log: /var/log/edgepush-dockerd.log)"
  mkdir -p /var/log
  nohup dockerd >/var/log/edgepush-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker version >/dev/null 2>&1 && break; sleep 0.5; done
  docker version >/dev/null 2>&1 || { say "dockerd did not start; see /var/log/edgepush-dockerd.log"; tail -20 /var/log/edgepush-dockerd.log >&2; exit 1; }
fi

# qemu-user handlers for ARM binaries, registered with binfmt_misc (the F flag lets containers use them).
if [[ " ${groups[*]} " == *" arm "* ]] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  if [ "$(id -u)" != 0 ]; then
    say "ARM containers need the qemu-user binfmt handlers: as root, mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; update-binfmts --enable"
    exit 1
  fi
  [ -e /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  update-binfmts --enable >/dev/null 2>&1 || true
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || { say "update-binfmts registered no qemu-aarch64 handler"; exit 1; }
  say "registered the qemu-user binfmt handlers (aarch64, arm)"
fi

# npm dependencies, only when the lock file changed since the last install.
stamp=node_modules/.edgepush-lock-hash
hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$hash" > "$stamp"
fi

# Cached test clients, each with its own script (kept out of the product's dependencies).
for c in "${clients[@]}"; do
  if [ "$c" = all ]; then
    for s in scripts/setup-*.sh; do [ -e "$s" ] && bash "$s"; done
  else
    bash "scripts/setup-$c.sh"
  fi
done
say "ready for $job ($((SECONDS - started)) s)"
