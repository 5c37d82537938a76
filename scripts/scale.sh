#!/usr/bin/env bash
# A million device picos (issue 18, goal 2): the figures at COUNT devices.
#
#   scripts/scale.sh [COUNT] [WORKDIR]
#
# TAKES ABOUT AN HOUR at the default COUNT of 1,000,000 (the set-up alone
# 20 to 45 minutes: 1 to 1.5 ms a pico at 100,000 on 2 cores, and growing
# with the store; then a restart that lets RocksDB settle, three start-ups
# and two minutes of heartbeats); about 3 minutes at 20,000, 7 at 100,000.
# Needs build/spime (scripts/build.sh), jq, python3, and about 3 KB of
# disk per device (3 GB at a million). WORKDIR (default: a new /tmp/spime-scale-XXXXXX)
# keeps the data directory, the fleet file, every log and summary.txt; it
# must not hold a data directory already.
#
# Steps, each printed as it ends:
#   1. `spime serve` on a fresh data directory; COUNT esproto-temp devices
#      made by the fleet simulator (--setup-only --collections 0
#      --connections 4 --fleet-file): its line per 10,000 made, and the
#      time per pico of the first and the last 10,000 (and their ratio);
#      the engine's peak RSS; stop.
#   2. disk: a start, waiting until the data directory stops changing
#      (compactions done; at most 10 minutes), a stop; `du -sb` of the data
#      directory / COUNT, RocksDB's files by kind (tables, WAL), and what
#      its tables hold by its own account (scripts/lib/rocksdb_tables.py:
#      entries, raw bytes, data, index and filter blocks).
#   3. start-up: scripts/startup_time.sh on that directory, three times.
#   4. heartbeats on a fresh engine with the default active-pico cache:
#      60 s over all COUNT devices (--shuffle: each connection in a shuffled
#      order, so the devices reached are spread over the whole fleet), then
#      60 s over the first 1,000 (--count 1000: the same devices, from the
#      fleet file), 64 connections each, --server-pid: rate, p50, p99, CPU
#      per heartbeat, RSS; the ratio of the two rates; the engine's peak RSS
#      (VmHWM) at the end.
# Loopback only; every wait is bounded (the set-up at 10 ms a pico plus 10
# minutes; each load run 30 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/engine.sh

count=${1:-1000000}
work=${2:-$(mktemp -d /tmp/spime-scale-XXXXXX)}
port=${SCALE_PORT:-3971}
bin=build/spime
[[ $count =~ ^[0-9]+$ && $count -ge 1000 && $count -le 1000000 ]] ||
  { echo "usage: $0 [COUNT (1000..1000000)] [WORKDIR]" >&2; exit 2; }
[[ -x $bin ]] || { echo "$bin is missing: scripts/build.sh" >&2; exit 2; }
mkdir -p "$work"
data=$work/data
fleet=$work/fleet.txt
[[ ! -e $data ]] || { echo "$data exists: give a WORKDIR without one" >&2; exit 2; }
trap 'engine_stop 30' EXIT
summary=$work/summary.txt
say() { echo "$*" | tee -a "$summary"; }
# The simulator under /usr/bin/time when there is one (its own peak RSS into FILE).
timed() {  # FILE command...
  local out=$1
  shift
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f '%M %e' -o "$out" "$@"
  else
    "$@"
  fi
}
simulator_rss() {  # FILE
  [[ -s $1 ]] && awk 'END { printf "simulator peak RSS %.0f MB", $1 / 1024 }' "$1" || echo ""
}
: >"$summary"
say "scale: $count esproto-temp devices in $work ($(git rev-parse --short HEAD 2>/dev/null ||
  echo '?'), $(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg))"
phase() { say "  ($1 took $((SECONDS - phase_start)) s)"; phase_start=$SECONDS; }
phase_start=$SECONDS

# 1. The set-up.
engine_start "$bin" "$data" "$port" "$work/serve-setup.log"
owner=$(engine_owner "$work/serve-setup.log")
started=$(date +%s.%N)
timed "$work/setup.time" timeout $((600 + count / 100)) "$bin" devices simulate \
  --url "$ENGINE_URL" --owner "$owner" --count "$count" --prototype esproto-temp \
  --collections 0 --setup-only --connections 4 --request-timeout 900 --fleet-file "$fleet" \
  --no-progress --json 2>&1 >"$work/setup.json" | tee "$work/setup.err"
ended=$(date +%s.%N)
made=$(jq -r '.setup | "\(.devices_created) made, \(.devices_reused) reused in \(.seconds) s"' \
  "$work/setup.json")
say "setup: $made ($(awk "BEGIN { printf \"%.1f\", $ended - $started }") s with the simulator's start)"
awk '/^setup: created [0-9]+\.\.[0-9]+ in / {
       split($3, r, "\\.\\."); if (r[2] - r[1] != 10000) next
       ms = $7; sub(/\(/, "", ms); if (!n++) first = ms; last = ms }
     END { if (n) printf "setup: first 10,000 %.3f ms/pico, last 10,000 %.3f ms/pico, " \
                         "last/first %.2f (%d blocks)\n", first, last, last / first, n }' \
  "$work/setup.err" | tee -a "$summary"
say "setup: engine peak RSS $(engine_peak_rss_mb "$ENGINE_PID") MB; $(simulator_rss "$work/setup.time")"
engine_stop
phase "set-up"

# 2. Disk, once RocksDB has settled.
engine_start "$bin" "$data" "$port" "$work/serve-settle.log"
previous=-1
stable=0
for _ in $(seq 1 120); do  # every 5 s, at most 10 minutes
  size=$(du -sb "$data" | cut -f1)
  if [[ $size == "$previous" ]]; then stable=$((stable + 1)); else stable=0; fi
  [[ $stable -ge 3 ]] && break
  previous=$size
  sleep 5
done
engine_stop
bytes=$(du -sb "$data" | cut -f1)
sst=$(find "$data" -name '*.sst' -printf '%s\n' | awk '{ s += $1; n++ } END { printf "%d %d", s, n }')
wal=$(find "$data" -name '*.log' -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }')
say "disk: $bytes bytes in $data: $((bytes / count)) bytes per device pico" \
  "(tables $(echo "$sst" | cut -d' ' -f1) bytes in $(echo "$sst" | cut -d' ' -f2) files," \
  "WAL $wal bytes)"
say "disk: $(python3 scripts/lib/rocksdb_tables.py "$data" "$count")"
phase "settling"

# 3. Start-up, three times.
for i in 1 2 3; do
  say "startup $i: $(scripts/startup_time.sh "$bin" "$data" "$port" | awk '{ print $2, $3 }')"
done
phase "start-ups"

# 4. Heartbeats: all COUNT devices, then the first 1,000, on one fresh engine.
engine_start "$bin" "$data" "$port" "$work/serve-load.log"
load() {  # name count (files load-NAME.*)
  timed "$work/load-$1.time" timeout 1800 "$bin" devices simulate --url "$ENGINE_URL" \
    --owner "$owner" --count "$2" --prototype esproto-temp --collections 0 --duration 60 \
    --connections 64 --shuffle --server-pid "$ENGINE_PID" --request-timeout 900 \
    --fleet-file "$fleet" --no-progress --json >"$work/load-$1.json" 2>"$work/load-$1.err" || true
  jq -r --arg n "$2" '"heartbeats over \($n): \(.load.rate)/s, p50 \(.load.latency_ms.p50) ms, " +
    "p99 \(.load.latency_ms.p99) ms, \(.server.cpu_us_per_heartbeat) us CPU per heartbeat, " +
    "RSS \(.server.rss_mb) MB (\(.heartbeats.failed) failed, passed \(.passed))"' \
    "$work/load-$1.json" | tee -a "$summary"
  say "  set-up $(jq -r '.setup.seconds' "$work/load-$1.json") s" \
    "($(jq -r '.setup.devices_from_file' "$work/load-$1.json") devices from the fleet file);" \
    "$(simulator_rss "$work/load-$1.time")"
}
load all "$count"
load first-1000 1000
rate_all=$(jq '.load.rate // 0' "$work/load-all.json" || echo 0)
rate_1k=$(jq '.load.rate // 0' "$work/load-first-1000.json" || echo 0)
say "heartbeats: the rate over $count is" \
  "$(awk "BEGIN { if ($rate_1k > 0) printf \"%.0f\", 100 * $rate_all / $rate_1k; else print \"?\" }")" \
  "% of the rate over 1,000"
say "heartbeats: engine peak RSS (VmHWM) $(engine_peak_rss_mb "$ENGINE_PID") MB"
engine_stop
phase "heartbeats"
say "done: $summary (load average $(cut -d' ' -f1-3 /proc/loadavg))"
