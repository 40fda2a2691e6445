#!/usr/bin/env bash
# The kernel scenario and onnxruntime side by side, in one run on one machine: for each thread count, the peer
# (`onnxruntime_peer.py`, whole batches, N intra-op threads) runs three times around one `batchkit-bench bench
# --scenarios kernel --blas-threads N`, and one table joins them: our rows/s and range, the path our forward
# took, onnxruntime's median and range, and the ratio.
#
# Usage: scripts/kernel-vs-onnxruntime.sh [--threads "1 2"] [--out DIR] [-- extra bench flags]
# Environment: BENCH (default .build/release/batchkit-bench, built if missing), PYTHON (default python3; needs
# onnxruntime, onnx and numpy — the peer installs them if missing), PEER (default ../shared/bench/onnxruntime_peer.py).
set -euo pipefail
cd "$(dirname "$0")/.."
threads="1 2"
out=bench-out/kernel-vs-onnxruntime
while [ $# -gt 0 ]; do
    case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
bench="${BENCH:-.build/release/batchkit-bench}"
python="${PYTHON:-python3}"
peer="${PEER:-../shared/bench/onnxruntime_peer.py}"
sizes=1,2,4,8,16,32,64,256
[ -x "$bench" ] || swift build -c release --product batchkit-bench
mkdir -p "$out"
for n in $threads; do
    "$python" "$peer" --threads "$n" --batch-sizes "$sizes" > "$out/peer-$n-a.txt"
    "$bench" bench --scenarios kernel --blas-threads "$n" --json "$out/ours-$n.json" "$@" > "$out/ours-$n.txt"
    "$python" "$peer" --threads "$n" --batch-sizes "$sizes" > "$out/peer-$n-b.txt"
    "$python" "$peer" --threads "$n" --batch-sizes "$sizes" > "$out/peer-$n-c.txt"
done
"$python" - "$out" $threads <<'PY'
import json, re, statistics, sys
out, threads = sys.argv[1], sys.argv[2:]
def rate(x):
    return f"{x / 1e6:.2f} M" if x >= 1e6 else f"{x / 1e3:.1f} k"
print("| model | threads | batch | ours rows/s (range) | path | onnxruntime rows/s (range) | ours ÷ onnxruntime |")
print("|---|---|---|---|---|---|---|")
for n in threads:
    ours = json.load(open(f"{out}/ours-{n}.json"))
    peer = {}
    for run in "abc":
        for line in open(f"{out}/peer-{n}-{run}.txt"):
            m = re.match(r"(\S+)\s+batch\s+(\d+)\s+\S+ us/batch\s+(\d+) rows/s", line)
            if m: peer.setdefault((m[1], int(m[2])), []).append(float(m[3]))
    for name, entry in ours["models"].items():
        k = entry["kernel"]
        for i, b in enumerate(k["batch_sizes"]):
            runs = peer.get((name, b), [])
            med = statistics.median(runs) if runs else float("nan")
            print(f"| {name} | {n} | {b} | {rate(k['rows_per_s'][i])} ({rate(k['rows_per_s_min'][i])}–{rate(k['rows_per_s_max'][i])}) "
                  f"| {(k.get('paths') or ['?'] * 99)[i]} | {rate(med)} ({rate(min(runs))}–{rate(max(runs))}) "
                  f"| {k['rows_per_s'][i] / med:.2f} |")
    print(f"<!-- {n} thread(s): OpenBLAS core {ours['machine']['blas_core']}; " +
          "; ".join(f"{m}: {e.get('small_batch_kernel')}, {e.get('small_batch_crossover')}" for m, e in ours["models"].items()) + " -->")
PY
