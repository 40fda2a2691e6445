#!/usr/bin/env bash
# Installs what is missing, builds the release CLI, and runs `batchkit bench` (arguments are passed on).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build -c release --product batchkit
exec .build/release/batchkit bench "$@"
