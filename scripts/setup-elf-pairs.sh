#!/usr/bin/env bash
# Real ELF update pairs for the engine's executable tests (test/unit/engine/executable/elf.pairs): three small
# Debian packages, one per architecture, fetched once from Debian's archive into the cache and laid out as tar
# layers by ../shared/bench/corpus.sh (which adds the arm64/armhf architectures to dpkg when it must).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${EDGEPUSH_ELF_PAIRS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/edgepush/elf-pairs}
corpus=../shared/bench/corpus.sh
[ -f "$corpus" ] || { echo "setup: $corpus not found (the shared folder sits beside the checkout)" >&2; exit 1; }
bash "$corpus" test/unit/engine/executable/elf.pairs "$dir" >/dev/null
