// Routing rules, dry runs, macros and automatic assignment over HTTP: admin-only
// management (403 for agents and customers), validation errors that change nothing, a
// mail and a portal ticket routed end to end, macro application and the user CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, Client, cli } from '../lib/server.mjs';

function sql(query) {
  return execFileSync('sqlite3', ['-readonly', join(srv.dataDir, 'frontdesk.db'), query], { encoding: 'utf8' }).trim();
}

let srv, admin, agent, agent2, cust, token;

function isErr(r, status, code, re) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error, `JSON error body expected, got: ${r.text}`);
  if (code) assert.equal(r.json.error.code, code, r.text);
  if (re) assert.match(r.json.error.message, re);
}

async function login(u) { const c = new Client(srv.url); await c.login(u.email, u.password); return c; }

async function rules() {
  const r = await admin.get('/api/v1/routing/rules');
  assert.equal(r.status, 200, r.text);
  return r.json.rules;
}

async function events(ref, c = admin) {
  const r = await c.get(`/api/v1/tickets/${ref}/events`);
  assert.equal(r.status, 200, r.text);
  return r.json.events;
}

async function inbound(raw, address) {
  const res = await fetch(srv.url + '/api/v1/mail/inbound?address=' + encodeURIComponent(address), {
    method: 'POST', body: Buffer.from(raw),
    headers: { authorization: 'Bearer ' + token, 'content-type': 'message/rfc822' },
  });
  const text = await res.text();
  assert.ok(res.status === 201 || res.status === 200, `inbound: ${res.status} ${text}`);
  return JSON.parse(text);
}

before(async () => {
  srv = await startServer();
  const a = srv.addUser({ email: 'admin@fd-route.test', name: 'Ada Admin', role: 'admin' });
  const g = srv.addUser({ email: 'dora@fd-route.test', name: 'Dora Deposits', role: 'agent', department: 'deposits', tier: 1 });
  const g2 = srv.addUser({ email: 'dan@fd-route.test', name: 'Dan Deposits', role: 'agent', department: 'deposits', tier: 1 });
  admin = await login(a);
  agent = await login(g);
  agent2 = await login(g2);
  cust = new Client(srv.url); await cust.signup('vip@cust-route.test', 'customer-pass-1', 'Vera Vip');
  token = cli(['token', 'create', '--email', a.email, '--name', 'mailgate', '--scopes', 'mail:ingest',
    '--data-dir', srv.dataDir]).trim();
});
after(async () => { await srv?.stop(); });

const VIP_RULE = {
  name: 'VIP withdrawals',
  conditions: {
    all: [{ field: 'recipient', op: 'is', value: 'withdrawals@frontdesk.test' }],
    any: [{ field: 'vip_level', op: 'gte', value: 3 }, { field: 'subject', op: 'matches', value: 'urgent|asap' }],
  },
  actions: { priority: 'urgent', add_tags: ['vip-withdrawal'], assign: 'auto' },
};

test('agents and customers get 403 on routing management; agents may list macros; nobody signed in gets 401', async () => {
  for (const c of [agent, cust]) {
    isErr(await c.get('/api/v1/routing/rules'), 403, 'forbidden');
    isErr(await c.post('/api/v1/routing/rules', VIP_RULE), 403, 'forbidden');
    isErr(await c.post('/api/v1/routing/dry-run', { subject: 'x' }), 403, 'forbidden');
    isErr(await c.post('/api/v1/macros', { name: 'm', body: 'b' }), 403, 'forbidden');
    isErr(await c.get('/api/v1/routing/settings'), 403, 'forbidden');
    isErr(await c.patch('/api/v1/routing/customers', { email: 'vip@cust-route.test', vip_level: 5 }), 403);
  }
  isErr(await cust.get('/api/v1/macros'), 403, 'forbidden');
  assert.equal((await agent.get('/api/v1/macros')).status, 200);
  isErr(await new Client(srv.url).get('/api/v1/routing/rules'), 401);
  assert.deepEqual(await rules(), []);
});

test('bad rules are refused with a 400 naming the problem, and nothing is stored', async () => {
  const cases = [
    [{ ...VIP_RULE, conditions: { all: [{ field: 'subject', op: 'matches', value: '(unclosed' }] } }, /conditions\.all\[0\]\.value.*regular expression/],
    [{ ...VIP_RULE, conditions: { all: [{ field: 'colour', op: 'is', value: 'x' }] } }, /conditions\.all\[0\]\.field/],
    [{ ...VIP_RULE, conditions: { all: [{ field: 'vip_level', op: 'contains', value: 3 }] } }, /op for vip_level/],
    [{ ...VIP_RULE, conditions: { all: [{ field: 'vip_level', op: 'gte', value: 9 }] } }, /VIP level/],
    [{ ...VIP_RULE, conditions: { none: [] } }, /unknown key "none"/],
    [{ ...VIP_RULE, actions: {} }, /at least one action/],
    [{ ...VIP_RULE, actions: { department: 'nowhere' } }, /unknown department/],
    [{ ...VIP_RULE, actions: { assign: 'nobody@fd-route.test' } }, /not an active agent/],
    [{ ...VIP_RULE, actions: { macro: 999 } }, /no macro 999/],
    [{ ...VIP_RULE, actions: { explode: true } }, /unknown action/],
    [{ ...VIP_RULE, name: '' }, /name/],
    [{ ...VIP_RULE, conditions: { all: [{ field: 'body', op: 'contains', value: 'x'.repeat(201) }] } }, /too long/],
  ];
  for (const [body, re] of cases) {
    const r = await admin.post('/api/v1/routing/rules', body);
    isErr(r, 400, null, re);
  }
  isErr(await admin.post('/api/v1/routing/rules', { ...VIP_RULE, colour: 'red' }), 400);
  assert.deepEqual(await rules(), []);
});

test('rules CRUD: create, edit, disable, reorder (all ids once) and delete', async () => {
  const a = await admin.post('/api/v1/routing/rules', { name: 'First', conditions: {}, actions: { add_tags: ['one'] } });
  assert.equal(a.status, 201, a.text);
  const b = await admin.post('/api/v1/routing/rules', { name: 'Second', enabled: false, continue: true, conditions: {}, actions: { priority: 'low' } });
  assert.equal(b.status, 201, b.text);
  assert.equal(a.json.rule.position, 1);
  assert.equal(b.json.rule.position, 2);
  assert.equal(b.json.rule.enabled, false);
  assert.equal(b.json.rule.continue, true);
  const p = await admin.patch(`/api/v1/routing/rules/${a.json.rule.id}`, { name: 'First renamed', enabled: false });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.rule.name, 'First renamed');
  assert.deepEqual(p.json.rule.actions, { add_tags: ['one'] });
  isErr(await admin.patch(`/api/v1/routing/rules/${a.json.rule.id}`, { actions: { tier: 7 } }), 400, null, /tier/);
  assert.equal((await rules())[0].name, 'First renamed');
  isErr(await admin.patch('/api/v1/routing/rules/9999', { name: 'x' }), 404);
  isErr(await admin.post('/api/v1/routing/rules/reorder', { ids: [a.json.rule.id] }), 400, null, /all 2 rules/);
  isErr(await admin.post('/api/v1/routing/rules/reorder', { ids: [a.json.rule.id, a.json.rule.id] }), 400, null, /twice/);
  const ro = await admin.post('/api/v1/routing/rules/reorder', { ids: [b.json.rule.id, a.json.rule.id] });
  assert.equal(ro.status, 200, ro.text);
  assert.deepEqual(ro.json.rules.map((r) => r.name), ['Second', 'First renamed']);
  assert.equal((await admin.del(`/api/v1/routing/rules/${a.json.rule.id}`)).status, 200);
  assert.equal((await admin.del(`/api/v1/routing/rules/${b.json.rule.id}`)).status, 200);
  isErr(await admin.del(`/api/v1/routing/rules/${b.json.rule.id}`), 404);
  assert.deepEqual(await rules(), []);
});

test('dry run explains each condition of each rule and which one would apply', async () => {
  const r = await admin.post('/api/v1/routing/rules', VIP_RULE);
  assert.equal(r.status, 201, r.text);
  const id = r.json.rule.id;
  const miss = await admin.post('/api/v1/routing/dry-run', { subject: 'Hello', recipient: 'withdrawals@frontdesk.test', vip_level: 1, channel: 'email' });
  assert.equal(miss.status, 200, miss.text);
  assert.deepEqual(miss.json.matched_rule_ids, []);
  const conds = miss.json.rules[0].conditions;
  assert.equal(conds.length, 3);
  assert.deepEqual(conds.map((c) => c.result), [true, false, false]);
  assert.equal(conds[1].actual, 1);
  assert.equal(miss.json.result.priority, 'normal');
  const hit = await admin.post('/api/v1/routing/dry-run', { subject: 'Need this ASAP', recipient: 'withdrawals@frontdesk.test', vip_level: 0 });
  assert.equal(hit.status, 200, hit.text);
  assert.deepEqual(hit.json.matched_rule_ids, [id]);
  assert.equal(hit.json.rules[0].matched, true);
  assert.equal(hit.json.result.priority, 'urgent');
  assert.deepEqual(hit.json.result.tags, ['vip-withdrawal']);
  assert.equal(hit.json.result.assign, 'auto');
  isErr(await admin.post('/api/v1/routing/dry-run', { vip_level: 8 }), 400, null, /vip_level/);
  isErr(await admin.post('/api/v1/routing/dry-run?ticket=FD-99999', {}), 404);
});

test('a mail to the withdrawals address from a VIP is routed and auto-assigned; events name the rule', async () => {
  // The customer becomes VIP 4 (admin API), agents come online.
  const c = await admin.patch('/api/v1/routing/customers', { email: 'vip@cust-route.test', vip_level: 4, language: 'pt-BR' });
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.customer.vip_level, 4);
  assert.equal(c.json.customer.language, 'pt-BR');
  isErr(await admin.patch('/api/v1/routing/customers', { email: 'vip@cust-route.test', vip_level: 6 }), 400);
  isErr(await admin.patch('/api/v1/routing/customers', { email: 'vip@cust-route.test', language: '12 x' }), 400, null, /language/);
  isErr(await admin.patch('/api/v1/routing/customers', { email: 'ghost@cust-route.test', vip_level: 1 }), 404);
  for (const g of [agent, agent2]) {
    const s = await g.req('PUT', '/api/v1/agent/status', { status: 'online' });
    assert.equal(s.status, 200, s.text);
  }
  const raw = ['From: Vera Vip <vip@cust-route.test>', 'To: withdrawals@frontdesk.test', 'Subject: BTC withdrawal pending',
    'Message-ID: <w1@cust-route.test>', 'MIME-Version: 1.0', 'Content-Type: text/plain', '', 'My BTC withdrawal is stuck.', ''].join('\r\n');
  const res = await inbound(raw, 'withdrawals@frontdesk.test');
  const ref = res.ticket;
  assert.match(ref, /^FD-\d+$/);
  const t = (await admin.get('/api/v1/tickets/' + ref)).json.ticket;
  assert.equal(t.priority, 'urgent');
  assert.ok(t.tags.includes('vip-withdrawal'), JSON.stringify(t.tags));
  assert.equal(t.department, 'deposits');
  assert.ok([agent.user.id, agent2.user.id].includes(t.assignee?.id ?? t.assignee_id), JSON.stringify(t));
  const ev = await events(ref);
  const routed = ev.find((e) => e.type === 'routed');
  assert.ok(routed, JSON.stringify(ev.map((e) => e.type)));
  assert.match(JSON.stringify(routed), /VIP withdrawals/);
  assert.ok(ev.some((e) => e.type === 'assigned' && /round_robin/.test(JSON.stringify(e))));
  // The same mail to the main deposits address does not match the recipient condition.
  const raw2 = raw.replace('withdrawals@', 'deposits@').replace('<w1@', '<w2@').replace('Subject: BTC', 'Subject: ETH');
  const t2 = (await admin.get('/api/v1/tickets/' + (await inbound(raw2, 'deposits@frontdesk.test')).ticket)).json.ticket;
  assert.equal(t2.priority, 'normal');
  assert.ok(!t2.tags.includes('vip-withdrawal'));
});

test('a portal ticket is routed by a rule; the dry run of an existing ticket explains it', async () => {
  const r = await admin.post('/api/v1/routing/rules', {
    name: 'Portuguese KYC', conditions: { all: [{ field: 'language', op: 'is', value: 'pt-br' }, { field: 'text', op: 'contains', value: 'passport' }] },
    actions: { department: 'kyc', tier: 2, add_tags: ['pt'] },
  });
  assert.equal(r.status, 201, r.text);
  const c = await cust.post('/api/v1/tickets', { subject: 'Verification', body: 'My PASSPORT photo was rejected', department: 'account' });
  assert.equal(c.status, 201, c.text);
  const t = c.json.ticket;
  assert.equal(t.department, 'kyc');
  assert.equal(t.tier, 2);
  assert.deepEqual(t.tags, ['pt']);
  const d = await admin.post('/api/v1/routing/dry-run?ticket=' + t.reference, {});
  assert.equal(d.status, 200, d.text);
  const rule = d.json.rules.find((x) => x.name === 'Portuguese KYC');
  assert.equal(rule.matched, true);
  assert.deepEqual(rule.conditions.map((x) => x.result), [true, true]);
});

test('macros: admins manage, agents apply; placeholders are filled and actions run in one step', async () => {
  isErr(await admin.post('/api/v1/macros', { name: 'Bad', body: 'Hi {{customer.secret}}' }), 400, null, /customer\.secret/);
  isErr(await admin.post('/api/v1/macros', { name: 'Bad', body: 'Hi', actions: { status: 'gone' } }), 400, null, /status/);
  // The outbound guard: a macro that asks for a secret is refused, a warning passes.
  const nMacros = (await admin.get('/api/v1/macros')).json.macros.length;
  isErr(await admin.post('/api/v1/macros', { name: 'Phish', body: 'To verify you, please send us your 12-word seed phrase.' }), 400, null, /seed|recovery|phrase/i);
  const warn = await admin.post('/api/v1/macros', { name: 'Warning', body: 'We will never ask for your seed phrase or 2FA codes.' });
  assert.equal(warn.status, 201, warn.text);
  isErr(await admin.req('PATCH', `/api/v1/macros/${warn.json.macro.id}`, { body: 'What is your 2FA code?' }), 400, null, /2FA|code/i);
  assert.equal((await admin.get('/api/v1/macros')).json.macros.length, nMacros + 1);
  assert.equal((await admin.req('DELETE', `/api/v1/macros/${warn.json.macro.id}`)).status, 200);
  const m = await admin.post('/api/v1/macros', {
    name: 'Ask for TXID', body: 'Hello {{customer.name}}, about {{ticket.ref}}: please send the TXID. — {{agent.name}}',
    actions: { status: 'pending', add_tags: ['need-txid'], priority: 'high' },
  });
  assert.equal(m.status, 201, m.text);
  const mid = m.json.macro.id;
  const list = await agent.get('/api/v1/macros');
  assert.ok(list.json.macros.some((x) => x.id === mid));
  const c = await cust.post('/api/v1/tickets', { subject: 'Deposit missing', body: 'Where is it?', department: 'deposits' });
  const ref = c.json.ticket.reference;
  isErr(await cust.post(`/api/v1/tickets/${ref}/macros/${mid}`), 403);
  isErr(await agent.post(`/api/v1/tickets/${ref}/macros/9999`), 404);
  const ap = await agent.post(`/api/v1/tickets/${ref}/macros/${mid}`);
  assert.equal(ap.status, 200, ap.text);
  assert.equal(ap.json.ticket.status, 'pending');
  assert.equal(ap.json.ticket.priority, 'high');
  assert.ok(ap.json.ticket.tags.includes('need-txid'));
  const got = await cust.get('/api/v1/tickets/' + ref);
  const msgs = got.json.messages;
  const reply = msgs[msgs.length - 1];
  assert.equal(reply.body, `Hello Vera Vip, about ${ref}: please send the TXID. — Dora Deposits`);
  const ev = await events(ref);
  assert.ok(ev.some((e) => e.type === 'macro_applied'));
  // A transition the ticket cannot make refuses the whole macro: no reply is added.
  const closer = await admin.post('/api/v1/macros', { name: 'Reopen', body: 'x', actions: { status: 'new' } });
  const before = (await cust.get('/api/v1/tickets/' + ref)).json.messages.length;
  isErr(await agent.post(`/api/v1/tickets/${ref}/macros/${closer.json.macro.id}`), 409);
  assert.equal((await cust.get('/api/v1/tickets/' + ref)).json.messages.length, before);
});

test('settings: least_loaded per department, agent capacity; going offline hands tickets to the other agent', async () => {
  isErr(await admin.patch('/api/v1/routing/departments/deposits', { method: 'random' }), 400, null, /round_robin or least_loaded/);
  const s = await admin.patch('/api/v1/routing/departments/deposits', { method: 'least_loaded' });
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.departments.find((d) => d.slug === 'deposits').method, 'least_loaded');
  isErr(await admin.patch(`/api/v1/routing/agents/${agent.user.id}`, { ticket_capacity: 0 }), 400);
  const cap = await admin.patch(`/api/v1/routing/agents/${agent.user.id}`, { ticket_capacity: 50 });
  assert.equal(cap.status, 200, cap.text);
  assert.equal(cap.json.agents.find((a) => a.id === agent.user.id).ticket_capacity, 50);
  const r = await admin.post('/api/v1/routing/rules', { name: 'Auto deposits', conditions: { all: [{ field: 'subject', op: 'contains', value: 'auto-me' }] }, actions: { department: 'deposits', assign: 'auto' } });
  assert.equal(r.status, 201, r.text);
  const mine = [];
  for (let i = 0; i < 4; i++) {
    const c = await cust.post('/api/v1/tickets', { subject: 'please auto-me ' + i, body: 'x', department: 'account' });
    assert.equal(c.status, 201, c.text);
    mine.push(c.json.ticket.reference);
  }
  const owners = [];
  for (const ref of mine) owners.push((await admin.get('/api/v1/tickets/' + ref)).json.ticket);
  const ids = owners.map((t) => t.assignee?.id ?? t.assignee_id);
  assert.ok(ids.every((x) => x === agent.user.id || x === agent2.user.id), JSON.stringify(ids));
  // agent goes offline: all of their new/open tickets move to agent2
  const off = await agent.req('PUT', '/api/v1/agent/status', { status: 'offline' });
  assert.equal(off.status, 200, off.text);
  for (const ref of mine) {
    const t = (await admin.get('/api/v1/tickets/' + ref)).json.ticket;
    assert.equal(t.assignee?.id ?? t.assignee_id, agent2.user.id, ref);
  }
});

test('a rule that sends a macro answers a mail publicly and the reply is queued for the customer', async () => {
  const m = await admin.post('/api/v1/macros', { name: 'KYC auto-reply', body: 'Hello {{customer.name}}, we received {{ticket.ref}} about "{{ticket.subject}}".' });
  assert.equal(m.status, 201, m.text);
  const r = await admin.post('/api/v1/routing/rules', {
    name: 'KYC auto-reply', conditions: { all: [{ field: 'channel', op: 'is', value: 'email' }, { field: 'recipient', op: 'is', value: 'kyc@frontdesk.test' }] },
    actions: { macro: m.json.macro.id },
  });
  assert.equal(r.status, 201, r.text);
  const reorder = await admin.post('/api/v1/routing/rules/reorder', { ids: [r.json.rule.id, ...(await rules()).map((x) => x.id).filter((id) => id !== r.json.rule.id)] });
  assert.equal(reorder.status, 200, reorder.text);
  const raw = ['From: Kim Kyc <kim@cust-route.test>', 'To: kyc@frontdesk.test', 'Subject: ID check',
    'Message-ID: <k1@cust-route.test>', 'MIME-Version: 1.0', 'Content-Type: text/plain', '', 'Is my ID ok?', ''].join('\r\n');
  const ref = (await inbound(raw, 'kyc@frontdesk.test')).ticket;
  const got = (await admin.get('/api/v1/tickets/' + ref)).json;
  const reply = got.messages.find((x) => x.body.startsWith('Hello Kim Kyc'));
  assert.ok(reply, JSON.stringify(got.messages));
  assert.equal(reply.body, `Hello Kim Kyc, we received ${ref} about "ID check".`);
  assert.equal(reply.internal, false);
  assert.equal(got.ticket.status, 'open');
  const id = Number(ref.slice(3)) - 10000;
  let n = '0';
  for (let i = 0; i < 100 && n === '0'; i++) {
    n = sql(`SELECT count(*) FROM outbox WHERE ticket_id = ${id} AND kind = 'reply' AND rcpt = 'kim@cust-route.test'`);
    if (n === '0') await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(n, '1', 'the macro reply is queued for the customer');
});

test('frontdesk user attrs sets vip_level and language from the command line', () => {
  const out = cli(['user', 'attrs', '--email', 'vip@cust-route.test', '--vip-level', '2', '--language', 'es', '--data-dir', srv.dataDir]);
  assert.match(out, /attributes changed/);
  const list = cli(['user', 'list', '--data-dir', srv.dataDir]);
  assert.match(list, /vip@cust-route\.test/);
});
