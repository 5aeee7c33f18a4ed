#!/usr/bin/env bash
# Runs every test of Frontdesk against the sanitizer build and ends with one line:
#   N passed, N failed
# Parts: clang-format check, Criterion unit tests, node API tests, browser tests.
# Any AddressSanitizer / UndefinedBehaviorSanitizer / LeakSanitizer report written by
# any process during the run (server, CLI, unit tests) counts as a failure.
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
passed=0
failed=0
logdir="$root/build/san-logs"
rm -rf "$logdir"
mkdir -p "$logdir"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$logdir/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logdir/ubsan"
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0"
export FRONTDESK_BIN="$root/build/san/frontdesk"
# Tests never depend on the internet: inbound mail authentication (SPF, DKIM keys, DMARC)
# answers from an empty zone file unless a test gives its own.
: > "$root/build/empty.zone"
export FRONTDESK_MAIL_AUTH_DNS_FILE="${FRONTDESK_MAIL_AUTH_DNS_FILE:-$root/build/empty.zone}"

section() { printf '\n== %s ==\n' "$1"; }

section "format (clang-format --dry-run -Werror)"
if command -v clang-format >/dev/null; then
    if clang-format --dry-run -Werror $(find src tests/unit bench -name '*.[ch]' 2>/dev/null) 2>&1 | head -20 | grep .; then
        echo "FAIL format"; failed=$((failed + 1))
    else
        echo "ok format"; passed=$((passed + 1))
    fi
fi

section "checksrc (banned functions)"
if bash tools/checksrc.sh; then
    echo "ok checksrc"; passed=$((passed + 1))
else
    echo "FAIL checksrc"; failed=$((failed + 1))
fi

section "unit tests (Criterion)"
for t in build/unit/test_*; do
    [ -x "$t" ] || continue
    out=$("$t" -j2 2>&1)
    echo "$out" | grep -E '^\[(FAIL|----)\]|Synthesis' || true
    syn=$(echo "$out" | grep 'Synthesis' | tail -1)
    if [ -z "$syn" ]; then
        echo "FAIL $t produced no summary"; echo "$out" | tail -20; failed=$((failed + 1)); continue
    fi
    p=$(echo "$syn" | sed -E 's/.*Passing: ([0-9]+).*/\1/')
    f=$(echo "$syn" | sed -E 's/.*Failing: ([0-9]+).*/\1/')
    c=$(echo "$syn" | sed -E 's/.*Crashing: ([0-9]+).*/\1/')
    passed=$((passed + p)); failed=$((failed + f + c))
done

section "fuzz (libFuzzer, short run: make fuzz-smoke)"
if command -v clang >/dev/null 2>&1 &&
    ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
    if out=$(make --no-print-directory -j2 fuzz-smoke 2>&1); then
        echo "$out" | grep '^ok'
        passed=$((passed + $(echo "$out" | grep -c '^ok')))
    else
        echo "$out" | tail -40; echo "FAIL fuzz-smoke"; failed=$((failed + 1))
    fi
else
    echo "skip fuzz (clang with libFuzzer is not installed: scripts/deps.sh --test)"
fi

run_node() {
    local dir=$1
    local files
    files=$(ls tests/$dir/*.test.mjs 2>/dev/null)
    [ -n "$files" ] || return 0
    section "$dir tests (node --test)"
    local out
    out=$(cd tests && node --test --test-concurrency=2 $dir/ 2>&1)
    echo "$out" | grep -E '^not ok|^# (tests|pass|fail)|^# Subtest|error|Error' | grep -v '^# Subtest' | head -60
    local p f
    p=$(echo "$out" | grep -E '^# pass ' | tail -1 | awk '{print $3}')
    f=$(echo "$out" | grep -E '^# fail ' | tail -1 | awk '{print $3}')
    if [ -z "$p" ]; then
        echo "FAIL node --test $dir produced no summary"; echo "$out" | tail -30; failed=$((failed + 1)); return
    fi
    passed=$((passed + p)); failed=$((failed + ${f:-0}))
}
run_node api
run_node browser

section "sanitizer reports"
reports=$(ls "$logdir" 2>/dev/null)
if [ -n "$reports" ]; then
    for r in "$logdir"/*; do echo "--- $r"; head -40 "$r"; done
    echo "FAIL sanitizers reported problems"; failed=$((failed + 1))
else
    echo "ok no sanitizer reports"; passed=$((passed + 1))
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
