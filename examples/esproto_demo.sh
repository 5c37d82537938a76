#!/usr/bin/env bash
# The ESProto demo, over the sky HTTP API alone (curl), against a running
# `spime serve`:
#   1. a child pico "hallway-sensor" of the root pico (wrangler:new_child_request),
#   2. the router and device rulesets installed on it,
#   3. a temperature threshold set by event,
#   4. a device channel for the sensor: only wovyn:heartbeat events, whose
#      attributes must match rulesets/schemas/esproto-heartbeat.json,
#   5. the heartbeats of ../shared/esproto/ posted to it as a sensor would,
#   6. the device's violations and last readings queried back.
# Usage: examples/esproto_demo.sh http://127.0.0.1:3000 OWNER_ECI [SHARED_DIR]
# Safe to run again: it reuses the child pico when it exists.
set -euo pipefail

BASE="${1:?usage: esproto_demo.sh BASE_URL OWNER_ECI [SHARED_DIR]}"
OWNER="${2:?usage: esproto_demo.sh BASE_URL OWNER_ECI [SHARED_DIR]}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${3:-$ROOT/../shared}"
NAME="hallway-sensor"

post() {  # post ECI DOMAIN TYPE JSON
  curl -sS --max-time 10 -X POST "$BASE/sky/event/$1/none/$2/$3" \
    -H 'Content-Type: application/json' --data-binary "$4"
}
query() {  # query ECI RID NAME
  curl -sS --max-time 10 "$BASE/sky/cloud/$1/$2/$3"
}
# The ECI of the child named $NAME in a wrangler children answer.
child_eci() {
  query "$OWNER" io.picolabs.wrangler children |
    grep -o "{[^{}]*\"name\":\"$NAME\"[^{}]*}" | head -1 |
    sed -n 's/.*"eci":"\([^"]*\)".*/\1/p' || true
}

echo "== child pico $NAME"
ECI="$(child_eci)"
if [ -z "$ECI" ]; then
  post "$OWNER" wrangler new_child_request "{\"name\": \"$NAME\"}" >/dev/null
  ECI="$(child_eci)"
fi
[ -n "$ECI" ] || { echo "could not create the child pico" >&2; exit 1; }
FAMILY="$ECI"
echo "   family eci $FAMILY (the root pico's alone)"

# A family ECI is usable by its parent pico only (as the reference), so the
# demo reaches the child through a channel of its own, "demo", made through
# the child's engine UI channel; the owner asks the child with picoQuery.
ask_child() {  # ask_child RID FUNCTION
  query "$OWNER" io.picolabs.wrangler "picoQuery?eci=$FAMILY&mod=$1&func=$2"
}
demo_eci() {
  ask_child io.picolabs.wrangler channels |
    grep -o '"id":"[^"]*","tags":\["demo"\]' | head -1 |
    sed -n 's/^"id":"\([^"]*\)".*/\1/p' || true
}
ECI="$(demo_eci)"
if [ -z "$ECI" ]; then
  UI="$(ask_child io.picolabs.pico-engine-ui uiECI | tr -d '"')"
  post "$UI" engine_ui new_channel '{"tags": ["demo"],
    "eventPolicy": {"allow": [{"domain": "wrangler", "name": "install_ruleset_request"},
                              {"domain": "wrangler", "name": "new_channel_request"},
                              {"domain": "esproto", "name": "*"}], "deny": []},
    "queryPolicy": {"allow": [{"rid": "io.picolabs.wrangler", "name": "*"},
                              {"rid": "esproto_router", "name": "*"},
                              {"rid": "esproto_device", "name": "*"}], "deny": []}}' >/dev/null
  ECI="$(demo_eci)"
fi
[ -n "$ECI" ] || { echo "could not make the demo channel" >&2; exit 1; }
echo "   eci $ECI (the demo's channel)"

echo "== rulesets"
for rs in esproto_router esproto_device; do
  post "$ECI" wrangler install_ruleset_request "{\"url\": \"file://$ROOT/rulesets/$rs.krl\"}" >/dev/null
done
query "$ECI" io.picolabs.wrangler installedRIDs; echo

echo "== threshold: temperature between 60 and 80"
post "$ECI" esproto new_threshold \
  '{"threshold_type": "temperature", "upper_limit": 80, "lower_limit": 60}' >/dev/null
query "$ECI" esproto_device thresholds; echo

echo "== device channel (heartbeats only, ESProto attribute schema)"
device_eci() {
  query "$ECI" io.picolabs.wrangler "channels?tags=device" |
    sed -n 's/.*"id":"\([^"]*\)".*/\1/p' | head -1 || true
}
DEVICE="$(device_eci)"
if [ -z "$DEVICE" ]; then
  post "$ECI" wrangler new_channel_request "{\"tags\": [\"device\"],
    \"eventPolicy\": {\"allow\": [{\"domain\": \"wovyn\", \"name\": \"heartbeat\"}], \"deny\": []},
    \"queryPolicy\": {\"allow\": [{\"rid\": \"esproto_router\", \"name\": \"*\"}], \"deny\": []},
    \"attrsSchema\": $(cat "$ROOT/rulesets/schemas/esproto-heartbeat.json")}" >/dev/null
  DEVICE="$(device_eci)"
fi
[ -n "$DEVICE" ] || { echo "could not create the device channel" >&2; exit 1; }
echo "   eci $DEVICE (give this one to the sensor)"

for f in temp-normal temp-hot temp-cold temp-low-battery msa-string-numbers; do
  echo "== heartbeat $f.json"
  post "$DEVICE" wovyn heartbeat "$(cat "$SHARED/esproto/$f.json")"; echo
done

echo "== a malformed heartbeat is refused by the channel's schema (and changes nothing)"
curl -sS --max-time 10 -o /dev/stdout -w ' (HTTP %{http_code})\n' -X POST \
  "$BASE/sky/event/$DEVICE/none/wovyn/heartbeat" -H 'Content-Type: application/json' \
  --data-binary @"$SHARED/esproto/bad/null-reading.json"

echo "== last temperature readings"
query "$ECI" esproto_router lastTemperature; echo
echo "== violations, newest first"
query "$ECI" esproto_device violations; echo
