# Starting, waiting for and stopping a `spime serve` from a script.
# Source it: `. "$(dirname "$0")/lib/engine.sh"`. Loopback only; every wait
# is bounded. The functions touch only the process they started, by its id.
#
#   engine_start BIN DATA PORT LOG [serve options...]
#       starts BIN serve on 127.0.0.1:PORT with DATA, its output in LOG; sets
#       ENGINE_PID and ENGINE_URL; returns once GET /api/ui-context answers
#       200 (checked every 20 ms, at most ENGINE_START_SECONDS, default 600)
#       and LOG names the owner ECI, or 1 when something else answers on
#       PORT already, or the engine died or never answered (LOG's tail on
#       stderr).
#   engine_stop [SECONDS]
#       SIGTERM to ENGINE_PID, then SIGKILL if it still runs after SECONDS
#       (default 120); waits for it.
#   engine_owner LOG        the owner ECI the engine printed at start
#   engine_peak_rss_mb PID  the process's peak RSS (VmHWM) in MB
#   engine_rss_mb PID       its RSS now (VmRSS) in MB

engine_start() {
  local bin=$1 data=$2 port=$3 log=$4
  shift 4
  ENGINE_URL="http://127.0.0.1:$port"
  if curl -s -m 2 -o /dev/null "$ENGINE_URL/api/ui-context"; then
    echo "something already answers on port $port: not starting another engine there" >&2
    return 1
  fi
  "$bin" serve --host 127.0.0.1 --port "$port" --data "$data" "$@" >"$log" 2>&1 &
  ENGINE_PID=$!
  local tries=$((${ENGINE_START_SECONDS:-600} * 50))
  for _ in $(seq 1 "$tries"); do
    if ! kill -0 "$ENGINE_PID" 2>/dev/null; then
      echo "spime serve exited at start: $(tail -5 "$log")" >&2
      return 1
    fi
    local code
    code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$ENGINE_URL/api/ui-context" || true)
    if [[ $code == 200 ]]; then
      # It answers before it prints its owner ECI: wait for the line (5 s at most).
      for _ in $(seq 1 250); do
        grep -q '^owner ECI:' "$log" && break
        sleep 0.02
      done
      kill -0 "$ENGINE_PID" 2>/dev/null && return 0
      echo "spime serve exited at start: $(tail -5 "$log")" >&2
      return 1
    fi
    sleep 0.02
  done
  echo "spime serve did not answer within ${ENGINE_START_SECONDS:-600} s: $(tail -5 "$log")" >&2
  return 1
}

engine_stop() {
  local seconds=${1:-120}
  [[ -n ${ENGINE_PID:-} ]] || return 0
  kill "$ENGINE_PID" 2>/dev/null || true
  for _ in $(seq 1 $((seconds * 10))); do
    kill -0 "$ENGINE_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$ENGINE_PID" 2>/dev/null; then
    echo "spime serve (pid $ENGINE_PID) still ran after $seconds s: killed" >&2
    kill -9 "$ENGINE_PID" 2>/dev/null || true
  fi
  wait "$ENGINE_PID" 2>/dev/null || true
  ENGINE_PID=
}

engine_owner() {
  awk '/^owner ECI:/ { print $3; exit }' "$1"
}

engine_peak_rss_mb() {
  awk '/^VmHWM:/ { printf "%.0f\n", $2 / 1024 }' "/proc/$1/status"
}

engine_rss_mb() {
  awk '/^VmRSS:/ { printf "%.0f\n", $2 / 1024 }' "/proc/$1/status"
}
