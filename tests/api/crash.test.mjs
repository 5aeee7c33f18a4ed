// Durability: tickets acknowledged with 201 survive a kill -9 of the server, and the
// database passes an integrity check afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client } from '../lib/server.mjs';

const WORKERS = 8, MAX_TOTAL = 400, MAX_MS = 20000, KILL_AFTER_ACKS = 150, KILL_AFTER_MS = 6000;
let dataDir, srv, srv2;
const SUP = { email: 'sup@fd.test', password: 'supervisor-password' };

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'fd-crash-'));
  srv = await startServer({ dataDir });
  srv.addUser({ email: SUP.email, role: 'supervisor', password: SUP.password });
});
after(async () => {
  if (srv) await srv.stop();
  if (srv2) await srv2.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('every acknowledged ticket survives kill -9; the database is intact', async (t) => {
  const clients = [];
  for (let i = 0; i < WORKERS; i++) {
    const c = new Client(srv.url);
    await c.signup(`worker${i}@fd.test`, 'worker-password-' + i, 'Worker ' + i);
    clients.push(c);
  }
  const acked = new Map(); // reference → {subject, body}
  let attempts = 0, killed = false;
  const t0 = Date.now();
  const kill = () => { if (!killed) { killed = true; srv.proc.kill('SIGKILL'); } };

  const worker = async (c, w) => {
    for (let i = 0; ; i++) {
      if (killed || attempts >= MAX_TOTAL || Date.now() - t0 > MAX_MS) return;
      attempts++;
      const body = { subject: `crash w${w} #${i}`, body: `payload ${w}-${i} ` + 'x'.repeat(200), department: 'deposits', tags: ['crash'] };
      let r;
      try { r = await c.post('/api/v1/tickets', body); } catch { return; /* connection died with the server */ }
      if (r.status === 201) {
        acked.set(r.json.ticket.reference, body);
        if (acked.size >= KILL_AFTER_ACKS || Date.now() - t0 > KILL_AFTER_MS) kill();
      } else if (!killed) {
        assert.fail(`unexpected ${r.status} while the server was up: ${r.text}`);
      }
    }
  };
  await Promise.all(clients.map((c, w) => worker(c, w)));
  kill();
  const ex = await srv.exited;
  assert.equal(ex.sig, 'SIGKILL');
  srv = null;
  t.diagnostic(`${acked.size} acknowledged of ${attempts} attempts in ${Date.now() - t0} ms before kill -9`);
  assert.ok(acked.size >= 20, `too few tickets acknowledged before the kill: ${acked.size}`);

  srv2 = await startServer({ dataDir });
  const sup = new Client(srv2.url);
  await sup.login(SUP.email, SUP.password);

  // every acknowledged reference is in the list, exactly once
  const listed = [];
  let cursor = null;
  do {
    const r = await sup.get('/api/v1/tickets?tag=crash&limit=100' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    assert.equal(r.status, 200, r.text);
    listed.push(...r.json.tickets.map((t) => t.reference));
    cursor = r.json.next_cursor;
  } while (cursor);
  assert.equal(new Set(listed).size, listed.length, 'duplicate references after restart');
  const missing = [...acked.keys()].filter((ref) => !listed.includes(ref));
  assert.deepEqual(missing, [], `${missing.length} of ${acked.size} acknowledged tickets lost`);

  // and each one is complete: subject and first message
  for (const [ref, body] of acked) {
    const g = await sup.get('/api/v1/tickets/' + ref);
    assert.equal(g.status, 200, `${ref}: ${g.text}`);
    assert.equal(g.json.ticket.subject, body.subject);
    assert.equal(g.json.messages[0]?.body, body.body, ref);
  }

  // the restarted server still takes writes
  const c = new Client(srv2.url);
  await c.login('worker0@fd.test', 'worker-password-0');
  const after = await c.post('/api/v1/tickets', { subject: 'after restart', body: 'ok', department: 'deposits' });
  assert.equal(after.status, 201, after.text);
  assert.ok(!acked.has(after.json.ticket.reference), 'a reference was reused after restart');

  await srv2.stop();
  srv2 = null;
  const check = execFileSync('sqlite3', [join(dataDir, 'frontdesk.db'), 'PRAGMA integrity_check'], { encoding: 'utf8' }).trim();
  assert.equal(check, 'ok');
});
