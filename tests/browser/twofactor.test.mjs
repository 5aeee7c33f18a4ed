// Agent console: setting up two-factor sign-in (key + code → recovery codes), signing in
// with password then code (a wrong code is refused on the page), the audit log for admins,
// and enforcement sending staff without 2FA to the Security page. The server clock is
// FRONTDESK_CLOCK_FILE so that codes are computed for a known time step.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../lib/server.mjs';

const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function base32Decode(s) {
  const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, val = 0;
  const out = [];
  for (const ch of s) {
    val = (val << 5) | alpha.indexOf(ch);
    bits += 5;
    if (bits >= 8) { out.push((val >>> (bits - 8)) & 255); bits -= 8; }
  }
  return Buffer.from(out);
}
function totp(secret, ms) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(ms / 30000)));
  const h = createHmac('sha1', base32Decode(secret)).update(msg).digest();
  const o = h[h.length - 1] & 15;
  return String((((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3]) % 1e6).padStart(6, '0');
}

describe('two-factor sign-in in the agent console', () => {
  let server, browser, ctx, page, tmp, clockFile, secret;
  let now = Date.UTC(2026, 10, 26, 10, 0, 0);
  const setClock = (ms) => { now = ms; writeFileSync(clockFile, String(ms)); };
  const errors = [];

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'fd-2fa-'));
    clockFile = join(tmp, 'clock');
    setClock(now);
    server = await startServer({ env: { FRONTDESK_WEB_DIR: WEB_DIR, FRONTDESK_CLOCK_FILE: clockFile } });
    server.addUser({ email: 'ada.admin@example.com', name: 'Ada Admin', role: 'admin' });
    server.addUser({ email: 'bo.agent@example.com', name: 'Bo Agent', role: 'agent', department: 'deposits', tier: 1 });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await ctx.newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (e) => errors.push(e.message));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  async function signIn(email) {
    await page.goto(server.url + '/agent#/signin');
    await page.getByLabel('Work email').fill(email);
    await page.getByLabel('Password').fill('correct-horse-battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('an admin sets up 2FA from the Security page and gets recovery codes once', async () => {
    await signIn('ada.admin@example.com');
    await page.getByRole('heading', { name: 'Ticket queue' }).waitFor();
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    secret = (await page.locator('code.twofactor-secret').textContent()).trim();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    const href = await page.getByRole('link', { name: 'Open in authenticator app' }).getAttribute('href');
    assert.ok(href.startsWith('otpauth://totp/'), href);
    const near = [-30000, 0, 30000].map((d) => totp(secret, now + d));
    await page.getByLabel('Code from the app').fill(['000000', '111111', '222222', '333333'].find((c) => !near.includes(c)));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('#twofactor-confirm .form-error').filter({ hasText: /not valid/ }).waitFor();
    await page.getByLabel('Code from the app').fill(totp(secret, now));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('.recovery-codes li').first().waitFor();
    assert.equal(await page.locator('.recovery-codes li').count(), 10);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByText(/Two-factor sign-in is on\. 10 recovery codes left/).waitFor();
    // The audit log shows it.
    await page.locator('#audit-table').getByText('2fa_enabled').waitFor();
  });

  it('signing in asks for the code after the password; a wrong code is refused', async () => {
    await page.locator('#topbar').getByRole('button', { name: 'Sign out', exact: true }).click();
    await signIn('ada.admin@example.com');
    await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
    assert.equal(me, 401, 'no session before the code');
    const near = [-30000, 0, 30000].map((d) => totp(secret, now + d));
    const wrong = ['000000', '111111', '222222', '333333'].find((c) => !near.includes(c));
    await page.getByLabel('Authentication code').fill(wrong);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.locator('.form-error').filter({ hasText: /not valid/ }).waitFor();
    setClock(now + 30000);
    await page.getByLabel('Authentication code').fill(totp(secret, now));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Ticket queue' }).waitFor();
  });

  it('with 2FA required, an agent without it lands on Security and must enrol first', async () => {
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByLabel('Require two-factor sign-in for all staff').check();
    await page.getByText('Two-factor sign-in is now required for all staff.').waitFor();
    await page.locator('#topbar').getByRole('button', { name: 'Sign out', exact: true }).click();
    await signIn('bo.agent@example.com');
    await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor();
    await page.getByText(/requires two-factor sign-in/).waitFor();
    await page.goto(server.url + '/agent#/queue');
    await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    const s = (await page.locator('code.twofactor-secret').textContent()).trim();
    await page.getByLabel('Code from the app').fill(totp(s, now));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByRole('heading', { name: 'Your sessions' }).waitFor();
    await page.goto(server.url + '/agent#/queue');
    await page.getByRole('heading', { name: 'Ticket queue' }).waitFor();
    assert.deepEqual(errors, []);
  });
});
