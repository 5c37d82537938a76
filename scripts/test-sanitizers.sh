#!/usr/bin/env bash
# scripts/test-sanitizers.sh: the test suite under sanitizers (RELIABILITY.md
# "Sanitizers"), called by .ci/run after scripts/test.sh. Three parts, each
# can be chosen with SUITES (default "asan tsan fuzz"):
#
#   asan  build-asan: clang, ASan + UBSan (-fno-sanitize-recover: any finding
#         fails the test), libFuzzer coverage, -Wthread-safety as errors
#         (engine/base/thread_annotations.h). Runs the whole CTest suite but
#         the fuzz label and the browser test (headless Chromium driving the
#         dashboard: it tests the page, not our memory, and is the slowest).
#   tsan  build-tsan: clang, TSan (tests/tsan.supp: CAF's and RocksDB's
#         internals only). Builds and runs only the concurrency-heavy
#         executables: test_store (the committer), test_runtime (actors,
#         timers, outbox, streams) and test_integration (a real `spime serve`,
#         itself under TSan, with concurrent clients). Not test_krl,
#         test_channels, test_cli, test_devices, test_mqtt, test_browser:
#         single-threaded code or client tools; the ASan suite runs them.
#   fuzz  the `fuzz` label in build-asan: each target's regression inputs,
#         then 20 s of fuzzing per target (tests/fuzz/CMakeLists.txt).
#
# Budget: .ci/run stays under 60 minutes on a 2-core machine; scripts/test.sh
# takes about 17 of them from a clean clone, so this script should take
# about 30. RELIABILITY.md records its measured time. ccache helps reruns.
# Environment: JOBS (nproc), SUITES.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-$(nproc)}"
SUITES="${SUITES:-asan tsan fuzz}"
ROOT="$(pwd)"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-suppressions=$ROOT/tests/tsan.supp:halt_on_error=1:second_deadlock_stack=1:history_size=4}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}"

configure() {  # configure DIR SANITIZE FUZZ
  if [ ! -f "$1/build.ninja" ]; then
    cmake -S . -B "$1" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
      -DSPIME_SANITIZE="$2" -DSPIME_FUZZ="$3"
  fi
}

step() { echo; echo "== test-sanitizers: $* ($(date -u +%H:%M:%S))"; }

started=$SECONDS
if [[ " $SUITES " == *" asan "* || " $SUITES " == *" fuzz "* ]]; then
  step "build-asan (ASan+UBSan, libFuzzer, -Wthread-safety)"
  configure build-asan address,undefined ON
  cmake --build build-asan -j "$JOBS"
fi
if [[ " $SUITES " == *" asan "* ]]; then
  step "ASan+UBSan suite"
  (cd build-asan && ctest --output-on-failure -j "$JOBS" --timeout 900 -LE fuzz -E '^browser: ')
fi
if [[ " $SUITES " == *" tsan "* ]]; then
  step "build-tsan (TSan): spime, test_store, test_runtime, test_integration"
  configure build-tsan thread OFF
  cmake --build build-tsan -j "$JOBS" --target spime test_store test_runtime test_integration
  step "TSan suite"
  (cd build-tsan && ctest --output-on-failure -j "$JOBS" --timeout 900 -R '^(store|runtime|integration): ')
fi
if [[ " $SUITES " == *" fuzz "* ]]; then
  step "fuzz label"
  (cd build-asan && ctest --output-on-failure -j "$JOBS" --timeout 300 -L fuzz)
fi
step "done in $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"
