#!/usr/bin/env bash
# Installs every Debian 12 package spime needs to build, test and benchmark.
# Idempotent: installs only what is missing. Run as root (or with sudo available).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates
  libcaf-dev            # actors (CAF 0.17)
  libboost-all-dev      # Beast (HTTP), Asio, Boost.Regex
  librocksdb-dev        # storage
  libjemalloc-dev       # the server's allocator
  libssl-dev            # https ruleset urls (OpenSSL)
  nlohmann-json3-dev    # JSON
  libyaml-cpp-dev       # prototypes
  libvalijson-dev       # JSON Schema (channel attribute schemas)
  libcli11-dev          # the spime command line (CLI11, header-only)
  prometheus-cpp-dev    # GET /metrics (its core library only: pkg-config prometheus-cpp-core)
  libspdlog-dev         # log lines, text or JSON
  libmosquitto-dev      # the MQTT bridge's client library (spime serve --mqtt)
  mosquitto             # an MQTT broker for MQTT=1 scripts/run.sh and the tests (own config, loopback)
  mosquitto-clients     # mosquitto_pub / mosquitto_sub, for the tests
  etcd-server           # the cluster's membership and slot table (tests run members of their own on free loopback ports)
  etcd-client           # etcdctl, to look at a cluster's keys by hand
  haproxy               # the cluster's router (scripts/cluster.sh; own config, loopback)
  openssl               # the TLS tests make their certificates with it
  catch2                # tests (Catch2 v2)
  clang-format          # formatting (scripts/check-format.sh)
  clang                 # the sanitizer and fuzz builds (scripts/test-sanitizers.sh, scripts/fuzz.sh)
  libclang-rt-14-dev    # their runtimes: ASan, UBSan, TSan, libFuzzer
  wrk                   # benchmarks
  python3               # scripts/crash-cycles.sh's checks (its standard library only)
  jq                    # the benchmark scripts read JSON summaries
  ccache                # faster rebuilds (optional for CMake, used when present)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
