#!/usr/bin/env bash
# Installs what the dashboard's browser test needs (tests/browser/): Debian's
# chromium, nodejs and npm when their commands are missing, then
# puppeteer-core as tests/browser/package-lock.json pins it (npm ci into
# tests/browser/node_modules). Idempotent: installs only what is missing, and
# runs npm ci only when node_modules is missing or older than the lock file.
# Run as root (or with sudo available).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BROWSER_DIR="$ROOT/tests/browser"
# What is missing is told by the commands, not by the packages: a node from
# elsewhere (NodeSource's nodejs bundles npm) is as good as Debian's.
missing=()
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "install-browser: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-browser: chromium, node and npm present"
fi

STAMP="$BROWSER_DIR/node_modules/.package-lock.json"
if [ ! -f "$STAMP" ] || [ "$BROWSER_DIR/package-lock.json" -nt "$STAMP" ]; then
  echo "install-browser: npm ci in tests/browser"
  (cd "$BROWSER_DIR" && npm ci --no-audit --no-fund)
else
  echo "install-browser: tests/browser/node_modules is up to date"
fi
