// Live chat over REST (docs/chat.md): availability, business hours and "leave a message",
// queue order, capacity, least-loaded routing, position + estimate, transfer, escalation,
// conversion to a ticket, messages with client_id, rating, transcript by mail, access
// control, the estimate-vs-actual report, files sent in a chat and chat search.
// WebSocket behaviour: chat_ws.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, Client } from '../lib/server.mjs';
import { startSmtpSink, waitFor, sleep } from '../lib/mailservers.mjs';

let srv, sink;
let admin, sup;
let dA, d2; // deposits: a tier-1 and a tier-2 agent
let tr1; // trading
let tx, ty; // technical
let k1; // kyc
let p, q, r; // account
let custA, custB; // signed-up customers
const HEX64 = /^[0-9a-f]{64}$/;
const REF = /^FD-\d+$/;
const T = { timeout: 15000 };
let nCust = 0;

function isErr(res, status, code) {
  assert.equal(res.status, status, `want ${status}, got ${res.status}: ${res.text}`);
  assert.ok(res.json && res.json.error, `JSON error body expected, got: ${res.text}`);
  if (code) assert.equal(res.json.error.code, code, res.text);
  assert.ok(typeof res.json.error.message === 'string' && res.json.error.message.length > 0);
}
function refused(res, statuses, what) {
  assert.ok(statuses.includes(res.status), `${what}: want one of ${statuses}, got ${res.status}: ${res.text}`);
  assert.ok(res.json && res.json.error, `${what}: JSON error body expected, got: ${res.text}`);
}
async function login(u) { const c = new Client(srv.url); await c.login(u.email, u.password); return c; }
async function newCustomer(name = 'Chat Customer') {
  nCust += 1;
  const c = new Client(srv.url);
  await c.signup(`chat-cust-${nCust}@fd.test`, 'customer-pass-123', `${name} ${nCust}`);
  return c;
}
async function status(c, st, capacity) {
  const body = { status: st };
  if (capacity !== undefined) body.capacity = capacity;
  const res = await c.req('PUT', '/api/v1/agent/status', body);
  assert.equal(res.status, 200, `agent status ${st}: ${res.text}`);
  assert.equal(res.json.status, st);
  if (capacity !== undefined) assert.equal(res.json.capacity, capacity);
  assert.equal(typeof res.json.active_chats, 'number');
  return res.json;
}
async function start(c, department, message = 'Hello, I need help') {
  const res = await c.post('/api/v1/chat', { department, message });
  assert.equal(res.status, 201, `start chat in ${department}: ${res.text}`);
  const ch = res.json.chat;
  assert.equal(typeof ch.id, 'number');
  assert.equal(ch.department, department);
  if (!c.user) assert.match(res.json.token, HEX64, 'anonymous visitors get a token');
  return { ...ch, token: res.json.token, customer: c };
}
async function getChat(c, id, token) {
  const res = await c.get(`/api/v1/chat/${id}` + (token ? `?token=${encodeURIComponent(token)}` : ''));
  assert.equal(res.status, 200, `GET chat ${id}: ${res.text}`);
  return res.json;
}
async function avail(department) {
  const res = await new Client(srv.url).get(`/api/v1/chat/availability?department=${department}`);
  assert.equal(res.status, 200, res.text);
  return res.json;
}
async function end(c, id) {
  const res = await c.post(`/api/v1/chat/${id}/end`);
  assert.equal(res.status, 200, `end chat ${id}: ${res.text}`);
  return res.json.chat;
}
async function post(c, id, body, client_id) {
  const res = await c.post(`/api/v1/chat/${id}/messages`, client_id ? { body, client_id } : { body });
  assert.equal(res.status, 201, `post in chat ${id}: ${res.text}`);
  assert.equal(typeof res.json.seq, 'number');
  return res.json.seq;
}
async function putHours(c, slug, hours, extra = {}) {
  return c.req('PUT', `/api/v1/departments/${slug}/hours`, { hours, ...extra });
}
const hhmm = (min) => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
// The readable text of a mail whatever its transfer encoding: the raw bytes, plus every
// base64 run decoded, plus quoted-printable decoded.
function mailText(m) {
  const raw = m.raw.toString('utf8');
  const b64 = (raw.match(/(?:^[A-Za-z0-9+/=]{16,}\r?\n)+/gm) || [])
    .map((run) => Buffer.from(run.replace(/\s+/g, ''), 'base64').toString('utf8'));
  const qp = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (x, h) => String.fromCharCode(parseInt(h, 16)));
  return [raw, ...b64, qp].join('\n');
}
const everyDay = (open, close) => [0, 1, 2, 3, 4, 5, 6].map((day) => ({ day, open: hhmm(open), close: hhmm(close) }));

before(async () => {
  sink = await startSmtpSink();
  srv = await startServer({ env: { FRONTDESK_SMTP_URL: sink.url, FRONTDESK_MAIL_POLL_MS: '100' } });
  const add = (email, name, role, department, tier) => srv.addUser({ email, name, role, department, tier });
  admin = await login(add('admin@fd.test', 'Ada Admin', 'admin'));
  sup = await login(add('sup@fd.test', 'Sue Pervisor', 'supervisor'));
  dA = await login(add('dora@fd.test', 'Dora Deposits', 'agent', 'deposits', 1));
  d2 = await login(add('deb@fd.test', 'Deb Tiertwo', 'agent', 'deposits', 2));
  tr1 = await login(add('tom@fd.test', 'Tom Trading', 'agent', 'trading', 1));
  tx = await login(add('xavier@fd.test', 'Xavier Tech', 'agent', 'technical', 1));
  ty = await login(add('yara@fd.test', 'Yara Tech', 'agent', 'technical', 1));
  k1 = await login(add('kim@fd.test', 'Kim Kyc', 'agent', 'kyc', 1));
  p = await login(add('pam@fd.test', 'Pam Account', 'agent', 'account', 1));
  q = await login(add('quinn@fd.test', 'Quinn Account', 'agent', 'account', 1));
  r = await login(add('rob@fd.test', 'Rob Account', 'agent', 'account', 1));
  custA = await newCustomer('Alice');
  custB = await newCustomer('Bob');
});
after(async () => {
  await srv?.stop();
  await sink?.stop();
});

// ---- availability -------------------------------------------------------------------------

test('availability with no agent online → online:false reason no_agents; POST /chat → 409 unavailable', T, async () => {
  const a = await avail('account');
  assert.equal(a.department, 'account');
  assert.equal(a.online, false);
  assert.equal(a.reason, 'no_agents');
  assert.equal(a.agents_available, 0);
  assert.equal(a.queue_length, 0);
  assert.equal(typeof a.estimate_s, 'number');
  isErr(await custA.post('/api/v1/chat', { department: 'account', message: 'anyone there?' }), 409, 'unavailable');
  // "away" is not online either
  await status(p, 'away', 2);
  const b = await avail('account');
  assert.equal(b.online, false);
  assert.equal(b.reason, 'no_agents');
  await status(p, 'offline');
});

test('availability: unknown department → 400/404; agent status validation and authorization', T, async () => {
  const res = await new Client(srv.url).get('/api/v1/chat/availability?department=nope');
  refused(res, [400, 404], 'unknown department');
  isErr(await p.req('PUT', '/api/v1/agent/status', { status: 'online', capacity: 21 }), 400, 'invalid_field');
  isErr(await p.req('PUT', '/api/v1/agent/status', { status: 'online', capacity: 0 }), 400, 'invalid_field');
  isErr(await p.req('PUT', '/api/v1/agent/status', { status: 'busy' }), 400, 'invalid_field');
  isErr(await custA.req('PUT', '/api/v1/agent/status', { status: 'online' }), 403, 'forbidden');
  isErr(await new Client(srv.url).req('PUT', '/api/v1/agent/status', { status: 'online' }), 401, 'unauthorized');
});

test('an agent online with capacity → online:true reason ok, estimate 0 for an empty queue', T, async () => {
  const s = await status(p, 'online', 2);
  assert.equal(s.active_chats, 0);
  const a = await avail('account');
  assert.equal(a.online, true, JSON.stringify(a));
  assert.equal(a.reason, 'ok');
  assert.equal(a.agents_available, 1);
  assert.equal(a.queue_length, 0);
  assert.equal(a.estimate_s, 0, 'a free slot for the next chat → 0');
  await status(p, 'offline');
});

// ---- queue order, position, estimate --------------------------------------------------------

let qChats; // the three queued deposits chats, for the report test
// A new chat is accepted only while an agent has spare capacity (else 409 "full"), so a
// queue forms where chats wait for a tier nobody of serves right now: escalations.
test('queue order: three chats wait in the tier-2 queue; a tier-2 agent with capacity 1 comes online → first assigned; ending it assigns the second; nobody skipped', T, async () => {
  await status(dA, 'online', 3);
  const c = [];
  for (let i = 0; i < 3; i++) {
    const cust = await newCustomer('Queue');
    const ch = await start(cust, 'deposits', `queued chat ${i}`);
    assert.equal(ch.status, 'queued');
    assert.equal(ch.tier, 1);
    assert.equal(ch.position, 0, 'an agent has spare capacity: next in line');
    assert.equal(ch.estimate_s, 0);
    assert.equal((await getChat(dA, ch.id)).chat.agent.id, dA.user.id);
    c.push(ch);
  }
  for (let i = 0; i < 3; i++) {
    const e = await dA.post(`/api/v1/chat/${c[i].id}/escalate`, { note: `escalation ${i}` });
    assert.equal(e.status, 200, e.text);
    assert.equal(e.json.chat.status, 'queued');
    assert.equal(e.json.chat.tier, 2);
    const g = await getChat(c[i].customer, c[i].id);
    assert.equal(g.chat.status, 'queued');
    assert.equal(g.chat.agent, null);
    assert.equal(g.chat.position, i, `chat ${i} position in the tier-2 queue`);
    // nobody of tier 2 online, so no free slot: ceil((i + 1) / max(1, 0)) × 300 s (no ended
    // chats in deposits yet)
    assert.equal(g.chat.estimate_s, (i + 1) * 300, `chat ${i} estimate`);
    c[i].estimate_s = g.chat.estimate_s;
  }
  qChats = c;
  for (let i = 0; i < 3; i++) {
    const g = await getChat(c[i].customer, c[i].id);
    assert.equal(g.chat.position, i);
    assert.equal(g.chat.estimate_s, (i + 1) * 300);
    assert.equal(g.chat.customer.id, c[i].customer.user.id);
    assert.equal(g.messages.filter((m) => m.kind === 'message')[0].body, `queued chat ${i}`);
  }
  const wq = await d2.get('/api/v1/agent/chats');
  assert.equal(wq.status, 200, wq.text);
  assert.deepEqual(wq.json.chats, []);
  assert.deepEqual(wq.json.queue.map((x) => x.id), c.map((x) => x.id), 'the tier-2 queue, oldest first');
  assert.equal((await status(dA, 'online', 3)).active_chats, 0, 'escalation frees the tier-1 agent');

  // The tier-2 agent comes online with capacity 1 → the oldest waiting chat is assigned.
  await status(d2, 'online', 1);
  let g0 = await getChat(d2, c[0].id);
  assert.equal(g0.chat.status, 'active');
  assert.equal(g0.chat.agent.id, d2.user.id);
  for (const i of [1, 2]) {
    const g = await getChat(c[i].customer, c[i].id);
    assert.equal(g.chat.status, 'queued', `chat ${i} still waits`);
    assert.equal(g.chat.position, i - 1, `chat ${i} moved up`);
    // one tier-2 agent online now, busy with chat 0: ceil((i - 1 + 1) / 1) × 300
    assert.equal(g.chat.estimate_s, i * 300, `chat ${i} estimate updated`);
  }
  const ac = await d2.get('/api/v1/agent/chats');
  assert.deepEqual(ac.json.chats.map((x) => x.id), [c[0].id]);
  assert.deepEqual(ac.json.queue.map((x) => x.id), [c[1].id, c[2].id]);

  // Ending the first assigns the second, then the third.
  await end(d2, c[0].id);
  g0 = await getChat(d2, c[0].id);
  assert.equal(g0.chat.status, 'ended');
  const g1 = await getChat(d2, c[1].id);
  assert.equal(g1.chat.status, 'active');
  assert.equal(g1.chat.agent.id, d2.user.id);
  assert.equal((await getChat(c[2].customer, c[2].id)).chat.position, 0);
  await end(c[1].customer, c[1].id); // the customer may end it too
  const g2 = await getChat(d2, c[2].id);
  assert.equal(g2.chat.status, 'active');
  assert.equal(g2.chat.agent.id, d2.user.id);
  const t0 = Date.parse(g0.chat.assigned_at), t1 = Date.parse(g1.chat.assigned_at), t2 = Date.parse(g2.chat.assigned_at);
  assert.ok(t0 <= t1 && t1 <= t2, 'assigned in queue order');
  assert.equal((await status(dA, 'online', 3)).active_chats, 0, 'the tier-1 agent took none of them');
  await end(d2, c[2].id);
  assert.equal((await status(d2, 'online', 1)).active_chats, 0);
  await status(d2, 'offline');
  await status(dA, 'offline');
});

// ---- capacity and least-loaded routing -------------------------------------------------------

test('capacity: an agent with capacity 2 gets at most 2 active chats; when full a new chat waits in the queue', T, async () => {
  await status(tr1, 'online', 2);
  const chats = [];
  for (let i = 0; i < 2; i++) chats.push(await start(await newCustomer('Trader'), 'trading', `trading ${i}`));
  for (const ch of chats) {
    const g = await getChat(sup, ch.id);
    assert.equal(g.chat.status, 'active');
    assert.equal(g.chat.agent.id, tr1.user.id);
  }
  const a = await avail('trading');
  assert.equal(a.online, false, JSON.stringify(a));
  assert.equal(a.reason, 'full');
  assert.equal(a.agents_available, 0);
  // Busy is not closed: the third customer may wait, and is told where they stand.
  const third = await newCustomer('Trader');
  const q = await third.post('/api/v1/chat', { department: 'trading', message: 'trading 2' });
  assert.equal(q.status, 201, q.text);
  const ch3 = q.json.chat;
  assert.equal(ch3.status, 'queued');
  assert.equal(ch3.position, 0);
  // docs/chat.md: nobody ahead but no free slot → it waits for the first chat to end,
  // ceil((0 + 1) / 1 agent) × 300 s (no ended trading chats yet)
  assert.equal(ch3.estimate_s, 300);
  assert.equal((await getChat(third, ch3.id)).chat.estimate_s, 300, 'the live estimate agrees');
  assert.equal((await avail('trading')).estimate_s, 600, 'a fourth would wait for two ends');
  const s = await status(tr1, 'online', 2);
  assert.equal(s.active_chats, 2, 'capacity respected: the third chat is not assigned');
  const ac = await tr1.get('/api/v1/agent/chats');
  assert.equal(ac.status, 200, ac.text);
  assert.deepEqual(ac.json.chats.map((x) => x.id).sort(), chats.map((x) => x.id).sort());
  assert.deepEqual(ac.json.queue.map((x) => x.id), [ch3.id]);
  // raising the capacity lets routing take the waiting chat, to the same agent
  await status(tr1, 'online', 3);
  const g3 = await getChat(sup, ch3.id);
  assert.equal(g3.chat.status, 'active');
  assert.equal(g3.chat.agent.id, tr1.user.id);
  assert.equal((await status(tr1, 'online', 3)).active_chats, 3);
  for (const ch of [...chats, ch3]) await end(tr1, ch.id);
  assert.equal((await status(tr1, 'online', 2)).active_chats, 0);
  await status(tr1, 'offline');
});

test('least-loaded routing among two agents, ties to the one waiting longest since the last assignment', T, async () => {
  await status(tx, 'online', 3);
  const ch = [];
  const agentOf = async (i) => (await getChat(sup, ch[i].id)).chat.agent?.id;
  for (let i = 0; i < 2; i++) ch.push(await start(await newCustomer('Tech'), 'technical', `tech ${i}`));
  assert.equal(await agentOf(0), tx.user.id);
  assert.equal(await agentOf(1), tx.user.id);
  await status(ty, 'online', 3);
  ch.push(await start(await newCustomer('Tech'), 'technical', 'tech 2'));
  assert.equal(await agentOf(2), ty.user.id, 'Y has 0 active chats, X has 2');
  await sleep(20);
  ch.push(await start(await newCustomer('Tech'), 'technical', 'tech 3'));
  assert.equal(await agentOf(3), ty.user.id, 'Y has 1, X has 2');
  await sleep(20);
  ch.push(await start(await newCustomer('Tech'), 'technical', 'tech 4'));
  assert.equal(await agentOf(4), tx.user.id, '2 – 2: X waited longest since its last assignment');
  const nx = (await status(tx, 'online', 3)).active_chats, ny = (await status(ty, 'online', 3)).active_chats;
  assert.deepEqual([nx, ny], [3, 2]);
  for (let i = 0; i < ch.length; i++) await end((await agentOf(i)) === tx.user.id ? tx : ty, ch[i].id);
  await status(tx, 'offline');
  await status(ty, 'offline');
});

// ---- business hours and leave-a-message -----------------------------------------------------

test('outside business hours → online:false reason closed, POST /chat → 409; leave a message creates a chat-channel ticket', { timeout: 20000 }, async () => {
  await status(k1, 'online', 2);
  assert.equal((await avail('kyc')).reason, 'ok');
  // every day, a one-hour window six hours away from now (UTC, offset 0): excludes now
  const now = new Date();
  const nowMin = now.getUTCHours() * 60 + now.getUTCMinutes();
  let open = (nowMin + 360) % 1440;
  if (open + 60 > 1440) open = (nowMin + 1440 - 420) % 1440; // seven hours back instead, no wrap
  const hours = everyDay(open, open + 60);
  isErr(await putHours(sup, 'kyc', hours, { timezone_offset_min: 0 }), 403, 'forbidden');
  isErr(await putHours(k1, 'kyc', hours, { timezone_offset_min: 0 }), 403, 'forbidden');
  const ph = await putHours(admin, 'kyc', hours, { timezone_offset_min: 0 });
  assert.equal(ph.status, 200, ph.text);
  assert.equal(ph.json.hours.length, 7);
  assert.deepEqual(ph.json.hours.map((h) => [h.day, h.open, h.close]), hours.map((h) => [h.day, h.open, h.close]));
  const a = await avail('kyc');
  assert.equal(a.online, false, JSON.stringify(a));
  assert.equal(a.reason, 'closed');
  isErr(await custA.post('/api/v1/chat', { department: 'kyc', message: 'are you open?' }), 409, 'unavailable');
  isErr(await new Client(srv.url).post('/api/v1/chat', { department: 'kyc', message: 'hi', email: 'v@visitor.test' }), 409, 'unavailable');

  // leave a message: a signed-in customer...
  const lm = await custA.post('/api/v1/chat/leave-message', { department: 'kyc', message: 'My selfie check keeps failing', subject: 'Selfie check' });
  assert.equal(lm.status, 201, lm.text);
  const t = lm.json.ticket;
  assert.match(t.reference, REF);
  assert.equal(t.channel, 'chat');
  assert.equal(t.department, 'kyc');
  assert.equal(t.requester.id, custA.user.id);
  const gt = await custA.get('/api/v1/tickets/' + t.reference);
  assert.equal(gt.status, 200, gt.text);
  assert.ok(gt.json.messages.some((m) => m.body.includes('My selfie check keeps failing')));
  // ...and an anonymous visitor with an email, who gets an acknowledgement by mail
  const anon = new Client(srv.url);
  const lv = await anon.post('/api/v1/chat/leave-message', { department: 'kyc', message: 'Please call me back about KYC', email: 'Visitor.One@visitor.test', name: 'Visitor One' });
  assert.equal(lv.status, 201, lv.text);
  assert.match(lv.json.ticket.reference, REF);
  assert.equal(lv.json.ticket.channel, 'chat');
  assert.equal(lv.json.ticket.requester.email, 'visitor.one@visitor.test');
  const vt = await sup.get('/api/v1/tickets/' + lv.json.ticket.reference);
  assert.equal(vt.status, 200, vt.text);
  assert.ok(vt.json.messages.some((m) => m.body.includes('Please call me back about KYC')));
  const mails = await sink.waitForMessages((ms) => ms.some((m) => m.envelope.rcpt_tos.map((x) => x.toLowerCase()).includes('visitor.one@visitor.test')), 10000);
  const ack = mails.find((m) => m.envelope.rcpt_tos.map((x) => x.toLowerCase()).includes('visitor.one@visitor.test'));
  assert.ok((ack.header('Subject') || '').includes(lv.json.ticket.reference) || ack.body.includes(lv.json.ticket.reference),
    'the acknowledgement names the ticket');
  // leave-message without email and without a session is refused
  refused(await anon.post('/api/v1/chat/leave-message', { department: 'kyc', message: 'x' }), [400, 401], 'anonymous without email');

  // opening hours that include now (UTC minute-of-day ± 2 h, clamped to the day) → open again
  const incl = everyDay(Math.max(0, nowMin - 120), Math.min(1439, nowMin + 120));
  const ph2 = await putHours(admin, 'kyc', incl, { timezone_offset_min: 0 });
  assert.equal(ph2.status, 200, ph2.text);
  assert.equal((await avail('kyc')).reason, 'ok');
  // closed again, then an empty list = always open
  assert.equal((await putHours(admin, 'kyc', hours, { timezone_offset_min: 0 })).status, 200);
  assert.equal((await avail('kyc')).reason, 'closed');
  const ph3 = await putHours(admin, 'kyc', []);
  assert.equal(ph3.status, 200, ph3.text);
  assert.deepEqual(ph3.json.hours, []);
  const b = await avail('kyc');
  assert.equal(b.online, true);
  assert.equal(b.reason, 'ok');
  // bad hours are refused
  isErr(await putHours(admin, 'kyc', [{ day: 7, open: '09:00', close: '17:00' }]), 400, 'invalid_field');
  isErr(await putHours(admin, 'kyc', [{ day: 1, open: '9am', close: '17:00' }]), 400, 'invalid_field');
  await status(k1, 'offline');
});

// ---- transfer --------------------------------------------------------------------------------

test('transfer: to an online agent with capacity → 200; to an offline one or a full one → 409; customers cannot transfer', T, async () => {
  await status(p, 'online', 1);
  const ch = await start(custA, 'account', 'please transfer me');
  assert.equal((await getChat(p, ch.id)).chat.agent.id, p.user.id);
  await status(q, 'online', 1);
  isErr(await p.post(`/api/v1/chat/${ch.id}/transfer`, { agent_id: r.user.id }), 409); // r is offline
  refused(await custA.post(`/api/v1/chat/${ch.id}/transfer`, { agent_id: q.user.id }), [403, 404], 'customer transfers');
  refused(await r.post(`/api/v1/chat/${ch.id}/transfer`, { agent_id: q.user.id }), [403, 404], 'another agent transfers');
  const t = await p.post(`/api/v1/chat/${ch.id}/transfer`, { agent_id: q.user.id });
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.chat.agent.id, q.user.id);
  assert.equal(t.json.chat.status, 'active');
  assert.equal((await status(q, 'online', 1)).active_chats, 1);
  assert.equal((await status(p, 'online', 1)).active_chats, 0);
  refused(await p.get(`/api/v1/chat/${ch.id}`), [403, 404], 'the previous agent reads the chat');
  // q is now full: a transfer back from a supervisor to q would exceed capacity; to p is fine
  const busy = await start(await newCustomer('Acct'), 'account', 'second account chat');
  assert.equal((await getChat(sup, busy.id)).chat.agent.id, p.user.id);
  isErr(await sup.post(`/api/v1/chat/${busy.id}/transfer`, { agent_id: q.user.id }), 409);
  await end(q, ch.id);
  const s = await sup.post(`/api/v1/chat/${busy.id}/transfer`, { agent_id: q.user.id });
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.chat.agent.id, q.user.id);
  await end(q, busy.id);
  for (const c of [p, q]) await status(c, 'offline');
});

// ---- escalation ------------------------------------------------------------------------------

test('escalate: tier 2 queue with the note as an internal system message; a tier-2 agent gets it', T, async () => {
  await status(dA, 'online', 1);
  const cust = await newCustomer('Escalated');
  const ch = await start(cust, 'deposits', 'my withdrawal is stuck for 3 days');
  assert.equal((await getChat(dA, ch.id)).chat.agent.id, dA.user.id);
  refused(await cust.post(`/api/v1/chat/${ch.id}/escalate`, { note: 'me' }), [403, 404], 'customer escalates');
  const e = await dA.post(`/api/v1/chat/${ch.id}/escalate`, { note: 'NOTE-ESC: suspicious pattern, tier 2 please' });
  assert.equal(e.status, 200, e.text);
  assert.equal(e.json.chat.tier, 2);
  assert.equal(e.json.chat.status, 'queued');
  assert.equal(e.json.chat.agent, null);
  assert.equal((await status(dA, 'online', 1)).active_chats, 0, 'the tier-1 agent is freed');
  const q2 = await getChat(sup, ch.id);
  assert.equal(q2.chat.tier, 2);
  assert.equal(q2.chat.status, 'queued');
  // the tier-1 agent, online with free capacity, does not take it
  assert.equal(q2.chat.agent, null);
  await status(d2, 'online', 2);
  const g = await getChat(d2, ch.id);
  assert.equal(g.chat.status, 'active');
  assert.equal(g.chat.agent.id, d2.user.id);
  assert.equal(g.chat.tier, 2);
  const note = g.messages.find((m) => m.body.includes('NOTE-ESC'));
  assert.ok(note, 'the tier-2 agent sees the escalation note');
  assert.equal(note.kind, 'system', 'docs/chat.md: the note is an internal *system* message (kinds message|system)');
  const cg = await getChat(cust, ch.id);
  assert.ok(!cg.messages.some((m) => m.body.includes('NOTE-ESC')), 'the customer does not see the internal note');
  await end(d2, ch.id);
  await status(d2, 'offline');
  await status(dA, 'offline');
});

// ---- messages, convert to ticket -------------------------------------------------------------

test('messages over REST: seq grows, client_id is idempotent (same seq, stored once)', T, async () => {
  await status(tr1, 'online', 2);
  const ch = await start(custB, 'trading', 'order stuck');
  const s1 = await post(custB, ch.id, 'first follow-up', 'cid-1');
  const again = await custB.post(`/api/v1/chat/${ch.id}/messages`, { body: 'first follow-up', client_id: 'cid-1' });
  assert.ok([200, 201].includes(again.status), again.text);
  assert.equal(again.json.seq, s1, 'same client_id → same seq');
  const s2 = await post(tr1, ch.id, 'agent answer', 'cid-1'); // another author may reuse the string
  assert.ok(s2 > s1);
  const g = await getChat(custB, ch.id);
  assert.equal(g.messages.filter((m) => m.body === 'first follow-up').length, 1, 'stored once');
  const seqs = g.messages.map((m) => m.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'messages in seq order');
  assert.equal(new Set(seqs).size, seqs.length);
  const am = g.messages.find((m) => m.body === 'agent answer');
  assert.equal(am.author.id, tr1.user.id);
  assert.equal(am.author.role, 'agent');
  isErr(await custB.post(`/api/v1/chat/${ch.id}/messages`, {}), 400);
  await end(custB, ch.id);
  // no messages once the chat ended
  refused(await custB.post(`/api/v1/chat/${ch.id}/messages`, { body: 'too late' }), [409], 'post after end');
  await status(tr1, 'offline');
});

test('convert: the transcript becomes the ticket thread, in order; the chat ends', T, async () => {
  await status(tr1, 'online', 2);
  const cust = await newCustomer('Convert');
  const ch = await start(cust, 'trading', 'CV-1 my limit order did not fill');
  await post(cust, ch.id, 'CV-2 it was BTC/USDT at 60000');
  await post(tr1, ch.id, 'CV-3 let me check the order book');
  await post(cust, ch.id, 'CV-4 thanks');
  refused(await cust.post(`/api/v1/chat/${ch.id}/convert`), [403, 404], 'customer converts');
  const cv = await tr1.post(`/api/v1/chat/${ch.id}/convert`);
  assert.equal(cv.status, 201, cv.text);
  const ref = cv.json.ticket.reference;
  assert.match(ref, REF);
  assert.equal(cv.json.ticket.channel, 'chat');
  assert.equal(cv.json.ticket.department, 'trading');
  assert.equal(cv.json.ticket.requester.id, cust.user.id);
  for (const who of [tr1, cust]) {
    const t = await who.get('/api/v1/tickets/' + ref);
    assert.equal(t.status, 200, t.text);
    const thread = t.json.messages.map((m) => m.body).join('\n');
    const at = ['CV-1', 'CV-2', 'CV-3', 'CV-4'].map((s) => thread.indexOf(s));
    assert.ok(at.every((i) => i >= 0), 'every chat message is in the ticket: ' + thread);
    assert.deepEqual(at, [...at].sort((a, b) => a - b), 'in order: ' + thread);
  }
  const g = await getChat(cust, ch.id);
  assert.ok(['ended', 'converted'].includes(g.chat.status), g.chat.status);
  assert.equal(g.chat.ticket, ref);
  assert.equal((await status(tr1, 'online', 2)).active_chats, 0);
  await status(tr1, 'offline');
});

// ---- access control -------------------------------------------------------------------------

test('another customer\'s chat → 404; visitor token: right → 200, wrong or missing → refused', T, async () => {
  await status(tr1, 'online', 3);
  const ch = await start(custA, 'trading', 'PRIVATE-A my uid is 12345678');
  for (const [m, path, body] of [['GET', `/api/v1/chat/${ch.id}`], ['POST', `/api/v1/chat/${ch.id}/messages`, { body: 'hijack' }],
    ['POST', `/api/v1/chat/${ch.id}/end`], ['POST', `/api/v1/chat/${ch.id}/transcript`], ['POST', `/api/v1/chat/${ch.id}/rating`, { rating: 1 }]]) {
    const res = await custB.req(m, path, body);
    isErr(res, 404, 'not_found');
    assert.ok(!res.text.includes('PRIVATE-A'));
  }
  isErr(await tx.get(`/api/v1/chat/${ch.id}`), 404, 'not_found'); // an agent of another department, not assigned
  assert.equal((await sup.get(`/api/v1/chat/${ch.id}`)).status, 200);
  isErr(await custB.get('/api/v1/chat/999999'), 404, 'not_found');

  // an anonymous visitor
  const anon = new Client(srv.url);
  const res = await anon.post('/api/v1/chat', { department: 'trading', message: 'VISITOR-1 hi', email: 'visitor2@visitor.test', name: 'Visitor Two' });
  assert.equal(res.status, 201, res.text);
  const { chat, token } = res.json;
  assert.match(token, HEX64);
  assert.equal(chat.status, 'queued');
  const g = await getChat(anon, chat.id, token);
  assert.equal(g.chat.customer.email, 'visitor2@visitor.test');
  assert.ok(g.messages.some((m) => m.body === 'VISITOR-1 hi'));
  const pm = await anon.post(`/api/v1/chat/${chat.id}/messages?token=${token}`, { body: 'VISITOR-2 more' });
  assert.equal(pm.status, 201, pm.text);
  const wrong = token.slice(0, 63) + (token[63] === '0' ? '1' : '0');
  for (const tk of [wrong, 'x', '']) {
    const w = await anon.get(`/api/v1/chat/${chat.id}?token=${tk}`);
    refused(w, [401, 404], `token ${JSON.stringify(tk)}`);
    assert.ok(!w.text.includes('VISITOR-1'));
  }
  refused(await anon.get(`/api/v1/chat/${chat.id}`), [401, 404], 'no token');
  refused(await anon.get(`/api/v1/chat/${ch.id}?token=${token}`), [401, 404], 'token of another chat');
  refused(await anon.post(`/api/v1/chat/${chat.id}/messages?token=${wrong}`, { body: 'nope' }), [401, 404], 'post with a wrong token');
  // anonymous start without email → refused
  refused(await anon.post('/api/v1/chat', { department: 'trading', message: 'no email' }), [400, 401], 'anonymous without email');
  const e = await anon.post(`/api/v1/chat/${chat.id}/end?token=${token}`);
  assert.equal(e.status, 200, e.text);
  await end(custA, ch.id);
  await status(tr1, 'offline');
});

test('canned responses: agents only', T, async () => {
  const res = await tr1.get('/api/v1/chat/canned');
  assert.equal(res.status, 200, res.text);
  assert.ok(res.json.canned.length >= 3);
  assert.ok(res.json.canned.some((c) => c.title === 'Greeting' && typeof c.body === 'string' && typeof c.id === 'number'));
  isErr(await custA.get('/api/v1/chat/canned'), 403, 'forbidden');
  isErr(await new Client(srv.url).get('/api/v1/chat/canned'), 401, 'unauthorized');
});

// ---- rating and transcript ------------------------------------------------------------------

test('rating: only after the end and only by the customer', T, async () => {
  await status(tr1, 'online', 2);
  const cust = await newCustomer('Rater');
  const ch = await start(cust, 'trading', 'rate me');
  isErr(await cust.post(`/api/v1/chat/${ch.id}/rating`, { rating: 5 }), 409);
  await end(tr1, ch.id);
  refused(await tr1.post(`/api/v1/chat/${ch.id}/rating`, { rating: 5 }), [403, 404], 'agent rates');
  isErr(await cust.post(`/api/v1/chat/${ch.id}/rating`, { rating: 6 }), 400, 'invalid_field');
  isErr(await cust.post(`/api/v1/chat/${ch.id}/rating`, { rating: 0 }), 400, 'invalid_field');
  const ok = await cust.post(`/api/v1/chat/${ch.id}/rating`, { rating: 4, comment: 'quick and kind' });
  assert.equal(ok.status, 204, ok.text);
  assert.equal((await getChat(cust, ch.id)).chat.rating, 4);
  await status(tr1, 'offline');
});

test('transcript → 202 and the customer gets it by mail', { timeout: 20000 }, async () => {
  await status(tr1, 'online', 2);
  const cust = await newCustomer('Mailme');
  const ch = await start(cust, 'trading', 'TR-1 question about fees');
  await post(tr1, ch.id, 'TR-2 maker fee is 0.1%');
  refused(await tr1.post(`/api/v1/chat/${ch.id}/transcript`), [403, 404], 'agent asks for the transcript');
  const res = await cust.post(`/api/v1/chat/${ch.id}/transcript`);
  assert.equal(res.status, 202, res.text);
  const email = cust.user.email.toLowerCase();
  const ms = await sink.waitForMessages((all) => all.some((m) => m.envelope.rcpt_tos.map((x) => x.toLowerCase()).includes(email)), 10000);
  const mail = ms.find((m) => m.envelope.rcpt_tos.map((x) => x.toLowerCase()).includes(email));
  const text = mailText(mail);
  assert.ok(text.includes('TR-1'), 'the transcript has the first message: ' + text.slice(0, 2000));
  assert.ok(text.includes('TR-2'), 'and the agent answer');
  assert.ok(text.indexOf('TR-1') < text.indexOf('TR-2'), 'in order');
  await end(cust, ch.id);
  await status(tr1, 'offline');
});

// ---- the estimate-vs-actual report ----------------------------------------------------------

test('report: supervisors see estimate vs actual wait with the mean absolute error', T, async () => {
  isErr(await tr1.get('/api/v1/chat/report'), 403, 'forbidden');
  isErr(await custA.get('/api/v1/chat/report'), 403, 'forbidden');
  const res = await sup.get('/api/v1/chat/report');
  assert.equal(res.status, 200, res.text);
  const { chats, n, mean_abs_error_s: mae } = res.json;
  assert.ok(Array.isArray(chats));
  assert.equal(n, chats.length);
  assert.ok(n >= 3);
  for (const c of chats) {
    assert.equal(typeof c.id, 'number');
    assert.equal(typeof c.estimate_s, 'number');
    assert.equal(typeof c.actual_wait_s, 'number');
    assert.ok(c.actual_wait_s >= 0);
  }
  for (let i = 0; i < 3; i++) {
    const c = chats.find((x) => x.id === qChats[i].id);
    assert.ok(c, `queued chat ${i} is in the report`);
    assert.equal(c.estimate_s, qChats[i].estimate_s, 'the estimate given when it was (re)queued is kept');
    assert.ok(c.actual_wait_s < 60, 'they waited seconds, not minutes');
  }
  const mean = chats.reduce((s, c) => s + Math.abs(c.estimate_s - c.actual_wait_s), 0) / n;
  assert.ok(Math.abs(mae - mean) <= 1, `mean_abs_error_s ${mae} vs computed ${mean}`);
});

test('estimate uses the mean handling time of the last ended chats', T, async () => {
  // deposits now has ended chats that lasted about a second: at position 1 with no tier-2
  // agent online the estimate is ceil((1 + 1)/1) × mean, far below the 300 s default.
  await status(d2, 'offline'); // (also when an earlier test stopped half-way)
  await status(dA, 'online', 2);
  const a = await start(await newCustomer('Est'), 'deposits', 'est 0');
  const b = await start(await newCustomer('Est'), 'deposits', 'est 1');
  for (const c of [a, b]) assert.equal((await dA.post(`/api/v1/chat/${c.id}/escalate`, { note: 'est' })).status, 200);
  const gb = await getChat(sup, b.id);
  assert.equal(gb.chat.position, 1);
  assert.ok(gb.chat.estimate_s >= 0 && gb.chat.estimate_s < 60, `estimate from a mean of short chats, got ${gb.chat.estimate_s}`);
  await status(d2, 'online', 2);
  for (const c of [a, b]) await end(d2, c.id);
  await status(d2, 'offline');
  await status(dA, 'offline');
});

// ---- files sent in a chat -------------------------------------------------------------------

// a 1x1 PNG
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082', 'hex');
function upload(c, id, bytes, { type = 'image/png', filename = 'shot.png', token } = {}) {
  const qs = `filename=${encodeURIComponent(filename)}` + (token ? `&token=${token}` : '');
  return c.req('POST', `/api/v1/chat/${id}/attachments?${qs}`, bytes, { 'content-type': type });
}
async function getBytes(c, url) {
  const h = {};
  if (c.cookie) h.cookie = c.cookie;
  const res = await fetch(srv.url + url, { headers: h });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json = null; try { json = JSON.parse(bytes.toString()); } catch { /* binary */ }
  return { status: res.status, headers: res.headers, bytes, json, text: bytes.toString() };
}
/** Raw upload that tolerates an early answer while the body is still being sent. */
function rawUpload(c, id, bytes) {
  const u = new URL(srv.url);
  return new Promise((resolve, reject) => {
    let done = false;
    const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: `/api/v1/chat/${id}/attachments?filename=big.png`,
      headers: { cookie: c.cookie, 'x-csrf-token': c.csrf, 'content-type': 'image/png', 'content-length': bytes.length } }, (res) => {
      const chunks = [];
      const finish = () => {
        if (done) return; done = true;
        const text = Buffer.concat(chunks).toString();
        let json = null; try { json = JSON.parse(text); } catch { /* */ }
        resolve({ status: res.statusCode, text, json });
      };
      res.on('data', (d) => chunks.push(d)); res.on('end', finish); res.on('close', finish); res.on('error', finish);
    });
    req.on('error', (e) => { if (!done) { done = true; reject(e); } });
    req.end(bytes);
  });
}

test('chat files: upload → 201 {attachment, seq}, a message with the attachment, download byte-identical with safe headers', T, async () => {
  await status(tr1, 'online', 3);
  const cust = await newCustomer('Shot');
  const ch = await start(cust, 'trading', 'FILE-1 the order screen shows an error');
  const up = await upload(cust, ch.id, PNG, { filename: 'order error.png' });
  assert.equal(up.status, 201, up.text);
  const att = up.json.attachment;
  assert.equal(typeof att.id, 'number');
  assert.equal(att.filename, 'order error.png');
  assert.equal(att.content_type, 'image/png');
  assert.equal(att.size, PNG.length);
  assert.equal(att.url, `/api/v1/chat/${ch.id}/attachments/${att.id}`);
  assert.equal(typeof up.json.seq, 'number');
  for (const who of [cust, tr1, sup]) {
    const g = await getChat(who, ch.id);
    const m = g.messages.find((x) => x.seq === up.json.seq);
    assert.ok(m, 'the file is a message of the chat');
    assert.equal(m.author.id, cust.user.id);
    assert.deepEqual(m.attachment, att, 'GET shows the same attachment object');
    const d = await getBytes(who, att.url);
    assert.equal(d.status, 200, d.text);
    assert.ok(d.bytes.equals(PNG), 'byte-identical');
    assert.match(d.headers.get('content-type') || '', /^image\/png/);
    assert.match(d.headers.get('content-disposition') || '', /^attachment; filename="order error.png"/);
    assert.equal(d.headers.get('x-content-type-options'), 'nosniff');
    assert.match(d.headers.get('content-security-policy') || '', /sandbox/);
  }
  // messages without a file say so
  assert.equal((await getChat(cust, ch.id)).messages[0].attachment, null);
  // the agent sends one too; the declared type is not trusted, the sniffed one is stored
  const a2 = await upload(tr1, ch.id, Buffer.from('1. open Orders\n2. cancel\n'), { type: 'text/plain', filename: 'steps.txt' });
  assert.equal(a2.status, 201, a2.text);
  assert.equal(a2.json.attachment.content_type, 'text/plain');
  const a3 = await upload(tr1, ch.id, PNG, { type: 'application/octet-stream', filename: 'x.png' });
  assert.equal(a3.status, 201, a3.text);
  assert.equal(a3.json.attachment.content_type, 'image/png');
  await end(tr1, ch.id);
  refused(await upload(cust, ch.id, PNG), [409], 'upload after the end');
  await status(tr1, 'offline');
});

test('chat files: another customer → 404 both ways; visitor token; 415 and 413', { timeout: 30000 }, async () => {
  await status(tr1, 'online', 3);
  const ch = await start(custA, 'trading', 'FILE-A private screenshot');
  const up = await upload(custA, ch.id, PNG, { filename: 'mine.png' });
  assert.equal(up.status, 201, up.text);
  const url = up.json.attachment.url;
  const b = await getBytes(custB, url);
  isErr({ ...b, status: b.status }, 404, 'not_found');
  assert.ok(!b.bytes.includes(PNG.subarray(0, 8)));
  isErr(await upload(custB, ch.id, PNG), 404, 'not_found');
  isErr(await tx.get(url), 404, 'not_found'); // an agent of another department
  refused(await new Client(srv.url).get(url), [401, 404], 'anonymous');
  isErr(await custA.get(`/api/v1/chat/${ch.id}/attachments/99999999`), 404, 'not_found');
  isErr(await custA.get(`/api/v1/chat/${ch.id}/attachments/abc`), 404, 'not_found');
  // a file of one chat is not reachable through another
  const other = await start(custA, 'trading', 'FILE-A2 another chat');
  isErr(await custA.get(`/api/v1/chat/${other.id}/attachments/${up.json.attachment.id}`), 404, 'not_found');
  // 415: a declared type outside the list, or bytes that sniff as something else
  isErr(await upload(custA, ch.id, Buffer.from('<html><script>alert(1)</script></html>'), { type: 'text/html', filename: 'x.html' }), 415, 'unsupported_media_type');
  const elf = Buffer.from('7f454c4602010100000000000000000002003e00010000000000000000000000', 'hex');
  isErr(await upload(custA, ch.id, elf, { type: 'image/png', filename: 'fake.png' }), 415, 'unsupported_media_type');
  isErr(await upload(custA, ch.id, Buffer.alloc(0)), 400);
  // 413 above attachment_max (10 MiB); the server stays up
  const big = Buffer.concat([PNG, Buffer.alloc(10 * 1024 * 1024 + 1 - PNG.length)]);
  const r = await rawUpload(custA, ch.id, big);
  assert.equal(r.status, 413, r.text);
  assert.equal(r.json?.error?.code, 'payload_too_large');
  const g = await getChat(custA, ch.id);
  assert.equal(g.messages.filter((m) => m.attachment).length, 1, 'only the good file was posted');
  // an anonymous visitor uploads and downloads with the token (query or X-Chat-Token)
  const anon = new Client(srv.url);
  const res = await anon.post('/api/v1/chat', { department: 'trading', message: 'FILE-V hi', email: 'visitor-file@visitor.test' });
  assert.equal(res.status, 201, res.text);
  const { chat, token } = res.json;
  const vu = await upload(anon, chat.id, PNG, { token, filename: 'v.png' });
  assert.equal(vu.status, 201, vu.text);
  const vd = await fetch(srv.url + vu.json.attachment.url + `?token=${token}`);
  assert.equal(vd.status, 200);
  assert.ok(Buffer.from(await vd.arrayBuffer()).equals(PNG));
  const vh = await fetch(srv.url + vu.json.attachment.url, { headers: { 'x-chat-token': token } });
  assert.equal(vh.status, 200);
  const wrong = token.slice(0, 63) + (token[63] === '0' ? '1' : '0');
  refused(await anon.get(vu.json.attachment.url + `?token=${wrong}`), [401, 404], 'wrong token');
  refused(await upload(anon, chat.id, PNG, { token: wrong }), [401, 404], 'upload with a wrong token');
  for (const id of [ch.id, other.id]) await end(custA, id);
  assert.equal((await anon.post(`/api/v1/chat/${chat.id}/end?token=${token}`)).status, 200);
  await status(tr1, 'offline');
});

test('chat files: a converted chat\'s ticket carries its files (same bytes) on the thread', T, async () => {
  await status(tr1, 'online', 3);
  const cust = await newCustomer('ConvFile');
  const ch = await start(cust, 'trading', 'CVF-1 withdrawal page error');
  const up = await upload(cust, ch.id, PNG, { filename: 'withdraw.png' });
  assert.equal(up.status, 201, up.text);
  await post(tr1, ch.id, 'CVF-2 thanks, I see it');
  const cv = await tr1.post(`/api/v1/chat/${ch.id}/convert`);
  assert.equal(cv.status, 201, cv.text);
  const ref = cv.json.ticket.reference;
  for (const who of [tr1, cust]) {
    const t = await who.get('/api/v1/tickets/' + ref);
    assert.equal(t.status, 200, t.text);
    const withFile = t.json.messages.filter((m) => m.attachments.length > 0);
    assert.equal(withFile.length, 1, JSON.stringify(t.json.messages));
    const a = withFile[0].attachments[0];
    assert.equal(a.filename, 'withdraw.png');
    assert.equal(a.content_type, 'image/png');
    assert.equal(a.size, PNG.length);
    assert.equal(withFile[0].author.id, cust.user.id);
    assert.equal(withFile[0].internal, false);
    const d = await getBytes(who, a.url);
    assert.equal(d.status, 200, d.text);
    assert.ok(d.bytes.equals(PNG), 'the ticket attachment is the chat file');
    const thread = t.json.messages.map((m) => m.body).join('\n');
    assert.ok(thread.indexOf('withdraw.png') < thread.indexOf('CVF-2'), 'in order: ' + thread);
  }
  await status(tr1, 'offline');
});

// ---- search ---------------------------------------------------------------------------------

test('search: by a word of a message, by customer email; agents see their department, customers their own; paging', { timeout: 20000 }, async () => {
  await status(tr1, 'online', 5);
  await status(k1, 'online', 5);
  const carol = await newCustomer('Carol Search');
  const t1 = await start(carol, 'trading', 'SRCH zebra-42 my stop order vanished');
  const k = await start(carol, 'kyc', 'SRCH passport upload 100% stuck');
  const anon = new Client(srv.url);
  const res = await anon.post('/api/v1/chat', { department: 'trading', message: 'SRCH another question', email: 'Search.Visitor@visitor.test', name: 'Search Visitor' });
  assert.equal(res.status, 201, res.text);
  const v = res.json.chat;
  await post(tr1, t1.id, 'SRCH please send the order id (quokka)');
  const ids = (r) => r.json.chats.map((c) => c.id);
  const search = async (c, qs) => { const r = await c.get('/api/v1/chat?' + qs); assert.equal(r.status, 200, r.text); return r; };

  // a word of a customer's message, and of an agent's
  assert.deepEqual(ids(await search(sup, 'q=zebra-42')), [t1.id]);
  assert.deepEqual(ids(await search(sup, 'q=QUOKKA')), [t1.id], 'case-insensitive, agent messages too');
  // the customer's email (any case) or name
  assert.deepEqual(ids(await search(sup, 'q=' + encodeURIComponent('search.visitor@visitor'))), [v.id]);
  assert.deepEqual(ids(await search(sup, 'q=' + encodeURIComponent(carol.user.email))), [k.id, t1.id], 'newest first');
  // wildcards are literal
  assert.deepEqual(ids(await search(sup, 'q=' + encodeURIComponent('100%'))), [k.id]);
  assert.deepEqual(ids(await search(sup, 'q=' + encodeURIComponent('SRCH_'))), []);
  const r0 = await search(sup, 'q=SRCH');
  assert.deepEqual(ids(r0), [v.id, k.id, t1.id]);
  const c0 = r0.json.chats[0];
  assert.equal(c0.department, 'trading');
  assert.equal(c0.customer.email, 'search.visitor@visitor.test');
  // filters
  assert.deepEqual(ids(await search(sup, 'q=SRCH&department=kyc')), [k.id]);
  assert.deepEqual(ids(await search(sup, 'q=SRCH&status=ended')), []);
  // paging: limit + cursor
  const p1 = await search(sup, 'q=SRCH&limit=2');
  assert.deepEqual(ids(p1), [v.id, k.id]);
  assert.equal(typeof p1.json.next_cursor, 'string');
  const p2 = await search(sup, `q=SRCH&limit=2&cursor=${p1.json.next_cursor}`);
  assert.deepEqual(ids(p2), [t1.id]);
  assert.equal(p2.json.next_cursor, null);
  // agents: their department only
  assert.deepEqual(ids(await search(tr1, 'q=SRCH')), [v.id, t1.id]);
  assert.deepEqual(ids(await search(k1, 'q=SRCH')), [k.id]);
  assert.deepEqual(ids(await search(k1, 'q=zebra-42')), []);
  assert.deepEqual(ids(await search(tr1, 'q=SRCH&department=kyc')), []);
  // customers: their own chats only
  assert.deepEqual(ids(await search(carol, 'q=SRCH')), [k.id, t1.id]);
  assert.deepEqual(ids(await search(custB, 'q=SRCH')), []);
  // bad input
  isErr(await sup.get('/api/v1/chat?status=open'), 400);
  isErr(await sup.get('/api/v1/chat?department=nope'), 400);
  isErr(await sup.get('/api/v1/chat?limit=0'), 400);
  isErr(await sup.get('/api/v1/chat?q=' + 'x'.repeat(201)), 400);
  isErr(await new Client(srv.url).get('/api/v1/chat?q=SRCH'), 401, 'unauthorized');
  for (const [who, id] of [[tr1, t1.id], [k1, k.id], [tr1, v.id]]) await end(who, id);
  await status(tr1, 'offline');
  await status(k1, 'offline');
});
