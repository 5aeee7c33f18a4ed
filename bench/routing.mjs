// Benchmark: what routing rules cost at ticket creation, over HTTP against the real binary.
//
// Starts build/frontdesk (FRONTDESK_BIN overrides) on 127.0.0.1:<ephemeral> with a fresh
// data dir, adds an admin, two online deposits agents and a VIP customer, then times
// sequential POST /api/v1/tickets (concurrency 1) in three phases: no rules; BENCH_RULES
// rules that do not match (a mix of contains, regex over subject+body, VIP and recipient
// conditions) followed by a catch-all that tags the ticket and assigns it automatically;
// and POST /api/v1/routing/dry-run against the same rules. Every created ticket is
// checked: in phase 2 it must carry the catch-all's tag and an assignee.
//
// Environment: BENCH_N (tickets per phase, default 300, at most 10000), BENCH_RULES
// (default 200, the maximum), FRONTDESK_BIN. Output: one line per phase with mean, p50,
// p95 and p99 in milliseconds.
import { startServer, Client } from '../tests/lib/server.mjs';

function intEnv(name, dflt, lo, hi) {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new Error(`${name} must be an integer from ${lo} to ${hi}`);
  return n;
}
const N = intEnv('BENCH_N', 300, 1, 10000);
const RULES = intEnv('BENCH_RULES', 200, 1, 200);

function stats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `n=${s.length} mean=${mean.toFixed(2)} p50=${q(0.5).toFixed(2)} p95=${q(0.95).toFixed(2)} p99=${q(0.99).toFixed(2)} ms`;
}

const srv = await startServer();
try {
  const a = srv.addUser({ email: 'admin@bench.test', role: 'admin' });
  const g1 = srv.addUser({ email: 'g1@bench.test', role: 'agent', department: 'deposits', tier: 1 });
  const g2 = srv.addUser({ email: 'g2@bench.test', role: 'agent', department: 'deposits', tier: 1 });
  const admin = new Client(srv.url); await admin.login(a.email, a.password);
  for (const g of [g1, g2]) {
    const c = new Client(srv.url); await c.login(g.email, g.password);
    const r = await c.req('PUT', '/api/v1/agent/status', { status: 'online' });
    if (r.status !== 200) throw new Error(r.text);
    await admin.patch(`/api/v1/routing/agents/${c.user.id}`, { ticket_capacity: 1000 });
  }
  const cust = new Client(srv.url); await cust.signup('cust@bench.test');
  const body = 'I withdrew 0.5 BTC to my wallet three hours ago and it has not arrived. '.repeat(20);

  async function phase(name, check) {
    const ms = [];
    for (let i = 0; i < N; i++) {
      const t0 = performance.now();
      const r = await cust.post('/api/v1/tickets', { subject: `Withdrawal question ${i}`, body, department: 'deposits' });
      ms.push(performance.now() - t0);
      if (r.status !== 201) throw new Error(`${name}: ${r.status} ${r.text}`);
      if (check) check(r.json.ticket);
    }
    console.log(`${name.padEnd(28)} ${stats(ms)}`);
  }

  await phase('create, 0 rules');
  const kinds = [
    (i) => ({ all: [{ field: 'subject', op: 'contains', value: `never-${i}` }] }),
    (i) => ({ all: [{ field: 'text', op: 'matches', value: `(refund|chargeback)-${i}[0-9]+` }] }),
    (i) => ({ all: [{ field: 'vip_level', op: 'gte', value: 5 }, { field: 'asset', op: 'is', value: `X${i}` }] }),
    (i) => ({ any: [{ field: 'recipient', op: 'is', value: `nobody${i}@bench.test` }, { field: 'body', op: 'matches', value: `^zz${i}` }] }),
  ];
  for (let i = 0; i < RULES - 1; i++) {
    const r = await admin.post('/api/v1/routing/rules', { name: `Rule ${i}`, conditions: kinds[i % kinds.length](i), actions: { priority: 'high' } });
    if (r.status !== 201) throw new Error(r.text);
  }
  const last = await admin.post('/api/v1/routing/rules', { name: 'Catch-all', conditions: {}, actions: { add_tags: ['routed'], assign: 'auto' } });
  if (last.status !== 201) throw new Error(last.text);
  await phase(`create, ${RULES} rules`, (t) => {
    if (!t.tags.includes('routed') || !t.assignee || t.priority !== 'normal') throw new Error('not routed: ' + JSON.stringify(t));
  });
  const ms = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const r = await admin.post('/api/v1/routing/dry-run', { subject: `Withdrawal question ${i}`, body, department: 'deposits' });
    ms.push(performance.now() - t0);
    if (r.status !== 200 || r.json.rules.length !== RULES) throw new Error(r.text);
  }
  console.log(`${`dry-run, ${RULES} rules`.padEnd(28)} ${stats(ms)}`);
} finally {
  await srv.stop();
}
