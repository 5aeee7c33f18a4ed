// Help center: server-rendered /help pages (with and without JavaScript), Markdown safety,
// search, the no-JS vote form, the editor in /agent (live preview, save, revisions, restore),
// and ticket deflection in /support's new-ticket form.
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

const XSS_BODY = [
  'This article tries to run scripts. None of them may run.',
  '',
  '<script>window.__xss=1</script>',
  '',
  '<img src=x onerror="window.__xss=2">',
  '',
  '[click](javascript:window.__xss=3)',
  '',
  'The end.',
].join('\n');

const DELAYS_BODY = [
  'Most withdrawals complete within minutes. Sometimes a withdrawal takes longer.',
  '',
  '## Typical processing times',
  '',
  '| Network | Confirmations | Usual time |',
  '|---|---|---|',
  '| Bitcoin | 2 | 20–40 minutes |',
  '| Ethereum | 64 | about 15 minutes |',
  '| Tron | 20 | about 1 minute |',
  '',
  'If your withdrawal is **pending for more than 2 hours**, contact support with the TXID.',
].join('\n');

const FEES_V1 = 'Network fees are paid to the blockchain, not to us.\n\nThe fee is shown before you confirm.';
const FEES_V2 = '## Fee table\n\n| Asset | Fee |\n|---|---|\n| BTC | 0.0002 |\n\nFees change with **network load**.';

function fixture() {
  const lines = [
    { type: 'category', slug: 'funds', name: 'Deposits & Withdrawals', description: 'Missing deposits and delayed withdrawals.', position: 1 },
    { type: 'section', category: 'funds', slug: 'withdrawals', name: 'Withdrawals', description: 'Sending crypto out.', position: 1 },
    { type: 'section', category: 'funds', slug: 'deposits', name: 'Deposits', description: 'Receiving crypto.', position: 2 },
    { type: 'article', category: 'funds', section: 'withdrawals', kind: 'article', locale: 'en', slug: 'withdrawal-delays',
      title: 'Withdrawal delays', body: DELAYS_BODY, tags: ['withdrawal'], status: 'published', intent: null, translation_of: null },
    { type: 'article', category: 'funds', section: 'withdrawals', kind: 'article', locale: 'es', slug: 'retrasos-retiros',
      title: 'Retrasos en los retiros', body: 'La mayoría de los retiros se completan en minutos.', tags: [], status: 'published',
      intent: null, translation_of: 'withdrawal-delays' },
    { type: 'article', category: 'funds', section: 'withdrawals', kind: 'article', locale: 'en', slug: 'network-fees',
      title: 'Network fees for withdrawals', body: FEES_V1, tags: ['fees'], status: 'published', intent: null, translation_of: null },
    { type: 'article', category: 'funds', section: 'deposits', kind: 'article', locale: 'en', slug: 'script-safety',
      title: 'Deposit safety notes', body: XSS_BODY, tags: [], status: 'published', intent: null, translation_of: null },
    { type: 'article', category: 'funds', section: 'deposits', kind: 'article', locale: 'en', slug: 'unreleased-feature',
      title: 'Unreleased deposit feature', body: 'Secret draft.', tags: [], status: 'draft', intent: null, translation_of: null },
    { type: 'article', category: 'funds', section: 'deposits', kind: 'faq', locale: 'en', slug: 'deposit-memo',
      title: 'Do I need a memo for XRP deposits?', body: 'Yes. Without the **memo** we cannot credit the deposit.', tags: [],
      status: 'published', intent: null, translation_of: null },
  ];
  return '// help-center browser test fixture\n' + lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

describe('help center', () => {
  let server, browser, ctx, page, tmp, editorCreds;
  const errors = [];
  const cspViolations = [];

  before(async () => {
    server = await startServer({ env: { FRONTDESK_WEB_DIR: WEB_DIR } });
    tmp = mkdtempSync(join(tmpdir(), 'fd-kb-'));
    const file = join(tmp, 'kb.jsonl');
    writeFileSync(file, fixture());
    cli(['kb', 'import', file, '--data-dir', server.dataDir]);
    editorCreds = server.addUser({ email: 'eve.editor@example.com', name: 'Eve Editor', role: 'supervisor' });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await ctx.newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('/help lists the category and its sections, as HTML with a strict CSP', async () => {
    const res = await fetch(server.url + '/help');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/html; charset=utf-8/);
    assert.match(res.headers.get('content-security-policy') || '', /script-src 'self'/);
    assert.match(res.headers.get('cache-control') || '', /no-cache/);

    await page.goto(server.url + '/help');
    await page.getByRole('heading', { name: 'How can we help?' }).waitFor();
    await page.getByRole('link', { name: 'Deposits & Withdrawals' }).waitFor();
    await page.getByRole('link', { name: 'Withdrawals', exact: true }).waitFor();
    assert.ok(await page.getByRole('link', { name: 'Contact support' }).first().isVisible());
    // A search box (a combobox once help.js has added suggestions).
    assert.ok(await page.getByLabel('Search the help center').isVisible());
  });

  it('the article page renders GFM Markdown (a table) with breadcrumbs and translations', async () => {
    await page.goto(server.url + '/help/articles/withdrawal-delays');
    await page.getByRole('heading', { name: 'Withdrawal delays', level: 1 }).waitFor();
    const table = page.locator('.help-body table');
    await table.waitFor();
    assert.equal(await table.locator('th').first().innerText(), 'Network');
    assert.equal(await page.locator('.help-body strong').first().innerText(), 'pending for more than 2 hours');
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
    await crumbs.getByRole('link', { name: 'Withdrawals', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Español' }).waitFor();
    await page.getByRole('link', { name: 'Network fees for withdrawals' }).first().waitFor(); // related
  });

  it('Markdown cannot run script: raw HTML is dropped and javascript: links do nothing', async () => {
    await page.goto(server.url + '/help/articles/script-safety');
    await page.getByRole('heading', { name: 'Deposit safety notes' }).waitFor();
    const scripts = await page.locator('script').evaluateAll((els) => els.map((e) => e.getAttribute('src') || e.textContent));
    // Only our own scripts: suggestions and the chat widget; none from the article.
    assert.deepEqual(scripts, ['/static/help.js', '/static/chat-widget.js']);
    assert.equal(await page.locator('.help-body img').count(), 0);
    assert.equal(await page.locator('.help-body [onerror]').count(), 0);
    const link = page.locator('.help-body a', { hasText: 'click' });
    if (await link.count()) {
      const href = await link.getAttribute('href');
      assert.ok(!href || !/^\s*javascript:/i.test(href), `href ${href}`);
      await link.click();
    }
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => typeof window.__xss), 'undefined');
    const html = await page.content();
    assert.ok(!html.includes('window.__xss=1</script>'));
  });

  it('a draft article is a 404 HTML page for anonymous visitors', async () => {
    const res = await fetch(server.url + '/help/articles/unreleased-feature');
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type'), /text\/html/);
    assert.doesNotMatch(await res.text(), /Secret draft/);
    const res2 = await fetch(server.url + '/help/no-such-topic/no-such-section');
    assert.equal(res2.status, 404);
    assert.match(res2.headers.get('content-type'), /text\/html/);
  });

  it('search finds "withdrawals" in an article titled "Withdrawal delays"', async () => {
    await page.goto(server.url + '/help');
    await page.getByLabel('Search the help center').fill('withdrawals');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/help\/search\?q=withdrawals/);
    await page.getByRole('link', { name: 'Withdrawal delays' }).waitFor();
    const res = await fetch(server.url + '/help/search?q=' + encodeURIComponent('<b>"x"</b>'));
    assert.ok(!(await res.text()).includes('<b>"x"</b>'), 'the query is escaped');
  });

  it('suggestions appear while typing and are keyboard accessible', async () => {
    await page.goto(server.url + '/help');
    const box = page.getByRole('combobox', { name: 'Search the help center' });
    await box.pressSequentially('withdr', { delay: 30 });
    const option = page.getByRole('option', { name: /Withdrawal delays/ });
    await option.waitFor();
    await box.press('ArrowDown');
    assert.equal(await box.getAttribute('aria-expanded'), 'true');
    assert.ok(await box.getAttribute('aria-activedescendant'));
  });

  it('the FAQ page lists published FAQs as <details>', async () => {
    await page.goto(server.url + '/help/faq');
    const q = page.locator('details summary', { hasText: 'Do I need a memo for XRP deposits?' });
    await q.waitFor();
    await q.click();
    await page.locator('details[open] .help-body strong', { hasText: 'memo' }).waitFor();
  });

  it('the vote form works without JavaScript and the helpful count rises', async () => {
    const noJs = await browser.newContext({ javaScriptEnabled: false });
    const p = await noJs.newPage();
    p.setDefaultTimeout(10000);
    await p.goto(server.url + '/help/articles/withdrawal-delays');
    await p.getByRole('heading', { name: 'Was this article helpful?' }).waitFor();
    await p.getByRole('button', { name: 'Yes' }).click();
    await p.waitForURL(/voted=1/);
    await p.getByText('Thanks for your feedback!').waitFor();
    await noJs.close();

    const c = new Client(server.url);
    await c.login(editorCreds.email, editorCreds.password);
    const stats = await c.get('/api/v1/kb/stats');
    assert.equal(stats.status, 200, stats.text);
    const row = stats.json.articles.find((a) => a.slug === 'withdrawal-delays');
    assert.ok(row, 'stats lists the article');
    assert.ok(row.helpful_yes >= 1, JSON.stringify(row));
    assert.ok(row.views >= 1, JSON.stringify(row));
  });

  it('a signed-in visitor can vote too (the vote form needs no CSRF header)', async () => {
    const c = new Client(server.url);
    await c.signup('vera.voter@example.com');
    const res = await fetch(server.url + '/help/articles/withdrawal-delays/vote', {
      method: 'POST', redirect: 'manual',
      headers: { cookie: c.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'helpful=no',
    });
    assert.equal(res.status, 303, await res.text());
    assert.match(res.headers.get('location'), /^\/help\/articles\/withdrawal-delays\?voted=1/);
  });

  it('an editor edits an article in /agent with a live preview, saves revision 2 and restores revision 1', async () => {
    const ectx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const ed = await ectx.newPage();
    ed.setDefaultTimeout(10000);
    ed.on('pageerror', (e) => errors.push(e.message));
    await ed.goto(server.url + '/agent');
    await ed.getByLabel('Work email').fill(editorCreds.email);
    await ed.getByLabel('Password').fill(editorCreds.password);
    await ed.getByRole('button', { name: 'Sign in' }).click();
    await ed.getByRole('heading', { name: 'Ticket queue' }).waitFor();
    await ed.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Help center' }).click();
    await ed.getByRole('heading', { name: 'Help center', level: 1 }).waitFor();
    await ed.getByRole('link', { name: 'Network fees for withdrawals' }).click();
    await ed.getByRole('heading', { name: /^Edit: Network fees/ }).waitFor();

    const body = ed.getByLabel('Body (Markdown)');
    assert.equal(await body.inputValue(), FEES_V1);
    await body.fill(FEES_V2);
    const preview = ed.getByTestId('kb-preview');
    await preview.locator('table th', { hasText: 'Asset' }).waitFor();
    await preview.locator('strong', { hasText: 'network load' }).waitFor();
    await ed.getByRole('button', { name: 'Save changes' }).click();
    await ed.getByText(/Saved as revision 2/).waitFor();

    const revs = ed.getByRole('list', { name: 'Revisions' });
    await revs.locator('li[data-revision="2"]').waitFor();
    await revs.locator('li[data-revision="1"]').waitFor();
    await ed.getByRole('button', { name: 'View revision 1' }).click();
    await ed.locator('.kb-rev-view').getByText('Network fees are paid to the blockchain').first().waitFor();
    await ed.getByRole('button', { name: 'Restore revision 1' }).click();
    await ed.getByText(/Revision 1 restored/).waitFor();
    await revs.locator('li[data-revision="3"]').waitFor();
    assert.equal(await ed.getByLabel('Body (Markdown)').inputValue(), FEES_V1);

    const c = new Client(server.url);
    await c.login(editorCreds.email, editorCreds.password);
    const art = await c.get('/api/v1/kb/articles/network-fees');
    assert.equal(art.json.article.body, FEES_V1);
    assert.equal(art.json.article.revision, 3);
    await ectx.close();
  });

  it('a customer typing a new ticket sees a deflection suggestion and can still file it', async () => {
    const cctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const cu = await cctx.newPage();
    cu.setDefaultTimeout(10000);
    cu.on('pageerror', (e) => errors.push(e.message));
    await cu.goto(server.url + '/support#/signup');
    await cu.getByLabel('Full name').fill('Dana Customer');
    await cu.getByLabel('Email').fill('dana@example.com');
    await cu.getByLabel('Password').fill('correct-horse-battery');
    await cu.getByRole('button', { name: 'Create account' }).click();
    await cu.getByRole('heading', { name: 'My tickets' }).waitFor();
    await cu.goto(server.url + '/support#/new');
    await cu.getByRole('heading', { name: 'New ticket' }).waitFor();
    await cu.getByLabel('Topic').selectOption({ index: 1 });
    await cu.getByLabel('Subject').pressSequentially('My withdrawal is delayed', { delay: 20 });
    const panel = cu.getByTestId('deflection');
    await panel.getByRole('heading', { name: 'These articles may answer your question' }).waitFor();
    const link = panel.getByRole('link', { name: 'Withdrawal delays' });
    await link.waitFor();
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.match(await link.getAttribute('href'), /^\/help\/articles\/withdrawal-delays/);
    const [tab] = await Promise.all([cctx.waitForEvent('page'), link.click()]);
    await tab.waitForLoadState();
    await tab.close();

    await cu.getByLabel('Describe the problem').fill('It has been pending for three hours.');
    await cu.getByRole('button', { name: 'Submit ticket' }).click();
    await cu.waitForURL(/#\/tickets\/FD-\d+$/);

    const c = new Client(server.url);
    await c.login(editorCreds.email, editorCreds.password);
    const stats = await c.get('/api/v1/kb/stats');
    assert.ok(stats.json.deflection.shown >= 1, JSON.stringify(stats.json.deflection));
    assert.ok(stats.json.deflection.opened >= 1, JSON.stringify(stats.json.deflection));
    assert.ok(stats.json.deflection.filed >= 1, JSON.stringify(stats.json.deflection));
    await cctx.close();
  });

  it('raised no JavaScript errors and no CSP violations', () => {
    assert.deepEqual(errors, []);
    assert.deepEqual(cspViolations, []);
  });
});
