// Live chat end to end, in three Chromium pages: a customer signed up in /support starts a chat
// in Deposits & Withdrawals from the widget; agent Ada (online in the agent console's Chats tab)
// gets it, they exchange messages, Ada transfers it to agent Bo, the customer keeps chatting with
// Bo, Bo ends it, the customer rates it and asks for the transcript, which reaches the SMTP sink.
// Also: with no agent online the widget offers "Leave a message" and that creates a ticket.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, Client } from '../lib/server.mjs';
import { startSmtpSink, addrOf } from '../lib/mailservers.mjs';

const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));
const SHOTS = process.env.FD_SCREENSHOTS || null; // a directory: save screenshots there

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const CUSTOMER = { email: 'carol@example.com', name: 'Carol Customer', password: 'correct-horse-battery' };
const FIRST = 'My USDT withdrawal to Tron has been pending for three hours';
const C1 = 'The TXID is 0xabc123, sent at 10:02.';
const A1 = 'Thanks Carol, I can see it. Let me check with the deposits desk.';
const B1 = 'Hi Carol, Bo here. The withdrawal is now confirmed on chain.';
const C2 = 'Great, I can see it in my wallet now. Thank you Bo!';

/** Decodes a body by its Content-Transfer-Encoding. */
function decodeBody(body, cte) {
  cte = String(cte || '').toLowerCase();
  if (cte === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (cte === 'quoted-printable') {
    const bin = body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, x) => String.fromCharCode(parseInt(x, 16)));
    return Buffer.from(bin, 'latin1').toString('utf8');
  }
  return body;
}

/** The plain text of a mail: the body itself, or its text/plain part (searched through
 * nested multiparts), decoded per its Content-Transfer-Encoding. */
function mailText(m) {
  const plain = (headers, body) => {
    const ct = String(headers['content-type'] || 'text/plain');
    const b = ct.match(/boundary="?([^";]+)"?/i);
    if (/^multipart\//i.test(ct) && b) {
      for (const part of body.split('--' + b[1]).slice(1)) {
        const sep = part.search(/\r?\n\r?\n/);
        if (sep < 0) continue;
        const h = {};
        for (const line of part.slice(0, sep).replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
          const i = line.indexOf(':');
          if (i > 0) h[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
        }
        const t = plain(h, part.slice(sep).replace(/^\r?\n\r?\n/, ''));
        if (t != null) return t;
      }
      return null;
    }
    return /^text\/plain/i.test(ct) ? decodeBody(body, headers['content-transfer-encoding']) : null;
  };
  const t = plain({ 'content-type': m.header('content-type'), 'content-transfer-encoding': m.header('content-transfer-encoding') }, m.body);
  return t ?? m.body;
}

describe('live chat: widget and agent console', () => {
  let server, sink, browser, customer, ada, bo, adaCreds, boCreds;
  let chatId = null;
  const errors = [];
  const foreign = [];

  async function shot(page, name) {
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png` });
  }

  async function agentSignIn(page, creds) {
    await page.goto(server.url + '/agent');
    await page.getByLabel('Work email').fill(creds.email);
    await page.getByLabel('Password').fill(creds.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Ticket queue' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Chats/ }).click();
    await page.getByRole('heading', { name: 'Live chats' }).waitFor();
  }

  async function setStatus(page, status) {
    await page.getByLabel('My status').selectOption(status);
    await page.getByRole('button', { name: 'Set status' }).click();
    await page.waitForFunction((s) => document.querySelector('.ac-presence')?.dataset.status === s, status);
  }

  const widget = (page) => page.getByRole('dialog', { name: /Chat with us|Deposits|Leave a message|Message sent|Live chat/ });
  const log = (page) => page.locator('.fdc-log');
  const pane = (page, name) => page.locator('article.ac-pane').filter({ has: page.getByRole('heading', { name }) });

  before(async () => {
    sink = await startSmtpSink();
    server = await startServer({
      env: { FRONTDESK_WEB_DIR: WEB_DIR, FRONTDESK_SMTP_URL: sink.url, FRONTDESK_MAIL_POLL_MS: '100' },
    });
    adaCreds = server.addUser({ email: 'ada.agent@example.com', name: 'Ada Agent', role: 'agent', department: 'deposits', tier: 1 });
    boCreds = server.addUser({ email: 'bo.agent@example.com', name: 'Bo Backup', role: 'agent', department: 'deposits', tier: 1 });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const mk = async (w, hgt) => {
      const ctx = await browser.newContext({ viewport: { width: w, height: hgt } });
      const p = await ctx.newPage();
      p.setDefaultTimeout(10000);
      p.on('pageerror', (e) => errors.push(e.message));
      p.on('dialog', (d) => { errors.push('dialog: ' + d.message()); d.dismiss(); });
      p.on('request', (r) => { if (!r.url().startsWith(server.url) && !r.url().startsWith(server.url.replace('http', 'ws'))) foreign.push(r.url()); });
      return p;
    };
    customer = await mk(1280, 860);
    ada = await mk(1366, 900);
    bo = await mk(1366, 900);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await sink?.stop();
  });

  it('with no agent online, the widget offers "Leave a message" and it creates a ticket', async () => {
    const visitor = await (await browser.newContext({ viewport: { width: 375, height: 740 } })).newPage();
    visitor.on('pageerror', (e) => errors.push(e.message));
    await visitor.goto(server.url + '/support');
    await visitor.getByRole('button', { name: 'Chat with us' }).click();
    const w = widget(visitor);
    await w.getByLabel('Topic').selectOption({ label: 'Deposits & Withdrawals' });
    await w.getByText(/No agents are online/).waitFor();
    await shot(visitor, 'widget-offline-375');
    await w.getByLabel('Email').fill('vic.visitor@example.com');
    await w.getByLabel(/^Name/).fill('Vic Visitor');
    await w.getByLabel('Your message').fill('Where is my ETH deposit? It has been a day.');
    await w.getByRole('button', { name: 'Send message' }).click();
    const done = visitor.getByTestId('chat-left-message');
    await done.waitFor();
    const ref = (await done.locator('.fdc-ref').innerText()).trim();
    assert.match(ref, /^FD-\d+$/);
    // The ticket exists, is a chat-channel ticket for the visitor's email.
    const staff = new Client(server.url);
    await staff.login(adaCreds.email, adaCreds.password);
    const t = await staff.get('/api/v1/tickets/' + ref);
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.ticket.channel, 'chat');
    assert.equal(t.json.ticket.requester.email, 'vic.visitor@example.com');
    await visitor.context().close();
  });

  it('the agent goes online in the Chats tab; the widget shows agents are online', async () => {
    await agentSignIn(ada, adaCreds);
    await setStatus(ada, 'online');
    await shot(ada, 'agent-chats-empty');

    await customer.goto(server.url + '/support');
    await customer.getByRole('link', { name: 'Create an account' }).click();
    await customer.getByLabel('Full name').fill(CUSTOMER.name);
    await customer.getByLabel('Email').fill(CUSTOMER.email);
    await customer.getByLabel('Password').fill(CUSTOMER.password);
    await customer.getByRole('button', { name: 'Create account' }).click();
    await customer.getByRole('heading', { name: 'My tickets' }).waitFor();

    await customer.getByRole('button', { name: 'Chat with us' }).click();
    const w = widget(customer);
    await w.getByLabel('Topic').selectOption({ label: 'Deposits & Withdrawals' });
    await w.getByText(/Agents are online/).waitFor();
    // Signed in: no email/name fields.
    assert.equal(await w.getByLabel('Email').count(), 0);
    await w.getByLabel('How can we help?').fill(FIRST);
    await shot(customer, 'widget-start-desktop');
  });

  it('the customer starts a chat; Ada gets it and both exchange messages', async () => {
    const w = widget(customer);
    await w.getByRole('button', { name: 'Start chat' }).click();
    await log(customer).getByText(FIRST).waitFor();

    // Ada: the chat opens by itself with the first message and the customer's name.
    const p = pane(ada, CUSTOMER.name);
    await p.waitFor();
    await p.locator('.ac-log').getByText(FIRST).waitFor();
    chatId = await p.getAttribute('data-chat-id');
    assert.ok(chatId);
    await p.getByRole('heading', { name: 'Past tickets' }).waitFor();

    await customer.locator('.fdc-banner').getByText(/Ada Agent/).waitFor();
    await w.getByLabel('Type your message').fill(C1);
    await w.getByLabel('Type your message').press('Enter');
    await p.locator('.ac-log').getByText(C1).waitFor();

    // Canned responses are offered; the agent replies.
    const canned = await p.getByLabel('Canned response').locator('option').allInnerTexts();
    assert.ok(canned.some((c) => /Need the TXID|Greeting/.test(c)), `canned: ${canned}`);
    await p.getByLabel(`Message to ${CUSTOMER.name}`).fill(A1);
    await p.getByRole('button', { name: 'Send', exact: true }).click();
    await log(customer).getByText(A1).waitFor();
    // The customer's page is open, so Ada's last message gets a read receipt.
    await p.locator('.fdc-mine.is-last-mine .fdc-receipt', { hasText: 'Read' }).waitFor();
    await shot(customer, 'widget-chat-desktop');
    await shot(ada, 'agent-chat-open');

    // Each message shows once (no duplicates from ack + broadcast).
    assert.equal(await log(customer).getByText(C1).count(), 1);
    assert.equal(await p.locator('.ac-log').getByText(A1).count(), 1);
  });

  it('Ada transfers the chat to Bo; the customer keeps chatting with Bo', async () => {
    await agentSignIn(bo, boCreds);
    await setStatus(bo, 'online');

    const p = pane(ada, CUSTOMER.name);
    await p.getByRole('button', { name: 'Transfer' }).click();
    const labels = await p.getByLabel('Transfer to').locator('option').allInnerTexts();
    const boLabel = labels.find((l) => l.startsWith('Bo Backup'));
    assert.ok(boLabel, `transfer targets: ${labels}`);
    assert.ok(!labels.some((l) => l.startsWith('Ada Agent')), 'not to oneself');
    await p.getByLabel('Transfer to').selectOption({ label: boLabel });
    await p.getByRole('button', { name: 'Transfer', exact: true }).last().click();
    await p.getByText(/Transferred to Bo Backup/).waitFor();

    const pb = pane(bo, CUSTOMER.name);
    await pb.waitFor();
    await pb.locator('.ac-log').getByText(C1).waitFor(); // the transcript so far
    await customer.locator('.fdc-banner').getByText(/Bo Backup/).waitFor();

    await pb.getByLabel(`Message to ${CUSTOMER.name}`).fill(B1);
    await pb.getByLabel(`Message to ${CUSTOMER.name}`).press('Enter');
    await log(customer).getByText(B1).waitFor();
    const w = widget(customer);
    await w.getByLabel('Type your message').fill(C2);
    await w.getByRole('button', { name: 'Send' }).click();
    await pb.locator('.ac-log').getByText(C2).waitFor();
    await shot(bo, 'agent-chat-transferred');
  });

  it('Bo ends the chat; the customer rates it and asks for the transcript, which is mailed', async () => {
    const pb = pane(bo, CUSTOMER.name);
    await pb.getByRole('button', { name: 'End chat' }).click();
    await pb.getByRole('button', { name: 'End chat' }).last().click();
    await pb.getByText('You ended the chat.').waitFor();

    const w = widget(customer);
    await w.getByText(/The agent has ended the chat|This chat has ended/).waitFor();
    await w.getByRole('radio', { name: /^4 stars/ }).check();
    await w.getByPlaceholder(/Anything we could do better/).fill('Quick and friendly.');
    await w.getByRole('button', { name: 'Send rating' }).click();
    await w.getByText('Thanks for your feedback!').waitFor();
    await w.getByRole('button', { name: 'Email me the transcript' }).click();
    await w.getByText(/transcript is on its way/).waitFor();
    await shot(customer, 'widget-ended-desktop');

    const isTranscript = (m) => m.envelope.rcpt_tos.map(addrOf).includes(CUSTOMER.email) && mailText(m).includes(C2);
    const msgs = await sink.waitForMessages((ms) => ms.some(isTranscript), 20000);
    const text = mailText(msgs.find(isTranscript));
    for (const t of [FIRST, C1, A1, B1]) assert.ok(text.includes(t), `transcript has "${t}":\n${text}`);

    const staff = new Client(server.url);
    await staff.login(boCreds.email, boCreds.password);
    const c = await staff.get('/api/v1/chat/' + chatId);
    assert.equal(c.status, 200, c.text);
    assert.equal(c.json.chat.rating, 4);
  });

  it('the widget works at 375 px (full-screen panel, keyboard: Escape closes and focus returns)', async () => {
    await customer.setViewportSize({ width: 375, height: 740 });
    await customer.getByRole('button', { name: 'Start a new chat' }).click();
    const w = widget(customer);
    await w.getByLabel('Topic').waitFor();
    const box = await customer.locator('#fdc-panel').boundingBox();
    assert.ok(box.width >= 370 && box.x <= 1, `panel fills the width: ${JSON.stringify(box)}`);
    const over = await customer.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    assert.equal(over, false, 'no horizontal scrolling');
    await w.getByLabel('Topic').selectOption({ label: 'Deposits & Withdrawals' });
    await w.getByLabel('How can we help?').fill('Is the Tron network under maintenance?');
    await shot(customer, 'widget-start-375');
    await customer.keyboard.press('Escape');
    await customer.waitForFunction(() => document.activeElement?.classList.contains('fdc-launcher'));
    assert.equal(await customer.locator('#fdc-panel').isVisible(), false);
  });

  it('made no requests outside the server and raised no JavaScript errors', () => {
    assert.deepEqual(foreign, []);
    assert.deepEqual(errors, []);
  });
});
