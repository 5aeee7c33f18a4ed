// Account security: TOTP two-factor (enrol, sign-in, reuse, recovery, enforcement,
// disable), lockout, sessions (list, revoke, idle expiry, password change), rate limits
// with 429 + Retry-After, the admin audit view, and security headers. The server's clock
// is FRONTDESK_CLOCK_FILE, so TOTP steps and windows are driven exactly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client } from '../lib/server.mjs';

let srv, tmp, clockFile;
let now = Date.UTC(2026, 10, 26, 9, 0, 0);
const setClock = (ms) => { now = ms; writeFileSync(clockFile, String(ms)); };

function isErr(r, status, code) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error, `JSON error body expected, got: ${r.text}`);
  if (code) assert.equal(r.json.error.code, code, r.text);
  assert.ok(r.json.error.message.length > 0);
}

function base32Decode(s) {
  const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, val = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '')) {
    val = (val << 5) | alpha.indexOf(ch);
    bits += 5;
    if (bits >= 8) { out.push((val >>> (bits - 8)) & 255); bits -= 8; }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP (SHA1, 30 s, 6 digits), written independently of the server's liboath. */
function totp(secretB32, ms) {
  const counter = Math.floor(ms / 1000 / 30);
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const h = createHmac('sha1', base32Decode(secretB32)).update(msg).digest();
  const off = h[h.length - 1] & 15;
  const bin = ((h[off] & 0x7f) << 24) | (h[off + 1] << 16) | (h[off + 2] << 8) | h[off + 3];
  return String(bin % 1e6).padStart(6, '0');
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'fd-sec-'));
  clockFile = join(tmp, 'clock');
  setClock(now);
  srv = await startServer({
    env: {
      FRONTDESK_CLOCK_FILE: clockFile,
      FRONTDESK_LOCKOUT_FAILURES: '4',
      FRONTDESK_SESSION_IDLE_S: '3600',
      FRONTDESK_RATE_SIGNUP_IP: '3/60',
      FRONTDESK_RATE_SIGNIN_ACCOUNT: '6/60',
      FRONTDESK_RATE_SIGNIN_IP: '500/60',
      FRONTDESK_RATE_SEARCH_IP: '5/60',
      FRONTDESK_RATE_TICKETS_ACCOUNT: '2/60',
      FRONTDESK_RATE_VERIFY_IP: '4/60',
    },
  });
  srv.addUser({ email: 'admin@fd.test', role: 'admin' });
  srv.addUser({ email: 'agent@fd.test', role: 'agent', department: 'deposits', tier: 1 });
  srv.addUser({ email: 'agent2@fd.test', role: 'agent', department: 'deposits', tier: 1 });
  srv.addUser({ email: 'sup@fd.test', role: 'supervisor' });
  srv.addUser({ email: 'cust@fd.test' });
});
after(async () => { await srv?.stop(); rmSync(tmp, { recursive: true, force: true }); });

const PW = 'correct-horse-battery';
let agentSecret, recovery;

test('every response carries CSP (frame-ancestors none, no inline script), nosniff and Referrer-Policy', async () => {
  const c = new Client(srv.url);
  for (const p of ['/status', '/help', '/support', '/agent', '/api/v1/nope', '/api/v1/me', '/healthz', '/static/agent.js']) {
    const r = await c.get(p);
    const csp = r.headers.get('content-security-policy');
    assert.ok(csp, `${p}: CSP missing`);
    assert.match(csp, /frame-ancestors 'none'/, `${p}: ${csp}`);
    const script = (csp.match(/script-src ([^;]*)/) || [null, ''])[1];
    assert.ok(!/unsafe-inline/.test(script), `${p}: inline scripts allowed: ${csp}`);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
    assert.ok(r.headers.get('referrer-policy'), `${p}: Referrer-Policy missing`);
  }
});

test('staff enrol in TOTP: secret shown once as otpauth URI + base32, confirmed by a valid code', async () => {
  const c = new Client(srv.url);
  await c.login('agent@fd.test', PW);
  let st = await c.get('/api/v1/me/2fa');
  assert.equal(st.status, 200, st.text);
  assert.equal(st.json.enabled, false);
  const en = await c.post('/api/v1/me/2fa/enrol', {});
  assert.equal(en.status, 201, en.text);
  assert.match(en.json.secret, /^[A-Z2-7]{32}$/);
  assert.ok(en.json.otpauth_uri.startsWith('otpauth://totp/Frontdesk:agent@fd.test?secret=' + en.json.secret));
  agentSecret = en.json.secret;
  isErr(await c.post('/api/v1/me/2fa/confirm', { code: '12345' }), 400, 'invalid_code');
  const wrong = String((Number(totp(agentSecret, now)) + 1) % 1e6).padStart(6, '0');
  isErr(await c.post('/api/v1/me/2fa/confirm', { code: wrong }), 400, 'invalid_code');
  isErr(await c.post('/api/v1/me/2fa/confirm', {}), 400, 'missing_field');
  const ok = await c.post('/api/v1/me/2fa/confirm', { code: totp(agentSecret, now) });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.recovery_codes.length, 10);
  assert.equal(new Set(ok.json.recovery_codes).size, 10);
  recovery = ok.json.recovery_codes;
  st = await c.get('/api/v1/me/2fa');
  assert.equal(st.json.enabled, true);
  assert.equal(st.json.recovery_codes_left, 10);
  isErr(await c.post('/api/v1/me/2fa/enrol', {}), 409);
  // Customers have no 2FA enrolment.
  const cust = new Client(srv.url);
  await cust.login('cust@fd.test', PW);
  isErr(await cust.post('/api/v1/me/2fa/enrol', {}), 403);
});

test('sign-in asks for the code after the password; the session starts only after it; codes are single-use', async () => {
  const c = new Client(srv.url);
  const r = await c.post('/api/v1/auth/login', { email: 'agent@fd.test', password: PW });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.two_factor_required, true);
  assert.ok(!r.json.user && !r.json.csrf_token, 'no session data before the code');
  assert.equal(c.cookie, null, 'no session cookie before the code');
  assert.equal((await c.get('/api/v1/me')).status, 401);
  // The enrolment code (same step) is refused: already used.
  isErr(await c.post('/api/v1/auth/login/2fa', { challenge: r.json.challenge, code: totp(agentSecret, now) }), 401, 'invalid_code');
  setClock(now + 30000);
  const code = totp(agentSecret, now);
  const ok = await c.post('/api/v1/auth/login/2fa', { challenge: r.json.challenge, code });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.user.email, 'agent@fd.test');
  assert.match(ok.headers.get('set-cookie'), /fd_session=[0-9a-f]{64}/);
  c.csrf = ok.json.csrf_token;
  assert.equal((await c.get('/api/v1/me')).status, 200);
  // The challenge is single-use; the same code with a fresh challenge is a replay.
  isErr(await c.post('/api/v1/auth/login/2fa', { challenge: r.json.challenge, code }), 401, 'challenge_expired');
  const d = new Client(srv.url);
  const r2 = await d.post('/api/v1/auth/login', { email: 'agent@fd.test', password: PW });
  isErr(await d.post('/api/v1/auth/login/2fa', { challenge: r2.json.challenge, code }), 401, 'invalid_code');
  // One step later (within the window) a new code works; the previous step's is refused.
  setClock(now + 30000);
  const ok2 = await d.post('/api/v1/auth/login/2fa', { challenge: r2.json.challenge, code: totp(agentSecret, now) });
  assert.equal(ok2.status, 200, ok2.text);
});

test('a challenge expires, and a recovery code signs in once', async () => {
  const c = new Client(srv.url);
  let r = await c.post('/api/v1/auth/login', { email: 'agent@fd.test', password: PW });
  setClock(now + 301000);
  isErr(await c.post('/api/v1/auth/login/2fa', { challenge: r.json.challenge, code: totp(agentSecret, now) }), 401, 'challenge_expired');
  r = await c.post('/api/v1/auth/login', { email: 'agent@fd.test', password: PW });
  const ok = await c.post('/api/v1/auth/login/2fa', { challenge: r.json.challenge, code: recovery[0] });
  assert.equal(ok.status, 200, ok.text);
  c.csrf = ok.json.csrf_token;
  assert.equal((await c.get('/api/v1/me/2fa')).json.recovery_codes_left, 9);
  const e = new Client(srv.url);
  r = await e.post('/api/v1/auth/login', { email: 'agent@fd.test', password: PW });
  isErr(await e.post('/api/v1/auth/login/2fa', { challenge: r.json.challenge, code: recovery[0] }), 401, 'invalid_code');
});

test('admins enforce 2FA: staff without it can do nothing but enrol; only admins change the setting', async () => {
  const admin = new Client(srv.url);
  await admin.login('admin@fd.test', PW);
  const sup = new Client(srv.url);
  await sup.login('sup@fd.test', PW);
  isErr(await sup.req('PUT', '/api/v1/security/settings', { enforce_2fa: true }), 403);
  isErr(await admin.req('PUT', '/api/v1/security/settings', { enforce_2fa: 'yes' }), 400, 'invalid_field');
  const s = await admin.req('PUT', '/api/v1/security/settings', { enforce_2fa: true });
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.enforce_2fa, true);

  const a2 = new Client(srv.url);
  await a2.login('agent2@fd.test', PW);
  const me = await a2.get('/api/v1/me');
  assert.equal(me.json.two_factor_enrolment_required, true);
  isErr(await a2.get('/api/v1/tickets'), 403, 'two_factor_enrolment_required');
  const en = await a2.post('/api/v1/me/2fa/enrol', {});
  assert.equal(en.status, 201, en.text);
  const conf = await a2.post('/api/v1/me/2fa/confirm', { code: totp(en.json.secret, now) });
  assert.equal(conf.status, 200, conf.text);
  assert.equal((await a2.get('/api/v1/tickets')).status, 200);
  // Customers are not affected.
  const cust = new Client(srv.url);
  await cust.login('cust@fd.test', PW);
  assert.equal((await cust.get('/api/v1/tickets')).status, 200);
  // The admin has no 2FA yet, so the admin is held too, but can still reach the enrolment.
  isErr(await admin.get('/api/v1/audit'), 403, 'two_factor_enrolment_required');
  assert.equal((await admin.get('/api/v1/me/2fa')).status, 200);
  // Lift it again with a fresh admin enrolment.
  const aen = await admin.post('/api/v1/me/2fa/enrol', {});
  admin.adminSecret = aen.json.secret;
  assert.equal((await admin.post('/api/v1/me/2fa/confirm', { code: totp(aen.json.secret, now) })).status, 200);
  assert.equal((await admin.req('PUT', '/api/v1/security/settings', { enforce_2fa: false })).status, 200);
  assert.equal((await sup.get('/api/v1/tickets')).status, 200);
  srv.admin = admin;
});

test('disabling 2FA needs a code (or an admin)', async () => {
  const c = new Client(srv.url);
  const r = await c.post('/api/v1/auth/login', { email: 'agent2@fd.test', password: PW });
  assert.equal(r.json.two_factor_required, true);
  const admin = srv.admin;
  const users = await admin.get('/api/v1/agents');
  const a2 = (users.json.agents || users.json).find((u) => u.email === 'agent2@fd.test');
  assert.ok(a2, users.text);
  const sup = new Client(srv.url);
  await sup.login('sup@fd.test', PW);
  isErr(await sup.del(`/api/v1/users/${a2.id}/2fa`), 403);
  assert.equal((await admin.del(`/api/v1/users/${a2.id}/2fa`)).status, 204);
  const again = await c.post('/api/v1/auth/login', { email: 'agent2@fd.test', password: PW });
  assert.equal(again.status, 200);
  assert.ok(again.json.user, 'a plain session again after the admin turned 2FA off');
  c.csrf = again.json.csrf_token;
  // Self-disable: wrong code refused, a recovery code works.
  const me = new Client(srv.url);
  let l = await me.post('/api/v1/auth/login', { email: 'agent@fd.test', password: PW });
  setClock(now + 30000);
  l = await me.post('/api/v1/auth/login/2fa', { challenge: l.json.challenge, code: totp(agentSecret, now) });
  assert.equal(l.status, 200, l.text);
  me.csrf = l.json.csrf_token;
  isErr(await me.post('/api/v1/me/2fa/disable', { code: '000000' }), 400, 'invalid_code');
  assert.equal((await me.post('/api/v1/me/2fa/disable', { code: recovery[5] })).status, 204);
  assert.equal((await me.get('/api/v1/me/2fa')).json.enabled, false);
});

test('lockout after N failures, same answer for unknown accounts, lifted by an admin', async () => {
  const c = new Client(srv.url);
  for (let i = 0; i < 4; i++) {
    isErr(await c.post('/api/v1/auth/login', { email: 'cust@fd.test', password: 'wrong-password!' }), 401);
    isErr(await c.post('/api/v1/auth/login', { email: 'ghost@fd.test', password: 'wrong-password!' }), 401);
  }
  const real = await c.post('/api/v1/auth/login', { email: 'cust@fd.test', password: PW });
  const ghost = await c.post('/api/v1/auth/login', { email: 'ghost@fd.test', password: PW });
  isErr(real, 423, 'account_locked');
  isErr(ghost, 423, 'account_locked');
  assert.equal(real.json.error.message, ghost.json.error.message);
  const admin = srv.admin;
  const sup = new Client(srv.url);
  await sup.login('sup@fd.test', PW);
  const cust = new Client(srv.url);
  // Find the customer's id through a sign-up-free path: the audit of user creation.
  const ev = await admin.get('/api/v1/audit?type=user_created&limit=200');
  assert.equal(ev.status, 200, ev.text);
  const ids = ev.json.events.map((e) => e.data.user_id);
  let custId = null;
  for (const id of ids) {
    const r = await admin.post(`/api/v1/users/${id}/unlock`, {});
    assert.equal(r.status, 204, r.text);
    if ((await cust.post('/api/v1/auth/login', { email: 'cust@fd.test', password: PW })).status === 200) { custId = id; break; }
  }
  assert.ok(custId, 'the customer signs in again once an admin unlocked the account');
  isErr(await sup.post(`/api/v1/users/${custId}/unlock`, {}), 403);
});

test('sessions: list mine with device and address, revoke one, revoke all others, admin revokes a user\'s', async () => {
  const ua = { 'user-agent': 'TestBrowser/1.0' };
  const a = new Client(srv.url), b = new Client(srv.url), c = new Client(srv.url);
  for (const x of [a, b, c]) {
    const r = await x.post('/api/v1/auth/login', { email: 'sup@fd.test', password: PW }, ua);
    assert.equal(r.status, 200, r.text);
    x.csrf = r.json.csrf_token;
  }
  const l = await a.get('/api/v1/me/sessions');
  assert.equal(l.status, 200, l.text);
  assert.ok(l.json.sessions.length >= 3);
  const cur = l.json.sessions.filter((s) => s.current);
  assert.equal(cur.length, 1);
  assert.equal(cur[0].user_agent, 'TestBrowser/1.0');
  assert.equal(cur[0].ip, '127.0.0.1');
  assert.ok(cur[0].created_at && cur[0].last_seen_at);
  // Revoke b's session from a.
  const bId = (await b.get('/api/v1/me/sessions')).json.sessions.find((s) => s.current).id;
  assert.equal((await a.del(`/api/v1/me/sessions/${bId}`)).status, 204);
  assert.equal((await b.get('/api/v1/me')).status, 401);
  isErr(await a.del(`/api/v1/me/sessions/${bId}`), 404);
  // Revoke all others: c goes, a stays.
  const ro = await a.post('/api/v1/me/sessions/revoke-others', {});
  assert.equal(ro.status, 200, ro.text);
  assert.ok(ro.json.revoked >= 1);
  assert.equal((await c.get('/api/v1/me')).status, 401);
  assert.equal((await a.get('/api/v1/me')).status, 200);
  // An admin ends every session of the supervisor.
  const supId = (await a.get('/api/v1/me')).json.user.id;
  isErr(await a.del(`/api/v1/users/${supId}/sessions`), 403);
  const r = await srv.admin.del(`/api/v1/users/${supId}/sessions`);
  assert.equal(r.status, 200, r.text);
  assert.equal((await a.get('/api/v1/me')).status, 401);
});

test('changing the password ends the other sessions; idle sessions expire', async () => {
  const a = new Client(srv.url), b = new Client(srv.url);
  await a.login('sup@fd.test', PW);
  await b.login('sup@fd.test', PW);
  isErr(await a.post('/api/v1/me/password', { current_password: 'nope-nope-nope', new_password: 'another-good-pass' }), 400);
  isErr(await a.post('/api/v1/me/password', { current_password: PW, new_password: 'short' }), 400);
  assert.equal((await b.get('/api/v1/me')).status, 200, 'nothing changed on error');
  const r = await a.post('/api/v1/me/password', { current_password: PW, new_password: 'another-good-pass' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.sessions_revoked, 1);
  assert.equal((await b.get('/api/v1/me')).status, 401);
  assert.equal((await a.get('/api/v1/me')).status, 200);
  // Idle: 3600 s without a request ends the session.
  setClock(now + 3500 * 1000);
  assert.equal((await a.get('/api/v1/me')).status, 200);
  setClock(now + 3601 * 1000);
  assert.equal((await a.get('/api/v1/me')).status, 401);
  await a.login('sup@fd.test', 'another-good-pass');
});

test('rate limits: 429 with Retry-After and a JSON error, then success after the window', async () => {
  const c = new Client(srv.url);
  for (let i = 0; i < 3; i++) {
    const r = await c.post('/api/v1/auth/signup', { email: `s${i}@fd.test`, name: 'S', password: PW });
    assert.equal(r.status, 201, r.text);
    c.cookie = null; c.csrf = null;
  }
  const lim = await c.post('/api/v1/auth/signup', { email: 's9@fd.test', name: 'S', password: PW });
  isErr(lim, 429, 'rate_limited');
  const ra = Number(lim.headers.get('retry-after'));
  assert.ok(ra >= 1 && ra <= 21, `Retry-After ${ra}`); // 3 per 60 s: a token every 20 s
  // Nothing was created by the refused request: after the wait it signs up fine.
  setClock(now + ra * 1000);
  const ok = await c.post('/api/v1/auth/signup', { email: 's9@fd.test', name: 'S', password: PW });
  assert.equal(ok.status, 201, ok.text);

  // Help-center search per address.
  const anon = new Client(srv.url);
  for (let i = 0; i < 5; i++) assert.equal((await anon.get('/api/v1/kb/search?q=deposit')).status, 200);
  isErr(await anon.get('/api/v1/kb/search?q=deposit'), 429, 'rate_limited');
  setClock(now + 12001);
  assert.equal((await anon.get('/api/v1/kb/search?q=deposit')).status, 200);

  // Ticket creation per account.
  const cust = new Client(srv.url);
  await cust.login('s9@fd.test', PW);
  for (let i = 0; i < 2; i++) {
    const r = await cust.post('/api/v1/tickets', { subject: `t${i}`, body: 'details', department: 'deposits' });
    assert.equal(r.status, 201, r.text);
  }
  const t = await cust.post('/api/v1/tickets', { subject: 'third', body: 'details', department: 'deposits' });
  isErr(t, 429, 'rate_limited');
  assert.ok(Number(t.headers.get('retry-after')) >= 1);
  assert.equal((await cust.get('/api/v1/tickets')).json.tickets.length, 2, 'the refused ticket was not stored');
  setClock(now + 30001);
  assert.equal((await cust.post('/api/v1/tickets', { subject: 'later', body: 'details', department: 'deposits' })).status, 201);

  // /verify lookups per address, page and API alike (agent codes must not be guessable
  // in bulk).
  const v = new Client(srv.url);
  for (let i = 0; i < 3; i++) assert.equal((await v.get('/api/v1/verify?q=frontdesk.example')).status, 200);
  assert.equal((await v.get('/verify?q=frontdesk.example')).status, 200);
  isErr(await v.get('/api/v1/verify?q=frontdesk.example'), 429, 'rate_limited');
  isErr(await v.get('/verify?q=frontdesk.example'), 429, 'rate_limited');

  // Sign-in per account (email), whether or not it exists.
  const x = new Client(srv.url);
  let got429 = null;
  for (let i = 0; i < 8 && !got429; i++) {
    const r = await x.post('/api/v1/auth/login', { email: 'nobody@fd.test', password: 'wrong-password!' });
    if (r.status === 429) got429 = r;
  }
  assert.ok(got429, 'sign-in to one account is rate limited');
  isErr(got429, 429, 'rate_limited');
  setClock(now + 60001);
  assert.notEqual((await x.post('/api/v1/auth/login', { email: 'nobody@fd.test', password: 'wrong-password!' })).status, 429);
});

test('audit view: admins only, filters, and it records admin actions', async () => {
  // The admin's earlier session went idle; sign in again with password + code.
  const admin = new Client(srv.url);
  const r = await admin.post('/api/v1/auth/login', { email: 'admin@fd.test', password: PW });
  const ok = await admin.post('/api/v1/auth/login/2fa', { challenge: r.json.challenge, code: totp(srv.admin.adminSecret, now) });
  assert.equal(ok.status, 200, ok.text);
  admin.csrf = ok.json.csrf_token;
  // A configuration change made elsewhere (a shared macro) shows up too.
  const m = await admin.post('/api/v1/macros', { name: 'Audit me', body: 'Hello' });
  assert.equal(m.status, 201, m.text);
  const l = await admin.get('/api/v1/audit');
  assert.equal(l.status, 200, l.text);
  assert.equal(l.json.events[0].type, 'macro_created');
  const types = new Set(l.json.events.map((e) => e.type));
  for (const t of ['2fa_enforced', '2fa_enforcement_lifted', '2fa_disabled', 'sessions_revoked', 'account_unlocked', 'password_changed']) {
    assert.ok(types.has(t), `audit lacks ${t}: ${[...types]}`);
  }
  const e = l.json.events.find((x) => x.type === '2fa_enforced');
  assert.equal(e.actor.name, 'admin');
  assert.ok(l.json.events.every((x) => !('ticket_id' in x)));
  const f = await admin.get('/api/v1/audit?type=sessions_revoked');
  assert.ok(f.json.events.length >= 1 && f.json.events.every((x) => x.type === 'sessions_revoked'));
  const byActor = await admin.get(`/api/v1/audit?actor=${e.actor.id}`);
  assert.ok(byActor.json.events.every((x) => x.actor && x.actor.id === e.actor.id));
  const page = await admin.get('/api/v1/audit?limit=2');
  assert.equal(page.json.events.length, 2);
  const next = await admin.get(`/api/v1/audit?limit=2&before=${page.json.next_before}`);
  assert.ok(next.json.events[0].id < page.json.events[1].id);
  const future = await admin.get('/api/v1/audit?since=2099-01-01');
  assert.equal(future.json.events.length, 0);
  isErr(await admin.get('/api/v1/audit?since=yesterday'), 400, 'invalid_field');
  isErr(await admin.get('/api/v1/audit?limit=0'), 400, 'invalid_field');
  const sup = new Client(srv.url);
  await sup.login('sup@fd.test', 'another-good-pass');
  isErr(await sup.get('/api/v1/audit'), 403);
  const cust = new Client(srv.url);
  await cust.login('s9@fd.test', PW);
  isErr(await cust.get('/api/v1/audit'), 403);
  isErr(await new Client(srv.url).get('/api/v1/audit'), 401);
});

test('Secure cookie and client address only through the configured trusted proxy', async () => {
  const proxied = await startServer({ env: { FRONTDESK_TRUSTED_PROXY: '127.0.0.1', FRONTDESK_RATE_SIGNUP_IP: '1/600' } });
  try {
    proxied.addUser({ email: 'p@fd.test' });
    const c = new Client(proxied.url);
    let r = await c.post('/api/v1/auth/login', { email: 'p@fd.test', password: PW }, { 'x-forwarded-proto': 'https' });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('set-cookie'), /;\s*Secure/i);
    r = await new Client(proxied.url).post('/api/v1/auth/login', { email: 'p@fd.test', password: PW });
    assert.doesNotMatch(r.headers.get('set-cookie'), /Secure/i);
    // Rate limits key on the client address the proxy reports (its last hop).
    const a = await new Client(proxied.url).post('/api/v1/auth/signup', { email: 'x1@fd.test', name: 'X', password: PW }, { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' });
    assert.equal(a.status, 201, a.text);
    isErr(await new Client(proxied.url).post('/api/v1/auth/signup', { email: 'x2@fd.test', name: 'X', password: PW }, { 'x-forwarded-for': '203.0.113.7' }), 429, 'rate_limited');
    const b = await new Client(proxied.url).post('/api/v1/auth/signup', { email: 'x3@fd.test', name: 'X', password: PW }, { 'x-forwarded-for': '203.0.113.8' });
    assert.equal(b.status, 201, b.text);
  } finally { await proxied.stop(); }
  // Without trusted_proxy the headers are ignored.
  const r = await new Client(srv.url).post('/api/v1/auth/login', { email: 'cust@fd.test', password: PW }, { 'x-forwarded-proto': 'https' });
  assert.equal(r.status, 200, r.text);
  assert.doesNotMatch(r.headers.get('set-cookie'), /Secure/i);
});
