// End-to-end: a customer files a formal complaint in the portal (linking their ticket),
// sees its status and due dates; a supervisor finds it in the agent console with its
// clocks, acknowledges it, investigates and records a decision; the customer reads the
// decision with its reasons and remedies. An agent escalates a ticket from its view.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, Client } from '../lib/server.mjs';

const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const WHAT = 'My withdrawal of 0.4 BTC was held for 9 days and nobody told me why.';
const REASONS = 'The hold was justified for 3 days only; we refund the withdrawal fee.';

describe('formal complaints in the portal and the agent console', () => {
  let server, browser, customer, staff, supCreds, agentCreds, ticketRef, cmpRef;
  const errors = [];

  before(async () => {
    server = await startServer({ env: { FRONTDESK_WEB_DIR: WEB_DIR } });
    supCreds = server.addUser({ email: 'sue@example.com', name: 'Sue Pervisor', role: 'supervisor' });
    agentCreds = server.addUser({ email: 'ada@example.com', name: 'Ada Agent', role: 'agent', department: 'deposits', tier: 1 });
    const c = new Client(server.url);
    await c.signup('carol@example.com', 'correct-horse-battery', 'Carol Customer');
    const t = await c.post('/api/v1/tickets', { subject: 'BTC withdrawal held', body: 'Still pending.', department: 'deposits' });
    ticketRef = t.json.ticket.reference;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    customer = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    staff = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    for (const p of [customer, staff]) {
      p.setDefaultTimeout(10000);
      p.on('pageerror', (e) => errors.push(e.message));
    }
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the customer files a complaint with the template and sees it received with its dates', async () => {
    await customer.goto(server.url + '/support');
    await customer.getByLabel('Email').fill('carol@example.com');
    await customer.getByLabel('Password').fill('correct-horse-battery');
    await customer.getByRole('button', { name: 'Sign in' }).click();
    await customer.getByRole('heading', { name: 'My tickets' }).waitFor();
    await customer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Complaints' }).click();
    await customer.getByRole('heading', { name: 'My complaints' }).waitFor();
    await customer.getByRole('link', { name: 'File a formal complaint' }).click();
    await customer.getByRole('heading', { name: 'File a formal complaint' }).waitFor();
    assert.equal(await customer.getByLabel('Full name').inputValue(), 'Carol Customer');
    assert.equal(await customer.getByLabel('How we reach you').inputValue(), 'carol@example.com');
    await customer.getByLabel('Exchange account UID').fill('U778899');
    await customer.getByLabel('I am complaining on behalf of someone else').check();
    await customer.getByLabel('Name of the person you act for').fill('Dan Customer');
    await customer.getByLabel('Which service is it about?').selectOption('withdrawals');
    await customer.getByLabel('What happened?').fill(WHAT);
    await customer.getByLabel('When did it happen?').fill('10–19 November 2026');
    await customer.getByLabel('What do you ask us to do?').fill('Explain the hold and refund the fee.');
    await customer.getByLabel(new RegExp(ticketRef)).check();
    await customer.getByRole('button', { name: 'File complaint' }).click();

    await customer.waitForURL(/#\/complaints\/CMP-\d+$/);
    cmpRef = decodeURIComponent(new URL(customer.url()).hash.split('/').pop());
    const main = customer.getByRole('main');
    await main.getByRole('heading', { name: new RegExp(`Complaint ${cmpRef}`) }).waitFor();
    await main.getByText(`Your complaint ${cmpRef} has been filed.`).waitFor();
    await main.getByText('Received', { exact: true }).first().waitFor();
    await main.getByText(WHAT).waitFor();
    await main.getByText('Dan Customer').waitFor();
    await main.getByRole('link', { name: ticketRef }).waitFor();
    assert.equal(await main.getByText('Acknowledgement due').count(), 1);
    assert.equal(await main.getByText('Decision due').count(), 1);
    // Listed under My complaints.
    await customer.getByRole('link', { name: '← My complaints' }).click();
    await customer.getByTestId('complaints-table').getByRole('link', { name: cmpRef }).waitFor();
  });

  it('the supervisor acknowledges, investigates and decides in the agent console', async () => {
    await staff.goto(server.url + '/agent');
    await staff.getByLabel('Work email').fill(supCreds.email);
    await staff.getByLabel('Password').fill(supCreds.password);
    await staff.getByRole('button', { name: 'Sign in' }).click();
    await staff.getByRole('heading', { name: 'Ticket queue' }).waitFor();
    await staff.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Complaints' }).click();
    await staff.getByRole('heading', { name: 'Complaints' }).waitFor();
    const row = staff.getByTestId('agent-complaints').getByRole('row', { name: new RegExp(cmpRef) });
    await row.waitFor();
    assert.match(await row.textContent(), /Carol Customer/);
    await row.getByRole('link', { name: cmpRef }).click();
    await staff.getByRole('heading', { name: new RegExp(`Complaint ${cmpRef}`) }).waitFor();

    await staff.getByTestId('cmp-ack').getByRole('button', { name: 'Acknowledge' }).click();
    await staff.getByTestId('cmp-investigate').getByRole('button', { name: 'Start investigation' }).click();
    const decide = staff.getByTestId('cmp-decide');
    await decide.waitFor();
    await decide.getByLabel('Outcome').selectOption('partly_upheld');
    await decide.getByLabel('Reasons').fill(REASONS);
    await decide.getByRole('button', { name: 'Record decision' }).click();
    await staff.getByTestId('cmp-close').waitFor();
    await staff.getByTestId('complaint-decision').getByText('Partly upheld', { exact: false }).waitFor();
  });

  it('the customer reads the decision, its reasons, the remedies and the notices', async () => {
    await customer.goto(`${server.url}/support#/complaints/${cmpRef}`);
    const d = customer.getByTestId('complaint-decision');
    await d.waitFor();
    await d.getByText(REASONS).waitFor();
    await d.getByText(/competent authority/).waitFor();
    assert.match(await customer.getByTestId('complaint-hint').textContent(), /decided/);
    await customer.getByRole('heading', { name: /our decision/ }).waitFor();
  });

  it('an agent escalates a ticket from its view; the path shows the reason', async () => {
    await staff.context().clearCookies();
    await staff.goto(server.url + '/agent');
    await staff.getByLabel('Work email').fill(agentCreds.email);
    await staff.getByLabel('Password').fill(agentCreds.password);
    await staff.getByRole('button', { name: 'Sign in' }).click();
    await staff.getByRole('heading', { name: 'Ticket queue' }).waitFor();
    await staff.goto(`${server.url}/agent#/tickets/${ticketRef}`);
    const panel = staff.getByTestId('escalation-panel');
    await panel.waitFor();
    await panel.getByLabel('To tier').selectOption('2');
    await panel.getByLabel('Reason').fill('Needs an on-chain trace by tier 2.');
    await panel.getByRole('button', { name: 'Escalate' }).click();
    await staff.getByTestId('escalation-path').getByText('Needs an on-chain trace by tier 2.').waitFor();
    await staff.getByText(/Tier 2/).first().waitFor();
    assert.deepEqual(errors, []);
  });
});
