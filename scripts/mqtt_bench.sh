#!/usr/bin/env bash
# Heartbeats over MQTT against heartbeats over HTTP, on one fleet (issue 20).
#
#   scripts/mqtt_bench.sh [pair] [SECONDS] [ROUNDS] [WORKDIR]
#   scripts/mqtt_bench.sh memory [SECONDS] [WORKDIR]
#
# Needs build/spime (or SPIME_BIN) with the MQTT bridge (`spime serve --mqtt URL`), the
# `mosquitto` broker (Debian package mosquitto), jq. Starts its OWN broker
# on a loopback port (MQTT_PORT, default 38883; never the system's 1883)
# with a config it writes into WORKDIR (anonymous on that listener only,
# persistence on, into WORKDIR/broker/; max_inflight_messages 0: no
# broker-side cap on the QoS 1 messages a client holds unacknowledged, so
# the bridge's own Receive Maximum decides, not the broker's default of 20,
# below the 32 requests in flight HTTP gets; set_tcp_nodelay true: without
# it the broker's small packets wait behind a peer's delayed ACK, a 40 ms
# floor under every MQTT latency), and `spime serve --mqtt
# mqtt://127.0.0.1:MQTT_PORT` on SPIME_PORT (default 38884) with a fresh
# data directory in WORKDIR (default: a new /tmp/spime-mqtt-bench-XXXXXX,
# which keeps every log, summary and summary.txt).
#
# pair (the default): COUNT (default 1,000) esproto-temp devices in one
# collection (made once by the fleet simulator, kept in a fleet file), then
# ROUNDS (default 3) rounds of two runs of SECONDS (default 30) each, MQTT
# then HTTP (A B A B, the same minutes), CONNECTIONS (default 32)
# connections, unpaced (each connection sends its next heartbeat when the
# last was answered: over MQTT, when the bridge's reply came, after the
# event committed), 10 % of the devices hot, 1 % malformed. Prints, per
# run, the rate, p50, p99, failures and the engine's CPU per heartbeat, and
# per protocol the mean of the rates and of the p99s, and MQTT's rate as a
# share of HTTP's.
#
# memory: COUNT (default 10,000) devices (--collections 0), an engine
# restarted on them: its RSS at rest (VmRSS, 10 s after the start), then
# every device publishing over MQTT for SECONDS (default 60) with
# --interval INTERVAL (default 10 s per device: COUNT/INTERVAL heartbeats a
# second) over CONNECTIONS (default 64) broker connections: the engine's
# RSS sampled each second (its highest) and at the end, its peak (VmHWM),
# its RSS 10 s after the load, the broker's RSS, the rate reached and p99.
#
# SERVE_ARGS: more flags for spime serve (e.g. "--mqtt-receive-maximum 32").
#
# Loopback only; every wait is bounded (a start at most 60 s, the set-up
# 10 ms a device plus 10 minutes, each run SECONDS plus 5 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/engine.sh

mode=pair
if [[ ${1:-} == pair || ${1:-} == memory ]]; then
  mode=$1
  shift
fi
if [[ $mode == pair ]]; then
  seconds=${1:-30}
  rounds=${2:-3}
  work=${3:-}
  count=${COUNT:-1000}
  connections=${CONNECTIONS:-32}
else
  seconds=${1:-60}
  rounds=1
  work=${2:-}
  count=${COUNT:-10000}
  connections=${CONNECTIONS:-64}
fi
interval=${INTERVAL:-10}
mqtt_port=${MQTT_PORT:-38883}
spime_port=${SPIME_PORT:-38884}
bin=${SPIME_BIN:-build/spime}
usage="usage: $0 [pair] [SECONDS] [ROUNDS] [WORKDIR] | $0 memory [SECONDS] [WORKDIR]"
[[ $seconds =~ ^[0-9]+$ && $seconds -ge 1 && $seconds -le 3600 ]] || { echo "$usage" >&2; exit 2; }
[[ $rounds =~ ^[0-9]+$ && $rounds -ge 1 && $rounds -le 20 ]] || { echo "$usage" >&2; exit 2; }
[[ $count =~ ^[0-9]+$ && $count -ge 1 && $count -le 1000000 ]] ||
  { echo "COUNT must be 1..1000000" >&2; exit 2; }
[[ -x $bin ]] || { echo "$bin is missing: scripts/build.sh" >&2; exit 2; }
broker_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[[ -x $broker_bin ]] || { echo "mosquitto is missing (apt-get install mosquitto)" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq is missing" >&2; exit 2; }
if ! "$bin" serve --help 2>&1 | grep -q -- '--mqtt'; then
  echo "$bin serve has no --mqtt (the MQTT bridge of issue 20): nothing to measure" >&2
  exit 2
fi

work=${work:-$(mktemp -d /tmp/spime-mqtt-bench-XXXXXX)}
mkdir -p "$work/broker"
data=$work/data
fleet=$work/fleet.txt
[[ ! -e $data ]] || { echo "$data exists: give a WORKDIR without one" >&2; exit 2; }
summary=$work/summary.txt
: >"$summary"
say() { echo "$*" | tee -a "$summary"; }

# ---- the broker --------------------------------------------------------------
broker_pid=
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
broker_start() {
  if port_open "$mqtt_port"; then
    echo "something already listens on $mqtt_port: not starting a broker there" >&2
    return 1
  fi
  cat >"$work/mosquitto.conf" <<EOF
listener $mqtt_port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $work/broker/
log_dest file $work/broker.log
max_queued_messages 100000
max_inflight_messages 0
set_tcp_nodelay true
EOF
  "$broker_bin" -c "$work/mosquitto.conf" >>"$work/broker.out" 2>&1 &
  broker_pid=$!
  for _ in $(seq 1 500); do  # 20 ms each: at most 10 s
    kill -0 "$broker_pid" 2>/dev/null || { echo "mosquitto exited: $(tail -5 "$work/broker.out")" >&2; return 1; }
    port_open "$mqtt_port" && return 0
    sleep 0.02
  done
  echo "mosquitto did not listen on $mqtt_port within 10 s" >&2
  return 1
}
broker_stop() {
  [[ -n $broker_pid ]] || return 0
  kill "$broker_pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$broker_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$broker_pid" 2>/dev/null || true
  wait "$broker_pid" 2>/dev/null || true
  broker_pid=
}
trap 'engine_stop 30; broker_stop' EXIT

broker_url="mqtt://127.0.0.1:$mqtt_port"
# shellcheck disable=SC2034  # engine_start (scripts/lib/engine.sh) reads it
ENGINE_START_SECONDS=60
serve() {  # LOG: spime serve with the bridge on the broker
  # shellcheck disable=SC2086 # SERVE_ARGS: extra flags, split on spaces
  engine_start "$bin" "$data" "$spime_port" "$1" --mqtt "$broker_url" ${SERVE_ARGS:-}
}

say "mqtt_bench $mode: $count esproto-temp devices in $work ($(git rev-parse --short HEAD 2>/dev/null ||
  echo '?'), $(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg))"
broker_start

# ---- the fleet ------------------------------------------------------------------
collections=1
[[ $mode == memory ]] && collections=0
serve "$work/serve-setup.log"
owner=$(engine_owner "$work/serve-setup.log")
timeout $((600 + count / 100)) "$bin" devices simulate --url "$ENGINE_URL" --owner "$owner" \
  --count "$count" --prototype esproto-temp --collections "$collections" --setup-only \
  --connections 4 --request-timeout 900 --fleet-file "$fleet" --no-progress --json \
  >"$work/setup.json" 2>"$work/setup.err"
say "setup: $(jq -r '.setup | "\(.devices_created) devices made in \(.seconds) s"' "$work/setup.json")"

# One simulator run: NAME PROTOCOL [options...]; its summary in load-NAME.json.
run() {
  local name=$1 protocol=$2
  shift 2
  local extra=()
  [[ $protocol == mqtt ]] && extra=(--mqtt "$broker_url")
  timeout $((seconds + 300)) "$bin" devices simulate --url "$ENGINE_URL" --owner "$owner" \
    --count "$count" --prototype esproto-temp --collections "$collections" \
    --duration "$seconds" --connections "$connections" --fleet-file "$fleet" \
    --protocol "$protocol" "${extra[@]}" --server-pid "$ENGINE_PID" --request-timeout 900 \
    --no-progress --json "$@" >"$work/load-$name.json" 2>"$work/load-$name.err" || true
  if ! jq -e .load "$work/load-$name.json" >/dev/null 2>&1; then
    say "$name: no summary ($(tail -3 "$work/load-$name.err" | tr '\n' ' '))"
    return 0
  fi
  jq -r --arg n "$name" '"\($n): \(.load.rate)/s, p50 \(.load.latency_ms.p50) ms, " +
    "p99 \(.load.latency_ms.p99) ms, \(.heartbeats.sent) sent, \(.heartbeats.failed) failed, " +
    "\(.server.cpu_us_per_heartbeat) us CPU per heartbeat, RSS \(.server.rss_mb) MB, " +
    "passed \(.passed)"' "$work/load-$name.json" | tee -a "$summary"
}

if [[ $mode == pair ]]; then
  for round in $(seq 1 "$rounds"); do
    run "mqtt-$round" mqtt --hot-fraction 0.1 --bad-fraction 0.01
    run "http-$round" http --hot-fraction 0.1 --bad-fraction 0.01
  done
  # Means over the rounds (runs without a summary left out).
  for p in mqtt http; do
    jq -s -r --arg p "$p" 'map(select(.load)) |
      if length == 0 then "\($p): no run" else
      "\($p): mean of \(length) runs: \((map(.load.rate) | add / length * 100 | round) / 100)/s, " +
      "p99 \((map(.load.latency_ms.p99) | add / length * 100 | round) / 100) ms" end' \
      "$work"/load-"$p"-*.json | tee -a "$summary"
  done
  jq -s -r 'def mean(p): map(select(.load and .protocol == p) | .load.rate) |
      if length == 0 then 0 else add / length end;
    if mean("http") > 0 then
      "mqtt rate / http rate: \((mean("mqtt") / mean("http") * 100) | round) %" else
      "mqtt rate / http rate: ?" end' "$work"/load-*.json | tee -a "$summary"
else
  # Memory: a fresh engine on the fleet, at rest, then every device publishing.
  engine_stop 120
  serve "$work/serve-memory.log"
  sleep 10
  say "memory: engine RSS at rest $(engine_rss_mb "$ENGINE_PID") MB (10 s after its start," \
    "$count device picos)"
  samples=$work/rss-samples.txt
  : >"$samples"
  (
    for _ in $(seq 1 $((seconds + 60))); do  # every second, while the load runs
      [[ -e $work/load-done ]] && break
      engine_rss_mb "$ENGINE_PID" >>"$samples" 2>/dev/null || break
      sleep 1
    done
  ) &
  sampler=$!
  rm -f "$work/load-done"
  run "memory-mqtt" mqtt --interval "$interval" --hot-fraction 0.1 --bad-fraction 0
  touch "$work/load-done"
  wait "$sampler" 2>/dev/null || true
  say "memory: engine RSS under load: highest sample $(sort -n "$samples" | tail -1) MB" \
    "($(wc -l <"$samples") samples, one a second), at the end $(engine_rss_mb "$ENGINE_PID") MB," \
    "peak (VmHWM) $(engine_peak_rss_mb "$ENGINE_PID") MB"
  sleep 10
  say "memory: engine RSS 10 s after the load $(engine_rss_mb "$ENGINE_PID") MB;" \
    "broker RSS $(engine_rss_mb "$broker_pid") MB (peak $(engine_peak_rss_mb "$broker_pid") MB)"
fi
engine_stop 120
broker_stop
say "done: $summary (load average $(cut -d' ' -f1-3 /proc/loadavg))"
