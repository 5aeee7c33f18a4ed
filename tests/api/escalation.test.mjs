// Escalation of tickets by agents: to the next tier or another department with a
// required reason; the change and reason are evented and kept as an internal note, the
// assignment is cleared, the customer only reads that a specialist team has the case,
// and the whole path is listed for staff. Tier 4 does not exist (422).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client } from '../lib/server.mjs';

let srv, agent, agent2, sup, cust, other;

function isErr(r, status, code) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error, `JSON error body expected, got: ${r.text}`);
  if (code) assert.equal(r.json.error.code, code, r.text);
  assert.ok(r.json.error.message.length > 0);
}

async function login(email, password) { const c = new Client(srv.url); await c.login(email, password); return c; }

async function ticket(subject = 'Withdrawal stuck') {
  const r = await cust.post('/api/v1/tickets', { subject, body: 'My withdrawal is stuck.', department: 'deposits' });
  assert.equal(r.status, 201, r.text);
  return r.json.ticket;
}

before(async () => {
  srv = await startServer();
  const a = srv.addUser({ email: 'dora@fd.test', name: 'Dora Deposits', role: 'agent', department: 'deposits', tier: 1 });
  const a2 = srv.addUser({ email: 'tim@fd.test', name: 'Tim Tech', role: 'agent', department: 'technical', tier: 2 });
  const s = srv.addUser({ email: 'sup@fd.test', name: 'Sue Pervisor', role: 'supervisor' });
  agent = await login(a.email, a.password);
  agent2 = await login(a2.email, a2.password);
  sup = await login(s.email, s.password);
  cust = new Client(srv.url); await cust.signup('cust@fd.test', 'customer-pass-1', 'Cara Customer');
  other = new Client(srv.url); await other.signup('other@fd.test', 'customer-pass-2', 'Otto Other');
});
after(async () => { await srv?.stop(); });

test('an agent escalates to the next tier: tier changes, assignment cleared, reason evented and kept as an internal note', async () => {
  const t = await ticket();
  const as = await agent.post(`/api/v1/tickets/${t.reference}/assign`, { assignee_id: agent.user.id });
  assert.equal(as.status, 200, as.text);
  const r = await agent.post(`/api/v1/tickets/${t.reference}/escalate`, { tier: 2, reason: 'Needs a chain trace by the L2 team (internal: wallet 7 hot).' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ticket.tier, 2);
  assert.equal(r.json.ticket.department, 'deposits');
  assert.equal(r.json.ticket.assignee, null);
  const ev = await sup.get(`/api/v1/tickets/${t.reference}/events`);
  const esc = ev.json.events.filter((e) => e.type === 'escalated');
  assert.equal(esc.length, 1);
  assert.deepEqual(esc[0].data.before, { tier: 1, department: 'deposits' });
  assert.deepEqual(esc[0].data.after, { tier: 2, department: 'deposits' });
  assert.match(esc[0].data.reason, /chain trace/);
  assert.equal(esc[0].data.unassigned, agent.user.id);
  const staff = await sup.get(`/api/v1/tickets/${t.reference}`);
  const note = staff.json.messages.find((m) => m.internal);
  assert.ok(note, 'an internal note');
  assert.match(note.body, /tier 1 \(deposits\) to tier 2 \(deposits\).*chain trace/);
});

test('the customer reads that a specialist team has the case, without internal details', async () => {
  const t = await ticket();
  await agent.post(`/api/v1/tickets/${t.reference}/escalate`, { tier: 3, reason: 'Suspected fraud ring; compliance hold.' });
  const mine = await cust.get(`/api/v1/tickets/${t.reference}`);
  assert.equal(mine.status, 200);
  const pub = mine.json.messages.filter((m) => !m.internal);
  assert.ok(pub.some((m) => /specialist team has your case/.test(m.body)));
  assert.ok(!mine.text.includes('fraud'), 'no reason shown to the customer');
  assert.ok(!mine.json.messages.some((m) => m.internal), 'no internal notes');
  isErr(await cust.get(`/api/v1/tickets/${t.reference}/escalations`), 403, 'forbidden');
  isErr(await other.get(`/api/v1/tickets/${t.reference}/escalations`), 404);
});

test('escalation to another department, then the whole path is listed in order', async () => {
  const t = await ticket();
  const r1 = await agent.post(`/api/v1/tickets/${t.reference}/escalate`, { tier: 2, reason: 'Beyond tier 1' });
  assert.equal(r1.status, 200, r1.text);
  const r2 = await sup.post(`/api/v1/tickets/${t.reference}/escalate`, { department: 'technical', reason: 'Node out of sync' });
  assert.equal(r2.status, 200, r2.text);
  assert.equal(r2.json.ticket.department, 'technical');
  assert.equal(r2.json.ticket.tier, 2);
  // The technical team (tier 2) now sees it.
  assert.equal((await agent2.get(`/api/v1/tickets/${t.reference}`)).status, 200);
  const path = await agent2.get(`/api/v1/tickets/${t.reference}/escalations`);
  assert.equal(path.status, 200, path.text);
  const e = path.json.escalations;
  assert.equal(e.length, 2);
  assert.deepEqual([e[0].from, e[0].to], [{ tier: 1, department: 'deposits' }, { tier: 2, department: 'deposits' }]);
  assert.deepEqual([e[1].from, e[1].to], [{ tier: 2, department: 'deposits' }, { tier: 2, department: 'technical' }]);
  assert.equal(e[0].reason, 'Beyond tier 1');
  assert.equal(e[1].by.name, 'Sue Pervisor');
});

test('refusals: no reason, tier 4, lower tier, nothing to change, unknown department, customers, closed tickets — nothing changes', async () => {
  const t = await ticket();
  const snapshot = async () => (await sup.get(`/api/v1/tickets/${t.reference}`)).json;
  const before = await snapshot();
  isErr(await agent.post(`/api/v1/tickets/${t.reference}/escalate`, { tier: 2 }), 400, 'missing_field');
  isErr(await agent.post(`/api/v1/tickets/${t.reference}/escalate`, { tier: 2, reason: '  ' }), 400, 'invalid_field');
  const r4 = await agent.post(`/api/v1/tickets/${t.reference}/escalate`, { tier: 4, reason: 'more' });
  isErr(r4, 422, 'tier_limit');
  assert.match(r4.json.error.message, /tier 3 is the highest/);
  isErr(await agent.post(`/api/v1/tickets/${t.reference}/escalate`, { tier: 1, reason: 'same' }), 409, 'conflict');
  isErr(await agent.post(`/api/v1/tickets/${t.reference}/escalate`, { department: 'moon', reason: 'x' }), 400, 'invalid_field');
  isErr(await agent.post(`/api/v1/tickets/${t.reference}/escalate`, { reason: 'x' }), 400);
  isErr(await agent.post(`/api/v1/tickets/${t.reference}/escalate`, { tier: '2', reason: 'x' }), 400);
  isErr(await agent.post(`/api/v1/tickets/${t.reference}/escalate`, { tier: 0, reason: 'x' }), 400, 'invalid_field');
  isErr(await agent.post(`/api/v1/tickets/${t.reference}/escalate`, { tier: 99999999999, reason: 'x' }), 422, 'tier_limit');
  isErr(await cust.post(`/api/v1/tickets/${t.reference}/escalate`, { tier: 2, reason: 'please' }), 403, 'forbidden');
  isErr(await agent2.post(`/api/v1/tickets/${t.reference}/escalate`, { tier: 3, reason: 'not my dept' }), 404);
  const after = await snapshot();
  assert.deepEqual(after, before, 'ticket and messages unchanged');
  // A tier-3 ticket cannot go higher.
  await agent.post(`/api/v1/tickets/${t.reference}/escalate`, { tier: 3, reason: 'to L3' });
  isErr(await sup.post(`/api/v1/tickets/${t.reference}/escalate`, { tier: 4, reason: 'higher' }), 422);
  isErr(await sup.post(`/api/v1/tickets/${t.reference}/escalate`, { tier: 2, reason: 'down' }), 400);
  // Closed tickets are not escalated.
  for (const s of ['solved', 'closed']) {
    const p = await sup.patch(`/api/v1/tickets/${t.reference}`, { status: s });
    assert.equal(p.status, 200, p.text);
  }
  isErr(await sup.post(`/api/v1/tickets/${t.reference}/escalate`, { department: 'kyc', reason: 'late' }), 409, 'invalid_transition');
});
