// Reports and reply-time expectations, with every time driven by FRONTDESK_CLOCK_FILE so
// the figures are exactly known: first replies after 10, 20, 60 and 90 minutes, solved
// after 120, 180 and 240 minutes, CSAT answers, the backlog by age and deflection.
// Percentiles are nearest-rank: p50 of [10, 20, 60] is 20, p90 is 60.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client } from '../lib/server.mjs';

const T0 = Date.parse('2026-11-10T09:00:00Z');
const MIN = 60000;
const DAY = 86400000;
const PERIOD = 'from=2026-11-10&to=2026-11-10';
let srv, clockDir, clockFile, sup, admin, agentD, agentT, custA, custB;
const tk = {};

const setClock = (ms) => writeFileSync(clockFile, String(ms));

function isErr(r, status, code) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error && r.json.error.message, `JSON error body expected: ${r.text}`);
  if (code) assert.equal(r.json.error.code, code, r.text);
}

async function create(c, body) {
  const r = await c.post('/api/v1/tickets', { department: 'deposits', body: 'details', subject: 'Help', ...body });
  assert.equal(r.status, 201, r.text);
  return r.json.ticket.reference;
}
async function reply(c, ref) {
  const r = await c.post(`/api/v1/tickets/${ref}/messages`, { body: 'On it.' });
  assert.equal(r.status, 201, r.text);
}
async function solve(c, ref) {
  const r = await c.patch(`/api/v1/tickets/${ref}`, { status: 'solved' });
  assert.equal(r.status, 200, r.text);
}
async function report(name, query = PERIOD, c = sup) {
  const r = await c.get(`/api/v1/reports/${name}?${query}`);
  assert.equal(r.status, 200, `${name}: ${r.text}`);
  for (const k of ['title', 'unit', 'chart', 'columns', 'rows']) assert.ok(k in r.json, `${k} in ${name}`);
  assert.ok(['tickets', 'minutes', 'rating', 'percent'].includes(r.json.unit));
  assert.ok(['line', 'bar', 'table'].includes(r.json.chart));
  for (const row of r.json.rows) assert.equal(row.length, r.json.columns.length, `${name} row width`);
  return r.json;
}

before(async () => {
  clockDir = mkdtempSync(join(tmpdir(), 'fd-clock-'));
  clockFile = join(clockDir, 'now');
  setClock(T0);
  srv = await startServer({ env: { FRONTDESK_CLOCK_FILE: clockFile, FRONTDESK_SESSION_TTL_S: '8640000' } });
  const login = async (u) => { const c = new Client(srv.url); await c.login(u.email, u.password); return c; };
  sup = await login(srv.addUser({ email: 'sue@fd-rep.test', name: 'Sue', role: 'supervisor' }));
  admin = await login(srv.addUser({ email: 'ada@fd-rep.test', name: 'Ada', role: 'admin' }));
  agentD = await login(srv.addUser({ email: 'dora@fd-rep.test', name: 'Dora', role: 'agent', department: 'deposits', tier: 1 }));
  agentT = await login(srv.addUser({ email: 'tom@fd-rep.test', name: 'Tom', role: 'agent', department: 'trading', tier: 1 }));
  custA = new Client(srv.url); await custA.signup('a@cust-rep.test', 'customer-a-pass', 'Alice');
  custB = new Client(srv.url); await custB.signup('b@cust-rep.test', 'customer-b-pass', 'Bob');

  // T0: three web tickets in deposits, and one opened by staff for an email customer in
  // trading (its opening message is the agent's, but it is not a reply).
  tk.t1 = await create(custA, { subject: 'one' });
  tk.t2 = await create(custA, { subject: 'two' });
  tk.t3 = await create(custB, { subject: 'three' });
  tk.t4 = await create(sup, { department: 'trading', channel: 'email', requester_email: 'ext@cust-rep.test', subject: 'four' });
  setClock(T0 + 10 * MIN); await reply(agentD, tk.t1);
  setClock(T0 + 20 * MIN); await reply(agentD, tk.t2);
  await custA.post(`/api/v1/tickets/${tk.t2}/messages`, { body: 'thanks' }); // a customer message is no reply
  setClock(T0 + 60 * MIN); await reply(agentD, tk.t3);
  setClock(T0 + 90 * MIN); await reply(agentT, tk.t4);
});

after(async () => {
  await srv?.stop();
  if (clockDir) rmSync(clockDir, { recursive: true, force: true });
});

test('expectations: exact p50/p90 per department, channel and priority; honest fallbacks; bad input 400', async () => {
  const anon = new Client(srv.url);
  let r = await anon.get('/api/v1/expectations?department=deposits&channel=web&priority=normal');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.basis, 'exact');
  assert.equal(r.json.samples, 3);
  assert.equal(r.json.p50_minutes, 20);
  assert.equal(r.json.p90_minutes, 60);
  assert.equal(r.json.window_days, 7);
  assert.match(r.json.text, /within 20 minutes.*within 1 hour/);
  assert.equal(r.json.note, null);
  assert.match(r.headers.get('cache-control') || '', /max-age=60/);

  r = await anon.get('/api/v1/expectations?department=deposits&channel=email');
  assert.equal(r.json.basis, 'department', r.text);
  assert.equal(r.json.samples, 3);
  assert.equal(r.json.p50_minutes, 20);
  assert.match(r.json.note, /whole department/);

  // trading has one reply only: all departments, [10, 20, 60, 90] → p50 20, p90 90.
  r = await anon.get('/api/v1/expectations?department=trading&channel=email&priority=normal');
  assert.equal(r.json.basis, 'all', r.text);
  assert.equal(r.json.samples, 4);
  assert.equal(r.json.p50_minutes, 20);
  assert.equal(r.json.p90_minutes, 90);
  assert.match(r.json.note, /all departments/);

  r = await anon.get('/api/v1/expectations');
  assert.equal(r.json.basis, 'all');
  assert.equal(r.json.samples, 4);

  isErr(await anon.get('/api/v1/expectations?department=nope'), 400, 'invalid_field');
  isErr(await anon.get('/api/v1/expectations?channel=fax'), 400, 'invalid_field');
  isErr(await anon.get('/api/v1/expectations?priority=asap'), 400, 'invalid_field');
});

test('expectations are cached for a minute, then follow new replies; older than 7 days they drop out', async () => {
  const q = '/api/v1/expectations?department=deposits&channel=web&priority=normal';
  const anon = new Client(srv.url);
  // A reply at the same instant as the cache: not seen yet.
  tk.t5 = await create(custB, { subject: 'five' });
  await reply(agentD, tk.t5); // first reply after 0 minutes
  assert.equal((await anon.get(q)).json.samples, 3, 'cached');
  setClock(T0 + 91 * MIN + 1000);
  const r = await anon.get(q);
  assert.equal(r.json.samples, 4, r.text);
  assert.equal(r.json.p50_minutes, 10); // [0, 10, 20, 60]
  assert.equal(r.json.p90_minutes, 60);
  // Eight days later nothing is recent: no number is invented.
  setClock(T0 + 8 * DAY + 2 * MIN);
  const old = await anon.get(q);
  assert.equal(old.json.basis, 'none', old.text);
  assert.equal(old.json.p50_minutes, null);
  assert.equal(old.json.text, null);
  assert.match(old.json.note, /too few/);
  setClock(T0 + 91 * MIN + 1000);
});

test('first-reply and resolution reports: daily p50/p90 in minutes, overall summary, department filter', async () => {
  setClock(T0 + 120 * MIN); await solve(agentD, tk.t1);
  setClock(T0 + 180 * MIN); await solve(agentD, tk.t2);
  setClock(T0 + 240 * MIN); await solve(agentD, tk.t3);
  let r = await report('first-reply');
  assert.equal(r.unit, 'minutes');
  assert.deepEqual(r.columns, ['day', 'p50', 'p90']);
  assert.deepEqual(r.rows, [['2026-11-10', 20, 90]]); // [0, 10, 20, 60, 90]
  assert.deepEqual(r.summary, { tickets: 5, p50: 20, p90: 90 });
  r = await report('first-reply', PERIOD + '&department=deposits');
  assert.deepEqual(r.rows, [['2026-11-10', 10, 60]]);
  assert.equal(r.department, 'deposits');
  r = await report('first-reply', 'from=2026-11-09&to=2026-11-11');
  assert.deepEqual(r.rows, [['2026-11-09', null, null], ['2026-11-10', 20, 90], ['2026-11-11', null, null]]);

  r = await report('resolution');
  assert.deepEqual(r.rows, [['2026-11-10', 180, 240]]); // [120, 180, 240]
  r = await report('resolution', PERIOD + '&department=trading');
  assert.deepEqual(r.rows, [['2026-11-10', null, null]]);
  assert.match(r.note, /no tickets/);
});

test('volume by channel and by department, daily buckets with zero days', async () => {
  let r = await report('volume-channel', 'from=2026-11-09&to=2026-11-10');
  assert.equal(r.unit, 'tickets');
  assert.deepEqual(r.columns, ['day', 'web', 'email', 'chat']);
  assert.deepEqual(r.rows, [['2026-11-09', 0, 0, 0], ['2026-11-10', 4, 1, 0]]);
  r = await report('volume-department', PERIOD);
  assert.deepEqual(r.columns, ['day', 'account', 'deposits', 'trading', 'technical', 'kyc']);
  assert.deepEqual(r.rows, [['2026-11-10', 0, 4, 1, 0, 0]]);
  r = await report('volume-department', PERIOD + '&department=trading');
  assert.deepEqual(r.columns, ['day', 'trading']);
  assert.deepEqual(r.rows, [['2026-11-10', 1]]);
  // the default period: the last 30 days up to today
  setClock(Date.parse('2026-11-20T12:00:00Z'));
  r = await report('volume-channel', '');
  assert.equal(r.rows.length, 30);
  assert.equal(r.from, '2026-10-22');
  assert.equal(r.to, '2026-11-20');
  assert.deepEqual(r.rows.find((x) => x[0] === '2026-11-10'), ['2026-11-10', 4, 1, 0]);
  setClock(T0 + 240 * MIN);
});

test('CSAT report: distribution, average and response rate of the tickets solved in the period', async () => {
  let r = await custA.req('PUT', `/api/v1/tickets/${tk.t1}/csat`, { rating: 5 });
  assert.equal(r.status, 200, r.text);
  r = await custA.req('PUT', `/api/v1/tickets/${tk.t2}/csat`, { rating: 2, comment: 'slow' });
  assert.equal(r.status, 200, r.text);
  r = await report('csat');
  assert.equal(r.unit, 'rating');
  assert.equal(r.chart, 'bar');
  assert.deepEqual(r.columns, ['rating', 'responses']);
  assert.deepEqual(r.rows, [[1, 0], [2, 1], [3, 0], [4, 0], [5, 1]]);
  assert.equal(r.summary.average, 3.5);
  assert.equal(r.summary.responses, 2);
  assert.equal(r.summary.solved, 3);
  assert.equal(r.summary.rated, 2);
  assert.equal(r.summary.response_rate, 67);
  assert.match(r.note, /67%/);
  r = await report('csat', PERIOD + '&department=trading');
  assert.deepEqual(r.rows.map((x) => x[1]), [0, 0, 0, 0, 0]);
  assert.equal(r.summary.average, null);
});

test('backlog by age of the open tickets now', async () => {
  setClock(T0 + 2 * DAY - 60 * MIN);
  tk.t6 = await create(custB, { subject: 'six' });
  setClock(T0 + 2 * DAY);
  // open: t4 and t5 (about 2 days old) and t6 (1 hour old); t1-t3 are solved.
  const r = await report('backlog');
  assert.equal(r.chart, 'bar');
  assert.deepEqual(r.columns, ['age', 'tickets']);
  assert.deepEqual(r.rows, [['<1d', 1], ['1-3d', 2], ['3-7d', 0], ['>7d', 0]]);
  const d = await report('backlog', 'department=deposits');
  assert.deepEqual(d.rows, [['<1d', 1], ['1-3d', 1], ['3-7d', 0], ['>7d', 0]]);
  setClock(T0 + 8 * DAY); // t6 is 6 days 1 hour old, t4 and t5 about 8 days
  assert.deepEqual((await report('backlog')).rows, [['<1d', 0], ['1-3d', 0], ['3-7d', 1], ['>7d', 2]]);
  setClock(T0 + 240 * MIN);
});

test('CSV: same columns and rows, RFC 4180, as an attachment', async () => {
  const j = await report('first-reply', 'from=2026-11-09&to=2026-11-10');
  const r = await sup.get('/api/v1/reports/first-reply?from=2026-11-09&to=2026-11-10&format=csv');
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  assert.match(r.headers.get('content-disposition'), /^attachment; filename="first-reply_2026-11-09_2026-11-10\.csv"$/);
  assert.equal(r.text, 'day,p50,p90\r\n2026-11-09,,\r\n2026-11-10,20,90\r\n');
  assert.equal(j.rows.length + 1, r.text.trim().split('\r\n').length);
  const v = await sup.get('/api/v1/reports/volume-department?from=2026-11-10&to=2026-11-10&department=deposits&format=csv');
  assert.equal(v.text, 'day,deposits\r\n2026-11-10,4\r\n');
  assert.match(v.headers.get('content-disposition'), /volume-department_2026-11-10_2026-11-10_deposits\.csv/);
  const b = await admin.get('/api/v1/reports/backlog?format=csv');
  assert.equal(b.status, 200);
  assert.match(b.text, /^age,tickets\r\n<1d,\d+\r\n1-3d,\d+\r\n3-7d,\d+\r\n>7d,\d+\r\n$/);
});

test('who may see reports: supervisors and admins; agents and customers 403; anonymous 401', async () => {
  const names = (await sup.get('/api/v1/reports')).json.reports;
  assert.deepEqual(names, ['volume-channel', 'volume-department', 'first-reply', 'resolution', 'backlog', 'csat', 'deflection']);
  for (const name of names) {
    await report(name, PERIOD, admin);
    isErr(await agentD.get(`/api/v1/reports/${name}`), 403, 'forbidden');
    isErr(await agentD.get(`/api/v1/reports/${name}?format=csv`), 403, 'forbidden');
    isErr(await custA.get(`/api/v1/reports/${name}`), 403, 'forbidden');
    isErr(await new Client(srv.url).get(`/api/v1/reports/${name}`), 401);
  }
  isErr(await agentT.get('/api/v1/reports'), 403);
});

test('bad report queries are 400 with a message naming the field; unknown reports 404', async () => {
  for (const [q, field] of [['from=2026-13-01', /from/], ['to=yesterday', /to/], ['from=2026-02-30', /from/],
    ['from=2026-11-10&to=2026-11-01', /from/], ['from=2024-01-01&to=2026-01-01', /366/],
    ['department=nope', /department/], ['format=xml', /format/]]) {
    const r = await sup.get('/api/v1/reports/volume-channel?' + q);
    isErr(r, 400, 'invalid_field');
    assert.match(r.json.error.message, field, q);
  }
  isErr(await sup.get('/api/v1/reports/nope'), 404);
});

test('deflection report: prompts, opened articles, filed anyway vs deflected, per day', async () => {
  // Needs help-center articles: a second server with the demo data.
  const dir = mkdtempSync(join(tmpdir(), 'fd-clock2-'));
  const file = join(dir, 'now');
  writeFileSync(file, String(T0));
  const s2 = await startServer({ demo: true, env: { FRONTDESK_CLOCK_FILE: file } });
  try {
    const u = s2.addUser({ email: 'sue2@fd-rep.test', name: 'Sue', role: 'supervisor' });
    const c = new Client(s2.url); await c.login(u.email, u.password);
    const cust = new Client(s2.url); await cust.signup('c@cust-rep.test', 'customer-c-pass', 'Cy');
    const anon = new Client(s2.url);
    const d1 = await cust.post('/api/v1/kb/deflect', { text: 'My withdrawal has been delayed for two days', channel: 'ticket' });
    assert.equal(d1.status, 200, d1.text);
    const slug = d1.json.articles[0].slug;
    assert.equal((await cust.post(`/api/v1/kb/deflect/${d1.json.token}/opened`, { slug })).status, 204);
    assert.equal((await cust.post('/api/v1/tickets', { subject: 'still', body: 'x', department: 'deposits', deflection_token: d1.json.token })).status, 201);
    const d2 = await anon.post('/api/v1/kb/deflect', { text: 'deposit memo tag missing', channel: 'chat' });
    assert.equal((await anon.post(`/api/v1/kb/deflect/${d2.json.token}/opened`, { slug: d2.json.articles[0].slug })).status, 204);
    await anon.post('/api/v1/kb/deflect', { text: 'network congestion fees', channel: 'ticket' });
    const r = await c.get('/api/v1/reports/deflection?from=2026-11-10&to=2026-11-10');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.columns, ['day', 'suggested', 'opened', 'opened_then_filed', 'deflected']);
    assert.deepEqual(r.json.rows, [['2026-11-10', 3, 2, 1, 1]]);
    const f = await c.get('/api/v1/reports/deflection?from=2026-11-10&to=2026-11-10&department=deposits');
    assert.match(f.json.note, /department filter does not apply/);
  } finally {
    await s2.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
