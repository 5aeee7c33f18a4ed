// Agent console SLA: countdown chips in the queue (red when breached, amber when due soon),
// the SLA card of a ticket, the "Breaching soon" view, and the admin page adding a policy.
// The server's clock is driven through FRONTDESK_CLOCK_FILE.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, Client } from '../lib/server.mjs';

const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const T0 = Date.parse('2026-11-25T10:00:00Z');
const MIN = 60000;

describe('agent console SLA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fd-sla-ui-'));
  const clockFile = join(dir, 'clock');
  const setClock = (ms) => writeFileSync(clockFile, String(ms));
  let server, browser, page, agentCreds, adminCreds, refA, refB;
  const errors = [];

  before(async () => {
    setClock(T0);
    server = await startServer({ env: { FRONTDESK_WEB_DIR: WEB_DIR, FRONTDESK_CLOCK_FILE: clockFile, FRONTDESK_SCHED_POLL_MS: '50' } });
    agentCreds = server.addUser({ email: 'ada@example.com', name: 'Ada Agent', role: 'agent', department: 'deposits', tier: 1 });
    adminCreds = server.addUser({ email: 'root@example.com', name: 'Ro Admin', role: 'admin' });
    const admin = new Client(server.url);
    await admin.login(adminCreds.email, adminCreds.password);
    const p = await admin.post('/api/v1/sla/policies', { name: 'Standard', priority: 'normal', first_reply_min: 120, resolution_min: 2000 });
    assert.equal(p.status, 201, p.text);
    const customer = new Client(server.url);
    await customer.signup('dana@example.com');
    let r = await customer.post('/api/v1/tickets', { subject: 'Old question', body: 'x', department: 'deposits' });
    assert.equal(r.status, 201, r.text);
    refA = r.json.ticket.reference;
    setClock(T0 + 100 * MIN);
    r = await customer.post('/api/v1/tickets', { subject: 'New question', body: 'y', department: 'deposits' });
    assert.equal(r.status, 201, r.text);
    refB = r.json.ticket.reference;
    setClock(T0 + 130 * MIN); // A is 10 min overdue, B due in 90 min

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    page = await ctx.newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/agent');
    await page.getByLabel('Work email').fill(agentCreds.email);
    await page.getByLabel('Password').fill(agentCreds.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Ticket queue' }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows countdowns in the queue: red when breached, plain when not due soon', async () => {
    const chipA = page.locator('table.queue-table tr', { hasText: refA }).locator('.sla-chip[data-metric="first_reply"]');
    const chipB = page.locator('table.queue-table tr', { hasText: refB }).locator('.sla-chip[data-metric="first_reply"]');
    await chipA.waitFor();
    assert.equal(await chipA.getAttribute('data-state'), 'breached');
    assert.match(await chipA.innerText(), /overdue 10m/);
    assert.equal(await chipB.getAttribute('data-state'), 'ok');
    assert.match(await chipB.innerText(), /due in 1h 30m/);
  });

  it('turns amber when the ticket is breaching soon', async () => {
    setClock(T0 + 200 * MIN); // B due in 20 min
    await page.reload();
    const chipB = page.locator('table.queue-table tr', { hasText: refB }).locator('.sla-chip[data-metric="first_reply"]');
    await page.waitForFunction(() => [...document.querySelectorAll('.sla-chip[data-metric="first_reply"]')]
      .some((c) => c.dataset.state === 'soon'));
    assert.match(await chipB.innerText(), /due in 20m/);
  });

  it('shows the SLA card on the ticket and lists it in "Breaching soon"', async () => {
    await page.getByRole('link', { name: 'Old question' }).click();
    const card = page.locator('.sla-card');
    await card.waitFor();
    assert.equal(await card.locator('.sla-chip[data-metric="first_reply"]').getAttribute('data-state'), 'breached');
    assert.match(await card.innerText(), /Resolution/);
    await page.getByRole('link', { name: 'Breaching soon' }).click();
    await page.getByRole('heading', { name: 'Breaching soon' }).waitFor();
    const rows = page.locator('table.sla-table tbody tr');
    await rows.first().waitFor();
    const refs = await rows.locator('td:first-child').allInnerTexts();
    assert.deepEqual(refs, [refA, refB]); // soonest (already breached) first
    await page.getByLabel('Due within').selectOption('30');
    await page.waitForURL(/within=30/);
    await page.locator('table.sla-table tbody tr').first().waitFor();
    assert.deepEqual(await page.locator('table.sla-table tbody tr td:first-child').allInnerTexts(), [refA, refB]);
  });

  it('lets an admin add a policy; agents do not get the settings page', async () => {
    assert.equal(await page.getByRole('link', { name: 'SLA settings' }).count(), 0);
    const ctx = await browser.newContext();
    const ap = await ctx.newPage();
    ap.on('pageerror', (e) => errors.push(e.message));
    await ap.goto(server.url + '/agent');
    await ap.getByLabel('Work email').fill(adminCreds.email);
    await ap.getByLabel('Password').fill(adminCreds.password);
    await ap.getByRole('button', { name: 'Sign in' }).click();
    await ap.getByRole('heading', { name: 'Ticket queue' }).waitFor();
    await ap.getByRole('link', { name: 'SLA settings' }).click();
    await ap.getByRole('heading', { name: 'SLA settings' }).waitFor();
    await ap.getByText('Add a policy').click();
    const form = ap.getByRole('form', { name: 'New policy' });
    await form.getByLabel('Name', { exact: true }).fill('VIP urgent');
    await form.getByLabel('Priority', { exact: true }).selectOption('urgent');
    await form.getByLabel('Minimum VIP level').fill('3');
    await form.getByLabel('First reply (business minutes)').fill('15');
    await form.getByLabel('On breach raise tier to').selectOption('3');
    await form.getByRole('button', { name: 'Add policy' }).click();
    await ap.getByRole('cell', { name: 'VIP urgent' }).waitFor();
    // A bad calendar is refused with the server's message, nothing added.
    await ap.getByText('Add a calendar').click();
    const cf = ap.getByRole('form', { name: 'New calendar' });
    await cf.getByLabel('Name', { exact: true }).fill('Mars office');
    await cf.getByLabel('Time zone').fill('Mars/Olympus');
    await cf.getByRole('button', { name: 'Add calendar' }).click();
    await ap.getByText(/unknown time zone/).waitFor();
    await ctx.close();
    assert.deepEqual(errors, []);
  });
});
