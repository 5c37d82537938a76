#!/usr/bin/env bash
# Heartbeats for a long time on one engine: does the rate hold?
#
#   scripts/sustained.sh SPIME [PERIODS [SECONDS]] [-- SERVE_FLAGS...]
#
# A fresh data directory, `spime serve` (with SERVE_FLAGS), 300 esproto-temp
# devices in one collection made by this checkout's simulator, then PERIODS
# (default 30) back-to-back simulator runs of SECONDS (default 60) each over
# 32 connections (10 % of the devices above their upper limit). After each
# period: heartbeats/s, p99, the engine's CPU per heartbeat and RSS, the
# data directory's size, the machine's load average (1 min). Each run checks what the collection logged, so a
# second or two passes between periods. The simulator is this checkout's
# build/spime unless SIM names another. Loopback only; every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/engine.sh
bin=${1:?usage: $0 SPIME [PERIODS [SECONDS]] [-- SERVE_FLAGS...]}
shift
periods=30
seconds=60
[[ $# -gt 0 && $1 != -- ]] && { periods=$1; shift; }
[[ $# -gt 0 && $1 != -- ]] && { seconds=$1; shift; }
[[ ${1:-} == -- ]] && shift
port=${PORT:-3866}
sim=${SIM:-build/spime}
dir=$(mktemp -d /tmp/spime-sustained-XXXXXX)
trap 'engine_stop; rm -rf "$dir"' EXIT
engine_start "$bin" "$dir/data" "$port" "$dir/serve.log" "$@"
server=$ENGINE_PID
url=$ENGINE_URL
"$sim" devices simulate --url "$url" --count 300 --collections 1 --setup-only \
  --no-progress >/dev/null
echo "period  heartbeats/s  p99  CPU/heartbeat  RSS  data  load average"
for p in $(seq 1 "$periods"); do
  out=$("$sim" devices simulate --url "$url" --count 300 --collections 1 \
    --duration "$seconds" --connections 32 --hot-fraction 0.1 --server-pid "$server" \
    --no-progress --request-timeout 60 || true)
  rate=$(grep -E '^load:' <<<"$out" | grep -oE '[0-9]+/s' | head -1 | tr -d '/s')
  p99=$(grep -E '^load:' <<<"$out" | grep -oE 'p99 [0-9.]+' | cut -d' ' -f2)
  cpu=$(grep -E '^server' <<<"$out" | grep -oE 'CPU [0-9]+' | cut -d' ' -f2)
  rss=$(grep -E '^server' <<<"$out" | grep -oE 'RSS [0-9]+' | cut -d' ' -f2)
  data=$(du -sm "$dir/data" | cut -f1)
  load=$(cut -d' ' -f1 /proc/loadavg)
  echo "$p  ${rate:-?}  ${p99:-?} ms  ${cpu:-?} µs  ${rss:-?} MB  $data MB  $load"
  grep -q '^result: passed' <<<"$out" || grep -E '^(check|result)' <<<"$out" || true
done
