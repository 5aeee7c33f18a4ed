// The customer portal on a 375px-wide phone screen: no horizontal scrolling, the new-ticket form
// is visible and usable, and a ticket can be opened and read.
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
const WIDTH = 375;

/** Asserts the page does not scroll sideways and the element lies within the viewport width. */
async function assertFits(page, locator, what, minWidth = 0) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page scrolls horizontally by ${overflow}px`);
  if (locator) {
    const box = await locator.boundingBox();
    assert.ok(box, `${what} is rendered`);
    assert.ok(box.x >= 0 && box.x + box.width <= WIDTH + 0.5, `${what} fits in ${WIDTH}px (x=${box.x}, w=${box.width})`);
    assert.ok(box.width >= minWidth, `${what} is wide enough to use (w=${box.width})`);
  }
}

describe('support portal at 375px', () => {
  let server, browser, page;
  const errors = [];

  before(async () => {
    server = await startServer({ env: { FRONTDESK_WEB_DIR: WEB_DIR } });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const ctx = await browser.newContext({
      viewport: { width: WIDTH, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    });
    page = await ctx.newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (e) => errors.push(e.message));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('signs up on a phone', async () => {
    await page.goto(server.url + '/support#/signup');
    await page.getByRole('heading', { name: 'Create your support account' }).waitFor();
    await assertFits(page, page.getByLabel('Email'), 'email input', 250);
    await page.getByLabel('Full name').fill('Mo Bile');
    await page.getByLabel('Email').fill('mo@example.com');
    await page.getByLabel('Password').fill('correct-horse-battery');
    await page.getByRole('button', { name: 'Create account' }).tap();
    await page.getByRole('heading', { name: 'My tickets' }).waitFor();
    await assertFits(page);
  });

  it('shows a usable new-ticket form and submits it', async () => {
    await page.getByRole('main').getByRole('link', { name: 'New ticket' }).tap();
    await page.getByRole('heading', { name: 'New ticket' }).waitFor();
    const form = page.getByRole('form', { name: 'New ticket' });
    await form.waitFor();
    await assertFits(page, form, 'new-ticket form', 300);
    for (const label of ['Topic', 'Subject', 'Describe the problem', 'UID', 'Asset', 'Network', 'Amount', 'TXID', 'Order ID']) {
      const control = page.getByLabel(label, { exact: true });
      assert.ok(await control.isVisible(), `${label} is visible`);
      await assertFits(page, control, `${label} field`, 250);
    }
    const submit = page.getByRole('button', { name: 'Submit ticket' });
    await submit.scrollIntoViewIfNeeded();
    assert.ok(await submit.isVisible());
    await assertFits(page, submit, 'button Submit ticket');
    const sbox = await submit.boundingBox();
    assert.ok(sbox.height >= 36, `submit button is a comfortable touch target (h=${sbox.height})`);

    // Browser-side validation keeps an empty form from being sent.
    await submit.tap();
    assert.match(page.url(), /#\/new$/);

    await page.getByLabel('Topic').selectOption('deposits');
    await page.getByLabel('Subject').fill('BTC withdrawal pending for 6 hours');
    await page.getByLabel('Describe the problem').fill('My BTC withdrawal is still pending.');
    await page.getByLabel('Network', { exact: true }).fill('bitcoin');
    await page.getByLabel('Asset', { exact: true }).fill('BTC');
    await page.getByLabel('TXID', { exact: true }).fill('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    await submit.tap();
    await page.waitForURL(/#\/tickets\/FD-\d+$/);
    await page.getByRole('heading', { name: 'BTC withdrawal pending for 6 hours' }).waitFor();
    await page.getByText('My BTC withdrawal is still pending.').waitFor();
    await assertFits(page, page.getByRole('button', { name: 'Send reply' }), 'button Send reply');
  });

  it('shows a server validation error inline for a bad TXID', async () => {
    await page.goto(server.url + '/support#/new');
    await page.getByRole('heading', { name: 'New ticket' }).waitFor();
    await page.getByLabel('Topic').selectOption('deposits');
    await page.getByLabel('Subject').fill('Wrong hash test');
    await page.getByLabel('Describe the problem').fill('Testing a bad transaction id.');
    await page.getByLabel('Network', { exact: true }).fill('ethereum');
    await page.getByLabel('TXID', { exact: true }).fill('0x1234');
    await page.getByRole('button', { name: 'Submit ticket' }).tap();
    const alert = page.getByRole('form', { name: 'New ticket' }).getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /txid/i);
    assert.match(page.url(), /#\/new$/);
    await assertFits(page, alert, 'error message');
  });

  it('lists the ticket in My tickets without sideways scrolling', async () => {
    await page.goto(server.url + '/support#/tickets');
    const link = page.getByRole('link', { name: 'BTC withdrawal pending for 6 hours' });
    await link.waitFor();
    await assertFits(page, link, 'ticket link');
  });

  it('raised no JavaScript errors', () => {
    assert.deepEqual(errors, []);
  });
});
