// Operations: health, Prometheus metrics, static files (ETag, gzip), pages, request ids,
// path traversal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, Client } from '../lib/server.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let srv, sup, cust;

/** Raw HTTP/1.1 request: no path normalisation, no automatic decompression. */
function raw(path, headers = {}, method = 'GET') {
  const u = new URL(srv.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function metrics() {
  const r = await fetch(srv.url + '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') || '', /^text\/plain/);
  return r.text();
}
function metricValue(text, re) {
  const line = text.split('\n').find((l) => re.test(l));
  return line === undefined ? undefined : Number(line.trim().split(/\s+/).pop());
}

before(async () => {
  srv = await startServer();
  const s = srv.addUser({ email: 'sup@fd.test', role: 'supervisor' });
  sup = new Client(srv.url); await sup.login(s.email, s.password);
  cust = new Client(srv.url); await cust.signup('c@fd.test', 'customer-password');
});
after(async () => { await srv?.stop(); });

test('GET /healthz → 200 {"status":"ok"}', async () => {
  const r = await fetch(srv.url + '/healthz');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') || '', /application\/json/);
  assert.deepEqual(await r.json(), { status: 'ok' });
});

let refs = [];
test('/metrics: request counters by route and status', async () => {
  for (let i = 0; i < 3; i++) await fetch(srv.url + '/api/v1/me'); // 401s
  for (let i = 0; i < 2; i++) refs.push((await cust.post('/api/v1/tickets', { subject: 'm' + i, body: 'b', department: 'deposits' })).json.ticket.reference);
  await cust.get('/api/v1/tickets/' + refs[0]);
  const text = await metrics();
  const counters = text.split('\n').filter((l) => /^[a-z_:]*http_requests_total\{/.test(l));
  assert.ok(counters.length > 0, 'an http_requests_total counter is expected:\n' + text.slice(0, 2000));
  assert.ok(counters.every((l) => /route="[^"]*"/.test(l) && /status="\d{3}"/.test(l)), counters.join('\n'));
  assert.ok(counters.some((l) => /status="401"/.test(l)), 'the 401s are counted');
  const created = counters.filter((l) => /status="201"/.test(l));
  assert.ok(created.length > 0 && created.some((l) => Number(l.split(/\s+/).pop()) >= 2), created.join('\n'));
  assert.match(text, /^# TYPE [a-z_:]*http_requests_total counter$/m);
  // routes are patterns, not raw paths (one series per ticket would explode)
  assert.ok(!text.includes(refs[0]), 'a ticket reference appears in the metrics labels');
});

test('/metrics: counters increase', async () => {
  const re = /^[a-z_:]*http_requests_total\{.*status="404".*\}/;
  const sum = (t) => t.split('\n').filter((l) => re.test(l)).reduce((a, l) => a + Number(l.split(/\s+/).pop()), 0);
  const before = sum(await metrics());
  for (let i = 0; i < 4; i++) await fetch(srv.url + '/api/v1/no-such-thing');
  const after = sum(await metrics());
  assert.equal(after - before, 4);
});

test('/metrics: a latency histogram with _bucket, _sum and _count', async () => {
  const text = await metrics();
  const m = text.match(/^([a-z_:]+)_bucket\{[^}]*le="\+Inf"[^}]*\}\s+(\d+)/m);
  assert.ok(m, 'a histogram with an le="+Inf" bucket is expected');
  const base = m[1];
  assert.match(base, /duration|latency|seconds/);
  assert.match(text, new RegExp(`^# TYPE ${base} histogram$`, 'm'));
  assert.match(text, new RegExp(`^${base}_sum(\\{[^}]*\\})?\\s+[0-9.eE+-]+$`, 'm'));
  assert.match(text, new RegExp(`^${base}_count(\\{[^}]*\\})?\\s+\\d+$`, 'm'));
  const buckets = text.split('\n').filter((l) => l.startsWith(base + '_bucket{'));
  assert.ok(buckets.length >= 3, 'several buckets expected');
  const inf = buckets.filter((l) => /le="\+Inf"/.test(l)).reduce((a, l) => a + Number(l.split(/\s+/).pop()), 0);
  const count = text.split('\n').filter((l) => l.startsWith(base + '_count')).reduce((a, l) => a + Number(l.split(/\s+/).pop()), 0);
  assert.equal(inf, count, '+Inf buckets must equal _count');
  assert.ok(count > 0);
});

test('/metrics: open tickets by status match the real counts', async () => {
  assert.equal((await sup.patch('/api/v1/tickets/' + refs[1], { status: 'pending' })).status, 200);
  const text = await metrics();
  const counts = (await sup.get('/api/v1/tickets/counts')).json.counts;
  assert.equal(metricValue(text, /^frontdesk_tickets\{status="new"\}/), counts.new, 'frontdesk_tickets{status="new"}');
  assert.equal(metricValue(text, /^frontdesk_tickets\{status="pending"\}/), counts.pending, 'frontdesk_tickets{status="pending"}');
  assert.equal(counts.new, 1);
  assert.equal(counts.pending, 1);
  assert.match(text, /^# TYPE frontdesk_tickets gauge$/m);
});

test('GET /static/app.css → text/css, ETag, the file\'s bytes', async () => {
  const r = await raw('/static/app.css');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'] || '', /^text\/css/);
  assert.ok(r.headers.etag, 'ETag expected');
  assert.equal(r.headers['content-encoding'], undefined, 'no gzip unless asked for');
  const file = join(ROOT, 'web', 'static', 'app.css');
  if (existsSync(file)) assert.ok(r.body.equals(readFileSync(file)), 'body differs from web/static/app.css');
  assert.ok(r.body.length > 0);
});

test('If-None-Match with the ETag → 304 without a body; a stale ETag → 200', async () => {
  const first = await raw('/static/app.css');
  const etag = first.headers.etag;
  const r = await raw('/static/app.css', { 'if-none-match': etag });
  assert.equal(r.status, 304);
  assert.equal(r.body.length, 0);
  assert.equal(r.headers.etag, etag);
  const stale = await raw('/static/app.css', { 'if-none-match': '"not-the-etag"' });
  assert.equal(stale.status, 200);
  assert.ok(stale.body.length > 0);
});

test('Accept-Encoding gzip → Content-Encoding gzip that decompresses to the file', async () => {
  const plain = await raw('/static/app.css');
  const r = await raw('/static/app.css', { 'accept-encoding': 'gzip, deflate, br' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-encoding'], 'gzip');
  assert.match(r.headers['content-type'] || '', /^text\/css/);
  assert.ok(gunzipSync(r.body).equals(plain.body));
});

test('static responses that depend on Accept-Encoding say Vary: Accept-Encoding', async () => {
  const r = await raw('/static/app.css', { 'accept-encoding': 'gzip' });
  assert.match(r.headers.vary || '', /accept-encoding/i);
});

test('unknown static file → 404', async () => {
  assert.equal((await raw('/static/does-not-exist.css')).status, 404);
});

test('/support and /agent serve HTML; / redirects to /support', async () => {
  for (const p of ['/support', '/agent']) {
    const r = await raw(p);
    assert.equal(r.status, 200, p);
    assert.match(r.headers['content-type'] || '', /^text\/html/, p);
    assert.match(r.body.toString(), /<html|<!doctype html/i, p);
  }
  const root = await raw('/');
  assert.ok([301, 302, 303, 307, 308].includes(root.status), String(root.status));
  assert.match(root.headers.location || '', /\/support$/);
});

test('every /api response carries an X-Request-Id, distinct per request', async () => {
  const ids = [];
  const rs = [
    await sup.get('/api/v1/me'), await sup.get('/api/v1/departments'), await new Client(srv.url).get('/api/v1/me'),
    await sup.get('/api/v1/nope'), await sup.post('/api/v1/tickets', '{', { 'content-type': 'application/json' }),
    await sup.req('DELETE', '/api/v1/tickets'), await cust.post('/api/v1/tickets', { subject: 's', body: 'b', department: 'deposits' }),
    await cust.post('/api/v1/auth/logout'),
  ];
  for (const r of rs) {
    const id = r.headers.get('x-request-id');
    assert.ok(id && id.length >= 8, `missing X-Request-Id on a ${r.status} response`);
    ids.push(id);
  }
  assert.equal(new Set(ids).size, ids.length, 'request ids must be unique');
});

test('path traversal never serves files outside web/static', async () => {
  const makefile = join(ROOT, 'Makefile');
  const secret = existsSync(makefile) ? readFileSync(makefile, 'utf8').slice(0, 60) : null;
  const api = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8').slice(0, 60);
  const paths = [
    '/static/../Makefile', '/static/../../Makefile', '/static/%2e%2e/Makefile', '/static/%2e%2e/%2e%2e/Makefile',
    '/static/..%2f..%2fMakefile', '/static/%2e%2e%2f%2e%2e%2fMakefile', '/static/..%5c..%5cMakefile', '/static/....//....//Makefile',
    '/static/%252e%252e/%252e%252e/Makefile', '/static/../../docs/api.md', '/static/%2e%2e/%2e%2e/docs/api.md',
    '/static/..%2F..%2Fdocs%2Fapi.md', '/static/' + '../'.repeat(12) + 'etc/passwd', '/static/' + '%2e%2e/'.repeat(12) + 'etc/passwd',
    '/static/%00../../Makefile', '/static//etc/passwd', '/static/./../../Makefile',
  ];
  for (const p of paths) {
    const r = await raw(p);
    assert.ok([400, 403, 404].includes(r.status), `${p} → ${r.status}`);
    const body = r.body.toString();
    if (secret) assert.ok(!body.includes(secret), `${p} served the Makefile`);
    assert.ok(!body.includes(api), `${p} served docs/api.md`);
    assert.ok(!/root:.*:0:0:/.test(body), `${p} served /etc/passwd`);
  }
  // the server is still healthy
  assert.equal((await raw('/healthz')).status, 200);
});

test('keep-alive: successive requests, including error answers and a POST, reuse one connection', async () => {
  const u = new URL(srv.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set();
  const one = (path, method = 'GET', body) => new Promise((resolve, reject) => {
    const headers = body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {};
    const req = http.request({ host: u.hostname, port: u.port, path, method, agent, headers }, (res) => {
      sockets.add(res.socket); res.resume(); res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
  try {
    assert.equal(await one('/healthz'), 200);
    assert.equal(await one('/api/v1/me'), 401);
    assert.equal(await one('/static/app.css'), 200);
    assert.equal(await one('/api/v1/nope'), 404);
    assert.equal(await one('/api/v1/auth/login', 'POST', JSON.stringify({ email: 'nobody@fd.test', password: 'whatever-pass' })), 401);
    assert.equal(await one('/healthz'), 200);
    assert.equal(sockets.size, 1, 'the server closed a keep-alive connection');
  } finally { agent.destroy(); }
});
