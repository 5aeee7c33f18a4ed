// Reports across modules: the SLA compliance report (clocks met in time and breached, from
// the tickets' SLA records) and first-reply times measured in the department's business
// hours once an admin gives it a calendar. Time is driven by FRONTDESK_CLOCK_FILE.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client } from '../lib/server.mjs';

const MIN = 60000;
const T0 = Date.parse('2026-11-10T09:00:00Z'); // a Tuesday
let srv, clockDir, admin, sup, agent, cust;
const setClock = (ms) => writeFileSync(join(clockDir, 'now'), String(ms));

async function create(body = {}) {
  const r = await cust.post('/api/v1/tickets', { department: 'deposits', subject: 'Help', body: 'details', ...body });
  assert.equal(r.status, 201, r.text);
  return r.json.ticket.reference;
}
async function reply(ref) {
  const r = await agent.post(`/api/v1/tickets/${ref}/messages`, { body: 'On it.' });
  assert.equal(r.status, 201, r.text);
}
async function solve(ref) {
  const r = await agent.patch(`/api/v1/tickets/${ref}`, { status: 'solved' });
  assert.equal(r.status, 200, r.text);
}

before(async () => {
  clockDir = mkdtempSync(join(tmpdir(), 'fd-clock-'));
  setClock(T0);
  srv = await startServer({ env: { FRONTDESK_CLOCK_FILE: join(clockDir, 'now'), FRONTDESK_SESSION_TTL_S: '8640000' } });
  const login = async (u) => { const c = new Client(srv.url); await c.login(u.email, u.password); return c; };
  admin = await login(srv.addUser({ email: 'ada@fd-rs.test', name: 'Ada', role: 'admin' }));
  sup = await login(srv.addUser({ email: 'sue@fd-rs.test', name: 'Sue', role: 'supervisor' }));
  agent = await login(srv.addUser({ email: 'dora@fd-rs.test', name: 'Dora', role: 'agent', department: 'deposits', tier: 1 }));
  cust = new Client(srv.url);
  await cust.signup('c@cust-rs.test', 'customer-c-pass', 'Carl');
});

after(async () => {
  await srv?.stop();
  if (clockDir) rmSync(clockDir, { recursive: true, force: true });
});

test('SLA compliance report: first-reply and resolution clocks met in time and breached, per day', async () => {
  const p = await admin.post('/api/v1/sla/policies', { name: 'Normal', priority: 'normal', first_reply_min: 30,
    next_reply_min: 60, resolution_min: 120, warn_min: 5 });
  assert.equal(p.status, 201, p.text);
  const t1 = await create({ subject: 'in time' });
  const t2 = await create({ subject: 'late' });
  setClock(T0 + 10 * MIN); await reply(t1); // first reply after 10 of 30 minutes
  setClock(T0 + 45 * MIN); await reply(t2); // after 45: breached
  setClock(T0 + 100 * MIN); await solve(t1); // resolved after 100 of 120 minutes
  setClock(T0 + 150 * MIN); await solve(t2); // after 150: breached

  const r = await sup.get('/api/v1/reports/sla?from=2026-11-10&to=2026-11-10');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.title, 'SLA compliance');
  assert.deepEqual(r.json.columns, ['day', 'first_reply_met', 'first_reply_breached', 'resolution_met', 'resolution_breached']);
  assert.deepEqual(r.json.rows, [['2026-11-10', 1, 1, 1, 1]]);
  assert.deepEqual(r.json.summary, { first_reply_pct: 50, resolution_pct: 50 });

  // The next day has no finished clocks; the department filter excludes other teams.
  let o = await sup.get('/api/v1/reports/sla?from=2026-11-11&to=2026-11-11');
  assert.deepEqual(o.json.rows, [['2026-11-11', 0, 0, 0, 0]]);
  assert.deepEqual(o.json.summary, { first_reply_pct: null, resolution_pct: null });
  o = await sup.get('/api/v1/reports/sla?from=2026-11-10&to=2026-11-10&department=trading');
  assert.deepEqual(o.json.rows, [['2026-11-10', 0, 0, 0, 0]]);

  const csv = await sup.get('/api/v1/reports/sla?from=2026-11-10&to=2026-11-10&format=csv');
  assert.equal(csv.status, 200);
  assert.equal(csv.text, 'day,first_reply_met,first_reply_breached,resolution_met,resolution_breached\r\n2026-11-10,1,1,1,1\r\n');
  assert.equal((await agent.get('/api/v1/reports/sla')).status, 403);
});

test('first-reply report in business hours once the department has a calendar', async () => {
  // Friday 2026-11-13 16:00 UTC, answered Monday 10:00: 66 wall-clock hours, but only
  // one business hour on Friday and one on Monday in a Mon-Fri 09:00-17:00 UTC calendar.
  const fri = Date.parse('2026-11-13T16:00:00Z');
  setClock(fri);
  const t = await create({ subject: 'weekend', department: 'trading' });
  setClock(Date.parse('2026-11-16T10:00:00Z'));
  const r1 = await admin.post(`/api/v1/tickets/${t}/messages`, { body: 'Answer after the weekend.' });
  assert.equal(r1.status, 201, r1.text);

  const q = '/api/v1/reports/first-reply?from=2026-11-16&to=2026-11-16&department=trading';
  let r = await sup.get(q);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.rows, [['2026-11-16', 66 * 60, 66 * 60]]);

  const cal = await admin.post('/api/v1/sla/calendars', { name: 'Office', timezone: 'UTC',
    hours: ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({ day, open: '09:00', close: '17:00' })) });
  assert.equal(cal.status, 201, cal.text);
  const d = await admin.req('PUT', '/api/v1/departments/trading/calendar', { calendar_id: cal.json.id });
  assert.equal(d.status, 200, d.text);
  r = await sup.get(q);
  assert.deepEqual(r.json.rows, [['2026-11-16', 120, 120]]);
});
