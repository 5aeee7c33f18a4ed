// End-to-end: a customer opens a ticket in /support, an agent works it in /agent (internal note,
// public reply, status pending), and the customer sees the reply but not the note.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../lib/server.mjs';

// The server's default web_dir is "./web" relative to its working directory; the tests run from
// tests/, so point it at the repository's web/ explicitly.
const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// A valid 1×1 PNG (so the server's file-type sniffing accepts it).
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64');

const TXID = '0x' + 'ab12'.repeat(16);
const SUBJECT = 'USDT deposit not credited after 2 hours';
const NOTE = 'Checked the node: tx has 3/12 confirmations. Do not tell the customer yet.';
const REPLY = 'Thanks for waiting! Your deposit needs 12 confirmations. Could you confirm the amount?';

describe('support portal and agent console flow', () => {
  let server, browser, customerCtx, agentCtx, customer, agent, agentCreds;
  let ref = null;
  const errors = [];

  before(async () => {
    server = await startServer({ env: { FRONTDESK_WEB_DIR: WEB_DIR } });
    agentCreds = server.addUser({ email: 'ada.agent@example.com', name: 'Ada Agent', role: 'agent', department: 'deposits', tier: 1 });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    customerCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    agentCtx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    customer = await customerCtx.newPage();
    agent = await agentCtx.newPage();
    for (const p of [customer, agent]) {
      p.setDefaultTimeout(10000);
      p.on('pageerror', (e) => errors.push(e.message));
    }
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('(a) customer signs up, opens a Deposits & Withdrawals ticket with a TXID and sees it in My tickets', async () => {
    await customer.goto(server.url + '/support');
    await customer.getByRole('heading', { name: 'Sign in to Support' }).waitFor();
    await customer.getByRole('link', { name: 'Create an account' }).click();
    await customer.getByLabel('Full name').fill('Carol Customer');
    await customer.getByLabel('Email').fill('carol@example.com');
    await customer.getByLabel('Password').fill('correct-horse-battery');
    await customer.getByRole('button', { name: 'Create account' }).click();
    await customer.getByRole('heading', { name: 'My tickets' }).waitFor();

    await customer.getByRole('main').getByRole('link', { name: 'New ticket' }).click();
    await customer.getByRole('heading', { name: 'New ticket' }).waitFor();
    await customer.getByLabel('Topic').selectOption({ label: 'Deposits & Withdrawals' });
    await customer.getByLabel('Subject').fill(SUBJECT);
    await customer.getByLabel('Describe the problem').fill('I sent 250.5 USDT from my wallet two hours ago.\nIt is not in my balance.');
    await customer.getByLabel('Asset').fill('usdt');
    await customer.getByLabel('Network').fill('ethereum');
    await customer.getByLabel('Amount').fill('250.5');
    await customer.getByLabel('TXID').fill(TXID);
    await customer.getByLabel('Screenshots').setInputFiles({ name: 'wallet-screenshot.png', mimeType: 'image/png', buffer: PNG });
    await customer.getByRole('button', { name: 'Submit ticket' }).click();

    await customer.waitForURL(/#\/tickets\/FD-\d+$/);
    await customer.getByRole('heading', { name: SUBJECT }).waitFor();
    ref = decodeURIComponent(new URL(customer.url()).hash.split('/').pop());
    assert.match(ref, /^FD-\d+$/);
    const main = customer.getByRole('main');
    await assert.doesNotReject(main.getByText(TXID).first().waitFor());
    await assert.doesNotReject(main.getByText('USDT', { exact: true }).first().waitFor());
    // Nothing went wrong while creating it (e.g. a failed upload shows an error flash).
    assert.equal(await main.locator('.flash-error').count(), 0, await main.locator('.flash-error').allTextContents().then(String));

    await customer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My tickets' }).click();
    await customer.getByRole('heading', { name: 'My tickets' }).waitFor();
    const row = customer.getByRole('row').filter({ hasText: ref });
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(SUBJECT));
    assert.match(await row.innerText(), /New/);
  });

  it('(a2) the screenshot is attached to the ticket as a downloadable link', async () => {
    assert.ok(ref, 'needs the ticket from (a)');
    await customer.goto(`${server.url}/support#/tickets/${ref}`);
    const link = customer.getByRole('link', { name: /wallet-screenshot\.png/ });
    await link.waitFor();
    const href = await link.getAttribute('href');
    assert.match(href, /^\/api\/v1\/attachments\/\w+$/);
    const res = await customerCtx.request.get(server.url + href);
    assert.equal(res.status(), 200);
    assert.deepEqual(Buffer.from(await res.body()), PNG);
  });

  it('(b) agent signs in, finds the ticket in the queue, adds an internal note and a public reply, sets Pending', async () => {
    assert.ok(ref, 'needs the ticket from (a)');
    await agent.goto(server.url + '/agent');
    await agent.getByRole('heading', { name: 'Agent sign-in' }).waitFor();
    await agent.getByLabel('Work email').fill(agentCreds.email);
    await agent.getByLabel('Password').fill(agentCreds.password);
    await agent.getByRole('button', { name: 'Sign in' }).click();
    await agent.getByRole('heading', { name: 'Ticket queue' }).waitFor();

    // Counts per status are shown on the tabs.
    const newTab = agent.getByRole('navigation', { name: 'Ticket status' }).getByRole('link', { name: /^New\s*\d+$/ });
    await assert.doesNotReject(newTab.waitFor());
    await agent.waitForFunction(() => /\d/.test(document.querySelector('.tab[data-status="new"] .count')?.textContent || ''));
    assert.ok(Number(await newTab.locator('.count').textContent()) >= 1);

    // Text search narrows the queue to our ticket.
    await agent.getByLabel('Search').fill('USDT deposit');
    await agent.getByRole('button', { name: 'Apply' }).click();
    await agent.waitForURL(/q=USDT/);
    const row = agent.getByRole('row').filter({ hasText: ref });
    await row.waitFor();
    await row.getByRole('link', { name: SUBJECT }).click();
    await agent.getByRole('heading', { name: SUBJECT }).waitFor();

    // Exchange fields and requester's other tickets are shown.
    await assert.doesNotReject(agent.getByText(TXID).first().waitFor());
    await assert.doesNotReject(agent.getByRole('heading', { name: "Requester's other tickets" }).waitFor());

    // Internal note.
    await agent.getByRole('radio', { name: 'Internal note' }).check();
    await agent.getByRole('textbox', { name: 'Internal note' }).fill(NOTE);
    await agent.getByRole('button', { name: 'Add internal note' }).click();
    const note = agent.locator('article.msg').filter({ hasText: NOTE });
    await note.waitFor();
    assert.match(await note.locator('.msg-head').innerText(), /Internal note/i);
    const noteBg = await note.evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(noteBg, 'rgb(255, 246, 204)', 'internal notes have a yellow background');

    // Public reply (the composer remembers the mode, so switch back explicitly).
    await agent.getByRole('radio', { name: 'Public reply' }).check();
    await agent.getByRole('textbox', { name: /^Reply to/ }).fill(REPLY);
    await agent.getByRole('button', { name: 'Send public reply' }).click();
    const reply = agent.locator('article.msg').filter({ hasText: REPLY });
    await reply.waitFor();
    assert.doesNotMatch(await reply.locator('.msg-head').innerText(), /Internal note/i);
    const replyBg = await reply.evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.notEqual(replyBg, noteBg);

    // Status → Pending.
    await agent.getByLabel('Status', { exact: true }).selectOption('pending');
    await agent.getByRole('button', { name: 'Update ticket' }).click();
    await agent.locator('.ticket-head .badge.status-pending').waitFor();
    assert.equal(await agent.locator('.ticket-head .badge.status-pending').innerText(), 'Pending');

    // The event log is in a collapsible panel and lists what happened.
    const log = agent.locator('details.events-panel');
    assert.equal(await log.evaluate((d) => d.open), false);
    await log.locator('summary').click();
    await log.locator('ol.events > li').first().waitFor();
    assert.ok(await log.locator('ol.events > li').count() >= 3, 'created, note, reply and status change are logged');
  });

  it('(c) the customer sees the public reply and Pending status, but not the internal note', async () => {
    assert.ok(ref, 'needs the ticket from (a)');
    await customer.goto(`${server.url}/support#/tickets/${ref}`);
    await customer.reload();
    await customer.getByRole('heading', { name: SUBJECT }).waitFor();
    const main = customer.getByRole('main');
    await main.getByText(REPLY).waitFor();
    assert.equal(await main.locator('.ticket-head .badge').innerText(), 'Pending');
    await assert.doesNotReject(main.getByText('We are waiting for your reply.').waitFor());
    const html = await customer.content();
    assert.ok(!html.includes(NOTE), 'internal note must not reach the customer');
    assert.ok(!html.includes('Do not tell the customer'), 'internal note must not reach the customer');
    assert.equal(await main.getByText(/internal note/i).count(), 0);

    await customer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My tickets' }).click();
    const row = customer.getByRole('row').filter({ hasText: ref });
    await row.waitFor();
    assert.match(await row.innerText(), /Pending/);
  });

  it('(d) the customer can reply and mark the ticket as solved, then sign out', async () => {
    assert.ok(ref, 'needs the ticket from (a)');
    await customer.goto(`${server.url}/support#/tickets/${ref}`);
    await customer.getByLabel('Your reply').fill('The amount was 250.5 USDT.');
    await customer.getByRole('button', { name: 'Send reply' }).click();
    await customer.getByRole('main').locator('article.msg').filter({ hasText: 'The amount was 250.5 USDT.' }).waitFor();
    // A customer's reply moves pending back to open.
    await customer.locator('.ticket-head .badge.status-open').waitFor();

    await customer.getByRole('button', { name: 'Mark as solved' }).click();
    await customer.locator('.ticket-head .badge.status-solved').waitFor();

    await customer.getByRole('button', { name: 'Sign out' }).click();
    await customer.getByRole('heading', { name: 'Sign in to Support' }).waitFor();
    await customer.reload();
    await customer.getByRole('heading', { name: 'Sign in to Support' }).waitFor();
  });

  it('(e) agent closes the solved ticket; a customer reply then opens a follow-up ticket', async () => {
    assert.ok(ref, 'needs the ticket from (a)');
    await agent.goto(`${server.url}/agent#/tickets/${ref}`);
    await agent.reload();
    await agent.locator('.ticket-head .badge.status-solved').waitFor();
    await agent.getByLabel('Status', { exact: true }).selectOption('closed');
    await agent.getByRole('button', { name: 'Update ticket' }).click();
    await agent.locator('.ticket-head .badge.status-closed').waitFor();
    // Closed is final: the status control offers nothing else.
    assert.deepEqual(await agent.getByLabel('Status', { exact: true }).locator('option').allInnerTexts(), ['Closed']);

    await customer.goto(server.url + '/support');
    await customer.getByLabel('Email').fill('carol@example.com');
    await customer.getByLabel('Password').fill('correct-horse-battery');
    await customer.getByRole('button', { name: 'Sign in' }).click();
    await customer.getByRole('heading', { name: 'My tickets' }).waitFor();
    await customer.goto(`${server.url}/support#/tickets/${ref}`);
    await customer.locator('.ticket-head .badge.status-closed').waitFor();
    await customer.getByLabel(/follow-up/).fill('The same problem happened again today.');
    await customer.getByRole('button', { name: 'Send reply' }).click();
    await customer.waitForURL((u) => /#\/tickets\/FD-\d+$/.test(u.hash) && !u.hash.endsWith('/' + ref));
    const head = customer.locator('.ticket-head');
    await head.getByRole('link', { name: ref }).waitFor();
    assert.match(await head.innerText(), new RegExp(`Follow-up of ${ref}`));
    await customer.getByText('The same problem happened again today.').waitFor();
  });

  it('shows server error messages inline (wrong password)', async () => {
    await customer.getByRole('button', { name: 'Sign out' }).click();
    await customer.getByRole('heading', { name: 'Sign in to Support' }).waitFor();
    await customer.getByLabel('Email').fill('carol@example.com');
    await customer.getByLabel('Password').fill('definitely-wrong-password');
    await customer.getByRole('button', { name: 'Sign in' }).click();
    const alert = customer.getByRole('main').getByRole('alert');
    await alert.waitFor();
    assert.ok((await alert.innerText()).trim().length > 0);
  });

  it('raised no JavaScript errors', () => {
    assert.deepEqual(errors, []);
  });
});
