#!/usr/bin/env bash
# scripts/test-sanitizers.sh: the test suite under sanitizers (RELIABILITY.md
# "Sanitizers"), called by .ci/run after scripts/test.sh. Three parts, each
# can be chosen with SUITES (default "asan tsan fuzz"):
#
#   asan  build-asan: clang, ASan + UBSan (-fno-sanitize-recover: any finding
#         fails the test), libFuzzer coverage, -Wthread-safety as errors
#         (engine/base/thread_annotations.h). Builds the spime binary, the
#         fuzz targets and the engine's test executables: test_krl,
#         test_store, test_runtime, test_channels, test_integration (a real
#         `spime serve`, itself under ASan, with concurrent clients) and
#         test_faults; runs their tests. Not test_cli, test_devices,
#         test_mqtt, test_browser: client tools and the page, whose code
#         paths in the engine the integration tests cover (ASAN_ALL=1 builds
#         and runs them too).
#   tsan  build-tsan: clang, TSan (tests/tsan.supp: CAF's and RocksDB's
#         internals only). Builds and runs the concurrency-heavy unit
#         executables: test_store (the committer) and test_runtime (actors,
#         timers, the outbox, streams, the I/O pool, with threads of their
#         own). TSAN_INTEGRATION=1 adds test_integration (a real `spime
#         serve`, built with TSan, under concurrent clients), which costs a
#         TSan build of the HTTP server, the CLI and the MQTT bridge.
#   fuzz  the `fuzz` label in build-asan: each target's regression inputs,
#         then FUZZ_SECONDS (default 10) of fuzzing per target.
#
# Budget: .ci/run stays under 60 minutes on a 2-core machine; RELIABILITY.md
# records the measured time of each part. ccache helps reruns.
# Environment: JOBS (nproc), SUITES, ASAN_ALL, TSAN_INTEGRATION, FUZZ_SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-$(nproc)}"
SUITES="${SUITES:-asan tsan fuzz}"
FUZZ_SECONDS="${FUZZ_SECONDS:-10}"
ROOT="$(pwd)"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-suppressions=$ROOT/tests/tsan.supp:halt_on_error=1:second_deadlock_stack=1:history_size=4}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}"

configure() {  # configure DIR SANITIZE FUZZ
  if [ ! -f "$1/build.ninja" ]; then
    cmake -S . -B "$1" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
      -DSPIME_SANITIZE="$2" -DSPIME_FUZZ="$3" -DSPIME_FUZZ_SECONDS="$FUZZ_SECONDS"
  else
    cmake "$1" -DSPIME_FUZZ_SECONDS="$FUZZ_SECONDS" >/dev/null
  fi
}

step() { echo; echo "== test-sanitizers: $* ($(date -u +%H:%M:%S))"; }

asan_targets=(spime test_krl test_store test_runtime test_channels test_integration test_faults)
asan_tests='^(krl|store|runtime|channels|integration|faults): '
if [ "${ASAN_ALL:-0}" = 1 ]; then
  asan_targets=(all)
  asan_tests='.'
fi
tsan_targets=(test_store test_runtime)
tsan_tests='^(store|runtime): '
if [ "${TSAN_INTEGRATION:-0}" = 1 ]; then
  tsan_targets+=(spime test_integration)
  tsan_tests='^(store|runtime|integration): '
fi

started=$SECONDS
lap() { echo "== test-sanitizers: $1 took $(( (SECONDS - $2) / 60 )) min $(( (SECONDS - $2) % 60 )) s"; }
if [[ " $SUITES " == *" asan "* || " $SUITES " == *" fuzz "* ]]; then
  step "build-asan (ASan+UBSan, libFuzzer, -Wthread-safety): ${asan_targets[*]} and the fuzz targets"
  t=$SECONDS
  configure build-asan address,undefined ON
  cmake --build build-asan -j "$JOBS" --target "${asan_targets[@]}" fuzz_targets
  lap build-asan "$t"
fi
if [[ " $SUITES " == *" asan "* ]]; then
  step "ASan+UBSan suite"
  t=$SECONDS
  (cd build-asan && ctest --output-on-failure -j "$JOBS" --timeout 900 -LE fuzz -R "$asan_tests" -E '^browser: ')
  lap "ASan+UBSan suite" "$t"
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
