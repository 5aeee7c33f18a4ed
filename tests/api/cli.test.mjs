// The frontdesk command line: help, errors, users, migrate, schema version guard, env config, demo.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client, cli, cliResult, BIN } from '../lib/server.mjs';

const dirs = [];
function tmp() { const d = mkdtempSync(join(tmpdir(), 'fd-cli-')); dirs.push(d); return d; }
/** A fresh, migrated data dir. */
function migrated() { const d = tmp(); const r = cliResult(['migrate', '--data-dir', d]); assert.equal(r.status, 0, r.stderr); return d; }
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function addUser(dir, email, role = 'customer', password = 'correct-horse-battery', extra = []) {
  return cliResult(['user', 'add', '--data-dir', dir, '--email', email, '--name', email.split('@')[0], '--role', role, '--password-stdin', ...extra],
    { input: password + '\n' });
}

/** Spawns a command and waits for it to exit or print `listening on`. */
function run(args, { env, timeout = 10000 } = {}) {
  return new Promise((resolve) => {
    const p = spawn(BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '', settled = false;
    const finish = (v) => { if (!settled) { settled = true; clearTimeout(timer); resolve(v); } };
    const timer = setTimeout(() => { p.kill('SIGKILL'); finish({ code: null, out, err, timedOut: true, proc: p }); }, timeout);
    p.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) finish({ listening: m[1], out, err, proc: p });
    });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => finish({ code, out, err }));
  });
}

test('frontdesk --help exits 0 and lists the commands', () => {
  const r = cliResult(['--help']);
  assert.equal(r.status, 0, r.stderr);
  for (const c of ['serve', 'user', 'demo', 'migrate']) assert.match(r.stdout, new RegExp(`\\b${c}\\b`), `--help should list ${c}`);
});

test('each command has --help that exits 0', () => {
  for (const [c, mustMention] of [['serve', /--listen/], ['user', /add/], ['demo', /--data-dir/], ['migrate', /--data-dir/]]) {
    const r = cliResult([c, '--help']);
    assert.equal(r.status, 0, `${c} --help: ${r.stderr}`);
    assert.ok(r.stdout.length > 0, `${c} --help prints usage on stdout`);
    assert.match(r.stdout, mustMention, `${c} --help`);
  }
  const u = cliResult(['user', '--help']);
  for (const s of ['add', 'list', 'passwd', 'disable']) assert.match(u.stdout, new RegExp(`\\b${s}\\b`), `user --help lists ${s}`);
});

test('an unknown command → non-zero exit and a message on stderr', () => {
  const r = cliResult(['frobnicate']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /frobnicate|unknown|usage/i);
  const r2 = cliResult(['serve', '--no-such-flag']);
  assert.notEqual(r2.status, 0);
  assert.ok(r2.stderr.length > 0);
});

test('user add with a bad role → non-zero, user not created', () => {
  const d = tmp();
  assert.equal(cliResult(['migrate', '--data-dir', d]).status, 0);
  const r = addUser(d, 'wizard@fd.test', 'wizard');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /role/i);
  const l = cliResult(['user', 'list', '--data-dir', d]);
  assert.equal(l.status, 0, l.stderr);
  assert.ok(!l.stdout.includes('wizard@fd.test'));
});

test('user add with missing email or a duplicate → non-zero', () => {
  const d = migrated();
  assert.equal(addUser(d, 'dup@fd.test').status, 0);
  const dup = addUser(d, 'dup@fd.test');
  assert.notEqual(dup.status, 0);
  assert.ok(dup.stderr.length > 0);
  const noEmail = cliResult(['user', 'add', '--data-dir', d, '--name', 'x', '--role', 'customer', '--password-stdin'], { input: 'correct-horse-battery\n' });
  assert.notEqual(noEmail.status, 0);
});

test('user list shows added users with their roles', () => {
  const d = migrated();
  assert.equal(addUser(d, 'anna@fd.test', 'agent', 'anna-password-1', ['--department', 'kyc', '--tier', '2']).status, 0);
  assert.equal(addUser(d, 'ben@fd.test', 'customer').status, 0);
  assert.equal(addUser(d, 'cara@fd.test', 'admin').status, 0);
  const r = cliResult(['user', 'list', '--data-dir', d]);
  assert.equal(r.status, 0, r.stderr);
  const line = (e) => r.stdout.split('\n').find((l) => l.includes(e)) || '';
  assert.match(line('anna@fd.test'), /agent/);
  assert.match(line('ben@fd.test'), /customer/);
  assert.match(line('cara@fd.test'), /admin/);
  assert.ok(!r.stdout.includes('anna-password-1'), 'passwords are never printed');
});

test('user passwd changes the password: the new one logs in, the old one does not', async () => {
  const srv = await startServer();
  try {
    const u = srv.addUser({ email: 'pw@fd.test', password: 'old-password-1' });
    await new Client(srv.url).login(u.email, u.password);
    cli(['user', 'passwd', '--data-dir', srv.dataDir, '--email', u.email, '--password-stdin'], { input: 'new-password-2\n' });
    const ok = await new Client(srv.url).post('/api/v1/auth/login', { email: u.email, password: 'new-password-2' });
    assert.equal(ok.status, 200, ok.text);
    const old = await new Client(srv.url).post('/api/v1/auth/login', { email: u.email, password: 'old-password-1' });
    assert.equal(old.status, 401, old.text);
    const missing = cliResult(['user', 'passwd', '--data-dir', srv.dataDir, '--email', 'nobody@fd.test', '--password-stdin'], { input: 'whatever-pass-1\n' });
    assert.notEqual(missing.status, 0);
    const dis = cliResult(['user', 'disable', '--data-dir', srv.dataDir, '--email', 'nobody@fd.test']);
    assert.notEqual(dis.status, 0);
  } finally { await srv.stop(); }
});

test('migrate on a fresh dir exits 0, creates the database, and is idempotent', () => {
  const d = tmp();
  const r = cliResult(['migrate', '--data-dir', d]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(d, 'frontdesk.db')));
  const v = execFileSync('sqlite3', [join(d, 'frontdesk.db'), 'SELECT count(*), max(version) FROM schema_migrations'], { encoding: 'utf8' }).trim();
  const [n, max] = v.split('|').map(Number);
  assert.ok(n >= 1 && max >= 1, v);
  const again = cliResult(['migrate', '--data-dir', d]);
  assert.equal(again.status, 0, again.stderr);
  const v2 = execFileSync('sqlite3', [join(d, 'frontdesk.db'), 'SELECT count(*), max(version) FROM schema_migrations'], { encoding: 'utf8' }).trim();
  assert.equal(v2, v);
});

test('serve refuses a database whose schema version is newer than it knows', async () => {
  const d = tmp();
  assert.equal(cliResult(['migrate', '--data-dir', d]).status, 0);
  execFileSync('sqlite3', [join(d, 'frontdesk.db'), "INSERT INTO schema_migrations(version, applied_at) VALUES (9999, '2099-01-01T00:00:00Z')"]);
  const r = await run(['serve', '--listen', '127.0.0.1:0', '--data-dir', d]);
  if (r.proc) r.proc.kill('SIGKILL');
  assert.equal(r.listening, undefined, 'the server must not start');
  assert.ok(!r.timedOut, 'the server neither started nor exited');
  assert.notEqual(r.code, 0);
  assert.match(r.err, /schema|version|migration|newer/i);
});

test('FRONTDESK_LISTEN and FRONTDESK_DATA_DIR configure serve without flags', async () => {
  const d = migrated();
  assert.equal(addUser(d, 'env@fd.test', 'customer', 'env-password-1').status, 0);
  const r = await run(['serve'], { env: { FRONTDESK_LISTEN: '127.0.0.1:0', FRONTDESK_DATA_DIR: d } });
  assert.ok(r.listening, `server did not start: ${r.err}`);
  try {
    const h = await fetch(r.listening + '/healthz');
    assert.equal(h.status, 200);
    // the user lives in the env-selected data dir, so logging in proves it is used
    const l = await new Client(r.listening).post('/api/v1/auth/login', { email: 'env@fd.test', password: 'env-password-1' });
    assert.equal(l.status, 200, l.text);
  } finally {
    r.proc.kill('SIGTERM');
    await new Promise((res) => { if (r.proc.exitCode !== null) res(); else r.proc.on('exit', res); });
  }
});

test('SIGTERM stops serve cleanly with exit 0', async () => {
  const d = tmp();
  const r = await run(['serve', '--listen', '127.0.0.1:0', '--data-dir', d]);
  assert.ok(r.listening, r.err);
  const code = await new Promise((res) => { r.proc.on('exit', (c) => res(c)); r.proc.kill('SIGTERM'); });
  assert.equal(code, 0);
});

test('demo loads data: admin@frontdesk.test / frontdesk-demo logs in and sees tickets', async () => {
  const d = tmp();
  const r = cliResult(['demo', '--data-dir', d]);
  assert.equal(r.status, 0, r.stderr);
  const srv = await startServer({ dataDir: d });
  try {
    const admin = new Client(srv.url);
    const l = await admin.login('admin@frontdesk.test', 'frontdesk-demo');
    assert.equal(l.json.user.role, 'admin');
    const t = await admin.get('/api/v1/tickets');
    assert.equal(t.status, 200, t.text);
    assert.ok(t.json.tickets.length > 0, 'demo tickets expected');
    assert.ok(t.json.tickets.every((x) => /^FD-\d+$/.test(x.reference)));
    const deps = new Set(t.json.tickets.map((x) => x.department));
    assert.ok(deps.size >= 2, 'demo tickets span departments');

    // The operations' demo content, as a newcomer sees it in the console.
    const pol = await admin.get('/api/v1/sla/policies');
    assert.equal(pol.status, 200, pol.text);
    assert.equal(pol.json.policies.length, 6);
    const clocks = await admin.get(`/api/v1/sla/tickets?ids=${t.json.tickets.map((x) => x.id).join(',')}`);
    assert.equal(clocks.status, 200, clocks.text);
    assert.ok(JSON.stringify(clocks.json).includes('"running"'), 'demo tickets have running SLA clocks');
    const rules = await admin.get('/api/v1/routing/rules');
    assert.equal(rules.status, 200, rules.text);
    assert.equal(rules.json.rules.length, 4);
    const macros = await admin.get('/api/v1/macros');
    assert.equal(macros.json.macros.length, 4);
    const status = await new Client(srv.url).get('/api/v1/status');
    assert.equal(status.json.overall.state, 'operational');
    assert.equal(status.json.maintenance.length, 1, 'one scheduled maintenance window');
    assert.ok(status.json.incidents.some((x) => x.status === 'resolved'), 'a resolved incident');
    const banner = await new Client(srv.url).get('/api/v1/status/banner?surface=portal');
    assert.deepEqual(banner.json.incidents, [], 'no banner on a fresh demo');
    const officer = new Client(srv.url);
    await officer.login('compliance@frontdesk.test', 'frontdesk-demo');
    const cmp = await officer.get('/api/v1/complaints');
    assert.equal(cmp.status, 200, cmp.text);
    assert.deepEqual(cmp.json.complaints.map((c) => c.status).sort(), ['decided', 'received', 'under_investigation']);
  } finally { await srv.stop(); }
});
