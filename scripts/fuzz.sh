#!/usr/bin/env bash
# scripts/fuzz.sh [TARGET] [SECONDS]: runs the libFuzzer targets of
# tests/fuzz/ (RELIABILITY.md "Fuzzing") longer than CTest's 20 s, one after
# the other, and prints the executions of each (libFuzzer's final stats).
#
#   TARGET   one of tests/fuzz/CMakeLists.txt's SPIME_FUZZ_TARGETS, or "all" (default)
#   SECONDS  per target (default 300)
#
# Builds build-asan (clang, ASan+UBSan, libFuzzer; the tree
# scripts/test-sanitizers.sh uses) when needed. New inputs go to
# build-asan/tests/fuzz/work/<target>/ and persist there between runs; a
# crash's input goes to build-asan/tests/fuzz/artifacts/ (add it under
# tests/fuzz/regressions/<target>/ once fixed). Exits non-zero when a
# target crashed. Environment: BUILD_DIR (build-asan), JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${1:-all}"
SECONDS_EACH="${2:-300}"
BUILD_DIR="${BUILD_DIR:-build-asan}"
JOBS="${JOBS:-2}"
TARGETS=(krl_compile krl_eval attributes http_routes channel_policy cron prototype_yaml cli_args)
if [ "$TARGET" != all ]; then
  if [[ ! " ${TARGETS[*]} " == *" $TARGET "* ]]; then
    echo "fuzz.sh: unknown target '$TARGET' (one of: ${TARGETS[*]})" >&2
    exit 2
  fi
  TARGETS=("$TARGET")
fi

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
    -DSPIME_SANITIZE=address,undefined -DSPIME_FUZZ=ON
fi
cmake --build "$BUILD_DIR" -j "$JOBS" --target "${TARGETS[@]/#/fuzz_}"

shared_rulesets=../shared/reference/test-rulesets
seeds() {
  case "$1" in
    krl_compile) echo rulesets; [ -d "$shared_rulesets" ] && echo "$shared_rulesets" ;;
    prototype_yaml) echo prototypes ;;
    channel_policy) echo rulesets/schemas ;;
  esac
  return 0
}

failed=0
summary=()
for t in "${TARGETS[@]}"; do
  work="$BUILD_DIR/tests/fuzz/work/$t"
  mkdir -p "$work" "$BUILD_DIR/tests/fuzz/artifacts"
  log="$BUILD_DIR/tests/fuzz/$t.log"
  echo "== fuzz_$t for ${SECONDS_EACH}s (log: $log)"
  rc=0
  # shellcheck disable=SC2046
  "$BUILD_DIR/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$BUILD_DIR/tests/fuzz/artifacts/$t-" \
    "$work" "tests/fuzz/corpus/$t" $(seeds "$t") >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(find "$work" -type f | wc -l)
  if [ "$rc" -ne 0 ]; then
    failed=1
    summary+=("$(printf '%-15s CRASHED (exit %s): see %s' "$t" "$rc" "$log")")
  else
    summary+=("$(printf '%-15s %12s execs %8s/s  corpus %s' "$t" "${execs:-?}" "${rate:-?}" "$corpus")")
  fi
done
echo
echo "target          executions   per second  work corpus (${SECONDS_EACH}s each)"
printf '%s\n' "${summary[@]}"
exit "$failed"
