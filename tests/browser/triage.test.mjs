// Agent console, learned triage: the ticket page shows the suggested department with its
// probability and an Apply button (below the threshold), the top intents with their help
// article; applying moves the ticket. The customer portal never shows any of it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, Client, cli } from '../lib/server.mjs';

const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const VOCAB = {
  deposits: ['withdrawal', 'deposit', 'txid', 'blockchain', 'wallet address', 'network fee'],
  trading: ['limit order', 'futures', 'liquidation', 'leverage', 'stop loss', 'margin call'],
};

describe('agent console: triage panel', () => {
  let server, browser, ctx, ref;
  const errors = [];

  before(async () => {
    // Never auto-apply: every ticket gets a suggestion and an Apply button.
    server = await startServer({ env: { FRONTDESK_WEB_DIR: WEB_DIR, FRONTDESK_TRIAGE_AUTO_CONFIDENCE: '2' } });
    const sup = server.addUser({ email: 'sue@example.com', name: 'Sue Supervisor', role: 'supervisor' });
    const supC = new Client(server.url);
    await supC.login(sup.email, sup.password);
    const cust = new Client(server.url);
    await cust.signup('dana@example.com', 'correct-horse-battery', 'Dana Doe');
    for (const [dept, words] of Object.entries(VOCAB)) {
      for (let i = 0; i < 8; i++) {
        const r = await cust.post('/api/v1/tickets', { department: dept, subject: `${words[i % 6]} help`, body: `my ${words[(i + 2) % 6]} and ${words[(i + 4) % 6]}` });
        assert.equal(r.status, 201, r.text);
        const s = await supC.patch(`/api/v1/tickets/${r.json.ticket.reference}`, { status: 'solved' });
        assert.equal(s.status, 200, s.text);
      }
    }
    // An intent model whose labels have help articles: import one for pending_transfer.
    const kb = join(server.dataDir, 'kb.jsonl');
    writeFileSync(kb, [
      { type: 'category', slug: 'dw', name: 'Deposits & Withdrawals' },
      { type: 'section', category: 'dw', slug: 'pending', name: 'Pending' },
      { type: 'article', category: 'dw', section: 'pending', slug: 'transfer-pending', title: 'Why is my transfer pending?', body: 'Transfers wait for confirmations.', status: 'published', intent: 'pending_transfer' },
    ].map((x) => JSON.stringify(x)).join('\n') + '\n');
    cli(['kb', 'import', '--data-dir', server.dataDir, kb]);
    const csv = join(server.dataDir, 'intents.csv');
    const rows = ['text,category'];
    for (let i = 0; i < 6; i++) {
      rows.push(`"withdrawal pending for ${i} hours",pending_transfer`, `"my transfer is still pending, day ${i}",pending_transfer`);
      rows.push(`"my card has not arrived, week ${i}",card_arrival`, `"where is my card ${i}",card_arrival`);
    }
    writeFileSync(csv, rows.join('\n') + '\n');
    cli(['triage', 'train', '--data-dir', server.dataDir, '--intents', csv]);
    const t = await cust.post('/api/v1/tickets', { department: 'trading', subject: 'withdrawal pending', body: 'my withdrawal txid is pending on the blockchain, wallet address is right' });
    assert.equal(t.status, 201, t.text);
    ref = t.json.ticket.reference;

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await ctx.newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/agent');
    await page.getByLabel('Work email').fill(sup.email);
    await page.getByLabel('Password').fill(sup.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Ticket queue' }).waitFor();
    await page.close();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the suggestion with Apply, the top intents and their article; Apply moves the ticket', async () => {
    const page = await ctx.newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/agent#/tickets/${ref}`);
    const panel = page.getByTestId('triage');
    await panel.getByText('Likely intents').waitFor();
    assert.match(await panel.locator('.triage-dept').innerText(), /^Deposits & Withdrawals \d{1,3}%$/);
    const items = await panel.locator('ol.triage-intents li').allInnerTexts();
    assert.equal(items.length, 2, items.join('|'));
    assert.match(items[0], /^pending transfer \d{1,3}%/);
    const link = panel.getByRole('link', { name: 'Why is my transfer pending?' });
    assert.equal(await link.getAttribute('href'), '/help/articles/transfer-pending');
    assert.match(await page.locator('.ticket-head .meta').innerText(), /Trading/);

    await panel.getByRole('button', { name: 'Apply: move to Deposits & Withdrawals' }).click();
    await page.getByTestId('triage').getByText('Applied by an agent.').waitFor();
    assert.match(await page.locator('.ticket-head .meta').innerText(), /Deposits & Withdrawals/);
    assert.equal(await page.getByRole('button', { name: /Apply: move/ }).count(), 0);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('the customer portal shows nothing of it', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(10000);
    await page.goto(`${server.url}/support#/signin`);
    await page.getByLabel('Email').fill('dana@example.com');
    await page.getByLabel('Password').fill('correct-horse-battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.goto(`${server.url}/support#/tickets/${ref}`);
    await page.getByText('my withdrawal txid is pending').waitFor();
    const text = await page.locator('main').innerText();
    assert.doesNotMatch(text, /triage|Likely intents|Apply: move/i);
    await page.close();
  });
});
