// Social channels: Telegram and X webhooks with recorded payload shapes (signed correctly,
// signed wrongly, unsigned, replayed), tickets per handle with threading, agents' replies
// through the persisted outbound queue (retries with backoff on the injectable clock) against
// a recording HTTP server on 127.0.0.1, and incident updates cross-posted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client } from '../lib/server.mjs';
import { waitFor, sleep } from '../lib/mailservers.mjs';

const TG_TOKEN = '7012345678:AAH-test-token';
const TG_SECRET = 'tg-webhook-secret-0123456789';
const X_SECRET = 'x-consumer-secret-abcdef';
const X_BEARER = 'x-bearer-token-123';
const OUR_X_ID = '1460000000000000001';
const T0 = Date.UTC(2027, 1, 1, 9, 0, 0);

let srv, rec, recUrl, clockDir, clockFile, sup, agent;
const calls = [];
const replies = []; // queued HTTP statuses the recorder answers with (default 200)

function setClock(ms) { writeFileSync(clockFile, String(ms)); }
function isErr(r, status, code) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error, `JSON error body expected, got: ${r.text}`);
  if (code) assert.equal(r.json.error.code, code, r.text);
}
const xsig = (body) => 'sha256=' + createHmac('sha256', X_SECRET).update(body).digest('base64');
async function post(path, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(srv.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text });
  const t = await res.text();
  let json = null;
  try { json = JSON.parse(t); } catch { /* not JSON */ }
  return { status: res.status, json, text: t };
}
const tg = (update, secret = TG_SECRET) => post('/api/v1/social/telegram', update, secret === null ? {} : { 'x-telegram-bot-api-secret-token': secret });
function xpost(payload, sig) {
  const body = JSON.stringify(payload);
  return post('/api/v1/social/x', body, sig === null ? {} : { 'x-twitter-webhooks-signature': sig ?? xsig(body) });
}
async function tickets() {
  const r = await sup.get('/api/v1/tickets?limit=100');
  assert.equal(r.status, 200, r.text);
  return r.json.tickets;
}
const callsTo = (re) => calls.filter((c) => re.test(c.url));

// A Telegram Update as the Bot API sends it (private chat, text message).
function tgUpdate(updateId, messageId, text, from = { id: 5551234567, is_bot: false, first_name: 'Carol', username: 'carol_t', language_code: 'en' }) {
  return {
    update_id: updateId,
    message: {
      message_id: messageId, from, chat: { id: from.id, first_name: from.first_name, username: from.username, type: 'private' },
      date: Math.floor(T0 / 1000), text,
    },
  };
}
// X account activity payloads.
function xDm(id, senderId, text, screenName = 'dan_trades') {
  return {
    for_user_id: OUR_X_ID,
    direct_message_events: [{
      type: 'message_create', id, created_timestamp: String(T0),
      message_create: { target: { recipient_id: OUR_X_ID }, sender_id: senderId, message_data: { text, entities: { hashtags: [], symbols: [], user_mentions: [], urls: [] } } },
    }],
    users: {
      [senderId]: { id: senderId, created_timestamp: '1422556069340', name: 'Dan', screen_name: screenName, protected: false, verified: false, followers_count: 3, friends_count: 5, statuses_count: 9 },
      [OUR_X_ID]: { id: OUR_X_ID, name: 'Frontdesk Support', screen_name: 'FrontdeskHelp' },
    },
  };
}
function xMention(id, userId, screenName, text) {
  return {
    for_user_id: OUR_X_ID, user_has_blocked: false,
    tweet_create_events: [{
      created_at: 'Mon Feb 01 09:00:00 +0000 2027', id: Number(id), id_str: id, text,
      user: { id: Number(userId), id_str: userId, name: screenName, screen_name: screenName },
      entities: { user_mentions: [{ screen_name: 'FrontdeskHelp', id_str: OUR_X_ID }] },
    }],
  };
}

before(async () => {
  clockDir = mkdtempSync(join(tmpdir(), 'fd-clock-'));
  clockFile = join(clockDir, 'now');
  setClock(T0);
  rec = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      calls.push({ method: req.method, url: req.url, headers: req.headers, body: body ? JSON.parse(body) : null });
      const status = replies.length ? replies.shift() : 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status === 200 ? { ok: true, result: {} } : { ok: false, error_code: status }));
    });
  });
  await new Promise((r) => rec.listen(0, '127.0.0.1', r));
  recUrl = `http://127.0.0.1:${rec.address().port}`;
  srv = await startServer({ env: {
    FRONTDESK_CLOCK_FILE: clockFile,
    FRONTDESK_TELEGRAM_BOT_TOKEN: TG_TOKEN, FRONTDESK_TELEGRAM_SECRET: TG_SECRET, FRONTDESK_TELEGRAM_API_URL: recUrl,
    FRONTDESK_TELEGRAM_CHANNEL: '@frontdesk_status',
    FRONTDESK_X_CONSUMER_SECRET: X_SECRET, FRONTDESK_X_BEARER_TOKEN: X_BEARER, FRONTDESK_X_API_URL: recUrl, FRONTDESK_X_CROSSPOST: '1',
    FRONTDESK_SOCIAL_POLL_MS: '100', FRONTDESK_SOCIAL_RETRY_BASE_S: '60',
  } });
  const s = srv.addUser({ email: 'sup@fd.test', name: 'Sue Pervisor', role: 'supervisor' });
  const a = srv.addUser({ email: 'ann@fd.test', name: 'Ann Agent', role: 'agent', department: 'account', tier: 1 });
  sup = new Client(srv.url); await sup.login(s.email, s.password);
  agent = new Client(srv.url); await agent.login(a.email, a.password);
});

after(async () => {
  await srv?.stop();
  await new Promise((r) => (rec ? rec.close(r) : r()));
  rmSync(clockDir, { recursive: true, force: true });
});

test('telegram: unsigned and wrongly signed calls are refused and create nothing', async () => {
  isErr(await tg(tgUpdate(100, 1, 'hello'), null), 401, 'unauthorized');
  isErr(await tg(tgUpdate(100, 1, 'hello'), 'wrong-secret'), 403, 'forbidden');
  isErr(await tg(tgUpdate(100, 1, 'hello'), TG_SECRET + 'x'), 403, 'forbidden');
  isErr(await tg('not json', TG_SECRET), 400, 'bad_json');
  isErr(await tg({ message: {} }), 400);
  assert.deepEqual(await tickets(), []);
  assert.match(srv.stderr(), /webhook refused.*platform=telegram reason="unsigned"/);
  assert.match(srv.stderr(), /webhook refused.*platform=telegram reason="bad signature"/);
});

test('telegram: a message becomes a ticket; replays change nothing; the same handle threads', async () => {
  let r = await tg(tgUpdate(1001, 41, 'My TRC-20 withdrawal has been pending for 3 hours'));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { created: 1, threaded: 0, duplicates: 0, ignored: 0 });
  let ts = await tickets();
  assert.equal(ts.length, 1);
  const t = ts[0];
  assert.equal(t.channel, 'telegram');
  assert.equal(t.subject, 'My TRC-20 withdrawal has been pending for 3 hours');
  assert.equal(t.requester.name, '@carol_t');
  assert.match(t.requester.email, /@frontdesk\.invalid$/);

  r = await tg(tgUpdate(1001, 41, 'My TRC-20 withdrawal has been pending for 3 hours'));
  assert.deepEqual(r.json, { created: 0, threaded: 0, duplicates: 1, ignored: 0 });
  r = await tg(tgUpdate(1002, 42, 'Order id is 123'));
  assert.deepEqual(r.json, { created: 0, threaded: 1, duplicates: 0, ignored: 0 });
  r = await tg({ update_id: 1003, edited_message: { message_id: 42, text: 'edited' } });
  assert.deepEqual(r.json, { created: 0, threaded: 0, duplicates: 0, ignored: 1 });
  ts = await tickets();
  assert.equal(ts.length, 1);
  const full = (await sup.get(`/api/v1/tickets/${t.reference}`)).json;
  assert.deepEqual(full.messages.map((m) => m.body), ['My TRC-20 withdrawal has been pending for 3 hours', 'Order id is 123']);
  // Another handle gets its own customer record and ticket.
  r = await tg(tgUpdate(1004, 7, 'hi', { id: 777, is_bot: false, first_name: 'Eve' }));
  assert.equal(r.json.created, 1);
  assert.equal((await tickets()).find((x) => x.requester.name === 'Eve').channel, 'telegram');
});

test('telegram: agents\' public replies go out through the queue; failures are retried with backoff', { timeout: 30000 }, async () => {
  const t = (await tickets()).find((x) => x.requester.name === '@carol_t');
  const before = callsTo(/sendMessage/).length;
  let r = await sup.post(`/api/v1/tickets/${t.reference}/messages`, { body: 'Internal: check the hot wallet', internal: true });
  assert.ok(r.status < 300, r.text);
  r = await sup.post(`/api/v1/tickets/${t.reference}/messages`, { body: 'Your withdrawal was sent: see the TXID in your history.' });
  assert.ok(r.status < 300, r.text);
  await waitFor(() => callsTo(/sendMessage/).length > before, { what: 'sendMessage' });
  await sleep(400);
  const sent = callsTo(/sendMessage/).slice(before);
  assert.equal(sent.length, 1, 'the internal note is not sent');
  assert.equal(sent[0].method, 'POST');
  assert.equal(sent[0].url, `/bot${TG_TOKEN}/sendMessage`);
  assert.deepEqual(sent[0].body, { chat_id: '5551234567', text: 'Your withdrawal was sent: see the TXID in your history.',
    reply_parameters: { message_id: 42, allow_sending_without_reply: true } });

  // The platform fails (500): nothing more until the backoff (60 s on the server clock) passes.
  replies.push(500);
  r = await sup.post(`/api/v1/tickets/${t.reference}/messages`, { body: 'Second answer' });
  await waitFor(() => callsTo(/sendMessage/).length === before + 2, { what: 'first attempt' });
  await sleep(600);
  assert.equal(callsTo(/sendMessage/).length, before + 2, 'no retry before the backoff');
  setClock(T0 + 61 * 1000);
  await waitFor(() => callsTo(/sendMessage/).length === before + 3, { what: 'the retry' });
  assert.equal(callsTo(/sendMessage/).at(-1).body.text, 'Second answer');
  await sleep(400);
  assert.equal(callsTo(/sendMessage/).length, before + 3, 'sent once the retry succeeded');
  // A permanent refusal (400) is not retried.
  replies.push(400);
  r = await sup.post(`/api/v1/tickets/${t.reference}/messages`, { body: 'Third answer' });
  await waitFor(() => callsTo(/sendMessage/).length === before + 4, { what: 'the refused send' });
  setClock(T0 + 3600 * 1000);
  await sleep(600);
  assert.equal(callsTo(/sendMessage/).length, before + 4);
});

test('x: CRC challenge, signatures, DMs and mentions, replays, our own events', { timeout: 30000 }, async () => {
  const crc = await fetch(srv.url + '/api/v1/social/x?crc_token=' + encodeURIComponent('crc-abc-123'));
  assert.equal(crc.status, 200);
  assert.deepEqual(await crc.json(), { response_token: 'sha256=' + createHmac('sha256', X_SECRET).update('crc-abc-123').digest('base64') });
  const noTok = await fetch(srv.url + '/api/v1/social/x');
  assert.equal(noTok.status, 400);

  const dm = xDm('1700000000000000001', '2244994945', 'Cannot log in, 2FA lost');
  isErr(await xpost(dm, null), 401, 'unauthorized');
  isErr(await xpost(dm, xsig('{}')), 403, 'forbidden');
  isErr(await xpost(dm, 'sha256=' + 'A'.repeat(44)), 403, 'forbidden');
  assert.equal((await tickets()).filter((t) => t.channel === 'x').length, 0);

  let r = await xpost(dm);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { created: 1, threaded: 0, duplicates: 0, ignored: 0 });
  r = await xpost(dm);
  assert.deepEqual(r.json, { created: 0, threaded: 0, duplicates: 1, ignored: 0 });
  r = await xpost(xDm('1700000000000000002', OUR_X_ID, 'our own reply echoed'));
  assert.deepEqual(r.json, { created: 0, threaded: 0, duplicates: 0, ignored: 1 });
  const dmTicket = (await tickets()).find((t) => t.channel === 'x');
  assert.equal(dmTicket.requester.name, '@dan_trades');

  r = await xpost(xMention('1800000000000000009', '99887766', 'frank_x', '@FrontdeskHelp my deposit is missing'));
  assert.equal(r.json.created, 1);
  const mention = (await tickets()).find((t) => t.requester.name === '@frank_x');

  const n0 = calls.length;
  assert.ok((await agent.post(`/api/v1/tickets/${dmTicket.reference}/messages`, { body: 'Please use account recovery.' })).status < 300);
  assert.ok((await sup.post(`/api/v1/tickets/${mention.reference}/messages`, { body: 'We are checking, please DM us your UID.' })).status < 300);
  await waitFor(() => calls.length >= n0 + 2, { what: 'X sends' });
  const dmSend = callsTo(/dm_conversations/).at(-1);
  assert.equal(dmSend.url, '/2/dm_conversations/with/2244994945/messages');
  assert.equal(dmSend.headers.authorization, `Bearer ${X_BEARER}`);
  assert.deepEqual(dmSend.body, { text: 'Please use account recovery.' });
  const reply = callsTo(/^\/2\/tweets$/).at(-1);
  assert.deepEqual(reply.body, { text: '@frank_x We are checking, please DM us your UID.', reply: { in_reply_to_tweet_id: '1800000000000000009' } });
});

test('incident updates are cross-posted through the same queue', { timeout: 30000 }, async () => {
  const tg0 = callsTo(/sendMessage/).length;
  const x0 = callsTo(/^\/2\/tweets$/).length;
  const r = await sup.post('/api/v1/status/incidents', { title: 'SOL deposits delayed', body: 'Investigating.',
    components: [{ component: 'chain-sol', state: 'degraded' }] });
  assert.equal(r.status, 201, r.text);
  await waitFor(() => callsTo(/sendMessage/).length > tg0 && callsTo(/^\/2\/tweets$/).length > x0, { what: 'cross-posts' });
  const t = callsTo(/sendMessage/).at(-1).body;
  assert.equal(t.chat_id, '@frontdesk_status');
  assert.match(t.text, /^\[investigating\] SOL deposits delayed http.*\/status#incident-\d+$/);
  assert.match(callsTo(/^\/2\/tweets$/).at(-1).body.text, /SOL deposits delayed/);
});
