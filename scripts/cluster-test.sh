#!/usr/bin/env bash
# Scale-out tests: three `batchkit serve` replicas behind nginx on loopback (scripts/cluster.py), under
# a bounded fixed-rate load whose every answer is checked: kill -9 failover, SIGTERM drain, rolling
# restart, and spread. Each test runs a few seconds; every process is stopped on exit.
#
# Usage: scripts/cluster-test.sh [seconds-per-test] [requests-per-second]   (default 8, 120)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-8}"
rate="${2:-120}"
scripts/bootstrap.sh
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || {
    echo "cluster-test: installing nginx-light" >&2
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq nginx-light >/dev/null
}

venv=.venv-test
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import numpy' 2>/dev/null || timeout 300 "$venv/bin/pip" install --quiet numpy

# The debug build the test command already made: the tests check behaviour, not speed.
timeout 1800 swift build --product batchkit -Xswiftc -warnings-as-errors
batchkit="$(swift build --show-bin-path)/batchkit"

timeout 600 "$venv/bin/python" Tests/ServerIntegration/test_cluster.py \
    --batchkit "$batchkit" --seconds "$seconds" --rate "$rate"
