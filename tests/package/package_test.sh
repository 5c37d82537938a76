#!/usr/bin/env bash
# The Debian package, end to end, without installing it (no dpkg -i here):
#   1. cpack -G DEB builds it from the build tree, into a temporary directory;
#   2. dpkg-deb -c: the binary, shipped rulesets and prototypes, the systemd
#      unit, the default config, the README;
#   3. dpkg-deb -I / -e: name, version, shared-library dependencies,
#      /etc/default/spime a conffile, postinst making the spime system user,
#      the unit running as it with --data /var/lib/spime;
#   4. dpkg-deb -x into a temporary root: that tree's usr/bin/spime, given no
#      --rulesets or --prototypes, takes its own tree's (cli/install_paths.h),
#      serves on a free loopback port with a temporary --data, answers an
#      event and a query, and registered its rulesets from the unpacked tree.
# Every wait is bounded; the server is stopped (SIGTERM, then SIGKILL) and
# the temporary directory removed whatever happens.
#
# Usage: package_test.sh CPACK BUILD_DIR
set -u
CPACK=$1
BUILD=$2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/spime-package-XXXXXX")
SERVER_PID=""

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }
must() { echo "FAIL: $*"; exit 1; }

# ---- 1. build the package ------------------------------------------------------
timeout 500 "$CPACK" --config "$BUILD/CPackConfig.cmake" -G DEB -B "$WORK/out" >"$WORK/cpack.log" 2>&1 ||
  { cat "$WORK/cpack.log"; must "cpack -G DEB failed"; }
DEBS=("$WORK"/out/spime_*.deb)
[ -f "${DEBS[0]}" ] || { cat "$WORK/cpack.log"; must "no spime_*.deb in $WORK/out"; }
DEB=${DEBS[0]}
echo "package: $(basename "$DEB"), $(stat -c %s "$DEB") bytes"

# ---- 2. its files ----------------------------------------------------------------
dpkg-deb -c "$DEB" >"$WORK/contents" || must "dpkg-deb -c failed"
for path in ./usr/bin/spime \
  ./usr/share/spime/rulesets/io.picolabs.wrangler.krl \
  ./usr/share/spime/rulesets/io.picolabs.subscription.krl \
  ./usr/share/spime/rulesets/schemas/esproto-heartbeat.json \
  ./usr/share/spime/prototypes/esproto-device.yaml \
  ./usr/share/spime/prototypes/collection.yaml \
  ./lib/systemd/system/spime.service \
  ./etc/default/spime \
  ./usr/share/doc/spime/README.md; do
  grep -q " $path\$" "$WORK/contents" || fail "the package lacks $path"
done
grep -q '^-rwxr-xr-x root/root .* ./usr/bin/spime$' "$WORK/contents" ||
  fail "usr/bin/spime is not an executable owned by root: $(grep ' ./usr/bin/spime$' "$WORK/contents")"
# Nothing of the build machine: only the package's own folders.
if grep -v -E ' \./(usr/(bin|share/(spime|doc/spime))|lib/systemd/system|etc/default)?(/|$)' \
  "$WORK/contents" | grep -v -E ' \./(usr|usr/share|usr/share/doc|lib|lib/systemd|etc)/$' | grep -q .; then
  fail "unexpected paths: $(grep -v -E ' \./(usr/(bin|share/(spime|doc/spime))|lib/systemd/system|etc/default)?(/|$)' "$WORK/contents")"
fi

# ---- 3. its control files ---------------------------------------------------------
dpkg-deb -I "$DEB" >"$WORK/info" || must "dpkg-deb -I failed"
grep -q '^ Package: spime$' "$WORK/info" || fail "Package is not spime"
grep -q '^ Version: ' "$WORK/info" || fail "no Version"
for dep in librocksdb libcaf-core libjemalloc libssl libyaml-cpp libmosquitto libspdlog \
  libprometheus-cpp-core libboost passwd; do
  grep '^ Depends:' "$WORK/info" | grep -q "$dep" || fail "Depends lacks $dep: $(grep '^ Depends:' "$WORK/info")"
done
dpkg-deb -e "$DEB" "$WORK/control" || must "dpkg-deb -e failed"
grep -qx '/etc/default/spime' "$WORK/control/conffiles" || fail "/etc/default/spime is not a conffile"
grep -q 'useradd --system' "$WORK/control/postinst" || fail "postinst does not make a system user"
[ -x "$WORK/control/postinst" ] && [ -x "$WORK/control/prerm" ] && [ -x "$WORK/control/postrm" ] ||
  fail "maintainer scripts are not executable"
for s in postinst prerm postrm; do sh -n "$WORK/control/$s" || fail "$s is not valid sh"; done

# ---- 4. unpacked, it serves from its own tree ---------------------------------------
ROOT="$WORK/root"
dpkg-deb -x "$DEB" "$ROOT" || must "dpkg-deb -x failed"
UNIT="$ROOT/lib/systemd/system/spime.service"
grep -q '^User=spime$' "$UNIT" || fail "the unit does not run as spime"
grep -q '^ExecStart=/usr/bin/spime serve --data /var/lib/spime \$SPIME_OPTS$' "$UNIT" ||
  fail "the unit's ExecStart: $(grep ExecStart "$UNIT")"
grep -q '^EnvironmentFile=-/etc/default/spime$' "$UNIT" || fail "the unit reads no /etc/default/spime"
if command -v systemd-analyze >/dev/null; then
  # The unit's own syntax and settings: only the absent binary (this machine
  # has no /usr/bin/spime) may be reported.
  timeout 60 systemd-analyze verify "$UNIT" >"$WORK/verify" 2>&1
  if grep -v 'Command /usr/bin/spime is not executable' "$WORK/verify" | grep -q .; then
    fail "systemd-analyze verify: $(cat "$WORK/verify")"
  fi
fi

SPIME="$ROOT/usr/bin/spime"
"$SPIME" serve --help >"$WORK/help" 2>&1 || must "unpacked spime serve --help failed"
grep -q "$ROOT/usr/share/spime/rulesets" "$WORK/help" ||
  fail "the unpacked binary's default --rulesets is not its tree's: $(grep -A1 -- --rulesets "$WORK/help")"
grep -q "$ROOT/usr/share/spime/prototypes" "$WORK/help" ||
  fail "the unpacked binary's default --prototypes is not its tree's"

"$SPIME" serve --port 0 --data "$WORK/data" >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
URL=""
ECI=""
for _ in $(seq 300); do  # at most 30 s
  URL=$(sed -n 's/^spime .* listening on \(http:[^ ]*\).*/\1/p' "$WORK/serve.log" | head -1)
  ECI=$(sed -n 's/^owner ECI: \(.*\)$/\1/p' "$WORK/serve.log" | head -1)
  [ -n "$URL" ] && [ -n "$ECI" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
[ -n "$URL" ] && [ -n "$ECI" ] || { cat "$WORK/serve.log"; must "the unpacked spime did not start"; }
echo "unpacked spime serves at $URL"

timeout 60 "$SPIME" event "$ECI" wrangler:new_child_request --attrs '{"name":"packaged"}' \
  --url "$URL" --json >"$WORK/event" 2>&1 || fail "the event failed: $(cat "$WORK/event")"
grep -q '"eid"' "$WORK/event" || fail "the event's answer: $(cat "$WORK/event")"
timeout 60 "$SPIME" query "$ECI" io.picolabs.wrangler children --url "$URL" --json \
  >"$WORK/children" 2>&1 || fail "the query failed: $(cat "$WORK/children")"
grep -q '"packaged"' "$WORK/children" || fail "the child is not there: $(cat "$WORK/children")"
timeout 60 "$SPIME" ruleset ls --url "$URL" --json >"$WORK/rulesets" 2>&1 ||
  fail "ruleset ls failed: $(cat "$WORK/rulesets")"
grep -q "file://$ROOT/usr/share/spime/rulesets/io.picolabs.wrangler.krl" "$WORK/rulesets" ||
  fail "the wrangler was not registered from the unpacked tree: $(cat "$WORK/rulesets")"

kill -TERM "$SERVER_PID"
for _ in $(seq 300); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SERVER_PID" 2>/dev/null; then
  fail "the unpacked spime did not stop within 30 s of SIGTERM"
else
  wait "$SERVER_PID"
  status=$?
  [ "$status" -eq 0 ] || fail "the unpacked spime exited with $status: $(tail -5 "$WORK/serve.log")"
fi
SERVER_PID=""

[ "$FAILED" -eq 0 ] && echo "package test passed"
exit "$FAILED"
