// Benchmark: the status page's read paths and the Telegram webhook, over HTTP against the
// real binary (build/frontdesk; FRONTDESK_BIN overrides), with one live incident so that
// /help renders the banner and counts a view on every request.
//
// Phases (concurrency BENCH_CONCURRENCY, default 8; BENCH_N requests each, default 2000):
//   GET /api/v1/status, GET /status, GET /status/feed.atom, GET /help (banner + view write),
//   POST /api/v1/social/telegram (distinct update_ids: each opens or threads a ticket).
// Prints requests/s and p50/p99 latency per phase; every answer must be 200.
import http from 'node:http';
import { startServer, Client } from '../tests/lib/server.mjs';

const N = Number(process.env.BENCH_N || 2000);
const CONC = Number(process.env.BENCH_CONCURRENCY || 8);
const SECRET = 'bench-secret-0123456789';

const srv = await startServer({ env: {
  FRONTDESK_TELEGRAM_BOT_TOKEN: '1:bench', FRONTDESK_TELEGRAM_SECRET: SECRET,
  FRONTDESK_TELEGRAM_API_URL: 'http://127.0.0.1:9', FRONTDESK_LOG_LEVEL: 'warn',
} });
try {
  const s = srv.addUser({ email: 'sup@bench.test', role: 'supervisor' });
  const sup = new Client(srv.url);
  await sup.login(s.email, s.password);
  const r = await sup.post('/api/v1/status/incidents', { title: 'BTC withdrawals are delayed', body: 'We are on it.',
    components: [{ component: 'chain-btc', state: 'partial_outage' }] });
  if (r.status !== 201) throw new Error(r.text);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONC });
  const url = new URL(srv.url);
  let nextUpdate = 1;
  function one(method, path, bodyFn) {
    return new Promise((resolve, reject) => {
      const body = bodyFn ? bodyFn() : null;
      const headers = body ? { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET } : {};
      const t0 = process.hrtime.bigint();
      const req = http.request({ host: url.hostname, port: url.port, method, path, agent, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${path}: HTTP ${res.statusCode}`));
          else resolve(Number(process.hrtime.bigint() - t0) / 1e6);
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  async function phase(name, method, path, bodyFn) {
    const lat = [];
    let i = 0;
    const t0 = Date.now();
    await Promise.all(Array.from({ length: CONC }, async () => {
      while (i < N) { i++; lat.push(await one(method, path, bodyFn)); }
    }));
    const secs = (Date.now() - t0) / 1000;
    lat.sort((a, b) => a - b);
    const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2);
    console.log(`${name.padEnd(34)} ${String(Math.round(lat.length / secs)).padStart(6)} req/s  p50 ${q(0.5)} ms  p99 ${q(0.99)} ms  (n=${lat.length}, c=${CONC})`);
  }
  await phase('GET /api/v1/status', 'GET', '/api/v1/status');
  await phase('GET /status', 'GET', '/status');
  await phase('GET /status/feed.atom', 'GET', '/status/feed.atom');
  await phase('GET /help (banner + view count)', 'GET', '/help');
  await phase('POST /api/v1/social/telegram', 'POST', '/api/v1/social/telegram', () => {
    const id = nextUpdate++;
    return JSON.stringify({ update_id: id, message: { message_id: id, from: { id: 1000 + (id % 200), is_bot: false, first_name: 'B' },
      chat: { id: 1000 + (id % 200), type: 'private' }, date: 1, text: `withdrawal question ${id}` } });
  });
} finally {
  await srv.stop();
}
