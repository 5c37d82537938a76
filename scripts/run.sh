#!/usr/bin/env bash
# The run command: installs what is missing, builds, and starts the engine on
# an embedded RocksDB under ./data, then runs the hallway demo against it
# (examples/hallway/run.sh: collections, sensors from prototypes, their
# heartbeats, a short simulator run, the logs as tables). The engine keeps
# serving until Ctrl-C.
#   PORT (default 3000), DATA (default ./data), SHARED (default ../shared)
#   MQTT=1: also start a local Mosquitto broker of our own (its own config,
#   127.0.0.1:MQTT_PORT, default 1884, persistence in DATA-mosquitto/) and
#   bridge it (spime serve --mqtt); never a system broker on 1883.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
BIN="${BUILD_DIR:-build}/spime"
PORT="${PORT:-3000}"
DATA="${DATA:-data}"
SHARED="${SHARED:-$(cd .. && pwd)/shared}"

echo "== spime krl check rulesets/*.krl"
"$BIN" krl check rulesets/*.krl

MQTT_ARGS=()
BROKER=""
if [ "${MQTT:-0}" = "1" ]; then
  MQTT_PORT="${MQTT_PORT:-1884}"
  BROKER_DIR="$(cd "$(dirname "$DATA")" && pwd)/$(basename "$DATA")-mosquitto"
  mkdir -p "$BROKER_DIR"
  # user: run as root, mosquitto would switch to "mosquitto", which cannot write here.
  printf '%s\n' "user $(id -un)" "listener $MQTT_PORT 127.0.0.1" "allow_anonymous true" "persistence true" \
    "persistence_location $BROKER_DIR/" "max_queued_messages 100000" "set_tcp_nodelay true" > "$BROKER_DIR/mosquitto.conf"
  echo "== mosquitto on 127.0.0.1:$MQTT_PORT (config $BROKER_DIR/mosquitto.conf)"
  mosquitto -c "$BROKER_DIR/mosquitto.conf" &
  BROKER=$!
  MQTT_ARGS=(--mqtt "mqtt://127.0.0.1:$MQTT_PORT")
fi

LOG="$(mktemp)"
"$BIN" serve --port "$PORT" --data "$DATA" "${MQTT_ARGS[@]}" > >(tee "$LOG") &
SERVER=$!
stop_server() {
  kill -TERM "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  if [ -n "$BROKER" ]; then
    kill -TERM "$BROKER" 2>/dev/null || true
    wait "$BROKER" 2>/dev/null || true
  fi
  rm -f "$LOG"
}
trap stop_server EXIT
trap 'exit 130' INT TERM
for _ in $(seq 100); do
  grep -q '^owner ECI:' "$LOG" && break
  kill -0 $SERVER 2>/dev/null || { echo "spime serve did not start" >&2; exit 1; }
  sleep 0.1
done
OWNER="$(sed -n 's/^owner ECI: //p' "$LOG")"

SPIME_BIN="$BIN" examples/hallway/run.sh "http://127.0.0.1:$PORT" "$SHARED"
echo "== spime is serving on http://127.0.0.1:$PORT (owner ECI $OWNER); Ctrl-C stops it"
wait $SERVER
