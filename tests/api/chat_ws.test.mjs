// Live chat over real WebSockets (docs/chat.md, "WebSocket: GET /api/v1/chat/ws"):
// authentication at the upgrade (session cookie, visitor token, Origin), live queue
// position and estimate, assignment and end events, message ack + delivery, typing and
// read relays, resume after a reconnect with last_seq, client_id idempotency, access to
// other people's chats, and the limits with their close codes (1007, 1008, 1009).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer, Client } from '../lib/server.mjs';
import { sleep } from '../lib/mailservers.mjs';

let srv;
let sup, dA, d2, tr, tr2;
let custA, custB;
const T = { timeout: 15000 };
let nCust = 0;
const open = []; // every socket, closed in after()

/** One WebSocket with its received frames (parsed JSON) and its close. */
class Conn {
  constructor(ws) {
    this.ws = ws;
    this.frames = [];
    this.used = new Set();
    this.wake = null;
    this.closeInfo = null;
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      if (this.wake) this.wake();
      resolve(this.closeInfo);
    }));
    ws.on('message', (data) => {
      let m;
      try { m = JSON.parse(data.toString()); } catch { m = { type: '__not_json', raw: data.toString() }; }
      this.frames.push(m);
      if (this.wake) this.wake();
    });
  }
  send(obj) { this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)); }
  /** The first frame not taken yet that matches pred; waits up to timeout ms. */
  async take(pred, { timeout = 5000, what = 'a frame' } = {}) {
    const end = Date.now() + timeout;
    for (;;) {
      for (let i = 0; i < this.frames.length; i++) {
        if (!this.used.has(i) && pred(this.frames[i])) { this.used.add(i); return this.frames[i]; }
      }
      const left = end - Date.now();
      if (left <= 0 || this.closeInfo) {
        throw new Error(`no ${what} within ${timeout} ms${this.closeInfo ? ` (closed ${this.closeInfo.code})` : ''}; got: ${JSON.stringify(this.frames).slice(0, 1500)}`);
      }
      await new Promise((r) => { this.wake = r; setTimeout(r, Math.min(left, 100)); });
      this.wake = null;
    }
  }
  /** Resolves to the close {code, reason}; fails after timeout ms. */
  async closeCode(timeout = 5000) {
    let t;
    const res = await Promise.race([this.closed, new Promise((r) => { t = setTimeout(() => r(null), timeout); })]);
    clearTimeout(t);
    assert.ok(res, `the server did not close the connection within ${timeout} ms; frames: ${JSON.stringify(this.frames).slice(0, 500)}`);
    return res;
  }
  close() { try { this.ws.close(1000); } catch { /* gone */ } }
}

/**
 * Opens a WebSocket to /api/v1/chat/ws. Resolves to a Conn once open, or to
 * {refused: status, body} when the upgrade is answered with an HTTP error.
 */
function connect({ client, origin, query = '' } = {}) {
  return new Promise((resolve, reject) => {
    const headers = {};
    if (client?.cookie) headers.cookie = client.cookie;
    const url = srv.url.replace(/^http/, 'ws') + '/api/v1/chat/ws' + query;
    const ws = new WebSocket(url, { headers, origin, handshakeTimeout: 5000 });
    open.push(ws);
    const c = new Conn(ws);
    ws.on('open', () => resolve(c));
    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => { resolve({ refused: res.statusCode, body }); req.destroy(); });
    });
    ws.on('error', (e) => reject(e));
  });
}
async function connectOk(opts) {
  const c = await connect(opts);
  assert.ok(c instanceof Conn, `upgrade refused: ${JSON.stringify(c)}`);
  return c;
}

async function login(u) { const c = new Client(srv.url); await c.login(u.email, u.password); return c; }
async function newCustomer(name = 'WS Customer') {
  nCust += 1;
  const c = new Client(srv.url);
  await c.signup(`ws-cust-${nCust}@fd.test`, 'customer-pass-123', `${name} ${nCust}`);
  return c;
}
async function status(c, st, capacity) {
  const res = await c.req('PUT', '/api/v1/agent/status', capacity ? { status: st, capacity } : { status: st });
  assert.equal(res.status, 200, res.text);
  return res.json;
}
async function start(c, department, message) {
  const res = await c.post('/api/v1/chat', { department, message });
  assert.equal(res.status, 201, res.text);
  return res.json.chat;
}
async function getChat(c, id) {
  const res = await c.get(`/api/v1/chat/${id}`);
  assert.equal(res.status, 200, res.text);
  return res.json;
}
async function end(c, id) {
  const res = await c.post(`/api/v1/chat/${id}/end`);
  assert.equal(res.status, 200, res.text);
}
const isMsg = (chat, pred = () => true) => (f) => f.type === 'message' && f.chat === chat && pred(f);
const maxSeq = (c) => Math.max(0, ...c.frames.filter((f) => typeof f.seq === 'number').map((f) => f.seq));

before(async () => {
  srv = await startServer();
  const add = (email, name, role, department, tier) => srv.addUser({ email, name, role, department, tier });
  sup = await login(add('sup@fd.test', 'Sue Pervisor', 'supervisor'));
  dA = await login(add('dora@fd.test', 'Dora Deposits', 'agent', 'deposits', 1));
  d2 = await login(add('deb@fd.test', 'Deb Tiertwo', 'agent', 'deposits', 2));
  tr = await login(add('tom@fd.test', 'Tom Trading', 'agent', 'trading', 1));
  tr2 = await login(add('tess@fd.test', 'Tess Trading', 'agent', 'trading', 2));
  custA = await newCustomer('Alice');
  custB = await newCustomer('Bob');
});
after(async () => {
  for (const ws of open) { try { ws.terminate(); } catch { /* gone */ } }
  await srv?.stop();
});

// ---- the upgrade ------------------------------------------------------------------------------

test('upgrade: no session → 401; a foreign Origin → 403; the own Origin and no Origin are accepted', T, async () => {
  const none = await connect();
  assert.equal(none.refused, 401, JSON.stringify(none));
  const bad = await connect({ client: custA, origin: 'http://evil.example' });
  assert.equal(bad.refused, 403, JSON.stringify(bad));
  const bad2 = await connect({ client: custA, origin: srv.url.replace('127.0.0.1', 'localhost.evil.example') });
  assert.equal(bad2.refused, 403, JSON.stringify(bad2));
  const good = await connectOk({ client: custA, origin: srv.url });
  good.close();
  const noOrigin = await connectOk({ client: custA });
  noOrigin.close();
  const forged = await connect({ client: { cookie: 'fd_session=' + 'ab'.repeat(32) } });
  assert.equal(forged.refused, 401, JSON.stringify(forged));
});

// ---- queue, assignment, messages ----------------------------------------------------------

let c1, c2; // deposits chats: c1 of custA, c2 of custB, both escalated to the tier-2 queue
let agentWs;
test('queue position and estimate pushed live; escalated, assigned, new_chat and ended events', T, async () => {
  // New chats are only accepted while an agent has room, so the queue is the tier-2 one.
  await status(dA, 'online', 2);
  c1 = await start(custA, 'deposits', 'A-1 first in line');
  c2 = await start(custB, 'deposits', 'B-1 second in line');
  assert.equal((await getChat(dA, c2.id)).chat.agent.id, dA.user.id);

  const a = await connectOk({ client: custA, origin: srv.url });
  a.send({ type: 'hello', chat: c1.id, last_seq: 0 });
  const first = await a.take(isMsg(c1.id), { what: 'the first message after hello' });
  assert.equal(first.body, 'A-1 first in line');
  assert.equal(first.author.id, custA.user.id);
  assert.equal(first.author.role, 'customer');
  assert.equal(first.kind, 'message');
  assert.equal(typeof first.seq, 'number');
  assert.equal(typeof first.created_at, 'string');
  const b = await connectOk({ client: custB });
  b.send({ type: 'hello', chat: c2.id, last_seq: 0 });
  await b.take(isMsg(c2.id, (f) => f.body === 'B-1 second in line'), { what: 'B-1' });

  for (const c of [c1, c2]) assert.equal((await dA.post(`/api/v1/chat/${c.id}/escalate`, { note: 'NOTE-WS internal' })).status, 200);
  const esc = await b.take((f) => f.type === 'escalated', { what: 'escalated' });
  assert.equal(esc.chat, c2.id);
  assert.equal(esc.tier, 2);
  const q1 = await b.take((f) => f.type === 'queue' && f.position === 1, { what: 'queue position 1' });
  assert.equal(q1.chat, c2.id);
  assert.equal(q1.estimate_s, 600, 'no free slot: ceil((1 + 1)/max(1, 0)) × 300 s (no ended chats yet)');
  await sleep(100);
  assert.ok(![...a.frames, ...b.frames].some((f) => JSON.stringify(f).includes('NOTE-WS')), 'the internal note stays internal');

  agentWs = await connectOk({ client: d2 });
  agentWs.send({ type: 'hello', agent: true });
  await sleep(100);
  await status(d2, 'online', 1); // → c1 is routed to d2
  const nc = await agentWs.take((f) => f.type === 'new_chat', { what: 'new_chat' });
  assert.equal(nc.chat.id, c1.id);
  const as = await a.take((f) => f.type === 'assigned', { what: 'assigned' });
  assert.equal(as.chat, c1.id);
  assert.equal(as.agent.id, d2.user.id);
  assert.equal(as.agent.name, 'Deb Tiertwo');
  const qu = await b.take((f) => f.type === 'queue' && f.position === 0, { what: 'queue position 0' });
  assert.equal(qu.chat, c2.id);
  assert.equal(qu.estimate_s, 300, 'head of the queue, the only agent busy: ceil((0 + 1)/1) × 300 s');
  assert.ok(!b.frames.some((f) => f.type === 'assigned'), 'B is still waiting');

  await end(d2, c1.id); // → c2 is routed to d2
  const en = await a.take((f) => f.type === 'ended', { what: 'ended' });
  assert.equal(en.chat, c1.id);
  assert.equal(en.reason, 'agent');
  const as2 = await b.take((f) => f.type === 'assigned', { what: 'B assigned' });
  assert.equal(as2.chat, c2.id);
  assert.equal(as2.agent.id, d2.user.id);
  const nc2 = await agentWs.take((f) => f.type === 'new_chat', { what: 'second new_chat' });
  assert.equal(nc2.chat.id, c2.id);
  a.close();
  b.close();
  await status(dA, 'offline');
});

test('message: stored, ack with seq to the sender, delivered to the agent; typing and read relayed', T, async () => {
  const b = await connectOk({ client: custB });
  b.send({ type: 'hello', chat: c2.id, last_seq: 0 });
  await b.take(isMsg(c2.id, (f) => f.body === 'B-1 second in line'));
  const ag = await connectOk({ client: d2 });
  ag.send({ type: 'hello', chat: c2.id, last_seq: 0 });
  await ag.take(isMsg(c2.id, (f) => f.body === 'B-1 second in line'), { what: 'history for the agent' });

  b.send({ type: 'message', chat: c2.id, body: 'B-2 hello agent', client_id: 'b-2' });
  const ack = await b.take((f) => f.type === 'ack', { what: 'ack' });
  assert.equal(ack.client_id, 'b-2');
  assert.equal(typeof ack.seq, 'number');
  const got = await ag.take(isMsg(c2.id, (f) => f.body === 'B-2 hello agent'), { what: 'delivery to the agent' });
  assert.equal(got.seq, ack.seq);
  assert.equal(got.author.id, custB.user.id);
  assert.equal(got.author.role, 'customer');
  assert.equal(got.kind, 'message');
  // stored before delivery: REST sees it
  const g = await getChat(custB, c2.id);
  assert.ok(g.messages.some((m) => m.seq === ack.seq && m.body === 'B-2 hello agent'));

  ag.send({ type: 'message', chat: c2.id, body: 'D-1 hello customer', client_id: 'd-1' });
  const ack2 = await ag.take((f) => f.type === 'ack', { what: 'agent ack' });
  assert.ok(ack2.seq > ack.seq);
  const got2 = await b.take(isMsg(c2.id, (f) => f.body === 'D-1 hello customer'), { what: 'delivery to the customer' });
  assert.equal(got2.seq, ack2.seq);
  assert.equal(got2.author.id, d2.user.id);
  assert.equal(got2.author.role, 'agent');

  b.send({ type: 'typing', chat: c2.id });
  const ty = await ag.take((f) => f.type === 'typing', { what: 'typing relayed to the agent' });
  assert.equal(ty.chat, c2.id);
  assert.ok(ty.who !== undefined && ty.who !== null, 'typing says who');
  ag.send({ type: 'typing', chat: c2.id });
  await b.take((f) => f.type === 'typing' && f.chat === c2.id, { what: 'typing relayed to the customer' });

  b.send({ type: 'read', chat: c2.id, seq: ack2.seq });
  const rd = await ag.take((f) => f.type === 'read', { what: 'read relayed' });
  assert.equal(rd.chat, c2.id);
  assert.equal(rd.seq, ack2.seq);
  assert.ok(rd.who !== undefined && rd.who !== null, 'read says who');
  assert.ok(!b.frames.some((f) => f.type === 'error'), JSON.stringify(b.frames));
  assert.ok(!ag.frames.some((f) => f.type === 'error'), JSON.stringify(ag.frames));
  b.close();
  ag.close();
});

test('reconnect with resume: exactly the missed messages, in order, none duplicated; a re-sent client_id keeps its seq and is stored once', T, async () => {
  let b = await connectOk({ client: custB });
  b.send({ type: 'hello', chat: c2.id, last_seq: 0 });
  await b.take(isMsg(c2.id, (f) => f.body === 'D-1 hello customer'));
  b.send({ type: 'message', chat: c2.id, body: 'R-1 before the tunnel', client_id: 'r-1' });
  const k1 = await b.take((f) => f.type === 'ack' && f.client_id === 'r-1', { what: 'ack r-1' });
  b.send({ type: 'message', chat: c2.id, body: 'R-2 entering the tunnel', client_id: 'r-2' });
  const k2 = await b.take((f) => f.type === 'ack' && f.client_id === 'r-2', { what: 'ack r-2' });
  assert.ok(k2.seq > k1.seq);
  await sleep(100); // let our own echoes (if any) arrive before we pick N
  const N = maxSeq(b);
  assert.ok(N >= k2.seq);
  b.ws.terminate(); // the tunnel
  await b.closed;

  const ag = await connectOk({ client: d2 });
  ag.send({ type: 'hello', chat: c2.id, last_seq: N });
  const sent = [];
  for (let i = 1; i <= 3; i++) {
    ag.send({ type: 'message', chat: c2.id, body: `M-${i} while you were away`, client_id: `m-${i}` });
    sent.push((await ag.take((f) => f.type === 'ack' && f.client_id === `m-${i}`, { what: `ack m-${i}` })).seq);
  }
  assert.deepEqual(sent, [...sent].sort((x, y) => x - y));
  assert.ok(sent[0] > N);

  b = await connectOk({ client: custB });
  b.send({ type: 'hello', chat: c2.id, last_seq: N });
  for (let i = 0; i < 3; i++) {
    const m = await b.take((f) => f.type === 'message', { what: `missed message ${i + 1}` });
    assert.equal(m.seq, sent[i], `missed message ${i + 1} in order`);
    assert.equal(m.body, `M-${i + 1} while you were away`);
  }
  await sleep(400);
  const msgs = b.frames.filter((f) => f.type === 'message');
  assert.deepEqual(msgs.map((m) => m.seq), sent, 'exactly the missed ones, none duplicated, none older');

  // re-sending r-2 (the client was not sure it went through) → the original seq, stored once
  b.send({ type: 'message', chat: c2.id, body: 'R-2 entering the tunnel', client_id: 'r-2' });
  const dup = await b.take((f) => f.type === 'ack' && f.client_id === 'r-2', { what: 'ack of the re-sent r-2' });
  assert.equal(dup.seq, k2.seq);
  await sleep(200);
  assert.ok(!ag.frames.some((f) => f.type === 'message' && f.body === 'R-2 entering the tunnel'), 'not delivered again');
  const g = await getChat(custB, c2.id);
  assert.equal(g.messages.filter((m) => m.body === 'R-2 entering the tunnel').length, 1);
  const seqs = g.messages.map((m) => m.seq);
  assert.equal(new Set(seqs).size, seqs.length);

  // the agent converts: the customer is told, with the ticket
  const cv = await d2.post(`/api/v1/chat/${c2.id}/convert`);
  assert.equal(cv.status, 201, cv.text);
  const en = await b.take((f) => f.type === 'ended', { what: 'ended (converted)' });
  assert.equal(en.chat, c2.id);
  assert.equal(en.reason, 'converted');
  assert.equal(en.ticket, cv.json.ticket.reference);
  b.close();
  ag.close();
  await status(d2, 'offline');
});

// ---- access --------------------------------------------------------------------------------

test('hello on someone else\'s chat → close 1008 and no data; supervisors may subscribe', T, async () => {
  await status(tr, 'online', 3);
  const mine = await start(custA, 'trading', 'SECRET-A my uid is 55554444');
  const other = await connectOk({ client: custB });
  other.send({ type: 'hello', chat: mine.id, last_seq: 0 });
  const cl = await other.closeCode();
  assert.equal(cl.code, 1008);
  assert.ok(!other.frames.some((f) => f.type === 'message' || JSON.stringify(f).includes('SECRET-A')), JSON.stringify(other.frames));

  const agentOther = await connectOk({ client: dA }); // an agent not assigned to it
  agentOther.send({ type: 'hello', chat: mine.id, last_seq: 0 });
  assert.equal((await agentOther.closeCode()).code, 1008);
  assert.ok(!agentOther.frames.some((f) => JSON.stringify(f).includes('SECRET-A')));

  // sending into someone else's chat without hello: refused (close 1008, or at least an
  // error frame and no ack), nothing stored
  const b2 = await connectOk({ client: custB });
  b2.send({ type: 'message', chat: mine.id, body: 'hijack', client_id: 'h-1' });
  await Promise.race([b2.closed, b2.take((f) => f.type === 'error' || f.type === 'ack', { what: 'a refusal' }).catch(() => {})]);
  assert.ok(!b2.frames.some((f) => f.type === 'ack'), 'no ack: ' + JSON.stringify(b2.frames));
  if (b2.closeInfo) assert.equal(b2.closeInfo.code, 1008);
  else assert.ok(b2.frames.some((f) => f.type === 'error'), 'an error frame or a 1008 close');
  const g = await getChat(custA, mine.id);
  assert.ok(!g.messages.some((m) => m.body === 'hijack'), 'nothing stored');

  const s = await connectOk({ client: sup });
  s.send({ type: 'hello', chat: mine.id, last_seq: 0 });
  const m = await s.take(isMsg(mine.id), { what: 'supervisor sees the chat' });
  assert.equal(m.body, 'SECRET-A my uid is 55554444');
  s.close();
  await end(custA, mine.id);
});

test('anonymous visitor: the right token subscribes; a wrong token or another chat is refused', T, async () => {
  await status(tr, 'online', 3);
  const anon = new Client(srv.url);
  const res = await anon.post('/api/v1/chat', { department: 'trading', message: 'V-1 visitor here', email: 'ws-visitor@visitor.test', name: 'Vic Visitor' });
  assert.equal(res.status, 201, res.text);
  const { chat, token } = res.json;
  const v = await connectOk({ query: `?chat=${chat.id}&token=${token}`, origin: srv.url });
  v.send({ type: 'hello', chat: chat.id, last_seq: 0 });
  const m = await v.take(isMsg(chat.id), { what: 'the visitor\'s own first message' });
  assert.equal(m.body, 'V-1 visitor here');
  v.send({ type: 'message', chat: chat.id, body: 'V-2 still here', client_id: 'v-2' });
  const ack = await v.take((f) => f.type === 'ack' && f.client_id === 'v-2', { what: 'visitor ack' });
  assert.ok(ack.seq > m.seq);

  // wrong token: the upgrade is refused (401/403), or the socket is closed 1008 before any data
  const wrong = token.slice(0, 63) + (token[63] === '0' ? '1' : '0');
  for (const q of [`?chat=${chat.id}&token=${wrong}`, `?chat=${chat.id}&token=`, `?chat=${chat.id}`, `?chat=999999&token=${token}`]) {
    const w = await connect({ query: q });
    if (w instanceof Conn) {
      w.send({ type: 'hello', chat: chat.id, last_seq: 0 });
      assert.equal((await w.closeCode()).code, 1008, q);
      assert.ok(!w.frames.some((f) => JSON.stringify(f).includes('V-1')), q);
    } else {
      assert.ok([401, 403].includes(w.refused), `${q}: ${JSON.stringify(w)}`);
    }
  }
  // the visitor's socket cannot subscribe to another chat
  const mine = await start(custA, 'trading', 'SECRET-B');
  v.send({ type: 'hello', chat: mine.id, last_seq: 0 });
  assert.equal((await v.closeCode()).code, 1008);
  assert.ok(!v.frames.some((f) => JSON.stringify(f).includes('SECRET-B')));
  await end(custA, mine.id);
  const e = await anon.post(`/api/v1/chat/${chat.id}/end?token=${token}`);
  assert.equal(e.status, 200, e.text);
});

test('escalated and transferred events reach the customer', T, async () => {
  await status(tr, 'online', 3);
  const ch = await start(custA, 'trading', 'E-1 needs a specialist');
  assert.equal((await getChat(tr, ch.id)).chat.agent.id, tr.user.id);
  const a = await connectOk({ client: custA });
  a.send({ type: 'hello', chat: ch.id, last_seq: 0 });
  await a.take(isMsg(ch.id));
  const e = await tr.post(`/api/v1/chat/${ch.id}/escalate`, { note: 'tier 2 please' });
  assert.equal(e.status, 200, e.text);
  const ev = await a.take((f) => f.type === 'escalated', { what: 'escalated' });
  assert.equal(ev.chat, ch.id);
  assert.equal(ev.tier, 2);
  await sleep(200);
  assert.ok(!a.frames.some((f) => JSON.stringify(f).includes('tier 2 please')), 'the internal note does not reach the customer');
  await status(tr2, 'online', 2);
  const as = await a.take((f) => f.type === 'assigned' && f.agent?.id === tr2.user.id, { what: 'assigned to the tier-2 agent' });
  assert.equal(as.chat, ch.id);
  a.close();
  await end(tr2, ch.id);
  await status(tr2, 'offline');
});

// ---- limits and close codes ---------------------------------------------------------------

test('limits: > 16 KiB → 1009, malformed JSON → 1007, unknown type → 1008, > 20 messages/s → 1008', T, async () => {
  await status(tr, 'online', 3);
  const ch = await start(custA, 'trading', 'L-1 limits');
  const big = await connectOk({ client: custA });
  big.send({ type: 'typing', chat: ch.id, pad: 'x'.repeat(17 * 1024) });
  assert.equal((await big.closeCode()).code, 1009);

  const bad = await connectOk({ client: custA });
  bad.send('{"type":"hello","chat":');
  assert.equal((await bad.closeCode()).code, 1007);

  const unk = await connectOk({ client: custA });
  unk.send({ type: 'dance', chat: ch.id });
  assert.equal((await unk.closeCode()).code, 1008);

  // 20 in one second are allowed
  const ok = await connectOk({ client: custA });
  ok.send({ type: 'hello', chat: ch.id, last_seq: 0 });
  await ok.take(isMsg(ch.id), { what: 'history after hello' });
  for (let i = 0; i < 19; i++) ok.send({ type: 'typing', chat: ch.id });
  await sleep(300);
  assert.equal(ok.closeInfo, null, 'still open after 20 frames');
  ok.close();

  const flood = await connectOk({ client: custA });
  flood.send({ type: 'hello', chat: ch.id, last_seq: 0 });
  for (let i = 0; i < 40; i++) flood.send({ type: 'typing', chat: ch.id });
  assert.equal((await flood.closeCode()).code, 1008);
  await end(custA, ch.id);
  await status(tr, 'offline');
});
