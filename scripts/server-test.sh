#!/usr/bin/env bash
# End-to-end tests of `batchkit serve` on loopback: a real tritonclient[http] client (metadata,
# readiness, binary and JSON infer equal to `batchkit infer`, errors), hostile clients (slow-loris,
# abrupt closes, oversized and malformed bodies), 3x-capacity overload (only 200/429, none dropped),
# and SIGTERM under load (every handled request answered, exit 0). Every step has a timeout; the
# servers are always killed on exit.
#
# Usage: scripts/server-test.sh [overload-seconds]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."

overload_seconds="${1:-20}"
scripts/bootstrap.sh

venv=.venv-test
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import tritonclient.http, numpy' 2>/dev/null; then
    echo "server-test: installing tritonclient[http] and numpy into $venv"
    timeout 300 "$venv/bin/pip" install --quiet 'tritonclient[http]' numpy
fi
py="$venv/bin/python"

echo "== server-test: building batchkit"
timeout 1800 swift build --product batchkit -Xswiftc -warnings-as-errors
batchkit="$(swift build --show-bin-path)/batchkit"

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Starts a server with the given flags on a free port; sets $server_pid and $server_url.
start_server() {
    local log="$1"
    shift
    local port
    port="$(free_port)"
    "$batchkit" serve --host 127.0.0.1 --port "$port" "$@" >"$log" 2>&1 &
    server_pid=$!
    pids+=("$server_pid")
    server_url="127.0.0.1:$port"
    for _ in $(seq 1 300); do
        if curl -fsS --max-time 1 "http://$server_url/v2/health/ready" >/dev/null 2>&1; then return 0; fi
        if ! kill -0 "$server_pid" 2>/dev/null; then
            echo "server-test: the server exited while starting:" >&2
            cat "$log" >&2
            return 1
        fi
        sleep 0.2
    done
    echo "server-test: the server was not ready within 60 s" >&2
    cat "$log" >&2
    return 1
}

# Sends SIGTERM (unless already sent) and checks the server exits 0 within the drain bound.
stop_server() {
    local pid="$1" sent="${2:-}"
    [ -n "$sent" ] || kill -TERM "$pid"
    for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "server-test: FAIL the server did not exit within 30 s of SIGTERM" >&2
        return 1
    fi
    local status=0
    wait "$pid" || status=$?
    if [ "$status" -ne 0 ]; then
        echo "server-test: FAIL the server exited with status $status after SIGTERM" >&2
        return 1
    fi
    echo "server-test: server $pid exited 0 after SIGTERM"
}

echo "== server-test: tritonclient against batchkit serve (mlp1024, linear256)"
start_server "$work/server.log" --model mlp1024 --model linear256 --max-queue-size 64 --drain-timeout 5
SERVER_URL="$server_url" BATCHKIT="$batchkit" WORK_DIR="$work" timeout 600 "$py" Tests/ServerIntegration/test_tritonclient.py

echo "== server-test: hostile clients"
timeout 180 "$py" Tests/ServerIntegration/load.py hostile "$server_url"

echo "== server-test: overload at 3x capacity for ${overload_seconds} s"
# 64 rows per request, so the server's compute, not this Python client, is what saturates.
LOAD_ROWS=64 timeout $((overload_seconds + 180)) "$py" Tests/ServerIntegration/load.py overload "$server_url" "$overload_seconds" "$server_pid"
stop_server "$server_pid"

echo "== server-test: SIGTERM under load"
start_server "$work/drain.log" --model mlp1024 --log-level debug --drain-timeout 10
timeout 120 "$py" Tests/ServerIntegration/load.py drain "$server_url" "$server_pid" "$work/drain.log"
stop_server "$server_pid" sent
grep -q "draining" "$work/drain.log" || { echo "server-test: FAIL no drain in the log" >&2; exit 1; }

echo "server-test: all passed"
