#!/usr/bin/env bash
# The run command: installs what is missing, builds, and starts spime.
# Until the pico runtime lands, "starting" means checking the shipped rulesets
# and evaluating a sample expression with the `spime krl` commands.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
BIN="${BUILD_DIR:-build}/spime"
echo "== spime krl check rulesets/*.krl"
"$BIN" krl check rulesets/*.krl
echo "== spime krl eval"
"$BIN" krl eval '[72, "78.8", 91.5].filter(function(t){ t > 75 }).map(function(t){ t.as("Number") })'
