// Reports page (/agent#/reports): a supervisor sees every report drawn as SVG, reports of
// other modules that this server lacks say "not available", a chart's CSV downloads with
// the API's data; agents do not get the page. The CSAT rating shows on the agent's ticket
// page, and the portal shows the reply-time expectation and the rating card.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, Client } from '../lib/server.mjs';

const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const T0 = Date.parse('2026-11-10T09:00:00Z');
const MIN = 60000;

describe('reports page', () => {
  let server, browser, clockDir, clockFile, supC, supCreds, agentCreds, cust, solvedRef;
  const errors = [];

  before(async () => {
    clockDir = mkdtempSync(join(tmpdir(), 'fd-clock-'));
    clockFile = join(clockDir, 'now');
    writeFileSync(clockFile, String(T0));
    server = await startServer({ env: { FRONTDESK_WEB_DIR: WEB_DIR, FRONTDESK_CLOCK_FILE: clockFile } });
    supCreds = server.addUser({ email: 'sue@example.com', name: 'Sue Supervisor', role: 'supervisor' });
    agentCreds = server.addUser({ email: 'dora@example.com', name: 'Dora Agent', role: 'agent', department: 'deposits', tier: 1 });
    supC = new Client(server.url); await supC.login(supCreds.email, supCreds.password);
    const agent = new Client(server.url); await agent.login(agentCreds.email, agentCreds.password);
    cust = new Client(server.url); await cust.signup('carl@example.com', 'correct-horse-battery', 'Carl');
    const refs = [];
    for (const [i, dept] of [[1, 'deposits'], [2, 'deposits'], [3, 'deposits'], [4, 'trading']]) {
      const r = await cust.post('/api/v1/tickets', { subject: `Question ${i}`, body: 'details', department: dept });
      assert.equal(r.status, 201, r.text);
      refs.push(r.json.ticket.reference);
    }
    for (const [i, m] of [[0, 10], [1, 20], [2, 60]]) {
      writeFileSync(clockFile, String(T0 + m * MIN));
      assert.equal((await agent.post(`/api/v1/tickets/${refs[i]}/messages`, { body: 'Looking into it.' })).status, 201);
    }
    writeFileSync(clockFile, String(T0 + 120 * MIN));
    assert.equal((await agent.patch(`/api/v1/tickets/${refs[0]}`, { status: 'solved' })).status, 200);
    solvedRef = refs[0];
    const c = await cust.req('PUT', `/api/v1/tickets/${solvedRef}/csat`, { rating: 4, comment: 'Fast and <b>kind</b>' });
    assert.equal(c.status, 200, c.text);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (clockDir) rmSync(clockDir, { recursive: true, force: true });
  });

  async function signedIn(creds, path = '/agent') {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
    const page = await ctx.newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + path);
    await page.getByLabel('Work email').fill(creds.email);
    await page.getByLabel('Password').fill(creds.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Ticket queue' }).waitFor();
    return { ctx, page };
  }

  it('draws every report as SVG or a table, including the SLA, complaint and incident reports, and downloads the CSV', async () => {
    const { ctx, page } = await signedIn(supCreds);
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { name: 'Reports', exact: true }).waitFor();
    const card = (n) => page.locator(`[data-report="${n}"]`);
    await card('deflection').locator('svg.report-chart').waitFor();
    // Line charts: one path per column after "day".
    assert.equal(await card('volume-channel').locator('svg[data-chart="line"] path.series').count(), 3);
    assert.equal(await card('first-reply').locator('svg[data-chart="line"] path.series').count(), 2);
    assert.equal(await card('first-reply').locator('circle').count(), 2, 'one day with data: a p50 and a p90 point');
    // Bar charts: backlog (4 ages) and CSAT (5 ratings), bar heights follow the data.
    assert.equal(await card('backlog').locator('svg[data-chart="bar"] rect.bar').count(), 4);
    const csatBars = card('csat').locator('rect.bar');
    assert.equal(await csatBars.count(), 5);
    const heights = await csatBars.evaluateAll((els) => els.map((e) => Number(e.getAttribute('height'))));
    assert.ok(heights[3] > 0 && heights.filter((x) => x > 0).length === 1, `only the 4-star bar: ${heights}`);
    assert.match(await card('csat').locator('.report-note').innerText(), /average 4\.00/);
    // Reports served by other modules: SLA compliance as a line chart (four series),
    // complaint step timings and contacts per incident as tables.
    assert.equal(await card('sla').locator('svg[data-chart="line"] path.series').count(), 4);
    for (const n of ['complaints', 'incidents']) {
      await card(n).locator('table.report-table').waitFor();
      assert.equal(await card(n).getByTestId('not-available').count(), 0);
    }

    const [dl] = await Promise.all([page.waitForEvent('download'), card('first-reply').getByTestId('csv').click()]);
    const file = await dl.path();
    const csv = readFileSync(file, 'utf8');
    const api = await supC.get('/api/v1/reports/first-reply?format=csv');
    assert.equal(csv, api.text);
    assert.match(csv, /^day,p50,p90\r\n/);
    assert.match(csv, /\r\n2026-11-10,20,60\r\n$/);

    // The department filter narrows the data.
    await page.getByLabel('Department', { exact: true }).selectOption('trading');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/department=trading/);
    await card('first-reply').getByText('no tickets in the period').waitFor();
    assert.equal(await card('first-reply').locator('circle').count(), 0);
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it('the agent sees the rating on the ticket page but no Reports link', async () => {
    const { ctx, page } = await signedIn(agentCreds);
    assert.equal(await page.getByRole('link', { name: 'Reports' }).count(), 0);
    await page.goto(server.url + '/agent#/tickets/' + solvedRef);
    const panel = page.getByTestId('csat-panel');
    await panel.getByText('4/5').waitFor();
    assert.equal(await panel.locator('blockquote').innerText(), 'Fast and <b>kind</b>');
    await page.goto(server.url + '/agent#/reports');
    await page.getByRole('heading', { name: 'Ticket queue' }).waitFor();
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it('the portal shows the reply-time expectation per department and lets the customer change the rating', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    const page = await ctx.newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/support#/signin');
    await page.getByLabel('Email').fill('carl@example.com');
    await page.getByLabel('Password').fill('correct-horse-battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.goto(server.url + '/support#/new');
    await page.getByLabel('Topic').selectOption('deposits');
    await page.getByTestId('expectation').getByText(/We usually reply within 20 minutes/).waitFor();
    await page.getByLabel('Topic').selectOption('trading');
    await page.getByTestId('expectation').getByText(/based on all our teams/).waitFor();

    await page.goto(server.url + '/support#/tickets/' + solvedRef);
    const card = page.getByTestId('csat-card');
    await card.getByText('Your rating: 4/5').waitFor();
    await card.getByLabel('5 – Excellent').check();
    await card.getByRole('button', { name: 'Change rating' }).click();
    await card.getByText('Your rating: 5/5').waitFor();
    assert.equal((await supC.get(`/api/v1/tickets/${solvedRef}/csat`)).json.rating, 5);

    await page.goto(server.url + '/support#/csat/1.' + 'a'.repeat(32) + '.' + 'b'.repeat(64));
    await page.getByText('This survey link is not valid.').waitFor();
    assert.deepEqual(errors, []);
    await ctx.close();
  });
});
