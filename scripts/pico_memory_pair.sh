#!/usr/bin/env bash
# What a loaded device pico costs in memory, two spime binaries in pairs.
#
#   scripts/pico_memory_pair.sh OLD_SPIME NEW_SPIME [COUNT] [ROUNDS]
#
# Makes COUNT (default 10000) esproto-temp device picos once, with NEW_SPIME
# and its fleet simulator, in a temporary data directory; then, ROUNDS times
# (default 2), for OLD_SPIME and NEW_SPIME in turn: starts `spime serve` on a
# copy of that directory, reads its RSS, asks the wrangler's `children`
# query (which loads every child: two queries each), reads its RSS again.
# Prints per binary: RSS at start, RSS with every pico loaded, the
# difference per pico, and how long the query took. Loopback only; every
# wait is bounded.
set -euo pipefail
old=${1:?usage: $0 OLD_SPIME NEW_SPIME [COUNT] [ROUNDS]}
new=${2:?usage: $0 OLD_SPIME NEW_SPIME [COUNT] [ROUNDS]}
count=${3:-10000}
rounds=${4:-2}
port=3941
work=$(mktemp -d /tmp/spime-memory-XXXXXX)
trap 'pkill -f "serve --port $port" 2>/dev/null || true; rm -rf "$work"' EXIT

wait_listening() {  # log file
  for _ in $(seq 1 400); do
    grep -q listening "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "spime did not start: $(cat "$1")" >&2
  exit 1
}

"$new" serve --port $port --data "$work/fleet" >"$work/make.log" 2>&1 &
pid=$!
wait_listening "$work/make.log"
owner=$(awk '/owner ECI/ {print $3}' "$work/make.log")
SPIME_URL=http://127.0.0.1:$port "$new" devices simulate --owner "$owner" --count "$count" \
  --collections 0 --setup-only --connections 2 --request-timeout 900 --no-progress >/dev/null
kill $pid
wait $pid 2>/dev/null || true

for round in $(seq 1 "$rounds"); do
  for bin in "$old" "$new"; do
    rm -rf "$work/run"
    cp -r "$work/fleet" "$work/run"
    "$bin" serve --port $port --data "$work/run" >"$work/run.log" 2>&1 &
    pid=$!
    wait_listening "$work/run.log"
    rss0=$(ps -o rss= -p $pid)
    t0=$(date +%s.%N)
    n=$(curl -s -m 900 "http://127.0.0.1:$port/sky/cloud/$owner/io.picolabs.wrangler/children" |
      python3 -c "import json,sys; print(len(json.load(sys.stdin)))")
    t1=$(date +%s.%N)
    rss1=$(ps -o rss= -p $pid)
    printf '%s %s: %d picos, RSS %d KB at start, %d KB loaded, %d B per pico, children query %.2f s\n' \
      "$round" "$bin" "$n" "$rss0" "$rss1" $(((rss1 - rss0) * 1024 / n)) "$(echo "$t1 - $t0" | bc)"
    kill $pid
    wait $pid 2>/dev/null || true
  done
done
