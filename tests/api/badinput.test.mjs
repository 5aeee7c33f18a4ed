// Bad input: every malformed request gets a 4xx JSON error naming the problem, and nothing
// already stored changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, Client } from '../lib/server.mjs';

let srv, cust, sup, ref;
const HEX64 = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

function isErr(r, status, code) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error, `JSON error body expected, got: ${r.text}`);
  if (code) assert.equal(r.json.error.code, code, r.text);
  assert.ok(typeof r.json.error.message === 'string' && r.json.error.message.length > 0);
}

/** Everything a supervisor can see: every ticket with its messages. */
async function snapshot() {
  const l = await sup.get('/api/v1/tickets?limit=100');
  assert.equal(l.status, 200, l.text);
  const full = [];
  for (const t of l.json.tickets) {
    const g = await sup.get('/api/v1/tickets/' + t.reference);
    assert.equal(g.status, 200);
    full.push(g.json);
  }
  const c = await sup.get('/api/v1/tickets/counts');
  return { list: l.json, full, counts: c.json };
}

/** Runs fn (a bad write) and checks the stored state is the same before and after. */
async function unchanged(fn) {
  const a = await snapshot();
  await fn();
  const b = await snapshot();
  assert.deepEqual(b, a, 'a rejected request changed stored data');
}

/** Raw HTTP request that tolerates the server answering before the body is fully sent. */
function raw(method, path, headers, body) {
  const u = new URL(srv.url);
  return new Promise((resolve, reject) => {
    let done = false;
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      const chunks = [];
      const finish = () => {
        if (done) return; done = true;
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null; try { json = JSON.parse(text); } catch { /* not json */ }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      };
      res.on('data', (c) => chunks.push(c));
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
    });
    req.on('error', (e) => { if (!done) { done = true; reject(e); } });
    req.setTimeout(20000, () => req.destroy(new Error('timeout')));
    if (body) req.end(body); else req.end();
  });
}

const post = (body) => cust.post('/api/v1/tickets', body);
const good = { subject: 'valid subject', body: 'valid body', department: 'deposits' };
const withEx = (exchange) => post({ ...good, exchange });

before(async () => {
  srv = await startServer();
  const s = srv.addUser({ email: 'sup@fd.test', role: 'supervisor' });
  sup = new Client(srv.url); await sup.login(s.email, s.password);
  cust = new Client(srv.url); await cust.signup('cust@fd.test', 'customer-password');
  const r = await post({ ...good, subject: 'the original', exchange: { uid: '123456', asset: 'BTC' } });
  assert.equal(r.status, 201, r.text);
  ref = r.json.ticket.reference;
});
after(async () => { await srv?.stop(); });

test('malformed JSON → 400 bad_json', async () => {
  await unchanged(async () => {
    for (const body of ['{"subject":', '{subject: "x"}', '', 'nope', '{"subject":"a",}', '{"a":1}{"b":2}']) {
      isErr(await cust.post('/api/v1/tickets', body, { 'content-type': 'application/json' }), 400, 'bad_json');
    }
  });
});

test('JSON that is not an object (array, string, number, null) → 400 bad_json', async () => {
  await unchanged(async () => {
    for (const body of ['[]', `[${JSON.stringify(good)}]`, '"text"', '42', 'null', 'true']) {
      isErr(await cust.post('/api/v1/tickets', body, { 'content-type': 'application/json' }), 400, 'bad_json');
    }
  });
});

test('a non-JSON Content-Type on a JSON route → 415 unsupported_media_type', async () => {
  await unchanged(async () => {
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      isErr(await cust.post('/api/v1/tickets', JSON.stringify(good), { 'content-type': ct }), 415, 'unsupported_media_type');
    }
    isErr(await cust.post(`/api/v1/tickets/${ref}/messages`, JSON.stringify({ body: 'x' }), { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
  });
  // parameters on the JSON type are fine
  const r = await cust.post('/api/v1/tickets', JSON.stringify({ ...good, subject: 'charset ok' }), { 'content-type': 'application/json; charset=utf-8' });
  assert.equal(r.status, 201, r.text);
});

test('nesting deeper than 32 levels → 400', async () => {
  await unchanged(async () => {
    const deep = `{"subject":"d33","body":"b","department":"deposits","tags":${'['.repeat(33)}${']'.repeat(33)}}`;
    assert.equal((await cust.post('/api/v1/tickets', deep, { 'content-type': 'application/json' })).status, 400);
  });
});

test('invalid UTF-8 inside a JSON string → 400', async () => {
  await unchanged(async () => {
    const bytes = Buffer.concat([Buffer.from('{"subject":"bad '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('","body":"b","department":"deposits"}')]);
    const r = await cust.post('/api/v1/tickets', new Uint8Array(bytes), { 'content-type': 'application/json' });
    assert.equal(r.status, 400, r.text);
  });
});

test('wrong types → 400 invalid_field naming the field', async () => {
  await unchanged(async () => {
    const cases = [
      [{ ...good, subject: 42 }, 'subject'], [{ ...good, body: ['x'] }, 'body'], [{ ...good, department: 7 }, 'department'],
      [{ ...good, priority: 1 }, 'priority'], [{ ...good, tags: 'vip' }, 'tags'], [{ ...good, tags: [1, 2] }, 'tags'],
      [{ ...good, exchange: 'uid 123456' }, 'exchange'],
    ];
    for (const [b, field] of cases) {
      const r = await post(b);
      isErr(r, 400, 'invalid_field');
      assert.match(r.json.error.message, new RegExp(field), `message should name ${field}: ${r.json.error.message}`);
    }
  });
});

test('bad enum values → 400 invalid_field', async () => {
  await unchanged(async () => {
    for (const [b, field] of [[{ ...good, priority: 'extreme' }, 'priority'], [{ ...good, priority: '' }, 'priority']]) {
      const r = await post(b);
      isErr(r, 400, 'invalid_field');
      assert.match(r.json.error.message, new RegExp(field));
    }
  });
});

test('unknown field → 400 unknown_field naming it', async () => {
  await unchanged(async () => {
    const r = await post({ ...good, sneaky_field: 1 });
    isErr(r, 400, 'unknown_field');
    assert.match(r.json.error.message, /sneaky_field/);
    const r2 = await post({ ...good, exchange: { uid: '123456', colour: 'red' } });
    isErr(r2, 400, 'unknown_field');
    assert.match(r2.json.error.message, /colour/);
  });
});

test('missing required fields → 400 missing_field naming them', async () => {
  await unchanged(async () => {
    for (const f of ['subject', 'body', 'department']) {
      const b = { ...good }; delete b[f];
      const r = await post(b);
      isErr(r, 400, 'missing_field');
      assert.match(r.json.error.message, new RegExp(f));
    }
    isErr(await post({}), 400, 'missing_field');
  });
});

test('unknown department → 400 naming department', async () => {
  await unchanged(async () => {
    const r = await post({ ...good, department: 'moon-base' });
    assert.equal(r.status, 400, r.text);
    assert.match(r.json.error.message, /department/i);
  });
});

test('bad bitcoin txids → 400 with a message about the txid', async () => {
  await unchanged(async () => {
    for (const txid of [HEX64.slice(1), 'g' + HEX64.slice(1), HEX64 + '0', '0x' + HEX64, HEX64.slice(0, 32) + ' ' + HEX64.slice(33)]) {
      const r = await withEx({ network: 'bitcoin', asset: 'BTC', txid });
      assert.equal(r.status, 400, `txid ${txid}: ${r.text}`);
      assert.equal(r.json.error.code, 'invalid_field');
      assert.match(r.json.error.message, /txid/i);
    }
  });
});

test('txid formats per network', async () => {
  // ethereum needs 0x + 64 hex
  const eth = await withEx({ network: 'ethereum', asset: 'ETH', txid: '0x' + HEX64 });
  assert.equal(eth.status, 201, eth.text);
  assert.equal(eth.json.ticket.exchange.txid, '0x' + HEX64);
  const btc = await withEx({ network: 'bitcoin', txid: HEX64 });
  assert.equal(btc.status, 201, btc.text);
  const sol = await withEx({ network: 'solana', txid: '5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW' });
  assert.equal(sol.status, 201, sol.text);
  const none = await withEx({ txid: HEX64 });
  assert.equal(none.status, 201, none.text);
  const other = await withEx({ network: 'my-chain', txid: 'abcDEF123456' });
  assert.equal(other.status, 201, other.text);
  await unchanged(async () => {
    for (const ex of [
      { network: 'ethereum', txid: HEX64 }, { network: 'ethereum', txid: '0x' + HEX64.slice(2) }, { network: 'bsc', txid: '0x' + 'z'.repeat(64) },
      { network: 'solana', txid: '0OIl' + 'A'.repeat(50) }, { network: 'solana', txid: 'A'.repeat(20) },
      { txid: 'abc' }, { network: 'my-chain', txid: 'abc' }, { network: 'my-chain', txid: 'abc-def-123' },
    ]) {
      const r = await withEx(ex);
      assert.equal(r.status, 400, `${JSON.stringify(ex)}: ${r.text}`);
      assert.match(r.json.error.message, /txid/i);
    }
  });
});

test('bad amounts → 400 naming amount; good ones accepted', async () => {
  await unchanged(async () => {
    for (const amount of ['-1', '0', '0.000', 'abc', '1.1234567890123456789', '1e5', '1,5', ' 1', '.5.', 1.5]) {
      const r = await withEx({ amount });
      assert.equal(r.status, 400, `amount ${JSON.stringify(amount)}: ${r.text}`);
      assert.match(r.json.error.message, /amount/);
    }
  });
  for (const amount of ['1', '0.000000000000000001', '123456.5']) {
    const r = await withEx({ amount });
    assert.equal(r.status, 201, `amount ${amount}: ${r.text}`);
    assert.equal(r.json.ticket.exchange.amount, amount);
  }
});

test('bad uid, asset, network, order_id → 400 naming the field', async () => {
  await unchanged(async () => {
    const cases = [
      ['uid', '12345'], ['uid', 'abc123'], ['uid', '1'.repeat(21)], ['uid', 123456],
      ['asset', 'eth'], ['asset', 'B'], ['asset', 'TOOLONGASSET'], ['network', 'Bad Net'], ['network', 'x'],
      ['order_id', 'has space'], ['order_id', 'x'.repeat(65)],
    ];
    for (const [f, v] of cases) {
      const r = await withEx({ [f]: v });
      assert.equal(r.status, 400, `${f}=${JSON.stringify(v)}: ${r.text}`);
      assert.equal(r.json.error.code, 'invalid_field');
      assert.match(r.json.error.message, new RegExp(f));
    }
  });
  for (const uid of ['123456', '1'.repeat(20)]) assert.equal((await withEx({ uid })).status, 201);
});

test('empty strings in exchange fields are rejected, not silently stored as null', async () => {
  // amount must be a positive decimal and order_id 1–64 characters; "" is neither.
  await unchanged(async () => {
    for (const f of ['amount', 'order_id', 'uid', 'asset', 'txid']) {
      const r = await withEx({ [f]: '' });
      assert.equal(r.status, 400, `${f}="": ${r.text}`);
      assert.match(r.json.error.message, new RegExp(f));
    }
  });
});

test('bad PATCH bodies → 400 and the ticket is unchanged', async () => {
  await unchanged(async () => {
    const p = (b) => sup.patch('/api/v1/tickets/' + ref, b);
    isErr(await sup.patch('/api/v1/tickets/' + ref, '{"status":', { 'content-type': 'application/json' }), 400, 'bad_json');
    isErr(await sup.patch('/api/v1/tickets/' + ref, '["status"]', { 'content-type': 'application/json' }), 400, 'bad_json');
    for (const b of [{ status: 5 }, { status: 'exploded' }, { priority: 'extreme' }, { tier: 4 }, { tier: 0 }, { tier: '2' },
      { assignee_id: 'me' }, { tags: 'x' }, { subject: 12 }]) {
      const r = await p(b);
      assert.equal(r.status, 400, `${JSON.stringify(b)}: ${r.text}`);
      assert.equal(r.json.error.code, 'invalid_field', JSON.stringify(b));
      assert.match(r.json.error.message, new RegExp(Object.keys(b)[0]));
    }
    const d = await p({ department: 'nowhere' });
    assert.equal(d.status, 400, d.text);
    assert.match(d.json.error.message, /department/);
    isErr(await p({ priority: 'high', bogus: true }), 400, 'unknown_field');
    isErr(await sup.post(`/api/v1/tickets/${ref}/assign`, { assignee_id: 'x' }), 400, 'invalid_field');
    isErr(await sup.post(`/api/v1/tickets/${ref}/assign`, {}), 400, 'missing_field');
  });
});

test('bad message bodies → 400 and no message is added', async () => {
  await unchanged(async () => {
    const m = (b) => cust.post(`/api/v1/tickets/${ref}/messages`, b);
    isErr(await m({}), 400, 'missing_field');
    isErr(await m({ body: 5 }), 400, 'invalid_field');
    isErr(await m({ body: 'x', internal: 'yes' }), 400, 'invalid_field');
    isErr(await m({ body: 'x', attachment_ids: 'one' }), 400, 'invalid_field');
    isErr(await m({ body: 'x', extra: 1 }), 400, 'unknown_field');
    isErr(await cust.post(`/api/v1/tickets/${ref}/messages`, '[', { 'content-type': 'application/json' }), 400, 'bad_json');
    const r = await m({ body: 'x', attachment_ids: [987654] });
    assert.ok(r.status === 400 || r.status === 404, r.text);
  });
});

test('bad auth bodies → 400', async () => {
  const anon = new Client(srv.url);
  isErr(await anon.post('/api/v1/auth/login', '{', { 'content-type': 'application/json' }), 400, 'bad_json');
  isErr(await anon.post('/api/v1/auth/login', { email: 'cust@fd.test' }), 400, 'missing_field');
  isErr(await anon.post('/api/v1/auth/signup', { email: 'x@fd.test', name: 'X', password: 1234567890123 }), 400, 'invalid_field');
  const r = await anon.post('/api/v1/auth/signup', { email: 'not-an-email', name: 'X', password: 'long-enough-pw' });
  assert.equal(r.status, 400, r.text);
  assert.match(r.json.error.message, /email/);
});

test('bad list query parameters → 400', async () => {
  for (const q of ['limit=0', 'limit=101', 'limit=abc', 'cursor=%%%garbage', 'status=exploded', 'assignee=someone']) {
    const r = await sup.get('/api/v1/tickets?' + q);
    assert.equal(r.status, 400, `${q}: ${r.text}`);
    assert.ok(r.json?.error?.code, q);
  }
});

test('a body over 1 MiB → 413 payload_too_large and nothing stored', async () => {
  await unchanged(async () => {
    const big = JSON.stringify({ ...good, subject: 'too big', body: 'a'.repeat(1024 * 1024 + 10) });
    const r = await raw('POST', '/api/v1/tickets', {
      cookie: cust.cookie, 'x-csrf-token': cust.csrf, 'content-type': 'application/json', 'content-length': Buffer.byteLength(big),
    }, big);
    assert.equal(r.status, 413, r.text);
    assert.equal(r.json?.error?.code, 'payload_too_large', r.text);
  });
  // the server is still fine afterwards
  assert.equal((await cust.get('/api/v1/tickets/' + ref)).status, 200);
});

test('a chunked body over 1 MiB → 413', async () => {
  await unchanged(async () => {
    const big = JSON.stringify({ ...good, subject: 'too big chunked', body: 'b'.repeat(1024 * 1024 + 10) });
    const r = await raw('POST', '/api/v1/tickets', {
      cookie: cust.cookie, 'x-csrf-token': cust.csrf, 'content-type': 'application/json', 'transfer-encoding': 'chunked',
    }, big);
    assert.equal(r.status, 413, r.text);
  });
});

test('deeply nested JSON → 400, server survives', async () => {
  await unchanged(async () => {
    const nested = (n) => '['.repeat(n) + ']'.repeat(n);
    const body100 = `{"subject":"deep","body":"b","department":"deposits","tags":${nested(100)}}`;
    const r = await cust.post('/api/v1/tickets', body100, { 'content-type': 'application/json' });
    assert.equal(r.status, 400, r.text);
    const obj = '{"a":'.repeat(100) + '1' + '}'.repeat(100);
    assert.equal((await cust.post('/api/v1/tickets', obj, { 'content-type': 'application/json' })).status, 400);
    const huge = `{"subject":"deeper","body":"b","department":"deposits","tags":${nested(200000)}}`;
    const r2 = await cust.post('/api/v1/tickets', huge, { 'content-type': 'application/json' });
    assert.equal(r2.status, 400, r2.text.slice(0, 200));
  });
  const h = await fetch(srv.url + '/healthz');
  assert.equal(h.status, 200);
});

test('unknown route → 404 JSON not_found', async () => {
  for (const p of ['/api/v1/nope', '/api/v1/tickets/FD-99999999', '/api/v1/tickets/not-a-ref', '/api/v2/tickets', '/api/v1/attachments/999999']) {
    const r = await sup.get(p);
    isErr(r, 404, 'not_found');
    assert.match(r.headers.get('content-type') || '', /application\/json/);
  }
  isErr(await sup.post('/api/v1/tickets/FD-99999999/messages', { body: 'x' }), 404, 'not_found');
  isErr(await sup.patch('/api/v1/tickets/FD-99999999', { priority: 'low' }), 404, 'not_found');
});

test('wrong method → 405 JSON method_not_allowed', async () => {
  await unchanged(async () => {
    for (const [m, p] of [['DELETE', '/api/v1/tickets'], ['PUT', '/api/v1/me'], ['DELETE', '/api/v1/tickets/' + ref],
      ['GET', '/api/v1/auth/login'], ['PATCH', '/api/v1/tickets'], ['POST', '/api/v1/tickets/counts']]) {
      const r = await sup.req(m, p, m === 'GET' || m === 'DELETE' ? undefined : {});
      isErr(r, 405, 'method_not_allowed');
      assert.match(r.headers.get('content-type') || '', /application\/json/, `${m} ${p}`);
      assert.ok(r.headers.get('allow'), `405 must carry an Allow header (${m} ${p})`);
    }
  });
});

test('after all of the above the original ticket is intact', async () => {
  const g = await cust.get('/api/v1/tickets/' + ref);
  assert.equal(g.status, 200);
  assert.equal(g.json.ticket.subject, 'the original');
  assert.equal(g.json.ticket.status, 'new');
  assert.deepEqual(g.json.ticket.exchange, { uid: '123456', txid: null, asset: 'BTC', network: null, amount: null, order_id: null });
  assert.deepEqual(g.json.messages.map((m) => m.body), ['valid body']);
});
