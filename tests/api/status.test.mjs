// Status page: incident lifecycle, public JSON, server-rendered page, Atom feed (parsed as
// XML with xmllint), permissions, bad input, and maintenance windows driven by
// FRONTDESK_CLOCK_FILE.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client } from '../lib/server.mjs';
import { startSmtpSink, sleep } from '../lib/mailservers.mjs';

const HOUR = 3600 * 1000;
const T0 = Date.UTC(2027, 0, 4, 8, 0, 0); // the server's clock at the start
let srv, sink, clockDir, clockFile;
let sup, agent, cust, anon;

function setClock(ms) { writeFileSync(clockFile, String(ms)); }
function isErr(r, status, code) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error, `JSON error body expected, got: ${r.text}`);
  if (code) assert.equal(r.json.error.code, code, r.text);
  assert.ok(r.json.error.message.length > 0);
}
function comp(status, slug) { return status.components.find((c) => c.id === slug); }
function xpath(xml, expr) {
  // xmllint ends its answer with one newline of its own.
  return execFileSync('xmllint', ['--xpath', expr, '-'], { input: xml, encoding: 'utf8' }).replace(/\n$/, '');
}
async function login(email, password) { const c = new Client(srv.url); await c.login(email, password); return c; }

before(async () => {
  clockDir = mkdtempSync(join(tmpdir(), 'fd-clock-'));
  clockFile = join(clockDir, 'now');
  setClock(T0);
  sink = await startSmtpSink();
  srv = await startServer({ env: {
    FRONTDESK_CLOCK_FILE: clockFile, FRONTDESK_SMTP_URL: sink.url, FRONTDESK_MAIL_POLL_MS: '100',
  } });
  const s = srv.addUser({ email: 'sup@fd.test', name: 'Sue Pervisor', role: 'supervisor' });
  const a = srv.addUser({ email: 'ann@fd.test', name: 'Ann Agent', role: 'agent', department: 'deposits', tier: 1 });
  sup = await login(s.email, s.password);
  agent = await login(a.email, a.password);
  cust = new Client(srv.url);
  await cust.signup('carol@example.com');
  anon = new Client(srv.url);
});

after(async () => {
  await srv?.stop();
  await sink?.stop();
  rmSync(clockDir, { recursive: true, force: true });
});

test('with nothing going on, every component is operational', async () => {
  const r = await anon.get('/api/v1/status');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.overall.state, 'operational');
  assert.equal(r.json.overall.description, 'All systems operational');
  for (const slug of ['chain-btc', 'chain-eth', 'chain-tron', 'chain-sol', 'spot', 'derivatives', 'api', 'mobile-app', 'website', 'kyc'])
    assert.equal(comp(r.json, slug)?.state, 'operational', slug);
  assert.equal(comp(r.json, 'chain-btc').group, 'Deposits & withdrawals');
  assert.deepEqual(r.json.incidents, []);
  assert.equal(r.json.generated_at, new Date(T0).toISOString().replace('.000Z', 'Z'));
  const b = await anon.get('/api/v1/status/banner');
  assert.deepEqual(b.json, { incidents: [] });
});

test('only supervisors and admins publish; bad input is refused and nothing is stored', async () => {
  const body = { title: 'BTC withdrawals delayed', body: 'We are investigating.', components: [{ component: 'chain-btc', state: 'degraded' }] };
  isErr(await anon.post('/api/v1/status/incidents', body), 401);
  isErr(await cust.post('/api/v1/status/incidents', body), 403, 'forbidden');
  isErr(await agent.post('/api/v1/status/incidents', body), 403, 'forbidden');
  isErr(await sup.post('/api/v1/status/incidents', { ...body, title: '' }), 400, 'invalid_field');
  isErr(await sup.post('/api/v1/status/incidents', { body: 'x' }), 400, 'missing_field');
  isErr(await sup.post('/api/v1/status/incidents', { ...body, components: [{ component: 'chain-doge', state: 'degraded' }] }), 400, 'invalid_field');
  isErr(await sup.post('/api/v1/status/incidents', { ...body, components: [{ component: 'chain-btc', state: 'on_fire' }] }), 400, 'invalid_field');
  isErr(await sup.post('/api/v1/status/incidents', { ...body, components: [{ component: 'chain-btc', state: 'operational' }] }), 400, 'invalid_field');
  isErr(await sup.post('/api/v1/status/incidents', { ...body, components: [{ component: 'chain-btc', state: 'degraded' }, { component: 'chain-btc', state: 'major_outage' }] }), 400, 'invalid_field');
  isErr(await sup.post('/api/v1/status/incidents', { ...body, status: 'resolved' }), 400, 'invalid_field');
  isErr(await sup.post('/api/v1/status/incidents', { ...body, kind: 'outage' }), 400, 'invalid_field');
  isErr(await sup.post('/api/v1/status/incidents', { ...body, colour: 'red' }), 400, 'unknown_field');
  isErr(await sup.post('/api/v1/status/incidents', { ...body, components: 'chain-btc' }), 400, 'invalid_field');
  const r = await anon.get('/api/v1/status');
  assert.deepEqual(r.json.incidents, []);
  assert.equal(r.json.overall.state, 'operational');
});

test('incident lifecycle: investigating -> identified -> monitoring -> resolved', async () => {
  const c = await sup.post('/api/v1/status/incidents', {
    title: 'BTC withdrawals are delayed',
    body: 'Withdrawals on the Bitcoin network are delayed; we are on it.',
    keywords: 'btc,withdrawal',
    components: [{ component: 'chain-btc', state: 'partial_outage' }, { component: 'api', state: 'degraded' }],
  });
  assert.equal(c.status, 201, c.text);
  const inc = c.json.incident;
  assert.equal(inc.status, 'investigating');
  assert.equal(inc.live, true);
  assert.equal(inc.keywords, 'btc,withdrawal'); // staff see the keywords
  assert.equal(inc.updates.length, 1);
  assert.equal(inc.updates[0].author, 'Sue Pervisor');

  let s = (await anon.get('/api/v1/status')).json;
  assert.equal(s.overall.state, 'partial_outage');
  assert.equal(comp(s, 'chain-btc').state, 'partial_outage');
  assert.equal(comp(s, 'api').state, 'degraded');
  assert.equal(comp(s, 'chain-eth').state, 'operational');
  assert.equal(s.incidents.length, 1);
  assert.equal(s.incidents[0].keywords, undefined, 'visitors do not see keywords');
  assert.equal(s.incidents[0].updates[0].author, undefined, 'visitors do not see who wrote it');

  const banner = (await anon.get('/api/v1/status/banner')).json.incidents;
  assert.equal(banner.length, 1);
  assert.equal(banner[0].title, 'BTC withdrawals are delayed');
  assert.match(banner[0].message, /we are on it/);
  assert.deepEqual(banner[0].components, ['chain-btc', 'api']);

  setClock(T0 + 10 * 60 * 1000);
  isErr(await agent.post(`/api/v1/status/incidents/${inc.id}/updates`, { status: 'identified', body: 'x' }), 403);
  isErr(await sup.post(`/api/v1/status/incidents/${inc.id}/updates`, { status: 'scheduled', body: 'x' }), 400, 'invalid_field');
  isErr(await sup.post(`/api/v1/status/incidents/${inc.id}/updates`, { status: 'identified' }), 400, 'missing_field');
  isErr(await sup.post('/api/v1/status/incidents/99999/updates', { status: 'identified', body: 'x' }), 404, 'not_found');
  let u = await sup.post(`/api/v1/status/incidents/${inc.id}/updates`, {
    status: 'identified', body: 'A stuck hot wallet node; failing over.',
    components: [{ component: 'chain-btc', state: 'major_outage' }, { component: 'api', state: 'operational' }],
  });
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.incident.status, 'identified');
  s = (await anon.get('/api/v1/status')).json;
  assert.equal(s.overall.state, 'major_outage');
  assert.equal(comp(s, 'chain-btc').state, 'major_outage');
  assert.equal(comp(s, 'api').state, 'operational');

  u = await sup.post(`/api/v1/status/incidents/${inc.id}/updates`, { status: 'monitoring', body: 'Withdrawals are flowing again.' });
  assert.equal(u.status, 200, u.text);
  setClock(T0 + 40 * 60 * 1000);
  u = await sup.post(`/api/v1/status/incidents/${inc.id}/updates`, { status: 'resolved', body: 'All BTC withdrawals have been sent.' });
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.incident.status, 'resolved');
  assert.equal(u.json.incident.live, false);
  assert.equal(u.json.incident.resolved_at, new Date(T0 + 40 * 60 * 1000).toISOString().replace('.000Z', 'Z'));
  assert.deepEqual(u.json.incident.updates.map((x) => x.status), ['investigating', 'identified', 'monitoring', 'resolved']);

  s = (await anon.get('/api/v1/status')).json;
  assert.equal(s.overall.state, 'operational');
  assert.equal(comp(s, 'chain-btc').state, 'operational');
  assert.equal(s.incidents[0].status, 'resolved', 'a resolved incident stays in the history');
  assert.deepEqual((await anon.get('/api/v1/status/banner')).json.incidents, []);
  isErr(await sup.post(`/api/v1/status/incidents/${inc.id}/updates`, { status: 'monitoring', body: 'again' }), 409, 'invalid_transition');

  const one = await anon.get(`/api/v1/status/incidents/${inc.id}`);
  assert.equal(one.status, 200);
  assert.equal(one.json.incident.updates.length, 4);
  isErr(await anon.get('/api/v1/status/incidents/424242'), 404, 'not_found');
  isErr(await anon.get('/api/v1/status/incidents/abc'), 404, 'not_found');
});

test('the server-rendered page escapes what it shows and works without JavaScript', async () => {
  const evil = 'ETH <script>alert(1)</script> & "quotes"';
  const c = await sup.post('/api/v1/status/incidents', {
    title: evil, body: 'Body <img src=x onerror=alert(2)>',
    components: [{ component: 'chain-eth', state: 'degraded' }],
  });
  assert.equal(c.status, 201, c.text);
  const r = await anon.get('/status');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.ok(!r.text.includes('<script'), 'no script tag at all on the status page');
  assert.ok(!r.text.includes('<img'), 'markup in text is escaped');
  assert.ok(r.text.includes('ETH &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;'));
  assert.match(r.text, /Some systems are degraded/);
  assert.match(r.text, /data-component="chain-eth"><span class="st-name">Ethereum[^<]*<\/span> <span class="st-state st-degraded">Degraded performance/);
  assert.match(r.text, /Current incidents/);
  assert.match(r.text, /All BTC withdrawals have been sent/, 'the resolved incident is in the history');
  assert.match(r.headers.get('content-security-policy'), /script-src 'self'/);
  const done = await sup.post(`/api/v1/status/incidents/${c.json.incident.id}/updates`, { status: 'resolved', body: 'Fixed.' });
  assert.equal(done.status, 200, done.text);
});

test('the Atom feed is well-formed Atom 1.0 with every incident and escaped text', async () => {
  const r = await anon.get('/status/feed.atom');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/atom\+xml/);
  execFileSync('xmllint', ['--noout', '-'], { input: r.text }); // throws when not well-formed
  const A = "*[local-name()='feed' and namespace-uri()='http://www.w3.org/2005/Atom']";
  assert.equal(xpath(r.text, `count(/${A}/*[local-name()='entry'])`).trim(), '2');
  assert.equal(xpath(r.text, `count(/${A}/*[local-name()='entry']/*[local-name()='id'])`).trim(), '2');
  assert.equal(xpath(r.text, `count(/${A}/*[local-name()='entry']/*[local-name()='updated'])`).trim(), '2');
  const titles = xpath(r.text, `/${A}/*[local-name()='entry']/*[local-name()='title']/text()`);
  assert.match(titles, /\[Resolved\] ETH &lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; "quotes"/);
  assert.match(titles, /\[Resolved\] BTC withdrawals are delayed/);
  const content = xpath(r.text, `string(/${A}/*[local-name()='entry'][2]/*[local-name()='content'])`);
  assert.match(content, /^Resolved \(04 Jan 2027, 08:40 UTC\): All BTC withdrawals have been sent\./);
  assert.match(content, /Investigating \(04 Jan 2027, 08:00 UTC\): Withdrawals on the Bitcoin network/);
  const cats = xpath(r.text, `string(/${A}/*[local-name()='entry'][2]/*[local-name()='category'][1]/@term)`);
  assert.equal(cats, 'chain-btc');
  const upd = xpath(r.text, `string(/${A}/*[local-name()='updated'])`);
  assert.match(upd, /^2027-01-04T08:\d\d:00Z$/);
});

test('maintenance windows follow the clock: scheduled, in progress, completed', async () => {
  const now = T0 + 2 * HOUR;
  setClock(now);
  const iso = (ms) => new Date(ms).toISOString();
  const body = { kind: 'maintenance', title: 'TRON node upgrade', body: 'TRC-20 deposits and withdrawals pause during the upgrade.',
    starts_at: iso(now + HOUR), ends_at: iso(now + 3 * HOUR), components: [{ component: 'chain-tron' }] };
  isErr(await sup.post('/api/v1/status/incidents', { ...body, ends_at: iso(now + HOUR) }), 400, 'invalid_field');
  isErr(await sup.post('/api/v1/status/incidents', { ...body, starts_at: undefined }), 400, 'invalid_field');
  isErr(await sup.post('/api/v1/status/incidents', { ...body, starts_at: 'tomorrow' }), 400, 'invalid_field');
  isErr(await sup.post('/api/v1/status/incidents', { ...body, starts_at: iso(now - 3 * HOUR), ends_at: iso(now - HOUR) }), 400, 'invalid_field');
  isErr(await sup.post('/api/v1/status/incidents', { ...body, components: [] }), 400, 'invalid_field');
  isErr(await sup.post('/api/v1/status/incidents', { ...body, components: [{ component: 'chain-tron', state: 'major_outage' }] }), 400, 'invalid_field');
  const c = await sup.post('/api/v1/status/incidents', body);
  assert.equal(c.status, 201, c.text);
  const id = c.json.incident.id;
  assert.equal(c.json.incident.status, 'scheduled');

  let s = (await anon.get('/api/v1/status')).json;
  assert.equal(comp(s, 'chain-tron').state, 'operational');
  assert.equal(s.maintenance.find((m) => m.id === id).status, 'scheduled');
  assert.match((await anon.get('/status')).text, /Scheduled maintenance<\/h2>[\s\S]*TRON node upgrade/);
  assert.deepEqual((await anon.get('/api/v1/status/banner')).json.incidents, []);

  setClock(now + HOUR); // the window opens
  s = (await anon.get('/api/v1/status')).json;
  assert.equal(comp(s, 'chain-tron').state, 'maintenance');
  assert.equal(s.overall.state, 'maintenance');
  assert.equal(s.maintenance.find((m) => m.id === id).status, 'in_progress');
  const b = (await anon.get('/api/v1/status/banner')).json.incidents;
  assert.equal(b.length, 1);
  assert.equal(b[0].kind, 'maintenance');
  assert.match((await anon.get('/status')).text, /data-component="chain-tron"><span class="st-name">[^<]*<\/span> <span class="st-state st-maintenance">/);

  setClock(now + 3 * HOUR); // the window has ended
  s = (await anon.get('/api/v1/status')).json;
  assert.equal(comp(s, 'chain-tron').state, 'operational');
  assert.equal(s.maintenance.find((m) => m.id === id).status, 'completed');
  isErr(await sup.post(`/api/v1/status/incidents/${id}/updates`, { status: 'scheduled', body: 'late note' }), 409, 'invalid_transition');
});

test('a maintenance window ended early or cancelled stops counting at once', async () => {
  const now = T0 + 10 * HOUR;
  setClock(now);
  const iso = (ms) => new Date(ms).toISOString();
  const c = await sup.post('/api/v1/status/incidents', { kind: 'maintenance', title: 'Spot engine upgrade', body: 'Spot trading pauses.',
    starts_at: iso(now - 1000), ends_at: iso(now + 2 * HOUR), components: [{ component: 'spot' }] });
  assert.equal(c.status, 201, c.text);
  assert.equal(comp((await anon.get('/api/v1/status')).json, 'spot').state, 'maintenance');
  isErr(await sup.post(`/api/v1/status/incidents/${c.json.incident.id}/updates`, { status: 'resolved', body: 'x' }), 400, 'invalid_field');
  isErr(await sup.post(`/api/v1/status/incidents/${c.json.incident.id}/updates`, { status: 'completed', body: 'x', components: [{ component: 'spot', state: 'degraded' }] }), 400, 'invalid_field');
  const u = await sup.post(`/api/v1/status/incidents/${c.json.incident.id}/updates`, { status: 'completed', body: 'Done early.' });
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.incident.status, 'completed');
  assert.equal(comp((await anon.get('/api/v1/status')).json, 'spot').state, 'operational');
});

// ---- e-mail subscriptions -------------------------------------------------------------

const rcptOf = (m) => m.envelope.rcpt_tos.map((r) => r.toLowerCase());
/** The plain text of a message: quoted-printable soft breaks and escapes decoded. */
function plain(m) {
  const qp = m.body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (x, h) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(qp, 'latin1').toString('utf8');
}
async function mailsTo(email, n) {
  const ms = await sink.waitForMessages((all) => all.filter((m) => rcptOf(m).includes(email)).length >= n, 15000);
  return ms.filter((m) => rcptOf(m).includes(email));
}
const countTo = (email) => sink.messages().filter((m) => rcptOf(m).includes(email)).length;
function link(text, path) {
  const m = text.match(new RegExp(`https?://[^\\s]*${path}\\?id=(\\d+)&t=([0-9a-f]{64})`));
  assert.ok(m, `a ${path} link in:\n${text}`);
  return { id: Number(m[1]), t: m[2] };
}
async function form(path, fields) {
  const body = new URLSearchParams(fields).toString();
  const res = await fetch(srv.url + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' });
  return { status: res.status, text: await res.text() };
}

test('subscriptions: double opt-in, mail per update to matching subscribers, unsubscribe link', { timeout: 60000 }, async () => {
  setClock(T0 + 20 * HOUR);
  isErr(await anon.post('/api/v1/status/subscriptions', { email: 'not-an-address' }), 400, 'invalid_field');
  isErr(await anon.post('/api/v1/status/subscriptions', {}), 400, 'missing_field');
  isErr(await anon.post('/api/v1/status/subscriptions', { email: 'x@example.com', components: ['chain-doge'] }), 400, 'invalid_field');
  isErr(await anon.post('/api/v1/status/subscriptions', { email: 'x@example.com', components: [7] }), 400, 'invalid_field');

  // Bob wants BTC only (JSON API); Alice everything (the no-JavaScript form on /status).
  let r = await anon.post('/api/v1/status/subscriptions', { email: 'Bob@Example.com', components: ['chain-btc'] });
  assert.equal(r.status, 202, r.text);
  const page = await anon.get('/status');
  assert.match(page.text, /<form class="st-subscribe" method="post" action="\/status\/subscribe">/);
  r = await form('/status/subscribe', { email: 'alice@example.com' });
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /Check your mailbox/);

  const [bobConfirm] = await mailsTo('bob@example.com', 1);
  assert.match(bobConfirm.header('subject'), /Confirm your Frontdesk status subscription/);
  assert.equal(bobConfirm.header('auto-submitted'), 'auto-replied');
  const bobText = plain(bobConfirm);
  assert.match(bobText, /Bitcoin \(BTC\)/);
  const bc = link(bobText, '/status/confirm');
  const [aliceConfirm] = await mailsTo('alice@example.com', 1);
  const ac = link(plain(aliceConfirm), '/status/confirm');
  assert.match(plain(aliceConfirm), /all components/);

  // Opening the link shows a button; it does not confirm by itself (mail scanners open links).
  const land = await anon.get(`/status/confirm?id=${bc.id}&t=${bc.t}`);
  assert.equal(land.status, 200);
  assert.match(land.text, /<form method="post" action="\/status\/confirm">/);
  assert.ok(land.text.includes(`value="${bc.t}"`));

  // Only Alice confirms for now; an incident on BTC mails her, not unconfirmed Bob.
  r = await form('/status/confirm', { id: String(ac.id), t: ac.t });
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /Subscribed/);
  const inc = (await sup.post('/api/v1/status/incidents', { title: 'BTC deposits delayed', body: 'Deposits need more confirmations than usual.',
    components: [{ component: 'chain-btc', state: 'degraded' }] })).json.incident;
  const [, aliceFirst] = await mailsTo('alice@example.com', 2);
  assert.equal(aliceFirst.header('subject'), '[Status] Investigating: BTC deposits delayed');
  assert.match(plain(aliceFirst), /Affected: Bitcoin \(BTC\): Degraded performance/);
  assert.match(plain(aliceFirst), /Deposits need more confirmations than usual\./);
  link(plain(aliceFirst), '/status/unsubscribe');
  assert.equal(countTo('bob@example.com'), 1, 'an unconfirmed address gets nothing but the confirmation');

  // A wrong or tampered token is refused and confirms nothing.
  isErr(await anon.post(`/api/v1/status/subscriptions/${bc.id}/confirm`, { token: 'a'.repeat(64) }), 403, 'invalid_token');
  r = await form('/status/confirm', { id: String(bc.id), t: bc.t.replace(/.$/, (c) => (c === '0' ? '1' : '0')) });
  assert.equal(r.status, 403);
  r = await anon.post(`/api/v1/status/subscriptions/${bc.id}/confirm`, { token: bc.t });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.subscription, { id: bc.id, email: 'bob@example.com', all: false, components: ['chain-btc'] });
  isErr(await anon.post(`/api/v1/status/subscriptions/${bc.id}/confirm`, { token: bc.t }), 403, 'invalid_token');

  // An ETH incident goes to Alice (all) only; the BTC update goes to both.
  const eth = (await sup.post('/api/v1/status/incidents', { title: 'ETH gas spike', body: 'ERC-20 withdrawals slower.',
    components: [{ component: 'chain-eth', state: 'degraded' }] })).json.incident;
  await mailsTo('alice@example.com', 3);
  r = await sup.post(`/api/v1/status/incidents/${inc.id}/updates`, { status: 'resolved', body: 'Deposits are credited normally again.' });
  assert.equal(r.status, 200, r.text);
  const bobMails = await mailsTo('bob@example.com', 2);
  assert.equal(bobMails[1].header('subject'), '[Status] Resolved: BTC deposits delayed');
  assert.match(plain(bobMails[1]), /Deposits are credited normally again\./);
  await mailsTo('alice@example.com', 4);
  assert.ok(!bobMails.some((m) => /ETH gas spike/.test(m.header('subject'))), 'Bob did not get the ETH incident');

  // Unsubscribe with the link from the mail: the landing page, then the button.
  const un = link(plain(bobMails[1]), '/status/unsubscribe');
  const unPage = await anon.get(`/status/unsubscribe?id=${un.id}&t=${un.t}`);
  assert.equal(unPage.status, 200);
  assert.match(unPage.text, /action="\/status\/unsubscribe"/);
  isErr(await anon.post(`/api/v1/status/subscriptions/${un.id}/unsubscribe`, { token: bc.t }), 403, 'invalid_token');
  r = await form('/status/unsubscribe', { id: String(un.id), t: un.t });
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /Unsubscribed/);
  r = await sup.post('/api/v1/status/incidents', { title: 'BTC again', body: 'Again.', components: [{ component: 'chain-btc', state: 'degraded' }] });
  assert.equal(r.status, 201);
  await mailsTo('alice@example.com', 5);
  await sleep(500);
  assert.equal(countTo('bob@example.com'), 2, 'no mail after unsubscribing');
  for (const id of [eth.id, r.json.incident.id])
    assert.equal((await sup.post(`/api/v1/status/incidents/${id}/updates`, { status: 'resolved', body: 'ok' })).status, 200);
});

test('subscriptions: confirmation mails to one address are rate-limited', async () => {
  for (let i = 0; i < 3; i++)
    assert.equal((await anon.post('/api/v1/status/subscriptions', { email: 'flood@example.com' })).status, 202);
  isErr(await anon.post('/api/v1/status/subscriptions', { email: 'flood@example.com' }), 429, 'rate_limited');
  const r = await form('/status/subscribe', { email: 'flood@example.com' });
  assert.equal(r.status, 429);
  setClock(T0 + 22 * HOUR); // an hour later it works again
  assert.equal((await anon.post('/api/v1/status/subscriptions', { email: 'flood@example.com' })).status, 202);
});

// ---- incident mode: linking, bulk solve, report -----------------------------------------

async function newTicket(c, body) {
  const r = await c.post('/api/v1/tickets', { department: 'deposits', body: 'details', ...body });
  assert.equal(r.status, 201, r.text);
  return r.json.ticket;
}

test('incident mode: new tickets matching a live incident are linked and tagged; agents link and unlink; one action solves them', { timeout: 30000 }, async () => {
  setClock(T0 + 30 * HOUR);
  const dave = new Client(srv.url); await dave.signup('dave@example.com');
  const erin = new Client(srv.url); await erin.signup('erin@example.com');
  const inc = (await sup.post('/api/v1/status/incidents', {
    title: 'TRON withdrawals are delayed', body: 'TRC-20 withdrawals are delayed; we are on it.',
    keywords: 'stuck, withdrawal delay', components: [{ component: 'chain-tron', state: 'partial_outage' }],
  })).json.incident;
  const tag = `incident-${inc.id}`;

  // The banner the widgets read, with a view counted for Dave (portal) before he writes.
  const b = await dave.get('/api/v1/status/banner?surface=portal');
  assert.equal(b.status, 200);
  assert.equal(b.json.incidents[0].title, 'TRON withdrawals are delayed');
  isErr(await anon.get('/api/v1/status/banner?surface=fax'), 400, 'invalid_field');
  assert.equal((await erin.get('/api/v1/status/banner?surface=chat')).status, 200); // Erin sees it and does not write
  assert.equal((await anon.get('/api/v1/status/banner?surface=chat')).status, 200); // an anonymous view
  const help = await anon.get('/help');
  assert.equal(help.status, 200);
  assert.match(help.text, /class="status-banner" data-incident="\d+"><strong>TRON withdrawals are delayed<\/strong>/);

  const byNetwork = await newTicket(dave, { subject: 'USDT not arrived', exchange: { asset: 'USDT', network: 'tron' } });
  assert.ok(byNetwork.tags.includes(tag), JSON.stringify(byNetwork.tags));
  const byKeyword = await newTicket(cust, { subject: 'My transfer is STUCK since noon' });
  assert.ok(byKeyword.tags.includes(tag));
  const unrelated = await newTicket(cust, { subject: 'Solved my login problem? no', body: 'The stuckness of sol is not a keyword match' });
  assert.ok(!unrelated.tags.includes(tag), 'whole words only: "stuckness" is not "stuck"');
  const eth = await newTicket(cust, { subject: 'ETH deposit', exchange: { asset: 'ETH', network: 'ethereum' } });
  assert.ok(!eth.tags.includes(tag));

  let links = await agent.get(`/api/v1/tickets/${byNetwork.reference}/incidents`);
  assert.equal(links.status, 200, links.text);
  assert.deepEqual(links.json.incidents.map((l) => [l.id, l.how, l.reason]), [[inc.id, 'auto', 'network: tron']]);
  links = await agent.get(`/api/v1/tickets/${byKeyword.reference}/incidents`);
  assert.deepEqual(links.json.incidents.map((l) => [l.how, l.reason]), [['auto', 'keyword: stuck']]);
  const ev = (await agent.get(`/api/v1/tickets/${byNetwork.reference}/events`)).json.events;
  assert.ok(ev.some((e) => e.type === 'incident_linked'), 'the link is in the ticket history');
  isErr(await cust.get(`/api/v1/tickets/${byKeyword.reference}/incidents`), 403, 'forbidden');

  // Manual link and unlink.
  isErr(await cust.post(`/api/v1/tickets/${eth.reference}/incidents`, { incident_id: inc.id }), 403);
  isErr(await agent.post(`/api/v1/tickets/${eth.reference}/incidents`, { incident_id: 987654 }), 404, 'not_found');
  isErr(await agent.post(`/api/v1/tickets/${eth.reference}/incidents`, { incident_id: 'x' }), 400, 'invalid_field');
  let r = await agent.post(`/api/v1/tickets/${unrelated.reference}/incidents`, { incident_id: inc.id });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.incidents[0].how, 'manual');
  assert.ok((await agent.get(`/api/v1/tickets/${unrelated.reference}`)).json.ticket.tags.includes(tag));
  isErr(await agent.post(`/api/v1/tickets/${unrelated.reference}/incidents`, { incident_id: inc.id }), 409, 'conflict');
  r = await agent.post(`/api/v1/tickets/${eth.reference}/incidents`, { incident_id: inc.id });
  assert.equal(r.status, 201);
  r = await agent.del(`/api/v1/tickets/${eth.reference}/incidents/${inc.id}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.incidents, []);
  assert.ok(!(await agent.get(`/api/v1/tickets/${eth.reference}`)).json.ticket.tags.includes(tag));
  isErr(await agent.del(`/api/v1/tickets/${eth.reference}/incidents/${inc.id}`), 404, 'not_found');

  // One action answers and solves every linked open ticket, once the incident is resolved.
  const reply = 'TRON withdrawals are flowing again; yours has been sent.';
  isErr(await sup.post(`/api/v1/status/incidents/${inc.id}/solve-linked`, { body: reply }), 409, 'invalid_transition');
  isErr(await agent.post(`/api/v1/status/incidents/${inc.id}/solve-linked`, { body: reply }), 403);
  setClock(T0 + 31 * HOUR);
  assert.equal((await sup.post(`/api/v1/status/incidents/${inc.id}/updates`, { status: 'resolved', body: 'Fixed.' })).status, 200);
  isErr(await sup.post(`/api/v1/status/incidents/${inc.id}/solve-linked`, { body: '  ' }), 400, 'invalid_field');
  r = await sup.post(`/api/v1/status/incidents/${inc.id}/solve-linked`, { body: reply });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.solved.sort(), [byNetwork.reference, byKeyword.reference, unrelated.reference].sort());
  assert.deepEqual(r.json.failed, []);
  for (const t of [byNetwork, byKeyword, unrelated]) {
    const got = (await sup.get(`/api/v1/tickets/${t.reference}`)).json;
    assert.equal(got.ticket.status, 'solved', t.reference);
    assert.ok(got.messages.some((m) => m.body === reply && !m.internal), 'a public reply with the text');
  }
  assert.equal((await agent.get(`/api/v1/tickets/${eth.reference}`)).json.ticket.status, 'new', 'the unlinked ticket is untouched');
  // Nothing left to do the second time; the customer reopens by replying.
  r = await sup.post(`/api/v1/status/incidents/${inc.id}/solve-linked`, { body: reply });
  assert.deepEqual(r.json.solved, []);
  r = await dave.post(`/api/v1/tickets/${byNetwork.reference}/messages`, { body: 'Still not there!' });
  assert.ok(r.status === 201 || r.status === 200, r.text);
  assert.equal((await dave.get(`/api/v1/tickets/${byNetwork.reference}`)).json.ticket.status, 'open');

  // New tickets after the incident was resolved are not linked.
  const late = await newTicket(dave, { subject: 'Another one', exchange: { asset: 'USDT', network: 'tron' } });
  assert.ok(!late.tags.includes(tag));

  // The report: contacts caused and banner deflection.
  isErr(await agent.get('/api/v1/reports/incidents'), 403, 'forbidden');
  isErr(await sup.get('/api/v1/reports/incidents?days=0'), 400, 'invalid_field');
  isErr(await sup.get('/api/v1/reports/incidents?format=xml'), 400, 'invalid_field');
  const rep = await sup.get('/api/v1/reports/incidents');
  assert.equal(rep.status, 200, rep.text);
  assert.equal(rep.json.chart, 'table');
  assert.equal(rep.json.unit, 'contacts');
  assert.equal(typeof rep.json.title, 'string');
  const col = (name) => rep.json.columns.indexOf(name);
  const row = rep.json.rows.find((x) => x[0] === inc.id);
  assert.ok(row, JSON.stringify(rep.json.rows));
  assert.equal(row[col('linked_tickets')], 3);
  assert.equal(row[col('auto_linked')], 2);
  assert.equal(row[col('linked_chats')], 0);
  assert.equal(row[col('banner_views')], 4, 'portal (Dave), chat (Erin, anonymous), help (anonymous)');
  assert.equal(row[col('banner_viewers')], 2, 'Dave and Erin were signed in');
  assert.equal(row[col('viewers_who_contacted')], 1, 'Dave still wrote');
  assert.equal(row[col('deflected')], 1, 'Erin did not');
  const csv = await sup.get('/api/v1/reports/incidents?format=csv');
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  const lines = csv.text.trim().split('\r\n');
  assert.equal(lines[0], rep.json.columns.join(','));
  assert.ok(lines.some((l) => l.startsWith(`${inc.id},TRON withdrawals are delayed,incident,resolved,`)), csv.text);
});
