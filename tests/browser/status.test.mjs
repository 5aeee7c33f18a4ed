// Status page and incident mode in the browser: a supervisor publishes an incident from the
// agent console's Status view; the help center (server-rendered, also without JavaScript), the
// chat widget and the portal's new-ticket form show the banner before the customer writes; once
// the supervisor resolves it from the console, the banner is gone everywhere.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, Client } from '../lib/server.mjs';

const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TITLE = 'BTC withdrawals are delayed';
const TEXT = 'Bitcoin withdrawals are delayed; we are on it.';

describe('status banner', () => {
  let server, browser, sup, visitor, noJs, customer, sCreds, cCreds;
  const errors = [];

  before(async () => {
    server = await startServer({ env: { FRONTDESK_WEB_DIR: WEB_DIR } });
    sCreds = server.addUser({ email: 'sue@example.com', name: 'Sue Pervisor', role: 'supervisor' });
    cCreds = { email: 'cara@example.com', password: 'correct-horse-battery' };
    await new Client(server.url).signup(cCreds.email, cCreds.password, 'Cara');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const page = async (opts = {}) => {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...opts });
      const p = await ctx.newPage();
      p.setDefaultTimeout(10000);
      p.on('pageerror', (e) => errors.push(e.message));
      return p;
    };
    sup = await page();
    visitor = await page();
    customer = await page();
    noJs = await page({ javaScriptEnabled: false });
    await sup.goto(server.url + '/agent');
    await sup.getByLabel('Work email').fill(sCreds.email);
    await sup.getByLabel('Password').fill(sCreds.password);
    await sup.getByRole('button', { name: 'Sign in' }).click();
    await sup.getByRole('heading', { name: 'Ticket queue' }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a supervisor publishes an incident from the Status view', async () => {
    await sup.getByRole('link', { name: 'Status', exact: true }).click();
    await sup.getByRole('heading', { name: 'Status page' }).waitFor();
    await sup.getByText('All systems operational').waitFor();
    await sup.getByLabel('Title').fill(TITLE);
    await sup.getByLabel('Message').fill(TEXT);
    await sup.getByRole('checkbox', { name: 'Bitcoin (BTC)' }).check();
    await sup.getByLabel('State of Bitcoin (BTC)').selectOption('major_outage');
    await sup.getByRole('button', { name: 'Publish' }).click();
    await sup.getByText('Published.').waitFor();
    await sup.locator('.st-overall', { hasText: 'Major outage' }).waitFor();
    await sup.locator('.st-incident h3', { hasText: TITLE }).waitFor();
  });

  it('the help center shows the banner, rendered on the server (also without JavaScript)', async () => {
    for (const p of [visitor, noJs]) {
      await p.goto(server.url + '/help');
      const b = p.locator('.status-banner');
      await b.waitFor();
      assert.match(await b.innerText(), new RegExp(`${TITLE}.*${TEXT.replace(/[.;]/g, '.')}`, 's'));
    }
  });

  it('the chat widget shows it before the customer writes', async () => {
    await visitor.getByRole('button', { name: 'Chat with us' }).click();
    const b = visitor.getByTestId('status-banner-chat');
    await b.waitFor();
    assert.match(await b.innerText(), new RegExp(TITLE));
  });

  it('the portal new-ticket form shows it too', async () => {
    await customer.goto(server.url + '/support#/signin');
    await customer.getByLabel('Email').fill(cCreds.email);
    await customer.getByLabel('Password').fill(cCreds.password);
    await customer.getByRole('button', { name: 'Sign in' }).click();
    await customer.goto(server.url + '/support#/new');
    const b = customer.getByTestId('status-banner-portal');
    await b.waitFor();
    assert.match(await b.innerText(), new RegExp(TITLE));
  });

  it('once resolved from the console, the banner disappears everywhere', async () => {
    const card = sup.locator('.st-incident', { hasText: TITLE });
    await card.getByLabel('New status').selectOption('resolved');
    await card.getByLabel('Update').fill('All withdrawals have been sent.');
    await card.getByRole('button', { name: 'Post update' }).click();
    await sup.getByText('Update posted.').waitFor();
    await sup.locator('.st-overall', { hasText: 'All systems operational' }).waitFor();

    for (const p of [visitor, noJs]) {
      await p.goto(server.url + '/help');
      await p.getByRole('heading', { name: 'How can we help?' }).waitFor();
      assert.equal(await p.locator('.status-banner').count(), 0);
    }
    await visitor.getByRole('button', { name: 'Chat with us' }).click();
    await visitor.locator('#fdc-topic').waitFor();
    await visitor.waitForTimeout(300);
    assert.equal(await visitor.getByTestId('status-banner-chat').isHidden(), true);
    await customer.reload();
    await customer.getByLabel('Subject').waitFor();
    await customer.waitForTimeout(300);
    assert.equal(await customer.getByTestId('status-banner-portal').isHidden(), true);
    assert.deepEqual(errors, []);
  });
});
