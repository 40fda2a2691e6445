#!/usr/bin/env bash
# Replicas of `batchkit serve` behind nginx on loopback; see scripts/cluster.py --help.
# Installs nginx if missing and builds batchkit (release) unless --batchkit names a binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
if [[ " $* " != *" --batchkit "* ]]; then
    swift build -c release --product batchkit >&2
fi
exec python3 scripts/cluster.py "$@"
