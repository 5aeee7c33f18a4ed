// Formal complaints: filing in the portal, conversion of a ticket, the lifecycle and its
// 409s, access for customers A/B, a plain agent, a compliance agent and a supervisor,
// the acknowledgement and decision clocks (driven by FRONTDESK_CLOCK_FILE, with a
// holiday), the late-decision notice (portal + outbox), corrections, the register
// (CSV/JSON), the report, and the retention guard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client } from '../lib/server.mjs';

// Monday 2026-11-23 10:00 UTC. With Thursday 2026-11-26 a holiday, five business days
// after Monday end with Tuesday 2026-12-01, i.e. at 2026-12-01T23:59:59.999Z.
const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const DAY = 86400000;
const clockDir = mkdtempSync(join(tmpdir(), 'fd-cmp-clock-'));
const clockFile = join(clockDir, 'now');
const setClock = (ms) => writeFileSync(clockFile, String(ms));

let srv, sup, admin, agent, officer, custA, custB;

function isErr(r, status, code) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error, `JSON error body expected, got: ${r.text}`);
  if (code) assert.equal(r.json.error.code, code, r.text);
  assert.ok(r.json.error.message.length > 0);
}

function sql(query) {
  return execFileSync('sqlite3', ['-readonly', join(srv.dataDir, 'frontdesk.db'), query], { encoding: 'utf8' }).trim();
}

const form = (over = {}) => ({
  complainant_name: 'Alice Able', complainant_contact: 'cust-a@fd.test', account_uid: 'U12345678',
  service: 'withdrawals', description: 'My BTC withdrawal was held for 9 days without explanation.',
  incident_dates: '2026-11-10 to 2026-11-19', request: 'Release the funds and compensate the fee.', ...over,
});

async function login(email, password) { const c = new Client(srv.url); await c.login(email, password); return c; }

async function file(c, over) {
  const r = await c.post('/api/v1/complaints', form(over));
  assert.equal(r.status, 201, r.text);
  return r.json.complaint;
}

const step = (c, ref, body) => c.post(`/api/v1/complaints/${ref}/transition`, body);

before(async () => {
  setClock(T0);
  srv = await startServer({ env: { FRONTDESK_CLOCK_FILE: clockFile, FRONTDESK_COMPLAINT_HOLIDAYS: '2026-11-26',
    // The clock jumps months ahead: sessions must outlive it.
    FRONTDESK_SESSION_TTL_S: String(365 * 86400), FRONTDESK_SCHED_POLL_MS: '50' } });
  const s = srv.addUser({ email: 'sup@fd.test', name: 'Sue Pervisor', role: 'supervisor' });
  const ad = srv.addUser({ email: 'admin@fd.test', name: 'Ada Admin', role: 'admin' });
  const ag = srv.addUser({ email: 'agent@fd.test', name: 'Dora Deposits', role: 'agent', department: 'deposits', tier: 1 });
  const of = srv.addUser({ email: 'officer@fd.test', name: 'Otto Officer', role: 'agent', department: 'account', tier: 3 });
  sup = await login(s.email, s.password);
  admin = await login(ad.email, ad.password);
  agent = await login(ag.email, ag.password);
  officer = await login(of.email, of.password);
  custA = new Client(srv.url); await custA.signup('cust-a@fd.test', 'customer-a-pass', 'Alice Able');
  custB = new Client(srv.url); await custB.signup('cust-b@fd.test', 'customer-b-pass', 'Bob Baker');
});
after(async () => { await srv?.stop(); rmSync(clockDir, { recursive: true, force: true }); });

test('a customer files a complaint: 201, received, both clocks set (business days skip the weekend and the holiday)', async () => {
  const c = await file(custA);
  assert.match(c.reference, /^CMP-\d{5}$/);
  assert.equal(c.status, 'received');
  assert.equal(c.channel, 'portal');
  assert.equal(c.service, 'withdrawals');
  assert.deepEqual(c.complainant, { name: 'Alice Able', contact: 'cust-a@fd.test', account_uid: 'U12345678', on_behalf: false, on_behalf_of: null });
  assert.equal(c.received_at, '2026-11-23T10:00:00Z');
  assert.equal(c.acknowledgement_due_at, '2026-12-01T23:59:59Z');
  assert.equal(c.decision_due_at, '2027-01-23T10:00:00Z');
  assert.equal(c.decision, null);
  assert.equal(c.breaches, undefined, 'customers do not see handling details');
  assert.equal(c.customer, undefined);
  assert.deepEqual(c.history.map((e) => e.type), ['filed']);
  assert.equal(c.history[0].actor, null, 'customers are not shown staff identities');
});

test('bad input is refused with the field named and nothing is stored', async () => {
  const before = sql('SELECT count(*) FROM complaints');
  isErr(await custA.post('/api/v1/complaints', form({ description: undefined })), 400, 'invalid_field');
  const r1 = await custA.post('/api/v1/complaints', form({ description: '   ' }));
  isErr(r1, 400); assert.match(r1.json.error.message, /description/);
  const r2 = await custA.post('/api/v1/complaints', form({ service: 'moon' }));
  isErr(r2, 400); assert.match(r2.json.error.message, /service/);
  const r3 = await custA.post('/api/v1/complaints', form({ on_behalf: true }));
  isErr(r3, 400); assert.match(r3.json.error.message, /on_behalf_of/);
  const r4 = await custA.post('/api/v1/complaints', form({ account_uid: 'U1; DROP' }));
  isErr(r4, 400); assert.match(r4.json.error.message, /account_uid/);
  isErr(await custA.post('/api/v1/complaints', { ...form(), fee: 10 }), 400, 'unknown_field');
  const tB = await custB.post('/api/v1/tickets', { subject: 'B ticket', body: 'b', department: 'trading' });
  assert.equal(tB.status, 201);
  const r5 = await custA.post('/api/v1/complaints', form({ linked_tickets: [tB.json.ticket.reference] }));
  isErr(r5, 400); assert.match(r5.json.error.message, /not one of your tickets/);
  isErr(await custA.post('/api/v1/complaints', form({ linked_tickets: ['nope'] })), 400, 'invalid_field');
  isErr(await sup.post('/api/v1/complaints', form()), 403, 'forbidden');
  assert.equal(sql('SELECT count(*) FROM complaints'), before);
});

test('a complaint on behalf of someone, linked to the customer\'s own ticket', async () => {
  const t = await custA.post('/api/v1/tickets', { subject: 'Withdrawal held', body: 'held', department: 'deposits' });
  const c = await file(custA, { on_behalf: true, on_behalf_of: 'Carl Able (my father)', linked_tickets: [t.json.ticket.reference, t.json.ticket.reference] });
  assert.equal(c.complainant.on_behalf, true);
  assert.equal(c.complainant.on_behalf_of, 'Carl Able (my father)');
  assert.deepEqual(c.linked_tickets, [t.json.ticket.reference]);
});

test('access: customers see only their own; plain agents none; supervisors and compliance agents all', async () => {
  const a = await file(custA);
  const b = await file(custB, { complainant_name: 'Bob Baker', complainant_contact: 'cust-b@fd.test', service: 'fees' });
  isErr(await custB.get(`/api/v1/complaints/${a.reference}`), 404, 'not_found');
  const listB = await custB.get('/api/v1/complaints');
  assert.equal(listB.status, 200);
  assert.deepEqual(listB.json.complaints.map((c) => c.reference), [b.reference]);
  const listA = await custA.get('/api/v1/complaints');
  assert.ok(listA.json.complaints.every((c) => c.complainant.contact === 'cust-a@fd.test'));
  isErr(await agent.get('/api/v1/complaints'), 403, 'forbidden');
  isErr(await agent.get(`/api/v1/complaints/${a.reference}`), 404);
  isErr(await step(agent, a.reference, { to: 'acknowledged', admissibility: 'admissible' }), 404);
  isErr(await step(custA, a.reference, { to: 'acknowledged', admissibility: 'admissible' }), 403, 'forbidden');
  isErr(await officer.get('/api/v1/complaints'), 403);
  // Only an admin grants the compliance permission.
  isErr(await sup.req('PUT', `/api/v1/users/${officer.user.id}/compliance`, { compliance: true }), 403);
  isErr(await admin.req('PUT', `/api/v1/users/${custA.user.id}/compliance`, { compliance: true }), 400);
  const g = await admin.req('PUT', `/api/v1/users/${officer.user.id}/compliance`, { compliance: true });
  assert.equal(g.status, 200, g.text);
  assert.equal(sql(`SELECT count(*) FROM events WHERE type = 'compliance_changed'`), '1');
  const all = await officer.get('/api/v1/complaints');
  assert.equal(all.status, 200);
  assert.ok(all.json.complaints.some((c) => c.reference === a.reference));
  assert.ok(all.json.complaints.some((c) => c.reference === b.reference));
  assert.equal(all.json.complaints[0].customer.email.endsWith('@fd.test'), true);
  const s = await sup.get(`/api/v1/complaints/${b.reference}`);
  assert.equal(s.status, 200);
  assert.deepEqual(s.json.complaint.breaches, { acknowledgement: false, decision: false });
  isErr(await sup.get('/api/v1/complaints?status=bogus'), 400, 'invalid_field');
  isErr(await sup.get('/api/v1/complaints?limit=0'), 400, 'invalid_field');
});

test('lists page newest first with a cursor', async () => {
  const total = Number(sql('SELECT count(*) FROM complaints'));
  assert.ok(total >= 3);
  const p1 = await sup.get('/api/v1/complaints?limit=2');
  assert.equal(p1.status, 200);
  assert.equal(p1.json.complaints.length, 2);
  assert.ok(p1.json.complaints[0].id > p1.json.complaints[1].id, 'newest first');
  assert.equal(typeof p1.json.next_cursor, 'string');
  const seen = [...p1.json.complaints.map((c) => c.id)];
  let cursor = p1.json.next_cursor;
  while (cursor) {
    const p = await sup.get(`/api/v1/complaints?limit=2&cursor=${cursor}`);
    assert.equal(p.status, 200);
    seen.push(...p.json.complaints.map((c) => c.id));
    cursor = p.json.next_cursor;
  }
  assert.equal(seen.length, total);
  assert.equal(new Set(seen).size, total);
  assert.deepEqual(seen, [...seen].sort((a, b) => b - a));
});

test('lifecycle: only allowed transitions; acknowledgement and decision notify the customer', async () => {
  const c = await file(custA);
  const mails = () => Number(sql(`SELECT count(*) FROM outbox WHERE rcpt = 'cust-a@fd.test' AND kind = 'notice'`));
  const m0 = mails();
  const r409 = await step(sup, c.reference, { to: 'decided', outcome: 'upheld', reason: 'x', remedies: 'y' });
  isErr(r409, 409, 'invalid_transition');
  isErr(await step(sup, c.reference, { to: 'closed' }), 409, 'invalid_transition');
  isErr(await step(sup, c.reference, { to: 'acknowledged' }), 400, 'invalid_field');
  isErr(await step(sup, c.reference, { to: 'nowhere' }), 400);
  assert.equal((await sup.get(`/api/v1/complaints/${c.reference}`)).json.complaint.status, 'received', 'unchanged after errors');

  setClock(T0 + 2 * DAY);
  const ack = await step(sup, c.reference, { to: 'acknowledged', admissibility: 'admissible' });
  assert.equal(ack.status, 200, ack.text);
  assert.equal(ack.json.complaint.status, 'acknowledged');
  assert.equal(ack.json.complaint.admissibility, 'admissible');
  assert.equal(ack.json.complaint.acknowledged_at, '2026-11-25T10:00:00Z');
  assert.equal(ack.json.complaint.breaches.acknowledgement, false);
  assert.equal(mails(), m0 + 1, 'an acknowledgement email is queued');
  isErr(await step(sup, c.reference, { to: 'closed' }), 409, 'invalid_transition');
  const inv = await step(officer, c.reference, { to: 'under_investigation' });
  assert.equal(inv.status, 200, inv.text);
  isErr(await step(sup, c.reference, { to: 'decided', outcome: 'upheld', reason: 'Held by mistake.' }), 400);
  isErr(await step(sup, c.reference, { to: 'decided', outcome: 'maybe', reason: 'r', remedies: 'r' }), 400);
  const dec = await step(sup, c.reference, {
    to: 'decided', outcome: 'partly_upheld', reason: 'The hold was lawful for 3 days, not 9.',
    remedies: 'You may refer this to the competent authority (MFSA) or to the ADR body (Arbiter for Financial Services).',
  });
  assert.equal(dec.status, 200, dec.text);
  assert.equal(dec.json.complaint.decision.outcome, 'partly_upheld');
  assert.equal(mails(), m0 + 2, 'the decision email is queued');
  // The customer reads the decision, its reasons and remedies, and the notices.
  const mine = await custA.get(`/api/v1/complaints/${c.reference}`);
  assert.equal(mine.status, 200);
  assert.equal(mine.json.complaint.decision.reasons, 'The hold was lawful for 3 days, not 9.');
  assert.match(mine.json.complaint.decision.remedies, /Arbiter for Financial Services/);
  assert.equal(mine.json.complaint.notices.length, 2);
  assert.match(mine.json.complaint.notices[1].text, /partly upheld/);
  assert.deepEqual(mine.json.complaint.notices[1].channels, ['portal', 'email']);
  const closed = await step(sup, c.reference, { to: 'closed' });
  assert.equal(closed.status, 200);
  assert.equal(closed.json.complaint.status, 'closed');
  isErr(await step(sup, c.reference, { to: 'acknowledged', admissibility: 'admissible' }), 409, 'invalid_transition');
  const types = closed.json.complaint.history.map((e) => e.type);
  assert.deepEqual(types.filter((t) => t === 'status_changed').length, 4);
  setClock(T0);
});

test('an inadmissible complaint needs a reason, is not investigated, and is closed', async () => {
  const c = await file(custB, { complainant_name: 'Bob Baker', complainant_contact: 'cust-b@fd.test' });
  const r = await step(sup, c.reference, { to: 'acknowledged', admissibility: 'inadmissible' });
  isErr(r, 400); assert.match(r.json.error.message, /reason/);
  const ok = await step(sup, c.reference, { to: 'acknowledged', admissibility: 'inadmissible', reason: 'Not about a service of ours.' });
  assert.equal(ok.status, 200, ok.text);
  isErr(await step(sup, c.reference, { to: 'under_investigation' }), 409, 'invalid_transition');
  const cl = await step(sup, c.reference, { to: 'closed' });
  assert.equal(cl.status, 200);
  const mine = await custB.get(`/api/v1/complaints/${c.reference}`);
  assert.equal(mine.json.complaint.admissibility_reason, 'Not about a service of ours.');
});

test('clocks: a late acknowledgement is a breach, stored and evented once', async () => {
  setClock(T0);
  const c = await file(custA);
  setClock(Date.UTC(2026, 11, 1, 23, 59, 0)); // still Tuesday 1 December: in time
  let g = await sup.get(`/api/v1/complaints/${c.reference}`);
  assert.equal(g.json.complaint.breaches.acknowledgement, false);
  setClock(Date.UTC(2026, 11, 2, 0, 0, 1)); // one second past the due time
  g = await sup.get(`/api/v1/complaints/${c.reference}`);
  assert.equal(g.json.complaint.breaches.acknowledgement, true);
  assert.equal(g.json.complaint.breaches.decision, false);
  await sup.get(`/api/v1/complaints/${c.reference}`);
  const breaches = g.json.complaint.history.filter((e) => e.type === 'breached');
  assert.equal(breaches.length, 1);
  assert.equal(breaches[0].data.step, 'acknowledgement');
  assert.equal(sql(`SELECT count(*) FROM complaint_events WHERE complaint_id = ${c.id} AND type = 'breached'`), '1');
  const ack = await step(sup, c.reference, { to: 'acknowledged', admissibility: 'admissible' });
  assert.equal(ack.status, 200);
  assert.equal(ack.json.complaint.breaches.acknowledgement, true);
  setClock(T0);
});

test('the scheduler marks a late acknowledgement without anybody reading the complaint', async () => {
  setClock(T0);
  const c = await file(custB, { complainant_name: 'Bob Baker', complainant_contact: 'cust-b@fd.test' });
  assert.equal(sql(`SELECT count(*) FROM jobs WHERE dedupe_key = 'complaint:${c.id}:ack' AND state = 'queued'`), '1');
  setClock(Date.UTC(2026, 11, 2, 0, 0, 5));
  let flag = '0';
  for (let i = 0; i < 100 && flag !== '1'; i++) {
    await new Promise((r) => setTimeout(r, 50));
    flag = sql(`SELECT ack_breached FROM complaints WHERE id = ${c.id}`);
  }
  assert.equal(flag, '1');
  assert.equal(sql(`SELECT count(*) FROM complaint_events WHERE complaint_id = ${c.id} AND type = 'breached' AND actor_id IS NULL`), '1');
  await step(sup, c.reference, { to: 'acknowledged', admissibility: 'inadmissible', reason: 'Duplicate of another complaint.' });
  assert.equal(sql(`SELECT count(*) FROM jobs WHERE dedupe_key = 'complaint:${c.id}:decision' AND state = 'queued'`), '0', 'no decision clock for an inadmissible complaint');
  setClock(T0);
});

test('a late decision: the handler records why and the new date; the customer is told (portal + email); a bad date is refused', async () => {
  setClock(T0);
  const c = await file(custA);
  await step(sup, c.reference, { to: 'acknowledged', admissibility: 'admissible' });
  await step(sup, c.reference, { to: 'under_investigation' });
  const outbox = () => Number(sql(`SELECT count(*) FROM outbox o JOIN mail_messages m ON m.id = o.mail_id WHERE o.rcpt = 'cust-a@fd.test' AND m.subject LIKE '%${c.reference}%take longer%'`));
  isErr(await sup.post(`/api/v1/complaints/${c.reference}/delay`, { reason: 'Waiting for the bank', new_due_date: '2027-01-01' }), 400, 'invalid_field');
  isErr(await sup.post(`/api/v1/complaints/${c.reference}/delay`, { reason: 'x', new_due_date: '2027-13-01' }), 400, 'invalid_field');
  isErr(await sup.post(`/api/v1/complaints/${c.reference}/delay`, { new_due_date: '2027-02-15' }), 400, 'missing_field');
  isErr(await custA.post(`/api/v1/complaints/${c.reference}/delay`, { reason: 'x', new_due_date: '2027-02-15' }), 403);
  assert.equal(outbox(), 0);
  const r = await sup.post(`/api/v1/complaints/${c.reference}/delay`, { reason: 'The receiving bank has not answered our trace request.', new_due_date: '2027-02-15' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.complaint.decision_due_at, '2027-02-15T23:59:59Z');
  assert.equal(r.json.complaint.decision_due_original, '2027-01-23T10:00:00Z');
  assert.equal(outbox(), 1, 'the delay notice is queued to the customer');
  const mine = (await custA.get(`/api/v1/complaints/${c.reference}`)).json.complaint;
  assert.equal(mine.delay_reason, 'The receiving bank has not answered our trace request.');
  assert.equal(mine.decision_due_at, '2027-02-15T23:59:59Z');
  const notice = mine.notices.at(-1);
  assert.match(notice.text, /2027-02-15/);
  assert.match(notice.text, /trace request/);
  assert.ok(mine.history.some((e) => e.type === 'decision_delayed' && e.data.after > e.data.before));
  // Past the original date but before the new one: no decision breach.
  setClock(Date.UTC(2027, 0, 30));
  assert.equal((await sup.get(`/api/v1/complaints/${c.reference}`)).json.complaint.breaches.decision, false);
  setClock(Date.UTC(2027, 1, 17));
  assert.equal((await sup.get(`/api/v1/complaints/${c.reference}`)).json.complaint.breaches.decision, true);
  setClock(T0);
});

test('an agent converts a ticket into a complaint once; the ticket records it', async () => {
  const t = (await custA.post('/api/v1/tickets', { subject: 'Stuck USDT deposit', body: 'It never arrived.', department: 'deposits' })).json.ticket;
  isErr(await custA.post(`/api/v1/tickets/${t.reference}/complaint`, {}), 403);
  isErr(await agent.post(`/api/v1/tickets/${t.reference}/complaint`, { service: 'nope' }), 400);
  const r = await agent.post(`/api/v1/tickets/${t.reference}/complaint`, { request: 'Credit the deposit.' });
  assert.equal(r.status, 201, r.text);
  const c = r.json.complaint;
  assert.equal(c.channel, 'agent');
  assert.equal(c.status, 'received');
  assert.equal(c.description, 'Stuck USDT deposit');
  assert.equal(c.request, 'Credit the deposit.');
  assert.equal(c.service, 'deposits');
  assert.deepEqual(c.linked_tickets, [t.reference]);
  isErr(await agent.post(`/api/v1/tickets/${t.reference}/complaint`, {}), 409, 'conflict');
  const ev = await agent.get(`/api/v1/tickets/${t.reference}/events`);
  assert.ok(ev.json.events.some((e) => e.type === 'complaint_opened' && e.data.after.complaint === c.reference));
  const mine = await custA.get(`/api/v1/complaints/${c.reference}`);
  assert.equal(mine.status, 200);
  const full = await sup.get(`/api/v1/complaints/${c.reference}`);
  assert.equal(full.json.complaint.customer.email, 'cust-a@fd.test');
  assert.equal(full.json.complaint.ticket, t.reference);
  // The internal note is for staff only.
  const custView = await custA.get(`/api/v1/tickets/${t.reference}`);
  assert.ok(!custView.text.includes('formal complaint'));
  const staffView = await agent.get(`/api/v1/tickets/${t.reference}`);
  assert.ok(staffView.json.messages.some((m) => m.internal && /formal complaint/.test(m.body)));
});

test('corrections are new entries: the original stays visible next to the correction', async () => {
  const c = await file(custA, { complainant_name: 'Alise Able' });
  isErr(await sup.post(`/api/v1/complaints/${c.reference}/corrections`, { field: 'status', value: 'closed', reason: 'x' }), 400);
  isErr(await sup.post(`/api/v1/complaints/${c.reference}/corrections`, { field: 'remedies', value: 'x', reason: 'x' }), 409);
  isErr(await custA.post(`/api/v1/complaints/${c.reference}/corrections`, { field: 'complainant_name', value: 'x', reason: 'x' }), 403);
  const r = await sup.post(`/api/v1/complaints/${c.reference}/corrections`, { field: 'complainant_name', value: 'Alice Able', reason: 'Typo in the form.' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.complaint.complainant.name, 'Alice Able');
  assert.equal(r.json.complaint.corrections.length, 1);
  assert.equal(r.json.complaint.corrections[0].original, 'Alise Able');
  assert.equal(r.json.complaint.corrections[0].corrected, 'Alice Able');
  const mine = await custA.get(`/api/v1/complaints/${c.reference}`);
  assert.equal(mine.json.complaint.corrections[0].original, 'Alise Able');
});

test('register: JSON and CSV of every complaint for handlers only; spreadsheet formulas defused', async () => {
  await file(custB, { complainant_name: 'Bob Baker', complainant_contact: 'cust-b@fd.test', description: '=HYPERLINK("http://evil")' });
  isErr(await custA.get('/api/v1/complaints/register'), 403);
  isErr(await agent.get('/api/v1/complaints/register?format=csv'), 403);
  isErr(await sup.get('/api/v1/complaints/register?format=xml'), 400);
  const total = Number(sql('SELECT count(*) FROM complaints'));
  const j = await sup.get('/api/v1/complaints/register?format=json');
  assert.equal(j.status, 200);
  assert.equal(j.json.complaints.length, total);
  assert.ok(j.json.complaints.every((c) => c.reference && c.received_at && c.customer));
  const corrected = j.json.complaints.find((c) => c.corrections.length);
  assert.equal(corrected.corrections[0].original, 'Alise Able');
  const csv = await officer.get('/api/v1/complaints/register?format=csv');
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  const lines = csv.text.trimEnd().split('\r\n');
  assert.match(lines[0], /^reference,received_at,channel,customer_id,/);
  assert.ok(lines[0].endsWith('corrections'));
  const rows = lines.slice(1).filter((l) => /^CMP-/.test(l));
  assert.equal(rows.length, total);
  assert.ok(csv.text.includes(`"'=HYPERLINK(""http://evil"")"`), 'formula quoted and defused');
  assert.ok(csv.text.includes('complainant_name: ""Alise Able"" -> ""Alice Able""'));
});

test('report: shared report shape with per-service counts, timings and breaches; CSV too', async () => {
  isErr(await custA.get('/api/v1/reports/complaints'), 403);
  isErr(await sup.get('/api/v1/reports/complaints?from=yesterday'), 400);
  const r = await sup.get('/api/v1/reports/complaints');
  assert.equal(r.status, 200, r.text);
  const { title, columns, rows, chart } = r.json;
  assert.ok(title.length > 0);
  assert.equal(chart, 'table');
  assert.equal(columns[0], 'service');
  const all = rows.find((x) => x[0] === 'all');
  const col = (name) => all[columns.indexOf(name)];
  const total = Number(sql('SELECT count(*) FROM complaints'));
  assert.equal(col('complaints'), total);
  assert.equal(col('partly_upheld'), Number(sql(`SELECT count(*) FROM complaints WHERE outcome = 'partly_upheld'`)));
  assert.equal(col('inadmissible'), Number(sql(`SELECT count(*) FROM complaints WHERE admissibility = 'inadmissible'`)));
  assert.ok(col('inadmissible') >= 2);
  assert.equal(col('acknowledgement_breaches'), Number(sql('SELECT count(*) FROM complaints WHERE ack_breached = 1')));
  assert.ok(col('acknowledgement_breaches') >= 1);
  assert.equal(col('decisions_delayed'), 1);
  // The decided complaint was acknowledged two days after receipt.
  const w = rows.find((x) => x[0] === 'withdrawals');
  assert.ok(w[columns.indexOf('avg_days_received_to_acknowledged')] >= 0);
  assert.equal(rows.reduce((n, x) => n + (x[0] === 'all' ? 0 : x[1]), 0), total, 'services add up to all');
  const none = await sup.get('/api/v1/reports/complaints?from=2030-01-01');
  assert.deepEqual(none.json.rows.find((x) => x[0] === 'all')[1], 0);
  const csv = await sup.get('/api/v1/reports/complaints?format=csv');
  assert.equal(csv.status, 200);
  const lines = csv.text.trimEnd().split('\r\n');
  assert.equal(lines[0], columns.join(','));
  assert.equal(lines.length, rows.length + 1);
});

test('retention: no delete route, and the store refuses to delete a complaint younger than the retention period', async () => {
  const c = await file(custA);
  const d = await sup.del(`/api/v1/complaints/${c.reference}`);
  assert.equal(d.status, 405);
  assert.throws(() => execFileSync('sqlite3', ['-cmd', '.timeout 10000', join(srv.dataDir, 'frontdesk.db'), `DELETE FROM complaints WHERE id = ${c.id}`], { stdio: 'pipe' }),
    /retention period/);
  assert.throws(() => execFileSync('sqlite3', ['-cmd', '.timeout 10000', join(srv.dataDir, 'frontdesk.db'), `UPDATE complaint_events SET data = '{}' WHERE complaint_id = ${c.id}`], { stdio: 'pipe' }),
    /append-only/);
  assert.equal(sql(`SELECT count(*) FROM complaints WHERE id = ${c.id}`), '1');
  assert.ok(Number(sql('SELECT retention_ms FROM complaint_settings')) >= 5 * 365 * DAY);
});

test('a bad complaint time zone or holiday list stops the server at start-up, saying which', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fd-cmp-badcfg-'));
  try {
    await assert.rejects(startServer({ dataDir, env: { FRONTDESK_COMPLAINT_TIMEZONE: 'Mars/Olympus' } }), /complaint_timezone/);
    await assert.rejects(startServer({ dataDir, env: { FRONTDESK_COMPLAINT_HOLIDAYS: '2026-02-30' } }), /complaint_holidays/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
