// CSAT: the survey mailed when a ticket is solved (a single-use signed link that works
// without signing in), the portal answer by the requester (replaceable for 7 days), who
// may read the rating, and the event written with each answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client, cli } from '../lib/server.mjs';
import { startSmtpSink } from '../lib/mailservers.mjs';

const T0 = Date.parse('2026-11-10T09:00:00Z');
const MIN = 60000;
const DAY = 86400000;
let sink, srv, clockDir, clockFile, agent, sup, custA, custB, ticket;

const setClock = (ms) => writeFileSync(clockFile, String(ms));
const put = (c, p, b) => c.req('PUT', p, b);

function isErr(r, status, code) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error && r.json.error.message, `JSON error body expected: ${r.text}`);
  if (code) assert.equal(r.json.error.code, code, r.text);
}

/** The survey mail to `email` and the token in its link. */
async function surveyFor(email, ref) {
  const ms = await sink.waitForMessages((all) => all.some((m) => m.envelope.rcpt_tos.includes(email) &&
    /How did we do/.test(m.body.replace(/=\r?\n/g, '')) && m.header('Subject').includes(ref)), 15000);
  const m = ms.find((x) => x.envelope.rcpt_tos.includes(email) && /How did we do/.test(x.body.replace(/=\r?\n/g, '')));
  const body = m.body.replace(/=\r?\n/g, '');
  const tok = body.match(/\/support#\/csat\/(\d+\.[0-9a-f]{32}\.[0-9a-f]{64})/);
  assert.ok(tok, 'the survey mail carries a csat link: ' + body.slice(0, 400));
  return { mail: m, token: tok[1] };
}

async function newSolvedTicket(cust, subject) {
  const r = await cust.post('/api/v1/tickets', { department: 'deposits', subject, body: 'help please' });
  assert.equal(r.status, 201, r.text);
  const ref = r.json.ticket.reference;
  assert.equal((await agent.post(`/api/v1/tickets/${ref}/messages`, { body: 'Done, funds credited.' })).status, 201);
  const p = await agent.patch(`/api/v1/tickets/${ref}`, { status: 'solved' });
  assert.equal(p.status, 200, p.text);
  return ref;
}

before(async () => {
  clockDir = mkdtempSync(join(tmpdir(), 'fd-clock-'));
  clockFile = join(clockDir, 'now');
  setClock(T0);
  sink = await startSmtpSink();
  srv = await startServer({
    env: {
      FRONTDESK_CLOCK_FILE: clockFile, FRONTDESK_SMTP_URL: sink.url,
      FRONTDESK_MAIL_POLL_MS: '100', FRONTDESK_MAIL_RETRY_BASE_S: '1',
      FRONTDESK_SESSION_TTL_S: '8640000', // the test moves the clock by days
    },
  });
  const g = srv.addUser({ email: 'dora@fd-csat.test', name: 'Dora Deposits', role: 'agent', department: 'deposits', tier: 1 });
  const s = srv.addUser({ email: 'sue@fd-csat.test', name: 'Sue Pervisor', role: 'supervisor' });
  agent = new Client(srv.url); await agent.login(g.email, g.password);
  sup = new Client(srv.url); await sup.login(s.email, s.password);
  custA = new Client(srv.url); await custA.signup('alice@cust-csat.test', 'alice-password-1', 'Alice');
  custB = new Client(srv.url); await custB.signup('bob@cust-csat.test', 'bob-password-12', 'Bob');
  ticket = await newSolvedTicket(custA, 'Withdrawal stuck');
});

after(async () => {
  await srv?.stop();
  await sink?.stop();
  if (clockDir) rmSync(clockDir, { recursive: true, force: true });
});

test('solving a ticket mails one survey whose link works once, without signing in', async () => {
  const { mail, token } = await surveyFor('alice@cust-csat.test', ticket);
  assert.match(mail.header('Subject'), new RegExp(`\\[${ticket}\\]`));
  const anon = new Client(srv.url);
  let r = await anon.get('/api/v1/csat/' + token);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.reference, ticket);
  assert.equal(r.json.used, false);
  assert.equal(r.json.rating, null);

  isErr(await anon.post('/api/v1/csat/' + token, { rating: 6 }), 400, 'invalid_field');
  isErr(await anon.post('/api/v1/csat/' + token, { rating: 0 }), 400);
  isErr(await anon.post('/api/v1/csat/' + token, { comment: 'no rating' }), 400);
  isErr(await anon.post('/api/v1/csat/' + token, { rating: 3, extra: 1 }), 400);
  // Nothing was stored by the bad answers.
  assert.equal((await anon.get('/api/v1/csat/' + token)).json.used, false);

  r = await anon.post('/api/v1/csat/' + token, { rating: 4, comment: 'Quick, thanks' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.rating, 4);
  assert.equal(r.json.comment, 'Quick, thanks');
  assert.equal(r.json.used, true);
  isErr(await anon.post('/api/v1/csat/' + token, { rating: 1 }), 409, 'conflict');
  assert.equal((await anon.get('/api/v1/csat/' + token)).json.rating, 4, 'the second answer was refused');

  // One survey per ticket: the worker does not send another on its next passes.
  await new Promise((res) => setTimeout(res, 500));
  const surveys = sink.messages().filter((m) => m.envelope.rcpt_tos.includes('alice@cust-csat.test') &&
    /How did we do/.test(m.body.replace(/=\r?\n/g, '')));
  assert.equal(surveys.length, 1);
});

test('a forged, altered or malformed token is refused with 403 and changes nothing', async () => {
  const ref = await newSolvedTicket(custB, 'Deposit missing');
  const { token } = await surveyFor('bob@cust-csat.test', ref);
  const [id, nonce, mac] = token.split('.');
  const flip = (s) => (s[0] === 'a' ? 'b' : 'a') + s.slice(1);
  const anon = new Client(srv.url);
  for (const bad of [`${id}.${nonce}.${flip(mac)}`, `${id}.${flip(nonce)}.${mac}`, `${Number(id) + 1}.${nonce}.${mac}`,
    'garbage', `${id}.${nonce}`, `${id}.${nonce}.${mac}00`, '0.' + nonce + '.' + mac]) {
    isErr(await anon.post('/api/v1/csat/' + encodeURIComponent(bad), { rating: 1 }), 403, 'invalid_token');
    isErr(await anon.get('/api/v1/csat/' + encodeURIComponent(bad)), 403, 'invalid_token');
  }
  const r = await anon.get('/api/v1/csat/' + token);
  assert.equal(r.json.used, false);
  assert.equal(r.json.rating, null);
});

test('the requester rates on the portal and may change it within 7 days; staff see it; others may not', async () => {
  // Ticket of Bob (from the previous test's pattern, a fresh one here).
  const ref = await newSolvedTicket(custB, 'KYC question');
  let r = await custB.get(`/api/v1/tickets/${ref}/csat`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.eligible, true);
  assert.equal(r.json.can_answer, true);
  assert.equal(r.json.rating, null);

  isErr(await put(custA, `/api/v1/tickets/${ref}/csat`, { rating: 1 }), 404); // not her ticket
  isErr(await custA.get(`/api/v1/tickets/${ref}/csat`), 404);
  isErr(await put(agent, `/api/v1/tickets/${ref}/csat`, { rating: 5 }), 403, 'forbidden');
  isErr(await put(custB, `/api/v1/tickets/${ref}/csat`, { rating: 'five' }), 400);

  r = await put(custB, `/api/v1/tickets/${ref}/csat`, { rating: 2, comment: 'slow' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.rating, 2);
  setClock(T0 + 6 * DAY);
  r = await put(custB, `/api/v1/tickets/${ref}/csat`, { rating: 5, comment: 'sorted in the end' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.rating, 5);

  for (const c of [agent, sup]) {
    r = await c.get(`/api/v1/tickets/${ref}/csat`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.rating, 5);
    assert.equal(r.json.comment, 'sorted in the end');
  }
  const ev = await sup.get(`/api/v1/tickets/${ref}/events`);
  assert.equal(ev.status, 200, ev.text);
  const answers = ev.json.events.filter((e) => e.type === 'csat_answered');
  assert.equal(answers.length, 2, JSON.stringify(ev.json.events.map((e) => e.type)));

  setClock(T0 + 8 * DAY);
  isErr(await put(custB, `/api/v1/tickets/${ref}/csat`, { rating: 1 }), 409);
  assert.equal((await custB.get(`/api/v1/tickets/${ref}/csat`)).json.rating, 5);
  assert.equal((await custB.get(`/api/v1/tickets/${ref}/csat`)).json.can_answer, false);
  setClock(T0);
});

test('an open ticket cannot be rated yet', async () => {
  const r = await custA.post('/api/v1/tickets', { department: 'deposits', subject: 'Open one', body: 'x' });
  const ref = r.json.ticket.reference;
  const g = await custA.get(`/api/v1/tickets/${ref}/csat`);
  assert.equal(g.json.eligible, false);
  isErr(await put(custA, `/api/v1/tickets/${ref}/csat`, { rating: 5 }), 409);
  isErr(await put(new Client(srv.url), `/api/v1/tickets/${ref}/csat`, { rating: 5 }), 401);
});

test('the acknowledgement of an email ticket says how fast we usually reply (from real replies)', async () => {
  // Earlier tests answered four deposits tickets at once: 0 minutes for the department.
  const a = srv.addUser({ email: 'ada@fd-csat.test', name: 'Ada Admin', role: 'admin' });
  const tok = cli(['token', 'create', '--email', a.email, '--name', 'mailgate', '--scopes', 'mail:ingest',
    '--data-dir', srv.dataDir]).trim();
  const raw = ['From: Eve <eve@cust-csat.test>', 'To: deposits@frontdesk.test', 'Subject: Where is my deposit',
    'Message-ID: <csat-ack-1@cust.test>', 'Date: Tue, 10 Nov 2026 09:00:00 +0000', 'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8', '', 'My deposit has not arrived.', ''].join('\r\n');
  const res = await fetch(srv.url + '/api/v1/mail/inbound', {
    method: 'POST', body: raw, headers: { authorization: 'Bearer ' + tok, 'content-type': 'message/rfc822' },
  });
  assert.equal(res.status, 201, await res.text());
  const ms = await sink.waitForMessages((all) => all.some((m) => m.envelope.rcpt_tos.includes('eve@cust-csat.test')), 15000);
  const ack = ms.find((m) => m.envelope.rcpt_tos.includes('eve@cust-csat.test'));
  const body = ack.body.replace(/=\r?\n/g, '');
  assert.match(body, /We usually reply within 1 minute; 9 in 10 customers get a first reply within 1 minute\./);
  assert.doesNotMatch(body, /one business day/);
});
