#!/usr/bin/env bash
# scripts/crash-cycles.sh [CYCLES]: kill -9 cycles under the fleet
# simulator's load (issue 21 §3; RELIABILITY.md, "Crash cycles").
#
# Two engines on loopback, each on a data directory of its own under a
# temporary folder:
#   A  DEVICES device picos (esproto-temp) and COLLECTIONS local collections
#      (`spime devices simulate --setup-only`; device i joins collection
#      i mod COLLECTIONS);
#   B  one collection, `hub`, that every device of A also belongs to, across
#      engines (`spime collection add hub DEVICE --member-host A`): A's
#      devices send it their violations through A's durable outbox.
# Then `spime devices simulate --ride-outages --ledger FILE` loads A
# (RATE heartbeats a second, HOT of the devices hot: each of their
# heartbeats is one violation; a few malformed and low-battery ones), and
# CYCLES times (default 20) the script waits a random 1 to 3 s, kill -9s one
# engine (B every third cycle, A otherwise), restarts it on the same --data
# and port, and checks that every heartbeat the ledger had acknowledged at
# the kill is in its device's readings exactly once. Then it ends the load
# (SIGTERM: the simulator stops sending and prints its summary), gives the
# outbox SETTLE seconds, and reads every log:
#   readings      each device's esproto_device/history (temperature): every
#                 acknowledged heartbeat (named by device and its own
#                 timestamp) exactly once;
#   violations    each local collection's and hub's spimes_collection/
#                 violations: every violation an acknowledged heartbeat
#                 caused exactly once, in each collection of its device;
# and in every log nothing that was never sent (a heartbeat sent but not
# acknowledged may be there, at most once). It also counts the heartbeats
# that were not acknowledged but are stored on their device, and those of
# their reports missing from a collection (a report lost after its
# heartbeat committed: reported, not failed, as no client was told).
# It prints a line per cycle and the totals (the line starting FINAL);
# exit 0 when nothing acknowledged was lost or duplicated and nothing
# unsent appeared, 1 otherwise, 2 when the set-up failed.
#
# Environment: SPIME_BIN (default build/spime), DEVICES (20), COLLECTIONS
# (1), RATE (100), HOT (0.3), SETTLE (30), PORT_A / PORT_B (random),
# KEEP=1 to keep the temporary folder (kept anyway when the run fails).
# Needs bash, curl, coreutils and python3 (its standard library: the
# checks). Loopback only; every wait is bounded.
set -euo pipefail

cd "$(dirname "$0")/.."
. scripts/lib/engine.sh

cycles=${1:-20}
bin=${SPIME_BIN:-build/spime}
devices=${DEVICES:-20}
collections=${COLLECTIONS:-1}
rate=${RATE:-100}
hot=${HOT:-0.3}
settle=${SETTLE:-30}
[[ $cycles =~ ^[0-9]+$ && $cycles -ge 1 ]] || { echo "usage: $0 [CYCLES >= 1]" >&2; exit 2; }
for tool in curl python3 "$bin"; do
  command -v "$tool" >/dev/null || { echo "crash-cycles: $tool is missing" >&2; exit 2; }
done
bin=$(realpath "$bin")
port_a=${PORT_A:-$((20000 + RANDOM % 20000))}
port_b=${PORT_B:-$((port_a + 1))}
url_a="http://127.0.0.1:$port_a"
url_b="http://127.0.0.1:$port_b"
export ENGINE_START_SECONDS=${ENGINE_START_SECONDS:-120}

work=$(mktemp -d "${TMPDIR:-/tmp}/crash-cycles.XXXXXX")
ledger=$work/ledger.jsonl
fleet=$work/fleet.txt
checker=$work/check.py
a_pid=
b_pid=
sim_pid=
failed=1

say() { echo "crash-cycles: $*"; }

cleanup() {
  if [[ -n $sim_pid ]] && kill -0 "$sim_pid" 2>/dev/null; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  ENGINE_PID=$a_pid engine_stop 30
  ENGINE_PID=$b_pid engine_stop 30
  if [[ $failed == 0 && ${KEEP:-0} != 1 ]]; then
    rm -rf "$work"
  else
    echo "crash-cycles: logs, data and ledger kept in $work" >&2
  fi
}
trap cleanup EXIT
trap 'exit 1' TERM INT

start_a() {
  engine_start "$bin" "$work/a" "$port_a" "$work/a.log.$1" --http-allow "127.0.0.1:$port_b"
  a_pid=$ENGINE_PID
}
start_b() {
  engine_start "$bin" "$work/b" "$port_b" "$work/b.log.$1" --http-allow "127.0.0.1:$port_a"
  b_pid=$ENGINE_PID
}

# ---- the checks (python3, standard library only) ---------------------------------------
cat >"$checker" <<'PY'
import json, sys, time, urllib.request

def call(url, path, body=None):
    data = json.dumps(body if body is not None else {}).encode()
    req = urllib.request.Request(url + path, data=data, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")

def get(url, path):
    with urllib.request.urlopen(url + path, timeout=30) as r:
        return json.loads(r.read())

UI = "io.picolabs.pico-engine-ui"

def children(url):
    """{name: [channels]} of the root's children, through the engine UI."""
    root = get(url, "/api/ui-context")["eci"]
    out = {}
    for ui in call(url, f"/sky/cloud/{root}/{UI}/pico")["children"]:
        name = call(url, f"/sky/cloud/{ui}/{UI}/box")["name"]
        out[name] = call(url, f"/sky/cloud/{ui}/{UI}/pico")["channels"]
    return out

def tagged(channels, *tags):
    for c in channels:
        if all(t in c.get("tags", []) for t in tags):
            return c["id"]
    raise SystemExit(f"no channel tagged {tags}")

def pages(url, eci, rid, fn, args):
    """Every entry of a logs:range query, newest first (bounded: 10,000 pages)."""
    args = dict(args, limit=1000)
    for _ in range(10000):
        page = call(url, f"/sky/cloud/{eci}/{rid}/{fn}", args)
        yield from page["entries"]
        if not page.get("next"):
            return
        args["cursor"] = page["next"]
    raise SystemExit(f"{fn}: more than 10,000 pages")

def read_ledger(path, upto=None):
    """(acknowledged, sent but not acknowledged): {(device, timestamp): line}."""
    ack, other = {}, {}
    with open(path) as f:
        for n, text in enumerate(f):
            if upto is not None and n >= upto:
                break
            if not text.endswith("\n"):
                break  # a line being written
            line = json.loads(text)
            key = (line["device"], line["timestamp"])
            if key in ack or key in other:
                raise SystemExit(f"the ledger names {key} twice")
            (ack if line["acknowledged"] else other)[key] = line
    return ack, other

def compare(what, held, ack, other, field, devices, committed=()):
    """held: {(device, timestamp): entries}; each acknowledged heartbeat of
    `devices` must be there `field` times, others 0 or `field` times.
    committed: the unacknowledged heartbeats whose readings are stored (their
    schedule committed): one missing here is counted apart, as
    unacknowledged_missing (a report lost on its way after the commit)."""
    r = dict(expected=0, stored=0, lost=0, duplicated=0, unacknowledged_stored=0,
             never_sent=0, unacknowledged_missing=0, examples=[])
    def note(s):
        if len(r["examples"]) < 3:
            r["examples"].append(s)
    for key, line in ack.items():
        want = line[field]
        if key[0] not in devices or want == 0:
            continue
        r["expected"] += 1
        got = held.get(key, 0)
        if got == want:
            r["stored"] += 1
        elif got < want:
            r["lost"] += 1
            note(f"{what}: lost {key} (eid {line.get('eid')}): {got} of {want}")
        else:
            r["duplicated"] += 1
            note(f"{what}: duplicated {key} (eid {line.get('eid')}): {got} for {want}")
    for key, got in held.items():
        if key in ack:
            continue
        line = other.get(key)
        if line is None:
            r["never_sent"] += 1
            note(f"{what}: {key} was never sent ({got} entries)")
        elif got == line[field]:
            r["unacknowledged_stored"] += 1
        else:
            r["duplicated"] += 1
            note(f"{what}: {key} not acknowledged, {got} entries for {line[field]}")
    for key in committed:
        line = other[key]
        if key[0] in devices and line[field] > 0 and key not in held:
            r["unacknowledged_missing"] += 1
            note(f"{what}: {key} not acknowledged but stored on its device: not here")
    return r

def readings(url, picos, ack, other, only_acknowledged, stored=None):
    held, devices = {}, set()
    for name, channels in picos.items():
        if not name.startswith("sim-device-"):
            continue
        devices.add(name)
        eci = tagged(channels, "esproto", "query")
        for e in pages(url, eci, "esproto_device", "history", {"sensor_type": "temperature"}):
            key = (name, e["entry"]["device_timestamp"])
            held[key] = held.get(key, 0) + 1
    if only_acknowledged:  # while the load goes on: the heartbeats after the snapshot are not known
        held = {k: v for k, v in held.items() if k in ack}
    if stored is not None:
        stored.update(k for k in held if k in other)
    return compare("readings", held, ack, other, "readings", devices)

def violations(url, eci, name, members, ack, other, committed):
    held = {}
    for e in pages(url, eci, "spimes_collection", "violations", {}):
        entry = e["entry"]
        key = (entry["device_name"], entry["device_timestamp"])
        held[key] = held.get(key, 0) + 1
    return compare(f"violations of {name}", held, ack, other, "violations", members, committed)

def show(what, r):
    print(f"  {what}: {r['expected']} expected, {r['stored']} held once, {r['lost']} lost, "
          f"{r['duplicated']} duplicated, {r['never_sent']} never sent, "
          f"{r['unacknowledged_stored']} unacknowledged but stored"
          + (f", {r['unacknowledged_missing']} unacknowledged, stored on the device, missing here"
             if r["unacknowledged_missing"] else ""))
    for s in r["examples"]:
        print(f"    {s}")

def main():
    mode, ledger = sys.argv[1], sys.argv[2]
    if mode == "members":  # url_a, count: every device in its collections
        url, want = sys.argv[3], int(sys.argv[4])
        picos = children(url)
        short = []
        for name, channels in picos.items():
            if name.startswith("sim-device-"):
                got = call(url, f"/sky/cloud/{tagged(channels, 'esproto', 'query')}/esproto_device/collections")
                if len(got) != want:
                    short.append(name)
        print(" ".join(short))
        return
    if mode == "cycle":  # upto, url_a: the readings of the heartbeats acknowledged before the kill
        upto, url = int(sys.argv[3]), sys.argv[4]
        ack, other = read_ledger(ledger, upto)
        r = readings(url, children(url), ack, other, only_acknowledged=True)
        print(json.dumps(r))
        return
    # final: url_a, url_b, collections
    url_a, url_b, k = sys.argv[3], sys.argv[4], int(sys.argv[5])
    ack, other = read_ledger(ledger)
    a = children(url_a)
    committed = set()  # unacknowledged heartbeats whose readings are stored
    results = {"readings": readings(url_a, a, ack, other, only_acknowledged=False, stored=committed)}
    devices = sorted((n for n in a if n.startswith("sim-device-")), key=lambda n: int(n[11:]))
    for c in range(k):
        name = f"sim-collection-{c + 1:02d}"
        members = {d for d in devices if (int(d[11:]) - 1) % k == c}
        results[name] = violations(url_a, tagged(a[name], "collection", "query"), name, members,
                                   ack, other, committed)
    b = children(url_b)
    results["hub (B)"] = violations(url_b, tagged(b["hub"], "collection", "query"), "hub",
                                    set(devices), ack, other, committed)
    print(f"ledger: {len(ack)} acknowledged heartbeats, {len(other)} sent without an acknowledgement")
    bad = 0
    for what, r in results.items():
        show(what, r)
        bad += r["lost"] + r["duplicated"] + r["never_sent"]
    r = results["readings"]
    v = {key: sum(x[key] for w, x in results.items() if w != "readings")
         for key in ("expected", "stored", "lost", "duplicated", "never_sent",
                     "unacknowledged_missing")}
    print(f"FINAL acknowledged {len(ack)}, stored {r['stored']}, lost {r['lost']}, "
          f"duplicated {r['duplicated']}, never sent {r['never_sent']}; violations expected "
          f"{v['expected']}, logged once {v['stored']}, lost {v['lost']}, duplicated "
          f"{v['duplicated']}, never sent {v['never_sent']}; unacknowledged heartbeats stored "
          f"on their device: {len(committed)}, their reports missing from a collection "
          f"{v['unacknowledged_missing']}")
    sys.exit(1 if bad else 0)

main()
PY

# ---- set-up --------------------------------------------------------------------------
say "work folder $work; A on $url_a, B on $url_b"
start_a 0 || exit 2
start_b 0 || exit 2
"$bin" devices simulate --url "$url_a" --count "$devices" --collections "$collections" \
  --fleet-file "$fleet" --setup-only --no-progress >"$work/setup.txt" 2>&1 ||
  { cat "$work/setup.txt" >&2; exit 2; }
"$bin" collection new hub --url "$url_b" >/dev/null
for i in $(seq 1 "$devices"); do
  name=$(printf 'sim-device-%04d' "$i")
  "$bin" collection add hub "$name" --member-host "$url_a" --url "$url_b" >/dev/null
done
# Both sides of every membership established (B's approval travels by its outbox).
for _ in $(seq 1 120); do
  short=$(python3 "$checker" members "$ledger" "$url_a" $((collections + 1)) 2>&1 || echo "(no answer)")
  [[ -z $short ]] && break
  sleep 0.5
done
[[ -z $short ]] || { say "not in every collection after 60 s: $short" >&2; exit 2; }
say "set-up: $devices devices and $collections collection(s) on A, hub on B"

# ---- the load, and the cycles --------------------------------------------------------
# The load's --duration is only its bound: the script ends it with SIGTERM
# (--ride-outages: the simulator then runs its checks and prints its
# summary) once the cycles are done.
duration=$((cycles * 15 + 60))
: >"$ledger"
"$bin" devices simulate --url "$url_a" --count "$devices" --collections "$collections" \
  --fleet-file "$fleet" --ride-outages --ledger "$ledger" --duration "$duration" \
  --rate "$rate" --hot-fraction "$hot" --bad-fraction 0.02 --low-battery-fraction 0.1 \
  --settle 5 --no-progress --json >"$work/simulate.json" 2>"$work/simulate.err" &
sim_pid=$!
started=$(date +%s)
sleep 2

kills_a=0
kills_b=0
cycle_fail=0
for c in $(seq 1 "$cycles"); do
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 1 + 2 * r / 32767 }')"
  if ((c % 3 == 2)); then victim=B; pid=$b_pid; else victim=A; pid=$a_pid; fi
  upto=$(wc -l <"$ledger")
  t0=$(date +%s.%N)
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  if [[ $victim == A ]]; then
    kills_a=$((kills_a + 1))
    start_a "$c" || { say "A did not come back in cycle $c" >&2; exit 1; }
  else
    kills_b=$((kills_b + 1))
    start_b "$c" || { say "B did not come back in cycle $c" >&2; exit 1; }
  fi
  down=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  r=$(python3 "$checker" cycle "$ledger" "$upto" "$url_a")
  line=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["expected"], r["stored"], r["lost"], r["duplicated"])' "$r")
  read -r expected stored lost duplicated <<<"$line"
  say "cycle $c/$cycles: kill -9 $victim, back in $down s; ledger $upto lines; readings of the $expected acknowledged before the kill: $stored held once, $lost lost, $duplicated duplicated"
  ((lost + duplicated == 0)) || cycle_fail=1
  if (($(date +%s) - started > duration - 10)); then
    say "the load ends soon: stopping after $c cycles" >&2
    break
  fi
  sleep 1
done

# ---- the end -------------------------------------------------------------------------
say "cycles done (A killed $kills_a times, B $kills_b times); ending the load"
sleep 2
kill -TERM "$sim_pid" 2>/dev/null || true
for _ in $(seq 1 600); do
  kill -0 "$sim_pid" 2>/dev/null || break
  sleep 0.1
done
sim_status=0
if kill -0 "$sim_pid" 2>/dev/null; then
  say "the simulator still ran 60 s after SIGTERM: killed" >&2
  kill -9 "$sim_pid" 2>/dev/null || true
fi
wait "$sim_pid" || sim_status=$?
sim_pid=
say "simulator exit $sim_status: $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); h=s["heartbeats"]; print("sent", h["sent"], "acknowledged", h["acknowledged"], "refused", h["refused"], "failed", h["failed"], "; checks:", ", ".join(c["name"] + " " + c["state"] for c in s["checks"]))' "$work/simulate.json" 2>&1 || tail -3 "$work/simulate.err")"
say "settling $settle s (the outbox delivers to hub)"
sleep "$settle"
final=0
python3 "$checker" final "$ledger" "$url_a" "$url_b" "$collections" || final=$?
if ((final == 0 && cycle_fail == 0 && sim_status == 0)); then
  failed=0
  say "passed"
  exit 0
fi
say "FAILED (final check $final, a cycle's check $cycle_fail, simulator $sim_status)" >&2
exit 1
