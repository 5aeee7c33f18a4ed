// The portal warns a customer who pasted a recovery phrase, and shows the ticket without it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../lib/server.mjs';

const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// A published BIP-39 test vector (worthless).
const PHRASE = 'legal winner thank year wave sausage worth useful legal winner thank yellow';

describe('portal safety warning', () => {
  let server, browser, page;
  const errors = [];

  before(async () => {
    server = await startServer({ env: { FRONTDESK_WEB_DIR: WEB_DIR } });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (e) => errors.push(e.message));
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a ticket with a seed phrase: the customer sees the warning and the phrase is gone', async () => {
    await page.goto(server.url + '/support#/signup');
    await page.getByLabel('Full name').fill('Sam Safety');
    await page.getByLabel('Email').fill('sam@example.com');
    await page.getByLabel('Password').fill('correct-horse-battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'My tickets' }).waitFor();
    await page.getByRole('main').getByRole('link', { name: 'New ticket' }).click();
    await page.getByLabel('Topic').selectOption({ label: 'Deposits & Withdrawals' });
    await page.getByLabel('Subject').fill('My wallet is empty');
    await page.getByLabel('Describe the problem').fill(`Support on Telegram asked for my words:\n${PHRASE}\nNow my wallet is empty.`);
    await page.getByRole('button', { name: 'Submit ticket' }).click();
    await page.waitForURL(/#\/tickets\/FD-\d+$/);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = await alert.innerText();
    assert.match(text, /never ask/i);
    assert.match(text, /new wallet/i);
    const main = page.getByRole('main');
    await main.getByText('[removed: recovery phrase]').first().waitFor();
    assert.equal((await main.innerText()).includes('sausage'), false);
    assert.deepEqual(errors, []);
  });
});
