// Customer safety end to end: secrets in portal tickets, replies, live chat and email are
// removed before anything is stored (the raw email record too), the customer is warned,
// the ticket is flagged and routed; staff text that asks for a secret is refused (422).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer, Client, cli } from '../lib/server.mjs';

// A published BIP-39 test vector (trezor/python-mnemonic vectors.json): worthless.
const PHRASE = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const WORDS = PHRASE.split(' ');
// A published WIF test key (Bitcoin Core base58_keys_valid.json).
const WIF = '5Kd3NBUAdUnhyzenEwVLy9pBKxSwXvE9FMPyR4UKZvpe6E3AgLr';
const T = { timeout: 20000 };

let srv, admin, agent, secAgent, cust, token;

async function login(u) { const c = new Client(srv.url); await c.login(u.email, u.password); return c; }

function isErr(r, status, code) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error, `JSON error body expected, got: ${r.text}`);
  if (code) assert.equal(r.json.error.code, code, r.text);
  assert.ok(r.json.error.message.length > 0);
}

/** Everything the server wrote to disk, as text: the database and the mail records. */
function storedBytes() {
  let all = '';
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p); else all += readFileSync(p).toString('latin1');
    }
  };
  walk(srv.dataDir);
  return all;
}

async function events(ref) {
  const r = await admin.get(`/api/v1/tickets/${ref}/events`);
  assert.equal(r.status, 200, r.text);
  return r.json.events;
}

before(async () => {
  srv = await startServer();
  admin = await login(srv.addUser({ email: 'admin@fd-safety.test', name: 'Ada Admin', role: 'admin' }));
  agent = await login(srv.addUser({ email: 'dora@fd-safety.test', name: 'Dora Deposits', role: 'agent', department: 'deposits', tier: 1 }));
  secAgent = await login(srv.addUser({ email: 'pam@fd-safety.test', name: 'Pam Account', role: 'agent', department: 'account', tier: 1 }));
  cust = new Client(srv.url);
  await cust.signup('cust@fd-safety.test', 'customer-pass-123', 'Casey Customer');
  token = cli(['token', 'create', '--email', 'admin@fd-safety.test', '--name', 'mailgate', '--scopes', 'mail:ingest',
    '--data-dir', srv.dataDir]).trim();
});
after(async () => { await srv?.stop(); });

test('portal ticket with a seed phrase: stored without it, warning in the answer, flagged and routed', T, async () => {
  const r = await cust.post('/api/v1/tickets', {
    subject: 'wallet empty', department: 'deposits',
    body: `Please help, my recovery words are:\n1. ${WORDS.slice(0, 6).join('\n')}\n${WORDS.slice(6).join(', ')}\nwhere are my coins?`,
  });
  assert.equal(r.status, 201, r.text);
  const t = r.json.ticket;
  assert.ok(r.json.safety_warning, 'a warning comes back');
  assert.deepEqual(r.json.safety_warning.kinds, ['recovery_phrase']);
  assert.match(r.json.safety_warning.message, /never ask/i);
  assert.match(r.json.safety_warning.message, /new wallet/i);
  assert.equal(r.json.message.body.includes('sausage'), false);
  assert.match(r.json.message.body, /\[removed: recovery phrase\]/);
  assert.equal(t.priority, 'urgent');
  assert.equal(t.department, 'account');
  assert.ok(t.tags.includes('secret-removed'), JSON.stringify(t.tags));
  const ev = (await events(t.reference)).find((e) => e.type === 'secret_removed');
  assert.ok(ev, 'secret_removed event');
  assert.deepEqual(ev.data.after.kinds, ['recovery_phrase']);
  assert.equal(JSON.stringify(ev).includes('sausage'), false);
  const got = await cust.get(`/api/v1/tickets/${t.reference}`);
  assert.equal(JSON.stringify(got.json).includes('sausage'), false);
  assert.equal(storedBytes().includes('wave sausage'), false, 'nothing on disk holds the phrase');
});

test('portal reply with a password and a WIF key: removed; an ordinary ticket gets no warning', T, async () => {
  const r = await cust.post('/api/v1/tickets', { subject: 'deposit late', department: 'deposits', body: 'My BTC deposit is late.' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.safety_warning, undefined);
  assert.equal(r.json.ticket.priority, 'normal');
  assert.deepEqual(r.json.ticket.tags, []);
  const ref = r.json.ticket.reference;
  const rep = await cust.post(`/api/v1/tickets/${ref}/messages`, { body: `my password is Hunter22! and key ${WIF}` });
  assert.equal(rep.status, 201, rep.text);
  assert.deepEqual(rep.json.safety_warning.kinds, ['private_key', 'password']);
  assert.equal(rep.json.message.body, 'my password is [removed: password] and key [removed: private key]');
  assert.equal(rep.json.ticket.priority, 'urgent');
  assert.ok(rep.json.ticket.tags.includes('secret-removed'));
  assert.equal(storedBytes().includes('Hunter22'), false);
  assert.equal(storedBytes().includes(WIF), false);
});

test('outbound guard: an agent reply asking for a secret → 422 and nothing stored; a warning passes', T, async () => {
  const r = await cust.post('/api/v1/tickets', { subject: 'locked out', department: 'deposits', body: 'I cannot log in.' });
  const ref = r.json.ticket.reference;
  const before = (await agent.get(`/api/v1/tickets/${ref}`)).json.messages.length;
  for (const body of ['Please send us your seed phrase so we can verify you.', 'What is your 12-word phrase?',
    'To unlock it, confirm your 2FA code here.', 'Could you provide the password for your account?']) {
    isErr(await agent.post(`/api/v1/tickets/${ref}/messages`, { body }), 422, 'asks_for_secret');
  }
  assert.equal((await agent.get(`/api/v1/tickets/${ref}`)).json.messages.length, before, 'nothing stored');
  const ok = await agent.post(`/api/v1/tickets/${ref}/messages`, { body: 'We will never ask for your seed phrase or 2FA code. Please reset your password from the login page.' });
  assert.equal(ok.status, 201, ok.text);
  // Internal notes are not sent to the customer: an agent may discuss the rule there.
  const note = await agent.post(`/api/v1/tickets/${ref}/messages`, { body: 'Scam check: did someone ask them to send their seed phrase?', internal: true });
  assert.equal(note.status, 201, note.text);
  // A customer's own text is never refused by the guard.
  const c = await cust.post(`/api/v1/tickets/${ref}/messages`, { body: 'Someone on Telegram said: send your seed phrase to support. Is that you?' });
  assert.equal(c.status, 201, c.text);
});

test('chat: a customer message with a seed phrase is stored without it and warned; an agent asking → 422', T, async () => {
  const online = await secAgent.req('PUT', '/api/v1/agent/status', { status: 'online' });
  assert.equal(online.status, 200, online.text);
  const start = await cust.post('/api/v1/chat', { department: 'account', message: `hi, 2FA code: 424242` });
  assert.equal(start.status, 201, start.text);
  assert.deepEqual(start.json.safety_warning.kinds, ['2fa_code']);
  const id = start.json.chat.id;
  const m = await cust.post(`/api/v1/chat/${id}/messages`, { body: `my seed: ${PHRASE}` });
  assert.equal(m.status, 201, m.text);
  assert.deepEqual(m.json.safety_warning.kinds, ['recovery_phrase']);
  const got = await cust.get(`/api/v1/chat/${id}`);
  assert.equal(got.status, 200, got.text);
  const text = JSON.stringify(got.json.messages);
  assert.equal(text.includes('sausage'), false);
  assert.equal(text.includes('424242'), false);
  assert.match(text, /\[removed: recovery phrase\]/);
  assert.match(text, /never ask/i, 'the warning is in the chat');
  assert.equal(storedBytes().includes('wave sausage'), false);
  // The chat was routed to the one online agent; their text is guarded.
  const mine = await secAgent.get(`/api/v1/chat/${id}`);
  assert.equal(mine.status, 200, mine.text);
  isErr(await secAgent.post(`/api/v1/chat/${id}/messages`, { body: 'Please share your recovery phrase.' }), 422, 'asks_for_secret');
});

/** A WebSocket to /api/v1/chat/ws with the client's session; resolves once open. */
function wsOpen(client) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(srv.url.replace(/^http/, 'ws') + '/api/v1/chat/ws', { headers: { cookie: client.cookie }, handshakeTimeout: 5000 });
    const frames = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
    ws.on('open', () => resolve({ ws, frames }));
    ws.on('error', reject);
  });
}

async function frame(conn, pred, what) {
  for (let i = 0; i < 100; i++) {
    const f = conn.frames.find(pred);
    if (f) return f;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${what}; got ${JSON.stringify(conn.frames).slice(0, 800)}`);
}

test('chat over WebSocket: the ack carries the warning, the stored message has no secret; an agent asking gets an error', T, async () => {
  const c = new Client(srv.url);
  await c.signup('ws-cust@fd-safety.test', 'customer-pass-123', 'Wes Socket');
  const start = await c.post('/api/v1/chat', { department: 'account', message: 'hello' });
  assert.equal(start.status, 201, start.text);
  const id = start.json.chat.id;
  const cw = await wsOpen(c);
  try {
    cw.ws.send(JSON.stringify({ type: 'hello', chat: id, last_seq: 0 }));
    cw.ws.send(JSON.stringify({ type: 'message', chat: id, body: `words: ${PHRASE}`, client_id: 'ws-1' }));
    const ack = await frame(cw, (f) => f.type === 'ack' && f.client_id === 'ws-1', 'ack');
    assert.deepEqual(ack.safety_warning.kinds, ['recovery_phrase']);
    assert.match(ack.safety_warning.message, /never ask/i);
    const msg = await frame(cw, (f) => f.type === 'message' && f.seq === ack.seq, 'the message');
    assert.equal(msg.body, 'words: [removed: recovery phrase]');
    assert.equal(JSON.stringify(cw.frames).includes('sausage'), false);
    const got = await c.get(`/api/v1/chat/${id}`);
    assert.match(JSON.stringify(got.json.messages), /never ask/i, 'the warning is also a system message');
  } finally { cw.ws.close(); }
  const aw = await wsOpen(secAgent);
  try {
    aw.ws.send(JSON.stringify({ type: 'hello', chat: id, last_seq: 0 }));
    aw.ws.send(JSON.stringify({ type: 'message', chat: id, body: 'Please send us your seed phrase.', client_id: 'ag-1' }));
    const err = await frame(aw, (f) => f.type === 'error', 'an error frame');
    assert.match(JSON.stringify(err), /never asks/);
  } finally { aw.ws.close(); }
  const after = await c.get(`/api/v1/chat/${id}`);
  assert.equal(JSON.stringify(after.json.messages).includes('Please send us your seed'), false, 'the refused message is not stored');
});

test('email with a seed phrase: ticket, mail record and raw MIME hold no secret; customer warned by email', T, async () => {
  const raw = [
    'From: Mia Mail <mia@cust-safety.test>', 'To: deposits@frontdesk.test',
    'Subject: help, my password is Tr0ub4dor&3', 'Message-ID: <seed-1@cust-safety.test>',
    'Date: Mon, 11 Mar 2024 10:00:00 +0000', 'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b1"', '', '--b1',
    'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '',
    `My wallet words: ${PHRASE}=`, '', 'thanks', '--b1', 'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: base64', '',
    Buffer.from(`<p>My wallet words: ${PHRASE}</p><p>thanks</p>`).toString('base64'), '--b1--', '',
  ].join('\r\n');
  const res = await fetch(srv.url + '/api/v1/mail/inbound', {
    method: 'POST', body: raw, headers: { authorization: 'Bearer ' + token, 'content-type': 'message/rfc822' },
  });
  const j = await res.json();
  assert.equal(res.status, 201, JSON.stringify(j));
  const t = await admin.get(`/api/v1/tickets/${j.ticket}`);
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.ticket.subject, 'help, my password is [removed: password]');
  assert.equal(t.json.ticket.priority, 'urgent');
  assert.equal(t.json.ticket.department, 'account');
  assert.ok(t.json.ticket.tags.includes('secret-removed'));
  assert.match(t.json.messages[0].body, /\[removed: recovery phrase\]/);
  const rawBack = await admin.get(`/api/v1/mail/${j.mail_id}/raw`);
  assert.equal(rawBack.status, 200, rawBack.text);
  assert.equal(rawBack.text.includes('sausage'), false, rawBack.text);
  assert.equal(rawBack.text.includes('Tr0ub4dor'), false);
  assert.match(rawBack.text, /Message-ID: <seed-1@cust-safety.test>/i);
  const all = storedBytes();
  assert.equal(all.includes('wave sausage'), false);
  assert.equal(all.includes('Tr0ub4dor'), false);
  assert.equal(all.includes(Buffer.from('wave sausage').toString('base64').slice(0, 12)), false);
  // The warning mail is queued to the customer, besides the acknowledgement.
  const rows = execFileSync('sqlite3', ['-readonly', join(srv.dataDir, 'frontdesk.db'),
    "SELECT o.kind, m.sha256 FROM outbox o JOIN mail_messages m ON m.id = o.mail_id WHERE o.rcpt = 'mia@cust-safety.test' ORDER BY o.id"],
  { encoding: 'utf8' }).trim().split('\n').map((l) => l.split('|'));
  assert.deepEqual(rows.map((r) => r[0]), ['ack', 'notice']);
  const notice = readFileSync(join(srv.dataDir, 'mail', rows[1][1].slice(0, 2), rows[1][1])).toString();
  assert.match(notice.replace(/=\r?\n/g, ''), /never ask/i);
});

test('POST /api/v1/safety/check: staff can check a draft (macro, template) before sending; customers cannot', T, async () => {
  const bad = await agent.post('/api/v1/safety/check', { text: 'Hi! Please send us your seed phrase to verify the wallet.' });
  assert.equal(bad.status, 200, bad.text);
  assert.equal(bad.json.asks_for_secret, true);
  assert.match(bad.json.message, /never asks/);
  assert.deepEqual(bad.json.secrets, []);
  const good = await agent.post('/api/v1/safety/check', { text: `We will never ask for your seed phrase. Your pasted words (${PHRASE}) were removed.` });
  assert.equal(good.status, 200, good.text);
  assert.equal(good.json.asks_for_secret, false);
  assert.equal(good.json.message, null);
  assert.deepEqual(good.json.secrets, ['recovery_phrase']);
  isErr(await agent.post('/api/v1/safety/check', {}), 400, 'missing_field');
  isErr(await agent.post('/api/v1/safety/check', { text: 5 }), 400, 'invalid_field');
  isErr(await agent.post('/api/v1/safety/check', { text: 'x', extra: 1 }), 400, 'unknown_field');
  const c = await cust.post('/api/v1/safety/check', { text: 'hello' });
  assert.equal(c.status, 403, c.text);
});

test('the server log never holds a secret that was sent to it', T, async () => {
  const log = srv.stderr();
  for (const s of ['wave sausage', 'Hunter22', 'Tr0ub4dor', WIF, '424242']) assert.equal(log.includes(s), false, s);
});
