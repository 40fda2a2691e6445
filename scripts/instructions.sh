#!/usr/bin/env bash
# Instructions per item on the scheduler's hot paths, counted by valgrind's callgrind: a figure the
# noise of a shared two-core guest cannot move, unlike wall-clock time.
#
#   scripts/instructions.sh                 # every workload below, 20000 items
#   scripts/instructions.sh --items 5000    # quicker
#   scripts/instructions.sh identity:tasks linear256:seed
#
# Each workload runs twice under callgrind, with N and 2N items after the same warm-up (2500 items); the
# difference divided by N is the steady-state cost of one item, with start-up and shutdown cancelled out.
# Counts before 2026-12-06 came from a warm-up of N/4, so the runs differed by 1.25 N items: they are
# 1.25 times the cost of an item (their ratios stand). It counts every thread of the process: callers,
# scheduler, workers and the GEMM itself (for the dense models).
# floor:tasks and floor:threads are the bare hand-off (callers park, worker threads wake them, nothing
# else): what any scheduler of this shape pays per item, to read the others against. floor:seed is the
# seed workload's bare pipeline (a future per item, the same linear256 GEMM), read against linear256:seed.
set -euo pipefail
cd "$(dirname "$0")/.."

items=20000
workloads=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --items) items="$2"; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) workloads+=("$1"); shift ;;
    esac
done
# Below the warm-up's size the two runs' warm-ups differ, and so would the count.
if (( items < 2500 )); then
    echo "instructions.sh: --items must be at least 2500 (the workload's warm-up)" >&2
    exit 2
fi
if [[ ${#workloads[@]} -eq 0 ]]; then
    workloads=(floor:tasks floor:threads identity:tasks identity:threads linear256:tasks linear256:threads linear256:seed floor:seed)
fi

scripts/bootstrap.sh valgrind bc
swift build -c release --product batchkit-bench >&2
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# valgrind 3.19 gives up on the DWARF 5 debug info Swift emits; the symbols stay, so profiles still read.
bench="$out/batchkit-bench"
strip --strip-debug -o "$bench" "$(swift build -c release --show-bin-path)/batchkit-bench"
export LD_LIBRARY_PATH="$(swift build -c release --show-bin-path)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# Total instructions of one run; callgrind prints "Collected : N" for the whole process.
count() {
    local model="$1" callers="$2" n="$3"
    valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" \
        "$bench" workload --model "$model" --callers "$callers" --items "$n" >"$out/stdout" 2>"$out/log" || {
        cat "$out/log" >&2
        exit 1
    }
    awk '/Collected :/ { print $NF }' "$out/log"
}

echo "instructions per item (callgrind, N=$items vs 2N, OpenBLAS core: $(OPENBLAS_VERBOSE=2 "$bench" workload --items 1 --model linear256 2>&1 | sed -n 's/^Core: //p' | head -1))"
printf '  %-22s %14s\n' workload "instr/item"
for workload in "${workloads[@]}"; do
    model="${workload%%:*}" callers="${workload##*:}"
    echo "  counting $workload ..." >&2
    one="$(count "$model" "$callers" "$items")"
    two="$(count "$model" "$callers" "$((items * 2))")"
    printf '  %-22s %14.0f\n' "$workload" "$(echo "($two - $one) / $items" | bc -l)"
done
