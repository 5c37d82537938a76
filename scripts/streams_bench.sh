#!/usr/bin/env bash
# Heartbeats with per-pico logs on and off (in pairs), and with 0, 100 and
# 1,000 live event streams watching the devices (issue 19's benchmarks).
#
#   scripts/streams_bench.sh logs     [-- COUNT SECONDS ROUNDS]
#   scripts/streams_bench.sh watchers [-- COUNT SECONDS WATCHERS...]
#   scripts/streams_bench.sh collection [-- COUNT SECONDS WATCHERS...]
#   scripts/streams_bench.sh queries [-- ROUNDS SECONDS]
#
# logs: for each round (default 2), `spime serve --pico-logs on`, then
# `off`, each on a fresh data directory with COUNT (default 300) esproto-temp
# devices in one collection, then SECONDS (default 25) of heartbeats over 32
# connections (the simulator's load/server lines: rate, latency, CPU per
# heartbeat, RSS).
# watchers: for each N of WATCHERS (default 0 100 1000), a fresh engine
# (logs on, --max-watchers above N), the same fleet, then N streams (`spime
# devices watch`, spread over the devices' allow-all channels, filtered to
# wovyn:heartbeat) open for the whole run of SECONDS of heartbeats; prints
# the simulator's lines and the watchers' summary (events received, drops).
# With STALL=1 the watchers send their request and never read (stalled
# clients the engine must drop): compare p99 with N=0 and N=1 or more.
# collection: as watchers, but the N streams (curl, unfiltered, default
# WATCHERS 0 10 0 10, COUNT 100) all watch the one collection, whose stream
# carries its members' readings (no id) besides its own events; prints the
# events and the readings the streams received.
# queries: for each round (default 2), `--pico-logs on`, then `off`, on a
# fresh engine with one device: SECONDS (default 15) of wrk (2 threads, 16
# connections, --latency) on GET /sky/cloud/<its channel>/esproto_router/
# lastTemperature: the cost of a query's episode on the query path.
# Uses build/spime; loopback only; every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/engine.sh
mode=${1:-}
shift || true
[[ ${1:-} == -- ]] && shift
count=${1:-300}
seconds=${2:-25}
port=3853
bin=build/spime
[[ $mode == logs || $mode == watchers || $mode == collection || $mode == queries ]] || {
  echo "usage: $0 logs|watchers|collection|queries [-- COUNT SECONDS ROUNDS|WATCHERS...]" >&2
  exit 2
}

# The allow-all channel the command line makes on pico `$1` (`spime pico show`).
cli_eci() {
  "$bin" pico show "$1" --json --url "$ENGINE_URL" |
    jq -r '.channels[] | select(.tags == ["spime-cli"]) | .id'
}

# A fresh engine with `$@` as serve options and the fleet set up; sets dir.
start_with_fleet() {
  dir=$(mktemp -d /tmp/spime-streams-XXXXXX)
  engine_start "$bin" "$dir/data" "$port" "$dir/serve.log" "$@"
  "$bin" devices simulate --url "$ENGINE_URL" --count "$count" --collections 1 --setup-only \
    --no-progress >/dev/null
}

heartbeats() {
  "$bin" devices simulate --url "$ENGINE_URL" --count "$count" --collections 1 \
    --duration "$seconds" --connections 32 --server-pid "$ENGINE_PID" --no-progress |
    grep -E '^(load|server|result)' | sed 's/^/  /'
}

stop_engine() {
  engine_stop
  rm -rf "$dir"
}

if [[ $mode == logs ]]; then
  rounds=${3:-2}
  for round in $(seq 1 "$rounds"); do
    for logs in on off; do
      start_with_fleet --pico-logs "$logs"
      echo "--pico-logs $logs, round $round:"
      heartbeats
      stop_engine
    done
  done
  exit 0
fi

if [[ $mode == queries ]]; then
  rounds=${1:-2}
  seconds=${2:-15}
  count=1
  for round in $(seq 1 "$rounds"); do
    for logs in on off; do
      start_with_fleet --pico-logs "$logs"
      eci=$(cli_eci sim-device-0001)
      echo "--pico-logs $logs, round $round:"
      timeout $((seconds + 30)) wrk -t2 -c16 -d"${seconds}s" --latency \
        "$ENGINE_URL/sky/cloud/$eci/esproto_router/lastTemperature" |
        grep -E 'Requests/sec|^ +(50|99)%|Non-2xx' | sed 's/^ */  /'
      stop_engine
    done
  done
  exit 0
fi

if [[ $mode == collection ]]; then
  count=${1:-100}
  shift 2 2>/dev/null || true
  watchers=("$@")
  [[ ${#watchers[@]} -gt 0 ]] || watchers=(0 10 0 10)
  for n in "${watchers[@]}"; do
    start_with_fleet --max-watchers $((n + 100))
    name=sim-collection-01 # the simulator's one collection
    eci=$(cli_eci "$name")
    echo "$n watchers of collection $name ($count members):"
    pids=()
    for i in $(seq 1 "$n"); do
      timeout $((seconds * 4 + 120)) curl -sN -H 'Accept: text/event-stream' \
        "$ENGINE_URL/c/$eci/stream" >"$dir/stream-$i.out" &
      pids+=($!)
    done
    heartbeats
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ $n -gt 0 ]]; then
      events=$(cat "$dir"/stream-*.out | grep -c '^data: ' || true)
      readings=$(cat "$dir"/stream-*.out | grep -c '^data: {"member"' || true)
      echo "  streams: $events events received, $readings of them members' readings"
    fi
    stop_engine
  done
  exit 0
fi

shift 2 2>/dev/null || true
watchers=("$@")
[[ ${#watchers[@]} -gt 0 ]] || watchers=(0 100 1000)
for n in "${watchers[@]}"; do
  start_with_fleet --max-watchers $((n + 100))
  echo "$n watchers$([[ ${STALL:-0} == 1 ]] && echo ' (stalled)'):"
  if [[ $n -gt 0 ]]; then
    # Each device's allow-all channel (the one `spime pico show` makes for the command line).
    ecis=$dir/ecis
    for i in $(seq 1 "$count"); do
      "$bin" pico show "$(printf 'sim-device-%04d' "$i")" --json --url "$ENGINE_URL" |
        jq -r '.channels[] | select(.tags == ["spime-cli"]) | .id'
    done >"$ecis"
    # Stopped (SIGTERM: it prints its summary) once the heartbeats are done.
    stall=()
    [[ ${STALL:-0} == 1 ]] && stall=(--stall)
    "$bin" devices watch --url "$ENGINE_URL" --ecis "$ecis" --count "$n" --domain wovyn \
      --type heartbeat --duration $((seconds * 4 + 120)) --ramp 1000 "${stall[@]}" \
      >"$dir/watch.out" &
    watch_pid=$!
    sleep 2 # the ramp: 1,000 streams open in one second
  fi
  heartbeats
  if [[ $n -gt 0 ]]; then
    kill -TERM "$watch_pid" 2>/dev/null || true
    wait "$watch_pid" || true
    sed 's/^/  /' "$dir/watch.out"
  fi
  stop_engine
done
