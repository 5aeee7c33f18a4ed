// SLA: calendars and policies (admin API, validation), ticket clocks on business hours,
// warnings, breaches with escalation and notifications, auto-close; time driven by
// FRONTDESK_CLOCK_FILE, including across restarts of the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client } from '../lib/server.mjs';

const dataDir = mkdtempSync(join(tmpdir(), 'fd-sla-'));
const clockFile = join(dataDir, 'clock');
// Sessions outlive the weeks the clock jumps over.
const env = { FRONTDESK_CLOCK_FILE: clockFile, FRONTDESK_SCHED_POLL_MS: '50', FRONTDESK_SESSION_TTL_S: String(365 * 86400) };
let srv;
let users;
let admin, agent, sup, cust; // Clients

const MALTA = {
  timezone: 'Europe/Malta',
  hours: ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({ day, open: '09:00', close: '18:00' })),
  holidays: ['2026-12-08'],
};

function setClock(iso) { writeFileSync(clockFile, String(Date.parse(iso))); }

function isErr(r, status, mention) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error && r.json.error.message, r.text);
  if (mention) assert.match(r.json.error.message, new RegExp(mention), r.text);
}

async function login(u) { const c = new Client(srv.url); await c.login(u.email, u.password); return c; }

async function start() {
  srv = await startServer({ dataDir, env });
  admin = await login(users.admin);
  agent = await login(users.agent);
  sup = await login(users.sup);
  cust = await login(users.cust);
}

async function restart() {
  await srv.stop({ keep: true });
  await start();
}

async function events(ref, type) {
  const r = await agent.get(`/api/v1/tickets/${ref}/events`);
  assert.equal(r.status, 200, r.text);
  return r.json.events.filter((e) => e.type === type);
}

/** Polls fn until it returns a truthy value (the scheduler runs every 50 ms). */
async function until(fn, what, ms = 8000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function clocks(ref) {
  const r = await agent.get(`/api/v1/tickets/${ref}/sla`);
  assert.equal(r.status, 200, r.text);
  return Object.fromEntries(r.json.metrics.map((m) => [m.metric, m]));
}

before(async () => {
  setClock('2026-11-20T12:00:00Z');
  srv = await startServer({ dataDir, env });
  users = {
    admin: srv.addUser({ email: 'admin@fd.test', role: 'admin' }),
    agent: srv.addUser({ email: 'dora@fd.test', role: 'agent', department: 'deposits', tier: 1 }),
    sup: srv.addUser({ email: 'sue@fd.test', role: 'supervisor', department: 'deposits' }),
    cust: { email: 'alice@example.com', password: 'correct-horse-battery' },
  };
  const c = new Client(srv.url);
  await c.signup(users.cust.email);
  await srv.stop({ keep: true });
  await start();
});

after(async () => {
  if (srv) await srv.stop({ keep: true });
  rmSync(dataDir, { recursive: true, force: true });
});

test('calendars and policies: admins only, bad input named and nothing stored', async () => {
  const before = (await admin.get('/api/v1/sla/calendars')).json.calendars;
  assert.equal(before.length, 1);
  assert.equal(before[0].name, '24x7');
  assert.equal(before[0].default, true);

  isErr(await agent.post('/api/v1/sla/calendars', { name: 'x', ...MALTA }), 403);
  isErr(await admin.post('/api/v1/sla/calendars', { name: 'x', ...MALTA, timezone: 'Mars/Base' }), 400, 'time zone');
  isErr(await admin.post('/api/v1/sla/calendars', { name: 'x', ...MALTA, hours: [] }), 400, 'hours');
  isErr(await admin.post('/api/v1/sla/calendars',
    { name: 'x', hours: [{ day: 'mon', open: '18:00', close: '09:00' }] }), 400, 'hours');
  isErr(await admin.post('/api/v1/sla/calendars', { name: 'x', holidays: ['2026-02-30'] }), 400, '2026-02-30');
  isErr(await admin.post('/api/v1/sla/calendars', { name: 'x', colour: 'red' }), 400, 'colour');
  assert.equal((await admin.get('/api/v1/sla/calendars')).json.calendars.length, 1);

  const r = await admin.post('/api/v1/sla/calendars', { name: 'Malta office', ...MALTA });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.timezone, 'Europe/Malta');
  assert.equal(r.json.hours.length, 5);
  assert.deepEqual(r.json.holidays, ['2026-12-08']);
  isErr(await admin.post('/api/v1/sla/calendars', { name: 'Malta office' }), 409);

  isErr(await admin.req('PUT', '/api/v1/departments/nope/calendar', { calendar_id: r.json.id }), 404);
  isErr(await admin.req('PUT', '/api/v1/departments/deposits/calendar', { calendar_id: 999 }), 400, 'calendar');
  isErr(await agent.req('PUT', '/api/v1/departments/deposits/calendar', { calendar_id: r.json.id }), 403);
  const d = await admin.req('PUT', '/api/v1/departments/deposits/calendar', { calendar_id: r.json.id });
  assert.equal(d.status, 200, d.text);

  const good = { name: 'Standard', priority: 'normal', first_reply_min: 60, next_reply_min: 120,
    resolution_min: 480, warn_min: 30, escalate_priority: 'urgent', escalate_tier: 2 };
  isErr(await agent.post('/api/v1/sla/policies', good), 403);
  isErr(await admin.post('/api/v1/sla/policies', { ...good, priority: 'asap' }), 400, 'priority');
  isErr(await admin.post('/api/v1/sla/policies', { ...good, first_reply_min: -5 }), 400, 'first_reply_min');
  isErr(await admin.post('/api/v1/sla/policies', { ...good, department: 'nope' }), 400, 'department');
  isErr(await admin.post('/api/v1/sla/policies', { ...good, escalate_tier: 7 }), 400, 'escalate_tier');
  isErr(await admin.post('/api/v1/sla/policies', { ...good, surprise: 1 }), 400, 'surprise');
  isErr(await admin.post('/api/v1/sla/policies',
    { name: 'empty', priority: 'low' }), 400, 'target');
  assert.equal((await admin.get('/api/v1/sla/policies')).json.policies.length, 0);
  const p = await admin.post('/api/v1/sla/policies', good);
  assert.equal(p.status, 201, p.text);
  assert.equal(p.json.escalate_priority, 'urgent');
  assert.equal(p.json.calendar_id, null);
  const u = await admin.post('/api/v1/sla/policies',
    { name: 'Urgent', priority: 'urgent', first_reply_min: 30, resolution_min: 240 });
  assert.equal(u.status, 201, u.text);
  isErr(await admin.req('PUT', `/api/v1/sla/policies/${u.json.id}`, { warn_min: 'soon' }), 400, 'warn_min');
  const w = await admin.req('PUT', `/api/v1/sla/policies/${u.json.id}`, { warn_min: 15 });
  assert.equal(w.status, 200, w.text);
  assert.equal(w.json.warn_min, 15);
  assert.equal(w.json.first_reply_min, 30);
});

test('business hours, warning, breach and escalation exactly once across restarts', async () => {
  // Friday 2026-11-27 17:30 in Malta (CET): 30 business minutes left this week.
  setClock('2026-11-27T16:30:00Z');
  const r = await cust.post('/api/v1/tickets', { subject: 'Withdrawal stuck', body: 'BTC not arrived', department: 'deposits' });
  assert.equal(r.status, 201, r.text);
  const ref = r.json.ticket.reference;
  let c = await clocks(ref);
  assert.equal(c.first_reply.due_at, '2026-11-30T08:30:00Z'); // Monday 09:30 CET
  assert.equal(c.resolution.due_at, '2026-11-30T15:30:00Z'); // Monday 16:30 CET
  assert.equal(c.first_reply.state, 'running');
  assert.equal(c.first_reply.breached, false);

  // The customer sees when to expect an answer, and nothing internal.
  const cv = await cust.get(`/api/v1/tickets/${ref}/sla`);
  assert.equal(cv.status, 200, cv.text);
  assert.deepEqual(Object.keys(cv.json), ['expected_reply_by']);
  assert.equal(cv.json.expected_reply_by, '2026-11-30T08:30:00Z');
  isErr(await cust.get('/api/v1/sla/breaching'), 403);

  // Over the weekend nothing happens; Monday 08:59 CET still nothing.
  setClock('2026-11-30T07:59:00Z');
  await new Promise((res) => setTimeout(res, 300));
  assert.equal((await events(ref, 'sla_warning')).length, 0);
  // 30 minutes before the due time: one warning; the ticket is in "breaching soon".
  setClock('2026-11-30T08:00:00Z');
  await until(async () => (await events(ref, 'sla_warning')).length === 1, 'the warning');
  const soon = await agent.get('/api/v1/sla/breaching?within_min=30');
  assert.equal(soon.status, 200, soon.text);
  assert.deepEqual(soon.json.tickets.map((t) => t.reference), [ref]);
  assert.equal(soon.json.tickets[0].sla.next_due_at, '2026-11-30T08:30:00Z');
  assert.equal((await agent.get('/api/v1/sla/breaching?within_min=10')).json.tickets.length, 0);
  isErr(await agent.get('/api/v1/sla/breaching?within_min=soon'), 400, 'within_min');

  // Down over the due time: the breach happens at the next start, once.
  await srv.stop({ keep: true });
  setClock('2026-11-30T09:00:00Z');
  await start();
  await until(async () => (await events(ref, 'sla_breached')).length >= 1, 'the breach');
  const br = await events(ref, 'sla_breached');
  assert.equal(br.length, 1);
  assert.equal(br[0].data.due_at, '2026-11-30T08:30:00Z');
  const t = (await agent.get(`/api/v1/tickets/${ref}`)).json.ticket;
  assert.equal(t.priority, 'urgent');
  assert.equal(t.tier, 2);
  c = await clocks(ref);
  assert.equal(c.first_reply.breached_at, '2026-11-30T08:30:00Z');
  assert.equal(c.first_reply.breached, true);
  // Now under the urgent policy: 240 min = 30 Friday + 210 Monday from 09:00 CET.
  assert.equal(c.resolution.due_at, '2026-11-30T11:30:00Z');

  const notes = (await sup.get('/api/v1/notifications')).json.notifications;
  const breachNotes = notes.filter((n) => n.kind === 'SLA breached' && n.ticket === ref);
  assert.equal(breachNotes.length, 1, JSON.stringify(notes));
  const rd = await sup.post(`/api/v1/notifications/${breachNotes[0].id}/read`, {});
  assert.equal(rd.status, 200, rd.text);
  isErr(await agent.post(`/api/v1/notifications/${breachNotes[0].id}/read`, {}), 404);
  assert.equal((await sup.get('/api/v1/notifications?unread=1')).json.notifications
    .filter((n) => n.id === breachNotes[0].id).length, 0);

  // Another restart later: still exactly one breach and one escalation.
  await restart();
  await new Promise((res) => setTimeout(res, 400));
  assert.equal((await events(ref, 'sla_breached')).length, 1);
  assert.equal((await events(ref, 'priority_changed')).length, 1);
  assert.equal((await events(ref, 'tier_changed')).length, 1);
});

test('pending pauses the clock; solved tickets auto-close after 4 days, also across a restart', async () => {
  setClock('2026-12-02T08:00:00Z'); // Wednesday 09:00 CET
  const r = await cust.post('/api/v1/tickets', { subject: 'KYC docs', body: 'uploaded', department: 'deposits' });
  assert.equal(r.status, 201, r.text);
  const ref = r.json.ticket.reference;
  setClock('2026-12-02T08:50:00Z'); // before the first-reply due time (09:00Z)
  assert.equal((await agent.post(`/api/v1/tickets/${ref}/messages`, { body: 'Which document?' })).status, 201);
  setClock('2026-12-02T09:00:00Z');
  assert.equal((await agent.patch(`/api/v1/tickets/${ref}`, { status: 'pending' })).status, 200);
  let c = await clocks(ref);
  assert.equal(c.first_reply.state, 'met');
  assert.equal(c.resolution.state, 'paused');
  assert.equal(c.resolution.due_at, null);
  assert.equal(c.resolution.remaining_ms, 420 * 60000); // 480 - 60 used
  // Thursday 10:00 CET the customer answers: the clock resumes with 420 min left, so
  // resolution is due Thursday 17:00 CET; next reply (120 min) at 12:00 CET.
  setClock('2026-12-03T09:00:00Z');
  assert.equal((await cust.post(`/api/v1/tickets/${ref}/messages`, { body: 'passport' })).status, 201);
  c = await clocks(ref);
  assert.equal(c.resolution.state, 'running');
  assert.equal(c.resolution.due_at, '2026-12-03T16:00:00Z');
  assert.equal(c.next_reply.due_at, '2026-12-03T11:00:00Z');

  setClock('2026-12-03T10:00:00Z');
  assert.equal((await agent.post(`/api/v1/tickets/${ref}/messages`, { body: 'Verified.' })).status, 201);
  assert.equal((await agent.patch(`/api/v1/tickets/${ref}`, { status: 'solved' })).status, 200);
  c = await clocks(ref);
  assert.equal(c.resolution.state, 'met');
  assert.equal(c.resolution.breached, false);

  await srv.stop({ keep: true });
  setClock('2026-12-07T09:59:00Z'); // 4 days minus a minute
  await start();
  await new Promise((res) => setTimeout(res, 300));
  assert.equal((await agent.get(`/api/v1/tickets/${ref}`)).json.ticket.status, 'solved');
  await srv.stop({ keep: true });
  setClock('2026-12-09T00:00:00Z');
  await start();
  await until(async () => (await agent.get(`/api/v1/tickets/${ref}`)).json.ticket.status === 'closed', 'auto-close');
  await restart();
  await new Promise((res) => setTimeout(res, 300));
  const closes = (await events(ref, 'status_changed')).filter((e) => JSON.stringify(e).includes('auto_close'));
  assert.equal(closes.length, 1);
  assert.equal((await events(ref, 'sla_breached')).length, 0);
});
