#!/usr/bin/env bash
# Adding members to one collection, spime binaries in pairs.
#
#   scripts/membership_pair.sh SPIME... [-- STEPS...]
#
# For each round (2) and each binary in turn: a fresh data directory,
# `spime serve` on it, then the fleet simulator's set-up (of this checkout's
# build/spime) to each of STEPS devices in one collection (default 1000
# 3000 5000): each step makes the new devices and adds them. Prints the
# seconds each step took. Loopback only; every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/engine.sh
bins=()
while [[ $# -gt 0 && $1 != -- ]]; do bins+=("$1"); shift; done
[[ ${1:-} == -- ]] && shift
steps=("${@:-1000 3000 5000}")
[[ ${#bins[@]} -gt 0 ]] || { echo "usage: $0 SPIME... [-- STEPS...]" >&2; exit 2; }
port=3830
for round in 1 2; do
  for bin in "${bins[@]}"; do
    dir=$(mktemp -d /tmp/spime-membership-XXXXXX)
    engine_start "$bin" "$dir/data" "$port" "$dir/serve.log"
    line="$bin round $round:"
    previous=$(date +%s.%N)
    for n in ${steps[*]}; do
      build/spime devices simulate --url "$ENGINE_URL" --count "$n" --collections 1 \
        --setup-only --no-progress --connections 4 --request-timeout 600 --settle 300 \
        >"$dir/simulate.log" 2>&1 || line="$line (failed: $(tail -1 "$dir/simulate.log"))"
      now=$(date +%s.%N)
      line="$line to $n: $(awk "BEGIN { printf \"%.2f\", $now - $previous }") s;"
      previous=$now
    done
    echo "$line"
    engine_stop
    rm -rf "$dir"
  done
done
