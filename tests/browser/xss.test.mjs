// XSS proof (issue 7): script payloads stored through the API in every field that a page
// shows (ticket subjects and bodies, customer and agent names, article titles and bodies,
// chat messages, complaint fields, status incidents, routing rule names, macro text), then
// every page where they render is opened. No payload may run (window.__xss stays unset,
// no dialog opens, no <img src=x> is fetched, no element carries an on* handler or a
// javascript: link) and the text fields show the payload as text.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, cli, Client } from '../lib/server.mjs';

const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A short payload for name-like fields (length limits), tagged so the text can be found. */
const NAME = (tag) => `${tag}<img src=x onerror="window.__xss='${tag}'">"'><svg/onload=window.__xss=1>`;
/** The long payload for text fields: tags, attribute breaking, Markdown raw HTML and links. */
const TEXT = (tag) => [
  `${tag} <script>window.__xss='${tag}'</script>`,
  `<img src=x onerror="window.__xss='${tag}'"> <svg onload="window.__xss='${tag}'"></svg>`,
  `"><img src=x onerror=window.__xss=1> '><svg/onload=window.__xss=1>`,
  '',
  '[click me](javascript:window.__xss=1) [data](data:text/html,<script>window.__xss=1</script>)',
  '<a href="javascript:window.__xss=1">raw link</a> <iframe src="javascript:window.__xss=1"></iframe>',
  '![img](x" onerror="window.__xss=1)',
].join('\n');

describe('stored XSS payloads never run', () => {
  let server, browser, kbDir;
  const F = {}; // fixture references
  const C = {}; // API clients
  const cookies = {};

  before(async () => {
    server = await startServer({ env: { FRONTDESK_WEB_DIR: WEB_DIR } });
    // Help center: a category, a section and an article with payloads (imported like an admin would).
    kbDir = mkdtempSync(join(tmpdir(), 'fd-xss-kb-'));
    const kb = [
      { type: 'category', slug: 'funds', name: 'Funds', description: 'Funds.', position: 1 },
      { type: 'section', category: 'funds', slug: 'withdrawals', name: 'Withdrawals', description: 'Out.', position: 1 },
      { type: 'article', category: 'funds', section: 'withdrawals', kind: 'article', locale: 'en', slug: 'xss-article',
        title: NAME('KBTITLE'), body: TEXT('KBBODY'), tags: ['xss'], status: 'published', intent: null, translation_of: null },
    ];
    writeFileSync(join(kbDir, 'kb.jsonl'), kb.map((l) => JSON.stringify(l)).join('\n') + '\n');
    cli(['kb', 'import', '--data-dir', server.dataDir, join(kbDir, 'kb.jsonl')]);

    const mk = async (key, email, role, department, name) => {
      const u = server.addUser({ email, name, role, department, tier: department ? 1 : undefined });
      const c = new Client(server.url); await c.login(u.email, u.password); C[key] = c;
    };
    await mk('agent', 'ada@example.com', 'agent', 'deposits', NAME('AGENTNAME'));
    await mk('sup', 'sue@example.com', 'supervisor', undefined, 'Sue Supervisor');
    await mk('admin', 'al@example.com', 'admin', undefined, 'Al Admin');
    C.cust = new Client(server.url);
    await C.cust.signup('dana@example.com', 'correct-horse-battery', NAME('CUSTNAME'));

    let r = await C.cust.post('/api/v1/tickets', { subject: NAME('SUBJECT'), body: TEXT('TICKETBODY'), department: 'deposits' });
    assert.equal(r.status, 201, r.text);
    F.ref = r.json.ticket.reference;
    r = await C.agent.post(`/api/v1/tickets/${F.ref}/messages`, { body: TEXT('REPLY') });
    assert.equal(r.status, 201, r.text);
    r = await C.agent.post(`/api/v1/tickets/${F.ref}/messages`, { body: TEXT('NOTE'), internal: true });
    assert.equal(r.status, 201, r.text);

    r = await C.cust.post('/api/v1/complaints', {
      complainant_name: NAME('CMPNAME'), complainant_contact: 'dana@example.com', account_uid: 'U12345678', service: 'withdrawals',
      description: TEXT('CMPDESC'), incident_dates: '2026-11-10', request: TEXT('CMPREQ'),
    });
    assert.equal(r.status, 201, r.text);
    F.cref = r.json.complaint.reference ?? r.json.complaint.id;

    r = await C.sup.post('/api/v1/status/incidents', {
      title: NAME('INCIDENT'), body: TEXT('INCBODY'), components: [{ component: 'chain-btc', state: 'degraded' }],
    });
    assert.equal(r.status, 201, r.text);

    r = await C.admin.post('/api/v1/routing/rules', {
      name: NAME('RULE'), conditions: { all: [{ field: 'subject', op: 'matches', value: 'never-matches-xyz' }] }, actions: { priority: 'high' },
    });
    assert.equal(r.status, 201, r.text);
    r = await C.admin.post('/api/v1/macros', { name: NAME('MACRO'), body: TEXT('MACROBODY') });
    assert.equal(r.status, 201, r.text);

    r = await C.agent.req('PUT', '/api/v1/agent/status', { status: 'online' });
    assert.equal(r.status, 200, r.text);
    r = await C.cust.post('/api/v1/chat', { department: 'deposits', message: TEXT('CHATMSG') });
    assert.equal(r.status, 201, r.text);
    F.chat = r.json.chat.id;

    for (const k of Object.keys(C)) cookies[k] = C[k].cookie.split('=')[1];
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (kbDir) rmSync(kbDir, { recursive: true, force: true });
  });

  /** Opens url as `who` (a key of C, or null), waits for `expect` texts, checks nothing ran. */
  async function visit(who, url, expect, inject = null) {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    if (who) await ctx.addCookies([{ name: 'fd_session', value: cookies[who], url: server.url }]);
    const page = await ctx.newPage();
    page.setDefaultTimeout(10000);
    const ran = [];
    page.on('dialog', (d) => { ran.push('dialog: ' + d.message()); d.dismiss().catch(() => {}); });
    page.on('request', (req) => { if (/\/x$/.test(new URL(req.url()).pathname)) ran.push('fetched ' + req.url()); });
    try {
      await page.goto(server.url + url);
      for (const text of expect) {
        await page.waitForFunction((t) => document.body && document.body.innerText.includes(t), text)
          .catch(() => { throw new Error(`${url} as ${who}: text ${JSON.stringify(text)} not shown`); });
      }
      if (inject) await page.evaluate((html) => document.body.insertAdjacentHTML('beforeend', html), inject);
      await page.waitForTimeout(300); // let onerror/onload handlers fire if any element were live
      const state = await page.evaluate(() => ({
        flag: window.__xss,
        handlers: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => /^on/i.test(a.name))).map((el) => el.outerHTML.slice(0, 120)),
        jsLinks: [...document.querySelectorAll('a[href], iframe[src], img[src]')]
          .map((el) => el.getAttribute('href') ?? el.getAttribute('src'))
          .filter((v) => /^\s*(javascript|data|vbscript):/i.test(v)),
        scripts: [...document.scripts].filter((s) => s.textContent.includes('__xss')).length,
      }));
      assert.equal(state.flag, undefined, `${url}: a payload ran (window.__xss=${state.flag})`);
      assert.deepEqual(ran, [], `${url}: ${ran.join(', ')}`);
      assert.deepEqual(state.handlers, [], `${url}: elements with inline handlers`);
      assert.deepEqual(state.jsLinks, [], `${url}: javascript:/data: URLs in links`);
      assert.equal(state.scripts, 0, `${url}: a payload <script> is in the DOM`);
    } finally {
      await ctx.close();
    }
  }

  const shown = (tag) => `${tag}<img src=x onerror=`; // the name payload, rendered as text

  it('the detector itself catches a live payload (positive control)', async () => {
    await assert.rejects(visit(null, '/status', ['Status'], '<img src=x onerror="window.__xss=1">'), /a payload ran|fetched/);
    await assert.rejects(visit(null, '/status', ['Status'], '<a href="javascript:void 0">x</a>'), /javascript:/);
  });

  it('customer portal: ticket list, ticket view with the agent reply', async () => {
    await visit('cust', '/support#/tickets', [shown('SUBJECT')]);
    await visit('cust', `/support#/tickets/${F.ref}`, [shown('SUBJECT'), 'TICKETBODY <script>', 'REPLY <script>', shown('AGENTNAME')]);
  });

  it('customer portal: complaints list and detail', async () => {
    await visit('cust', '/support#/complaints', ['Complaint']);
    await visit('cust', `/support#/complaints/${F.cref}`, ['CMPDESC <script>', 'CMPREQ <script>']);
  });

  it('agent console: queue and ticket view (names, internal note, macros)', async () => {
    await visit('agent', '/agent#/queue', [shown('SUBJECT')]);
    await visit('agent', `/agent#/tickets/${F.ref}`, [shown('SUBJECT'), 'TICKETBODY <script>', 'NOTE <script>', shown('CUSTNAME'), shown('MACRO')]);
  });

  it('agent console: chats, complaints, status and routing admin', async () => {
    await visit('agent', '/agent#/chats', ['CHATMSG <script>']);
    await visit('sup', '/agent#/complaints', ['Complaint']);
    await visit('sup', `/agent#/complaints/${F.cref}`, [shown('CMPNAME'), 'CMPDESC <script>']);
    await visit('sup', '/agent#/status', [shown('INCIDENT')]);
    await visit('admin', '/agent#/routing', [shown('RULE')]);
  });

  it('help center: home, article, search', async () => {
    await visit(null, '/help', ['Funds']);
    await visit(null, '/help/articles/xss-article', [shown('KBTITLE'), 'KBBODY']);
    await visit(null, '/help/search?q=click', ['Search']);
  });

  it('status page and the portal banner', async () => {
    await visit(null, '/status', [shown('INCIDENT')]);
    await visit('cust', '/support#/new', [shown('INCIDENT')]);
  });
});
