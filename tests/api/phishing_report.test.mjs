// Phishing reports (docs/verify.md): a suspicious e-mail forwarded as an .eml attachment
// to the phishing address becomes an Account & Security ticket tagged phishing-report,
// with an internal note analysing the attached message against the registry of official
// contacts. Fixtures: tests/data/phishing/*.eml.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, Client } from '../lib/server.mjs';

const DATA = join(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'phishing');
let srv, admin, sec, other, gate;

before(async () => {
  srv = await startServer();
  const a = srv.addUser({ email: 'root@fd-pr.test', name: 'Ada Admin', role: 'admin' });
  const s = srv.addUser({ email: 'sam@fd-pr.test', name: 'Sam Security', role: 'agent', department: 'account', tier: 2 });
  const o = srv.addUser({ email: 'tom@fd-pr.test', name: 'Tom Trading', role: 'agent', department: 'trading', tier: 1 });
  admin = new Client(srv.url); await admin.login(a.email, a.password);
  sec = new Client(srv.url); await sec.login(s.email, s.password);
  other = new Client(srv.url); await other.login(o.email, o.password);
  for (const [kind, value] of [['domain', 'frontdesk.example'], ['email', 'support@frontdesk.example']]) {
    const r = await admin.post('/api/v1/verify/entries', { kind, value });
    assert.equal(r.status, 201, r.text);
  }
  const tok = await admin.post('/api/v1/tokens', { name: 'mailgate', scopes: ['mail:ingest'] });
  gate = new Client(srv.url); gate.bearer = tok.json.token;
});

after(async () => { await srv?.stop(); });

async function report(file, address = 'phishing@frontdesk.test') {
  const raw = readFileSync(join(DATA, file));
  const r = await gate.post('/api/v1/mail/inbound?address=' + encodeURIComponent(address), raw,
    { 'content-type': 'message/rfc822' });
  assert.equal(r.status, 201, r.text);
  assert.ok(r.json.ticket, r.text);
  const g = await sec.get('/api/v1/tickets/' + r.json.ticket);
  assert.equal(g.status, 200, g.text);
  return g.json;
}

const noteOf = (t) => {
  const n = t.messages.find((m) => m.internal && /Phishing report/.test(m.body));
  assert.ok(n, 'an internal analysis note: ' + JSON.stringify(t.messages.map((m) => m.body.slice(0, 60))));
  return n.body;
};

test('a look-alike phishing mail: ticket for Account & Security with an analysis note', async () => {
  const t = await report('report_lookalike.eml');
  assert.equal(t.ticket.department, 'account');
  assert.ok(t.ticket.tags.includes('phishing-report'), JSON.stringify(t.ticket.tags));
  const note = noteOf(t);
  assert.match(note, /Reported message: Urgent: verify your account within 24 hours/);
  assert.match(note, /From: fr0ntdesk\.example — LOOK-ALIKE of official frontdesk\.example/);
  assert.match(note, /Reply-To: frontdesk-support\.com — LOOK-ALIKE of official frontdesk\.example/);
  assert.match(note, /Return-Path: mailer-evil\.test — unknown/);
  assert.match(note, /Authentication-Results: absent/);
  assert.match(note, /DKIM-Signature: absent/);
  // links: punycode decoded and flagged, the official one recognised, the rest unknown
  assert.match(note, /frоntdesk\.example — LOOK-ALIKE of official frontdesk\.example: uses look-alike characters/);
  assert.match(note, /www\.frontdesk\.example — OFFICIAL \(frontdesk\.example\)/);
  assert.match(note, /bit-short\.test — unknown/);
  assert.match(note, /claim\.frontdesk\.example\.evil\.io — LOOK-ALIKE/);
  // the reporter's own message is the public one; the analysis is internal only
  assert.ok(t.messages.some((m) => !m.internal && /is it you\?/.test(m.body)));
  // an agent of another department does not see the report
  const o = await other.get('/api/v1/tickets/' + t.ticket.reference);
  assert.equal(o.status, 404, o.text);
});

test('a genuine mail forwarded as a report: official domains and authentication present', async () => {
  const t = await report('report_official.eml');
  const note = noteOf(t);
  assert.match(note, /From: frontdesk\.example — OFFICIAL/);
  assert.match(note, /Return-Path: frontdesk\.example — OFFICIAL/);
  assert.match(note, /Reply-To: absent/);
  assert.match(note, /Authentication-Results: present \(mx\.cust-pr\.test; dkim=pass/);
  assert.match(note, /DKIM-Signature: present \(v=1; a=rsa-sha256; d=frontdesk\.example/);
  assert.match(note, /- frontdesk\.example — OFFICIAL/);
});

test('a report without an attachment asks for the .eml; other addresses are not reports', async () => {
  const t = await report('report_inline_forward.eml');
  assert.ok(t.ticket.tags.includes('phishing-report'));
  assert.match(noteOf(t), /No forwarded message was attached/);
  const raw = readFileSync(join(DATA, 'report_lookalike.eml'), 'latin1')
    .replace('Message-ID: <report-1@cust-pr.test>', 'Message-ID: <report-9@cust-pr.test>')
    .replace('To: phishing@frontdesk.test', 'To: account@frontdesk.test');
  const r = await gate.post('/api/v1/mail/inbound?address=account%40frontdesk.test', raw, { 'content-type': 'message/rfc822' });
  assert.equal(r.status, 201, r.text);
  const g = await sec.get('/api/v1/tickets/' + r.json.ticket);
  assert.ok(!g.json.ticket.tags.includes('phishing-report'));
  assert.ok(!g.json.messages.some((m) => /Phishing report/.test(m.body)));
});
