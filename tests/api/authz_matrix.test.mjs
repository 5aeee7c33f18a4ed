// The authorization matrix (issue 7): every operation of docs/openapi.yaml × every role,
// against the expected status in EXPECT below. Routes registered in src/ but absent from
// the spec fail the test, and so do spec operations absent from EXPECT: a new route cannot
// ship without a reviewed row here.
//
// Requests carry an empty JSON object (or nothing): the point is who gets past the door,
// not what the handler does with valid input. So for an allowed role the answer is often
// 400 (the body is incomplete) or 404 (id 999999 does not exist); for a role that is not
// allowed it must be 401 (not signed in), 403 (signed in, not allowed) or 404 (the object
// is hidden from this user). Roles run least-privileged first, on fixtures of customer A.
//
// FD_AUTHZ_RECORD=1 prints the observed table instead of asserting (to review a new route).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, Client } from '../lib/server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ROLES = ['anon', 'custB', 'agentY', 'custA', 'agentX', 'sup', 'admin'];
const NONE = 999999;

// Operations not exercised here, each with the reason; still required to be in the spec.
const SKIP = {
  'POST /api/v1/auth/login': 'signs in (tests/api/auth.test.mjs)',
  'POST /api/v1/auth/signup': 'creates accounts (tests/api/auth.test.mjs)',
  'POST /api/v1/auth/logout': 'would end the role sessions of this matrix (auth.test.mjs)',
  'GET /api/v1/chat/ws': 'WebSocket upgrade (tests/api/chat_ws.test.mjs)',
  'POST /api/v1/mail/inbound': 'token-authenticated mailgate (tests/api/mail.test.mjs)',
  'POST /api/v1/social/telegram': 'signed webhook (tests/api/social.test.mjs)',
  'POST /api/v1/social/x': 'signed webhook (tests/api/social.test.mjs)',
};

// Expected status per role, in ROLES order:
//            anon custB agentY custA agentX  sup admin
// custA owns the ticket (department deposits) and the complaint; agentX works in deposits,
// agentY in trading. Read against each handler; the rules it shows:
// - signed-out callers get 401 everywhere but the public pages and APIs (help center,
//   status, departments, expectations, chat start, deflection, CSAT and status links);
// - customer B and the other department's agent get 404 for A's ticket (never 403: the
//   ticket's existence is not revealed); staff-only ticket routes answer customers 403;
// - admin-only configuration (routing, SLA policies/calendars, hours, compliance) is 403
//   for supervisors; complaints are visible to their customer and to handlers (supervisors,
//   admins), not to agents (404); the register and reports are supervisor/admin only;
// - an allowed role may still get 400/404/409 for the probe body or the fixture's state
//   (id 999999 does not exist; the ticket was already escalated or converted).
const EXPECT = {
  'GET /api/v1/me': [401, 200, 200, 200, 200, 200, 200],
  'POST /api/v1/tokens': [401, 403, 400, 403, 400, 400, 400],
  'GET /api/v1/departments': [200, 200, 200, 200, 200, 200, 200],
  'GET /api/v1/agents': [401, 403, 200, 403, 200, 200, 200],
  'POST /api/v1/tickets': [401, 400, 400, 400, 400, 400, 400],
  'GET /api/v1/tickets': [401, 200, 200, 200, 200, 200, 200],
  'GET /api/v1/tickets/counts': [401, 200, 200, 200, 200, 200, 200],
  'GET /api/v1/tickets/{ref}': [401, 404, 404, 200, 200, 200, 200],
  'PATCH /api/v1/tickets/{ref}': [401, 403, 404, 403, 200, 200, 200],
  'POST /api/v1/tickets/{ref}/assign': [401, 403, 404, 403, 200, 200, 200],
  'POST /api/v1/tickets/{ref}/messages': [401, 404, 404, 201, 201, 201, 201],
  'GET /api/v1/tickets/{ref}/events': [401, 404, 404, 403, 200, 200, 200],
  'GET /api/v1/tickets/{ref}/related': [401, 404, 404, 403, 200, 200, 200],
  'POST /api/v1/tickets/{ref}/attachments': [401, 415, 415, 415, 415, 415, 415],
  'GET /api/v1/attachments/{id}': [401, 404, 404, 200, 200, 200, 200],
  'GET /healthz': [200, 200, 200, 200, 200, 200, 200],
  'GET /metrics': [200, 200, 200, 200, 200, 200, 200],
  'GET /api/v1/kb/categories': [200, 200, 200, 200, 200, 200, 200],
  'GET /api/v1/kb/articles': [200, 200, 200, 200, 200, 200, 200],
  'POST /api/v1/kb/articles': [401, 403, 403, 403, 403, 400, 400],
  'GET /api/v1/kb/articles/{slug}': [404, 404, 404, 404, 404, 404, 404],
  'PATCH /api/v1/kb/articles/{slug}': [401, 403, 403, 403, 403, 404, 404],
  'GET /api/v1/kb/articles/{slug}/revisions': [401, 403, 403, 403, 403, 404, 404],
  'GET /api/v1/kb/articles/{slug}/revisions/{n}': [401, 403, 403, 403, 403, 404, 404],
  'POST /api/v1/kb/articles/{slug}/restore': [401, 403, 403, 403, 403, 400, 400],
  'POST /api/v1/kb/articles/{slug}/vote': [400, 400, 400, 400, 400, 400, 400],
  'POST /api/v1/kb/render': [401, 403, 403, 403, 403, 400, 400],
  'GET /api/v1/kb/search': [400, 400, 400, 400, 400, 400, 400],
  'GET /api/v1/kb/suggest': [400, 400, 400, 400, 400, 400, 400],
  'POST /api/v1/kb/deflect': [400, 400, 400, 400, 400, 400, 400],
  'POST /api/v1/kb/deflect/{token}/opened': [400, 400, 400, 400, 400, 400, 400],
  'GET /api/v1/kb/stats': [401, 403, 200, 403, 200, 200, 200],
  'GET /help': [200, 200, 200, 200, 200, 200, 200],
  'GET /help/faq': [200, 200, 200, 200, 200, 200, 200],
  'GET /help/search': [200, 200, 200, 200, 200, 200, 200],
  'GET /help/{category}': [404, 404, 404, 404, 404, 404, 404],
  'GET /help/{category}/{section}': [404, 404, 404, 404, 404, 404, 404],
  'GET /help/articles/{slug}': [404, 404, 404, 404, 404, 404, 404],
  'POST /help/articles/{slug}/vote': [400, 400, 400, 400, 400, 400, 400],
  'GET /api/v1/mail/{id}/raw': [401, 403, 404, 403, 404, 404, 404],
  'GET /api/v1/chat/availability': [400, 400, 400, 400, 400, 400, 400],
  'GET /api/v1/chat': [401, 200, 200, 200, 200, 200, 200],
  'POST /api/v1/chat': [400, 400, 400, 400, 400, 400, 400],
  'POST /api/v1/chat/leave-message': [400, 400, 400, 400, 400, 400, 400],
  'GET /api/v1/chat/canned': [401, 403, 200, 403, 200, 200, 200],
  'GET /api/v1/chat/report': [401, 403, 403, 403, 403, 200, 200],
  'GET /api/v1/chat/{id}': [404, 404, 404, 404, 404, 404, 404],
  'POST /api/v1/chat/{id}/messages': [400, 400, 400, 400, 400, 400, 400],
  'POST /api/v1/chat/{id}/attachments': [415, 415, 415, 415, 415, 415, 415],
  'GET /api/v1/chat/{id}/attachments/{aid}': [404, 404, 404, 404, 404, 404, 404],
  'POST /api/v1/chat/{id}/transfer': [401, 403, 404, 403, 404, 404, 404],
  'POST /api/v1/chat/{id}/escalate': [401, 404, 404, 404, 404, 404, 404],
  'POST /api/v1/chat/{id}/convert': [401, 404, 404, 404, 404, 404, 404],
  'POST /api/v1/chat/{id}/end': [404, 404, 404, 404, 404, 404, 404],
  'POST /api/v1/chat/{id}/rating': [400, 400, 400, 400, 400, 400, 400],
  'POST /api/v1/chat/{id}/transcript': [404, 404, 404, 404, 404, 404, 404],
  'PUT /api/v1/agent/status': [401, 403, 400, 403, 400, 400, 400],
  'GET /api/v1/agent/chats': [401, 403, 200, 403, 200, 200, 200],
  'PUT /api/v1/departments/{slug}/hours': [401, 403, 403, 403, 403, 403, 400],
  'GET /api/v1/sla/calendars': [401, 403, 200, 403, 200, 200, 200],
  'POST /api/v1/sla/calendars': [401, 403, 403, 403, 403, 403, 400],
  'GET /api/v1/sla/calendars/{id}': [401, 403, 404, 403, 404, 404, 404],
  'PUT /api/v1/sla/calendars/{id}': [401, 403, 403, 403, 403, 403, 404],
  'PUT /api/v1/departments/{slug}/calendar': [401, 403, 403, 403, 403, 403, 200],
  'GET /api/v1/sla/policies': [401, 403, 200, 403, 200, 200, 200],
  'POST /api/v1/sla/policies': [401, 403, 403, 403, 403, 403, 400],
  'PUT /api/v1/sla/policies/{id}': [401, 403, 403, 403, 403, 403, 404],
  'DELETE /api/v1/sla/policies/{id}': [401, 403, 403, 403, 403, 403, 404],
  'GET /api/v1/tickets/{ref}/sla': [401, 404, 404, 200, 200, 200, 200],
  'GET /api/v1/sla/tickets': [401, 403, 400, 403, 400, 400, 400],
  'GET /api/v1/sla/breaching': [401, 403, 200, 403, 200, 200, 200],
  'GET /api/v1/notifications': [401, 403, 200, 403, 200, 200, 200],
  'POST /api/v1/notifications/{id}/read': [401, 403, 404, 403, 404, 404, 404],
  'POST /api/v1/complaints': [401, 400, 403, 400, 403, 403, 403],
  'GET /api/v1/complaints': [401, 200, 403, 200, 403, 200, 200],
  'GET /api/v1/complaints/register': [401, 403, 403, 403, 403, 200, 200],
  'GET /api/v1/complaints/{cref}': [401, 404, 404, 200, 404, 200, 200],
  'POST /api/v1/complaints/{cref}/transition': [401, 403, 404, 403, 404, 409, 409],
  'POST /api/v1/complaints/{cref}/delay': [401, 403, 404, 403, 404, 200, 400],
  'POST /api/v1/complaints/{cref}/corrections': [401, 403, 404, 403, 404, 200, 400],
  'GET /api/v1/reports/complaints': [401, 403, 403, 403, 403, 200, 200],
  'PUT /api/v1/users/{id}/compliance': [401, 403, 403, 403, 403, 403, 404],
  'POST /api/v1/tickets/{ref}/complaint': [401, 403, 404, 403, 201, 409, 409],
  'POST /api/v1/tickets/{ref}/escalate': [401, 403, 404, 403, 200, 409, 409],
  'GET /api/v1/tickets/{ref}/escalations': [401, 404, 404, 403, 200, 200, 200],
  'GET /api/v1/routing/rules': [401, 403, 403, 403, 403, 403, 200],
  'POST /api/v1/routing/rules': [401, 403, 403, 403, 403, 403, 400],
  'POST /api/v1/routing/rules/reorder': [401, 403, 403, 403, 403, 403, 400],
  'PATCH /api/v1/routing/rules/{id}': [401, 403, 403, 403, 403, 403, 404],
  'DELETE /api/v1/routing/rules/{id}': [401, 403, 403, 403, 403, 403, 404],
  'POST /api/v1/routing/dry-run': [401, 403, 403, 403, 403, 403, 200],
  'GET /api/v1/routing/settings': [401, 403, 403, 403, 403, 403, 200],
  'PATCH /api/v1/routing/departments/{slug}': [401, 403, 403, 403, 403, 403, 400],
  'PATCH /api/v1/routing/agents/{id}': [401, 403, 403, 403, 403, 403, 400],
  'PATCH /api/v1/routing/customers': [401, 403, 403, 403, 403, 403, 400],
  'GET /api/v1/macros': [401, 403, 200, 403, 200, 200, 200],
  'POST /api/v1/macros': [401, 403, 403, 403, 403, 403, 400],
  'PATCH /api/v1/macros/{id}': [401, 403, 403, 403, 403, 403, 404],
  'DELETE /api/v1/macros/{id}': [401, 403, 403, 403, 403, 403, 404],
  'POST /api/v1/tickets/{ref}/macros/{id}': [401, 403, 404, 403, 404, 404, 404],
  'GET /api/v1/reports': [401, 403, 403, 403, 403, 200, 200],
  'GET /api/v1/reports/{name}': [404, 404, 404, 404, 404, 404, 404],
  'GET /api/v1/expectations': [200, 200, 200, 200, 200, 200, 200],
  'GET /api/v1/tickets/{ref}/csat': [401, 404, 404, 200, 200, 200, 200],
  'PUT /api/v1/tickets/{ref}/csat': [401, 404, 404, 409, 403, 403, 403],
  'GET /api/v1/csat/{token}': [403, 403, 403, 403, 403, 403, 403],
  'POST /api/v1/csat/{token}': [400, 400, 400, 400, 400, 400, 400],
  'GET /api/v1/status': [200, 200, 200, 200, 200, 200, 200],
  'GET /api/v1/status/banner': [200, 200, 200, 200, 200, 200, 200],
  'POST /api/v1/status/incidents': [401, 403, 403, 403, 403, 400, 400],
  'GET /api/v1/status/incidents/{id}': [404, 404, 404, 404, 404, 404, 404],
  'POST /api/v1/status/incidents/{id}/updates': [401, 403, 403, 403, 403, 400, 400],
  'POST /api/v1/status/incidents/{id}/solve-linked': [401, 403, 403, 403, 403, 400, 400],
  'POST /api/v1/status/subscriptions': [400, 400, 400, 400, 400, 400, 400],
  'POST /api/v1/status/subscriptions/{id}/confirm': [400, 400, 400, 400, 400, 400, 400],
  'POST /api/v1/status/subscriptions/{id}/unsubscribe': [400, 400, 400, 400, 400, 400, 400],
  'GET /api/v1/tickets/{ref}/incidents': [401, 403, 404, 403, 200, 200, 200],
  'POST /api/v1/tickets/{ref}/incidents': [401, 403, 404, 403, 404, 404, 404],
  'DELETE /api/v1/tickets/{ref}/incidents/{id}': [401, 403, 404, 403, 404, 404, 404],
  'GET /api/v1/reports/incidents': [401, 403, 403, 403, 403, 200, 200],
  'GET /status': [200, 200, 200, 200, 200, 200, 200],
  'GET /status/feed.atom': [200, 200, 200, 200, 200, 200, 200],
  'POST /status/subscribe': [400, 400, 400, 400, 400, 400, 400],
  'GET /status/confirm': [400, 400, 400, 400, 400, 400, 400],
  'POST /status/confirm': [400, 400, 400, 400, 400, 400, 400],
  'GET /status/unsubscribe': [400, 400, 400, 400, 400, 400, 400],
  'POST /status/unsubscribe': [400, 400, 400, 400, 400, 400, 400],
  'GET /api/v1/social/x': [404, 404, 404, 404, 404, 404, 404],
  'GET /api/v1/tickets/{ref}/triage': [401, 404, 404, 403, 404, 404, 404],
  'POST /api/v1/tickets/{ref}/triage/apply': [401, 403, 404, 403, 404, 404, 404],
  'GET /api/v1/triage/models': [401, 403, 200, 403, 200, 200, 200],
  'POST /api/v1/safety/check': [401, 403, 400, 403, 400, 400, 400],
  // Anti-phishing code and /verify (docs/verify.md): the registry and the page are public,
  // editing is for admins, agent codes for staff, the code for customers (and integrations).
  'GET /verify': [200, 200, 200, 200, 200, 200, 200],
  'GET /api/v1/verify': [400, 400, 400, 400, 400, 400, 400], // public; the matrix sends no q
  'GET /api/v1/verify/entries': [200, 200, 200, 200, 200, 200, 200],
  'POST /api/v1/verify/entries': [401, 403, 403, 403, 403, 403, 400],
  'DELETE /api/v1/verify/entries/{id}': [401, 403, 403, 403, 403, 403, 404],
  'GET /api/v1/verify/agent-code': [401, 403, 200, 403, 200, 200, 200],
  'GET /api/v1/me/antiphishing': [401, 200, 403, 200, 403, 403, 403],
  'PUT /api/v1/me/antiphishing': [401, 400, 403, 400, 403, 403, 403],
  'PUT /api/v1/customers/{id}/antiphishing': [401, 403, 403, 403, 403, 403, 400],
  // Two-factor, sessions, lockout, settings and the audit view (docs/security.md).
  'POST /api/v1/auth/login/2fa': [400, 400, 400, 400, 400, 400, 400], // no challenge: public step
  'GET /api/v1/me/2fa': [401, 200, 200, 200, 200, 200, 200],
  'POST /api/v1/me/2fa/enrol': [401, 403, 201, 403, 201, 201, 201], // staff only
  'POST /api/v1/me/2fa/confirm': [401, 400, 400, 400, 400, 400, 400], // nothing to confirm
  'POST /api/v1/me/2fa/disable': [401, 400, 400, 400, 400, 400, 400], // needs a code
  'GET /api/v1/me/sessions': [401, 200, 200, 200, 200, 200, 200],
  'DELETE /api/v1/me/sessions/{id}': [401, 404, 404, 404, 404, 404, 404], // only one's own
  'POST /api/v1/me/sessions/revoke-others': [401, 200, 200, 200, 200, 200, 200],
  'POST /api/v1/me/password': [401, 400, 400, 400, 400, 400, 400],
  'DELETE /api/v1/users/{id}/2fa': [401, 403, 403, 403, 403, 403, 404],
  'DELETE /api/v1/users/{id}/sessions': [401, 403, 403, 403, 403, 403, 404],
  'POST /api/v1/users/{id}/unlock': [401, 403, 403, 403, 403, 403, 404],
  'GET /api/v1/security/settings': [401, 403, 403, 403, 403, 403, 200],
  'PUT /api/v1/security/settings': [401, 403, 403, 403, 403, 403, 400],
  'GET /api/v1/audit': [401, 403, 403, 403, 403, 403, 200],
};

// Bodies that pass validation, where a handler may validate before it authorizes.
const BODY = {
  'PATCH /api/v1/tickets/{ref}': { priority: 'high' },
  'POST /api/v1/tickets/{ref}/messages': { body: 'matrix probe' },
  'PUT /api/v1/users/{id}/compliance': { compliance: true },
  'POST /api/v1/complaints/{cref}/transition': { to: 'closed' },
  'POST /api/v1/complaints/{cref}/delay': { reason: 'matrix probe', new_due_date: '2099-01-01' },
  'POST /api/v1/complaints/{cref}/corrections': { field: 'account_uid', value: 'U87654321', reason: 'matrix probe' },
  'POST /api/v1/chat/{id}/transfer': { agent_id: 1 },
  'POST /api/v1/tickets/{ref}/assign': { assignee_id: null },
  'POST /api/v1/tickets/{ref}/escalate': { tier: 2, reason: 'matrix probe' },
  'POST /api/v1/tickets/{ref}/incidents': { incident_id: 999999 },
  'PUT /api/v1/tickets/{ref}/csat': { rating: 5 },
  'PUT /api/v1/departments/{slug}/calendar': { calendar_id: null },
};

let srv;
const C = {};
let fx = {};

function specOps() {
  const text = readFileSync(join(root, 'docs', 'openapi.yaml'), 'utf8');
  const ops = [];
  let inPaths = false, path = null;
  for (const line of text.split('\n')) {
    if (/^paths:/.test(line)) { inPaths = true; continue; }
    if (inPaths && /^\S/.test(line)) inPaths = false;
    if (!inPaths) continue;
    let m = line.match(/^  (\/\S*):\s*$/);
    if (m) { path = m[1]; continue; }
    m = line.match(/^    (get|post|put|patch|delete):/);
    if (m && path) ops.push(`${m[1].toUpperCase()} ${path}`);
  }
  return ops;
}

function registeredRoutes() {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.c')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/http_route\("([A-Z]+)",\s*"([^"]+)"/g)) out.push(`${m[1]} ${m[2]}`);
      }
    }
  };
  walk(join(root, 'src'));
  return out;
}

const norm = (op) => op.replace(/\{[^}]+\}/g, '{}');

function fill(path) {
  return path.replace(/\{([^}]+)\}/g, (_, name) => {
    const v = fx[name] ?? fx[name.replace(/^c/, '')];
    return encodeURIComponent(String(v ?? NONE));
  });
}

before(async () => {
  srv = await startServer();
  const mk = async (email, role, department) => {
    const u = srv.addUser({ email, name: email.split('@')[0], role, department, tier: department ? 1 : undefined });
    const c = new Client(srv.url); await c.login(u.email, u.password); return c;
  };
  C.anon = new Client(srv.url);
  C.agentX = await mk('dora@fd.test', 'agent', 'deposits');
  C.agentY = await mk('tom@fd.test', 'agent', 'trading');
  C.sup = await mk('sup@fd.test', 'supervisor');
  C.admin = await mk('admin@fd.test', 'admin');
  C.custA = new Client(srv.url); await C.custA.signup('a@fd.test', 'customer-a-pass', 'Customer A');
  C.custB = new Client(srv.url); await C.custB.signup('b@fd.test', 'customer-b-pass', 'Customer B');
  // Customer A's ticket in deposits, with an internal note and an attachment.
  let r = await C.custA.post('/api/v1/tickets', { subject: 'A private problem', body: 'my uid is 99887766', department: 'deposits' });
  assert.equal(r.status, 201, r.text);
  fx.ref = r.json.ticket.reference;
  r = await C.agentX.post(`/api/v1/tickets/${fx.ref}/messages`, { body: 'internal note', internal: true });
  assert.equal(r.status, 201, r.text);
  r = await C.custA.req('POST', `/api/v1/tickets/${fx.ref}/attachments?filename=a.txt`, new TextEncoder().encode('hello attachment\n'), { 'content-type': 'text/plain' });
  if (r.status === 201) fx.attachment = r.json.attachment?.id;
  // A complaint of customer A.
  r = await C.custA.post('/api/v1/complaints', {
    complainant_name: 'Alice Able', complainant_contact: 'a@fd.test', account_uid: 'U12345678', service: 'withdrawals',
    description: 'Withdrawal held for 9 days.', incident_dates: '2026-11-10', request: 'Release the funds.',
  });
  assert.equal(r.status, 201, r.text);
  fx.ref_complaint = r.json.complaint.reference ?? r.json.complaint.id;
  fx.slug = 'authz-draft';
  fx.token = 'f'.repeat(64);
  fx.name = 'volume';
  fx.category = 'funds'; fx.section = 'deposits'; fx.n = 1;
});
after(async () => { await srv?.stop(); });

test('every registered route is in docs/openapi.yaml', () => {
  const spec = new Set(specOps().map(norm));
  const missing = [...new Set(registeredRoutes())].filter((op) => !spec.has(norm(op)));
  assert.deepEqual(missing, [], 'routes registered in src/ but missing from docs/openapi.yaml');
});

test('every operation × every role gets the reviewed status', async () => {
  const record = !!process.env.FD_AUTHZ_RECORD;
  const observed = {};
  const bad = [];
  for (const op of specOps()) {
    if (SKIP[op]) continue;
    const [method, path] = op.split(' ');
    let p = path;
    if (p.includes('/complaints/{cref}')) p = p.replace('{cref}', fx.ref_complaint);
    if (p.startsWith('/api/v1/departments/{slug}')) p = p.replace('{slug}', 'deposits');
    if (p === '/api/v1/attachments/{id}') p = p.replace('{id}', fx.attachment ?? NONE);
    const url = fill(p);
    const got = [];
    for (const role of ROLES) {
      const body = method === 'GET' || method === 'DELETE' ? undefined : (BODY[op] ?? {});
      const r = await C[role].req(method, url, body);
      got.push(r.status);
    }
    observed[op] = got;
    const want = EXPECT[op];
    if (!record && !want) bad.push(`${op}: no row in EXPECT (observed ${JSON.stringify(got)})`);
    else if (!record && JSON.stringify(want) !== JSON.stringify(got))
      bad.push(`${op}: want ${JSON.stringify(want)} got ${JSON.stringify(got)}`);
  }
  if (record) {
    for (const [op, s] of Object.entries(observed)) console.log(`  '${op}': [${s.join(', ')}],`);
    return;
  }
  assert.deepEqual(bad, []);
});
