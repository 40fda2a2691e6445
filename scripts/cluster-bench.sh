#!/usr/bin/env bash
# The scale-out figures: requests/s and p50/p99 through nginx for 1, 2 and 3 replicas of `batchkit serve`
# (closed loop, wrk), and the nginx hop's added latency: one replica loaded at the same fixed rate
# directly and through nginx (open loop, latency from the intended send time).
#
# On one machine the replicas share its cores, so this measures the balancer's overhead and that
# nothing is lost, not scaling. Prints the machine, the OpenBLAS core, and a table.
#
# Usage: scripts/cluster-bench.sh [--batchkit PATH] [--seconds S] [--connections C] [--rate R]
#                                 [--model linear256] [--workers W]
set -euo pipefail
cd "$(dirname "$0")/.."

batchkit=""
seconds=10
connections=64
rate=2000
model=linear256
workers=1
while [ $# -gt 0 ]; do
    case "$1" in
        --batchkit) batchkit="$2"; shift 2 ;;
        --seconds) seconds="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        --rate) rate="$2"; shift 2 ;;
        --model) model="$2"; shift 2 ;;
        --workers) workers="$2"; shift 2 ;;
        *) echo "cluster-bench: unknown option $1" >&2; exit 2 ;;
    esac
done

scripts/bootstrap.sh
for tool in nginx wrk; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || {
        echo "cluster-bench: $tool is missing: apt-get install nginx-light wrk" >&2
        exit 1
    }
done
venv=.venv-bench
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import numpy' 2>/dev/null || timeout 300 "$venv/bin/pip" install --quiet numpy
if [ -z "$batchkit" ]; then
    swift build -c release --product batchkit >&2
    batchkit=.build/release/batchkit
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# One row of the model's width, as a binary-extension body (what tritonclient sends).
width=$("$venv/bin/python" -c "print({'linear256': 256, 'mlp1024': 1024}['$model'])")
header_len=$("$venv/bin/python" - "$work/body.bin" "$width" <<'EOF'
import json, struct, sys
path, width = sys.argv[1], int(sys.argv[2])
data = struct.pack(f"<{width}f", *[((i * 37) % 101) / 101.0 for i in range(width)])
header = json.dumps({"inputs": [{"name": "input", "shape": [1, width], "datatype": "FP32",
                                 "parameters": {"binary_data_size": len(data)}}],
                     "outputs": [{"name": "output", "parameters": {"binary_data": True}}]}).encode()
open(path, "wb").write(header + data)
print(len(header))
EOF
)

wrk_point() { # url → the SERVEBENCH_JSON line of a closed-loop run
    BODY_FILE="$work/body.bin" BODY_KIND=binary HEADER_LEN="$header_len" \
        timeout $((seconds + 30)) wrk -t1 -c"$connections" -d"${seconds}s" --latency \
        -s scripts/bench/infer.lua "$1" | sed -n 's/^SERVEBENCH_JSON //p'
}
open_point() { # url → openloop.py's JSON at $rate
    timeout $((seconds + 60)) "$venv/bin/python" scripts/bench/openloop.py --url "$1" --rate "$rate" \
        --duration "$seconds" --warmup 1 --connections "$connections" --body "$work/body.bin" --kind binary \
        --header-len "$header_len"
}
export -f wrk_point open_point
export work header_len seconds connections rate venv

echo "cluster-bench: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores," \
    "$(grep -qw avx512f /proc/cpuinfo && echo AVX-512 || echo AVX2)"
OPENBLAS_VERBOSE=2 "$batchkit" infer --help >/dev/null 2>"$work/blas.txt" || true
echo "cluster-bench: OpenBLAS $(grep -o 'Core: [A-Za-z0-9]*' "$work/blas.txt" | head -1 || echo 'core: see batchkit-bench')"
echo "cluster-bench: $model, one binary row per request, $connections connections, ${seconds} s per point," \
    "$workers worker(s) per replica"

results="$work/results.txt"
for replicas in 1 2 3; do
    timeout 300 "$venv/bin/python" scripts/cluster.py --replicas "$replicas" --model "$model" --workers "$workers" \
        --batchkit "$batchkit" --port 0 -- bash -c "
            path=/v2/models/$model/infer
            echo \"nginx $replicas \$(wrk_point \$CLUSTER_URL\$path)\" >> $results
            if [ $replicas -eq 1 ]; then
                direct=\${CLUSTER_REPLICAS%%,*}
                echo \"direct 1 \$(wrk_point \$direct\$path)\" >> $results
                echo \"open-direct 1 \$(open_point \$direct\$path)\" >> $results
                echo \"open-nginx 1 \$(open_point \$CLUSTER_URL\$path)\" >> $results
            fi" >/dev/null 2>"$work/cluster-$replicas.log" || {
        echo "cluster-bench: the $replicas-replica run failed:" >&2
        cat "$work/cluster-$replicas.log" >&2
        exit 1
    }
done

"$venv/bin/python" - "$results" <<'EOF'
import json, sys
rows = [line.split(" ", 2) for line in open(sys.argv[1]) if line.strip()]
print(f"{'path':12s} {'replicas':>8s} {'requests/s':>11s} {'p50 ms':>8s} {'p99 ms':>8s} {'errors':>7s}")
closed = {}
for kind, replicas, payload in rows:
    data = json.loads(payload)
    if kind in ("nginx", "direct"):
        rps = data["requests"] / (data["duration_us"] / 1e6)
        errors = sum(data["errors"].values())
        p50, p99 = data["latency_us"]["p50"] / 1e3, data["latency_us"]["p99"] / 1e3
        closed[(kind, replicas)] = rps
        print(f"{kind:12s} {replicas:>8s} {rps:11.0f} {p50:8.2f} {p99:8.2f} {errors:7d}")
    else:
        lat = data["latency_ms"]
        failed = data["measured"] - data["ok"]
        print(f"{kind:12s} {replicas:>8s} {data['achieved_rps'] or 0:11.0f} {lat['p50']:8.2f} {lat['p99']:8.2f} "
              f"{failed:7d}   (open loop at {data['target_rps']:.0f}/s)")
        closed[(kind, replicas, "p50")] = lat["p50"]
if ("open-direct", "1", "p50") in closed and ("open-nginx", "1", "p50") in closed:
    hop = closed[("open-nginx", "1", "p50")] - closed[("open-direct", "1", "p50")]
    print(f"nginx hop, p50 at the same rate: {hop * 1e3:+.0f} µs per request")
if ("direct", "1") in closed and ("nginx", "1") in closed:
    print(f"nginx ÷ direct (1 replica, closed loop): {closed[('nginx', '1')] / closed[('direct', '1')]:.2f}")
EOF
