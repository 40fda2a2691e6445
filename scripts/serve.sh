#!/usr/bin/env bash
# Installs what is missing, builds release, and runs `batchkit serve` (default: the built-in mlp1024 on
# 127.0.0.1:8000). Arguments go to `batchkit serve`, e.g. scripts/serve.sh --model linear256 --port 9000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build -c release --product batchkit
exec "$(swift build -c release --show-bin-path)/batchkit" serve "$@"
