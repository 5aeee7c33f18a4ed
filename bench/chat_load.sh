#!/usr/bin/env bash
# Live-chat load benchmark (bench/chat_load.c): N concurrent customer WebSocket
# connections, the server's RSS per connection, and agent → customer message latency
# (p50/p99) while M messages per second flow.
#
# Starts build/frontdesk (FRONTDESK_BIN overrides) on 127.0.0.1:<ephemeral> with a fresh
# data dir and the hard RLIMIT_NOFILE, adds A agents of "deposits" (tier 1) through the
# CLI, signs them in and sets them online with capacity 20 over REST, opens K = 20 × A
# chats as anonymous visitors (each routed at once to an agent with room), then runs
# chat_load: one agent socket per chat, N customer sockets spread round-robin over the K
# chats (N/K sockets per chat, each authenticated with the chat's visitor token), then
# M messages/s from the agents for S seconds. Stops the server by its PID and removes
# every temp dir, also on Ctrl-C. All traffic goes to 127.0.0.1.
#
# Environment: CHAT_CONNS (N, default 10000), CHAT_AGENTS (A, default 50 → 1000 chats),
# CHAT_RATE (M, default 200), CHAT_SECONDS (S, default 20), BENCH_TMPDIR (default $TMPDIR
# or /tmp), FRONTDESK_BIN, CC.
# Targets (the issue): 10,000 connections at ≤ 16 KiB each, p99 < 50 ms.
set -euo pipefail
# Load comes from one address on purpose: the per-address and per-account rate limits of
# the public endpoints (docs/security.md) are off for the servers the benchmarks start.
for k in SIGNIN_IP SIGNIN_ACCOUNT SIGNUP_IP TICKETS_IP TICKETS_ACCOUNT SEARCH_IP SEARCH_ACCOUNT \
    CHAT_IP CHAT_ACCOUNT VERIFY_IP; do
    export "FRONTDESK_RATE_$k=0/1"
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bin="${FRONTDESK_BIN:-$root/build/frontdesk}"
conns="${CHAT_CONNS:-10000}"
agents="${CHAT_AGENTS:-50}"
rate="${CHAT_RATE:-200}"
secs="${CHAT_SECONDS:-20}"
if [[ ! -x "$bin" ]]; then
    echo "chat_load: $bin is missing; run 'make' first" >&2
    exit 1
fi
for v in conns agents rate secs; do
    if ! [[ "${!v}" =~ ^[0-9]+$ && "${!v}" -ge 1 ]]; then
        echo "chat_load: $v must be a positive integer" >&2
        exit 1
    fi
done
if ((conns > 15000 || agents > 500 || secs > 300)); then
    echo "chat_load: CHAT_CONNS ≤ 15000, CHAT_AGENTS ≤ 500, CHAT_SECONDS ≤ 300" >&2
    exit 1
fi
chats=$((agents * 20))
if ((chats > conns)); then
    chats=$conns
fi

parent="${BENCH_TMPDIR:-${TMPDIR:-/tmp}}"
work="$(mktemp -d "$parent/fd-chat-bench.XXXXXX")"
pid=""
stop_server() {
    [[ -n "$pid" ]] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
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

# ---- build the client ----------------------------------------------------------------------
cc="${CC:-cc}"
"$cc" -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 $(pkg-config --cflags libcrypto) \
    bench/chat_load.c -o "$work/chat_load" $(pkg-config --libs libcrypto)

# ---- the server ----------------------------------------------------------------------------
ulimit -n "$(ulimit -Hn)"
data="$work/data"
mkdir -p "$data"
"$bin" migrate --data-dir "$data" >/dev/null 2>&1
FRONTDESK_LOG_LEVEL=warn "$bin" serve --listen 127.0.0.1:0 --data-dir "$data" \
    >"$work/server.out" 2>"$work/server.err" &
pid=$!
url=""
for _ in $(seq 150); do
    url="$(sed -n 's/.*listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$work/server.out" | head -1)"
    [[ -n "$url" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if [[ -z "$url" ]]; then
    echo "chat_load: the server did not start:" >&2
    cat "$work/server.err" >&2
    exit 1
fi
port="${url##*:}"

echo "== live chat load =="
echo "server:   $url (pid $pid, RLIMIT_NOFILE $(ulimit -n)), data in $data"
echo "plan:     $agents agents × capacity 20 → $chats chats; $conns customer sockets" \
    "($((conns / chats))–$(((conns + chats - 1) / chats)) per chat); $rate msgs/s for $secs s"

# ---- agents (CLI) and chats (REST) ---------------------------------------------------------
t0=$(date +%s.%N)
for i in $(seq "$agents"); do
    echo "bench-agent-pass-$i" | "$bin" user add --data-dir "$data" --email "agent$i@bench.test" \
        --name "Agent $i" --role agent --department deposits --tier 1 --password-stdin >/dev/null 2>&1
done
URL="$url" AGENTS="$agents" CHATS="$chats" OUT="$work/setup.txt" node --input-type=module -e '
const { URL: base, AGENTS, CHATS, OUT } = process.env;
import("node:fs").then(async ({ writeFileSync }) => {
  const agents = [];
  for (let i = 1; i <= Number(AGENTS); i++) {
    const r = await fetch(base + "/api/v1/auth/login", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: `agent${i}@bench.test`, password: `bench-agent-pass-${i}` }) });
    if (r.status !== 200) throw new Error(`login agent${i}: ${r.status} ${await r.text()}`);
    const cookie = r.headers.get("set-cookie").match(/fd_session=[^;]*/)[0];
    const { csrf_token: csrf } = await r.json();
    const s = await fetch(base + "/api/v1/agent/status", { method: "PUT",
      headers: { "content-type": "application/json", cookie, "x-csrf-token": csrf },
      body: JSON.stringify({ status: "online", capacity: 20 }) });
    if (s.status !== 200) throw new Error(`agent${i} online: ${s.status} ${await s.text()}`);
    agents.push({ cookie, csrf });
  }
  const chats = [];
  let next = 0;
  async function worker() {
    while (next < Number(CHATS)) {
      const i = next++;
      const r = await fetch(base + "/api/v1/chat", { method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ department: "deposits", message: `visitor ${i}: my deposit is late`,
          email: `visitor${i}@bench.test`, name: `Visitor ${i}` }) });
      if (r.status !== 201) throw new Error(`chat ${i}: ${r.status} ${await r.text()}`);
      const j = await r.json();
      chats.push({ id: j.chat.id, token: j.token });
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker));
  // which agent got which chat
  const owner = new Map();
  for (const a of agents) {
    const r = await fetch(base + "/api/v1/agent/chats", { headers: { cookie: a.cookie } });
    if (r.status !== 200) throw new Error(`agent chats: ${r.status}`);
    for (const c of (await r.json()).chats) owner.set(c.id, a.cookie);
  }
  const lines = chats.map((c) => {
    if (!owner.has(c.id)) throw new Error(`chat ${c.id} was not assigned to an agent`);
    return `${c.id} ${c.token} ${owner.get(c.id)}`;
  });
  writeFileSync(OUT, lines.join("\n") + "\n");
}).catch((e) => { console.error("chat_load setup: " + e.message); process.exit(1); });
'
t1=$(date +%s.%N)
echo "setup:    $agents agents online, $chats chats assigned in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"

# ---- the load ------------------------------------------------------------------------------
set +e
"$work/chat_load" --port "$port" --pid "$pid" --setup "$work/setup.txt" --conns "$conns" \
    --rate "$rate" --seconds "$secs" --connect-timeout 120
rc=$?
set -e
if ! kill -0 "$pid" 2>/dev/null; then
    echo "chat_load: the server died during the run:" >&2
    tail -20 "$work/server.err" >&2
    rc=1
fi
if grep -qiE 'error|fatal' "$work/server.err"; then
    echo "server log (errors, first 10):"
    grep -iE 'error|fatal' "$work/server.err" | head -10
fi
stop_server
exit "$rc"
