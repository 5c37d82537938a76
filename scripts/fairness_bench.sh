#!/usr/bin/env bash
# Fairness under a flooding device (issue 21 §4): the neighbours' latency
# with one device flooding its channel, without and with a per-channel rate
# limit.
#
#   scripts/fairness_bench.sh [SECONDS] [WORKDIR]
#
# Needs build/spime (or SPIME_BIN), wrk, jq, curl. Starts `spime serve` on
# SPIME_PORT (default 38301) with a fresh data directory in WORKDIR (default
# a new /tmp/spime-fairness-XXXXXX, which keeps every log and summary), and
# makes COUNT (default 100) esproto-temp devices plus one more, the flooder,
# in one collection (the fleet simulator's --setup-only).
#
# Three runs of SECONDS (default 20) each, the engine restarted before each:
#   unloaded   the COUNT neighbours alone, paced at RATE heartbeats a second
#              in all (default 200: 2 a second each), over 8 connections
#              (`spime devices simulate --rate`);
#   flood      the same, while the flooder's channel takes heartbeats as
#              fast as FLOOD_CONNECTIONS (default 16) connections get
#              answers (wrk with devices/heartbeat.lua on its one ECI): far
#              more than 10x a neighbour's rate;
#   limited    the same flood, with `spime serve --channel-rate LIMIT
#              --channel-burst LIMIT` (default 20: ten times a neighbour's
#              rate, which the neighbours never reach): the flooder gets 429
#              with Retry-After beyond it.
# Prints, per run, the neighbours' p50/p99/max (ms) and failures, and the
# flooder's rate, its 2xx and 429 counts; then p99 with flood over p99
# unloaded, without and with the limit (the goal: within 2x with it).
#
# The machine must be quiet: another build or benchmark on its 2 cores
# moves every figure. Loopback only; every wait is bounded (start 60 s,
# set-up 10 minutes, each run SECONDS plus 5 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/engine.sh
. scripts/lib/engine.sh

seconds=${1:-20}
work=${2:-}
count=${COUNT:-100}
rate=${RATE:-200}
flood_connections=${FLOOD_CONNECTIONS:-16}
limit=${LIMIT:-20}
port=${SPIME_PORT:-38301}
bin=${SPIME_BIN:-build/spime}
payload=${PAYLOAD:-../shared/esproto/temp-normal.json}
[[ -f $payload ]] || payload=/work/shared/esproto/temp-normal.json

for tool in wrk jq curl "$bin"; do
  command -v "$tool" >/dev/null || { echo "fairness: missing $tool" >&2; exit 1; }
done
[[ -f $payload ]] || { echo "fairness: missing payload $payload" >&2; exit 1; }
[[ -n $work ]] || work=$(mktemp -d /tmp/spime-fairness-XXXXXX)
mkdir -p "$work"
echo "fairness: workdir $work"

cleanup() { engine_stop 30; }
trap cleanup EXIT
export ENGINE_START_SECONDS=60

start() {  # start NAME [serve flags...]
  local name=$1
  shift
  engine_start "$bin" "$work/data" "$port" "$work/$name.serve.log" "$@"
}

# The fleet: COUNT + 1 devices; the last one floods.
start setup
timeout 600 "$bin" devices simulate --url "$ENGINE_URL" --count $((count + 1)) \
  --setup-only --ecis-out "$work/all-ecis.txt" --fleet-file "$work/fleet.json" --no-progress \
  >"$work/setup.txt"
engine_stop 60
tail -n 1 "$work/all-ecis.txt" >"$work/flooder-eci.txt"
[[ $(wc -l <"$work/all-ecis.txt") -eq $((count + 1)) ]] ||
  { echo "fairness: the set-up made $(wc -l <"$work/all-ecis.txt") devices" >&2; exit 1; }

# run NAME FLOOD(0/1) [serve flags...]: writes "p50 p99 max failures flood_rate flood_2xx
# flood_429" to WORKDIR/NAME.result.
run() {
  local name=$1 flood=$2
  shift 2
  start "$name" "$@"
  local wrk_pid=
  if [[ $flood == 1 ]]; then
    ECIS="$work/flooder-eci.txt" PAYLOAD="$payload" timeout $((seconds + 300)) \
      wrk -t2 -c"$flood_connections" -d"$((seconds + 4))s" -s devices/heartbeat.lua \
      "$ENGINE_URL" >"$work/$name.wrk.txt" 2>&1 &
    wrk_pid=$!
    sleep 2  # the flood is on before the neighbours start
  fi
  # The neighbours: devices 1..COUNT of the same fleet (the flooder is COUNT + 1).
  timeout $((seconds + 300)) "$bin" devices simulate --url "$ENGINE_URL" --count "$count" \
    --fleet-file "$work/fleet.json" --rate "$rate" --duration "$seconds" --connections 8 \
    --bad-fraction 0 --json --no-progress --server-pid "$ENGINE_PID" \
    >"$work/$name.neighbours.json" 2>"$work/$name.neighbours.err" || true
  if [[ -n $wrk_pid ]]; then wait "$wrk_pid" || true; fi
  engine_stop 60
  local p50 p99 max failures
  p50=$(jq -r '.load.latency_ms.p50' "$work/$name.neighbours.json")
  p99=$(jq -r '.load.latency_ms.p99' "$work/$name.neighbours.json")
  max=$(jq -r '.load.latency_ms.max' "$work/$name.neighbours.json")
  failures=$(jq -r '.heartbeats.sent - .heartbeats.acknowledged' "$work/$name.neighbours.json")
  local frate=0 f2xx=0 f429=0
  if [[ $flood == 1 ]]; then
    frate=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$work/$name.wrk.txt")
    local total
    total=$(awk '/requests in/ { print $1 }' "$work/$name.wrk.txt")
    f429=$(awk '/status 429/ { print $NF; found = 1 } END { if (!found) print 0 }' \
      "$work/$name.wrk.txt")
    local non2xx
    non2xx=$(awk '/Non-2xx/ { print $NF; found = 1 } END { if (!found) print 0 }' \
      "$work/$name.wrk.txt")
    f2xx=$((total - non2xx))
  fi
  echo "$p50 $p99 $max $failures $frate $f2xx $f429" >"$work/$name.result"
}

printf '%-10s %8s %8s %8s %9s %12s %10s %10s\n' run p50_ms p99_ms max_ms failures \
  flooder_rps flooder_2xx flooder_429
declare -A p99s
for spec in "unloaded 0" "flood 1" "limited 1 --channel-rate $limit --channel-burst $limit"; do
  read -r -a words <<<"$spec"
  name=${words[0]}
  run "${words[@]}"
  read -r p50 p99 max failures frate f2xx f429 <"$work/$name.result"
  p99s[$name]=$p99
  printf '%-10s %8s %8s %8s %9s %12s %10s %10s\n' "$name" "$p50" "$p99" "$max" "$failures" \
    "$frate" "$f2xx" "$f429"
done
awk -v u="${p99s[unloaded]}" -v f="${p99s[flood]}" -v l="${p99s[limited]}" 'BEGIN {
  printf "neighbours p99: flood %.2fx unloaded without a limit, %.2fx with it\n", f / u, l / u }'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
