// "Is this really support?" (docs/verify.md): the registry of official contacts kept by
// admins, GET /api/v1/verify for every kind (e-mail, domain, URL incl. punycode, phone,
// Telegram, X, agent code) with official / look-alike / not-official answers, and the
// server-rendered /verify page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client } from '../lib/server.mjs';

let srv, admin, agent, cust, anon;

function isErr(r, status, code) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error && r.json.error.message, `JSON error body expected: ${r.text}`);
  if (code) assert.equal(r.json.error.code, code, r.text);
}
const ask = async (q, kind) => {
  const r = await anon.get('/api/v1/verify?q=' + encodeURIComponent(q) + (kind ? '&kind=' + kind : ''));
  assert.equal(r.status, 200, `${q}: ${r.text}`);
  return r.json;
};

before(async () => {
  srv = await startServer({ env: { FRONTDESK_RATE_VERIFY_IP: '1000/60' } });
  const a = srv.addUser({ email: 'root@fd-v.test', name: 'Ada Admin', role: 'admin' });
  const g = srv.addUser({ email: 'alice@fd-v.test', name: 'Alice Agent', role: 'agent', department: 'account', tier: 1 });
  admin = new Client(srv.url); await admin.login(a.email, a.password);
  agent = new Client(srv.url); await agent.login(g.email, g.password);
  cust = new Client(srv.url); await cust.signup('cust@cust-v.test', 'cust-password-1', 'Cust');
  anon = new Client(srv.url);
});

after(async () => { await srv?.stop(); });

test('only admins add and remove registry entries; bad input is refused and stores nothing', async () => {
  const e = { kind: 'domain', value: 'FrontDesk.Example', note: 'our website' };
  isErr(await anon.post('/api/v1/verify/entries', e), 401);
  isErr(await cust.post('/api/v1/verify/entries', e), 403, 'forbidden');
  isErr(await agent.post('/api/v1/verify/entries', e), 403, 'forbidden');
  isErr(await admin.post('/api/v1/verify/entries', { ...e, kind: 'fax' }), 400, 'invalid_field');
  isErr(await admin.post('/api/v1/verify/entries', { kind: 'phone', value: 'call us' }), 400, 'invalid_field');
  isErr(await admin.post('/api/v1/verify/entries', { kind: 'x', value: 'bad handle!' }), 400);
  isErr(await admin.post('/api/v1/verify/entries', { kind: 'email', value: 'nobody' }), 400);
  isErr(await admin.post('/api/v1/verify/entries', { value: 'frontdesk.example' }), 400, 'missing_field');
  isErr(await admin.post('/api/v1/verify/entries', { ...e, note: 'n'.repeat(201) }), 400);
  assert.equal((await anon.get('/api/v1/verify/entries')).json.entries.length, 0);

  const add = async (kind, value, note) => {
    const r = await admin.post('/api/v1/verify/entries', { kind, value, note });
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  const d = await add('domain', 'FrontDesk.Example', 'our website');
  assert.equal(d.value, 'frontdesk.example', 'stored normalized');
  isErr(await admin.post('/api/v1/verify/entries', { kind: 'domain', value: 'frontdesk.example.' }), 409);
  await add('email', 'Support@frontdesk.example', 'support mailbox');
  const p = await add('phone', '+1 (555) 010-2000', 'phone line');
  assert.equal(p.value, '+15550102000');
  await add('telegram', '@frontdesk_support', 'Telegram channel');
  await add('x', 'FrontdeskHQ', 'X account');
  const tmp = await add('domain', 'old-frontdesk.example', 'retired');
  isErr(await agent.del(`/api/v1/verify/entries/${tmp.id}`), 403);
  assert.equal((await admin.del(`/api/v1/verify/entries/${tmp.id}`)).status, 200);
  isErr(await admin.del(`/api/v1/verify/entries/${tmp.id}`), 404);
  isErr(await admin.del('/api/v1/verify/entries/abc'), 400);
  const list = (await anon.get('/api/v1/verify/entries')).json.entries;
  assert.deepEqual(list.map((x) => `${x.kind}:${x.value}`),
    ['domain:frontdesk.example', 'email:support@frontdesk.example', 'phone:+15550102000',
      'telegram:frontdesk_support', 'x:frontdeskhq']);
});

test('answers for each kind: official, look-alike and not official', async () => {
  const cases = [
    // [query, kind, verdict, answer kind, matched]
    ['support@frontdesk.example', null, 'official', 'email', 'support@frontdesk.example'],
    ['SUPPORT@FrontDesk.Example', null, 'official', 'email', 'support@frontdesk.example'],
    ['support@fr0ntdesk.example', null, 'lookalike', 'email', 'frontdesk.example'],
    ['help@frontdesk-support.com', null, 'lookalike', 'email', 'frontdesk.example'],
    ['someone@gmail.com', null, 'not_official', 'email', null],
    ['frontdesk.example', null, 'official', 'domain', 'frontdesk.example'],
    ['frontdesk-help.net', null, 'lookalike', 'domain', 'frontdesk.example'],
    ['frontdesk.io', null, 'lookalike', 'domain', 'frontdesk.example'],
    ['frontdeks.example', null, 'lookalike', 'domain', 'frontdesk.example'],
    ['example.org', null, 'not_official', 'domain', null],
    ['https://www.frontdesk.example/login', null, 'official', 'url', 'frontdesk.example'],
    ['https://xn--frntdesk-obh.example/login', null, 'lookalike', 'url', 'frontdesk.example'], // Cyrillic о
    ['https://frоntdеsk.example/', null, 'lookalike', 'url', 'frontdesk.example'], // raw Cyrillic
    ['http://frontdesk.example.evil.io/wallet', null, 'lookalike', 'url', 'frontdesk.example'],
    ['https://t.me/frontdesk_support', null, 'official', 'telegram', 'frontdesk_support'],
    ['https://x.com/FrontdeskHQ', null, 'official', 'x', 'frontdeskhq'],
    ['+1 555 010 2000', null, 'official', 'phone', '+15550102000'],
    ['+1 555 010 2009', null, 'not_official', 'phone', null],
    ['@frontdesk_support', null, 'official', 'telegram', 'frontdesk_support'],
    ['@frontdesk_supp0rt', null, 'lookalike', 'telegram', 'frontdesk_support'],
    ['@frontdesk_help_official', 'telegram', 'lookalike', 'telegram', 'frontdesk_support'],
    ['@FrontdeskHQ', 'x', 'official', 'x', 'frontdeskhq'],
    ['@FrontdeskHQ_', 'x', 'lookalike', 'x', 'frontdeskhq'],
    ['@cryptofan', null, 'not_official', 'handle', null],
  ];
  for (const [q, kind, verdict, k, matched] of cases) {
    const a = await ask(q, kind);
    assert.equal(a.verdict, verdict, `${q}: ${JSON.stringify(a)}`);
    assert.equal(a.kind, k, `${q}: kind`);
    if (matched) assert.equal(a.matched.value, matched, `${q}: matched`);
    else assert.equal(a.matched, undefined);
    assert.ok(a.message.length > 20);
    if (verdict === 'lookalike') {
      assert.match(a.message, /NOT ours/);
      assert.ok(a.reason, 'a reason');
    }
    if (verdict === 'not_official') assert.match(a.message, /never ask for your password/);
  }
  isErr(await anon.get('/api/v1/verify'), 400, 'missing_field');
  isErr(await anon.get('/api/v1/verify?q=%20'), 400);
  isErr(await anon.get('/api/v1/verify?q=abc&kind=fax'), 400);
  isErr(await anon.get('/api/v1/verify?q=' + 'a'.repeat(1001)), 400);
  isErr(await anon.get('/api/v1/verify?q=12&kind=agent'), 400);
});

test('agent codes: the agent sees theirs, anyone checks it, a wrong one is a warning', async () => {
  isErr(await cust.get('/api/v1/verify/agent-code'), 403);
  const r = await agent.get('/api/v1/verify/agent-code');
  assert.equal(r.status, 200, r.text);
  const code = r.json.code;
  assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{2}$/);
  assert.equal((await agent.get('/api/v1/verify/agent-code')).json.code, code, 'stable within the day');
  const a = await ask(code.toLowerCase());
  assert.equal(a.verdict, 'official');
  assert.equal(a.kind, 'agent');
  assert.equal(a.agent.name, 'Alice Agent');
  assert.equal(a.agent.in_chat_now, false);
  assert.match(a.message, /this is Alice Agent from Frontdesk support/);
  const flipped = (code[0] === 'A' ? 'B' : 'A') + code.slice(1);
  const b = await ask(flipped);
  assert.equal(b.verdict, 'not_official');
  assert.equal(b.kind, 'agent');
  assert.match(b.message, /does not belong to any of our agents/);
});

test('the /verify page answers without JavaScript and lists the official channels', async () => {
  let r = await anon.get('/verify');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/html/);
  assert.match(r.text, /<form[^>]*action="\/verify"/);
  assert.match(r.text, /frontdesk\.example/);
  assert.match(r.text, /@frontdesk_support/);
  assert.doesNotMatch(r.text, /<script/);
  r = await anon.get('/verify?q=' + encodeURIComponent('https://frontdesk-support.com/<b>x</b>'));
  assert.equal(r.status, 200);
  assert.match(r.text, /data-verdict="lookalike"/);
  assert.match(r.text, /NOT ours/);
  assert.doesNotMatch(r.text, /<b>x<\/b>/, 'the query is escaped');
  r = await anon.get('/verify?q=support%40frontdesk.example');
  assert.match(r.text, /data-verdict="official"/);
  r = await anon.get('/verify?q=%20');
  assert.equal(r.status, 400);
});
