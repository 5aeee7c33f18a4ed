// Inbound mail authentication end to end: SPF/DMARC (and DKIM) verdicts answered from a zone
// file (mail_auth_dns_file, no DNS), stored with the message and shown to agents on the
// ticket but never to customers; a message that fails authentication does not join a
// ticket by its [FD-n] tag alone (a new linked ticket tagged auth-failed), while one that
// references our Message-ID still does. The mailgate passes the SMTP session through.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client, cli } from '../lib/server.mjs';

let dir, srv, agent, token, cust;
const ALICE = 'alice@cust.example';
const GOOD_IP = '192.0.2.10';
const BAD_IP = '198.51.100.9';
let n = 0;

function mail({ from = ALICE, subject, inReplyTo, body = 'Hello', dkim = false }) {
  n += 1;
  const id = `m${n}.${Date.now()}@cust.example`;
  const h = [];
  if (dkim) // a signature that cannot verify (no such key): DKIM fail for cust.example
    h.push('DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=cust.example; s=gone; h=from:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA');
  h.push(`From: ${from}`, 'To: deposits@frontdesk.test', `Subject: ${subject}`, `Message-ID: <${id}>`, 'Date: Thu, 26 Nov 2026 01:00:00 +0000');
  if (inReplyTo) h.push(`In-Reply-To: <${inReplyTo}>`);
  return { id, raw: h.join('\r\n') + '\r\n\r\n' + body + '\r\n' };
}
async function inbound(raw, q = {}) {
  const qs = new URLSearchParams(q).toString();
  const res = await fetch(srv.url + '/api/v1/mail/inbound' + (qs ? '?' + qs : ''), {
    method: 'POST', body: Buffer.from(raw), headers: { authorization: 'Bearer ' + token, 'content-type': 'message/rfc822' } });
  const text = await res.text();
  let json = null; try { json = JSON.parse(text); } catch { /* */ }
  return { status: res.status, text, json };
}
const good = { client_ip: GOOD_IP, helo: 'mx.cust.example', mail_from: 'bounces@cust.example' };
const bad = { client_ip: BAD_IP, helo: 'forger.example', mail_from: 'alice@cust.example' };
async function ticket(c, ref) {
  const r = await c.get('/api/v1/tickets/' + ref);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fd-mailauth-'));
  const zone = join(dir, 'zone.txt');
  writeFileSync(zone, [
    `cust.example TXT "v=spf1 ip4:${GOOD_IP} -all"`,
    '_dmarc.cust.example TXT "v=DMARC1; p=reject"',
    'nodmarc.example TXT "v=spf1 -all"', '',
  ].join('\n'));
  srv = await startServer({ env: { FRONTDESK_MAIL_AUTH_DNS_FILE: zone } });
  const a = srv.addUser({ email: 'admin@fd-auth.test', role: 'admin' });
  const g = srv.addUser({ email: 'dora@fd-auth.test', role: 'agent', department: 'deposits' });
  agent = new Client(srv.url); await agent.login(g.email, g.password);
  cust = new Client(srv.url); await cust.signup(ALICE, 'customer-pass-123');
  token = cli(['token', 'create', '--email', a.email, '--name', 'mailgate', '--scopes', 'mail:ingest', '--data-dir', srv.dataDir]).trim();
});
after(async () => {
  await srv?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let first, firstRef;

test('results are stored with the message and shown to agents, never to customers', async () => {
  first = mail({ subject: 'Deposit missing' });
  const r = await inbound(first.raw, good);
  assert.equal(r.status, 201, r.text);
  firstRef = r.json.ticket;
  const t = await ticket(agent, firstRef);
  assert.equal(t.messages.length, 1);
  assert.deepEqual(t.messages[0].mail_auth, {
    dkim: 'none', dkim_domain: null, spf: 'pass', spf_domain: 'cust.example', dmarc: 'pass',
    dmarc_policy: 'reject', from_domain: 'cust.example', client_ip: GOOD_IP,
  });
  assert.ok(!t.ticket.tags.includes('auth-failed'));
  const c = await ticket(cust, firstRef);
  assert.equal(c.messages.length, 1);
  assert.equal('mail_auth' in c.messages[0], false, 'customers never see the verdicts');
  assert.ok(!JSON.stringify(c).includes('dmarc'));
});

test('a message failing DMARC with only the [FD-n] tag opens a new linked ticket tagged auth-failed', async () => {
  const forged = mail({ subject: `Re: [${firstRef}] Deposit missing`, body: 'Please send your 2FA code', dkim: true });
  const r = await inbound(forged.raw, bad);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.status, 'auth_failed');
  assert.notEqual(r.json.ticket, firstRef);
  const t = await ticket(agent, r.json.ticket);
  assert.equal(t.ticket.follow_up_of, firstRef);
  assert.ok(t.ticket.tags.includes('auth-failed'), JSON.stringify(t.ticket.tags));
  assert.ok(!t.ticket.tags.includes('sender-mismatch'), 'the From line matched; only authentication failed');
  const v = t.messages[0].mail_auth;
  assert.equal(v.dkim, 'fail');
  assert.equal(v.dkim_domain, 'cust.example');
  assert.equal(v.spf, 'fail');
  assert.equal(v.dmarc, 'fail');
  assert.equal(v.dmarc_policy, 'reject');
  const orig = await ticket(agent, firstRef);
  assert.equal(orig.messages.length, 1, 'the original ticket is unchanged');
});

test('a failing message that references our Message-ID still joins; a passing one joins by the tag', async () => {
  const reply = mail({ subject: 'Re: Deposit missing', inReplyTo: first.id, body: 'forwarded by my provider' });
  const r = await inbound(reply.raw, bad);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.status, 'reply');
  assert.equal(r.json.ticket, firstRef);
  const ok = await inbound(mail({ subject: `Re: [${firstRef}] Deposit missing`, body: 'any news?' }).raw, good);
  assert.equal(ok.json.status, 'reply');
  assert.equal(ok.json.ticket, firstRef);
  const t = await ticket(agent, firstRef);
  assert.deepEqual(t.messages.map((m) => m.mail_auth.dmarc), ['pass', 'fail', 'pass']);
});

test('no DMARC record and no SPF data: "none", which is not a failure; a bad client_ip is 400', async () => {
  const r = await inbound(mail({ from: 'bob@nodmarc.example', subject: 'hello' }).raw);
  assert.equal(r.status, 201, r.text);
  const t = await ticket(agent, r.json.ticket);
  assert.equal(t.messages[0].mail_auth.spf, 'none');
  assert.equal(t.messages[0].mail_auth.dmarc, 'none');
  assert.equal(t.messages[0].mail_auth.dmarc_policy, '');
  assert.ok(!t.ticket.tags.includes('auth-failed'));
  const b = await inbound(mail({ subject: 'x' }).raw, { client_ip: 'not-an-ip' });
  assert.equal(b.status, 400, b.text);
  assert.equal(b.json.error.code, 'invalid_field');
  assert.match(b.json.error.message, /client_ip/);
});

test('the mailgate passes --client-ip, --helo and --mail-from to the server', async () => {
  const m = mail({ subject: 'via the mailgate' });
  cli(['mailgate', '--url', srv.url, '--address', 'deposits@frontdesk.test', '--client-ip', BAD_IP,
    '--helo', 'forger.example', '--mail-from', ALICE], { input: m.raw, env: { FRONTDESK_MAILGATE_TOKEN: token } });
  const list = await agent.get('/api/v1/tickets?limit=100');
  const t = list.json.tickets.find((x) => x.subject === 'via the mailgate');
  assert.ok(t, 'ticket opened');
  const full = await ticket(agent, t.reference);
  assert.equal(full.messages[0].mail_auth.client_ip, BAD_IP);
  assert.equal(full.messages[0].mail_auth.spf, 'fail');
  assert.ok(full.ticket.tags.includes('auth-failed'), 'a new request that failed authentication is flagged too');
});
