#!/usr/bin/env bash
# `batchkit serve` against MLServer on the same two models, the same client, on loopback (issue 18,
# "Measured, side by side"). Installs what is missing (wrk from Debian; MLServer, NumPy and safetensors in
# the git-ignored .venv-bench/), writes the models and request bodies, then for each model starts each
# server on a free loopback port, waits until it is ready, loads it and stops it:
#   - closed loop: wrk + scripts/bench/infer.lua posting one fixed body at 1, 16, 64, 256 connections:
#     batchkit with binary-extension bodies and with JSON bodies, MLServer with JSON bodies (it answers
#     binary ones with 500 or 422), and batchkit's trivial route (GET, same server, same connections);
#   - open loop: scripts/bench/openloop.py at fixed rates (fractions of each server's own 64-connection
#     capacity, and MLServer's rates again for batchkit), latency from the intended send time.
# Results: bench-out/serve-bench-<UTC time>/{points.jsonl,machine.json,results.json,report.md}; the
# report is printed at the end. Everything it starts runs in its own process group and is killed on exit.
#
# Usage: scripts/serve-bench.sh [options]
#   --quick                 smoke test: 3 s per point, linear256 only, 1 and 64 connections, one rate
#                           (other flags still apply, e.g. --quick --models mlp1024)
#   --duration S            seconds per closed-loop point (default 10)
#   --openloop-duration S   seconds per open-loop rate (default 10)
#   --models LIST           default linear256,mlp1024
#   --connections LIST      default 1,16,64,256
#   --servers LIST          default batchkit,mlserver
#   --batchkit PATH         batchkit binary with a `serve` command (also $BATCHKIT); default: build this
#                           checkout's release binary
#   --batchkit-args "ARGS"  extra `batchkit serve` flags, e.g. "--max-batch-size 256 --workers 2"
#   --trivial-path PATH     batchkit's trivial route (default /v2/health/live)
#   --rows K                rows per request (default 1)
#   --rates auto|R1,R2,...  open-loop rates in requests/s (default auto: fractions of capacity)
#   --openloop-connections N  open-loop connection pool (default 64)
#   --openloop-max-rate R   cap on auto rates (default 10000/s: one Python generator kept 5000/s on a busy
#                           2-core guest; raise it while the report's generator CPU column stays < 70 %)
#   --no-openloop           closed loop only
#   --mls-max-batch-size N  MLServer adaptive batching (default 64)
#   --mls-max-batch-time S  seconds (default 0.01)
#   --mls-offload           MLServer runtime runs NumPy in a thread (see scripts/bench/mlserver_runtime.py)
#   --mls-blas-threads N    OPENBLAS_NUM_THREADS for MLServer's NumPy (default 1: on 2 shared cores NumPy's
#                           threaded OpenBLAS was 10x slower at batch 64; the sweep also tries all cores)
#   --mls-tune / --no-mls-tune  sweep MLServer's max_batch_size x max_batch_time at 64 connections per
#                           model first (5 s points; its docs say to find these by experiment) and use the
#                           setting with the most requests/s; default on, off with --quick
#   --wrk-threads N         wrk threads (default 1, capped by connections)
#   --out DIR               output folder (default bench-out/serve-bench-<UTC time>)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH=$ROOT/scripts/bench

DURATION=10
OL_DURATION=10
MODELS=linear256,mlp1024
CONNS=1,16,64,256
SERVERS=batchkit,mlserver
BATCHKIT_BIN=${BATCHKIT:-}
BATCHKIT_ARGS=""
TRIVIAL_PATH=/v2/health/live
ROWS=1
RATES=auto
RATE_FRACTIONS=0.25,0.5,0.75,0.9
OL_CONNS=64
OL_MAX_RATE=10000
OPENLOOP=1
MLS_MBS=64
MLS_MBT=0.01
MLS_OFFLOAD=false
MLS_BLAS_THREADS=1
MLS_TUNE=default
WRK_THREADS=1
OUT=""
QUICK=0

die() { echo "serve-bench: $*" >&2; exit 1; }
# --quick sets the smoke-test shape first; any other flag, wherever it stands, overrides it.
for arg in "$@"; do
    if [ "$arg" = --quick ]; then
        QUICK=1; DURATION=3; OL_DURATION=3; MODELS=linear256; CONNS=1,64; RATE_FRACTIONS=0.5
    fi
done
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) ;;
        --duration) DURATION=$2; shift ;;
        --openloop-duration) OL_DURATION=$2; shift ;;
        --models) MODELS=$2; shift ;;
        --connections) CONNS=$2; shift ;;
        --servers) SERVERS=$2; shift ;;
        --batchkit) BATCHKIT_BIN=$2; shift ;;
        --batchkit-args) BATCHKIT_ARGS=$2; shift ;;
        --trivial-path) TRIVIAL_PATH=$2; shift ;;
        --rows) ROWS=$2; shift ;;
        --rates) RATES=$2; shift ;;
        --openloop-connections) OL_CONNS=$2; shift ;;
        --openloop-max-rate) OL_MAX_RATE=$2; shift ;;
        --no-openloop) OPENLOOP=0 ;;
        --mls-max-batch-size) MLS_MBS=$2; shift ;;
        --mls-max-batch-time) MLS_MBT=$2; shift ;;
        --mls-offload) MLS_OFFLOAD=true ;;
        --mls-blas-threads) MLS_BLAS_THREADS=$2; shift ;;
        --mls-tune) MLS_TUNE=1 ;;
        --no-mls-tune) MLS_TUNE=0 ;;
        --wrk-threads) WRK_THREADS=$2; shift ;;
        --out) OUT=$2; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done
TUNE_SIZES="8 32 64 128"
TUNE_TIMES="0.001 0.005 0.02 0.05"
if [ "$MLS_TUNE" = default ]; then
    if [ "$QUICK" = 1 ]; then MLS_TUNE=0; else MLS_TUNE=1; fi
elif [ "$MLS_TUNE" = 1 ] && [ "$QUICK" = 1 ]; then
    TUNE_SIZES="8 64"; TUNE_TIMES="0.002 0.01"
fi
has() { case ",$1," in *",$2,"*) return 0 ;; *) return 1 ;; esac; }

# ---------------------------------------------------------------- processes and cleanup
PGIDS=()
LOAD_PID=""
cleanup() {
    local pg
    [ -z "$LOAD_PID" ] || kill -TERM "$LOAD_PID" 2>/dev/null || true
    for pg in "${PGIDS[@]:-}"; do
        [ -n "$pg" ] || continue
        kill -TERM -- "-$pg" 2>/dev/null || true
    done
    for pg in "${PGIDS[@]:-}"; do
        [ -n "$pg" ] || continue
        for _ in $(seq 50); do kill -0 -- "-$pg" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$pg" 2>/dev/null || true
    done
    PGIDS=()
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs "$@" (a bounded load client) in the background and waits, so a signal's trap runs at once.
run_load() {
    "$@" &
    LOAD_PID=$!
    local rc=0
    wait "$LOAD_PID" || rc=$?
    LOAD_PID=""
    return $rc
}

# Runs "$@" in a new process group (setsid execs it, so its pid is the group id) with output to $LOG.
SERVER_PID=""
start_group() {
    local log=$1; shift
    setsid "$@" >"$log" 2>&1 </dev/null &
    SERVER_PID=$!
    PGIDS+=("$SERVER_PID")
}
stop_group() {
    local pg=$1 i
    kill -TERM -- "-$pg" 2>/dev/null || true
    for i in $(seq 100); do kill -0 -- "-$pg" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pg" 2>/dev/null || true
    wait "$pg" 2>/dev/null || true
    local kept=() p
    for p in "${PGIDS[@]}"; do [ "$p" = "$pg" ] || kept+=("$p"); done
    PGIDS=("${kept[@]:-}")
}
# Polls URL until it answers 200, for at most $2 seconds, failing early if process $3 died.
wait_ready() {
    local url=$1 limit=$2 pid=$3 deadline=$((SECONDS + $2))
    while [ $SECONDS -lt $deadline ]; do
        kill -0 "$pid" 2>/dev/null || return 1
        [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" || true)" = 200 ] && return 0
        sleep 0.3
    done
    return 1
}
# N distinct free loopback ports (held open together while picked, so they differ), excluding $2.
free_ports() {
    "$PY" - "$1" "${2:-0}" <<'EOF'
import socket, sys
held, ports = [], []
while len(ports) < int(sys.argv[1]):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); held.append(s)
    port = s.getsockname()[1]
    if port != int(sys.argv[2]): ports.append(port)
print(" ".join(map(str, ports)))
EOF
}
free_port() { free_ports 1; }

# ---------------------------------------------------------------- installs
SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
if ! command -v wrk >/dev/null 2>&1; then
    echo "serve-bench: installing wrk" >&2
    timeout 300 "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 600 "${SUDO[@]}" apt-get install -y -qq wrk >/dev/null
fi
command -v curl >/dev/null 2>&1 || {
    timeout 300 "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 600 "${SUDO[@]}" apt-get install -y -qq curl >/dev/null
}
VENV=$ROOT/.venv-bench
PY=$VENV/bin/python
if ! "$PY" -c 'import mlserver, numpy, safetensors, sys; sys.exit(not mlserver.__version__.startswith("1.7."))' 2>/dev/null; then
    echo "serve-bench: creating $VENV with mlserver 1.7, numpy, safetensors (about a minute)" >&2
    "${PYTHON:-python3}" -m venv "$VENV"
    timeout 900 "$VENV/bin/pip" install -q --disable-pip-version-check 'mlserver>=1.7,<1.8' numpy safetensors
fi

# ---------------------------------------------------------------- batchkit binary
if has "$SERVERS" batchkit; then
    if [ -z "$BATCHKIT_BIN" ]; then
        scripts/bootstrap.sh
        echo "serve-bench: building batchkit (release)" >&2
        swift build -c release --product batchkit >&2
        BATCHKIT_BIN=$ROOT/.build/release/batchkit
    fi
    [ -x "$BATCHKIT_BIN" ] || die "no batchkit binary at $BATCHKIT_BIN"
    timeout 20 "$BATCHKIT_BIN" serve --help >/dev/null 2>&1 ||
        die "$BATCHKIT_BIN has no working 'serve' command; pass --batchkit PATH or --servers mlserver"
fi

# ---------------------------------------------------------------- output, models, machine facts
[ -n "$OUT" ] || OUT=$ROOT/bench-out/serve-bench-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$OUT/work
mkdir -p "$WORK"
POINTS=$OUT/points.jsonl
: >"$POINTS"
"$PY" "$BENCH/make_models.py" "$WORK" --rows "$ROWS" --models "$MODELS"

"$PY" - "$OUT/machine.json" "$BATCHKIT_BIN" <<'EOF'
import ctypes, json, os, platform, re, subprocess, sys
info = {"cpu_model": None, "logical_cpus": os.cpu_count(), "avx2": False, "avx512f": False}
with open("/proc/cpuinfo") as f:
    text = f.read()
m = re.search(r"^model name\s*:\s*(.*)$", text, re.M)
info["cpu_model"] = m.group(1).strip() if m else platform.processor()
flags = set(re.search(r"^flags\s*:\s*(.*)$", text, re.M).group(1).split()) if "flags" in text else set()
info["avx2"], info["avx512f"] = "avx2" in flags, "avx512f" in flags
with open("/proc/loadavg") as f:
    info["loadavg_at_start"] = f.read().split()[:3]
try:
    lib = ctypes.CDLL("libopenblas.so.0")
    lib.openblas_get_corename.restype = ctypes.c_char_p
    info["openblas_core_system"] = lib.openblas_get_corename().decode()
except OSError:
    info["openblas_core_system"] = None
err = subprocess.run([sys.executable, "-c", "import numpy"], env={**os.environ, "OPENBLAS_VERBOSE": "2"},
                     capture_output=True, text=True)
m = re.search(r"Core:\s*(\S+)", err.stdout + err.stderr)
info["openblas_core_numpy"] = m.group(1) if m else None
import mlserver, numpy
info["mlserver"], info["numpy"], info["python"] = mlserver.__version__, numpy.__version__, platform.python_version()
info["wrk"] = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0].strip()
info["batchkit"] = sys.argv[2] or None
info["OPENBLAS_NUM_THREADS_for_batchkit"] = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
json.dump(info, open(sys.argv[1], "w"), indent=1)
EOF

# ---------------------------------------------------------------- load runners
# One wrk point: server variant model conns url [body kind hlen]; appends a JSON line to $POINTS.
run_wrk() {
    local server=$1 variant=$2 model=$3 conns=$4 url=$5 body=${6:-} kind=${7:-} hlen=${8:-}
    local threads=$WRK_THREADS
    [ "$threads" -le "$conns" ] || threads=$conns
    local log=$WORK/wrk-$server-$variant-$model-$conns.log
    BODY_FILE=$body BODY_KIND=$kind HEADER_LEN=$hlen \
        run_load timeout -k 5 $((DURATION + 60)) wrk -t "$threads" -c "$conns" -d "${DURATION}s" --timeout 10s \
        -s "$BENCH/infer.lua" "$url" >"$log" 2>&1 || true
    local json
    json=$(sed -n 's/^SERVEBENCH_JSON //p' "$log" | tail -1)
    if [ -z "$json" ]; then
        echo "serve-bench: wrk gave no result for $server $variant $model c=$conns (see $log)" >&2
        return 0
    fi
    echo "{\"kind\":\"closed\",\"server\":\"$server\",\"variant\":\"$variant\",\"model\":\"$model\",\"rows\":$ROWS,\"connections\":$conns,\"wrk\":$json}" >>"$POINTS"
    "$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); w=d["wrk"]; s=w["duration_us"]/1e6; e=sum(w["errors"].values())
print("  %-8s %-7s %-9s c=%-4d %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms%s" % (d["server"], d["variant"], d["model"], d["connections"],
      (w["requests"]-w["errors"]["status"])/s, w["latency_us"]["p50"]/1e3, w["latency_us"]["p99"]/1e3, "  errors %s" % w["errors"] if e else ""))' \
        "$(tail -1 "$POINTS")" >&2
    sleep 1
}

# One open-loop point: server variant model rate url [body kind hlen]
run_open() {
    local server=$1 variant=$2 model=$3 rate=$4 url=$5 body=${6:-} kind=${7:-json} hlen=${8:-0}
    local log=$WORK/open-$server-$variant-$model-$rate.log json
    local args=(--url "$url" --rate "$rate" --duration "$OL_DURATION" --connections "$OL_CONNS"
        --warmup "$("$PY" -c "print(min(1.0, $OL_DURATION / 5))")")
    [ -z "$body" ] || args+=(--body "$body" --kind "$kind" --header-len "$hlen")
    run_load timeout -k 5 $((${OL_DURATION%.*} + 60)) "$PY" "$BENCH/openloop.py" "${args[@]}" \
        >"$log.json" 2>"$log" || true
    json=$(tail -1 "$log.json" 2>/dev/null || true)
    if [ -z "$json" ]; then
        echo "serve-bench: open loop gave no result for $server $variant $model $rate/s (see $log)" >&2
        return 0
    fi
    echo "{\"kind\":\"open\",\"server\":\"$server\",\"variant\":\"$variant\",\"model\":\"$model\",\"rows\":$ROWS,\"openloop\":$json}" >>"$POINTS"
    "$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); o=d["openloop"]; l=o["latency_ms"]
f=lambda v: "%8.2f" % v if v is not None else "     n/a"
print("  %-8s %-7s %-9s open %7.0f/s -> %7.0f/s  p50 %s  p99 %s  p99.9 %s ms  gen lag p99 %.2f ms, cpu %.0f%%%s" % (d["server"], d["variant"], d["model"],
      o["target_rps"], o["achieved_rps"] or 0, f(l["p50"]), f(l["p99"]), f(l["p999"]), o["dispatch_lag_ms"]["p99"], 100 * o.get("generator_cpu_share", 0),
      "  failed %s incomplete %d" % (o["failed_by_status"], o["incomplete"]) if o["failed_by_status"] or o["incomplete"] else ""))' \
        "$(tail -1 "$POINTS")" >&2
    sleep 1
}

# Rates for the open loop: explicit list, or fractions of the 64-connection (else the highest measured)
# closed-loop capacity of (server, variant, model), plus those of $4 $5 (another server's) if given.
open_rates() {
    if [ "$RATES" != auto ]; then echo "${RATES//,/ }"; return; fi
    "$PY" - "$POINTS" "$RATE_FRACTIONS" "$OL_MAX_RATE" "$@" <<'EOF'
import json, sys
points = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
fractions = [float(f) for f in sys.argv[2].split(",")]
cap = float(sys.argv[3])
def capacity(server, variant, model):
    rows = [p for p in points if p["kind"] == "closed" and (p["server"], p["variant"], p["model"]) == (server, variant, model)]
    if not rows: return None
    at64 = [p for p in rows if p["connections"] == 64]
    pick = at64[0] if at64 else max(rows, key=lambda p: p["connections"])
    w = pick["wrk"]
    return (w["requests"] - w["errors"]["status"]) / (w["duration_us"] / 1e6)
rates = set()
args = sys.argv[4:]
for i in range(0, len(args), 3):
    c = capacity(*args[i:i + 3])
    if c: rates.update(max(1, int(round(min(cap, c * f)))) for f in fractions)
print(" ".join(str(r) for r in sorted(rates)))
EOF
}

# ---------------------------------------------------------------- servers
MLS_LOG=""
start_mlserver() {  # model port mbs mbt blas_threads -> SERVER_PID
    local model=$1 port=$2 mbs=$3 mbt=$4 threads=$5 dir=$WORK/mlserver-$1-$3-$4-$5
    mkdir -p "$dir/$model"
    local grpc_port metrics_port
    read -r grpc_port metrics_port <<<"$(free_ports 2 "$port")"
    cat >"$dir/settings.json" <<EOF
{"host": "127.0.0.1", "http_port": $port, "grpc_port": $grpc_port, "metrics_port": $metrics_port,
 "parallel_workers": 0, "debug": false, "load_models_at_startup": true}
EOF
    cat >"$dir/$model/model-settings.json" <<EOF
{"name": "$model", "implementation": "mlserver_runtime.DenseNumpyModel",
 "max_batch_size": $mbs, "max_batch_time": $mbt,
 "parameters": {"uri": "$WORK/models/$model",
                "extra": {"activations": "$(cat "$WORK/models/$model/activations.txt")", "offload": $MLS_OFFLOAD}}}
EOF
    MLS_LOG=$dir/mlserver.log
    start_group "$MLS_LOG" env PYTHONPATH="$BENCH" OPENBLAS_NUM_THREADS="$threads" "$VENV/bin/mlserver" start "$dir"
    if ! wait_ready "http://127.0.0.1:$port/v2/models/$model/ready" 120 "$SERVER_PID"; then
        tail -20 "$MLS_LOG" >&2
        stop_group "$SERVER_PID"
        die "MLServer did not become ready for $model (log: $MLS_LOG)"
    fi
}

start_batchkit() {  # model port -> SERVER_PID
    local model=$1 port=$2 log=$WORK/batchkit-$1.log
    # OPENBLAS_VERBOSE=2 makes OpenBLAS print its core ("Core: Haswell") into the server log.
    # shellcheck disable=SC2086
    start_group "$log" env OPENBLAS_VERBOSE=2 "$BATCHKIT_BIN" serve --host 127.0.0.1 --port "$port" \
        --model "$model=$WORK/models/$model.safetensors" $BATCHKIT_ARGS
    if ! wait_ready "http://127.0.0.1:$port/v2/health/ready" 120 "$SERVER_PID"; then
        tail -20 "$log" >&2
        stop_group "$SERVER_PID"
        die "batchkit serve did not become ready for $model (log: $log)"
    fi
    "$PY" - "$OUT/machine.json" "$log" <<'EOF'
import json, re, sys
info = json.load(open(sys.argv[1]))
m = re.search(r"Core:\s*(\S+)", open(sys.argv[2], errors="replace").read())
if m: info["openblas_core_batchkit"] = m.group(1)
json.dump(info, open(sys.argv[1], "w"), indent=1)
EOF
}

check_or_die() {  # url body kind hlen model
    "$PY" "$BENCH/check.py" --url "$1" --body "$2" --kind "$3" --header-len "${4:-0}" \
        --expected "$WORK/bodies/$5.expected.npy" >&2 || die "wrong answer from $1 ($3 body)"
}

echo "serve-bench: results in $OUT" >&2
echo "serve-bench: $(cat /proc/loadavg | cut -d' ' -f1-3) load average at start (the numbers are only comparable on a quiet machine)" >&2
IFS=, read -r -a MODEL_LIST <<<"$MODELS"
IFS=, read -r -a CONN_LIST <<<"$CONNS"
for model in "${MODEL_LIST[@]}"; do
    JSON_BODY=$WORK/bodies/$model.json.body
    BIN_BODY=$WORK/bodies/$model.bin.body
    HLEN=$(cat "$WORK/bodies/$model.bin.hlen")

    if has "$SERVERS" mlserver; then
        mbs=$MLS_MBS mbt=$MLS_MBT threads=$MLS_BLAS_THREADS
        if [ "$MLS_TUNE" = 1 ]; then
            echo "serve-bench: tuning MLServer adaptive batching on $model (64 connections)" >&2
            saved=$DURATION; DURATION=$(( saved < 5 ? saved : 5 ))
            best=""; best_rps=0
            tune_point() {  # mbs mbt threads
                local port
                port=$(free_port)
                start_mlserver "$model" "$port" "$1" "$2" "$3"
                run_wrk mlserver-tune "json" "$model" 64 "http://127.0.0.1:$port/v2/models/$model/infer" \
                    "$JSON_BODY" json
                stop_group "$SERVER_PID"
                grep -q '"server":"mlserver-tune".*"connections":64' <(tail -1 "$POINTS") || return 0
                rps=$("$PY" -c 'import json,sys; w=json.loads(sys.argv[1])["wrk"]; print(int((w["requests"]-w["errors"]["status"])/(w["duration_us"]/1e6)))' "$(tail -1 "$POINTS")")
                sed -i '$ s/"variant":"json"/"variant":"json mbs='"$1"' mbt='"$2"' blas='"$3"'"/' "$POINTS"
                if [ "$rps" -gt "$best_rps" ]; then best_rps=$rps; best="$1 $2 $3"; fi
            }
            for tmbs in $TUNE_SIZES; do
                for tmbt in $TUNE_TIMES; do tune_point "$tmbs" "$tmbt" "$MLS_BLAS_THREADS"; done
            done
            [ -n "$best" ] || die "MLServer tuning on $model measured nothing (see $WORK)"
            read -r mbs mbt threads <<<"$best"
            ncpu=$(nproc)
            [ "$ncpu" = "$threads" ] || tune_point "$mbs" "$mbt" "$ncpu"
            read -r mbs mbt threads <<<"$best"
            DURATION=$saved
            echo "serve-bench: MLServer on $model: max_batch_size $mbs, max_batch_time $mbt s, $threads BLAS thread(s) ($best_rps req/s)" >&2
        fi
        echo "{\"kind\":\"config\",\"server\":\"mlserver\",\"model\":\"$model\",\"max_batch_size\":$mbs,\"max_batch_time\":$mbt,\"offload\":$MLS_OFFLOAD,\"blas_threads\":$threads,\"parallel_workers\":0}" >>"$POINTS"
        port=$(free_port)
        echo "serve-bench: MLServer $model on port $port (max_batch_size $mbs, max_batch_time $mbt s, $threads BLAS thread(s))" >&2
        start_mlserver "$model" "$port" "$mbs" "$mbt" "$threads"
        url=http://127.0.0.1:$port/v2/models/$model/infer
        check_or_die "$url" "$JSON_BODY" json 0 "$model"
        code=$(curl -s -o /dev/null -m 10 -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
            -H "Inference-Header-Content-Length: $HLEN" --data-binary "@$BIN_BODY" "$url" || true)
        code_json=$(curl -s -o /dev/null -m 10 -w '%{http_code}' -H 'Content-Type: application/json' \
            -H "Inference-Header-Content-Length: $HLEN" --data-binary "@$BIN_BODY" "$url" || true)
        echo "{\"kind\":\"note\",\"server\":\"mlserver\",\"model\":\"$model\",\"binary_body_status\":\"$code\",\"binary_body_status_json_content_type\":\"$code_json\"}" >>"$POINTS"
        echo "serve-bench: MLServer answers a binary-extension body with HTTP $code (with Content-Type application/json: $code_json)" >&2
        for c in "${CONN_LIST[@]}"; do run_wrk mlserver json "$model" "$c" "$url" "$JSON_BODY" json; done
        if [ "$OPENLOOP" = 1 ]; then
            for r in $(open_rates mlserver json "$model"); do
                run_open mlserver json "$model" "$r" "$url" "$JSON_BODY" json
            done
        fi
        stop_group "$SERVER_PID"
    fi

    if has "$SERVERS" batchkit; then
        port=$(free_port)
        echo "serve-bench: batchkit serve $model on port $port ${BATCHKIT_ARGS:+($BATCHKIT_ARGS)}" >&2
        start_batchkit "$model" "$port"
        base=http://127.0.0.1:$port
        url=$base/v2/models/$model/infer
        check_or_die "$url" "$BIN_BODY" binary "$HLEN" "$model"
        check_or_die "$url" "$JSON_BODY" json 0 "$model"
        for c in "${CONN_LIST[@]}"; do run_wrk batchkit binary "$model" "$c" "$url" "$BIN_BODY" binary "$HLEN"; done
        for c in "${CONN_LIST[@]}"; do run_wrk batchkit json "$model" "$c" "$url" "$JSON_BODY" json; done
        if [ "$model" = linear256 ]; then
            echo "{\"kind\":\"config\",\"server\":\"batchkit\",\"trivial_path\":\"$TRIVIAL_PATH\"}" >>"$POINTS"
            for c in "${CONN_LIST[@]}"; do run_wrk batchkit trivial "$model" "$c" "$base$TRIVIAL_PATH"; done
        fi
        if [ "$OPENLOOP" = 1 ]; then
            for r in $(open_rates batchkit binary "$model"); do
                run_open batchkit binary "$model" "$r" "$url" "$BIN_BODY" binary "$HLEN"
            done
            for r in $(open_rates batchkit json "$model" mlserver json "$model"); do
                run_open batchkit json "$model" "$r" "$url" "$JSON_BODY" json
            done
        fi
        # The server's own view (batch sizes, queue depth, HTTP latency) for "where the time goes".
        curl -s -m 5 "$base/metrics" >"$WORK/batchkit-$model.metrics.txt" || true
        stop_group "$SERVER_PID"
    fi
done

"$PY" - "$OUT/machine.json" <<'EOF'
import json, sys
info = json.load(open(sys.argv[1]))
info["loadavg_at_end"] = open("/proc/loadavg").read().split()[:3]
json.dump(info, open(sys.argv[1], "w"), indent=1)
EOF
"$PY" "$BENCH/report.py" "$OUT"
