#!/usr/bin/env bash
# A local cluster on loopback (docs/cluster.md): 3 etcd members, 3 engines
# (nodes a, b, c, each with its own RocksDB), HAProxy as the router in front,
# and `spime cluster route-sync` keeping the router's maps current; then the
# hallway demo spread over the engines (the collection on a, its sensors on b
# and c), its heartbeats sent through the router.
#
#   scripts/cluster.sh [start]   installs what is missing, builds, starts
#                                everything, provisions the demo, prints the
#                                router's URL and returns (all keep running)
#   scripts/cluster.sh stop      stops what start started (the data stays:
#                                start again resumes it; rm -rf DIR wipes it)
#   scripts/cluster.sh status    `spime cluster status` of each engine
#
# Environment: CLUSTER_DIR (default ./data-cluster: data, logs, pids),
# BASE_PORT (default 4100): the router on BASE_PORT, engines on +1..+3,
# HAProxy's runtime API on +9, etcd clients on +21..+23 and peers on
# +31..+33 (never etcd's own 2379/2380), SHARED (default ../shared).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
DIR="${CLUSTER_DIR:-$ROOT/data-cluster}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
BASE_PORT="${BASE_PORT:-4100}"
SHARED="${SHARED:-$(cd .. && pwd)/shared}"
BIN="${BUILD_DIR:-$ROOT/build}/spime"
NAME=demo
NODES=(a b c)
ROUTER="http://127.0.0.1:$BASE_PORT"
STATS="127.0.0.1:$((BASE_PORT + 9))"
PIDS="$DIR/pids"

etcd_client() { echo "http://127.0.0.1:$((BASE_PORT + 20 + $1))"; }
etcd_peer() { echo "http://127.0.0.1:$((BASE_PORT + 30 + $1))"; }
engine_port() { echo $((BASE_PORT + 1 + $1)); }
engine_url() { echo "http://127.0.0.1:$(engine_port "$1")"; }
ETCD="$(etcd_client 1),$(etcd_client 2),$(etcd_client 3)"

# waits (at most $2 tenths of a second) until the command $3... succeeds
wait_for() {
  local what="$1" tenths="$2"
  shift 2
  for _ in $(seq "$tenths"); do
    "$@" > /dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "cluster.sh: $what did not come up (logs in $DIR)" >&2
  exit 1
}

running() { [ -f "$PIDS" ] && while read -r pid _; do kill -0 "$pid" 2>/dev/null && return 0; done < "$PIDS"; return 1; }

# start NAME LOG COMMAND...: in the background, its pid recorded
start_process() {
  local name="$1" log="$2"
  shift 2
  nohup "$@" > "$log" 2>&1 &
  echo "$! $name" >> "$PIDS"
}

stop_all() {
  [ -f "$PIDS" ] || { echo "cluster.sh: nothing started from $DIR"; return 0; }
  # Last started first: route-sync, the router, the engines, then etcd.
  tac "$PIDS" | while read -r pid name; do
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null && echo "   $name: killed after 10 s" || echo "   $name: stopped"
  done
  rm -f "$PIDS"
}

status_all() {
  for i in 0 1 2; do
    echo "== node ${NODES[$i]} ($(engine_url "$i"))"
    "$BIN" cluster status --url "$(engine_url "$i")" || true
  done
}

case "${1:-start}" in
  stop) stop_all; exit 0 ;;
  status) status_all; exit 0 ;;
  start) ;;
  *) echo "usage: scripts/cluster.sh [start|stop|status]" >&2; exit 2 ;;
esac

if running; then
  echo "cluster.sh: already running from $DIR (scripts/cluster.sh stop first)" >&2
  exit 1
fi
rm -f "$PIDS"
scripts/install-deps.sh
scripts/build.sh
started=0
trap '[ "$started" = 1 ] || { echo "cluster.sh: failed; stopping what started" >&2; stop_all; }' EXIT

echo "== etcd: 3 members on $ETCD"
initial=""
for i in 1 2 3; do initial+="${initial:+,}e$i=$(etcd_peer "$i")"; done
for i in 1 2 3; do
  start_process "etcd e$i" "$DIR/etcd-$i.log" etcd --name "e$i" --data-dir "$DIR/etcd-$i" \
    --listen-client-urls "$(etcd_client "$i")" --advertise-client-urls "$(etcd_client "$i")" \
    --listen-peer-urls "$(etcd_peer "$i")" --initial-advertise-peer-urls "$(etcd_peer "$i")" \
    --initial-cluster "$initial" --initial-cluster-token "spime-$NAME" \
    --initial-cluster-state new
done
for i in 1 2 3; do
  wait_for "etcd e$i" 300 sh -c "curl -sf --max-time 1 $(etcd_client "$i")/health | grep -q '\"health\":\"true\"'"
done

echo "== the slot table: spread over ${NODES[*]} (once; a restart keeps it)"
if ! out="$("$BIN" cluster init --etcd "$ETCD" --cluster "$NAME" --nodes a,b,c 2>&1)"; then
  case "$out" in *"filled already"*) echo "   filled already" ;; *) echo "$out" >&2; exit 1 ;; esac
else
  echo "$out" | sed 's/^/   /'
fi

echo "== engines"
for i in 0 1 2; do
  start_process "engine ${NODES[$i]}" "$DIR/engine-${NODES[$i]}.log" "$BIN" serve \
    --port "$(engine_port "$i")" --data "$DIR/engine-${NODES[$i]}" \
    --cluster-etcd "$ETCD" --cluster "$NAME" --node "${NODES[$i]}" --public-url "$ROUTER"
done
for i in 0 1 2; do
  wait_for "engine ${NODES[$i]}" 300 curl -sf --max-time 1 "$(engine_url "$i")/api/cluster"
  echo "   node ${NODES[$i]}: $(engine_url "$i")"
done

echo "== the router: HAProxy on $ROUTER, its maps kept by route-sync"
mkdir -p "$DIR/router"
: > "$DIR/router/slots.map"
: > "$DIR/router/overrides.map"
"$BIN" cluster haproxy-config --listen "127.0.0.1:$BASE_PORT" --stats "$STATS" \
  --slots-map "$DIR/router/slots.map" --overrides-map "$DIR/router/overrides.map" \
  > "$DIR/router/haproxy.cfg"
start_process "haproxy" "$DIR/router/haproxy.log" haproxy -db -f "$DIR/router/haproxy.cfg"
start_process "route-sync" "$DIR/router/route-sync.log" "$BIN" cluster route-sync \
  --etcd "$ETCD" --cluster "$NAME" --haproxy "$STATS" \
  --slots-map "$DIR/router/slots.map" --overrides-map "$DIR/router/overrides.map"
wait_for "route-sync" 300 grep -q 'slots routed' "$DIR/router/route-sync.log"

echo "== the hallway demo: collection on a, msa_00 on b, temp_00 on c"
A="$(engine_url 0)"
on() { local url="$1"; shift; "$BIN" "$@" --url "$url"; }
exists() { on "$1" pico show "$2" > /dev/null 2>&1; }
exists "$A" hallway || on "$A" collection new hallway > /dev/null
exists "$(engine_url 1)" msa_00 || on "$(engine_url 1)" pico new msa_00 --prototype esproto-msa
exists "$(engine_url 2)" temp_00 || on "$(engine_url 2)" pico new temp_00 --prototype esproto-temp
on "$A" collection add hallway msa_00 --member-host "$(engine_url 1)"
on "$A" collection add hallway temp_00 --member-host "$(engine_url 2)"
sleep 1  # the members' side of a subscription settles a moment after the answer
# A sensor's heartbeat URL, through the router: its channel tagged esproto,transducer.
sensor_url() {
  local eci
  eci="$(on "$1" pico show "$2" | awk '$2 == "esproto,transducer" { print $1; exit }')"
  [ -n "$eci" ] || { echo "no transducer channel on $2" >&2; exit 1; }
  echo "$ROUTER/sky/event/$eci/heartbeat/wovyn/heartbeat"
}
beat() {  # beat ENGINE SENSOR PAYLOAD-FILE
  curl -sS --max-time 10 -o /dev/null -w "   $2 <- $(basename "$3") via the router: %{http_code}\n" \
    -X POST "$(sensor_url "$1" "$2")" -H 'Content-Type: application/json' --data-binary "@$3"
}
if [ -d "$SHARED/esproto" ]; then
  beat "$(engine_url 1)" msa_00 "$SHARED/esproto/msa.json"
  for f in temp-normal temp-hot temp-cold; do beat "$(engine_url 2)" temp_00 "$SHARED/esproto/$f.json"; done
  sleep 1
  echo "== the hallway's violation log, on a"
  on "$A" violations hallway --limit 10
else
  echo "   (no $SHARED/esproto: set SHARED to post the shared payloads)"
fi
started=1

echo
status_all | sed -n '1,12p'
echo
echo "router: $ROUTER   (events and queries to any pico: /sky/event/<eci>/..., /sky/cloud/<eci>/...)"
echo "msa_00's heartbeat URL: $(sensor_url "$(engine_url 1)" msa_00)"
echo "etcd: $ETCD   logs and data: $DIR"
echo "stop: scripts/cluster.sh stop"
