#!/usr/bin/env bash
# Heartbeats on spime and on the Node.js reference pico-engine (Picolab/
# pico-engine 1.x), same ruleset, same HTTP calls, same wrk command:
#
#   scripts/reference_pair.sh [ROUNDS]        (default 2 rounds)
#
# Each round starts both engines fresh -- the reference with
# ../shared/reference/run-reference-engine.sh (a new home directory), spime
# with `spime serve` on a new data directory -- and provisions each the same
# way over HTTP: a channel on the root through its UI channel
# (engine_ui:new_channel, allow-all policies), PICOS children of the root
# (wrangler:new_child_request on that channel), on each child an allow-all
# channel made through the child's UI channel (the reference lets only a
# parent use a child's family channel) and scripts/bench/heartbeat_store.krl
# installed by file:// URL (wrangler:install_ruleset_request), then one
# heartbeat to check the directive. After WARMUP seconds of heartbeats over
# all the children (not measured: Node's JIT and both engines' caches warm
# up), for 1 pico and then for all PICOS, wrk -t THREADS -c CONNECTIONS
# -d DURATION with devices/heartbeat.lua posts ESProto heartbeats to
# /sky/event/ECI/bench/wovyn/heartbeat, the two engines one after the other
# (the reference first in odd rounds, spime first in even ones), both
# running but only one loaded at a time.
#
# Prints a Markdown table: per round and pico count, each engine's rate, p50
# and p99, the server's CPU time per request (user + system from /proc: less
# sensitive than the rate to other work on the machine), its RSS after the
# run, and the ratios spime / reference. Per run, to stderr: the heartbeats
# the ruleset counted (its entity variable, summed over the picos) against
# the answers wrk counted -- every answered heartbeat was stored.
#
# Environment:
#   SPIME          spime binary (default build/spime); SPIME_ARGS more
#                  `serve` options (durable by default: fsync group commit)
#   WORKDIR        scratch directory (default /tmp/spime-reference-pair)
#   REF_WORK       the reference's WORK directory (default WORKDIR/reference):
#                  its src/ (export, node_modules, build) is reused; when
#                  missing, REF_SRC names a built src/ to link there, or
#                  MIRROR_GIT the bare git directory of Picolab/pico-engine
#                  to build from (the library's fetch; about 70 s)
#   REF_RUNNER     default ../shared/reference/run-reference-engine.sh
#   PICOS          children provisioned (default 100)
#   DURATION, WARMUP, CONNECTIONS, THREADS   wrk: 10 s, 3 s, 64, 2
#   REF_PORT, SPIME_PORT   loopback ports (default 3187, 3188: below the
#                  ephemeral range, where a busy machine's clients may hold them)
#   PAYLOAD        heartbeat body (default ../shared/esproto/temp-normal.json)
#
# Loopback only; every wait is bounded. Stops only the engines it started.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-2}"
spime="${SPIME:-$root/build/spime}"
spime_args="${SPIME_ARGS:-}"
work="${WORKDIR:-/tmp/spime-reference-pair}"
ref_work="${REF_WORK:-$work/reference}"
ref_runner="${REF_RUNNER:-$root/../shared/reference/run-reference-engine.sh}"
picos="${PICOS:-100}"
duration="${DURATION:-10}"
warmup="${WARMUP:-3}"
connections="${CONNECTIONS:-64}"
threads="${THREADS:-2}"
ref_port="${REF_PORT:-3187}"
spime_port="${SPIME_PORT:-3188}"
payload="${PAYLOAD:-$root/../shared/esproto/temp-normal.json}"
ruleset="$root/scripts/bench/heartbeat_store.krl"
rid="bench.heartbeat_store"

for tool in wrk curl jq node "$spime" "$ref_runner"; do
  command -v "$tool" > /dev/null || { echo "reference_pair: missing $tool" >&2; exit 1; }
done
for file in "$payload" "$ruleset"; do
  [ -f "$file" ] || { echo "reference_pair: missing $file" >&2; exit 1; }
done
mkdir -p "$work" "$ref_work"
if [ ! -e "$ref_work/src" ] && [ -n "${REF_SRC:-}" ]; then
  ln -s "$REF_SRC" "$ref_work/src"
fi
hz="$(getconf CLK_TCK)"

ref_pid=""
spime_pid=""

# alive PID: the process exists and is not a zombie (the reference engine is
# not our child: once its launcher exits, nothing here can reap it).
alive() {
  [ -r "/proc/$1/stat" ] && [ "$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2> /dev/null)" != Z ]
}

# stop_pid PID: TERM, then at most 10 s for it to go, then KILL.
stop_pid() {
  local pid="$1"
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2> /dev/null || return 0
  for _ in $(seq 100); do
    alive "$pid" || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2> /dev/null || true
}

stop_engines() {
  stop_pid "$ref_pid"
  ref_pid=""
  if [ -n "$spime_pid" ]; then
    stop_pid "$spime_pid"
    wait "$spime_pid" 2> /dev/null || true
    spime_pid=""
  fi
  rm -rf "$ref_work"/home-* "$work/spime-data"
}
trap stop_engines EXIT

# start_reference: a fresh reference engine on ref_port; sets ref_pid.
# (engine.pid goes first, so that a PID found there after a failure is this
# start's and the exit trap stops it.)
start_reference() {
  rm -f "$ref_work/engine.pid"
  if ! WORK="$ref_work" PORT="$ref_port" READY_TIMEOUT=90 timeout 600 "$ref_runner" \
    > /dev/null 2> "$work/reference-start.log"; then
    ref_pid="$(cat "$ref_work/engine.pid" 2> /dev/null || true)"
    echo "reference_pair: the reference did not start:" >&2
    cat "$work/reference-start.log" >&2
    exit 1
  fi
  ref_pid="$(cat "$ref_work/engine.pid")"
}

# start_spime: `spime serve` on a fresh data directory; sets spime_pid.
start_spime() {
  rm -rf "$work/spime-data"
  # shellcheck disable=SC2086
  "$spime" serve --port "$spime_port" --data "$work/spime-data" $spime_args \
    > "$work/spime.log" 2>&1 &
  spime_pid=$!
  for _ in $(seq 300); do
    curl -fs --max-time 2 -o /dev/null "http://127.0.0.1:$spime_port/api/ui-context" && return 0
    alive "$spime_pid" || break
    sleep 0.1
  done
  echo "reference_pair: spime did not start:" >&2
  cat "$work/spime.log" >&2
  exit 1
}

# event PORT ECI DOMAIN TYPE JSON: raises an event, prints the answer; fails
# on an HTTP error or an {"error": ...} answer (the reference's 200 errors).
event() {
  local answer
  answer="$(curl -sS --max-time 60 -X POST -H 'Content-Type: application/json' \
    --data "$5" "http://127.0.0.1:$1/sky/event/$2/bench/$3/$4")"
  if ! jq -e 'type == "object" and (has("error") | not)' <<< "$answer" > /dev/null; then
    echo "reference_pair: $3:$4 on port $1 answered: $answer" >&2
    return 1
  fi
  printf '%s\n' "$answer"
}

# query PORT ECI RID NAME: calls a shared function, prints the answer.
query() {
  curl -fsS --max-time 60 "http://127.0.0.1:$1/sky/cloud/$2/$3/$4"
}

wide_policy='{"tags":["bench"],
  "eventPolicy":{"allow":[{"domain":"*","name":"*"}],"deny":[]},
  "queryPolicy":{"allow":[{"rid":"*","name":"*"}],"deny":[]}}'

# wide_channel PORT UI_ECI: makes an allow-all channel tagged "bench" on the
# pico of that UI channel; prints its ECI.
wide_channel() {
  local eci
  event "$1" "$2" engine_ui new_channel "$wide_policy" > /dev/null
  eci="$(query "$1" "$2" io.picolabs.pico-engine-ui pico |
    jq -r '[.channels[] | select(.tags == ["bench"]) | .id] | first // empty')"
  [ -n "$eci" ] || { echo "reference_pair: no bench channel on port $1" >&2; return 1; }
  printf '%s\n' "$eci"
}

# provision PORT NAME: PICOS children of the root with the ruleset, each
# with an allow-all channel; writes their ECIs to WORKDIR/NAME-ecis.txt
# (all) and NAME-eci1.txt (the first).
provision() {
  local port="$1" out="$work/$2-ecis.txt" ui root_eci child eci answer t0
  t0="$(date +%s.%N)"
  ui="$(curl -fsS --max-time 10 "http://127.0.0.1:$port/api/ui-context" | jq -r .eci)"
  root_eci="$(wide_channel "$port" "$ui")"
  for i in $(seq "$picos"); do
    event "$port" "$root_eci" wrangler new_child_request "{\"name\":\"bench-$i\"}" > /dev/null
  done
  : > "$out"
  for child in $(query "$port" "$ui" io.picolabs.pico-engine-ui pico | jq -r '.children[]'); do
    eci="$(wide_channel "$port" "$child")"
    event "$port" "$eci" wrangler install_ruleset_request "{\"url\":\"file://$ruleset\"}" > /dev/null
    answer="$(event "$port" "$eci" wovyn heartbeat "$(cat "$payload")")"
    jq -e '.directives | any(.name == "heartbeat")' <<< "$answer" > /dev/null ||
      { echo "reference_pair: no heartbeat directive on port $port: $answer" >&2; return 1; }
    echo "$eci" >> "$out"
  done
  [ "$(wc -l < "$out")" -eq "$picos" ] ||
    { echo "reference_pair: $2 has $(wc -l < "$out") of $picos children" >&2; return 1; }
  head -1 "$out" > "$work/$2-eci1.txt"
  awk -v t0="$t0" -v t1="$(date +%s.%N)" -v n="$picos" -v name="$2" \
    'BEGIN { printf "%s: %d picos provisioned in %.1f s (mostly curl and jq start-ups)\n", name, n, t1 - t0 }' >&2
}

# stored PORT ECIS: the heartbeats the ruleset counted on those picos.
stored() {
  local total=0 n
  while read -r eci; do
    n="$(query "$1" "$eci" "$rid" heartbeats)"
    total=$((total + n))
  done < "$2"
  echo "$total"
}

# cpu_ticks PID: user + system clock ticks the process has used so far.
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

# load PORT ECIS SECONDS: one wrk run into WORKDIR/wrk.txt.
load() {
  ECIS="$2" PAYLOAD="$payload" timeout $(($3 + 30)) \
    wrk -t"$threads" -c"$connections" -d"${3}s" --latency -s "$root/devices/heartbeat.lua" \
    "http://127.0.0.1:$1" > "$work/wrk.txt" 2>&1
}

# measure NAME PORT PID ECIS: prints "rate p50 p99 cpu_us rss_mb".
measure() {
  local before after t0 ticks
  before="$(stored "$2" "$4")"
  t0="$(cpu_ticks "$3")"
  load "$2" "$4" "$duration"
  ticks=$(($(cpu_ticks "$3") - t0))
  after="$(stored "$2" "$4")"
  if ! grep -q 'non-2xx: 0$' "$work/wrk.txt" || ! grep -q 'timeout 0$' "$work/wrk.txt"; then
    echo "reference_pair: $1: errors or non-2xx answers:" >&2
    cat "$work/wrk.txt" >&2
  fi
  awk -v name="$1" -v ticks="$ticks" -v hz="$hz" -v stored=$((after - before)) \
    -v rss="$(rss_mb "$3")" -v picos="$(wc -l < "$4")" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /requests in/ { n = $1 }
    /Requests\/sec/ { rate = $2 }
    / 50%/ { p50 = ms($2) }
    / 99%/ { p99 = ms($2) }
    END {
      printf "%s, %d picos: %d answered, %d stored\n", name, picos, n, stored > "/dev/stderr"
      printf "%d %.2f %.2f %.0f %s\n", rate, p50, p99, n ? ticks * 1e6 / hz / n : 0, rss
    }' "$work/wrk.txt"
}

echo "| round | picos | reference req/s | spime req/s | spime / ref | ref p50 / p99 | spime p50 / p99 | ref CPU per req | spime CPU per req | ref / spime CPU | RSS ref / spime |"
echo "| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |"
for round in $(seq "$rounds"); do
  start_reference
  provision "$ref_port" reference
  start_spime
  provision "$spime_port" spime
  load "$ref_port" "$work/reference-ecis.txt" "$warmup"
  load "$spime_port" "$work/spime-ecis.txt" "$warmup"
  for set in eci1 ecis; do
    if [ $((round % 2)) -eq 1 ]; then
      measure reference "$ref_port" "$ref_pid" "$work/reference-$set.txt" > "$work/reference.txt"
      measure spime "$spime_port" "$spime_pid" "$work/spime-$set.txt" > "$work/spime.txt"
    else
      measure spime "$spime_port" "$spime_pid" "$work/spime-$set.txt" > "$work/spime.txt"
      measure reference "$ref_port" "$ref_pid" "$work/reference-$set.txt" > "$work/reference.txt"
    fi
    read -r r_rate r_p50 r_p99 r_cpu r_rss < "$work/reference.txt"
    read -r s_rate s_p50 s_p99 s_cpu s_rss < "$work/spime.txt"
    awk -v round="$round" -v picos="$(wc -l < "$work/spime-$set.txt")" \
      -v rr="$r_rate" -v rp50="$r_p50" -v rp99="$r_p99" -v rc="$r_cpu" -v rm="$r_rss" \
      -v sr="$s_rate" -v sp50="$s_p50" -v sp99="$s_p99" -v sc="$s_cpu" -v sm="$s_rss" 'BEGIN {
        printf "| %d | %d | %d | %d | %.1fx | %.1f / %.1f ms | %.2f / %.1f ms | %d µs | %d µs | %.1fx | %d / %d MB |\n",
               round, picos, rr, sr, rr ? sr / rr : 0, rp50, rp99, sp50, sp99, rc, sc, sc ? rc / sc : 0, rm, sm }'
  done
  stop_engines
done
