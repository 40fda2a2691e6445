#!/usr/bin/env bash
# Installs what is missing, builds everything with warnings as errors, and runs the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build "$@"
