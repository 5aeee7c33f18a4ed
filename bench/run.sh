#!/usr/bin/env bash
# Runs the benchmarks under bench/ and prints their figures and a summary.
# Builds no part of the server: `make bench` has already built build/frontdesk
# (FRONTDESK_BIN overrides). It compiles only its own bench/sqlite_insert.c.
# All traffic goes to 127.0.0.1; every loop is bounded in count and time; the
# server it starts is stopped and every temp dir is removed, also on Ctrl-C.
#
# Environment: BENCH_N (tickets per phase, default 2000), BENCH_SECONDS (time limit per
# phase, default 20), BENCH_TMPDIR (where the databases go, default $TMPDIR or /tmp:
# put it on the disk you want measured; tmpfs makes fsync free), CC, FRONTDESK_BIN.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# Load comes from one address on purpose: the per-address and per-account rate limits of
# the public endpoints (docs/security.md) are off for the servers the benchmarks start.
for k in SIGNIN_IP SIGNIN_ACCOUNT SIGNUP_IP TICKETS_IP TICKETS_ACCOUNT SEARCH_IP SEARCH_ACCOUNT \
    CHAT_IP CHAT_ACCOUNT VERIFY_IP; do
    export "FRONTDESK_RATE_$k=0/1"
done

bin="${FRONTDESK_BIN:-$root/build/frontdesk}"
n="${BENCH_N:-2000}"
secs="${BENCH_SECONDS:-20}"
if [[ ! -x "$bin" ]]; then
    echo "bench: $bin is missing; run 'make build/frontdesk' (or 'make bench') first" >&2
    exit 1
fi
if ! [[ "$n" =~ ^[0-9]+$ && "$n" -ge 1 && "$n" -le 100000 ]]; then
    echo "bench: BENCH_N must be 1..100000" >&2
    exit 1
fi

parent="${BENCH_TMPDIR:-${TMPDIR:-/tmp}}"
work="$(mktemp -d "$parent/fd-bench.XXXXXX")"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== frontdesk benchmarks =="
echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "host:     $(uname -srm), $(nproc) CPU(s): $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
echo "binary:   $bin"
echo "commit:   $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo none)$(git -C "$root" status --porcelain 2>/dev/null | grep -q . && echo ' (uncommitted changes present)')"
echo "data in:  $work ($(df -PT "$work" | awk 'NR==2 {print $2 " on " $1}'))"
echo "sqlite:   $(pkg-config --modversion sqlite3)"
echo

# ---- raw SQLite floor --------------------------------------------------------------------
cc="${CC:-cc}"
"$cc" -std=c11 -Wall -Wextra -Werror -O2 $(pkg-config --cflags sqlite3) \
    bench/sqlite_insert.c -o "$work/sqlite_insert" $(pkg-config --libs sqlite3)
# Run twice, before and after the HTTP benchmark, into fresh databases: the spread shows
# how much the disk drifted meanwhile (shared machines, other I/O).
raw_run() {
    local out
    out="$("$work/sqlite_insert" "$work/raw-$1.db" src/store/migrations/001_init.sql "$n" "$secs")"
    echo "$out" | grep -v '^RESULT ' | sed "1s/\$/ [run $1]/" >&2
    echo "$out" | sed -n 's/^RESULT raw_tps=\([0-9.]*\) .*/\1/p'
}
raw_before="$(raw_run before)"
echo

# ---- HTTP ticket creation ----------------------------------------------------------------
http_out="$(BENCH_TMPDIR="$work" FRONTDESK_BIN="$bin" BENCH_N="$n" BENCH_SECONDS="$secs" \
    node bench/ticket_create.mjs)" || {
    echo "$http_out"
    echo "bench: ticket_create failed" >&2
    exit 1
}
echo "$http_out" | grep -v '^RESULT '
http_json="$(echo "$http_out" | sed -n 's/^RESULT //p')"
echo
raw_after="$(raw_run after)"
echo

# ---- summary -----------------------------------------------------------------------------
RAW_BEFORE="$raw_before" RAW_AFTER="$raw_after" HTTP_JSON="$http_json" node -e '
const before = Number(process.env.RAW_BEFORE), after = Number(process.env.RAW_AFTER);
const raw = (before + after) / 2; // the mean of the runs before and after HTTP
const r = JSON.parse(process.env.HTTP_JSON);
const f = (x) => x.toFixed(0).padStart(7);
console.log("== summary (tickets created per second, durable commits) ==");
for (const p of r.phases) {
  console.log(`HTTP ${p.label.padEnd(5)}          ${f(p.tps)} tickets/s   p50 ${p.p50_ms.toFixed(2)} ms  p99 ${p.p99_ms.toFixed(2)} ms   = ${(100 * p.tps / raw).toFixed(1)}% of raw (HTTP/raw ${(p.tps / raw).toFixed(3)})`);
}
console.log(`raw durable SQLite  ${f(raw)} tickets/s   (mean of ${before.toFixed(0)} before and ${after.toFixed(0)} after the HTTP runs; 1 connection, 1 transaction per ticket, WAL + synchronous=FULL)`);
if (Math.max(before, after) > 1.5 * Math.min(before, after))
  console.log("WARNING: the raw runs differ by more than 1.5x: the disk was not steady; rerun on a quiet machine");
console.log(r.ok ? "checks: all requests 201, /tickets/counts matched every phase" : "checks: FAILED (see above)");
process.exitCode = r.ok ? 0 : 1;
'

# ---- help-center search (in process; bench/kb_search.c, bench/kb_quality.c) ---------------
# Built from the optimized objects of build/rel by the rules in bench/kb_search.mk.
make --no-print-directory -f Makefile -f bench/kb_search.mk build/bench/kb_search build/bench/kb_quality
echo
build/bench/kb_search --articles "${BENCH_KB_ARTICLES:-100000}" --queries 1000 --tmp "$work" | grep -v '^RESULT '
echo
build/bench/kb_quality | grep -v '^RESULT '

# ---- learned triage (bench/triage_quality.c by bench/triage_quality.mk, bench/triage_hook.c) --
# Trains the intent classifier on Banking77 and scores it on a stratified held-out 20 %.
# Skipped without the corpus (FD_BANKING77 names train.csv).
echo
b77="${FD_BANKING77:-$root/../shared/corpora/banking77/train.csv}"
if [[ -f "$b77" ]]; then
    make --no-print-directory -f Makefile -f bench/triage_quality.mk build/bench/triage_quality
    build/bench/triage_quality --train "$b77" | grep -v '^RESULT '
    # What the hook adds to ticket creation, in process (bench/triage_hook.c).
    make --no-print-directory -f Makefile -f bench/kb_search.mk build/bench/triage_hook
    echo
    build/bench/triage_hook --intents "$b77" --tmp "$work" | grep -v '^RESULT '
else
    echo "triage quality: skipped, no corpus at $b77 (set FD_BANKING77)"
fi

# ---- mail intake (bench/mail_ingest.sh, bench/mail_ingest.c) -------------------------------
# The email corpus (1,047 messages + ~100 threaded replies) through `frontdesk mailgate`,
# one process per message against its own server on 127.0.0.1, then in process via
# mail_intake. Built from build/rel by bench/mail_ingest.mk. Skipped without the corpus.
echo
mail_corpus="${FD_CORPUS_DIR:-$root/../shared/corpora/email}"
if [[ -d "$mail_corpus/spamassassin" && -d "$mail_corpus/python-test-email" ]]; then
    FRONTDESK_BIN="$bin" BENCH_TMPDIR="$work" FD_CORPUS_DIR="$mail_corpus" \
        bash bench/mail_ingest.sh | grep -v '^RESULT '
else
    echo "mail intake: skipped, no corpus at $mail_corpus (set FD_CORPUS_DIR)"
fi

# ---- live chat load (bench/chat_load.sh, bench/chat_load.c) --------------------------------
# N concurrent customer WebSockets against its own server on 127.0.0.1: the server's RSS
# per connection and agent → customer latency p50/p99 while M messages/s flow (targets:
# 10,000 connections at ≤ 16 KiB each, p99 < 50 ms). CHAT_CONNS, CHAT_AGENTS, CHAT_RATE,
# CHAT_SECONDS override the defaults (10000, 50, 200, 20).
echo
FRONTDESK_BIN="$bin" BENCH_TMPDIR="$work" bash bench/chat_load.sh | grep -v '^RESULT '
