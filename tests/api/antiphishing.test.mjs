// Anti-phishing codes (docs/verify.md): a customer sets one with their password, an
// integration sets one with a customers:write token, and every outbound path to that
// customer carries "Your anti-phishing code: CODE" — checked on the real SMTP sink for
// the acknowledgement of mailed-in requests, an agent's reply, the CSAT survey, the chat
// transcript and a complaint notice, and in the chat greeting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client } from '../lib/server.mjs';
import { startSmtpSink, waitFor } from '../lib/mailservers.mjs';

let sink, srv, agent, admin, cust, custEmail;
const CODE = 'BlueOwl42';
const LINE = `Your anti-phishing code: ${CODE}`;
const put = (c, p, b) => c.req('PUT', p, b);

function isErr(r, status, code) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error && r.json.error.message, `JSON error body expected: ${r.text}`);
  if (code) assert.equal(r.json.error.code, code, r.text);
}
const plain = (m) => m.body.replace(/=\r?\n/g, '');
const to = (m, email) => m.envelope.rcpt_tos.map((x) => x.toLowerCase()).includes(email);

/** Waits for a message to email whose body matches re; returns it. */
async function mailTo(email, re, what) {
  const ms = await sink.waitForMessages((all) => all.some((m) => to(m, email) && re.test(plain(m))), 15000)
    .catch(() => { throw new Error(`no ${what} mail to ${email}`); });
  return ms.find((m) => to(m, email) && re.test(plain(m)));
}

before(async () => {
  sink = await startSmtpSink();
  srv = await startServer({
    env: { FRONTDESK_SMTP_URL: sink.url, FRONTDESK_MAIL_POLL_MS: '100', FRONTDESK_MAIL_RETRY_BASE_S: '1' },
  });
  const g = srv.addUser({ email: 'dora@fd-ap.test', name: 'Dora Deposits', role: 'agent', department: 'deposits', tier: 1 });
  const a = srv.addUser({ email: 'root@fd-ap.test', name: 'Ada Admin', role: 'admin' });
  agent = new Client(srv.url); await agent.login(g.email, g.password);
  admin = new Client(srv.url); await admin.login(a.email, a.password);
  custEmail = 'carol@cust-ap.test';
  cust = new Client(srv.url); await cust.signup(custEmail, 'carol-password-1', 'Carol');
});

after(async () => {
  await srv?.stop();
  await sink?.stop();
});

test('a customer sets the code with the password; bad input changes nothing', async () => {
  let r = await cust.get('/api/v1/me/antiphishing');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.has_code, false);
  isErr(await put(cust, '/api/v1/me/antiphishing', { code: CODE }), 400, 'missing_field');
  isErr(await put(cust, '/api/v1/me/antiphishing', { code: CODE, password: 'wrong-password-9' }), 403, 'wrong_password');
  isErr(await put(cust, '/api/v1/me/antiphishing', { code: 'abc', password: 'carol-password-1' }), 400, 'invalid_field');
  isErr(await put(cust, '/api/v1/me/antiphishing', { code: 'has space', password: 'carol-password-1' }), 400);
  isErr(await put(cust, '/api/v1/me/antiphishing', { code: 'x'.repeat(21), password: 'carol-password-1' }), 400);
  isErr(await put(cust, '/api/v1/me/antiphishing', { code: CODE, password: 'carol-password-1', extra: 1 }), 400);
  assert.equal((await cust.get('/api/v1/me/antiphishing')).json.has_code, false, 'nothing stored by bad input');
  isErr(await new Client(srv.url).req('PUT', '/api/v1/me/antiphishing', { code: CODE, password: 'x' }), 401);
  isErr(await put(agent, '/api/v1/me/antiphishing', { code: CODE, password: 'correct-horse-battery' }), 403, 'forbidden');

  r = await put(cust, '/api/v1/me/antiphishing', { code: 'First123', password: 'carol-password-1' });
  assert.equal(r.status, 200, r.text);
  r = await put(cust, '/api/v1/me/antiphishing', { code: CODE, password: 'carol-password-1' });
  assert.equal(r.status, 200, r.text);
  r = await cust.get('/api/v1/me/antiphishing');
  assert.deepEqual(r.json, { has_code: true, code: CODE, line: LINE });
});

test('an integration sets a code with a customers:write token; other tokens and agents may not', async () => {
  const other = new Client(srv.url); await other.signup('otto@cust-ap.test', 'otto-password-12', 'Otto');
  const id = other.user.id;
  const mk = async (scopes) => {
    const t = await admin.post('/api/v1/tokens', { name: 'crm', scopes });
    assert.equal(t.status, 201, t.text);
    const c = new Client(srv.url); c.bearer = t.json.token; return c;
  };
  const good = await mk(['customers:write']);
  const weak = await mk(['tickets:write']);
  isErr(await put(weak, `/api/v1/customers/${id}/antiphishing`, { code: 'CrmCode9' }), 403, 'forbidden');
  isErr(await put(agent, `/api/v1/customers/${id}/antiphishing`, { code: 'CrmCode9' }), 403, 'forbidden');
  isErr(await put(good, `/api/v1/customers/${id}/antiphishing`, { code: 'no' }), 400, 'invalid_field');
  isErr(await put(good, `/api/v1/customers/${id}/antiphishing`, { code: 'CrmCode9', password: 'x' }), 400);
  isErr(await put(good, `/api/v1/customers/999999/antiphishing`, { code: 'CrmCode9' }), 404);
  isErr(await put(good, `/api/v1/customers/${agent.user.id}/antiphishing`, { code: 'CrmCode9' }), 400);
  const r = await put(good, `/api/v1/customers/${id}/antiphishing`, { code: 'CrmCode9' });
  assert.equal(r.status, 200, r.text);
  assert.equal((await other.get('/api/v1/me/antiphishing')).json.code, 'CrmCode9');
  const rm = await put(good, `/api/v1/customers/${id}/antiphishing`, { code: null });
  assert.equal(rm.status, 200, rm.text);
  assert.equal((await other.get('/api/v1/me/antiphishing')).json.has_code, false);
});

test('every outbound mail path to the customer carries the code', { timeout: 60000 }, async () => {
  // 1. acknowledgement of a mailed-in request
  const tok = await admin.post('/api/v1/tokens', { name: 'mailgate', scopes: ['mail:ingest'] });
  const gate = new Client(srv.url); gate.bearer = tok.json.token;
  const raw = [`From: Carol <${custEmail}>`, 'To: deposits@frontdesk.test', 'Subject: Deposit missing AP-1',
    `Message-ID: <ap-1@cust-ap.test>`, 'Date: Tue, 10 Nov 2026 09:00:00 +0000', 'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8', '', 'My deposit did not arrive.', ''].join('\r\n');
  const r = await gate.post('/api/v1/mail/inbound?address=deposits%40frontdesk.test', raw, { 'content-type': 'message/rfc822' });
  assert.equal(r.status, 201, r.text);
  const ack = await mailTo(custEmail, /AP-1|received|request/i, 'acknowledgement');
  assert.ok(plain(ack).includes(LINE), 'acknowledgement: ' + plain(ack).slice(0, 300));

  // 2. an agent's public reply to her portal ticket, and 3. the CSAT survey when solved
  const t = await cust.post('/api/v1/tickets', { department: 'deposits', subject: 'Withdrawal AP-2', body: 'stuck' });
  assert.equal(t.status, 201, t.text);
  const ref = t.json.ticket.reference;
  assert.equal((await agent.post(`/api/v1/tickets/${ref}/messages`, { body: 'Reply AP-2 from Dora' })).status, 201);
  const reply = await mailTo(custEmail, /Reply AP-2 from Dora/, 'agent reply');
  assert.ok(plain(reply).includes(LINE), 'agent reply');
  assert.equal((await agent.patch(`/api/v1/tickets/${ref}`, { status: 'solved' })).status, 200);
  const survey = await mailTo(custEmail, /How did we do/, 'CSAT survey');
  assert.ok(plain(survey).includes(LINE), 'CSAT survey');

  // 4. a complaint's acknowledgement
  const c = await cust.post('/api/v1/complaints', {
    complainant_name: 'Carol', complainant_contact: custEmail, account_uid: 'U12345678', service: 'withdrawals',
    description: 'Complaint AP-4: withdrawal held.', incident_dates: '2026-11-10', request: 'Release it.',
  });
  assert.equal(c.status, 201, c.text);
  const ack2 = await admin.post(`/api/v1/complaints/${c.json.complaint.reference}/transition`,
    { to: 'acknowledged', admissibility: 'admissible' });
  assert.equal(ack2.status, 200, ack2.text);
  const notice = await mailTo(custEmail, /complaint/i, 'complaint notice');
  assert.ok(plain(notice).includes(LINE), 'complaint notice');

  // Every message to her so far carries the line; the HTML part too.
  await new Promise((res) => setTimeout(res, 1500));
  const mine = sink.messages().filter((m) => to(m, custEmail));
  assert.ok(mine.length >= 4, `at least 4 messages, got ${mine.length}`);
  for (const m of mine) assert.ok(plain(m).includes(LINE), `"${m.header('Subject')}" lacks the code`);
  // Other people's mail does not show her code.
  for (const m of sink.messages().filter((x) => !to(x, custEmail))) assert.ok(!plain(m).includes(CODE));
});

test('the chat greeting shows the agent code and the customer code; transcript mail has it', { timeout: 30000 }, async () => {
  const s = await put(agent, '/api/v1/agent/status', { status: 'online', capacity: 2 });
  assert.equal(s.status, 200, s.text);
  const start = await cust.post('/api/v1/chat', { department: 'deposits', message: 'Hello AP-5' });
  assert.equal(start.status, 201, start.text);
  const id = start.json.chat.id;
  const got = await waitFor(async () => {
    const g = await cust.get(`/api/v1/chat/${id}`);
    return g.json?.chat?.status === 'active' ? g.json : null;
  }, { what: 'chat assigned' });
  const code = (await agent.get('/api/v1/verify/agent-code')).json.code;
  assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{2}$/);
  const msgs = got.messages || (await cust.get(`/api/v1/chat/${id}`)).json.messages;
  const greet = msgs.find((m) => /joined the chat/.test(m.body));
  assert.ok(greet, 'a greeting: ' + JSON.stringify(msgs));
  assert.ok(greet.body.includes(LINE), greet.body);
  assert.ok(greet.body.includes(`Agent code ${code}`), greet.body);
  // the code checks out on /verify as this agent, in a chat now
  const v = await new Client(srv.url).get('/api/v1/verify?q=' + encodeURIComponent(code));
  assert.equal(v.json.verdict, 'official', v.text);
  assert.equal(v.json.agent.name, 'Dora Deposits');
  assert.equal(v.json.agent.in_chat_now, true);
  assert.match(v.json.message, /this is Dora Deposits from Frontdesk support/);

  assert.equal((await cust.post(`/api/v1/chat/${id}/end`)).status, 200);
  assert.equal((await cust.post(`/api/v1/chat/${id}/transcript`)).status, 202);
  const tr = await mailTo(custEmail, /Hello AP-5/, 'transcript');
  assert.ok(plain(tr).includes(LINE), 'transcript');
  const after = await new Client(srv.url).get('/api/v1/verify?q=' + encodeURIComponent(code));
  assert.equal(after.json.agent.in_chat_now, false);
});

test('a status-page subscription by the customer\'s address carries the code; a stranger\'s does not', { timeout: 30000 }, async () => {
  const sub = async (email) => {
    const res = await fetch(srv.url + '/status/subscribe', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email }).toString(), redirect: 'manual',
    });
    assert.equal(res.status, 200, await res.text());
  };
  await sub(custEmail);
  await sub('stranger@cust-ap.test');
  const mine = await mailTo(custEmail, /confirm/i, 'subscription confirmation');
  assert.ok(plain(mine).includes(LINE), 'status confirmation to the customer');
  const theirs = await mailTo('stranger@cust-ap.test', /confirm/i, 'stranger confirmation');
  assert.ok(!plain(theirs).includes('anti-phishing code'), 'no code for an address without one');
});
