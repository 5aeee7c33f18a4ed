// Attachments: upload, download byte-identical with safe headers, type sniffing, size limit, access.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { deflateSync } from 'node:zlib';
import { startServer, Client } from '../lib/server.mjs';

let srv, custA, custB, agentD, agentT, ref, refB;

function isErr(r, status, code) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error, `JSON error body expected, got: ${r.text}`);
  if (code) assert.equal(r.json.error.code, code, r.text);
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; t[n] = c >>> 0; }
  return t;
})();
function crc32(buf) { let c = 0xffffffff; for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; }
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/** A valid w×h RGBA PNG. */
function png(w = 2, h = 2) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const rows = [];
  for (let y = 0; y < h; y++) { rows.push(Buffer.from([0])); for (let x = 0; x < w; x++) rows.push(Buffer.from([x * 90, y * 90, 200, 255])); }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}
const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(56), Buffer.from('\x03\x00\x3e\x00', 'latin1'), Buffer.alloc(200)]);
const ZIP = Buffer.concat([Buffer.from('PK\x03\x04\x14\x00\x00\x00\x00\x00', 'latin1'), Buffer.alloc(20), Buffer.from('hello.txt'), Buffer.from('hello'),
  Buffer.from('PK\x01\x02', 'latin1'), Buffer.alloc(60), Buffer.from('PK\x05\x06', 'latin1'), Buffer.alloc(18)]);
const HTML = Buffer.from('<!DOCTYPE html><html><head><script>alert(document.cookie)</script></head><body>hi</body></html>\n');

function upload(c, r, bytes, type, filename = 'shot.png') {
  return c.req('POST', `/api/v1/tickets/${r}/attachments?filename=${encodeURIComponent(filename)}`, new Uint8Array(bytes), { 'content-type': type });
}
async function getBytes(c, url) {
  const h = {};
  if (c.cookie) h.cookie = c.cookie;
  const res = await fetch(srv.url + url, { headers: h });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}
/** Raw upload that tolerates an early answer while the body is still being sent. */
function rawUpload(c, r, bytes, type) {
  const u = new URL(srv.url);
  return new Promise((resolve, reject) => {
    let done = false;
    const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: `/api/v1/tickets/${r}/attachments?filename=big.png`,
      headers: { cookie: c.cookie, 'x-csrf-token': c.csrf, 'content-type': type, 'content-length': bytes.length } }, (res) => {
      const chunks = [];
      const finish = () => {
        if (done) return; done = true;
        const text = Buffer.concat(chunks).toString();
        let json = null; try { json = JSON.parse(text); } catch { /* */ }
        resolve({ status: res.statusCode, text, json });
      };
      res.on('data', (d) => chunks.push(d)); res.on('end', finish); res.on('close', finish); res.on('error', finish);
    });
    req.on('error', (e) => { if (!done) { done = true; reject(e); } });
    req.end(bytes);
  });
}

before(async () => {
  srv = await startServer();
  const d = srv.addUser({ email: 'dora@fd.test', role: 'agent', department: 'deposits' });
  const t = srv.addUser({ email: 'tom@fd.test', role: 'agent', department: 'trading' });
  agentD = new Client(srv.url); await agentD.login(d.email, d.password);
  agentT = new Client(srv.url); await agentT.login(t.email, t.password);
  custA = new Client(srv.url); await custA.signup('a@fd.test', 'customer-a-pass');
  custB = new Client(srv.url); await custB.signup('b@fd.test', 'customer-b-pass');
  ref = (await custA.post('/api/v1/tickets', { subject: 'screenshot', body: 'see attached', department: 'deposits' })).json.ticket.reference;
  refB = (await custB.post('/api/v1/tickets', { subject: 'B own', body: 'b', department: 'deposits' })).json.ticket.reference;
});
after(async () => { await srv?.stop(); });

let att;
const PNG = png(3, 2);

test('uploading a real PNG → 201 with attachment metadata', async () => {
  const r = await upload(custA, ref, PNG, 'image/png', 'shot.png');
  assert.equal(r.status, 201, r.text);
  att = r.json.attachment;
  assert.equal(typeof att.id, 'number');
  assert.equal(att.filename, 'shot.png');
  assert.equal(att.content_type, 'image/png');
  assert.equal(att.size, PNG.length);
  assert.equal(att.url, `/api/v1/attachments/${att.id}`);
});

test('GET the attachment → the same bytes, Content-Disposition attachment, nosniff', async () => {
  const r = await getBytes(custA, att.url);
  assert.equal(r.status, 200);
  assert.ok(r.bytes.equals(PNG), 'bytes differ');
  assert.match(r.headers.get('content-disposition') || '', /^attachment;\s*filename="shot\.png"/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.match(r.headers.get('content-type') || '', /^image\/png/);
});

test('an attachment linked to a reply shows up on the message; the agent can download it', async () => {
  const m = await custA.post(`/api/v1/tickets/${ref}/messages`, { body: 'here it is', attachment_ids: [att.id] });
  assert.equal(m.status, 201, m.text);
  assert.deepEqual(m.json.message.attachments.map((a) => a.id), [att.id]);
  const g = await agentD.get('/api/v1/tickets/' + ref);
  const msg = g.json.messages.find((x) => x.body === 'here it is');
  assert.ok(msg);
  assert.equal(msg.attachments[0].filename, 'shot.png');
  assert.equal(msg.attachments[0].size, PNG.length);
  const d = await getBytes(agentD, att.url);
  assert.equal(d.status, 200);
  assert.ok(d.bytes.equals(PNG));
});

test('a plain text file with text/plain and a PDF are accepted', async () => {
  const t = await upload(custA, ref, Buffer.from('wallet address: bc1qexample\nline two\n'), 'text/plain', 'notes.txt');
  assert.equal(t.status, 201, t.text);
  assert.equal(t.json.attachment.content_type, 'text/plain');
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
  const p = await upload(custA, ref, pdf, 'application/pdf', 'statement.pdf');
  assert.equal(p.status, 201, p.text);
  const back = await getBytes(custA, p.json.attachment.url);
  assert.ok(back.bytes.equals(pdf));
  assert.match(back.headers.get('content-disposition') || '', /filename="statement\.pdf"/);
});

test('bytes that are not of the claimed allowed type → 415 unsupported_media_type', async () => {
  for (const [name, bytes, type] of [['html', HTML, 'image/png'], ['elf', ELF, 'image/png'], ['zip', ZIP, 'image/png'],
    ['elf-as-pdf', ELF, 'application/pdf'], ['html-as-jpeg', HTML, 'image/jpeg'], ['zip-as-zip', ZIP, 'application/zip'],
    ['png-declared-html', PNG, 'text/html'], ['png-declared-octet', PNG, 'application/octet-stream']]) {
    const r = await upload(custA, ref, bytes, type, name + '.png');
    isErr(r, 415, 'unsupported_media_type');
  }
  const g = await agentD.get('/api/v1/tickets/' + ref);
  assert.ok(g.json.messages.every((m) => m.attachments.every((a) => !/^(html|elf|zip)/.test(a.filename))));
});

test('the sniffed type is what is stored and served', async () => {
  const r = await upload(custA, ref, PNG, 'image/jpeg', 'photo.jpg');
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.attachment.content_type, 'image/png');
  const g = await getBytes(custA, r.json.attachment.url);
  assert.match(g.headers.get('content-type') || '', /^image\/png/);
  assert.ok(g.bytes.equals(PNG));
});

test('an upload over 10 MiB → 413 payload_too_large; the server stays up', async () => {
  const big = Buffer.concat([PNG, Buffer.alloc(10 * 1024 * 1024 + 1 - PNG.length)]);
  const r = await rawUpload(custA, ref, big, 'image/png');
  assert.equal(r.status, 413, r.text);
  assert.equal(r.json?.error?.code, 'payload_too_large');
  assert.equal((await custA.get('/api/v1/tickets/' + ref)).status, 200);
});

test('customer B and an agent of another department get 404 on A\'s attachment; anonymous gets 401', async () => {
  const b = await custB.get(att.url);
  isErr(b, 404, 'not_found');
  assert.ok(!b.text.includes('PNG'));
  isErr(await agentT.get(att.url), 404, 'not_found');
  isErr(await new Client(srv.url).get(att.url), 401, 'unauthorized');
  isErr(await custA.get('/api/v1/attachments/99999999'), 404, 'not_found');
});

test('customer B cannot link A\'s attachment to their own message', async () => {
  const r = await custB.post(`/api/v1/tickets/${refB}/messages`, { body: 'stealing', attachment_ids: [att.id] });
  assert.ok(r.status === 400 || r.status === 404 || r.status === 403, r.text);
  isErr(await custB.get(att.url), 404, 'not_found');
});

test('an attachment on an internal note is not downloadable by the customer', async () => {
  const up = await upload(agentD, ref, png(1, 1), 'image/png', 'internal.png');
  assert.equal(up.status, 201, up.text);
  const n = await agentD.post(`/api/v1/tickets/${ref}/messages`, { body: 'internal evidence', internal: true, attachment_ids: [up.json.attachment.id] });
  assert.equal(n.status, 201, n.text);
  const r = await custA.get(up.json.attachment.url);
  assert.ok(r.status === 404 || r.status === 403, `customer got ${r.status} for an internal attachment`);
  const g = await custA.get('/api/v1/tickets/' + ref);
  assert.ok(!g.text.includes('internal.png'));
});

test('a hostile filename cannot break the Content-Disposition header', async () => {
  const r = await upload(custA, ref, png(1, 1), 'image/png', 'evil"\r\nSet-Cookie: x=1;.png');
  if (r.status !== 201) { assert.equal(r.status, 400, r.text); return; }
  const d = await getBytes(custA, r.json.attachment.url);
  assert.equal(d.status, 200);
  assert.equal(d.headers.get('set-cookie'), null);
  const cd = d.headers.get('content-disposition');
  assert.match(cd, /^attachment;/);
  assert.doesNotMatch(cd, /filename="evil"/);
});
