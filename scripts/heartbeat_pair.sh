#!/usr/bin/env bash
# Heartbeats through the fleet simulator, spime binaries in pairs.
#
#   scripts/heartbeat_pair.sh SPIME... [-- COUNT SECONDS ROUNDS]
#
# For each round (default 2) and each binary in turn: a fresh data
# directory, `spime serve`, COUNT (default 300) esproto-temp devices in one
# collection made by this checkout's simulator, then SECONDS (default 25) of
# heartbeats over 32 connections (10 % of the devices above their upper
# limit). Prints the simulator's load and server lines (rate, latency, CPU
# per heartbeat, RSS). Loopback only; every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/engine.sh
bins=()
while [[ $# -gt 0 && $1 != -- ]]; do bins+=("$1"); shift; done
[[ ${1:-} == -- ]] && shift
count=${1:-300}
seconds=${2:-25}
rounds=${3:-2}
[[ ${#bins[@]} -gt 0 ]] || { echo "usage: $0 SPIME... [-- COUNT SECONDS ROUNDS]" >&2; exit 2; }
port=3852
for round in $(seq 1 "$rounds"); do
  for bin in "${bins[@]}"; do
    dir=$(mktemp -d /tmp/spime-heartbeats-XXXXXX)
    engine_start "$bin" "$dir/data" "$port" "$dir/serve.log"
    server=$ENGINE_PID
    url=$ENGINE_URL
    build/spime devices simulate --url "$url" --count "$count" --collections 1 --setup-only \
      --no-progress >/dev/null
    echo "$bin round $round:"
    build/spime devices simulate --url "$url" --count "$count" --collections 1 \
      --duration "$seconds" --connections 32 --server-pid "$server" --no-progress |
      grep -E '^(load|server|result)' | sed 's/^/  /'
    engine_stop
    rm -rf "$dir"
  done
done
