// Authorization: who may see and change which ticket; internal notes never reach customers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, cli } from '../lib/server.mjs';

let srv;
let custA, custB, agentD, agentT, sup, admin;
let tA; // customer A's ticket in "deposits"
const SECRET = 'internalsecretmarmot';

function isErr(r, status, code) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error, `JSON error body expected, got: ${r.text}`);
  if (code) assert.equal(r.json.error.code, code, r.text);
  assert.ok(typeof r.json.error.message === 'string' && r.json.error.message.length > 0);
}
async function login(email, password) { const c = new Client(srv.url); await c.login(email, password); return c; }
async function listRefs(c, q = '') {
  const r = await c.get('/api/v1/tickets?limit=100' + q);
  assert.equal(r.status, 200, r.text);
  return r.json.tickets.map((t) => t.reference);
}

before(async () => {
  srv = await startServer();
  const d = srv.addUser({ email: 'dora@fd.test', name: 'Dora', role: 'agent', department: 'deposits', tier: 1 });
  const t = srv.addUser({ email: 'tom@fd.test', name: 'Tom', role: 'agent', department: 'trading', tier: 1 });
  const s = srv.addUser({ email: 'sup@fd.test', name: 'Sup', role: 'supervisor' });
  const a = srv.addUser({ email: 'admin@fd.test', name: 'Admin', role: 'admin' });
  agentD = await login(d.email, d.password);
  agentT = await login(t.email, t.password);
  sup = await login(s.email, s.password);
  admin = await login(a.email, a.password);
  custA = new Client(srv.url); await custA.signup('a@fd.test', 'customer-a-pass', 'Customer A');
  custB = new Client(srv.url); await custB.signup('b@fd.test', 'customer-b-pass', 'Customer B');
  const r = await custA.post('/api/v1/tickets', { subject: 'A private problem', body: 'my uid is 99887766', department: 'deposits' });
  assert.equal(r.status, 201, r.text);
  tA = r.json.ticket.reference;
  const n = await agentD.post(`/api/v1/tickets/${tA}/messages`, { body: `Note: ${SECRET} flagged by compliance`, internal: true });
  assert.equal(n.status, 201, n.text);
});
after(async () => { await srv?.stop(); });

test('unauthenticated requests → 401 unauthorized', async () => {
  const anon = new Client(srv.url);
  for (const p of ['/api/v1/tickets', `/api/v1/tickets/${tA}`, '/api/v1/tickets/counts', `/api/v1/tickets/${tA}/events`,
    `/api/v1/tickets/${tA}/related`, '/api/v1/agents', '/api/v1/me']) {
    isErr(await anon.get(p), 401, 'unauthorized');
  }
  // The department list is public (the chat widget shows it before sign-in), and says
  // nothing about tickets or people.
  const deps = await anon.get('/api/v1/departments');
  assert.equal(deps.status, 200);
  assert.deepEqual(Object.keys(deps.json.departments[0]).sort(), ['name', 'slug']);
  isErr(await anon.post('/api/v1/tickets', { subject: 's', body: 'b', department: 'deposits' }), 401, 'unauthorized');
  isErr(await anon.post(`/api/v1/tickets/${tA}/messages`, { body: 'x' }), 401, 'unauthorized');
  isErr(await anon.patch(`/api/v1/tickets/${tA}`, { status: 'solved' }), 401, 'unauthorized');
  isErr(await anon.post('/api/v1/tokens', { name: 'x', scopes: ['tickets:read'] }), 401, 'unauthorized');
  assert.equal((await sup.get('/api/v1/tickets/' + tA)).json.messages.length, 2);
});

test('customer B cannot read, reply to, patch or see events of customer A\'s ticket → 404', async () => {
  isErr(await custB.get('/api/v1/tickets/' + tA), 404, 'not_found');
  isErr(await custB.post(`/api/v1/tickets/${tA}/messages`, { body: 'hijack' }), 404, 'not_found');
  isErr(await custB.patch(`/api/v1/tickets/${tA}`, { status: 'solved' }), 404, 'not_found');
  const ev = await custB.get(`/api/v1/tickets/${tA}/events`);
  assert.ok(ev.status === 404 || ev.status === 403, ev.text);
  assert.ok(!ev.text.includes('99887766'));
  const up = await custB.post(`/api/v1/tickets/${tA}/attachments?filename=a.txt`, 'hello', { 'content-type': 'text/plain' });
  isErr(up, 404, 'not_found');
  assert.ok(!(await listRefs(custB)).includes(tA));
  assert.ok(!(await listRefs(custB, '&requester=' + custA.user.id)).includes(tA), 'requester filter must not widen a customer\'s view');
  assert.ok(!(await listRefs(custB, '&q=private')).includes(tA));
  const counts = await custB.get('/api/v1/tickets/counts');
  assert.equal(counts.status, 200);
  assert.equal(Object.values(counts.json.counts).reduce((a, b) => a + b, 0), 0);
  // nothing changed
  const g = await custA.get('/api/v1/tickets/' + tA);
  assert.equal(g.json.ticket.status, 'new');
  assert.ok(!g.json.messages.some((m) => m.body === 'hijack'));
});

test('an unknown reference and a foreign one look the same to a customer', async () => {
  const foreign = await custB.get('/api/v1/tickets/' + tA);
  const missing = await custB.get('/api/v1/tickets/FD-99999999');
  assert.equal(foreign.status, 404);
  assert.equal(missing.status, 404);
  assert.equal(foreign.json.error.code, missing.json.error.code);
});

test('a customer never sees an internal note: not in GET, list, search or counts', async () => {
  const g = await custA.get('/api/v1/tickets/' + tA);
  assert.equal(g.status, 200, g.text);
  assert.ok(g.json.messages.every((m) => m.internal === false));
  assert.equal(g.json.messages.length, 1);
  assert.ok(!g.text.includes(SECRET), 'internal note leaked in GET ticket');
  const l = await custA.get('/api/v1/tickets?limit=100');
  assert.ok(!l.text.includes(SECRET), 'internal note leaked in list');
  const q = await custA.get('/api/v1/tickets?q=' + SECRET);
  assert.equal(q.status, 200);
  assert.deepEqual(q.json.tickets, [], 'customer search must not match internal notes');
  const c = await custA.get('/api/v1/tickets/counts?q=' + SECRET);
  assert.equal(c.status, 200, c.text);
  assert.ok(Object.values(c.json.counts).every((n) => n === 0), 'counts must not match internal notes');
  const ev = await custA.get(`/api/v1/tickets/${tA}/events`);
  assert.ok(!ev.text.includes(SECRET));
  const rel = await custA.get(`/api/v1/tickets/${tA}/related`);
  assert.ok(!rel.text.includes(SECRET));
  // the agent does see it
  const ga = await agentD.get('/api/v1/tickets/' + tA);
  assert.ok(ga.json.messages.some((m) => m.internal === true && m.body.includes(SECRET)));
  assert.deepEqual((await agentD.get('/api/v1/tickets?q=' + SECRET)).json.tickets.map((t) => t.reference), [tA]);
});

test('a customer\'s reply response does not include internal notes', async () => {
  const r = await custA.post(`/api/v1/tickets/${tA}/messages`, { body: 'any news?' });
  assert.equal(r.status, 201, r.text);
  assert.ok(!r.text.includes(SECRET));
});

test('a customer cannot post an internal note → 403 forbidden, nothing stored', async () => {
  const before = (await agentD.get('/api/v1/tickets/' + tA)).json.messages.length;
  isErr(await custA.post(`/api/v1/tickets/${tA}/messages`, { body: 'pretend internal', internal: true }), 403, 'forbidden');
  const after = (await agentD.get('/api/v1/tickets/' + tA)).json;
  assert.equal(after.messages.length, before);
  assert.ok(!after.messages.some((m) => m.body === 'pretend internal'));
});

test('a customer may only PATCH {status:"solved"} → 403 otherwise, ticket unchanged', async () => {
  const r = await custA.post('/api/v1/tickets', { subject: 'patch rights', body: 'b', department: 'deposits' });
  const ref = r.json.ticket.reference;
  const base = (await sup.get('/api/v1/tickets/' + ref)).json.ticket;
  for (const body of [{ priority: 'urgent' }, { status: 'open' }, { status: 'pending' }, { status: 'solved', priority: 'low' },
    { assignee_id: agentD.user.id }, { department: 'trading' }, { tags: ['vip'] }, { subject: 'renamed' }, { tier: 3 }]) {
    isErr(await custA.patch('/api/v1/tickets/' + ref, body), 403, 'forbidden');
  }
  isErr(await custA.post(`/api/v1/tickets/${ref}/assign`, { assignee_id: agentD.user.id }), 403, 'forbidden');
  const now = (await sup.get('/api/v1/tickets/' + ref)).json.ticket;
  assert.deepEqual(now, base);
  const ok = await custA.patch('/api/v1/tickets/' + ref, { status: 'solved' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.ticket.status, 'solved');
});

test('a customer cannot choose requester_email or channel; the ticket is not filed under someone else', async () => {
  const r = await custA.post('/api/v1/tickets', { subject: 'impersonate', body: 'b', department: 'deposits', requester_email: 'b@fd.test' });
  assert.ok(r.status === 400 || r.status === 403, r.text);
  const r2 = await custA.post('/api/v1/tickets', { subject: 'fake channel', body: 'b', department: 'deposits', channel: 'email' });
  assert.ok(r2.status === 400 || r2.status === 403, r2.text);
  const all = (await sup.get('/api/v1/tickets?limit=100')).json.tickets;
  assert.ok(!all.some((t) => t.subject === 'impersonate' || t.subject === 'fake channel'));
});

test('customers get 403 on events and related', async () => {
  isErr(await custA.get(`/api/v1/tickets/${tA}/events`), 403, 'forbidden');
  isErr(await custA.get(`/api/v1/tickets/${tA}/related`), 403, 'forbidden');
});

test('an agent of another department gets 404 on the ticket and does not see it in lists', async () => {
  isErr(await agentT.get('/api/v1/tickets/' + tA), 404, 'not_found');
  isErr(await agentT.post(`/api/v1/tickets/${tA}/messages`, { body: 'wrong dept', internal: true }), 404, 'not_found');
  isErr(await agentT.patch(`/api/v1/tickets/${tA}`, { priority: 'urgent' }), 404, 'not_found');
  isErr(await agentT.post(`/api/v1/tickets/${tA}/assign`, { assignee_id: agentT.user.id }), 404, 'not_found');
  isErr(await agentT.get(`/api/v1/tickets/${tA}/events`), 404, 'not_found');
  isErr(await agentT.get(`/api/v1/tickets/${tA}/related`), 404, 'not_found');
  assert.ok(!(await listRefs(agentT)).includes(tA));
  assert.ok(!(await listRefs(agentT, '&q=private')).includes(tA));
  assert.ok(!(await listRefs(agentT, '&requester=' + custA.user.id)).includes(tA));
  const dep = await agentT.get('/api/v1/tickets?department=deposits');
  if (dep.status === 200) assert.ok(!dep.json.tickets.some((t) => t.reference === tA));
  else assert.ok(dep.status === 403 || dep.status === 404 || dep.status === 400, dep.text);
  const counts = await agentT.get('/api/v1/tickets/counts?department=deposits');
  if (counts.status === 200) assert.equal(Object.values(counts.json.counts).reduce((a, b) => a + b, 0), 0);
  // the own-department agent sees it
  assert.equal((await agentD.get('/api/v1/tickets/' + tA)).status, 200);
  assert.ok((await listRefs(agentD)).includes(tA));
  const g = await sup.get('/api/v1/tickets/' + tA);
  assert.notEqual(g.json.ticket.priority, 'urgent');
  assert.ok(!g.json.messages.some((m) => m.body === 'wrong dept'));
});

test('moving a ticket to another department moves its visibility', async () => {
  const r = await custA.post('/api/v1/tickets', { subject: 'wrong queue', body: 'b', department: 'deposits' });
  const ref = r.json.ticket.reference;
  assert.equal((await agentD.patch('/api/v1/tickets/' + ref, { department: 'trading' })).status, 200);
  isErr(await agentD.get('/api/v1/tickets/' + ref), 404, 'not_found');
  assert.equal((await agentT.get('/api/v1/tickets/' + ref)).status, 200);
  assert.ok((await listRefs(agentT)).includes(ref));
});

test('supervisors and admins see every ticket', async () => {
  const rb = await custB.post('/api/v1/tickets', { subject: 'B trading issue', body: 'b', department: 'trading' });
  const refB = rb.json.ticket.reference;
  for (const c of [sup, admin]) {
    const refs = await listRefs(c);
    assert.ok(refs.includes(tA) && refs.includes(refB));
    assert.equal((await c.get('/api/v1/tickets/' + tA)).status, 200);
    assert.equal((await c.get('/api/v1/tickets/' + refB)).status, 200);
    assert.equal((await c.get(`/api/v1/tickets/${refB}/events`)).status, 200);
  }
});

test('directory: customers cannot list agents (403); agents can; departments for everyone', async () => {
  isErr(await custA.get('/api/v1/agents'), 403, 'forbidden');
  const a = await agentD.get('/api/v1/agents');
  assert.equal(a.status, 200, a.text);
  const emails = a.json.agents.map((u) => u.email);
  for (const e of ['dora@fd.test', 'tom@fd.test', 'sup@fd.test', 'admin@fd.test']) assert.ok(emails.includes(e), e);
  assert.ok(!emails.includes('a@fd.test') && !emails.includes('b@fd.test'), 'customers are not agents');
  assert.ok(a.json.agents.every((u) => ['agent', 'supervisor', 'admin'].includes(u.role)));
  const dora = a.json.agents.find((u) => u.email === 'dora@fd.test');
  assert.equal(dora.department, 'deposits');
  assert.equal(dora.tier, 1);
  const d = await custA.get('/api/v1/departments');
  assert.equal(d.status, 200, d.text);
  const slugs = d.json.departments.map((x) => x.slug).sort();
  for (const s of ['account', 'deposits', 'kyc', 'technical', 'trading']) assert.ok(slugs.includes(s), s);
  assert.ok(d.json.departments.every((x) => typeof x.name === 'string' && x.name.length > 0));
});

test('a disabled user cannot log in and their existing session and tokens stop working', async () => {
  const cust = srv.addUser({ email: 'gone@fd.test', name: 'Gone', password: 'gone-password-1' });
  const ag = srv.addUser({ email: 'gone-agent@fd.test', name: 'Gone Agent', role: 'agent', department: 'deposits', password: 'gone-agent-pass' });
  const c = await login(cust.email, cust.password);
  const t = await c.post('/api/v1/tickets', { subject: 'before disable', body: 'b', department: 'deposits' });
  assert.equal(t.status, 201);
  const g = await login(ag.email, ag.password);
  const tok = await g.post('/api/v1/tokens', { name: 'bot', scopes: ['tickets:read'] });
  assert.equal(tok.status, 201, tok.text);
  const bearer = new Client(srv.url); bearer.bearer = tok.json.token;
  assert.equal((await bearer.get('/api/v1/tickets')).status, 200);

  cli(['user', 'disable', '--data-dir', srv.dataDir, '--email', cust.email]);
  cli(['user', 'disable', '--data-dir', srv.dataDir, '--email', ag.email]);

  isErr(await new Client(srv.url).post('/api/v1/auth/login', { email: cust.email, password: cust.password }), 401, 'unauthorized');
  isErr(await c.get('/api/v1/me'), 401, 'unauthorized');
  isErr(await c.get('/api/v1/tickets'), 401, 'unauthorized');
  isErr(await c.post('/api/v1/tickets', { subject: 'after disable', body: 'b', department: 'deposits' }), 401, 'unauthorized');
  isErr(await g.get('/api/v1/me'), 401, 'unauthorized');
  isErr(await bearer.get('/api/v1/tickets'), 401, 'unauthorized');
  const agents = (await sup.get('/api/v1/agents')).json.agents.map((u) => u.email);
  assert.ok(!agents.includes(ag.email), 'disabled agents are not listed');
  const all = (await sup.get('/api/v1/tickets?limit=100')).json.tickets;
  assert.ok(all.some((x) => x.subject === 'before disable'), 'their tickets remain');
  assert.ok(!all.some((x) => x.subject === 'after disable'));
});
