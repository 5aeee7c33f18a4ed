// Protection from fake support in the browser: the /verify page with JavaScript off
// (official, look-alike, not official), the portal's anti-phishing code card (password
// asked, the code then shown on every portal page), and the console's registry page.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, Client } from '../lib/server.mjs';

const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('verify and anti-phishing code', () => {
  let server, browser, admin;
  const errors = [];

  before(async () => {
    server = await startServer({ env: { FRONTDESK_WEB_DIR: WEB_DIR } });
    const a = server.addUser({ email: 'root@fd-bv.test', name: 'Ada Admin', role: 'admin' });
    admin = new Client(server.url); await admin.login(a.email, a.password);
    const r = await admin.post('/api/v1/verify/entries', { kind: 'domain', value: 'frontdesk.example', note: 'our website' });
    assert.equal(r.status, 201, r.text);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('/verify works with JavaScript disabled', async () => {
    const ctx = await browser.newContext({ javaScriptEnabled: false });
    const page = await ctx.newPage();
    page.setDefaultTimeout(10000);
    await page.goto(server.url + '/verify');
    await page.getByRole('heading', { name: 'Is this really Frontdesk support?' }).waitFor();
    assert.match(await page.locator('.verify-official').innerText(), /frontdesk\.example — our website/);
    const box = page.getByLabel('Address, number, handle or agent code');
    await box.fill('https://frontdesk-support.com/claim');
    await page.getByRole('button', { name: 'Check' }).click();
    await page.waitForURL(/\/verify\?q=/);
    const res = page.getByRole('status');
    assert.equal(await res.getAttribute('data-verdict'), 'lookalike');
    assert.match(await res.innerText(), /Warning: a look-alike[\s\S]*NOT ours/);
    await page.getByLabel('Address, number, handle or agent code').fill('www.frontdesk.example');
    await page.getByRole('button', { name: 'Check' }).click();
    await page.waitForURL(/q=www/);
    assert.equal(await page.getByRole('status').getAttribute('data-verdict'), 'official');
    await page.getByLabel('Address, number, handle or agent code').fill('scam@gmail.com');
    await page.getByRole('button', { name: 'Check' }).click();
    await page.waitForURL(/q=scam/);
    assert.equal(await page.getByRole('status').getAttribute('data-verdict'), 'not_official');
    await ctx.close();
  });

  it('a customer sets the code in the portal with the password and sees it on every page', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/support#/signup');
    await page.getByLabel('Full name').fill('Pat Portal');
    await page.getByLabel('Email').fill('pat@example.com');
    await page.getByLabel('Password').fill('correct-horse-battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'My tickets' }).waitFor();
    const card = page.locator('[data-antiphish-card]');
    await card.getByRole('heading', { name: 'Anti-phishing code' }).waitFor();
    await card.getByLabel(/New anti-phishing code/).fill('SunnyFox77');
    await card.getByLabel('Your password').fill('wrong-password-00');
    await card.getByRole('button', { name: 'Set code' }).click();
    await card.getByText('the password is wrong').waitFor();
    await card.getByLabel(/New anti-phishing code/).fill('SunnyFox77');
    await card.getByLabel('Your password').fill('correct-horse-battery');
    await card.getByRole('button', { name: 'Set code' }).click();
    await page.getByTestId('antiphish-current').waitFor();
    assert.equal(await page.getByTestId('antiphish-current').innerText(), 'Your anti-phishing code: SunnyFox77');
    // on another portal page the banner shows it too
    await page.getByRole('main').getByRole('link', { name: 'New ticket' }).click();
    await page.locator('[data-antiphish-banner]').waitFor();
    assert.match(await page.locator('[data-antiphish-banner]').innerText(), /Your anti-phishing code: SunnyFox77/);
    assert.deepEqual(errors, []);
  });

  it('the console lists the registry and an admin adds an entry', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/agent#/signin');
    await page.getByLabel('Email').fill('root@fd-bv.test');
    await page.getByLabel('Password').fill('correct-horse-battery');
    await page.getByRole('button', { name: /Sign in/ }).click();
    await page.getByRole('link', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Official contacts' }).waitFor();
    assert.match(await page.getByTestId('agent-code').innerText(), /[0-9A-Z]{4}-[0-9A-Z]{2}/);
    const form = page.getByTestId('verify-add');
    await form.getByLabel('Kind').selectOption('telegram');
    await form.getByLabel('Value').fill('@frontdesk_support');
    await form.getByRole('button', { name: 'Add' }).click();
    await page.locator('.verify-table').getByText('frontdesk_support').waitFor();
    const r = await new Client(server.url).get('/api/v1/verify?q=%40frontdesk_supp0rt');
    assert.equal(r.json.verdict, 'lookalike');
    assert.deepEqual(errors, []);
  });
});
