// Learned triage: `frontdesk triage train` on tickets created here, then new tickets get
// their department automatically above triage_auto_confidence and only a suggestion below
// it; agents see the suggestion (department, top-3 intents, help articles) and can apply
// it; customers never see it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, Client, cli, cliResult } from '../lib/server.mjs';

let srv, dataDir, sup, agent, cust;

const VOCAB = {
  deposits: ['withdrawal', 'deposit', 'txid', 'blockchain confirmations', 'wallet address', 'network fee', 'usdt trc20', 'memo tag'],
  trading: ['limit order', 'futures position', 'liquidation', 'leverage', 'stop loss', 'spot market', 'order book', 'margin call'],
  kyc: ['passport', 'selfie', 'identity verification', 'proof of address', 'document rejected', 'id card photo', 'kyc level', 'verification status'],
};
const FILLER = ['please help', 'this is urgent', 'since yesterday', 'I checked twice', 'what should I do', 'thanks in advance'];

function text(dept, i) {
  const v = VOCAB[dept];
  return {
    subject: `${v[i % v.length]} problem`,
    body: `Hello, my ${v[(i + 3) % v.length]} and ${v[(i + 5) % v.length]} ${FILLER[i % FILLER.length]}.`,
  };
}

async function login(email, password) { const c = new Client(srv.url); await c.login(email, password); return c; }

async function create(c, body) {
  const r = await c.post('/api/v1/tickets', body);
  assert.equal(r.status, 201, r.text);
  return r.json.ticket;
}

async function events(ref) {
  const r = await sup.get(`/api/v1/tickets/${ref}/events`);
  assert.equal(r.status, 200, r.text);
  return r.json.events;
}

before(async () => {
  srv = await startServer();
  dataDir = srv.dataDir;
  const s = srv.addUser({ email: 'sup@fd.test', name: 'Sue', role: 'supervisor' });
  const a = srv.addUser({ email: 'ana@fd.test', name: 'Ana', role: 'agent', department: 'technical', tier: 1 });
  sup = await login(s.email, s.password);
  agent = await login(a.email, a.password);
  cust = new Client(srv.url);
  await cust.signup('cust@fd.test', 'customer-pass-1', 'Cus Tomer');
});
after(async () => { await srv?.stop(); });

test('before any training there is no suggestion, and train refuses with nothing to learn from', async () => {
  const t = await create(cust, { department: 'technical', subject: 'withdrawal stuck', body: 'my withdrawal txid is pending' });
  assert.equal(t.department, 'technical');
  const r = await sup.get(`/api/v1/tickets/${t.reference}/triage`);
  assert.equal(r.status, 404, r.text);
  assert.equal(r.json.error.code, 'not_found');
  const m = await sup.get('/api/v1/triage/models');
  assert.equal(m.status, 200, m.text);
  assert.equal(m.json.department, null);
  const res = cliResult(['triage', 'train', '--data-dir', dataDir]);
  assert.equal(res.status, 1);
  assert.match(res.stderr, /nothing to train on/);
  const bad = cliResult(['triage', 'train', '--data-dir', dataDir, '--intents', join(dataDir, 'missing.csv')]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /missing\.csv/);
});

test('train on resolved tickets + an intent CSV; a running server picks the models up; confident → applied', async () => {
  // 10 resolved tickets per department, filed under the right department by customers.
  for (const dept of Object.keys(VOCAB)) {
    for (let i = 0; i < 10; i++) {
      const t = await create(cust, { department: dept, ...text(dept, i) });
      const r = await sup.patch(`/api/v1/tickets/${t.reference}`, { status: 'solved' });
      assert.equal(r.status, 200, r.text);
    }
  }
  // An open ticket is not training data: its (wrong) department must not be learned.
  await create(cust, { department: 'trading', subject: 'passport selfie', body: 'identity verification passport' });

  const csv = join(dataDir, 'intents.csv');
  const rows = ['text,category'];
  for (let i = 0; i < 8; i++) {
    rows.push(`"My card still hasn't arrived, week ${i}",card_arrival`);
    rows.push(`"Where is my new card? It has been ${i} days",card_arrival`);
    rows.push(`"withdrawal pending for ${i} hours, is it stuck?",pending_transfer`);
    rows.push(`"my transfer is still pending after ${i} days",pending_transfer`);
    rows.push(`"I forgot my passcode ${i}",passcode_forgotten`);
    rows.push(`"reset my passcode please, attempt ${i}",passcode_forgotten`);
  }
  writeFileSync(csv, rows.join('\n') + '\n');
  const out = cli(['triage', 'train', '--data-dir', dataDir, '--intents', csv]);
  assert.match(out, /department model version 1: 30 examples, 3 labels/);
  assert.match(out, /intent model version 1: 48 examples, 3 labels/);
  assert.match(out, /under 300 examples: no held-out check, no calibration/);

  const m = await sup.get('/api/v1/triage/models');
  assert.equal(m.status, 200, m.text);
  assert.equal(m.json.department.version, 1);
  assert.equal(m.json.department.examples, 30);
  assert.equal(m.json.intent.labels, 3);

  // Filed under the wrong department; the classifier is sure it is a deposits matter.
  const t = await create(cust, { department: 'technical', subject: 'withdrawal problem', body: 'my withdrawal txid has no blockchain confirmations, wallet address and network fee look right, still pending' });
  assert.equal(t.department, 'deposits', 'applied in the same transaction as the creation');
  const ev = await events(t.reference);
  const tr = ev.find((e) => e.type === 'triage');
  assert.ok(tr, JSON.stringify(ev));
  assert.equal(tr.actor, null);
  assert.equal(tr.data.before, 'technical');
  assert.equal(tr.data.after, 'deposits');
  assert.equal(tr.data.applied, true);
  assert.ok(tr.data.department.p >= 0.85, JSON.stringify(tr.data));
  assert.match(tr.data.note, /^triage: department=deposits p=[01]\.\d\d \(applied\)$/);

  const g = await sup.get(`/api/v1/tickets/${t.reference}/triage`);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.department.slug, 'deposits');
  assert.equal(g.json.auto_applied, true);
  assert.equal(g.json.threshold, 0.85);
  assert.equal(g.json.intents.length, 3);
  assert.equal(g.json.intents[0].intent, 'pending_transfer');
  const sum = g.json.intents.reduce((s, x) => s + x.p, 0);
  assert.ok(Math.abs(sum - 1) < 0.002, `three of three intents sum to 1, got ${sum}`);
  assert.ok(g.json.intents[0].p >= g.json.intents[1].p && g.json.intents[1].p >= g.json.intents[2].p);
  for (const x of g.json.intents) assert.ok('article' in x);

  // The customer never sees the suggestion, nor the event log.
  const c = await cust.get(`/api/v1/tickets/${t.reference}/triage`);
  assert.equal(c.status, 403, c.text);
  assert.equal(c.json.error.code, 'forbidden');
  const cv = await cust.get(`/api/v1/tickets/${t.reference}`);
  assert.equal(cv.status, 200);
  assert.ok(!cv.text.includes('triage'), cv.text);
  const ca = await cust.post(`/api/v1/tickets/${t.reference}/triage/apply`);
  assert.equal(ca.status, 403, ca.text);
});

test('an agent opening a ticket on behalf of a customer keeps the chosen department (suggestion only)', async () => {
  const t = await create(sup, { department: 'technical', requester_email: 'cust@fd.test', ...text('kyc', 2) });
  assert.equal(t.department, 'technical');
  const g = await sup.get(`/api/v1/tickets/${t.reference}/triage`);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.department.slug, 'kyc');
  assert.equal(g.json.auto_applied, false);
});

test('below the threshold: only a suggestion, which an agent applies (once) with an event', async () => {
  // Same data, a server that never auto-applies.
  await srv.stop({ keep: true });
  srv = await startServer({ dataDir, env: { FRONTDESK_TRIAGE_AUTO_CONFIDENCE: '2' } });
  sup = await login('sup@fd.test', 'correct-horse-battery');
  agent = await login('ana@fd.test', 'correct-horse-battery');
  cust.base = srv.url;
  await cust.login('cust@fd.test', 'customer-pass-1');
  const t = await create(cust, { department: 'technical', subject: 'futures liquidation', body: 'my futures position got a liquidation, leverage was low and my stop loss did not fire' });
  assert.equal(t.department, 'technical', 'below the threshold nothing is moved');
  const g = await sup.get(`/api/v1/tickets/${t.reference}/triage`);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.department.slug, 'trading');
  assert.equal(g.json.auto_applied, false);
  assert.equal(g.json.applied, null);
  const ev = await events(t.reference);
  const tr = ev.find((e) => e.type === 'triage');
  assert.match(tr.data.note, /^triage: department=trading p=[01]\.\d\d \(suggested\)$/);
  assert.equal(tr.data.after, 'technical');

  const r = await agent.post(`/api/v1/tickets/${t.reference}/triage/apply`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ticket.department, 'trading');
  const ev2 = await events(t.reference);
  const dc = ev2.find((e) => e.type === 'department_changed');
  assert.equal(dc.data.source, 'triage');
  assert.equal(dc.data.before, 'technical');
  assert.equal(dc.data.after, 'trading');
  assert.equal(dc.actor.name, 'Ana');
  const g2 = await sup.get(`/api/v1/tickets/${t.reference}/triage`);
  assert.equal(g2.json.applied.by, agent.user.id);

  // Again: nothing left to apply, nothing changes.
  const again = await sup.post(`/api/v1/tickets/${t.reference}/triage/apply`);
  assert.equal(again.status, 409, again.text);
  assert.match(again.json.error.message, /already in trading/);
  assert.equal((await events(t.reference)).length, ev2.length);
  const nf = await sup.post('/api/v1/tickets/FD-99999/triage/apply');
  assert.equal(nf.status, 404);
});
