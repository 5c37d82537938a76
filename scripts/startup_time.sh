#!/usr/bin/env bash
# Seconds from launching `spime serve` on a data directory until it answers.
#
#   scripts/startup_time.sh SPIME DATA_DIR [PORT]
#
# Polls GET /api/ui-context every 10 ms (at most 6,000 times), prints the
# time to the first 200, stops the engine. Loopback only.
set -euo pipefail
bin=${1:?usage: $0 SPIME DATA_DIR [PORT]}
data=${2:?usage: $0 SPIME DATA_DIR [PORT]}
port=${3:-3812}
start=$(date +%s.%N)
"$bin" serve --port "$port" --data "$data" >/dev/null 2>&1 &
server=$!
for _ in $(seq 1 6000); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/ui-context" || true)
  [[ $code == 200 ]] && break
  sleep 0.01
done
end=$(date +%s.%N)
awk "BEGIN { printf \"startup %.3f s\\n\", $end - $start }"
kill "$server"
wait "$server" 2>/dev/null || true
