// The email channel end to end: `frontdesk mailgate` (and POST /api/v1/mail/inbound) in,
// tickets and threading, acknowledgements and agents' replies out through a real SMTP
// server (tests/tools/smtp_sink.py), bounces, retries across restarts, permanent
// failures, and the raw record of every message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, Client, cli, BIN } from '../lib/server.mjs';
import {
  startSmtpSink, freePort, waitFor, sleep, msgIds, addrOf,
} from '../lib/mailservers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CORPUS = process.env.FD_MAIL_CORPUS || '/work/shared/corpora/email';

let sink, srv, admin, agent, token;
let seq = 0;
const uniq = (p) => `${p}-${process.pid}-${++seq}`;

// ---- helpers -------------------------------------------------------------------------

/** Builds a raw message with CRLF line ends. headers: extra [name, value] pairs. */
function mail({
  from, to = 'deposits@frontdesk.test', cc, subject = 'Help', id = uniq('m') + '@cust.test',
  inReplyTo, references, headers = [], body = 'Hello, my deposit has not arrived.',
  contentType = 'text/plain; charset=utf-8',
}) {
  const h = [`From: ${from}`];
  if (to) h.push(`To: ${to}`);
  if (cc) h.push(`Cc: ${cc}`);
  h.push(`Subject: ${subject}`, `Message-ID: <${id}>`, 'Date: Mon, 11 Mar 2024 10:00:00 +0000');
  if (inReplyTo) h.push(`In-Reply-To: <${inReplyTo}>`);
  if (references) h.push(`References: ${references.map((r) => `<${r}>`).join(' ')}`);
  for (const [k, v] of headers) h.push(`${k}: ${v}`);
  h.push('MIME-Version: 1.0', `Content-Type: ${contentType}`);
  return { raw: h.join('\r\n') + '\r\n\r\n' + body.replace(/\r?\n/g, '\r\n') + '\r\n', id };
}

/** Pipes raw bytes through `frontdesk mailgate`; resolves {code, stdout, stderr}. */
function mailgate(raw, { url = srv.url, address = 'deposits@frontdesk.test', tok = token } = {}) {
  return new Promise((resolve, reject) => {
    const args = ['mailgate', '--url', url];
    if (address) args.push('--address', address);
    const p = spawn(BIN, args, {
      env: { ...process.env, FRONTDESK_MAILGATE_TOKEN: tok }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const t = setTimeout(() => { p.kill('SIGKILL'); reject(new Error('mailgate did not finish in 30s')); }, 30000);
    p.on('exit', (code) => { clearTimeout(t); resolve({ code, stdout, stderr }); });
    p.stdin.on('error', () => {});
    p.stdin.end(raw);
  });
}

/** POST /api/v1/mail/inbound with the mail:ingest token; resolves {status, json, text}. */
async function inbound(raw, { address, base = srv.url, tok = token } = {}) {
  const q = address ? '?address=' + encodeURIComponent(address) : '';
  const res = await fetch(base + '/api/v1/mail/inbound' + q, {
    method: 'POST', body: Buffer.isBuffer(raw) ? raw : Buffer.from(raw),
    headers: { authorization: 'Bearer ' + tok, 'content-type': 'message/rfc822' },
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

/** Ingests through the API and insists it was stored; returns the answer's JSON. */
async function ingest(m, opts) {
  const r = await inbound(m.raw ?? m, opts);
  assert.ok(r.status === 201 || r.status === 200, `inbound: ${r.status} ${r.text}`);
  return r.json;
}

async function getTicket(ref, c = admin) {
  const r = await c.get('/api/v1/tickets/' + ref);
  assert.equal(r.status, 200, `GET ${ref}: ${r.text}`);
  return r.json;
}

async function allTickets(c = admin) {
  const out = [];
  let cursor = null;
  for (let i = 0; i < 100; i++) {
    const r = await c.get('/api/v1/tickets?limit=100' + (cursor ? '&cursor=' + cursor : ''));
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.tickets);
    cursor = r.json.next_cursor;
    if (!cursor) break;
  }
  return out;
}

const bySubject = async (subject) => (await allTickets()).filter((t) => t.subject === subject);
const toRcpt = (ms, email) => ms.filter((m) => m.envelope.rcpt_tos.map((r) => r.toLowerCase()).includes(email));

/** Mail at the sink for one recipient, waiting until there are at least n. */
async function mailTo(email, n = 1, s = sink, timeout = 10000) {
  const ms = await s.waitForMessages((all) => toRcpt(all, email).length >= n, timeout);
  return toRcpt(ms, email);
}

/**
 * Acknowledgements and replies leave in outbox order; a control message's acknowledgement
 * arriving means everything queued before it has been tried.
 */
async function drain(s = sink, base = srv?.url, tok = token) {
  const who = uniq('control') + '@ctl.test';
  const r = await inbound(mail({ from: who, subject: 'control ' + who }).raw, { base, tok });
  assert.equal(r.status, 201, r.text);
  await mailTo(who, 1, s);
}

function sql(dataDir, query) {
  return execFileSync('sqlite3', ['-readonly', '-separator', '|', join(dataDir, 'frontdesk.db'), query],
    { encoding: 'utf8' }).trim();
}

async function setupServer(env, dataDir) {
  const s = await startServer({ env, dataDir });
  const a = s.addUser({ email: 'admin@fd-mail.test', name: 'Ada Admin', role: 'admin' });
  const g = s.addUser({ email: 'dora@fd-mail.test', name: 'Dora Deposits', role: 'agent', department: 'deposits', tier: 1 });
  const ac = new Client(s.url); await ac.login(a.email, a.password);
  const gc = new Client(s.url); await gc.login(g.email, g.password);
  const tok = cli(['token', 'create', '--email', a.email, '--name', 'mailgate', '--scopes', 'mail:ingest',
    '--data-dir', s.dataDir]).trim();
  assert.match(tok, /^\S{20,}$/);
  return { srv: s, admin: ac, agent: gc, token: tok };
}

const mailEnv = (smtpUrl) => ({
  FRONTDESK_SMTP_URL: smtpUrl,
  FRONTDESK_MAIL_POLL_MS: '100',
  FRONTDESK_MAIL_RETRY_BASE_S: '1',
});

before(async () => {
  sink = await startSmtpSink();
  ({ srv, admin, agent, token } = await setupServer(mailEnv(sink.url)));
});

after(async () => {
  await srv?.stop();
  await sink?.stop();
});

// ---- the round trip ------------------------------------------------------------------

test('round trip: mail in → ticket → acknowledgement → agent reply by mail → customer reply threads', { timeout: 60000 }, async () => {
  const cust = 'carol@cust.test';
  const first = mail({ from: 'Carol Customer <Carol@Cust.test>', subject: 'Deposit missing', body: 'My USDT deposit is missing.\nTXID 0xabc' });
  const g = await mailgate(first.raw);
  assert.equal(g.code, 0, g.stderr);
  assert.equal(g.stdout, '', 'the mailgate prints nothing');

  const [ack] = await mailTo(cust);
  const tag = ack.header('Subject').match(/\[(FD-\d+)\]/);
  assert.ok(tag, 'acknowledgement subject carries the ticket tag: ' + ack.header('Subject'));
  const ref = tag[1];
  assert.deepEqual(msgIds(ack.header('In-Reply-To')), [first.id]);
  assert.ok(msgIds(ack.header('References')).includes(first.id));
  assert.match(ack.header('Auto-Submitted') || '', /^auto-replied/i);
  assert.equal(addrOf(ack.header('From')), 'deposits@frontdesk.test');
  assert.equal(addrOf(ack.header('To')), cust);
  assert.equal(msgIds(ack.header('Message-ID')).length, 1);
  assert.equal(ack.envelope.mail_from.toLowerCase(), 'deposits@frontdesk.test');

  const t0 = await getTicket(ref);
  assert.equal(t0.ticket.department, 'deposits');
  assert.equal(t0.ticket.channel, 'email');
  assert.equal(t0.ticket.subject, 'Deposit missing');
  assert.equal(t0.ticket.requester.email, cust);
  assert.equal(t0.messages.length, 1);
  assert.match(t0.messages[0].body, /USDT deposit is missing/);

  const r = await agent.post(`/api/v1/tickets/${ref}/messages`, { body: 'We are checking the TXID for you.' });
  assert.equal(r.status, 201, r.text);
  const ms = await mailTo(cust, 2);
  const reply = ms[1];
  assert.equal(addrOf(reply.header('From')), 'deposits@frontdesk.test');
  assert.equal(addrOf(reply.header('To')), cust);
  assert.match(reply.header('Subject'), new RegExp(`\\[${ref}\\]`));
  assert.match(reply.body, /checking the TXID/);
  // text and HTML alternatives, the HTML escaped from the text
  assert.match(reply.header('Content-Type'), /multipart\/alternative/i);
  assert.match(reply.body, /Content-Type: text\/html/i);
  const replyId = msgIds(reply.header('Message-ID'))[0];
  assert.ok(replyId && replyId !== msgIds(ack.header('Message-ID'))[0], 'a new Message-ID');
  const irt = msgIds(reply.header('In-Reply-To'));
  assert.equal(irt.length, 1);
  assert.ok([first.id, msgIds(ack.header('Message-ID'))[0]].includes(irt[0]), 'In-Reply-To names a message of the ticket');
  const refs = msgIds(reply.header('References'));
  assert.ok(refs.includes(first.id), 'References keep the customer\'s first message');
  assert.ok(!/auto-replied|auto-generated/i.test(reply.header('Auto-Submitted') || ''), 'an agent reply is not automatic');

  // Waiting for the customer; the customer answers by mail (In-Reply-To only, plain subject).
  const p = await agent.patch('/api/v1/tickets/' + ref, { status: 'pending' });
  assert.equal(p.status, 200, p.text);
  const answer = mail({ from: cust, subject: 'Re: Deposit missing', inReplyTo: replyId, references: [first.id, replyId], body: 'Here is the screenshot.' });
  const g2 = await mailgate(answer.raw);
  assert.equal(g2.code, 0, g2.stderr);
  const t1 = await getTicket(ref);
  assert.equal(t1.ticket.status, 'open', 'a customer reply re-opens the ticket');
  assert.equal(t1.messages.length, 3);
  assert.match(t1.messages[2].body, /screenshot/);
  assert.equal(t1.messages[2].author.email ?? cust, cust);
  assert.equal((await bySubject('Re: Deposit missing')).length, 0, 'no new ticket');
  // No acknowledgement for a reply.
  await drain();
  assert.equal(toRcpt(sink.messages(), cust).length, 2);
});

// ---- threading ------------------------------------------------------------------------

async function opened(from, subject = uniq('Subject')) {
  const m = mail({ from, subject });
  const j = await ingest(m, { address: 'deposits@frontdesk.test' });
  assert.equal(j.status, 'ticket', JSON.stringify(j));
  assert.match(j.ticket, /^FD-\d+$/);
  return { ref: j.ticket, id: m.id, subject, mailId: j.mail_id };
}

test('threading: In-Reply-To alone joins the ticket', async () => {
  const who = uniq('irt') + '@cust.test';
  const t = await opened(who);
  const j = await ingest(mail({ from: who, subject: 'something else entirely', inReplyTo: t.id }));
  assert.equal(j.ticket, t.ref);
  assert.equal(j.status, 'reply');
  assert.equal((await getTicket(t.ref)).messages.length, 2);
});

test('threading: References alone (no In-Reply-To, unknown ids around it) joins the ticket', async () => {
  const who = uniq('refs') + '@cust.test';
  const t = await opened(who);
  const j = await ingest(mail({ from: who, subject: 'no tag here', references: ['unknown-1@elsewhere.test', t.id, 'unknown-2@elsewhere.test'] }));
  assert.equal(j.ticket, t.ref);
  assert.equal(j.status, 'reply');
});

test('threading: the [FD-n] subject tag under Re:, RE:, AW:, Fwd:, WG: and an encoded 答复:', async () => {
  const who = uniq('tag') + '@cust.test';
  const t = await opened(who, 'Withdrawal stuck');
  const subjects = ['Re:', 'RE:', 'AW:', 'Fwd:', 'WG:'].map((p) => `${p} [${t.ref}] Withdrawal stuck`);
  subjects.push('=?UTF-8?B?' + Buffer.from(`答复: [${t.ref}] 提现卡住`).toString('base64') + '?=');
  subjects.push('=?UTF-8?Q?' + encodeURIComponent(`答复:`).replace(/%/g, '=') + '?= [' + t.ref + '] =?UTF-8?Q?=E6=8F=90=E7=8E=B0?=');
  for (const s of subjects) {
    const j = await ingest(mail({ from: who, subject: s }));
    assert.equal(j.ticket, t.ref, `subject ${s}: ${JSON.stringify(j)}`);
    assert.equal(j.status, 'reply', s);
  }
  assert.equal((await getTicket(t.ref)).messages.length, 1 + subjects.length);
});

test('threading: a tag naming no ticket opens a new one', async () => {
  const j = await ingest(mail({ from: uniq('ghost') + '@cust.test', subject: 'Re: [FD-99999999] old thing' }));
  assert.equal(j.status, 'ticket');
});

test('routing: To, Cc, Delivered-To, X-Original-To and --address pick the department; unknown → account', async () => {
  const cases = [
    [{ to: 'trading@frontdesk.test' }, null, 'trading'],
    [{ to: 'Someone <someone@elsewhere.test>', cc: 'KYC Team <kyc@frontdesk.test>' }, null, 'kyc'],
    [{ to: 'support-list@lists.test', headers: [['Delivered-To', 'withdrawals@frontdesk.test']] }, null, 'deposits'],
    [{ to: 'support-list@lists.test', headers: [['X-Original-To', 'technical@frontdesk.test']] }, null, 'technical'],
    [{ to: 'security@frontdesk.test' }, null, 'account'],
    [{ to: 'nobody-here@frontdesk.test' }, null, 'account'],
    [{ to: 'kyc@frontdesk.test' }, 'trading@frontdesk.test', 'trading'],
    [{ to: 'unknown@frontdesk.test' }, 'unknown-too@frontdesk.test', 'account'],
  ];
  for (const [m, address, dept] of cases) {
    const subject = uniq('route');
    const j = await ingest(mail({ from: uniq('r') + '@cust.test', subject, ...m }), { address: address || undefined });
    const t = await getTicket(j.ticket);
    assert.equal(t.ticket.department, dept, `${JSON.stringify(m)} address=${address}`);
    assert.equal(t.ticket.channel, 'email');
  }
  // and through the mailgate binary itself (its --address)
  const subject = uniq('route-gate');
  const g = await mailgate(mail({ from: uniq('r') + '@cust.test', to: 'x@elsewhere.test', subject }).raw, { address: 'kyc@frontdesk.test' });
  assert.equal(g.code, 0, g.stderr);
  const [t] = await bySubject(subject);
  assert.equal(t.department, 'kyc');
});

// ---- who may write into a ticket ----------------------------------------------------------

test('a stranger replying with the right In-Reply-To or subject tag opens a new linked ticket', async () => {
  const alice = uniq('alice') + '@cust.test';
  const t = await opened(alice, 'Account locked');
  const before0 = await getTicket(t.ref);
  const strangers = [
    mail({ from: 'mallory@evil.test', subject: 'Re: Account locked', inReplyTo: t.id, body: 'Send your seed phrase to unlock.' }),
    mail({ from: 'mallory@evil.test', subject: `Re: [${t.ref}] Account locked`, body: 'Please confirm your 2FA code.' }),
    mail({ from: 'mallory@evil.test', subject: 'Re: Account locked', references: [t.id] }),
  ];
  for (const m of strangers) {
    const j = await ingest(m);
    assert.equal(j.status, 'mismatch', JSON.stringify(j));
    assert.notEqual(j.ticket, t.ref);
    const n = await getTicket(j.ticket);
    assert.equal(n.ticket.follow_up_of, t.ref);
    assert.ok(n.ticket.tags.includes('sender-mismatch'), JSON.stringify(n.ticket.tags));
    assert.equal(n.ticket.requester.email, 'mallory@evil.test');
    assert.equal(n.ticket.department, before0.ticket.department);
  }
  const after0 = await getTicket(t.ref);
  assert.equal(after0.messages.length, 1, 'the original ticket is unchanged');
  assert.equal(after0.ticket.status, before0.ticket.status);
  assert.equal(after0.ticket.updated_at, before0.ticket.updated_at);
});

test('a participant CC\'d on the first mail may reply into the ticket; the requester from another address may not', async () => {
  const alice = uniq('alice') + '@cust.test';
  const bob = uniq('bob') + '@cust.test';
  const m = mail({ from: alice, cc: `Bob <${bob}>, Deposits <deposits@frontdesk.test>`, subject: uniq('cc') });
  const j = await ingest(m);
  const j2 = await ingest(mail({ from: `Bob <${bob.toUpperCase()}>`, subject: 'Re: ' + m.id, inReplyTo: m.id }));
  assert.equal(j2.ticket, j.ticket);
  assert.equal(j2.status, 'reply');
  const j3 = await ingest(mail({ from: 'alice-other@cust.test', subject: 'Re: x', inReplyTo: m.id }));
  assert.equal(j3.status, 'mismatch');
});

test('a forged agent From: with a ticket tag does not write into the customer\'s ticket', async () => {
  // Mail From: is trivially forged; an agent answering by mail is no reason to let anyone
  // who names an agent's address post public replies (which are mailed to the customer).
  const alice = uniq('victim') + '@cust.test';
  const t = await opened(alice, 'Withdrawal pending');
  const before0 = await getTicket(t.ref);
  const j = await ingest(mail({ from: 'Dora Deposits <dora@fd-mail.test>', subject: `Re: [${t.ref}] Withdrawal pending`, body: 'Please send your private key to verify ownership.' }));
  const after0 = await getTicket(t.ref);
  assert.equal(after0.messages.length, before0.messages.length,
    `the sender is neither requester nor participant, so a new linked ticket is expected; got ${JSON.stringify(j)}`);
  assert.equal(j.status, 'mismatch');
});

test('a reply to a closed ticket opens a follow-up', async () => {
  const who = uniq('closed') + '@cust.test';
  const t = await opened(who, 'Old question');
  let p = await admin.patch('/api/v1/tickets/' + t.ref, { status: 'solved' });
  assert.equal(p.status, 200, p.text);
  p = await admin.patch('/api/v1/tickets/' + t.ref, { status: 'closed' });
  assert.equal(p.status, 200, p.text);
  const j = await ingest(mail({ from: who, subject: `Re: [${t.ref}] Old question`, inReplyTo: t.id, body: 'It happened again.' }));
  assert.equal(j.status, 'follow_up', JSON.stringify(j));
  assert.notEqual(j.ticket, t.ref);
  const n = await getTicket(j.ticket);
  assert.equal(n.ticket.follow_up_of, t.ref);
  assert.equal(n.ticket.requester.email, who);
  assert.equal(n.ticket.department, 'deposits');
  assert.match(n.messages.at(-1).body, /happened again/);
  const o = await getTicket(t.ref);
  assert.equal(o.ticket.status, 'closed');
  assert.equal(o.messages.length, 1);
  // The next reply on the thread goes to the follow-up, not the closed ticket again.
  const j2 = await ingest(mail({ from: who, subject: `Re: [${t.ref}] Old question`, inReplyTo: t.id }));
  assert.notEqual(j2.ticket, t.ref);
  assert.equal(n.ticket.channel, 'email', 'the follow-up came in by email');
});

// ---- duplicates, automatic mail, rate limits --------------------------------------------

test('the same Message-ID delivered twice is one ticket; the mailgate exits 0 both times', async () => {
  const subject = uniq('dup');
  const m = mail({ from: uniq('dup') + '@cust.test', subject });
  const g1 = await mailgate(m.raw);
  const g2 = await mailgate(m.raw);
  assert.equal(g1.code, 0, g1.stderr);
  assert.equal(g2.code, 0, g2.stderr);
  const r = await inbound(m.raw);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.duplicate, true);
  assert.equal(r.json.status, 'duplicate');
  const ts = await bySubject(subject);
  assert.equal(ts.length, 1);
  assert.equal(r.json.ticket, ts[0].reference);
  assert.equal((await getTicket(ts[0].reference)).messages.length, 1);
  // Different bytes, same Message-ID (a re-sent copy with other Received: lines): still one.
  const r2 = await inbound('Received: from relay2.test by mx.test; Mon, 11 Mar 2024 10:00:01 +0000\r\n' + m.raw);
  assert.equal(r2.json.duplicate, true, r2.text);
});

test('automatic mail (Auto-Submitted, Precedence: bulk, X-Autoreply) gets no acknowledgement', async () => {
  const autos = [
    ['Auto-Submitted', 'auto-replied'],
    ['Auto-Submitted', 'auto-generated'],
    ['Precedence', 'bulk'],
    ['X-Autoreply', 'yes'],
  ];
  const senders = [];
  for (const h of autos) {
    const who = uniq('auto') + '@cust.test';
    senders.push(who);
    const r = await inbound(mail({ from: who, subject: 'Out of office', headers: [h] }).raw);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.acknowledged, false, `${h.join(': ')}: ${r.text}`);
  }
  // Auto-Submitted: no is a person.
  const human = uniq('human') + '@cust.test';
  const rh = await inbound(mail({ from: human, subject: 'Human', headers: [['Auto-Submitted', 'no']] }).raw);
  assert.equal(rh.json.acknowledged, true, rh.text);
  await mailTo(human);
  await drain();
  for (const who of senders) assert.equal(toRcpt(sink.messages(), who).length, 0, who);
});

test('acknowledgements are rate limited: at most 3 per sender per hour', async () => {
  const who = uniq('flood') + '@cust.test';
  const acked = [];
  for (let i = 0; i < 6; i++) {
    const r = await inbound(mail({ from: who, subject: uniq('flood request') }).raw);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.status, 'ticket');
    acked.push(r.json.acknowledged);
  }
  assert.deepEqual(acked, [true, true, true, false, false, false]);
  await drain();
  assert.equal(toRcpt(sink.messages(), who).length, 3);
});

// ---- bounces ------------------------------------------------------------------------

function dsn(failedId, rcpt, { id = uniq('dsn') + '@mx.test' } = {}) {
  const body = [
    '--B0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'Your message could not be delivered.',
    '',
    '--B0',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.cust.test',
    '',
    `Final-Recipient: rfc822; ${rcpt}`,
    'Action: failed',
    'Status: 5.1.1',
    'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
    '',
    '--B0',
    'Content-Type: text/rfc822-headers',
    '',
    'From: Frontdesk Support <deposits@frontdesk.test>',
    `To: ${rcpt}`,
    `Message-ID: <${failedId}>`,
    'Subject: [FD-1] whatever',
    '',
    '--B0--',
  ].join('\r\n');
  return mail({
    from: 'Mail Delivery System <MAILER-DAEMON@mx.cust.test>', to: 'deposits@frontdesk.test',
    subject: 'Undelivered Mail Returned to Sender', id,
    headers: [['Return-Path', '<>'], ['Auto-Submitted', 'auto-replied']],
    contentType: 'multipart/report; report-type=delivery-status; boundary="B0"', body,
  });
}

test('a bounce attaches to the ticket whose mail bounced, as an internal note, and marks the delivery failed', { timeout: 30000 }, async () => {
  const who = uniq('bouncy') + '@cust.test';
  const t = await opened(who, 'Will bounce');
  const [ack] = await mailTo(who);
  const ackId = msgIds(ack.header('Message-ID'))[0];
  const b = dsn(ackId, who);
  const g = await mailgate(b.raw);
  assert.equal(g.code, 0, g.stderr);
  const again = await inbound(b.raw);
  assert.equal(again.json.duplicate, true);
  assert.equal(again.json.ticket, t.ref, 'the bounce is recorded on the ticket');
  const tk = await getTicket(t.ref);
  const note = tk.messages.find((m) => m.internal && /bounced|Delivery failed/i.test(m.body));
  assert.ok(note, 'an internal note about the bounce: ' + JSON.stringify(tk.messages.map((m) => m.body)));
  assert.ok(note.body.includes(ackId) || note.body.includes(who));
  assert.equal(tk.messages.filter((m) => !m.internal).length, 1, 'no public message from the bounce');
  // The customer never sees it.
  // (agents see it in GET ticket; the delivery itself is marked failed in the outbox)
  assert.equal(sql(srv.dataDir, `SELECT status FROM mail_messages WHERE direction='out' AND message_id='${ackId}'`), 'failed');
  assert.equal(sql(srv.dataDir, `SELECT o.status FROM outbox o JOIN mail_messages m ON m.id=o.mail_id WHERE m.message_id='${ackId}'`), 'failed');
  // A bounce for nothing of ours is still stored, without a ticket and without an ack.
  const u = await inbound(dsn('never-sent@frontdesk.test', 'x@cust.test').raw);
  assert.equal(u.status, 201, u.text);
  assert.equal(u.json.status, 'bounce_unmatched');
  assert.equal(u.json.ticket, null);
  assert.equal(u.json.acknowledged, false);
});

test('a bounce for mail on a ticket that was closed meanwhile is still stored', async () => {
  const who = uniq('bounce-closed') + '@cust.test';
  const t = await opened(who, 'Closed then bounced');
  const [ack] = await mailTo(who);
  await admin.patch('/api/v1/tickets/' + t.ref, { status: 'solved' });
  const p = await admin.patch('/api/v1/tickets/' + t.ref, { status: 'closed' });
  assert.equal(p.status, 200, p.text);
  const r = await inbound(dsn(msgIds(ack.header('Message-ID'))[0], who).raw);
  assert.equal(r.status, 201, `a new bounce must be stored, not reported as a duplicate: ${r.text}`);
  assert.equal(r.json.duplicate, false);
  assert.ok(r.json.mail_id > 0);
});

// ---- raw records ------------------------------------------------------------------------

async function rawOf(mailId, c = admin) {
  const res = await fetch(`${srv.url}/api/v1/mail/${mailId}/raw`, { headers: { cookie: c.cookie } });
  assert.equal(res.status, 200, `raw ${mailId}: ${res.status}`);
  assert.match(res.headers.get('content-type') || '', /message\/rfc822/);
  return Buffer.from(await res.arrayBuffer());
}

test('the raw bytes come back identical from GET /api/v1/mail/{id}/raw', async () => {
  const m = mail({ from: uniq('raw') + '@cust.test', subject: 'Raw' });
  // Mixed line ends, 8-bit bytes, a NUL, trailing whitespace and no final newline.
  const raw = Buffer.concat([Buffer.from(m.raw.replace('Hello', 'Hello \t')), Buffer.from([0xe2, 0x82, 0xac, 0x0a, 0xff, 0x00, 0x0d, 0x41, 0x20])]);
  const j = await ingest(raw);
  assert.ok(j.mail_id > 0);
  assert.ok((await rawOf(j.mail_id)).equals(raw));
  // Customers never get the raw record (agents only).
  const c = new Client(srv.url);
  await c.signup(uniq('peek') + '@cust.test');
  const res = await fetch(`${srv.url}/api/v1/mail/${j.mail_id}/raw`, { headers: { cookie: c.cookie } });
  assert.ok(res.status === 403 || res.status === 404, String(res.status));
});

function corpusFiles(dir, n) {
  let files = [];
  try { files = readdirSync(dir).filter((f) => !f.startsWith('.')).sort(); } catch { return []; }
  if (n && files.length > n) {
    const step = files.length / n;
    files = Array.from({ length: n }, (_, i) => files[Math.floor(i * step)]);
  }
  return files.map((f) => join(dir, f));
}

async function ingestCorpus(files) {
  const firstById = new Map();
  const problems = [];
  for (const f of files) {
    const raw = readFileSync(f);
    const r = await inbound(raw);
    if (r.status >= 500 || !(r.status === 201 || r.status === 200)) { problems.push(`${f}: ${r.status} ${r.text}`); continue; }
    const back = await rawOf(r.json.mail_id);
    if (r.json.duplicate) {
      // Another corpus file with the same Message-ID came first: it is that one's record.
      if (!firstById.has(r.json.mail_id)) problems.push(`${f}: duplicate of an unknown record ${r.text}`);
      continue;
    }
    firstById.set(r.json.mail_id, f);
    if (!back.equals(raw)) problems.push(`${f}: raw differs (${back.length} vs ${raw.length} bytes)`);
  }
  return problems;
}

test('every python-test-email corpus message ingests without a 5xx and keeps its raw bytes', { timeout: 120000 }, async (t) => {
  const files = corpusFiles(join(CORPUS, 'python-test-email'));
  if (files.length === 0) { t.skip('corpus not present'); return; }
  assert.equal(files.length, 47);
  const problems = await ingestCorpus(files);
  assert.deepEqual(problems, []);
});

test('a sample of 50 spamassassin messages ingests without a 5xx and keeps its raw bytes', { timeout: 120000 }, async (t) => {
  const files = ['ham', 'hard-ham', 'spam'].flatMap((d) => corpusFiles(join(CORPUS, 'spamassassin', d), 17)).slice(0, 50);
  if (files.length === 0) { t.skip('corpus not present'); return; }
  const problems = await ingestCorpus(files);
  assert.deepEqual(problems, []);
});

// ---- failures around the server ------------------------------------------------------------

test('mailgate: server down → 75; later the same message → 0 and it arrives', async () => {
  const subject = uniq('down');
  const m = mail({ from: uniq('down') + '@cust.test', subject });
  const closed = await freePort();
  const g1 = await mailgate(m.raw, { url: `http://127.0.0.1:${closed}` });
  assert.equal(g1.code, 75, g1.stderr);
  assert.equal((await bySubject(subject)).length, 0);
  const g2 = await mailgate(m.raw);
  assert.equal(g2.code, 0, g2.stderr);
  assert.equal((await bySubject(subject)).length, 1);
});

test('mailgate: a server that cannot store (5xx) → 75 and nothing half-stored; a bad token → 75', async () => {
  const subject = uniq('5xx');
  const m = mail({ from: uniq('fivexx') + '@cust.test', subject });
  const mailDir = join(srv.dataDir, 'mail');
  const aside = join(srv.dataDir, 'mail.aside-5xx');
  renameSync(mailDir, aside);
  writeFileSync(mailDir, 'not a directory');
  let g;
  try {
    g = await mailgate(m.raw);
    const r = await inbound(m.raw);
    assert.ok(r.status >= 500, r.text);
  } finally {
    rmSync(mailDir, { force: true });
    renameSync(aside, mailDir);
  }
  assert.equal(g.code, 75, g.stderr);
  assert.equal((await bySubject(subject)).length, 0);
  const bad = await mailgate(m.raw, { tok: 'not-a-token' });
  assert.equal(bad.code, 75, bad.stderr);
  assert.equal((await bySubject(subject)).length, 0);
  const g2 = await mailgate(m.raw);
  assert.equal(g2.code, 0, g2.stderr);
  assert.equal((await bySubject(subject)).length, 1);
});

test('SMTP down: acknowledgements and replies stay queued and all arrive, once, after a restart', { timeout: 60000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fd-mail-smtpdown-'));
  const port = await freePort();
  let s1, s2, sk;
  try {
    const env = { ...mailEnv(`smtp://127.0.0.1:${port}`), FRONTDESK_MAIL_MAX_ATTEMPTS: '50' };
    const a = await setupServer(env, dataDir);
    s1 = a.srv;
    const who = uniq('queued') + '@cust.test';
    const r = await inbound(mail({ from: who, subject: 'Queued while SMTP is down' }).raw, { base: s1.url, tok: a.token });
    assert.equal(r.status, 201, r.text);
    const rep = await a.agent.post(`/api/v1/tickets/${r.json.ticket}/messages`, { body: 'Reply while SMTP is down.' });
    assert.equal(rep.status, 201, rep.text);
    // Let a few delivery attempts fail.
    await waitFor(() => Number(sql(dataDir, "SELECT count(*) FROM outbox_attempts WHERE ok = 0")) >= 2,
      { timeout: 15000, what: 'failed delivery attempts' });
    assert.equal(sql(dataDir, "SELECT count(*) FROM outbox WHERE status = 'queued'"), '2');
    await s1.stop();
    sk = await startSmtpSink({ port });
    s2 = await startServer({ env, dataDir });
    const ms = await mailTo(who, 2, sk, 20000);
    assert.equal(ms.length, 2);
    assert.match(ms.map((m) => m.body).join('\n'), /Reply while SMTP is down/);
    await sleep(1500);
    assert.equal(toRcpt(sk.messages(), who).length, 2, 'each message exactly once');
  } finally {
    await s1?.stop({ keep: true });
    await s2?.stop({ keep: true });
    await sk?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a permanent SMTP failure (550) shows on the ticket as an internal note', { timeout: 60000 }, async () => {
  const sk = await startSmtpSink();
  let a;
  try {
    a = await setupServer(mailEnv(sk.url));
    sk.fail('550 5.1.1 No such user here');
    const who = uniq('nouser') + '@cust.test';
    const r = await inbound(mail({ from: who, subject: 'Permanent failure' }).raw, { base: a.srv.url, tok: a.token });
    assert.equal(r.status, 201, r.text);
    const ref = r.json.ticket;
    const note = await waitFor(async () => {
      const t = await getTicket(ref, a.admin);
      return t.messages.find((m) => m.internal && /could not be delivered/.test(m.body));
    }, { timeout: 15000, what: 'the delivery failure note' });
    assert.match(note.body, /550/);
    assert.ok(note.body.includes(who));
    assert.equal(sql(a.srv.dataDir, "SELECT status || ':' || attempts FROM outbox WHERE kind = 'ack'"), 'failed:1', 'a 5xx is not retried');

    // The same on a ticket closed before the reply could be delivered: the failure is
    // recorded once (not retried forever because the note cannot go on a closed ticket).
    sk.fail('451 4.3.0 Try again later');
    const rep = await a.agent.post(`/api/v1/tickets/${ref}/messages`, { body: 'Closing this.' });
    assert.equal(rep.status, 201, rep.text);
    await waitFor(() => sql(a.srv.dataDir, "SELECT attempts FROM outbox WHERE kind = 'reply'") >= '1',
      { timeout: 10000, what: 'a first (temporary) failure of the reply' });
    await a.admin.patch('/api/v1/tickets/' + ref, { status: 'solved' });
    const p = await a.admin.patch('/api/v1/tickets/' + ref, { status: 'closed' });
    assert.equal(p.status, 200, p.text);
    sk.fail('550 5.1.1 No such user here');
    const state = await waitFor(() => {
      const v = sql(a.srv.dataDir, "SELECT status FROM outbox WHERE kind = 'reply'");
      return v === 'failed' ? v : null;
    }, { timeout: 10000, what: 'the reply delivery to fail for good' }).catch(() =>
      sql(a.srv.dataDir, "SELECT status || ' after ' || attempts || ' recorded attempts' FROM outbox WHERE kind = 'reply'"));
    assert.equal(state, 'failed', 'a permanently failed reply on a closed ticket is marked failed (not retried every poll)');
  } finally {
    sk.fail(null);
    await a?.srv.stop();
    await sk.stop();
  }
});

test('an agent reply with a screenshot is mailed with the file attached', { timeout: 30000 }, async () => {
  const cust = uniq('shot') + '@example.net';
  const t = await opened(cust);
  await mailTo(cust, 1); // the acknowledgement
  // a 1x1 PNG
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082', 'hex');
  const up = await fetch(srv.url + `/api/v1/tickets/${t.ref}/attachments?filename=txid-proof.png`, {
    method: 'POST', body: png,
    headers: { 'content-type': 'image/png', cookie: admin.cookie, 'x-csrf-token': admin.csrf },
  });
  const upText = await up.text();
  assert.equal(up.status, 201, upText);
  const att = JSON.parse(upText).attachment;
  const r = await admin.post(`/api/v1/tickets/${t.ref}/messages`, { body: 'Here is the proof of the transfer.', attachment_ids: [att.id] });
  assert.equal(r.status, 201, r.text);
  const ms = await mailTo(cust, 2);
  const m = ms[1];
  assert.match(m.header('Content-Type'), /multipart\/mixed/i);
  assert.match(m.body, /txid-proof\.png/);
  assert.match(m.body, new RegExp(png.toString('base64').slice(0, 40).replace(/[+/]/g, (c) => '\\' + c)));
});
