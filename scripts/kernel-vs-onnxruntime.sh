#!/usr/bin/env bash
# The kernel scenario and onnxruntime side by side, in one run on one machine. For each thread count the two
# alternate in rounds — peer, ours, peer, ours, …, peer (`--rounds` of ours, one more of the peer) — so a guest
# whose speed drifts over minutes moves both sides alike instead of whichever ran last. One table joins them:
# the median of our rounds' medians and the range over all their timed runs, the path our forward took (both, if
# the rounds' calibrations disagreed), onnxruntime's median and range over its runs, and the ratio of the medians.
#
# Usage: scripts/kernel-vs-onnxruntime.sh [--threads "1 2"] [--rounds N] [--out DIR] [-- extra bench flags]
# Environment: BENCH (default .build/release/batchkit-bench, built if missing), PYTHON (default python3; needs
# onnxruntime, onnx and numpy — the peer installs them if missing), PEER (default ../shared/bench/onnxruntime_peer.py).
set -euo pipefail
cd "$(dirname "$0")/.."
threads="1 2"
rounds=2
out=bench-out/kernel-vs-onnxruntime
while [ $# -gt 0 ]; do
    case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
bench="${BENCH:-.build/release/batchkit-bench}"
python="${PYTHON:-python3}"
peer="${PEER:-../shared/bench/onnxruntime_peer.py}"
sizes=1,2,4,8,12,16,24,32,48,64,256
[ -x "$bench" ] || swift build -c release --product batchkit-bench
mkdir -p "$out"
case "$rounds" in '' | *[!0-9]* | 0) echo "--rounds takes a whole number ≥ 1, not '$rounds'" >&2; exit 2 ;; esac
rm -f "$out"/peer-*.txt "$out"/ours-*.json "$out"/ours-*.txt
for n in $threads; do
    "$python" "$peer" --threads "$n" --batch-sizes "$sizes" > "$out/peer-$n-0.txt"
    for r in $(seq 1 "$rounds"); do
        echo "[kernel-vs-onnxruntime] $n thread(s), round $r of $rounds" >&2
        "$bench" bench --scenarios kernel --blas-threads "$n" --json "$out/ours-$n-$r.json" "$@" > "$out/ours-$n-$r.txt"
        "$python" "$peer" --threads "$n" --batch-sizes "$sizes" > "$out/peer-$n-$r.txt"
    done
done
"$python" - "$out" "$rounds" $threads <<'PY'
import json, re, statistics, sys
out, rounds, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def rate(x):
    return f"{x / 1e6:.2f} M" if x >= 1e6 else f"{x / 1e3:.1f} k"
print("| model | threads | batch | ours rows/s (range) | path | onnxruntime rows/s (range) | ours ÷ onnxruntime |")
print("|---|---|---|---|---|---|---|")
for n in threads:
    runs = [json.load(open(f"{out}/ours-{n}-{r}.json")) for r in range(1, rounds + 1)]
    peer = {}
    for run in range(rounds + 1):
        for line in open(f"{out}/peer-{n}-{run}.txt"):
            m = re.match(r"(\S+)\s+batch\s+(\d+)\s+\S+ us/batch\s+(\d+) rows/s", line)
            if m: peer.setdefault((m[1], int(m[2])), []).append(float(m[3]))
    for name in runs[0]["models"]:
        kernels = [run["models"][name]["kernel"] for run in runs]
        for i, b in enumerate(kernels[0]["batch_sizes"]):
            # The pooled median of ours: each round's median weighs as one run, its min and max bound the range.
            ours = statistics.median(k["rows_per_s"][i] for k in kernels)
            low = min(k["rows_per_s_min"][i] for k in kernels)
            high = max(k["rows_per_s_max"][i] for k in kernels)
            paths = sorted({(k.get("paths") or ["?"] * 99)[i] for k in kernels})
            theirs = peer.get((name, b), [])
            med = statistics.median(theirs) if theirs else float("nan")
            print(f"| {name} | {n} | {b} | {rate(ours)} ({rate(low)}–{rate(high)}) | {'/'.join(paths)} "
                  f"| {rate(med)} ({rate(min(theirs))}–{rate(max(theirs))}) | {ours / med:.2f} |")
    print(f"<!-- {n} thread(s), {rounds} round(s): OpenBLAS core {runs[0]['machine']['blas_core']}; " +
          "; ".join(f"{m}: {e.get('small_batch_kernel')}, {e.get('small_batch_crossover')}"
                    for run in runs for m, e in run["models"].items()) + " -->")
PY
