#!/usr/bin/env bash
# scripts/test-sanitizers.sh: the tests under sanitizers (RELIABILITY.md
# "Sanitizers"), called by .ci/run after scripts/test.sh. Three parts, each
# can be chosen with SUITES (default "asan tsan fuzz"):
#
#   asan  build-asan: clang, ASan + UBSan (-fno-sanitize-recover: any finding
#         stops the process), libFuzzer coverage, -Wthread-safety as errors
#         (engine/base/thread_annotations.h). Builds the spime binary and the
#         fuzz targets. Then every test that runs a real `spime` (the
#         integration, cli, devices, mqtt and faults suites, and krl's
#         check tests: about 300 tests, concurrent clients among them)
#         runs from the GCC tree (build/, which scripts/test.sh built) with
#         SPIME_TEST_BINARY=build-asan/spime (tests/spime_binary.h): the same
#         tests, against the engine built with ASan+UBSan. Every report any
#         such process writes (ASan, UBSan: log_path) fails the part, even
#         when the test that caused it passed, leaks included (each
#         process checks its own at exit). ASAN_ALL=1 also
#         builds and runs every test executable under ASan (in-process unit
#         tests included).
#   tsan  build-tsan: clang, TSan (tests/tsan.supp: CAF's and RocksDB's
#         internals only). Builds and runs the concurrency-heavy in-process
#         executables: test_store (the committer), test_runtime (actors,
#         timers, the outbox, streams, the I/O pool), test_channels (the
#         HTTP server's threads under concurrent clients) and test_cluster
#         (the membership loop beside the slot table's readers, against
#         real etcd members). TSAN_INTEGRATION=1
#         adds test_integration against a TSan `spime serve`.
#   fuzz  the `fuzz` label in build-asan: each target's regression inputs,
#         then FUZZ_SECONDS (default 10) of fuzzing per target.
#
# The sanitizer trees build with -O1 and line tables only (no full debug
# info: reports still name file:line), SANITIZER_FLAGS to change it.
# Budget: .ci/run stays under 60 minutes on a 2-core machine; RELIABILITY.md
# records the measured time of each part. ccache helps reruns.
# Environment: JOBS (nproc), SUITES, ASAN_ALL, TSAN_INTEGRATION, FUZZ_SECONDS,
# SANITIZER_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-$(nproc)}"
SUITES="${SUITES:-asan tsan fuzz}"
FUZZ_SECONDS="${FUZZ_SECONDS:-10}"
SANITIZER_FLAGS="${SANITIZER_FLAGS:--O1 -gline-tables-only}"
ROOT="$(pwd)"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-suppressions=$ROOT/tests/tsan.supp:halt_on_error=1:second_deadlock_stack=1:history_size=4}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}"

configure() {  # configure DIR SANITIZE FUZZ
  if [ ! -f "$1/build.ninja" ]; then
    cmake -S . -B "$1" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="$SANITIZER_FLAGS" \
      -DSPIME_SANITIZE="$2" -DSPIME_FUZZ="$3" -DSPIME_FUZZ_SECONDS="$FUZZ_SECONDS"
  else
    cmake "$1" -DSPIME_FUZZ_SECONDS="$FUZZ_SECONDS" >/dev/null
  fi
}

step() { echo; echo "== test-sanitizers: $* ($(date -u +%H:%M:%S))"; }

# What a sanitized process reports goes to files under REPORTS: any file there fails the run.
REPORTS="$ROOT/build-asan/reports"
asan_targets=(spime fuzz_targets)
asan_build_tree=build
asan_tests='^(integration|cli|devices|mqtt|faults):|^krl:check'
if [ "${ASAN_ALL:-0}" = 1 ]; then
  asan_targets=(all)
  asan_build_tree=build-asan
  asan_tests='.'
fi
tsan_targets=(test_store test_runtime test_channels test_cluster)
tsan_tests='^(store|runtime|channels|cluster):'
if [ "${TSAN_INTEGRATION:-0}" = 1 ]; then
  tsan_targets+=(spime test_integration)
  tsan_tests='^(store|runtime|channels|cluster|integration):'
fi

started=$SECONDS
lap() { echo "== test-sanitizers: $1 took $(( (SECONDS - $2) / 60 )) min $(( (SECONDS - $2) % 60 )) s"; }
if [[ " $SUITES " == *" asan "* || " $SUITES " == *" fuzz "* ]]; then
  step "build-asan (ASan+UBSan, libFuzzer, -Wthread-safety): ${asan_targets[*]}"
  t=$SECONDS
  configure build-asan address,undefined ON
  cmake --build build-asan -j "$JOBS" --target "${asan_targets[@]}"
  lap build-asan "$t"
fi
if [[ " $SUITES " == *" asan "* ]]; then
  if [ "$asan_build_tree" = build ] && [ ! -f build/build.ninja ]; then
    echo "test-sanitizers: build/ is missing: run scripts/test.sh first" >&2
    exit 1
  fi
  step "ASan+UBSan: the tests of $asan_build_tree/ against build-asan/spime"
  t=$SECONDS
  rm -rf "$REPORTS"
  mkdir -p "$REPORTS"
  status=0
  (cd "$asan_build_tree" &&
    SPIME_TEST_BINARY="$ROOT/build-asan/spime" \
    ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$REPORTS/asan" \
    UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$REPORTS/ubsan" \
    ctest --output-on-failure -j "$JOBS" --timeout 900 -LE fuzz -R "$asan_tests" -E '^browser:') ||
    status=$?
  if compgen -G "$REPORTS/*" >/dev/null; then
    echo "test-sanitizers: sanitizer reports from the ASan+UBSan part:" >&2
    for f in "$REPORTS"/*; do
      echo "---- $f" >&2
      head -n 60 "$f" >&2
    done
    status=1
  fi
  lap "ASan+UBSan suite" "$t"
  [ "$status" = 0 ] || exit "$status"
fi
if [[ " $SUITES " == *" tsan "* ]]; then
  step "build-tsan (TSan): ${tsan_targets[*]}"
  t=$SECONDS
  configure build-tsan thread OFF
  cmake --build build-tsan -j "$JOBS" --target "${tsan_targets[@]}"
  lap build-tsan "$t"
  step "TSan suite"
  t=$SECONDS
  (cd build-tsan && ctest --output-on-failure -j "$JOBS" --timeout 900 -R "$tsan_tests")
  lap "TSan suite" "$t"
fi
if [[ " $SUITES " == *" fuzz "* ]]; then
  step "fuzz label"
  t=$SECONDS
  (cd build-asan && ctest --output-on-failure -j "$JOBS" --timeout 300 -L fuzz)
  lap "fuzz label" "$t"
fi
step "done in $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"
