// Agent console: server text is shown as text (no HTML injection), cursor paging with "Load more",
// queue filters, assignee/tag changes, keyboard use, and no requests leave the origin.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, Client } from '../lib/server.mjs';

// The server's default web_dir is "./web" relative to its working directory; the tests run from
// tests/, so point it at the repository's web/ explicitly.
const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const XSS_SUBJECT = '<img src=x onerror="window.__xss=1"> Withdrawal <b>stuck</b>';
const XSS_BODY = '<script>window.__xss=2</script><a href="javascript:window.__xss=3">click me</a>';
const TOTAL = 30; // more than one page of 25

describe('agent console', () => {
  let server, browser, page, agentCreds, xssRef;
  const errors = [];
  const foreign = [];

  before(async () => {
    server = await startServer({ env: { FRONTDESK_WEB_DIR: WEB_DIR } });
    agentCreds = server.addUser({ email: 'ada.agent@example.com', name: 'Ada Agent', role: 'agent', department: 'deposits', tier: 1 });
    server.addUser({ email: 'bo.backup@example.com', name: 'Bo Backup', role: 'agent', department: 'deposits', tier: 2 });

    const customer = new Client(server.url);
    await customer.signup('dana@example.com', 'correct-horse-battery', 'Dana <i>Doe</i>');
    for (let i = 1; i < TOTAL; i++) {
      const r = await customer.post('/api/v1/tickets', {
        subject: `Withdrawal question number ${String(i).padStart(2, '0')}`, body: `Details for question ${i}.`, department: 'deposits',
      });
      assert.equal(r.status, 201, r.text);
    }
    const r = await customer.post('/api/v1/tickets', { subject: XSS_SUBJECT, body: XSS_BODY, department: 'deposits' });
    assert.equal(r.status, 201, r.text);
    xssRef = r.json.ticket.reference;

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    page = await ctx.newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (req) => { if (!req.url().startsWith(server.url)) foreign.push(req.url()); });
    page.on('dialog', (d) => { errors.push('dialog: ' + d.message()); d.dismiss(); });

    await page.goto(server.url + '/agent');
    await page.getByLabel('Work email').fill(agentCreds.email);
    await page.getByLabel('Password').fill(agentCreds.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Ticket queue' }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('pages through the queue with "Load more" (cursor paging)', async () => {
    const rows = page.locator('table.queue-table tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 25);
    const more = page.getByRole('button', { name: 'Load more' });
    await more.click();
    await page.waitForFunction((n) => document.querySelectorAll('table.queue-table tbody tr').length === n, TOTAL);
    assert.equal(await more.isVisible(), false, 'no more pages after the last one');
    const refs = await page.locator('table.queue-table tbody tr td:first-child').allInnerTexts();
    assert.equal(new Set(refs).size, TOTAL, 'no duplicates across pages');
    const tab = page.locator('.tab[data-status="new"] .count');
    assert.equal(await tab.innerText(), String(TOTAL));
  });

  it('shows HTML from customers as plain text, never as markup', async () => {
    const link = page.getByRole('link', { name: XSS_SUBJECT });
    await link.waitFor();
    await link.click();
    await page.getByRole('heading', { name: XSS_SUBJECT }).waitFor();
    await page.getByText(XSS_BODY).waitFor();
    assert.equal(await page.locator('main img, main script, main b, main i').count(), 0);
    assert.equal(await page.locator('main a[href^="javascript:"]').count(), 0);
    await page.getByText('Dana <i>Doe</i>').first().waitFor();
    assert.equal(await page.evaluate(() => window.__xss), undefined);
  });

  it('lists agents from /api/v1/agents, assigns the ticket and tags it', async () => {
    const assignee = page.getByLabel('Assignee', { exact: true });
    const options = await assignee.locator('option').allInnerTexts();
    assert.ok(options.includes('Bo Backup'), `options: ${options}`);
    assert.ok(options.includes('Ada Agent (me)'), `options: ${options}`);
    await assignee.selectOption({ label: 'Ada Agent (me)' });
    await page.getByLabel('Tags').fill('vip, chargeback');
    await page.getByLabel('Priority').selectOption('urgent');
    await page.getByRole('button', { name: 'Update ticket' }).click();
    await page.locator('.ticket-head .badge.prio-urgent').waitFor();
    assert.equal(await page.getByLabel('Assignee', { exact: true }).inputValue(), String((await assigneeId(page))));
    const tags = (await page.getByLabel('Tags').inputValue()).split(',').map((x) => x.trim()).sort();
    assert.deepEqual(tags, ['chargeback', 'vip']);
  });

  it('filters the queue by assignee, tag and text', async () => {
    await page.goto(server.url + '/agent#/queue');
    await page.getByRole('heading', { name: 'Ticket queue' }).waitFor();
    await page.getByLabel('Assignee').selectOption('me');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/assignee=me/);
    await page.locator('table.queue-table tbody tr').first().waitFor();
    assert.deepEqual(await page.locator('table.queue-table tbody tr td:first-child').allInnerTexts(), [xssRef]);

    await page.getByLabel('Assignee').selectOption('none');
    await page.getByLabel('Tag').fill('');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/assignee=none/);
    await page.waitForFunction(() => document.querySelectorAll('table.queue-table tbody tr').length === 25);

    await page.goto(server.url + '/agent#/queue?tag=vip');
    await page.waitForFunction(() => document.querySelectorAll('table.queue-table tbody tr').length === 1);
    assert.deepEqual(await page.locator('table.queue-table tbody tr td:first-child').allInnerTexts(), [xssRef]);

    await page.goto(server.url + '/agent#/queue?q=' + encodeURIComponent('question number 07'));
    await page.getByRole('link', { name: 'Withdrawal question number 07' }).waitFor();
    const subjects = await page.locator('table.queue-table tbody td.subject a').allInnerTexts();
    assert.ok(subjects.includes('Withdrawal question number 07'), `search results: ${subjects}`);
    assert.ok(!subjects.includes('Withdrawal question number 08'), `search results: ${subjects}`);
  });

  it('is keyboard usable: queue links open with Enter, focus lands on the heading, outlines are visible', async () => {
    await page.goto(server.url + '/agent#/queue?tag=vip');
    const link = page.getByRole('link', { name: XSS_SUBJECT });
    await page.waitForFunction(() => document.querySelectorAll('table.queue-table tbody tr').length === 1);
    await link.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: XSS_SUBJECT }).waitFor();
    await page.waitForFunction(() => document.activeElement && document.activeElement.tagName === 'H1');
    await page.keyboard.press('Shift+Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      const cs = getComputedStyle(el);
      return { text: el.textContent, style: cs.outlineStyle, width: cs.outlineWidth };
    });
    assert.equal(focused.text, '← Queue');
    assert.equal(focused.style, 'solid');
    assert.notEqual(focused.width, '0px');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Ticket queue' }).waitFor();
  });

  it('made no requests outside the server and raised no JavaScript errors', () => {
    assert.deepEqual(foreign, []);
    assert.deepEqual(errors, []);
  });
});

async function assigneeId(page) {
  const me = await page.evaluate(async () => (await (await fetch('/api/v1/me')).json()).user.id);
  return me;
}
