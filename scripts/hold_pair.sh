#!/usr/bin/env bash
# Many connections (issue 18 goal 5): 64 connections against 10,000, in
# pairs on one engine.
#
#   scripts/hold_pair.sh [ROUNDS] [SECONDS]
#
# A fresh data directory, `spime serve` (this checkout's build/spime),
# 1,000 esproto-temp devices in one collection; 10,000 idle connections
# for 20 s (what an idle connection costs the server); then ROUNDS
# (default 2) rounds of: the simulator at 64 connections as fast as the
# engine answers (30 s), `devices hold` with 64 connections at a heartbeat
# every 0.032 s each (2,000/s) and with 10,000 connections at one every
# 5 s each (2,000/s), SECONDS (default 60) each; last, 10,000 connections
# at one every 3 s and every 2 s (3,333/s and 5,000/s asked). Prints each
# run's figures, when it ran, the load average before it and how busy the
# machine's cores were during it (the engine and everything else: on a
# shared machine, compare pairs run in the same minutes). Loopback only;
# every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
seconds=${2:-60}
port=3960
url="http://127.0.0.1:$port"
dir=$(mktemp -d /tmp/spime-hold-XXXXXX)
build/spime serve --port "$port" --data "$dir/data" >"$dir/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 500); do
  curl -s -o /dev/null "$url/api/ui-context" && break
  sleep 0.02
done
build/spime devices simulate --url "$url" --count 1000 --collections 1 --setup-only \
  --ecis-out "$dir/ecis.txt" --no-progress

# CPU ticks: the machine's busy ones, all, and the engine's (utime + stime).
ticks() {
  read -r _ u n s i w q sq st _ </proc/stat
  echo "$((u + n + s + q + sq + st)) $((u + n + s + i + w + q + sq + st))" \
    "$(awk '{print $14 + $15}' "/proc/$server/stat")"
}
marks=""
stamp() {
  if [[ -n $marks ]]; then  # how busy the machine was during the run before
    read -r b0 t0 e0 <<<"$marks"
    read -r b1 t1 e1 <<<"$(ticks)"
    awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) -v e=$((e1 - e0)) -v c="$(nproc)" 'BEGIN {
      printf "  cpu: machine %.0f%% busy (of %d cores), engine %.0f%%, everything else %.0f%%\n",
        100 * b / t, c, 100 * e / t, 100 * (b - e) / t }'
  fi
  echo "== $1 ($(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg))"
  marks=$(ticks)
}
hold() {
  build/spime devices hold --url "$url" --ecis "$dir/ecis.txt" --server-pid "$server" \
    --no-progress "$@" | sed 's/^/  /' || true
}

stamp "10,000 idle connections"
hold --connections 10000 --interval 3600 --duration 20
for round in $(seq 1 "$rounds"); do
  stamp "round $round: simulate, 64 connections, unpaced"
  build/spime devices simulate --url "$url" --count 1000 --collections 1 --duration 30 \
    --connections 64 --server-pid "$server" --no-progress |
    grep -E '^(load|heartbeats|server|result)' | sed 's/^/  /' || true
  stamp "round $round: hold, 64 connections, every 0.032 s"
  hold --connections 64 --interval 0.032 --duration "$seconds"
  stamp "round $round: hold, 10,000 connections, every 5 s"
  hold --connections 10000 --interval 5 --duration "$seconds"
done
stamp "hold, 10,000 connections, every 3 s"
hold --connections 10000 --interval 3 --duration "$seconds"
stamp "hold, 10,000 connections, every 2 s"
hold --connections 10000 --interval 2 --duration "$seconds"
stamp "done"
