#!/usr/bin/env bash
# The hallway demo: the ESProto spime design's scenario, scripted with the
# `spime` command line against a running `spime serve`:
#   1. collections `hallway` and `battery` (prototype `collection`),
#   2. a multi-sensor array msa_00 (prototype esproto-msa) and a Temp-2000
#      temp_00 (prototype esproto-temp) in the hallway, both also in
#      `battery`; their thresholds come from their prototypes,
#   3. the shared ESProto heartbeats posted to each sensor's URL, as the
#      sensors would,
#   4. a short fleet simulator run (20 more devices in 2 collections),
#   5. the hallway's violation log, the battery collection's alerts and the
#      hallway members' status, as tables.
# Usage: examples/hallway/run.sh [URL] [SHARED_DIR]   (URL default: SPIME_URL
# or http://127.0.0.1:3000). Safe to run again: existing picos are reused.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${SPIME_BIN:-$ROOT/build/spime}"
export SPIME_URL="${1:-${SPIME_URL:-http://127.0.0.1:3000}}"
SHARED="${2:-$ROOT/../shared}"

spime() { "$BIN" "$@"; }
exists() { spime pico show "$1" > /dev/null 2>&1; }
# The heartbeat URL of a sensor: its channel tagged esproto,transducer.
sensor_url() {
  local eci
  eci="$(spime pico show "$1" | awk '$2 == "esproto,transducer" { print $1; exit }')"
  [ -n "$eci" ] || { echo "no transducer channel on $1" >&2; exit 1; }
  echo "$SPIME_URL/sky/event/$eci/heartbeat/wovyn/heartbeat"
}
beat() {  # beat SENSOR PAYLOAD-FILE
  curl -sS --max-time 10 -o /dev/null -w "   $1 <- $(basename "$2"): %{http_code}\n" \
    -X POST "$(sensor_url "$1")" -H 'Content-Type: application/json' --data-binary "@$2"
}

echo "== collections: hallway, battery"
for c in hallway battery; do exists "$c" || spime collection new "$c" > /dev/null; done
spime collection ls

echo "== sensors: msa_00 (esproto-msa), temp_00 (esproto-temp)"
exists msa_00 || spime pico new msa_00 --prototype esproto-msa
exists temp_00 || spime pico new temp_00 --prototype esproto-temp
for c in hallway battery; do
  for d in msa_00 temp_00; do spime collection add "$c" "$d"; done
done
# The members' side of a subscription settles a moment after the answer.
sleep 1

echo "== heartbeats, as the sensors send them ($SHARED/esproto)"
if [ -d "$SHARED/esproto" ]; then
  beat msa_00 "$SHARED/esproto/msa.json"
  for f in temp-normal temp-hot temp-cold temp-low-battery; do
    beat temp_00 "$SHARED/esproto/$f.json"
  done
else
  echo "   (no $SHARED/esproto: set SHARED_DIR to post the shared payloads)"
fi

echo "== a short simulator run: 20 Temp-2000 devices in 2 collections, 5 s"
spime devices simulate --count 20 --prototype esproto-temp --collections 2 --duration 5 \
  --rate 100 --hot-fraction 0.2 --low-battery-fraction 0.1 --bad-fraction 0.05

sleep 1
echo "== the hallway's violation log (newest first)"
spime violations hallway --limit 10
echo "== the battery collection's alerts"
spime battery battery --limit 10
echo "== the hallway's members"
spime status hallway

echo "== point a real sensor at this engine: its heartbeat URL"
echo "   msa_00:  $(sensor_url msa_00)"
echo "   temp_00: $(sensor_url temp_00)"
echo "   (on the sensor's set-up page; a new one: spime pico new NAME --prototype esproto-temp)"
