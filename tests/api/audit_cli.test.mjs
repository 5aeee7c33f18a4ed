// The tamper-evident record through the CLI (docs/audit.md): events written by a running
// server are chained; `frontdesk audit verify` passes on the untouched database and, on
// copies altered with the sqlite3 shell, names the altered, deleted and forged row and
// the start of a deleted tail (against a head anchored with `frontdesk audit head`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client, cli, cliResult } from '../lib/server.mjs';

let srv;
let head; // "events:ID:HASH" anchored before any tampering
let rows;
const copies = [];

function sqlite(dir, sql) {
  return execFileSync('sqlite3', [join(dir, 'frontdesk.db'), sql], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A copy of the server's database, made with SQLite's own backup (WAL included). */
function copy() {
  const dir = mkdtempSync(join(tmpdir(), 'fd-audit-'));
  copies.push(dir);
  sqlite(srv.dataDir, `.backup '${join(dir, 'frontdesk.db')}'`);
  return dir;
}

function verify(dir, ...extra) {
  return cliResult(['audit', 'verify', '--data-dir', dir, ...extra]);
}

before(async () => {
  srv = await startServer();
  const ag = srv.addUser({ email: 'sue@fd.test', name: 'Sue', role: 'supervisor' });
  const cust = new Client(srv.url);
  await cust.signup('cust@fd.test', 'customer-pass-1', 'Customer');
  const agent = new Client(srv.url);
  await agent.login(ag.email, ag.password);
  for (let i = 0; i < 4; i++) {
    const r = await cust.post('/api/v1/tickets', { subject: `Withdrawal ${i}`, body: 'stuck', department: 'deposits' });
    assert.equal(r.status, 201, r.text);
    const m = await agent.post(`/api/v1/tickets/${r.json.ticket.reference}/messages`, { body: 'looking into it' });
    assert.equal(m.status, 201, m.text);
  }
  await srv.stop({ keep: true });
  const out = cli(['audit', 'head', '--data-dir', srv.dataDir]);
  head = out.split('\n').find((l) => l.startsWith('events:'));
  assert.match(head, /^events:\d+:[0-9a-f]{64}$/);
  rows = Number(head.split(':')[1]);
  assert.ok(rows >= 8, `expected several events, head is ${head}`);
});

after(async () => {
  await srv?.stop({ keep: true });
  for (const d of copies) rmSync(d, { recursive: true, force: true });
  if (srv) rmSync(srv.dataDir, { recursive: true, force: true });
});

test('untouched database verifies: exit 0, row count and the same head as `audit head`', () => {
  const r = verify(srv.dataDir, '--anchor', head);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^events: intact, ${rows} rows, anchored head found, head ${head}$`, 'm'));
  assert.match(r.stdout, /^complaint_events: intact, 0 rows/m);
});

test('the store refuses to change or delete events, and a plain sqlite3 shell cannot add one', () => {
  const dir = copy();
  assert.throws(() => sqlite(dir, "UPDATE events SET data = '{}' WHERE id = 2"), /append-only/);
  assert.throws(() => sqlite(dir, 'DELETE FROM events WHERE id = 2'), /append-only/);
  assert.throws(() => sqlite(dir, "INSERT INTO events (type, data, created_at) VALUES ('x', '{}', 1)"),
    /fd_chain_hash/);
  assert.equal(verify(dir, '--anchor', head).status, 0);
});

test('an altered payload is named by row id', () => {
  const dir = copy();
  sqlite(dir, "DROP TRIGGER events_append_only; UPDATE events SET data = json_set(data, '$.forged', 1) WHERE id = 3");
  const r = verify(dir);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^events: TAMPERED at row 3: row 3 was altered/m);
});

test('a deleted middle row is named by row id', () => {
  const dir = copy();
  sqlite(dir, 'DROP TRIGGER events_no_delete; DELETE FROM events WHERE id = 5');
  const r = verify(dir);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^events: TAMPERED at row 5: row 5 was deleted/m);
});

test('a forged row inserted with the sqlite3 shell is named by row id', () => {
  const dir = copy();
  // The shell lacks fd_chain_hash, so the forger drops the trigger and copies the last link.
  sqlite(dir, 'DROP TRIGGER events_chain; INSERT INTO events (ticket_id, actor_id, type, data, created_at, prev_hash, hash) ' +
    `SELECT ticket_id, actor_id, 'status_changed', '{"to":"solved"}', created_at, hash, hash FROM events WHERE id = ${rows}`);
  const r = verify(dir);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^events: TAMPERED at row ${rows + 1}: `, 'm'));
  const bare = copy();
  sqlite(bare, "DROP TRIGGER events_chain; INSERT INTO events (type, data, created_at) VALUES ('note', '{}', 1)");
  const r2 = verify(bare);
  assert.equal(r2.status, 1);
  assert.match(r2.stdout, new RegExp(`^events: TAMPERED at row ${rows + 1}: row ${rows + 1} has no chain hash`, 'm'));
});

test('a truncated tail passes alone but fails against the anchored head, naming the first deleted row', () => {
  const dir = copy();
  const keep = rows - 3;
  sqlite(dir, `DROP TRIGGER events_no_delete; DELETE FROM events WHERE id > ${keep}`);
  const plain = verify(dir);
  assert.equal(plain.status, 0, 'without an anchor a shorter chain is indistinguishable');
  const r = verify(dir, '--anchor', head);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^events: TAMPERED at row ${keep + 1}: row ${keep + 1} was deleted`, 'm'));
});

test('a database from before migration 017 is backfilled to the very same chain', () => {
  const dir = copy();
  // Undo 017 by hand (old schema, no hashes), then let the binary migrate it again.
  sqlite(dir, 'DROP TRIGGER events_chain; DROP TRIGGER events_append_only; DROP TRIGGER events_no_delete; ' +
    'DROP TRIGGER complaint_events_chain; DROP TRIGGER complaint_events_append_only; ' +
    'ALTER TABLE events DROP COLUMN hash; ALTER TABLE events DROP COLUMN prev_hash; ' +
    'ALTER TABLE complaint_events DROP COLUMN hash; ALTER TABLE complaint_events DROP COLUMN prev_hash; ' +
    "CREATE TRIGGER complaint_events_append_only BEFORE UPDATE ON complaint_events BEGIN SELECT RAISE(ABORT, 'x'); END; " +
    'DELETE FROM schema_migrations WHERE version = 17');
  const r = verify(dir, '--anchor', head);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`head ${head}$`, 'm'));
});

test('bad usage: malformed anchor and unknown subcommand exit 2 with a reason', () => {
  let r = verify(srv.dataDir, '--anchor', 'events:1:nothex');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad anchor "events:1:nothex"/);
  r = verify(srv.dataDir, '--anchor', 'messages:1:' + '0'.repeat(64));
  assert.equal(r.status, 2);
  r = cliResult(['audit', 'rewrite', '--data-dir', srv.dataDir]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown subcommand "rewrite"/);
  r = cliResult(['audit', '--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /verify/);
});
