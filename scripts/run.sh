#!/usr/bin/env bash
# The run command: installs what is missing, builds, and starts the engine on
# an embedded RocksDB under ./data, then runs the hallway demo against it
# (examples/hallway/run.sh: collections, sensors from prototypes, their
# heartbeats, a short simulator run, the logs as tables). The engine keeps
# serving until Ctrl-C.
#   PORT (default 3000), DATA (default ./data), SHARED (default ../shared)
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

LOG="$(mktemp)"
"$BIN" serve --port "$PORT" --data "$DATA" > >(tee "$LOG") &
SERVER=$!
stop_server() {
  kill -TERM "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
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
