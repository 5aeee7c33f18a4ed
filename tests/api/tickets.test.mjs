// Tickets: create, list + filters, cursor paging, counts, messages, PATCH, assign, events,
// related tickets and the status lifecycle.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client } from '../lib/server.mjs';

let srv;
let sup, agentD, agentT, custA, custB; // Clients
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const HEX64 = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';

function isErr(r, status, code) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error, `JSON error body expected, got: ${r.text}`);
  if (code) assert.equal(r.json.error.code, code, r.text);
  assert.ok(typeof r.json.error.message === 'string' && r.json.error.message.length > 0);
}

async function create(c, body) {
  const r = await c.post('/api/v1/tickets', { department: 'deposits', body: 'details', ...body });
  assert.equal(r.status, 201, r.text);
  return r.json.ticket;
}

async function refs(c, query) {
  const r = await c.get('/api/v1/tickets?limit=100' + (query ? '&' + query : ''));
  assert.equal(r.status, 200, `${query}: ${r.text}`);
  assert.ok(Array.isArray(r.json.tickets));
  return r.json.tickets;
}

async function login(email, password) { const c = new Client(srv.url); await c.login(email, password); return c; }

before(async () => {
  srv = await startServer();
  const s = srv.addUser({ email: 'sup@fd.test', name: 'Sue Pervisor', role: 'supervisor' });
  const d = srv.addUser({ email: 'dora@fd.test', name: 'Dora Deposits', role: 'agent', department: 'deposits', tier: 1 });
  const t = srv.addUser({ email: 'tom@fd.test', name: 'Tom Trading', role: 'agent', department: 'trading', tier: 2 });
  sup = await login(s.email, s.password);
  agentD = await login(d.email, d.password);
  agentT = await login(t.email, t.password);
  custA = new Client(srv.url); await custA.signup('cust-a@fd.test', 'customer-a-pass', 'Customer A');
  custB = new Client(srv.url); await custB.signup('cust-b@fd.test', 'customer-b-pass', 'Customer B');
});
after(async () => { await srv?.stop(); });

test('customer creates a ticket → 201 with reference, status new, channel web and exchange fields echoed', async () => {
  const exchange = { uid: '12345678', txid: '0x' + HEX64, asset: 'ETH', network: 'ethereum', amount: '0.5', order_id: 'ord-42_x' };
  const r = await custA.post('/api/v1/tickets', {
    subject: 'ETH withdrawal not arrived', body: 'I withdrew 0.5 ETH yesterday.', department: 'deposits',
    priority: 'high', tags: ['withdrawal', 'eth'], exchange,
  });
  assert.equal(r.status, 201, r.text);
  const t = r.json.ticket;
  assert.match(t.reference, /^FD-\d+$/);
  assert.equal(typeof t.id, 'number');
  assert.equal(t.subject, 'ETH withdrawal not arrived');
  assert.equal(t.status, 'new');
  assert.equal(t.channel, 'web');
  assert.equal(t.priority, 'high');
  assert.equal(t.department, 'deposits');
  assert.deepEqual([...t.tags].sort(), ['eth', 'withdrawal']);
  assert.deepEqual(t.exchange, exchange);
  assert.equal(t.requester.email, 'cust-a@fd.test');
  assert.equal(t.requester.id, custA.user.id);
  assert.equal(t.assignee, null);
  assert.equal(t.follow_up_of, null);
  assert.match(t.created_at, ISO);
  assert.match(t.updated_at, ISO);
  const m = r.json.message;
  assert.equal(m.body, 'I withdrew 0.5 ETH yesterday.');
  assert.equal(m.internal, false);
  assert.equal(m.author.id, custA.user.id);
  assert.equal(m.author.role, 'customer');
  assert.deepEqual(m.attachments, []);
  assert.match(m.created_at, ISO);
  // and it is stored
  const g = await custA.get('/api/v1/tickets/' + t.reference);
  assert.equal(g.status, 200, g.text);
  assert.deepEqual(g.json.ticket.exchange, exchange);
  assert.equal(g.json.ticket.subject, t.subject);
});

test('ticket references are unique and exchange fields absent → all null', async () => {
  const a = await create(custA, { subject: 'one' });
  const b = await create(custA, { subject: 'two' });
  assert.notEqual(a.reference, b.reference);
  assert.ok(['low', 'normal', 'high', 'urgent'].includes(a.priority));
  for (const k of ['uid', 'txid', 'asset', 'network', 'amount', 'order_id']) assert.equal(a.exchange[k], null, k);
});

test('an agent creates a ticket on behalf of a customer with channel email', async () => {
  const r = await agentD.post('/api/v1/tickets', {
    subject: 'phoned in', body: 'customer called', department: 'deposits', requester_email: 'cust-b@fd.test', channel: 'email',
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.ticket.requester.email, 'cust-b@fd.test');
  assert.equal(r.json.ticket.channel, 'email');
  const mine = await refs(custB);
  assert.ok(mine.some((t) => t.reference === r.json.ticket.reference), 'customer B sees the ticket created for them');
});

test('an agent may file a ticket for a new requester with requester_name', async () => {
  const r = await agentD.post('/api/v1/tickets', {
    subject: 'walk-in', body: 'met at a conference', department: 'deposits', requester_email: 'walk.in@fd.test', requester_name: 'Walk In',
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.ticket.requester.email, 'walk.in@fd.test');
  assert.equal(r.json.ticket.requester.name, 'Walk In');
});

test('{ref} is also accepted in lower case and as the bare number', async () => {
  const t = await create(custA, { subject: 'ref forms' });
  const n = t.reference.slice(3);
  for (const form of [t.reference.toLowerCase(), n]) {
    const g = await custA.get('/api/v1/tickets/' + form);
    assert.equal(g.status, 200, `${form}: ${g.text}`);
    assert.equal(g.json.ticket.reference, t.reference);
  }
  const r = await custA.post(`/api/v1/tickets/${n}/messages`, { body: 'via bare number' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.ticket.reference, t.reference);
});

// --- list filters ------------------------------------------------------------------------------
let fx; // fixture tickets for the filter tests
test('list filters: setup', async () => {
  fx = {};
  fx.alpha = await create(custA, { subject: 'Zebra crossing withdrawal', tags: ['alpha'] });
  fx.trading = await create(custA, { subject: 'Order filled at a strange price', department: 'trading', tags: ['beta'] });
  fx.pendingB = await create(custB, { subject: 'Deposit missing', body: 'my memo was wrong' });
  fx.bodyOnly = await create(custB, { subject: 'Plain subject', body: 'the word quokka appears only here' });
  const p = await agentD.patch('/api/v1/tickets/' + fx.pendingB.reference, { status: 'pending' });
  assert.equal(p.status, 200, p.text);
  const a = await agentD.post(`/api/v1/tickets/${fx.pendingB.reference}/assign`, { assignee_id: agentD.user.id });
  assert.equal(a.status, 200, a.text);
});

test('list is newest first and customers only see their own tickets', async () => {
  const all = await refs(sup);
  const idx = (t) => all.findIndex((x) => x.reference === t.reference);
  assert.ok(idx(fx.bodyOnly) >= 0 && idx(fx.alpha) >= 0);
  assert.ok(idx(fx.bodyOnly) < idx(fx.pendingB) && idx(fx.pendingB) < idx(fx.trading) && idx(fx.trading) < idx(fx.alpha), 'newest first');
  const a = await refs(custA);
  assert.ok(a.length > 0);
  assert.ok(a.every((t) => t.requester.id === custA.user.id));
  assert.ok(a.some((t) => t.reference === fx.alpha.reference));
  assert.ok(!a.some((t) => t.reference === fx.pendingB.reference));
});

test('filter status (single and comma list)', async () => {
  const pend = await refs(sup, 'status=pending');
  assert.ok(pend.length >= 1);
  assert.ok(pend.every((t) => t.status === 'pending'));
  assert.ok(pend.some((t) => t.reference === fx.pendingB.reference));
  const two = await refs(sup, 'status=new,pending');
  assert.ok(two.every((t) => t.status === 'new' || t.status === 'pending'));
  assert.ok(two.some((t) => t.reference === fx.pendingB.reference));
  assert.ok(two.some((t) => t.reference === fx.alpha.reference));
  const neu = await refs(sup, 'status=new');
  assert.ok(!neu.some((t) => t.reference === fx.pendingB.reference));
});

test('filter department', async () => {
  const tr = await refs(sup, 'department=trading');
  assert.ok(tr.length >= 1);
  assert.ok(tr.every((t) => t.department === 'trading'));
  assert.ok(tr.some((t) => t.reference === fx.trading.reference));
  const dep = await refs(sup, 'department=deposits');
  assert.ok(dep.every((t) => t.department === 'deposits'));
  assert.ok(!dep.some((t) => t.reference === fx.trading.reference));
});

test('filter assignee=me, assignee=none and assignee=<id>', async () => {
  const me = await refs(agentD, 'assignee=me');
  assert.ok(me.length >= 1);
  assert.ok(me.every((t) => t.assignee && t.assignee.id === agentD.user.id));
  assert.ok(me.some((t) => t.reference === fx.pendingB.reference));
  const none = await refs(agentD, 'assignee=none');
  assert.ok(none.length >= 1);
  assert.ok(none.every((t) => t.assignee === null));
  assert.ok(!none.some((t) => t.reference === fx.pendingB.reference));
  assert.ok(none.some((t) => t.reference === fx.alpha.reference));
  const byId = await refs(sup, 'assignee=' + agentD.user.id);
  assert.deepEqual(byId.map((t) => t.reference), me.map((t) => t.reference));
  const supMe = await refs(sup, 'assignee=me');
  assert.equal(supMe.length, 0);
});

test('filter requester', async () => {
  const b = await refs(sup, 'requester=' + custB.user.id);
  assert.ok(b.length >= 2);
  assert.ok(b.every((t) => t.requester.id === custB.user.id));
  assert.ok(b.some((t) => t.reference === fx.pendingB.reference));
  assert.ok(!b.some((t) => t.reference === fx.alpha.reference));
});

test('filter tag', async () => {
  const a = await refs(sup, 'tag=alpha');
  assert.deepEqual(a.map((t) => t.reference), [fx.alpha.reference]);
  const b = await refs(sup, 'tag=beta');
  assert.deepEqual(b.map((t) => t.reference), [fx.trading.reference]);
  assert.deepEqual(await refs(sup, 'tag=nosuchtag'), []);
});

test('filter q searches subjects and messages', async () => {
  const s = await refs(sup, 'q=zebra');
  assert.deepEqual(s.map((t) => t.reference), [fx.alpha.reference]);
  const m = await refs(sup, 'q=quokka');
  assert.deepEqual(m.map((t) => t.reference), [fx.bodyOnly.reference]);
  // text that only appears in a later reply
  const rep = await agentD.post(`/api/v1/tickets/${fx.alpha.reference}/messages`, { body: 'please send the wombat screenshot' });
  assert.equal(rep.status, 201, rep.text);
  const w = await refs(sup, 'q=wombat');
  assert.deepEqual(w.map((t) => t.reference), [fx.alpha.reference]);
  assert.deepEqual(await refs(sup, 'q=xylophonezz'), []);
});

test('filters combine (department + status + requester)', async () => {
  const r = await refs(sup, `department=deposits&status=pending&requester=${custB.user.id}`);
  assert.deepEqual(r.map((t) => t.reference), [fx.pendingB.reference]);
});

// --- paging ------------------------------------------------------------------------------------
let pager, pagerRefs;
test('cursor paging over more tickets than the limit returns every ticket once, newest first', async () => {
  pager = new Client(srv.url); await pager.signup('pager@fd.test', 'pager-password', 'Pager');
  pagerRefs = [];
  for (let i = 0; i < 30; i++) pagerRefs.push((await create(pager, { subject: 'page ' + i })).reference);
  const seen = [];
  let cursor = null, pages = 0;
  do {
    const r = await sup.get(`/api/v1/tickets?requester=${pager.user.id}&limit=7` + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.tickets.length <= 7);
    seen.push(...r.json.tickets.map((t) => t.reference));
    cursor = r.json.next_cursor;
    assert.ok(cursor === null || typeof cursor === 'string');
    assert.ok(++pages <= 10, 'too many pages');
  } while (cursor);
  assert.equal(pages, 5);
  assert.equal(new Set(seen).size, seen.length, 'duplicates across pages');
  assert.deepEqual(seen, [...pagerRefs].reverse());
});

test('default limit is 25 and a full last page ends with next_cursor null', async () => {
  const r = await pager.get('/api/v1/tickets');
  assert.equal(r.status, 200);
  assert.equal(r.json.tickets.length, 25);
  assert.equal(typeof r.json.next_cursor, 'string');
  const r2 = await pager.get('/api/v1/tickets?limit=100');
  assert.equal(r2.json.tickets.length, 30);
  assert.equal(r2.json.next_cursor, null);
});

test('the cursor is stable when new tickets arrive between pages', async () => {
  const first = await pager.get('/api/v1/tickets?limit=10');
  assert.equal(first.status, 200);
  const seen = first.json.tickets.map((t) => t.reference);
  for (let i = 0; i < 3; i++) await create(pager, { subject: 'late ' + i });
  let cursor = first.json.next_cursor;
  while (cursor) {
    const r = await pager.get('/api/v1/tickets?limit=10&cursor=' + encodeURIComponent(cursor));
    assert.equal(r.status, 200, r.text);
    seen.push(...r.json.tickets.map((t) => t.reference));
    cursor = r.json.next_cursor;
  }
  assert.deepEqual(seen, [...pagerRefs].reverse());
});

// --- counts ------------------------------------------------------------------------------------
test('counts per status honour the other filters', async () => {
  const cc = new Client(srv.url); await cc.signup('counter@fd.test', 'counter-password', 'Counter');
  const t1 = await create(cc, { subject: 'c1' });
  const t2 = await create(cc, { subject: 'c2' });
  await create(cc, { subject: 'c3' });
  await create(cc, { subject: 'c4', department: 'trading' });
  assert.equal((await sup.patch('/api/v1/tickets/' + t1.reference, { status: 'pending' })).status, 200);
  assert.equal((await sup.patch('/api/v1/tickets/' + t2.reference, { status: 'solved' })).status, 200);
  const r = await sup.get('/api/v1/tickets/counts?requester=' + cc.user.id);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.counts, { new: 2, open: 0, pending: 1, on_hold: 0, solved: 1, closed: 0 });
  const d = await sup.get(`/api/v1/tickets/counts?requester=${cc.user.id}&department=trading`);
  assert.deepEqual(d.json.counts, { new: 1, open: 0, pending: 0, on_hold: 0, solved: 0, closed: 0 });
  // status, limit and cursor are accepted and ignored by counts
  const ign = await sup.get(`/api/v1/tickets/counts?requester=${cc.user.id}&status=new&limit=1`);
  assert.equal(ign.status, 200, ign.text);
  assert.deepEqual(ign.json.counts, r.json.counts);
  const own = await cc.get('/api/v1/tickets/counts');
  assert.equal(own.status, 200, own.text);
  assert.deepEqual(own.json.counts, { new: 2, open: 0, pending: 1, on_hold: 0, solved: 1, closed: 0 });
});

// --- one ticket ----------------------------------------------------------------------------------
let conv;
test('GET a ticket returns it with its messages in order', async () => {
  conv = await create(custA, { subject: 'Account locked', department: 'deposits', body: 'first message' });
  const g = await agentD.get('/api/v1/tickets/' + conv.reference);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.ticket.reference, conv.reference);
  assert.equal(g.json.messages.length, 1);
  assert.equal(g.json.messages[0].body, 'first message');
  assert.equal(g.json.messages[0].author.name, 'Customer A');
});

test('an internal note does not change status; an agent\'s first public reply moves new → open', async () => {
  const n = await agentD.post(`/api/v1/tickets/${conv.reference}/messages`, { body: 'note: check the cold wallet', internal: true });
  assert.equal(n.status, 201, n.text);
  assert.equal(n.json.message.internal, true);
  assert.equal(n.json.message.author.role, 'agent');
  assert.equal(n.json.ticket.status, 'new');
  const r = await agentD.post(`/api/v1/tickets/${conv.reference}/messages`, { body: 'We are looking into it.' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.message.internal, false);
  assert.equal(r.json.message.body, 'We are looking into it.');
  assert.equal(r.json.message.author.id, agentD.user.id);
  assert.equal(r.json.ticket.status, 'open');
  const g = await agentD.get('/api/v1/tickets/' + conv.reference);
  assert.deepEqual(g.json.messages.map((m) => [m.body, m.internal]), [
    ['first message', false], ['note: check the cold wallet', true], ['We are looking into it.', false]]);
  assert.equal(g.json.ticket.status, 'open');
  const c = await custA.get('/api/v1/tickets/' + conv.reference);
  assert.deepEqual(c.json.messages.map((m) => m.body), ['first message', 'We are looking into it.']);
});

test('PATCH changes priority, tier, tags, subject and department', async () => {
  const r = await sup.patch('/api/v1/tickets/' + conv.reference, { priority: 'urgent', tier: 2, tags: ['vip', 'locked'], subject: 'Account locked after 2FA reset' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ticket.priority, 'urgent');
  assert.equal(r.json.ticket.tier, 2);
  assert.deepEqual([...r.json.ticket.tags].sort(), ['locked', 'vip']);
  assert.equal(r.json.ticket.subject, 'Account locked after 2FA reset');
  assert.ok(Date.parse(r.json.ticket.updated_at) >= Date.parse(conv.updated_at));
  const d = await sup.patch('/api/v1/tickets/' + conv.reference, { department: 'account' });
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.ticket.department, 'account');
  const g = await sup.get('/api/v1/tickets/' + conv.reference);
  assert.equal(g.json.ticket.priority, 'urgent');
  assert.equal(g.json.ticket.tier, 2);
  assert.equal(g.json.ticket.department, 'account');
  assert.equal(g.json.ticket.subject, 'Account locked after 2FA reset');
  const back = await sup.patch('/api/v1/tickets/' + conv.reference, { department: 'deposits', tags: [] });
  assert.equal(back.status, 200, back.text);
  assert.deepEqual(back.json.ticket.tags, []);
});

test('assign sets and clears the assignee; PATCH assignee_id works too', async () => {
  const a = await sup.post(`/api/v1/tickets/${conv.reference}/assign`, { assignee_id: agentD.user.id });
  assert.equal(a.status, 200, a.text);
  assert.deepEqual({ id: a.json.ticket.assignee.id, name: a.json.ticket.assignee.name }, { id: agentD.user.id, name: 'Dora Deposits' });
  const g = await sup.get('/api/v1/tickets/' + conv.reference);
  assert.equal(g.json.ticket.assignee.id, agentD.user.id);
  const u = await sup.post(`/api/v1/tickets/${conv.reference}/assign`, { assignee_id: null });
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.ticket.assignee, null);
  const p = await sup.patch('/api/v1/tickets/' + conv.reference, { assignee_id: agentD.user.id });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.ticket.assignee.id, agentD.user.id);
  assert.equal((await sup.get('/api/v1/tickets/' + conv.reference)).json.ticket.assignee.id, agentD.user.id);
});

function beforeAfter(data, field) {
  // Accept {before:X, after:Y}, {before:{field:X}, after:{field:Y}} or {field:{before:X, after:Y}}.
  if (data == null) return [undefined, undefined];
  if (data[field] && typeof data[field] === 'object' && 'before' in data[field]) return [data[field].before, data[field].after];
  if (data.before && typeof data.before === 'object') return [data.before[field], data.after?.[field]];
  return [data.before, data.after];
}

test('events list created, status_changed (with before/after) and message_added', async () => {
  const t = await create(custA, { subject: 'events probe' });
  assert.equal((await agentD.patch('/api/v1/tickets/' + t.reference, { status: 'pending' })).status, 200);
  assert.equal((await agentD.post(`/api/v1/tickets/${t.reference}/messages`, { body: 'event reply' })).status, 201);
  const r = await agentD.get(`/api/v1/tickets/${t.reference}/events`);
  assert.equal(r.status, 200, r.text);
  const ev = r.json.events;
  assert.ok(Array.isArray(ev));
  for (const e of ev) { assert.equal(typeof e.id, 'number'); assert.match(e.created_at, ISO); assert.equal(typeof e.type, 'string'); }
  const created = ev.find((e) => e.type === 'created');
  assert.ok(created, 'created event: ' + JSON.stringify(ev.map((e) => e.type)));
  assert.equal(created.actor.id, custA.user.id);
  const sc = ev.find((e) => e.type === 'status_changed');
  assert.ok(sc, 'status_changed event: ' + JSON.stringify(ev.map((e) => e.type)));
  assert.equal(sc.actor.id, agentD.user.id);
  assert.deepEqual(beforeAfter(sc.data, 'status'), ['new', 'pending'], JSON.stringify(sc.data));
  const ma = ev.filter((e) => e.type === 'message_added');
  assert.ok(ma.length >= 1, 'message_added event');
  assert.ok(ma.some((e) => e.actor && e.actor.id === agentD.user.id));
  // ids increase (append-only log)
  const ids = ev.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length);
});

test('PATCH of priority records a before/after event too', async () => {
  const t = await create(custA, { subject: 'prio probe', priority: 'low' });
  assert.equal((await sup.patch('/api/v1/tickets/' + t.reference, { priority: 'urgent' })).status, 200);
  const ev = (await sup.get(`/api/v1/tickets/${t.reference}/events`)).json.events;
  const pe = ev.filter((e) => e.type !== 'created' && e.type !== 'message_added');
  assert.ok(pe.some((e) => { const [b, a] = beforeAfter(e.data, 'priority'); return b === 'low' && a === 'urgent'; }), JSON.stringify(pe));
});

test('related lists the requester\'s other tickets only', async () => {
  const r = await sup.get(`/api/v1/tickets/${fx.alpha.reference}/related`);
  assert.equal(r.status, 200, r.text);
  const got = r.json.tickets.map((t) => t.reference);
  assert.ok(got.includes(fx.trading.reference));
  assert.ok(!got.includes(fx.alpha.reference), 'the ticket itself is not related to itself');
  assert.ok(r.json.tickets.every((t) => t.requester.id === custA.user.id));
  assert.ok(!got.includes(fx.pendingB.reference));
});

// --- lifecycle -----------------------------------------------------------------------------------
test('every allowed transition of the lifecycle succeeds', async () => {
  const t = await create(custA, { subject: 'lifecycle walk' });
  const path = ['open', 'pending', 'on_hold', 'open', 'on_hold', 'pending', 'open', 'solved', 'open', 'solved', 'closed'];
  for (const s of path) {
    const r = await agentD.patch('/api/v1/tickets/' + t.reference, { status: s });
    assert.equal(r.status, 200, `→ ${s}: ${r.text}`);
    assert.equal(r.json.ticket.status, s);
  }
  for (const [a, b] of [['new', 'pending'], ['new', 'on_hold'], ['new', 'solved'], ['pending', 'solved'], ['on_hold', 'solved']]) {
    const t2 = await create(custA, { subject: `from ${a} to ${b}` });
    if (a !== 'new') assert.equal((await agentD.patch('/api/v1/tickets/' + t2.reference, { status: a })).status, 200);
    const r = await agentD.patch('/api/v1/tickets/' + t2.reference, { status: b });
    assert.equal(r.status, 200, `${a} → ${b}: ${r.text}`);
    assert.equal(r.json.ticket.status, b);
  }
});

test('invalid transitions → 409 invalid_transition and the status is unchanged', async () => {
  const t = await create(custA, { subject: 'bad transitions' });
  isErr(await agentD.patch('/api/v1/tickets/' + t.reference, { status: 'closed' }), 409, 'invalid_transition');
  assert.equal((await agentD.get('/api/v1/tickets/' + t.reference)).json.ticket.status, 'new');
  assert.equal((await agentD.patch('/api/v1/tickets/' + t.reference, { status: 'open' })).status, 200);
  isErr(await agentD.patch('/api/v1/tickets/' + t.reference, { status: 'new' }), 409, 'invalid_transition');
  isErr(await agentD.patch('/api/v1/tickets/' + t.reference, { status: 'closed' }), 409, 'invalid_transition');
  assert.equal((await agentD.patch('/api/v1/tickets/' + t.reference, { status: 'pending' })).status, 200);
  isErr(await agentD.patch('/api/v1/tickets/' + t.reference, { status: 'closed' }), 409, 'invalid_transition');
  assert.equal((await agentD.patch('/api/v1/tickets/' + t.reference, { status: 'solved' })).status, 200);
  isErr(await agentD.patch('/api/v1/tickets/' + t.reference, { status: 'pending' }), 409, 'invalid_transition');
  isErr(await agentD.patch('/api/v1/tickets/' + t.reference, { status: 'on_hold' }), 409, 'invalid_transition');
  assert.equal((await agentD.patch('/api/v1/tickets/' + t.reference, { status: 'closed' })).status, 200);
  for (const s of ['open', 'new', 'pending', 'on_hold', 'solved']) {
    isErr(await agentD.patch('/api/v1/tickets/' + t.reference, { status: s }), 409, 'invalid_transition');
  }
  assert.equal((await agentD.get('/api/v1/tickets/' + t.reference)).json.ticket.status, 'closed');
  // a rejected PATCH changes nothing else either
  isErr(await agentD.patch('/api/v1/tickets/' + t.reference, { status: 'open', priority: 'urgent' }), 409, 'invalid_transition');
  assert.notEqual((await agentD.get('/api/v1/tickets/' + t.reference)).json.ticket.priority, 'urgent');
});

test('a customer\'s public reply moves pending → open and solved → open', async () => {
  const t = await create(custA, { subject: 'reopen me' });
  assert.equal((await agentD.patch('/api/v1/tickets/' + t.reference, { status: 'pending' })).status, 200);
  const r1 = await custA.post(`/api/v1/tickets/${t.reference}/messages`, { body: 'here is the info' });
  assert.equal(r1.status, 201, r1.text);
  assert.equal(r1.json.ticket.status, 'open');
  assert.equal(r1.json.message.author.role, 'customer');
  assert.equal((await agentD.patch('/api/v1/tickets/' + t.reference, { status: 'solved' })).status, 200);
  const r2 = await custA.post(`/api/v1/tickets/${t.reference}/messages`, { body: 'still broken' });
  assert.equal(r2.status, 201, r2.text);
  assert.equal(r2.json.ticket.status, 'open');
  assert.equal(r2.json.ticket.reference, t.reference);
  assert.equal((await agentD.get('/api/v1/tickets/' + t.reference)).json.ticket.status, 'open');
  // an agent's reply on an open ticket does not change its status
  const r3 = await agentD.post(`/api/v1/tickets/${t.reference}/messages`, { body: 'ok' });
  assert.equal(r3.json.ticket.status, 'open');
});

test('an agent\'s reply to a closed ticket → 409 invalid_transition, nothing added', async () => {
  const t = await create(custA, { subject: 'closed for agents', body: 'orig' });
  assert.equal((await agentD.patch('/api/v1/tickets/' + t.reference, { status: 'solved' })).status, 200);
  assert.equal((await agentD.patch('/api/v1/tickets/' + t.reference, { status: 'closed' })).status, 200);
  isErr(await agentD.post(`/api/v1/tickets/${t.reference}/messages`, { body: 'too late' }), 409, 'invalid_transition');
  const g = await agentD.get('/api/v1/tickets/' + t.reference);
  assert.deepEqual(g.json.messages.map((m) => m.body), ['orig']);
  assert.ok(!(await refs(sup, 'requester=' + custA.user.id)).some((x) => x.follow_up_of === t.reference));
});

test('a customer may mark their own ticket solved', async () => {
  const t = await create(custA, { subject: 'solved by me' });
  const r = await custA.patch('/api/v1/tickets/' + t.reference, { status: 'solved' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ticket.status, 'solved');
});

test('a reply on a closed ticket → 201 with a new follow-up ticket; the closed one is untouched', async () => {
  const t = await create(custA, { subject: 'old problem', body: 'original' });
  assert.equal((await agentD.patch('/api/v1/tickets/' + t.reference, { status: 'solved' })).status, 200);
  assert.equal((await agentD.patch('/api/v1/tickets/' + t.reference, { status: 'closed' })).status, 200);
  const r = await custA.post(`/api/v1/tickets/${t.reference}/messages`, { body: 'it happened again' });
  assert.equal(r.status, 201, r.text);
  const nt = r.json.ticket;
  assert.notEqual(nt.reference, t.reference);
  assert.match(nt.reference, /^FD-\d+$/);
  assert.equal(nt.follow_up_of, t.reference);
  assert.equal(nt.requester.id, custA.user.id);
  assert.notEqual(nt.status, 'closed');
  const old = await custA.get('/api/v1/tickets/' + t.reference);
  assert.equal(old.json.ticket.status, 'closed');
  assert.deepEqual(old.json.messages.map((m) => m.body), ['original']);
  const g = await custA.get('/api/v1/tickets/' + nt.reference);
  assert.equal(g.status, 200, g.text);
  assert.ok(g.json.messages.some((m) => m.body === 'it happened again'));
  assert.equal(g.json.ticket.follow_up_of, t.reference);
  const mine = await refs(custA);
  assert.ok(mine.some((x) => x.reference === nt.reference));
});
