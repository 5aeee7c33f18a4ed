// Benchmark: POST /api/v1/tickets over HTTP against the real binary.
//
// Starts build/frontdesk (FRONTDESK_BIN overrides) on 127.0.0.1:<ephemeral> with a fresh
// data dir, adds a customer through the CLI, signs in (cookie + X-CSRF-Token), then
// creates tickets with a realistic body: first a short warm-up, then N tickets (or
// BENCH_SECONDS, whichever ends first) at concurrency 1, then N at concurrency 16.
// Each phase uses its own http.Agent with keepAlive and maxSockets = concurrency, and
// reports the highest number of requests in flight and of sockets used, so the
// concurrency is measured, not assumed. After each phase GET /api/v1/tickets/counts must
// equal the number of 201 answers so far.
//
// Environment: BENCH_N (default 2000, at most 100000), BENCH_SECONDS (default 20 per
// phase, at most 600), BENCH_CONCURRENCY (default "1,16"), BENCH_WARMUP (default 50),
// BENCH_TMPDIR (parent of the data dir, default the OS temp dir), FRONTDESK_BIN.
// Output: human-readable lines, then one line "RESULT {json}" for bench/run.sh.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { BIN, startServer } from '../tests/lib/server.mjs';

function intEnv(name, dflt, lo, hi) {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new Error(`${name} must be an integer from ${lo} to ${hi}`);
  return n;
}

const N = intEnv('BENCH_N', 2000, 1, 100000);
const MAX_S = intEnv('BENCH_SECONDS', 20, 1, 600);
const WARMUP = intEnv('BENCH_WARMUP', 50, 0, 10000);
const CONCS = (process.env.BENCH_CONCURRENCY || '1,16').split(',').map((s) => {
  const c = Number(s);
  if (!Number.isInteger(c) || c < 1 || c > 256) throw new Error('BENCH_CONCURRENCY: integers 1..256');
  return c;
});
const MAX_ERRORS = 100; // transport errors (not HTTP statuses) before a phase gives up

const BODY_TEXT =
  'Hello, I sent BTC from my hardware wallet to my deposit address three hours ago. The ' +
  'transaction has more than 6 confirmations on the block explorer but the balance in my ' +
  'account still shows nothing and the deposit history is empty. I double-checked that I ' +
  'used the bitcoin network and the address shown on the deposit page. Could you please ' +
  'look into it and credit the deposit? Thank you.';

function ticketBody(i) {
  const sats = 1 + Math.floor(Math.random() * 99999999);
  return JSON.stringify({
    subject: `BTC deposit not credited after 6 confirmations (#${i})`,
    body: BODY_TEXT,
    department: 'deposits',
    exchange: {
      asset: 'BTC',
      network: 'bitcoin',
      txid: randomBytes(32).toString('hex'),
      amount: '0.' + String(sats).padStart(8, '0'),
    },
  });
}

/** One HTTP request on the given agent; resolves to {status, text, ms}. */
function request(agent, base, method, path, headers, body, stats) {
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    if (body !== undefined) {
      h['content-type'] = 'application/json';
      h['content-length'] = Buffer.byteLength(body);
    }
    const t0 = process.hrtime.bigint();
    if (stats) {
      stats.inflight++;
      if (stats.inflight > stats.maxInflight) stats.maxInflight = stats.inflight;
    }
    const done = () => { if (stats) stats.inflight--; };
    const req = http.request({ host: base.hostname, port: base.port, method, path, headers: h, agent }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        done();
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), ms });
      });
      res.on('error', (e) => { done(); reject(e); });
    });
    if (stats) req.on('socket', (s) => stats.sockets.add(s));
    req.setTimeout(30000, () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
    req.on('error', (e) => { done(); reject(e); });
    req.end(body);
  });
}

function pct(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
}

/** Creates up to n tickets with `conc` requests in flight; returns the phase's figures. */
async function phase(base, auth, conc, n, maxS, label, seq) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: conc, maxFreeSockets: conc });
  const stats = { inflight: 0, maxInflight: 0, sockets: new Set() };
  const lat = [];
  const statuses = {};
  let next = 0, created = 0, errors = 0, firstBad = null, sample = null;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(maxS) * 1000000000n;
  async function worker() {
    while (next < n && process.hrtime.bigint() < deadline && errors < MAX_ERRORS) {
      next++;
      const i = ++seq.i;
      try {
        const r = await request(agent, base, 'POST', '/api/v1/tickets', auth, ticketBody(i), stats);
        statuses[r.status] = (statuses[r.status] || 0) + 1;
        if (r.status === 201) {
          created++;
          lat.push(r.ms);
          if (!sample) sample = r.text;
        } else if (!firstBad) {
          firstBad = `${r.status} ${r.text.slice(0, 300)}`;
        }
      } catch (e) {
        errors++;
        if (!firstBad) firstBad = String(e && e.message);
      }
    }
  }
  await Promise.all(Array.from({ length: conc }, worker));
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  agent.destroy();
  lat.sort((a, b) => a - b);
  return {
    label, concurrency: conc, attempted: next, created, errors, statuses, seconds: secs,
    tps: created / secs, p50_ms: pct(lat, 0.5), p99_ms: pct(lat, 0.99), max_ms: lat.length ? lat[lat.length - 1] : NaN,
    max_in_flight: stats.maxInflight, sockets: stats.sockets.size,
    stopped_by_time: next < n, first_bad: firstBad, sample,
  };
}

async function countTickets(base, auth) {
  const agent = new http.Agent({ keepAlive: false });
  const r = await request(agent, base, 'GET', '/api/v1/tickets/counts', { cookie: auth.cookie });
  agent.destroy();
  if (r.status !== 200) throw new Error(`GET /api/v1/tickets/counts: ${r.status} ${r.text}`);
  const c = JSON.parse(r.text).counts;
  return Object.values(c).reduce((a, b) => a + b, 0);
}

async function main() {
  const parent = process.env.BENCH_TMPDIR || tmpdir();
  const dataDir = mkdtempSync(join(parent, 'fd-bench-'));
  let srv = null;
  const cleanup = async () => {
    if (srv) await srv.stop().catch(() => {});
    srv = null;
    rmSync(dataDir, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => { cleanup().finally(() => process.exit(130)); });
  }
  let ok = true;
  try {
    srv = await startServer({ dataDir });
    const base = new URL(srv.url);
    if (base.hostname !== '127.0.0.1') throw new Error(`refusing to benchmark a non-loopback address: ${srv.url}`);
    const { email, password } = srv.addUser({ email: 'bench.customer@example.com', name: 'Bench Customer' });

    const agent = new http.Agent({ keepAlive: false });
    const login = await request(agent, base, 'POST', '/api/v1/auth/login', {}, JSON.stringify({ email, password }));
    agent.destroy();
    if (login.status !== 200) throw new Error(`login: ${login.status} ${login.text}`);
    const m = String(login.headers['set-cookie'] || '').match(/fd_session=([^;]+)/);
    if (!m) throw new Error('login: no fd_session cookie');
    const auth = { cookie: `fd_session=${m[1]}`, 'x-csrf-token': JSON.parse(login.text).csrf_token };

    console.log(`HTTP POST /api/v1/tickets: ${BIN}`);
    const threads = (srv.stderr().match(/threads=(\d+)/) || [])[1] || '?';
    console.log(`  server ${srv.url} (${threads} HTTP worker threads), data dir ${dataDir}`);
    console.log(`  client: node ${process.version} in the same machine, ${cpus().length} CPUs shared with the server`);
    console.log(`  N=${N} per phase (or ${MAX_S} s), warm-up ${WARMUP} at c=1 (not timed, but counted)`);

    const seq = { i: 0 };
    let expected = 0;
    const results = [];
    const runs = [];
    if (WARMUP > 0) runs.push(['warmup', 1, WARMUP]);
    for (const c of CONCS) runs.push([`c=${c}`, c, N]);
    for (const [label, c, n] of runs) {
      const r = await phase(base, auth, c, n, MAX_S, label, seq);
      expected += r.created;
      r.counted = await countTickets(base, auth);
      r.count_ok = r.counted === expected;
      if (!r.count_ok || r.created === 0 || r.errors || r.created !== r.attempted) ok = false;
      if (label === 'warmup') {
        console.log(`  warm-up: ${r.created}/${r.attempted} created`);
        if (!r.count_ok) console.log(`  COUNT MISMATCH after warm-up: counts say ${r.counted}, expected ${expected}`);
        continue;
      }
      const st = Object.entries(r.statuses).map(([k, v]) => `${k}x${v}`).join(' ');
      console.log(`  ${label}: ${r.created} created of ${r.attempted} sent in ${r.seconds.toFixed(2)} s` +
        `${r.stopped_by_time ? ' (stopped by the time limit)' : ''}: ${r.tps.toFixed(0)} tickets/s, ` +
        `p50 ${r.p50_ms.toFixed(2)} ms, p99 ${r.p99_ms.toFixed(2)} ms, max ${r.max_ms.toFixed(2)} ms`);
      console.log(`    statuses [${st}], transport errors ${r.errors}; in flight at most ${r.max_in_flight}, ` +
        `${r.sockets} socket(s); /tickets/counts total ${r.counted} (expected ${expected}) ${r.count_ok ? 'OK' : 'MISMATCH'}`);
      if (r.first_bad) console.log(`    first failure: ${r.first_bad}`);
      if (r.max_in_flight < c) console.log(`    WARNING: only ${r.max_in_flight} requests were ever in flight, not ${c}`);
      delete r.sample;
      results.push(r);
    }
    console.log('RESULT ' + JSON.stringify({ ok, phases: results }));
  } catch (e) {
    ok = false;
    console.error('ticket_create: ' + (e && e.stack || e));
    if (srv) console.error('server stderr (tail):\n' + srv.stderr().slice(-2000));
  } finally {
    await cleanup();
  }
  process.exitCode = ok ? 0 : 1;
}

await main();
