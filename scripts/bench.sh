#!/usr/bin/env bash
# The heartbeat benchmark of BENCHMARKS.md, in one command:
#
#   scripts/bench.sh [WORKDIR]        (default WORKDIR: /tmp/spime-bench)
#
# Builds nothing: expects build/spime (with its fleet simulator, `spime
# devices simulate`) and build/bare_responder (scripts/build.sh). Provisions 1,000 ESProto device
# picos made from the prototype esproto-temp (esproto_router + esproto_device,
# thresholds 60-80 F; heartbeats go to each one's transducer channel, which
# checks them against the ESProto heartbeat schema) into WORKDIR/data once,
# with the simulator's --setup-only; then for C = 1, 8, 64 runs wrk for DURATION seconds
# (default 10) against the bare Beast responder and against `spime serve`
# with the heartbeats spread over 1,000 picos and sent to 1 pico, each spime
# run right after the responder run it is compared with. Prints a Markdown
# table (rate, p50, p99, ratios to the responder, the server's CPU time per
# request -- user + system, from /proc, less sensitive to a noisy machine
# than the rate -- and its RSS after the run).
#
# Loopback only; every wait is bounded. Durable (fsync group commit) unless
# SPIME_ARGS adds --no-sync.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/spime-bench}"
duration="${DURATION:-10}"
payload="${PAYLOAD:-$root/../shared/esproto/temp-normal.json}"
spime_port="${SPIME_PORT:-38201}"
bare_port="${BARE_PORT:-38202}"
spime_args="${SPIME_ARGS:-}"
bin="$root/build"

for tool in wrk "$bin/spime" "$bin/bare_responder"; do
  command -v "$tool" > /dev/null || { echo "bench: missing $tool (scripts/build.sh)" >&2; exit 1; }
done
simulate=("$bin/spime" devices simulate)
[ -f "$payload" ] || { echo "bench: missing payload $payload" >&2; exit 1; }
mkdir -p "$work"

server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2> /dev/null || true; fi
  wait 2> /dev/null || true
}
trap cleanup EXIT

# start_spime: starts `spime serve` on WORKDIR/data; sets server_pid, owner_eci.
start_spime() {
  # shellcheck disable=SC2086
  "$bin/spime" serve --port "$spime_port" --data "$work/data" $spime_args > "$work/spime.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 150); do
    grep -q 'owner ECI' "$work/spime.log" && break
    sleep 0.1
  done
  owner_eci="$(sed -n 's/.*owner ECI[: ]*\([A-Za-z0-9_-]*\).*/\1/p' "$work/spime.log" | head -1)"
  [ -n "$owner_eci" ] || { echo "bench: spime did not start:" >&2; cat "$work/spime.log" >&2; exit 1; }
}

stop_server() {
  kill -TERM "$server_pid" 2> /dev/null || true
  wait "$server_pid" 2> /dev/null || true
  server_pid=""
}

rss_mb() { awk '/VmRSS/ {printf "%.0f MB", $2 / 1024}' "/proc/$1/status"; }

# cpu_ticks PID: user + system clock ticks the process has used so far.
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
hz="$(getconf CLK_TCK)"

# run_wrk PORT C ECIS: one wrk run; prints "rate p50 p99" (ms).
run_wrk() {
  local threads=2
  [ "$2" -eq 1 ] && threads=1
  ECIS="$3" PAYLOAD="$payload" timeout $((duration + 20)) \
    wrk -t"$threads" -c"$2" -d"${duration}s" --latency -s "$root/devices/heartbeat.lua" \
    "http://127.0.0.1:$1" > "$work/wrk.txt" 2>&1
  if grep -q 'non-2xx: [1-9]' "$work/wrk.txt"; then
    echo "bench: non-2xx answers:" >&2
    cat "$work/wrk.txt" >&2
  fi
  local requests
  requests="$(awk '/requests in/ {print $1}' "$work/wrk.txt")"
  awk -v requests="${requests:-0}" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rate = $2 }
    / 50%/ { p50 = ms($2) }
    / 99%/ { p99 = ms($2) }
    END { printf "%d %.3f %.3f %d\n", rate, p50, p99, requests }' "$work/wrk.txt"
}

# sim-ecis1000.txt: devices made by the simulator (an older WORKDIR's
# ecis1000.txt named esproto-fleet's devices: provisioned afresh).
if [ ! -s "$work/sim-ecis1000.txt" ]; then
  rm -rf "$work/data"
  start_spime
  "${simulate[@]}" --url "http://127.0.0.1:$spime_port" --owner "$owner_eci" --count 1000 \
    --prototype esproto-temp --collections 0 --setup-only --no-progress \
    --ecis-out "$work/sim-ecis1000.txt" >&2
  stop_server
fi
cp "$work/sim-ecis1000.txt" "$work/ecis1000.txt"
head -1 "$work/ecis1000.txt" > "$work/ecis1.txt"

echo "| target | C | req/s | p50 | p99 | vs bare: rate | vs bare: p99 | CPU per request | RSS after |"
echo "| --- | --: | --: | --: | --: | --: | --: | --: | --: |"
for c in 1 8 64; do
  "$bin/bare_responder" --port "$bare_port" > "$work/bare.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 50); do
    grep -q listening "$work/bare.log" && break
    sleep 0.1
  done
  kill -0 "$server_pid" 2> /dev/null || { echo "bench: bare_responder did not start:" >&2; cat "$work/bare.log" >&2; exit 1; }
  t0="$(cpu_ticks "$server_pid")"
  read -r b_rate b_p50 b_p99 b_n < <(run_wrk "$bare_port" "$c" "$work/ecis1000.txt")
  b_cpu="$(awk -v t="$(($(cpu_ticks "$server_pid") - t0))" -v n="$b_n" -v hz="$hz" \
    'BEGIN { printf "%.0f", n ? t * 1e6 / hz / n : 0 }')"
  stop_server
  echo "| bare_responder | $c | $b_rate | $b_p50 ms | $b_p99 ms | 1 | 1 | $b_cpu µs | |"
  for picos in 1000 1; do
    start_spime
    t0="$(cpu_ticks "$server_pid")"
    read -r rate p50 p99 n < <(run_wrk "$spime_port" "$c" "$work/ecis$picos.txt")
    ticks=$(($(cpu_ticks "$server_pid") - t0))
    rss="$(rss_mb "$server_pid")"
    stop_server
    awk -v t="spime, $picos picos" -v c="$c" -v r="$rate" -v a="$p50" -v b="$p99" \
      -v br="$b_rate" -v bb="$b_p99" -v rss="$rss" -v ticks="$ticks" -v n="$n" -v hz="$hz" 'BEGIN {
        printf "| %s | %d | %d | %.3f ms | %.3f ms | %.0f %% | %.1fx | %.0f µs | %s |\n",
               t, c, r, a, b, 100 * r / br, b / bb, n ? ticks * 1e6 / hz / n : 0, rss }'
  done
done
