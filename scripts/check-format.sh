#!/usr/bin/env bash
# scripts/check-format.sh: fails when a tracked C++ file (.h .hpp .cpp .cc)
# differs from clang-format's output with the root .clang-format; prints
# clang-format's complaints. Vendored code (any path with vendor/,
# third_party/ or node_modules/) is left out. Called by .ci/run.
# To fix: clang-format -i FILE... (the same clang-format: Debian 12's, 14).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -- '*.h' '*.hpp' '*.cpp' '*.cc' |
  grep -vE '(^|/)(vendor|third_party|node_modules)/')
if [ ${#files[@]} -eq 0 ]; then
  echo "check-format: no C++ files" >&2
  exit 1
fi
if clang-format --dry-run -Werror "${files[@]}"; then
  echo "check-format: ${#files[@]} files formatted ($(clang-format --version))"
else
  echo "check-format: files above are not formatted: clang-format -i FILE..." >&2
  exit 1
fi
