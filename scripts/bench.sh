#!/usr/bin/env bash
# Installs what is missing, builds the release benchmark CLI, and runs `batchkit-bench bench` (arguments are
# passed on).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build -c release --product batchkit-bench
exec .build/release/batchkit-bench bench "$@"
