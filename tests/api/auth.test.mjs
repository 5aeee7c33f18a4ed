// Authentication: signup, login, rate limiting, logout, /me, CSRF and API tokens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client } from '../lib/server.mjs';

let srv;
let agent; // {email,password} of an agent in "deposits"
let customerEmail;

function isErr(r, status, code) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error, `JSON error body expected, got: ${r.text}`);
  if (code) assert.equal(r.json.error.code, code, r.text);
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(r.json.error.message.length > 0, 'error message must not be empty');
}

function cookieAttrs(setCookie) {
  assert.ok(setCookie, 'Set-Cookie header expected');
  const part = setCookie.split(/,(?=\s*[A-Za-z0-9_-]+=)/).find((c) => /^\s*fd_session=/.test(c));
  assert.ok(part, `fd_session cookie expected in: ${setCookie}`);
  return part;
}

before(async () => {
  srv = await startServer();
  agent = srv.addUser({ email: 'agent@fd.test', name: 'Agent Smith', role: 'agent', department: 'deposits', tier: 1 });
});
after(async () => { await srv?.stop(); });

test('signup creates a customer, sets a HttpOnly SameSite=Strict session cookie and returns a csrf token', async () => {
  const c = new Client(srv.url);
  customerEmail = 'alice@fd.test';
  const r = await c.post('/api/v1/auth/signup', { email: customerEmail, name: 'Alice', password: 'alice-password-1' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.user.email, customerEmail);
  assert.equal(r.json.user.name, 'Alice');
  assert.equal(r.json.user.role, 'customer');
  assert.equal(r.json.user.department, null);
  assert.equal(typeof r.json.user.id, 'number');
  assert.equal(typeof r.json.csrf_token, 'string');
  assert.ok(r.json.csrf_token.length >= 16, 'csrf token should be long enough to be unguessable');
  for (const k of Object.keys(r.json.user)) assert.doesNotMatch(k, /pass|hash|salt/i, 'user must not expose password material');
  const ck = cookieAttrs(r.headers.get('set-cookie'));
  assert.match(ck, /fd_session=[^;\s]+/);
  assert.match(ck, /;\s*HttpOnly/i);
  assert.match(ck, /;\s*SameSite=Strict/i);
  assert.match(ck, /;\s*Path=\/(;|$)/i);
  // The new session works.
  c.csrf = r.json.csrf_token;
  const me = await c.get('/api/v1/me');
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.user.email, customerEmail);
  assert.equal(typeof me.json.csrf_token, 'string');
});

test('signup with an email already taken → 409 conflict', async () => {
  const c = new Client(srv.url);
  const r = await c.post('/api/v1/auth/signup', { email: customerEmail, name: 'Other', password: 'another-password-2' });
  isErr(r, 409, 'conflict');
  assert.equal(c.cookie, null, 'no session for a failed signup');
  // The original account keeps its password.
  const l = await new Client(srv.url).post('/api/v1/auth/login', { email: customerEmail, password: 'alice-password-1' });
  assert.equal(l.status, 200, l.text);
});

test('signup with the same email in other letter case → 409 conflict', async () => {
  const r = await new Client(srv.url).post('/api/v1/auth/signup', { email: 'ALICE@FD.test', name: 'Alice 2', password: 'another-password-3' });
  isErr(r, 409, 'conflict');
});

test('signup with an existing agent email → 409 conflict', async () => {
  const r = await new Client(srv.url).post('/api/v1/auth/signup', { email: agent.email, name: 'Fake', password: 'fake-password-123' });
  isErr(r, 409, 'conflict');
});

test('signup with a password shorter than 10 characters → 400 naming the field, no account created', async () => {
  const c = new Client(srv.url);
  const r = await c.post('/api/v1/auth/signup', { email: 'short@fd.test', name: 'Short', password: '123456789' });
  assert.equal(r.status, 400, r.text);
  assert.ok(r.json?.error?.code, r.text);
  assert.match(r.json.error.message, /password/i);
  assert.equal(c.cookie, null);
  const l = await new Client(srv.url).post('/api/v1/auth/login', { email: 'short@fd.test', password: '123456789' });
  isErr(l, 401, 'unauthorized');
  // exactly 10 characters is enough
  const ok = await new Client(srv.url).post('/api/v1/auth/signup', { email: 'short@fd.test', name: 'Short', password: '1234567890' });
  assert.equal(ok.status, 201, ok.text);
});

test('login with the right password → 200 {user, csrf_token} and a session cookie', async () => {
  const c = new Client(srv.url);
  const r = await c.post('/api/v1/auth/login', { email: agent.email, password: agent.password });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.user.email, agent.email);
  assert.equal(r.json.user.role, 'agent');
  assert.equal(r.json.user.department, 'deposits');
  assert.equal(r.json.user.tier, 1);
  assert.equal(typeof r.json.csrf_token, 'string');
  const ck = cookieAttrs(r.headers.get('set-cookie'));
  assert.match(ck, /HttpOnly/i);
  assert.match(ck, /SameSite=Strict/i);
  c.csrf = r.json.csrf_token;
  const me = await c.get('/api/v1/me');
  assert.equal(me.status, 200);
  assert.equal(me.json.user.email, agent.email);
});

test('login with a wrong password or unknown email → 401 unauthorized, no cookie', async () => {
  const c = new Client(srv.url);
  const r = await c.post('/api/v1/auth/login', { email: agent.email, password: 'wrong-password-xx' });
  isErr(r, 401, 'unauthorized');
  assert.equal(c.cookie, null);
  const r2 = await c.post('/api/v1/auth/login', { email: 'nobody@fd.test', password: 'whatever-password' });
  isErr(r2, 401, 'unauthorized');
  assert.equal(c.cookie, null);
});

test('after 5 failed logins for one email the 6th attempt → 429 rate_limited, even with the right password; other emails unaffected', async () => {
  const u = srv.addUser({ email: 'victim@fd.test', password: 'victim-password-1' });
  for (let i = 1; i <= 5; i++) {
    const r = await new Client(srv.url).post('/api/v1/auth/login', { email: u.email, password: 'wrong-password-' + i });
    isErr(r, 401, 'unauthorized');
  }
  const r6 = await new Client(srv.url).post('/api/v1/auth/login', { email: u.email, password: 'wrong-password-6' });
  isErr(r6, 429, 'rate_limited');
  const c = new Client(srv.url);
  const r7 = await c.post('/api/v1/auth/login', { email: u.email, password: u.password });
  isErr(r7, 429, 'rate_limited');
  assert.equal(c.cookie, null, 'no session while rate limited');
  // the same email in other letter case is the same account, so it is limited too
  isErr(await new Client(srv.url).post('/api/v1/auth/login', { email: 'VICTIM@FD.test', password: u.password }), 429, 'rate_limited');
  const other = await new Client(srv.url).post('/api/v1/auth/login', { email: agent.email, password: agent.password });
  assert.equal(other.status, 200, other.text);
});

test('logout → 204, the cookie is cleared and the old session no longer works', async () => {
  const c = new Client(srv.url);
  await c.login(agent.email, agent.password);
  const oldCookie = c.cookie;
  assert.ok(oldCookie);
  const r = await c.post('/api/v1/auth/logout');
  assert.equal(r.status, 204, r.text);
  const ck = cookieAttrs(r.headers.get('set-cookie'));
  const cleared = /fd_session=(;|\s*$)/.test(ck) || /max-age=0/i.test(ck) ||
    (/expires=([^;]+)/i.test(ck) && Date.parse(ck.match(/expires=([^;]+)/i)[1]) < Date.now());
  assert.ok(cleared, `cookie not cleared: ${ck}`);
  // Replay the old cookie: the server-side session must be gone.
  const replay = new Client(srv.url);
  replay.cookie = oldCookie;
  const me = await replay.get('/api/v1/me');
  isErr(me, 401, 'unauthorized');
});

test('GET /api/v1/me without a session → 401 unauthorized; with a bogus cookie → 401', async () => {
  isErr(await new Client(srv.url).get('/api/v1/me'), 401, 'unauthorized');
  const c = new Client(srv.url);
  c.cookie = 'fd_session=deadbeefdeadbeefdeadbeefdeadbeef';
  isErr(await c.get('/api/v1/me'), 401, 'unauthorized');
});

test('cookie-authenticated POST without X-CSRF-Token → 403 csrf and nothing is created', async () => {
  const c = new Client(srv.url);
  await c.login(customerEmail, 'alice-password-1');
  const ticket = { subject: 'csrf probe', body: 'should not be stored', department: 'deposits' };
  const noCsrf = new Client(srv.url);
  noCsrf.cookie = c.cookie;
  isErr(await noCsrf.post('/api/v1/tickets', ticket), 403, 'csrf');
  noCsrf.csrf = 'not-the-token';
  isErr(await noCsrf.post('/api/v1/tickets', ticket), 403, 'csrf');
  // logout without csrf must not log out either
  noCsrf.csrf = null;
  isErr(await noCsrf.post('/api/v1/auth/logout'), 403, 'csrf');
  const list = await c.get('/api/v1/tickets');
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.tickets.filter((t) => t.subject === 'csrf probe').length, 0);
  // with the token it works
  const ok = await c.post('/api/v1/tickets', ticket);
  assert.equal(ok.status, 201, ok.text);
});

test('cookie-authenticated PATCH without X-CSRF-Token → 403 csrf and the ticket is unchanged', async () => {
  const c = new Client(srv.url);
  await c.login(customerEmail, 'alice-password-1');
  const created = await c.post('/api/v1/tickets', { subject: 'patch csrf', body: 'b', department: 'deposits' });
  assert.equal(created.status, 201, created.text);
  const ref = created.json.ticket.reference;
  const noCsrf = new Client(srv.url);
  noCsrf.cookie = c.cookie;
  isErr(await noCsrf.patch('/api/v1/tickets/' + ref, { status: 'solved' }), 403, 'csrf');
  const g = await c.get('/api/v1/tickets/' + ref);
  assert.equal(g.json.ticket.status, 'new');
});

let readToken;
let fullToken;

test('an agent creates an API token and uses it as Bearer without CSRF', async () => {
  const c = new Client(srv.url);
  await c.login(agent.email, agent.password);
  const r = await c.post('/api/v1/tokens', { name: 'ci robot', scopes: ['tickets:read', 'tickets:write'] });
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.token, /^fdt_[0-9a-f]{16,}$/);
  assert.equal(typeof r.json.id, 'number');
  assert.equal(r.json.name, 'ci robot');
  assert.deepEqual([...r.json.scopes].sort(), ['tickets:read', 'tickets:write']);
  fullToken = r.json.token;

  const b = new Client(srv.url);
  b.bearer = fullToken;
  const me = await b.get('/api/v1/me');
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.user.email, agent.email);
  assert.equal(me.json.csrf_token, null);
  const list = await b.get('/api/v1/tickets');
  assert.equal(list.status, 200, list.text);
  // a write with the bearer token and no CSRF header
  const t = await b.post('/api/v1/tickets', { subject: 'via token', body: 'created by a robot', department: 'deposits', requester_email: customerEmail });
  assert.equal(t.status, 201, t.text);
  assert.equal(t.json.ticket.requester.email, customerEmail);
  const p = await b.patch('/api/v1/tickets/' + t.json.ticket.reference, { priority: 'high' });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.ticket.priority, 'high');
});

test('an unknown or malformed bearer token → 401 unauthorized', async () => {
  const b = new Client(srv.url);
  b.bearer = 'fdt_' + '0'.repeat(64);
  isErr(await b.get('/api/v1/tickets'), 401, 'unauthorized');
  b.bearer = fullToken.slice(0, -2) + (fullToken.endsWith('00') ? '11' : '00');
  isErr(await b.get('/api/v1/me'), 401, 'unauthorized');
  b.bearer = 'garbage';
  isErr(await b.get('/api/v1/me'), 401, 'unauthorized');
});

test('token scopes are enforced: a tickets:read token can read but cannot write', async () => {
  const c = new Client(srv.url);
  await c.login(agent.email, agent.password);
  const r = await c.post('/api/v1/tokens', { name: 'reader', scopes: ['tickets:read'] });
  assert.equal(r.status, 201, r.text);
  readToken = r.json.token;
  const b = new Client(srv.url);
  b.bearer = readToken;
  const list = await b.get('/api/v1/tickets');
  assert.equal(list.status, 200, list.text);
  const before = list.json.tickets.length;
  isErr(await b.post('/api/v1/tickets', { subject: 'nope', body: 'nope', department: 'deposits', requester_email: customerEmail }), 403, 'forbidden');
  const ref = list.json.tickets[0]?.reference;
  assert.ok(ref, 'agent should see at least one deposits ticket');
  const g = await b.get('/api/v1/tickets/' + ref);
  assert.equal(g.status, 200, g.text);
  isErr(await b.patch('/api/v1/tickets/' + ref, { priority: 'urgent' }), 403, 'forbidden');
  isErr(await b.post(`/api/v1/tickets/${ref}/messages`, { body: 'sneaky' }), 403, 'forbidden');
  const after = await b.get('/api/v1/tickets');
  assert.equal(after.json.tickets.length, before);
  const g2 = await b.get('/api/v1/tickets/' + ref);
  assert.equal(g2.json.ticket.priority, g.json.ticket.priority);
  assert.equal(g2.json.messages.length, g.json.messages.length);
});

test('a users:read token can list agents but not tickets', async () => {
  const c = new Client(srv.url);
  await c.login(agent.email, agent.password);
  const r = await c.post('/api/v1/tokens', { name: 'directory', scopes: ['users:read'] });
  assert.equal(r.status, 201, r.text);
  const b = new Client(srv.url);
  b.bearer = r.json.token;
  const a = await b.get('/api/v1/agents');
  assert.equal(a.status, 200, a.text);
  assert.ok(a.json.agents.some((u) => u.email === agent.email));
  isErr(await b.get('/api/v1/tickets'), 403, 'forbidden');
});

test('a bearer token cannot create tokens → 403', async () => {
  const b = new Client(srv.url);
  b.bearer = fullToken;
  isErr(await b.post('/api/v1/tokens', { name: 'child', scopes: ['tickets:read'] }), 403, 'forbidden');
});

test('token creation with an unknown scope → 400', async () => {
  const c = new Client(srv.url);
  await c.login(agent.email, agent.password);
  const r = await c.post('/api/v1/tokens', { name: 'bad', scopes: ['tickets:read', 'root:everything'] });
  assert.equal(r.status, 400, r.text);
  assert.ok(r.json?.error?.code);
});

test('a customer cannot create an API token → 403 forbidden', async () => {
  const c = new Client(srv.url);
  await c.login(customerEmail, 'alice-password-1');
  const r = await c.post('/api/v1/tokens', { name: 'mine', scopes: ['tickets:read'] });
  isErr(r, 403, 'forbidden');
  assert.equal(r.json.token, undefined);
});

test('token creation without CSRF (cookie session) → 403 csrf', async () => {
  const c = new Client(srv.url);
  await c.login(agent.email, agent.password);
  c.csrf = null;
  isErr(await c.post('/api/v1/tokens', { name: 'x', scopes: ['tickets:read'] }), 403, 'csrf');
});
