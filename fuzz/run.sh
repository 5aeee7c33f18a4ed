#!/usr/bin/env bash
# Runs libFuzzer targets for a bounded time each: fuzz/run.sh SECONDS build/fuzz/fuzz_x ...
# Each runs from a scratch copy of fuzz/corpus/<x>/ (the committed seeds stay small),
# with fuzz/<x>.dict when there is one; crashes go to build/fuzz/<x>-artifacts/.
# Prints one "ok"/"FAIL" line per target and exits 1 when any target failed.
set -u
cd "$(dirname "$0")/.."
secs=${1:-60}
shift
failed=0
for bin in "$@"; do
    name=$(basename "$bin")
    name=${name#fuzz_}
    work=build/fuzz/$name-corpus
    art=build/fuzz/$name-artifacts
    mkdir -p "$work" "$art"
    [ -d "fuzz/corpus/$name" ] && cp -n fuzz/corpus/"$name"/* "$work"/ 2>/dev/null
    dict=()
    [ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
    log=build/fuzz/$name.log
    if "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        "${dict[@]}" -artifact_prefix="$art/" "$work" >"$log" 2>&1; then
        echo "ok fuzz $name ($secs s, $(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}') runs; $(grep -c '' <<<"$(ls "$work")") corpus files)"
    else
        echo "FAIL fuzz $name (see $log; crash inputs in $art/)"
        tail -30 "$log"
        failed=1
    fi
done
exit $failed
