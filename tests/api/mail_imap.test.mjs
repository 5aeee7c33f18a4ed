// IMAP polling against a private Dovecot: every unseen message is ingested (an unparsable
// one too), flagged \Seen only after it is stored, a failure leaves the message unseen and
// does not block the others, a too-large message is left alone, and a message that also
// came through the mailgate is ingested once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { renameSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, Client, cli, BIN } from '../lib/server.mjs';
import { startDovecot, imapConnect, waitFor, sleep } from '../lib/mailservers.mjs';

let dv, srv, admin, token;

function mail({ from, to = 'deposits@frontdesk.test', subject, id, body = 'Hello support.' }) {
  return [
    `From: ${from}`, `To: ${to}`, `Subject: ${subject}`, `Message-ID: <${id}>`,
    'Date: Mon, 11 Mar 2024 10:00:00 +0000', 'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8', '', body, '',
  ].join('\r\n');
}

async function allTickets() {
  const out = [];
  let cursor = null;
  for (let i = 0; i < 50; i++) {
    const r = await admin.get('/api/v1/tickets?limit=100' + (cursor ? '&cursor=' + cursor : ''));
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.tickets);
    cursor = r.json.next_cursor;
    if (!cursor) break;
  }
  return out;
}

async function bySubject(subject) {
  return (await allTickets()).filter((t) => t.subject === subject);
}

async function unseen() {
  const c = await imapConnect(dv.port);
  try {
    await c.login(dv.user, dv.password);
    const s = await c.cmd('SELECT INBOX');
    assert.ok(s.ok, s.text);
    return {
      unseen: await c.search('UNSEEN'),
      // Not yet stored: unseen, or being fetched right now (libcurl fetches BODY[], which
      // sets \Seen at once; the poller marks such a message $FrontdeskPending first and
      // takes \Seen back if storing fails).
      waiting: await c.search('OR UNSEEN KEYWORD $FrontdeskPending'),
      pending: await c.search('KEYWORD $FrontdeskPending'),
      tooLarge: await c.search('KEYWORD $FrontdeskTooLarge'),
      all: await c.search('ALL'),
    };
  } finally { c.close(); }
}

function mailgate(raw) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, ['mailgate', '--url', srv.url, '--address', 'deposits@frontdesk.test'], {
      env: { ...process.env, FRONTDESK_MAILGATE_TOKEN: token }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (d) => { stderr += d; });
    const t = setTimeout(() => { p.kill('SIGKILL'); reject(new Error('mailgate hung')); }, 30000);
    p.on('exit', (code) => { clearTimeout(t); resolve({ code, stderr }); });
    p.stdin.end(raw);
  });
}

before(async () => {
  dv = await startDovecot();
  // Three messages wait before the server starts: two good ones and garbage bytes.
  dv.deliver(mail({ from: 'Ann <ann@imap.test>', subject: 'IMAP first', id: 'imap-1@imap.test' }));
  dv.deliver(Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0x3a, 0x3a, 0x0d, 0x0a, 0x80, 0x81, 0x0d, 0x0d, 0x0a, 0x20, 0x3c]));
  dv.deliver(mail({ from: 'bob@imap.test', to: 'trading@frontdesk.test', subject: 'IMAP third', id: 'imap-3@imap.test' }));
  srv = await startServer({
    env: {
      FRONTDESK_IMAP_URLS: dv.url,
      FRONTDESK_IMAP_USERNAME: dv.user,
      FRONTDESK_IMAP_PASSWORD: dv.password,
      FRONTDESK_MAIL_POLL_MS: '100',
      FRONTDESK_IMAP_POLL_MS: '100',
    },
  });
  const a = srv.addUser({ email: 'admin@imap-fd.test', name: 'Admin', role: 'admin' });
  admin = new Client(srv.url);
  await admin.login(a.email, a.password);
  token = cli(['token', 'create', '--email', a.email, '--name', 'mailgate', '--scopes', 'mail:ingest',
    '--data-dir', srv.dataDir]).trim();
});

after(async () => {
  await srv?.stop();
  await dv?.stop();
});

test('the waiting messages (one unparsable) are ingested and flagged \\Seen', { timeout: 30000 }, async () => {
  let tickets = [];
  await waitFor(async () => { tickets = await allTickets(); return tickets.length >= 3; },
    { timeout: 15000, what: '3 tickets from IMAP' }).catch(() => {});
  const notStored = srv.stderr().split('\n').filter((l) => /not stored/.test(l)).slice(0, 2).join('\n');
  assert.equal(tickets.length, 3, `3 tickets expected, got ${JSON.stringify(tickets.map((t) => t.subject))}; server log:\n${notStored}`);
  const first = tickets.find((t) => t.subject === 'IMAP first');
  const third = tickets.find((t) => t.subject === 'IMAP third');
  assert.ok(first && third, JSON.stringify(tickets.map((t) => t.subject)));
  assert.equal(first.channel, 'email');
  assert.equal(first.department, 'deposits');
  assert.equal(third.department, 'trading');
  assert.equal(first.requester.email, 'ann@imap.test');
  const garbage = tickets.find((t) => t !== first && t !== third);
  assert.equal(garbage.channel, 'email');
  const state = await waitFor(async () => {
    const s = await unseen();
    return s.unseen.length === 0 ? s : null;
  }, { timeout: 10000, what: 'no unseen messages' });
  assert.equal(state.all.length, 3);
  assert.deepEqual(state.pending, [], 'the pending keyword is cleared after the commit');
});

test('a message that cannot be stored stays unseen, and is ingested once storing works again', { timeout: 40000 }, async () => {
  // Unseen before (the garbage message, while the intake refuses it: see the first test).
  const before = (await unseen()).waiting;
  // Make the raw-message store unusable: DATA_DIR/mail becomes a file.
  const mailDir = join(srv.dataDir, 'mail');
  const aside = join(srv.dataDir, 'mail.aside');
  renameSync(mailDir, aside);
  writeFileSync(mailDir, 'not a directory');
  try {
    dv.deliver(mail({ from: 'cara@imap.test', subject: 'IMAP blocked A', id: 'imap-blocked-a@imap.test' }));
    dv.deliver(mail({ from: 'dan@imap.test', subject: 'IMAP blocked B', id: 'imap-blocked-b@imap.test' }));
    // Several polls happen meanwhile (100 ms each); the messages must stay unseen.
    await sleep(1500);
    const s = await unseen();
    const fresh = s.waiting.filter((u) => !before.includes(u));
    assert.equal(fresh.length, 2, `both failed messages stay unseen: ${JSON.stringify(s)}`);
    assert.equal((await bySubject('IMAP blocked A')).length, 0);
    assert.match(srv.stderr(), /imap message not stored/);
    assert.doesNotMatch(srv.stderr(), /Hello support/, 'message bodies are never logged');
  } finally {
    rmSync(mailDir, { force: true });
    renameSync(aside, mailDir);
  }
  await waitFor(async () => (await bySubject('IMAP blocked B')).length === 1 &&
    (await bySubject('IMAP blocked A')).length === 1, { timeout: 10000, what: 'both tickets' });
  await waitFor(async () => (await unseen()).unseen.every((u) => before.includes(u)),
    { timeout: 10000, what: 'seen flags' });
  assert.equal((await bySubject('IMAP blocked A')).length, 1);
});

test('a message over the size limit is left unseen and does not block the next one', { timeout: 60000 }, async () => {
  const before = (await unseen()).waiting;
  const big = mail({ from: 'huge@imap.test', subject: 'IMAP huge', id: 'imap-huge@imap.test', body: 'x'.repeat(76) + '\r\n' }) +
    ('y'.repeat(998) + '\r\n').repeat(26 * 1024);
  dv.deliver(big);
  dv.deliver(mail({ from: 'eve@imap.test', subject: 'IMAP after huge', id: 'imap-after-huge@imap.test' }));
  await waitFor(async () => (await bySubject('IMAP after huge')).length === 1, { timeout: 20000, what: 'the message after the huge one' });
  const s = await waitFor(async () => { const x = await unseen(); return x.tooLarge.length === 1 ? x : null; },
    { timeout: 10000, what: 'the too-large keyword' });
  assert.deepEqual(s.unseen.filter((u) => !before.includes(u)), s.tooLarge, 'only the huge message is unseen');
  assert.equal((await bySubject('IMAP huge')).length, 0);
});

test('the same Message-ID through the mailgate and IMAP becomes one ticket', { timeout: 30000 }, async () => {
  const before = (await unseen()).waiting;
  const raw = mail({ from: 'fay@imap.test', subject: 'IMAP and pipe', id: 'imap-both@imap.test' });
  const g = await mailgate(raw);
  assert.equal(g.code, 0, g.stderr);
  dv.deliver(raw);
  // and the other order: IMAP first, the mailgate second
  const raw2 = mail({ from: 'gus@imap.test', subject: 'IMAP then pipe', id: 'imap-both-2@imap.test' });
  dv.deliver(raw2);
  await waitFor(async () => (await bySubject('IMAP then pipe')).length === 1, { timeout: 10000, what: 'IMAP ticket' });
  const g2 = await mailgate(raw2);
  assert.equal(g2.code, 0, g2.stderr);
  await waitFor(async () => (await unseen()).unseen.every((u) => before.includes(u)),
    { timeout: 10000, what: 'seen flags' });
  assert.equal((await bySubject('IMAP and pipe')).length, 1);
  assert.equal((await bySubject('IMAP then pipe')).length, 1);
  const t = (await bySubject('IMAP and pipe'))[0];
  const g3 = await admin.get('/api/v1/tickets/' + t.reference);
  assert.equal(g3.json.messages.length, 1, 'the IMAP copy added no message');
});

test('a message left \\Seen by a crash during intake ($FrontdeskPending) is picked up again', { timeout: 30000 }, async () => {
  const raw = mail({ from: 'hal@imap.test', subject: 'IMAP crash recovery', id: 'imap-crash@imap.test' });
  const c = await imapConnect(dv.port);
  try {
    await c.login(dv.user, dv.password);
    const r = await c.cmd(`APPEND INBOX (\\Seen $FrontdeskPending) {${Buffer.byteLength(raw)}+}\r\n${raw}`);
    assert.ok(r.ok, r.text);
  } finally { c.close(); }
  await waitFor(async () => (await bySubject('IMAP crash recovery')).length === 1, { timeout: 10000, what: 'the recovered message' });
  await waitFor(async () => (await unseen()).pending.length === 0, { timeout: 10000, what: 'the pending keyword to clear' });
  assert.equal((await bySubject('IMAP crash recovery')).length, 1);
});
