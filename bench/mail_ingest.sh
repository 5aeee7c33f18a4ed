#!/usr/bin/env bash
# Mail intake benchmark (bench/mail_ingest.c): the public email corpus (1,047 messages)
# plus ~100 threaded replies, (a) through `frontdesk mailgate`, one process per message
# as an MTA runs it, against a running server, and (b) in process via mail_intake.
#
# Starts build/frontdesk (FRONTDESK_BIN overrides) on 127.0.0.1:<ephemeral> with a fresh
# data dir, adds an admin user and a mail:ingest token through the CLI, runs the
# benchmark, then stops the server by its PID and removes every temp dir (also on
# Ctrl-C). All traffic goes to 127.0.0.1; each phase stops after BENCH_MAIL_SECONDS.
#
# Needs build/frontdesk (`make`); builds build/bench/mail_ingest from the build/rel
# objects with bench/mail_ingest.mk. Environment: FD_CORPUS_DIR (default
# ../shared/corpora/email from the repository root), BENCH_MAIL_SECONDS (default 120),
# BENCH_MAIL_REPLIES (default 100), BENCH_TMPDIR (default $TMPDIR or /tmp: put it on the
# disk you want measured), FRONTDESK_BIN.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bin="${FRONTDESK_BIN:-$root/build/frontdesk}"
corpus="${FD_CORPUS_DIR:-$root/../shared/corpora/email}"
secs="${BENCH_MAIL_SECONDS:-120}"
replies="${BENCH_MAIL_REPLIES:-100}"
if [[ ! -x "$bin" ]]; then
    echo "mail_ingest: $bin is missing; run 'make' first" >&2
    exit 1
fi
if [[ ! -d "$corpus/spamassassin" || ! -d "$corpus/python-test-email" ]]; then
    echo "mail_ingest: no corpus at $corpus (set FD_CORPUS_DIR)" >&2
    exit 1
fi
make --no-print-directory -f Makefile -f bench/mail_ingest.mk build/bench/mail_ingest

parent="${BENCH_TMPDIR:-${TMPDIR:-/tmp}}"
work="$(mktemp -d "$parent/fd-mail-bench.XXXXXX")"
pid=""
stop_server() {
    [[ -n "$pid" ]] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do # at most 10 s, then SIGKILL
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
    pid=""
}
cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

data="$work/data"
mkdir -p "$data"
unset FRONTDESK_CONFIG
"$bin" serve --listen 127.0.0.1:0 --data-dir "$data" >"$work/server.out" 2>"$work/server.err" &
pid=$!
url=""
for _ in $(seq 1 150); do # at most 15 s
    url="$(sed -n 's/.*listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$work/server.out" | head -1)"
    [[ -n "$url" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if [[ -z "$url" ]]; then
    echo "mail_ingest: the server did not start:" >&2
    tail -20 "$work/server.err" >&2
    exit 1
fi

admin="bench.admin@frontdesk.test"
printf 'correct-horse-battery-staple\n' |
    "$bin" user add --data-dir "$data" --email "$admin" --name "Bench Admin" --role admin \
        --password-stdin >/dev/null
token="$("$bin" token create --data-dir "$data" --email "$admin" --name "bench mailgate" \
    --scopes mail:ingest)"

echo "== mail intake benchmark =="
echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "host:     $(uname -srm), $(nproc) CPU(s)"
echo "binary:   $bin (server $url, pid $pid)"
echo "corpus:   $corpus"
echo "data in:  $work ($(df -PT "$work" | awk 'NR==2 {print $2 " on " $1}'))"
rc=0
FRONTDESK_MAILGATE_TOKEN="$token" build/bench/mail_ingest --corpus "$corpus" --bin "$bin" \
    --url "$url" --data-dir "$data" --tmp "$work" --seconds "$secs" --replies "$replies" || rc=$?
if grep -qiE 'AddressSanitizer|runtime error' "$work/server.err"; then
    echo "mail_ingest: the server reported errors:" >&2
    grep -iE -A5 'AddressSanitizer|runtime error' "$work/server.err" | head -30 >&2
    rc=1
fi
stop_server
exit "$rc"
