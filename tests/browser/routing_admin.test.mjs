// Routing admin page (/agent#/routing): an admin creates a rule with the form, sees it in
// the list, dry-runs a draft that matches (each condition explained), disables the rule,
// and an agent applies a macro from the ticket page. Agents do not see the page.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, Client } from '../lib/server.mjs';

const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('routing admin page', () => {
  let server, browser, ctx, adminCreds, agentCreds, ref;
  const errors = [];

  async function signIn(creds) {
    ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await ctx.newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/agent');
    await page.getByLabel('Work email').fill(creds.email);
    await page.getByLabel('Password').fill(creds.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Ticket queue' }).waitFor();
    return page;
  }

  before(async () => {
    server = await startServer({ env: { FRONTDESK_WEB_DIR: WEB_DIR } });
    adminCreds = server.addUser({ email: 'root@example.com', name: 'Rita Root', role: 'admin' });
    agentCreds = server.addUser({ email: 'ada.agent@example.com', name: 'Ada Agent', role: 'agent', department: 'deposits', tier: 1 });
    const admin = new Client(server.url);
    await admin.login(adminCreds.email, adminCreds.password);
    const m = await admin.post('/api/v1/macros', { name: 'Ask TXID', body: 'Hi {{customer.name}}, please send the TXID for {{ticket.ref}}.', actions: { status: 'pending' } });
    assert.equal(m.status, 201, m.text);
    const customer = new Client(server.url);
    await customer.signup('dana@example.com', 'correct-horse-battery', 'Dana Doe');
    const r = await customer.post('/api/v1/tickets', { subject: 'USDT deposit missing', body: 'Sent 100 USDT', department: 'deposits' });
    assert.equal(r.status, 201, r.text);
    ref = r.json.ticket.reference;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('admin creates a rule, dry-runs it, and disables it', async () => {
    const page = await signIn(adminCreds);
    await page.getByRole('link', { name: 'Routing' }).click();
    await page.getByRole('heading', { name: 'Routing', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'New rule' }).click();
    let form = page.locator('form.routing-rule-form');
    await form.getByLabel('Name').fill('Urgent withdrawals');
    await form.getByRole('button', { name: 'Add condition' }).click();
    await form.getByLabel('Field').selectOption('subject');
    await form.getByLabel('Operator').selectOption('matches');
    await form.getByLabel('Value').fill('withdraw(al)?.*(stuck|late)');
    await form.getByLabel('Set priority').selectOption('urgent');
    await form.getByLabel('Add tags').fill('wd-late');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await page.getByText('Rule added.').waitFor();
    const row = page.locator('table.routing-rules tbody tr');
    assert.equal(await row.count(), 1);
    assert.match(await row.first().innerText(), /Urgent withdrawals/);
    assert.match(await row.first().innerText(), /priority → urgent/);

    // A bad pattern is refused with the server's message and nothing is added.
    await page.getByRole('button', { name: 'New rule' }).click();
    form = page.locator('form.routing-rule-form');
    await form.getByLabel('Name').fill('Broken');
    await form.getByRole('button', { name: 'Add condition' }).click();
    await form.getByLabel('Operator').selectOption('matches');
    await form.getByLabel('Value').fill('(unclosed');
    await form.getByLabel('Set priority').selectOption('high');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await form.locator('.form-error').filter({ hasText: 'regular expression' }).waitFor();
    await form.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await row.count(), 1);

    const dry = page.locator('form.routing-dry-form');
    await dry.getByLabel('Subject', { exact: true }).fill('My withdrawal is stuck');
    await dry.getByRole('button', { name: 'Run' }).click();
    await dry.getByText('Would apply: #1 “Urgent withdrawals”').waitFor();
    assert.match(await dry.locator('.cond-true').first().innerText(), /Subject matches regex/);
    await dry.getByLabel('Subject', { exact: true }).fill('Password reset');
    await dry.getByRole('button', { name: 'Run' }).click();
    await dry.getByText('No rule would match.').waitFor();
    assert.equal(await dry.locator('.cond-false').count(), 1);

    await page.getByLabel('Enable rule Urgent withdrawals').uncheck();
    await page.getByText('Rule disabled.').waitFor();
    assert.equal(await page.getByLabel('Enable rule Urgent withdrawals').isChecked(), false);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('an agent has no Routing link and applies a macro from the ticket page', async () => {
    const page = await signIn(agentCreds);
    assert.equal(await page.getByRole('link', { name: 'Routing' }).count(), 0);
    await page.goto(server.url + '/agent#/tickets/' + ref);
    await page.getByRole('heading', { name: 'USDT deposit missing' }).waitFor();
    await page.getByLabel('Macro').selectOption({ label: 'Ask TXID' });
    await page.getByRole('button', { name: 'Apply macro' }).click();
    await page.getByText(`Hi Dana Doe, please send the TXID for ${ref}.`).waitFor();
    assert.equal(await page.locator('.ticket-head .badge').first().innerText(), 'Pending');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
