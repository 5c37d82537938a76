#!/usr/bin/env bash
# The cluster's figures (BENCHMARKS.md, issue 22), on a cluster that
# scripts/cluster.sh started (same CLUSTER_DIR and BASE_PORT):
#
#   scripts/cluster_bench.sh router [SECONDS ROUNDS]
#       300 devices in one collection on engine b; unpaced heartbeats over
#       32 connections, through the router and straight to b in turn: the
#       simulator's rate and latency, b's CPU per heartbeat, and HAProxy's
#   scripts/cluster_bench.sh scale [SECONDS [CPU_PERCENT]]
#       300 devices in one collection on each engine; 1, then 2, then 3
#       simulators at once through the router, one per engine. With
#       CPU_PERCENT, each engine runs in a cgroup of its own capped at that
#       share of one core (CFS quota; root, cgroup v1 or v2), so each has
#       a fixed CPU however many run: the issue's "fixed CPU per engine"
#       on a machine with fewer cores than engines
#   scripts/cluster_bench.sh move [PICOS]
#       a pico on b with PICOS-1 device children (one slot), moved to c and
#       back with `spime cluster move`
#   scripts/cluster_bench.sh move-pico [ROUNDS]
#       a pico on b without children, moved to c and back with `spime
#       cluster move-pico`, ROUNDS times
#
# Loopback only; every wait is bounded (the simulator's --duration).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="$(cd "${CLUSTER_DIR:-data-cluster}" && pwd)"
BASE_PORT="${BASE_PORT:-4100}"
BIN="${BUILD_DIR:-build}/spime"
ROUTER="http://127.0.0.1:$BASE_PORT"
ETCD="http://127.0.0.1:$((BASE_PORT + 21)),http://127.0.0.1:$((BASE_PORT + 22)),http://127.0.0.1:$((BASE_PORT + 23))"
NODES=(a b c)
engine_url() { echo "http://127.0.0.1:$((BASE_PORT + 1 + $1))"; }
pid_of() { awk -v n="$1" '$2 == n || $3 == n { print $1; exit }' "$DIR/pids"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# fleet I NAME COUNT COLLECTIONS: a pico NAME on engine I with COUNT devices
# under it (one slot); prints the owner ECI the simulator uses.
fleet() {
  local url owner
  url="$(engine_url "$1")"
  "$BIN" pico show "$2" --url "$url" > /dev/null 2>&1 || "$BIN" pico new "$2" --url "$url" > /dev/null
  owner="$("$BIN" pico show "$2" --url "$url" | awk '$2 == "spime-cli" { print $1; exit }')"
  "$BIN" devices simulate --url "$url" --owner "$owner" --count "$3" --collections "$4" \
    --setup-only --no-progress > /dev/null
  echo "$owner"
}

# cap_cpu PID NAME PERCENT: the process into a cgroup of its own, capped at
# PERCENT of one core (period 100 ms); uncap_cpu takes every capped process
# back to the root group and removes the groups.
CGROUP_V1=/sys/fs/cgroup/cpu
CGROUP_V2=/sys/fs/cgroup
capped=()
cap_cpu() {
  local quota=$(($3 * 1000)) group
  if [ -f "$CGROUP_V1/cpu.cfs_quota_us" ]; then
    group="$CGROUP_V1/spime-bench-$2"
    mkdir -p "$group"
    echo 100000 > "$group/cpu.cfs_period_us"
    echo "$quota" > "$group/cpu.cfs_quota_us"
  elif [ -f "$CGROUP_V2/cgroup.controllers" ]; then
    group="$CGROUP_V2/spime-bench-$2"
    echo +cpu > "$CGROUP_V2/cgroup.subtree_control" 2> /dev/null || true
    mkdir -p "$group"
    echo "$quota 100000" > "$group/cpu.max"
  else
    echo "cluster_bench: no cgroup cpu controller to cap engines with" >&2
    exit 1
  fi
  echo "$1" > "$group/cgroup.procs"
  capped+=("$group")
  echo "engine $2 (pid $1): capped at $3 % of a core ($group)"
}
uncap_cpu() {
  local group root
  for group in "${capped[@]}"; do
    root="$(dirname "$group")"
    while read -r pid; do echo "$pid" > "$root/cgroup.procs" 2> /dev/null || true; done < "$group/cgroup.procs"
    rmdir "$group" 2> /dev/null || true
  done
}

# load URL OWNER SECONDS PID: heartbeats to the fleet of OWNER through URL.
load() {
  "$BIN" devices simulate --url "$1" --owner "$2" --count 300 --collections 1 --duration "$3" \
    --connections 32 --server-pid "$4" --no-progress | grep -E '^(load|server|result)'
}

case "${1:-}" in
  router)
    seconds="${2:-15}" rounds="${3:-2}"
    owner="$(fleet 1 bench-router 300 1)"
    engine="$(pid_of b)" haproxy="$(pid_of haproxy)"
    hz="$(getconf CLK_TCK)"
    for round in $(seq "$rounds"); do
      for via in "$ROUTER" "$(engine_url 1)"; do
        echo "round $round, via $via:"
        before="$(cpu_ticks "$haproxy")"
        out="$(load "$via" "$owner" "$seconds" "$engine")"
        after="$(cpu_ticks "$haproxy")"
        echo "$out" | sed 's/^/  /'
        beats="$(echo "$out" | sed -n 's/.*: \([0-9]*\) heartbeats.*/\1/p')"
        echo "  haproxy (pid $haproxy): $(( (after - before) * 1000000 / hz / beats )) us CPU per heartbeat"
      done
    done
    ;;
  scale)
    seconds="${2:-15}" percent="${3:-}"
    if [ -n "$percent" ]; then
      for n in "${NODES[@]}"; do cap_cpu "$(pid_of "$n")" "$n" "$percent"; done
      trap uncap_cpu EXIT
    fi
    owners=()
    for i in 0 1 2; do owners+=("$(fleet "$i" "bench-scale-${NODES[$i]}" 300 1)"); done
    for k in 1 2 3; do
      echo "$k engine(s) at once, through the router:"
      for i in $(seq 0 $((k - 1))); do
        load "$ROUTER" "${owners[$i]}" "$seconds" "$(pid_of "${NODES[$i]}")" |
          sed "s/^/  ${NODES[$i]}: /" > "$DIR/scale-$i.out" &
      done
      wait
      for i in $(seq 0 $((k - 1))); do cat "$DIR/scale-$i.out"; done
    done
    ;;
  move)
    picos="${2:-1000}"
    owner="$(fleet 1 bench-move $((picos - 1)) 0)"
    slot="${owner:0:3}"
    "$BIN" cluster move "$slot" --to c --etcd "$ETCD" --cluster demo --json
    "$BIN" cluster move "$slot" --to b --etcd "$ETCD" --cluster demo --json
    ;;
  move-pico)
    rounds="${2:-5}"
    url="$(engine_url 1)"
    "$BIN" pico show bench-move-pico --url "$url" > /dev/null 2>&1 ||
      "$BIN" pico new bench-move-pico --url "$url" > /dev/null
    for round in $(seq "$rounds"); do
      "$BIN" cluster move-pico bench-move-pico --to c --etcd "$ETCD" --cluster demo --json
      "$BIN" cluster move-pico bench-move-pico --to b --etcd "$ETCD" --cluster demo --json
    done
    ;;
  *)
    echo "usage: scripts/cluster_bench.sh router [SECONDS ROUNDS] | scale [SECONDS [CPU_PERCENT]] | move [PICOS] | move-pico [ROUNDS]" >&2
    exit 2
    ;;
esac
