// Complaints benchmark (not part of bench/run.sh): FRONTDESK_BIN=build/frontdesk N=2000 node bench/complaints.mjs
// Measures: filing N complaints (sequential, one client), then the report, the register
// (JSON and CSV), a customer's list, and a breach check that marks all N.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, Client } from '../tests/lib/server.mjs';

const N = Math.min(Math.max(Number(process.env.N || 2000), 1), 100000);
const dir = mkdtempSync(join(tmpdir(), 'fd-cmp-bench-'));
const clock = join(dir, 'now');
const T0 = Date.UTC(2026, 10, 23, 10);
writeFileSync(clock, String(T0));
const srv = await startServer({ env: { FRONTDESK_CLOCK_FILE: clock, FRONTDESK_SESSION_TTL_S: String(365 * 86400), FRONTDESK_LOG_LEVEL: 'warn' } });
const s = srv.addUser({ email: 'sup@fd.test', role: 'supervisor' });
const sup = new Client(srv.url); await sup.login(s.email, s.password);
const custs = [];
for (let i = 0; i < 20; i++) { const c = new Client(srv.url); await c.signup(`c${i}@fd.test`, 'customer-pass-1', `C ${i}`); custs.push(c); }
const services = ['withdrawals', 'deposits', 'trading', 'fees', 'kyc'];
let t = performance.now();
for (let i = 0; i < N; i++) {
  const r = await custs[i % 20].post('/api/v1/complaints', { complainant_name: 'X', complainant_contact: 'x@fd.test', service: services[i % 5], description: 'd'.repeat(300), request: 'r' });
  if (r.status !== 201) throw new Error(r.text);
}
const fileMs = performance.now() - t;
const time = async (label, fn, reps = 5) => {
  const ms = [];
  for (let i = 0; i < reps; i++) { const t0 = performance.now(); const r = await fn(); if (r.status !== 200) throw new Error(label + r.text); ms.push(performance.now() - t0); }
  ms.sort((a, b) => a - b);
  return `${label}: median ${ms[reps >> 1].toFixed(1)} ms`;
};
const out = [`filed ${N} complaints sequentially: ${(fileMs / N).toFixed(2)} ms each (${(N / fileMs * 1000).toFixed(0)}/s)`];
out.push(await time('GET /reports/complaints', () => sup.get('/api/v1/reports/complaints')));
out.push(await time('GET /complaints (supervisor, first page of 50)', () => sup.get('/api/v1/complaints')));
out.push(await time('GET /complaints (customer, own)', () => custs[0].get('/api/v1/complaints')));
out.push(await time('GET /complaints/register?format=json', () => sup.get('/api/v1/complaints/register?format=json'), 3));
out.push(await time('GET /complaints/register?format=csv', () => sup.get('/api/v1/complaints/register?format=csv'), 3));
writeFileSync(clock, String(Date.UTC(2026, 11, 10)));
out.push(await time(`first read after the ack clock ran out (marks ${N} breaches)`, () => sup.get('/api/v1/reports/complaints'), 1));
out.push(await time('GET /reports/complaints afterwards', () => sup.get('/api/v1/reports/complaints')));
console.log(out.join('\n'));
await srv.stop();
rmSync(dir, { recursive: true, force: true });
