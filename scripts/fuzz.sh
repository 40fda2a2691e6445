#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (address sanitizer on) and runs each for a bounded time, one
# after another, so they never compete for the cores.
#
#   scripts/fuzz.sh [seconds-per-target] [target...]   fuzz (default: 60 s each, every target)
#   scripts/fuzz.sh --seeds                            rewrite the seed corpora in Fuzz/Corpus
#
# Inputs found along the way go to Fuzz/.build/fuzz/<target>/corpus (not committed), crash files to
# Fuzz/.build/fuzz/<target>/artifacts. Prints each target's executions and any crash file, and exits
# non-zero if any fuzzer crashed, hit a sanitizer report, a timeout or the memory limit.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh

# The gold linker warns once per ASan helper symbol; the warnings are harmless and drown the output.
quiet() { grep -v "Cannot export local symbol" || true; }

if [ "${1:-}" = "--seeds" ]; then
    # The seed generator has its own `main`, so it is built without the fuzzer flags, elsewhere.
    seeds=(-c debug --package-path Fuzz --scratch-path Fuzz/.build-seeds)
    swift build "${seeds[@]}" --product FuzzSeeds
    "$(swift build "${seeds[@]}" --show-bin-path)/FuzzSeeds" Fuzz/Corpus
    exit 0
fi

seconds="${1:-60}"
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzSafetensors FuzzNpy FuzzNpyStream FuzzConfiguration FuzzInferFlags)

# -sanitize=fuzzer instruments every module for coverage and links libFuzzer; each target's main.swift
# hands control to it (see Fuzz/Sources/CLibFuzzer/libfuzzer.h).
build=(-c debug --package-path Fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -warnings-as-errors)
for target in "${targets[@]}"; do
    if ! swift build "${build[@]}" --product "$target" 2>&1 | quiet; then
        echo "fuzz: building $target failed" >&2
        exit 1
    fi
done
bin="$(swift build "${build[@]}" --show-bin-path)"

status=0
for target in "${targets[@]}"; do
    out="Fuzz/.build/fuzz/$target"
    mkdir -p "$out/corpus" "$out/artifacts"
    options=(
        -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048
        -print_final_stats=1 -artifact_prefix="$out/artifacts/"
    )
    [ -f "Fuzz/Dictionaries/$target.dict" ] && options+=(-dict="Fuzz/Dictionaries/$target.dict")
    echo "== $target: fuzzing for ${seconds}s (log: $out/log.txt)"
    started=$SECONDS
    set +e
    # Swift's own crash backtracer would fight ASan and libFuzzer over the signal; let them report.
    # The first directory receives new inputs; the committed seeds are only read.
    SWIFT_BACKTRACE=enable=no "$bin/$target" "${options[@]}" "$out/corpus" "Fuzz/Corpus/$target" \
        >"$out/log.txt" 2>&1
    code=$?
    set -e
    executions="$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log.txt" | tail -1)"
    coverage="$(grep -o 'cov: [0-9]*' "$out/log.txt" | tail -1 || true)"
    echo "$target: ${executions:-?} executions in $((SECONDS - started))s, ${coverage:-cov: ?}, exit status $code"
    if [ "$code" -ne 0 ]; then
        status=1
        grep -E "^==[0-9]+==ERROR|^SUMMARY|Fatal error|ALARM|out-of-memory|Test unit written to" "$out/log.txt" \
            || tail -20 "$out/log.txt"
    fi
done
exit "$status"
