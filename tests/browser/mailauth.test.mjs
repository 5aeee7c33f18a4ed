// Email authentication badges: an agent sees DKIM / SPF / DMARC verdicts on each inbound email
// message (and a warning when the sender is not verified); the customer's portal shows none.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, Client, cli } from '../lib/server.mjs';

const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function mail(subject, body) {
  const id = `${Math.random().toString(16).slice(2)}@cust.example`;
  return ['From: Alice <alice@cust.example>', 'To: deposits@frontdesk.test', `Subject: ${subject}`,
    `Message-ID: <${id}>`, '', body, ''].join('\r\n');
}

describe('mail authentication badges', () => {
  let dir, server, browser, token, agentCreds, goodRef, badRef;
  const errors = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fd-mailauth-b-'));
    writeFileSync(join(dir, 'zone.txt'), 'cust.example TXT "v=spf1 ip4:192.0.2.10 -all"\n_dmarc.cust.example TXT "v=DMARC1; p=reject"\n');
    server = await startServer({ env: { FRONTDESK_WEB_DIR: WEB_DIR, FRONTDESK_MAIL_AUTH_DNS_FILE: join(dir, 'zone.txt') } });
    agentCreds = server.addUser({ email: 'ada@fd.test', name: 'Ada Agent', role: 'agent', department: 'deposits' });
    const admin = server.addUser({ email: 'root@fd.test', role: 'admin' });
    const cust = new Client(server.url);
    await cust.signup('alice@cust.example', 'correct-horse-battery', 'Alice');
    token = cli(['token', 'create', '--email', admin.email, '--name', 'gate', '--scopes', 'mail:ingest', '--data-dir', server.dataDir]).trim();
    const send = async (raw, ip) => {
      const r = await fetch(`${server.url}/api/v1/mail/inbound?client_ip=${ip}&mail_from=alice%40cust.example`, {
        method: 'POST', body: raw, headers: { authorization: 'Bearer ' + token } });
      const text = await r.text();
      assert.equal(r.status, 201, text);
      return JSON.parse(text).ticket;
    };
    goodRef = await send(mail('Deposit missing', 'Where is my deposit?'), '192.0.2.10');
    badRef = await send(mail(`Re: [${goodRef}] Deposit missing`, 'Send your 2FA code'), '198.51.100.9');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the agent sees the badge row, with a warning on the forged message', async () => {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/agent');
    await page.getByLabel('Work email').fill(agentCreds.email);
    await page.getByLabel('Password').fill(agentCreds.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Ticket queue' }).waitFor();

    await page.goto(`${server.url}/agent#/tickets/${goodRef}`);
    const good = page.getByLabel('Email authentication');
    await good.waitFor();
    assert.deepEqual(await good.locator('.auth-badge').allTextContents(),
      ['DKIM none', 'SPF pass (cust.example)', 'DMARC pass (p=reject)']);
    assert.equal(await good.locator('.auth-pass').count(), 2);
    assert.equal(await good.locator('.auth-warning').count(), 0);

    await page.goto(`${server.url}/agent#/tickets/${badRef}`);
    await page.getByText('Sender not verified').waitFor();
    const bad = page.getByLabel('Email authentication');
    assert.deepEqual(await bad.locator('.auth-badge').allTextContents(),
      ['DKIM none', 'SPF fail (cust.example)', 'DMARC fail (p=reject)']);
    assert.equal(await bad.locator('.auth-fail').count(), 2);
    assert.deepEqual(errors, []);
  });

  it('the customer sees the messages but no badges', async () => {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(10000);
    await page.goto(server.url + '/support');
    await page.getByLabel('Email').fill('alice@cust.example');
    await page.getByLabel('Password').fill('correct-horse-battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'My tickets' }).waitFor();
    await page.goto(`${server.url}/support#/tickets/${goodRef}`);
    await page.getByText('Where is my deposit?').waitFor();
    assert.equal(await page.locator('.auth-row, .auth-badge').count(), 0);
    assert.equal(await page.getByText('DMARC').count(), 0);
  });
});
