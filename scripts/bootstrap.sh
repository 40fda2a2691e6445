#!/usr/bin/env bash
# Installs the system packages the build needs (and any named as arguments), if they are missing. Idempotent; needs root or sudo.
set -euo pipefail

need=()
dpkg -s libopenblas-dev >/dev/null 2>&1 || need+=(libopenblas-dev)
dpkg -s liblapacke-dev >/dev/null 2>&1 || need+=(liblapacke-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
# For scripts/server-test.sh: curl polls readiness, and the tritonclient test runs in a virtualenv.
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v python3 >/dev/null 2>&1 || need+=(python3)
python3 -m venv --help >/dev/null 2>&1 || need+=(python3-venv)
# Further Debian packages a script asks for by name (valgrind for scripts/instructions.sh, say).
for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || need+=("$package")
done

if [ ${#need[@]} -gt 0 ]; then
    echo "bootstrap: installing ${need[*]}" >&2
    sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "bootstrap: run as root or install sudo" >&2; exit 1; }
        sudo_cmd=(sudo)
    fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi

command -v swift >/dev/null 2>&1 || { echo "bootstrap: Swift 6.1 or later must be on PATH" >&2; exit 1; }
