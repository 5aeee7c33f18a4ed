// Help center API (docs/kb.md): categories, listing, articles + safe HTML, visibility of drafts,
// editing rights (kb_editor), validation, revisions + restore, render preview, votes, search
// (stemming, typos, prefix, CJK, locale, snippets, hostile queries), deflection and stats.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client, cli } from '../lib/server.mjs';

let srv, tmpDir;
let sup, editor, agent, cust, anon; // Clients
const PW = 'correct-horse-battery';

function isErr(r, status, code) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error, `JSON error body expected, got: ${r.text}`);
  if (code) assert.equal(r.json.error.code, code, r.text);
  assert.ok(typeof r.json.error.message === 'string' && r.json.error.message.length > 0);
}

// The fixture. Note: the plural "withdrawals" appears nowhere, so finding the
// "Withdrawal delays" article with that word proves stemming.
const WD_BODY = [
  'Sometimes a withdrawal takes longer than usual because the blockchain network is congested.',
  '',
  '| Network | Usual time |',
  '|---|---|',
  '| Bitcoin | 30 minutes |',
  '| Ethereum | 5 minutes |',
  '',
  'Never paste <script>stealCookies()</script> into the browser console when a stranger asks.',
  '',
  '[Check the status](javascript:alert(1)) or open your withdrawal history.',
].join('\n');

const A = (o) => ({ type: 'article', category: 'funds', kind: 'article', locale: 'en', tags: [], status: 'published', intent: null, translation_of: null, ...o });
const FIXTURE = [
  '// help center fixture for kb.test.mjs',
  { type: 'category', slug: 'funds', name: 'Funds', description: 'Money in and out', position: 1 },
  { type: 'section', category: 'funds', slug: 'withdrawal-help', name: 'Withdrawal help', description: 'Getting money out', position: 1 },
  { type: 'section', category: 'funds', slug: 'deposits', name: 'Deposits', description: 'Getting money in', position: 2 },
  '',
  A({ section: 'withdrawal-help', slug: 'withdrawal-delays', title: 'Withdrawal delays', body: WD_BODY, tags: ['withdrawal', 'delay'] }),
  A({ section: 'withdrawal-help', slug: 'network-congestion', title: 'Why the blockchain network gets congested', body: 'When many people send transactions at once, miners pick those with higher fees first.' }),
  A({ section: 'withdrawal-help', slug: 'staking-guide-draft', title: 'Staking rewards explained', body: 'Unreleased zirconium staking programme notes.', status: 'draft' }),
  A({ section: 'withdrawal-help', slug: 'old-withdrawal-limits', title: 'Old withdrawal limits (2019)', body: 'These obsolete quartzite limits no longer apply.', status: 'archived' }),
  A({ section: 'deposits', slug: 'deposit-missing', title: 'My deposit has not arrived', body: 'Check the transaction on a block explorer and confirm the destination address.' }),
  A({ section: 'deposits', slug: 'deposit-time', kind: 'faq', title: 'How long does a deposit take?', body: 'Most deposits are credited after the required network confirmations.' }),
  A({ section: 'deposits', slug: 'deposit-memo-tag', title: 'Deposits that need a memo or tag', body: 'XRP, XLM and EOS deposits need the memo shown on the deposit page.' }),
  A({ section: 'deposits', slug: 'reuse-deposit-address', title: 'Can I reuse an old deposit address?', body: 'Yes, your deposit address stays the same unless we tell you otherwise.' }),
  A({ section: 'withdrawal-help', locale: 'es', slug: 'retrasos-en-retiros', title: 'Retrasos en los retiros', body: 'A veces un retiro tarda más de lo habitual porque la red está congestionada.', translation_of: 'withdrawal-delays' }),
  A({ section: 'withdrawal-help', locale: 'zh', slug: 'tixian-yanchi', title: '提现延迟怎么办', body: '如果您的提现延迟超过二十四小时，请联系客服。区块链网络拥堵时需要更长时间。' }),
  A({ section: 'deposits', locale: 'ja', slug: 'nyukin-hanei', title: '入金が反映されない場合', body: '入金が口座に反映されるまで時間がかかることがあります。' }),
].map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('\n') + '\n';

async function login(email, password = PW) { const c = new Client(srv.url); await c.login(email, password); return c; }

/** Asserts the contract for snippets: only <mark>…</mark> may be markup, the rest is escaped. */
function checkSnippets(results) {
  for (const r of results) {
    assert.equal(typeof r.snippet, 'string', JSON.stringify(r));
    assert.doesNotMatch(r.snippet, /<script/i, `raw <script in snippet: ${r.snippet}`);
    const rest = r.snippet.replace(/<\/?mark>/g, '');
    assert.ok(!rest.includes('<') && !rest.includes('>'), `unescaped markup other than <mark> in snippet: ${r.snippet}`);
  }
}

async function search(c, qs) {
  const r = await c.get('/api/v1/kb/search?' + qs);
  assert.equal(r.status, 200, `search ${qs}: ${r.text}`);
  assert.ok(Array.isArray(r.json.results), r.text);
  checkSnippets(r.json.results);
  return r.json.results;
}

const enc = encodeURIComponent;

before(async () => {
  srv = await startServer();
  tmpDir = mkdtempSync(join(tmpdir(), 'fd-kb-'));
  const file = join(tmpDir, 'fixture.jsonl');
  writeFileSync(file, FIXTURE);
  // The CLI runs alongside the server on the same data dir.
  cli(['kb', 'import', file, '--data-dir', srv.dataDir]);
  srv.addUser({ email: 'sup@fd.test', name: 'Sue Pervisor', role: 'supervisor' });
  cli(['user', 'add', '--data-dir', srv.dataDir, '--email', 'eddie@fd.test', '--name', 'Eddie Editor', '--role', 'agent',
    '--department', 'deposits', '--tier', '2', '--kb-editor', '--password-stdin'], { input: PW + '\n' });
  srv.addUser({ email: 'plain@fd.test', name: 'Plain Agent', role: 'agent', department: 'deposits', tier: 2 });
  sup = await login('sup@fd.test');
  editor = await login('eddie@fd.test');
  agent = await login('plain@fd.test');
  cust = new Client(srv.url); await cust.signup('cust@fd.test', PW, 'Carla Customer');
  anon = new Client(srv.url);
});
after(async () => { await srv?.stop(); if (tmpDir) rmSync(tmpDir, { recursive: true, force: true }); });

// --- categories & listing -----------------------------------------------------------------------

test('categories: sections with article_count counting only published articles of the locale', async () => {
  const r = await anon.get('/api/v1/kb/categories');
  assert.equal(r.status, 200, r.text);
  const funds = r.json.categories.find((c) => c.slug === 'funds');
  assert.ok(funds, r.text);
  assert.equal(funds.name, 'Funds');
  assert.equal(funds.description, 'Money in and out');
  const bySlug = Object.fromEntries(funds.sections.map((s) => [s.slug, s]));
  assert.deepEqual(Object.keys(bySlug).sort(), ['deposits', 'withdrawal-help']);
  assert.equal(bySlug['withdrawal-help'].name, 'Withdrawal help');
  assert.equal(bySlug['withdrawal-help'].description, 'Getting money out');
  // en: 2 published (the draft and the archived article do not count; es/zh are other locales)
  assert.equal(bySlug['withdrawal-help'].article_count, 2, r.text);
  assert.equal(bySlug.deposits.article_count, 4, r.text);

  const zh = await anon.get('/api/v1/kb/categories?locale=zh');
  assert.equal(zh.status, 200, zh.text);
  const zs = Object.fromEntries(zh.json.categories.find((c) => c.slug === 'funds').sections.map((s) => [s.slug, s.article_count]));
  assert.deepEqual(zs, { 'withdrawal-help': 1, deposits: 0 });
  const ja = await anon.get('/api/v1/kb/categories?locale=ja');
  const js = Object.fromEntries(ja.json.categories.find((c) => c.slug === 'funds').sections.map((s) => [s.slug, s.article_count]));
  assert.deepEqual(js, { 'withdrawal-help': 0, deposits: 1 });
});

test('list: anonymous visitors see only published articles, even when asking for drafts', async () => {
  const r = await anon.get('/api/v1/kb/articles?limit=100');
  assert.equal(r.status, 200, r.text);
  const slugs = r.json.articles.map((a) => a.slug);
  for (const s of ['withdrawal-delays', 'network-congestion', 'deposit-missing', 'deposit-time', 'retrasos-en-retiros', 'tixian-yanchi', 'nyukin-hanei']) {
    assert.ok(slugs.includes(s), `${s} missing from ${slugs}`);
  }
  assert.ok(!slugs.includes('staking-guide-draft'), 'draft listed to anonymous');
  assert.ok(!slugs.includes('old-withdrawal-limits'), 'archived listed to anonymous');
  for (const a of r.json.articles) assert.equal(a.status, 'published');
  assert.ok('next_cursor' in r.json);
  const wd = r.json.articles.find((a) => a.slug === 'withdrawal-delays');
  for (const k of ['slug', 'locale', 'kind', 'title', 'status', 'category', 'section', 'tags', 'updated_at', 'views', 'helpful_yes', 'helpful_no']) {
    assert.ok(k in wd, `article_summary lacks ${k}`);
  }
  assert.equal(wd.category, 'funds');
  assert.equal(wd.section, 'withdrawal-help');
  assert.deepEqual([...wd.tags].sort(), ['delay', 'withdrawal']);
  assert.equal('body' in wd, false, 'summaries carry no body');

  const d = await anon.get('/api/v1/kb/articles?status=draft&limit=100');
  assert.equal(d.status, 200, d.text);
  assert.ok(!d.json.articles.some((a) => a.status !== 'published'), `anonymous got non-published: ${d.text}`);
  const c = await cust.get('/api/v1/kb/articles?status=archived&limit=100');
  assert.equal(c.status, 200, c.text);
  assert.ok(!c.json.articles.some((a) => a.status !== 'published'), `customer got non-published: ${c.text}`);
});

test('list: a supervisor with status=draft sees the draft (and only drafts)', async () => {
  const r = await sup.get('/api/v1/kb/articles?status=draft&limit=100');
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.articles.some((a) => a.slug === 'staking-guide-draft'), r.text);
  for (const a of r.json.articles) assert.equal(a.status, 'draft');
  const ar = await sup.get('/api/v1/kb/articles?status=archived&limit=100');
  assert.deepEqual(ar.json.articles.map((a) => a.slug), ['old-withdrawal-limits']);
});

test('list filters: section, locale, kind; limit + cursor pages without repeats', async () => {
  const sec = await anon.get('/api/v1/kb/articles?section=deposits&locale=en&limit=100');
  assert.equal(sec.status, 200, sec.text);
  assert.deepEqual(sec.json.articles.map((a) => a.slug).sort(), ['deposit-memo-tag', 'deposit-missing', 'deposit-time', 'reuse-deposit-address']);
  const faq = await anon.get('/api/v1/kb/articles?kind=faq&limit=100');
  assert.deepEqual(faq.json.articles.map((a) => a.slug), ['deposit-time']);
  assert.equal(faq.json.articles[0].kind, 'faq');
  const es = await anon.get('/api/v1/kb/articles?locale=es&limit=100');
  assert.deepEqual(es.json.articles.map((a) => a.slug), ['retrasos-en-retiros']);

  const seen = [];
  let cursor = null;
  for (let i = 0; i < 20; i++) {
    const r = await anon.get('/api/v1/kb/articles?locale=en&limit=2' + (cursor ? '&cursor=' + enc(cursor) : ''));
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.articles.length <= 2);
    seen.push(...r.json.articles.map((a) => a.slug));
    cursor = r.json.next_cursor;
    if (!cursor) break;
  }
  assert.equal(new Set(seen).size, seen.length, `repeats across pages: ${seen}`);
  assert.deepEqual([...seen].sort(), ['deposit-memo-tag', 'deposit-missing', 'deposit-time', 'network-congestion', 'reuse-deposit-address', 'withdrawal-delays']);
});

// --- one article -------------------------------------------------------------------------------

test('get article: Markdown body, safe HTML with a GFM table, translations listed', async () => {
  const r = await anon.get('/api/v1/kb/articles/withdrawal-delays');
  assert.equal(r.status, 200, r.text);
  const a = r.json.article;
  assert.equal(a.slug, 'withdrawal-delays');
  assert.equal(a.locale, 'en');
  assert.equal(a.title, 'Withdrawal delays');
  assert.equal(a.body, WD_BODY);
  assert.equal(typeof a.html, 'string');
  assert.match(a.html, /<table>/);
  assert.match(a.html, /<td>Bitcoin<\/td>/);
  assert.match(a.html, /<th>Network<\/th>/);
  assert.doesNotMatch(a.html, /<script/i, 'raw <script> survived rendering');
  assert.doesNotMatch(a.html, /stealCookies\(\)<\/script/i);
  assert.doesNotMatch(a.html, /javascript:/i, 'javascript: link survived rendering');
  assert.match(a.html, /Check the status/, 'the link text itself stays');
  assert.equal(a.revision, 1);
  assert.equal(a.intent, null);
  assert.deepEqual(a.translations, [{ locale: 'es', slug: 'retrasos-en-retiros' }]);

  const es = await anon.get('/api/v1/kb/articles/retrasos-en-retiros?locale=es');
  assert.equal(es.status, 200, es.text);
  assert.equal(es.json.article.locale, 'es');
  assert.deepEqual(es.json.article.translations, [{ locale: 'en', slug: 'withdrawal-delays' }]);
  // slugs are per locale: the es slug does not exist in en (the default)
  isErr(await anon.get('/api/v1/kb/articles/retrasos-en-retiros'), 404, 'not_found');
  const zh = await anon.get('/api/v1/kb/articles/tixian-yanchi?locale=zh');
  assert.equal(zh.status, 200, zh.text);
  assert.match(zh.json.article.title, /提现延迟/);
  isErr(await anon.get('/api/v1/kb/articles/no-such-article'), 404, 'not_found');
});

test('draft and archived articles: 404 for anonymous and customers, 200 for editors', async () => {
  for (const slug of ['staking-guide-draft', 'old-withdrawal-limits']) {
    isErr(await anon.get('/api/v1/kb/articles/' + slug), 404, 'not_found');
    isErr(await cust.get('/api/v1/kb/articles/' + slug), 404, 'not_found');
    isErr(await agent.get('/api/v1/kb/articles/' + slug), 404, 'not_found'); // a plain agent is no editor
    for (const c of [editor, sup]) {
      const r = await c.get('/api/v1/kb/articles/' + slug);
      assert.equal(r.status, 200, `${slug}: ${r.text}`);
      assert.equal(r.json.article.slug, slug);
    }
  }
});

// --- editing rights ----------------------------------------------------------------------------

const newArticle = (slug, extra = {}) => ({
  category: 'funds', section: 'deposits', slug, title: 'Editor article ' + slug, body: 'Some **bold** words.', tags: ['editor'], status: 'published', ...extra,
});

test('a kb_editor agent creates and patches an article', async () => {
  const r = await editor.post('/api/v1/kb/articles', newArticle('by-editor', { kind: 'faq', intent: 'card_arrival' }));
  assert.equal(r.status, 201, r.text);
  const a = r.json.article;
  assert.equal(a.slug, 'by-editor');
  assert.equal(a.locale, 'en');
  assert.equal(a.kind, 'faq');
  assert.equal(a.status, 'published');
  assert.equal(a.intent, 'card_arrival');
  assert.equal(a.revision, 1);
  assert.equal(a.author.id, editor.user.id);
  assert.match(a.html, /<strong>bold<\/strong>/);
  const g = await anon.get('/api/v1/kb/articles/by-editor');
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.article.body, 'Some **bold** words.');

  const p = await editor.patch('/api/v1/kb/articles/by-editor', { title: 'Edited by Eddie', tags: ['edited', 'editor'] });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.article.title, 'Edited by Eddie');
  assert.equal(p.json.article.revision, 2);
  assert.equal(p.json.article.body, 'Some **bold** words.', 'PATCH keeps fields it was not given');
  assert.deepEqual([...p.json.article.tags].sort(), ['edited', 'editor']);
  const g2 = await anon.get('/api/v1/kb/articles/by-editor');
  assert.equal(g2.json.article.title, 'Edited by Eddie');

  // unpublishing hides it from the public again
  const u = await editor.patch('/api/v1/kb/articles/by-editor', { status: 'draft' });
  assert.equal(u.status, 200, u.text);
  isErr(await anon.get('/api/v1/kb/articles/by-editor'), 404, 'not_found');
});

test('a supervisor creates (default status draft) and patches an article', async () => {
  const body = newArticle('by-supervisor');
  delete body.status;
  const r = await sup.post('/api/v1/kb/articles', body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.article.status, 'draft');
  assert.equal(r.json.article.kind, 'article');
  isErr(await anon.get('/api/v1/kb/articles/by-supervisor'), 404, 'not_found');
  const p = await sup.patch('/api/v1/kb/articles/by-supervisor', { status: 'published', section: 'withdrawal-help', category: 'funds' });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.article.section, 'withdrawal-help');
  const g = await anon.get('/api/v1/kb/articles/by-supervisor');
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.article.section, 'withdrawal-help');
  // a translation created through the API shows up on both sides
  const t = await sup.post('/api/v1/kb/articles', { ...newArticle('por-supervisor', { locale: 'es', translation_of: 'by-supervisor' }) });
  assert.equal(t.status, 201, t.text);
  const g2 = await anon.get('/api/v1/kb/articles/by-supervisor');
  assert.deepEqual(g2.json.article.translations, [{ locale: 'es', slug: 'por-supervisor' }]);
});

test('without kb_editor: plain agent 403, customer 403, anonymous 401 (create, patch, revisions, restore, render)', async () => {
  const before = await sup.get('/api/v1/kb/articles/network-congestion');
  const calls = [
    (c) => c.post('/api/v1/kb/articles', newArticle('should-not-exist')),
    (c) => c.patch('/api/v1/kb/articles/network-congestion', { title: 'Hijacked' }),
    (c) => c.get('/api/v1/kb/articles/network-congestion/revisions'),
    (c) => c.get('/api/v1/kb/articles/network-congestion/revisions/1'),
    (c) => c.post('/api/v1/kb/articles/network-congestion/restore', { revision: 1 }),
    (c) => c.post('/api/v1/kb/render', { body: '# hi' }),
  ];
  for (const call of calls) {
    isErr(await call(agent), 403, 'forbidden');
    isErr(await call(cust), 403, 'forbidden');
    isErr(await call(anon), 401, 'unauthorized');
  }
  isErr(await sup.get('/api/v1/kb/articles/should-not-exist'), 404, 'not_found');
  const afterwards = await sup.get('/api/v1/kb/articles/network-congestion');
  assert.equal(afterwards.json.article.title, before.json.article.title);
  assert.equal(afterwards.json.article.revision, before.json.article.revision);
});

test('a bearer API token cannot edit the help center (403), even a supervisor\'s', async () => {
  const t = await sup.post('/api/v1/tokens', { name: 'kb robot', scopes: ['tickets:read', 'tickets:write', 'users:read'] });
  assert.equal(t.status, 201, t.text);
  const b = new Client(srv.url);
  b.bearer = t.json.token;
  isErr(await b.post('/api/v1/kb/articles', newArticle('via-token')), 403);
  isErr(await b.patch('/api/v1/kb/articles/network-congestion', { title: 'via token' }), 403);
  isErr(await b.post('/api/v1/kb/articles/network-congestion/restore', { revision: 1 }), 403);
  isErr(await sup.get('/api/v1/kb/articles/via-token'), 404, 'not_found');
  // the token still reads public content
  const g = await b.get('/api/v1/kb/articles/network-congestion');
  assert.equal(g.status, 200, g.text);
  assert.notEqual(g.json.article.title, 'via token');
});

test('validation: bad slug, status, locale, kind, unknown section → 400 naming the field; duplicate slug → 409', async () => {
  const cases = [
    [{ slug: 'Bad Slug!' }, /slug/],
    [{ slug: 'x'.repeat(81) }, /slug/],
    [{ status: 'live' }, /status/],
    [{ kind: 'howto' }, /kind/],
    [{ locale: 'EN-us' }, /locale/],
    [{ section: 'no-such-section' }, /section/],
    [{ title: 't'.repeat(201) }, /title/],
  ];
  for (const [i, [extra, field]] of cases.entries()) {
    const r = await editor.post('/api/v1/kb/articles', newArticle('valid-slug-' + i, extra));
    isErr(r, 400, 'invalid_field');
    assert.match(r.json.error.message, field, `${JSON.stringify(extra)} → ${r.text}`);
  }
  const unk = await editor.post('/api/v1/kb/articles', { ...newArticle('valid-slug-x'), colour: 'red' });
  isErr(unk, 400, 'unknown_field');
  const miss = await editor.post('/api/v1/kb/articles', { category: 'funds', section: 'deposits', slug: 'no-title', body: 'x' });
  isErr(miss, 400);
  assert.match(miss.json.error.message, /title/);
  const p = await editor.patch('/api/v1/kb/articles/network-congestion', { status: 'live' });
  isErr(p, 400, 'invalid_field');
  assert.match(p.json.error.message, /status/);
  const ps = await editor.patch('/api/v1/kb/articles/network-congestion', { section: 'nowhere', category: 'funds' });
  isErr(ps, 400, 'invalid_field');
  assert.match(ps.json.error.message, /section/);
  isErr(await editor.patch('/api/v1/kb/articles/no-such-article', { title: 'x' }), 404, 'not_found');
  // nothing from the rejected requests was stored
  for (let i = 0; i < cases.length; i++) {
    const g = await sup.get('/api/v1/kb/articles/valid-slug-' + i);
    assert.equal(g.status, 404, `valid-slug-${i} was stored: ${g.text}`);
  }

  const dup = await editor.post('/api/v1/kb/articles', newArticle('withdrawal-delays'));
  isErr(dup, 409, 'conflict');
  const g = await anon.get('/api/v1/kb/articles/withdrawal-delays');
  assert.equal(g.json.article.title, 'Withdrawal delays', 'the duplicate did not overwrite');
  // the same slug in another locale is fine
  const other = await editor.post('/api/v1/kb/articles', newArticle('withdrawal-delays', { locale: 'de', title: 'Auszahlungsverzögerungen' }));
  assert.equal(other.status, 201, other.text);
  assert.equal(other.json.article.locale, 'de');
});

// --- revisions ---------------------------------------------------------------------------------

test('revisions: the list grows with each PATCH, revision n keeps the old body, restore saves a NEW revision', async () => {
  const c = await editor.post('/api/v1/kb/articles', newArticle('rev-test', { title: 'Original title', body: 'Original body text.' }));
  assert.equal(c.status, 201, c.text);
  const revs = async () => {
    const r = await editor.get('/api/v1/kb/articles/rev-test/revisions');
    assert.equal(r.status, 200, r.text);
    return r.json.revisions;
  };
  assert.equal((await revs()).length, 1);
  let p = await editor.patch('/api/v1/kb/articles/rev-test', { title: 'Second title', body: 'Second body text.' });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.article.revision, 2);
  assert.equal((await revs()).length, 2);
  p = await sup.patch('/api/v1/kb/articles/rev-test', { title: 'Third title' });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.article.revision, 3);
  const list = await revs();
  assert.equal(list.length, 3);
  assert.deepEqual(list.map((r) => r.revision).sort(), [1, 2, 3]);
  const byN = Object.fromEntries(list.map((r) => [r.revision, r]));
  assert.equal(byN[1].title, 'Original title');
  assert.equal(byN[2].title, 'Second title');
  assert.equal(byN[3].title, 'Third title');
  assert.ok(byN[3].author && byN[3].author.id === sup.user.id, JSON.stringify(byN[3]));
  assert.ok(byN[1].author && byN[1].author.id === editor.user.id, JSON.stringify(byN[1]));
  for (const r of list) { assert.equal(typeof r.created_at, 'string'); assert.equal(r.status, 'published'); }

  const one = await editor.get('/api/v1/kb/articles/rev-test/revisions/1');
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.revision.revision, 1);
  assert.equal(one.json.revision.title, 'Original title');
  assert.equal(one.json.revision.body, 'Original body text.');
  assert.equal(one.json.revision.status, 'published');
  assert.deepEqual(one.json.revision.tags, ['editor']);
  const two = await editor.get('/api/v1/kb/articles/rev-test/revisions/2');
  assert.equal(two.json.revision.body, 'Second body text.');
  isErr(await editor.get('/api/v1/kb/articles/rev-test/revisions/99'), 404, 'not_found');

  const rs = await editor.post('/api/v1/kb/articles/rev-test/restore', { revision: 1 });
  assert.equal(rs.status, 200, rs.text);
  assert.equal(rs.json.article.title, 'Original title');
  assert.equal(rs.json.article.body, 'Original body text.');
  assert.equal(rs.json.article.revision, 4, 'restore saves a new revision');
  const after = await revs();
  assert.equal(after.length, 4);
  assert.equal(after.find((r) => r.revision === 4).title, 'Original title');
  const g = await anon.get('/api/v1/kb/articles/rev-test');
  assert.equal(g.json.article.title, 'Original title');
  assert.equal(g.json.article.body, 'Original body text.');
  // revision 3 is still there, untouched
  const three = await editor.get('/api/v1/kb/articles/rev-test/revisions/3');
  assert.equal(three.json.revision.title, 'Third title');
  isErr(await editor.post('/api/v1/kb/articles/rev-test/restore', { revision: 42 }), 404);
});

// --- render ------------------------------------------------------------------------------------

test('render: editors get safe HTML for a live preview', async () => {
  const md = '# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2)) ~~old~~ https://example.com';
  for (const c of [editor, sup]) {
    const r = await c.post('/api/v1/kb/render', { body: md });
    assert.equal(r.status, 200, r.text);
    assert.match(r.json.html, /<h1>Title<\/h1>/);
    assert.match(r.json.html, /<table>/);
    assert.match(r.json.html, /<del>old<\/del>/);
    assert.match(r.json.html, /<a href="https:\/\/example\.com">/, 'GFM autolink');
    assert.doesNotMatch(r.json.html, /<script/i);
    assert.doesNotMatch(r.json.html, /javascript:/i);
  }
  isErr(await editor.post('/api/v1/kb/render', {}), 400);
});

// --- votes -------------------------------------------------------------------------------------

async function statsFor(slug) {
  const s = await sup.get('/api/v1/kb/stats');
  assert.equal(s.status, 200, s.text);
  const a = s.json.articles.find((x) => x.slug === slug);
  assert.ok(a, `${slug} not in stats: ${s.text}`);
  return a;
}

test('vote: anonymous allowed (204); helpful_yes/no increase in stats and in the article JSON', async () => {
  const s0 = await statsFor('network-congestion');
  const a0 = (await anon.get('/api/v1/kb/articles/network-congestion')).json.article;
  assert.equal(a0.helpful_yes, s0.helpful_yes);
  const v = await anon.post('/api/v1/kb/articles/network-congestion/vote', { helpful: true });
  assert.equal(v.status, 204, v.text);
  assert.equal(v.text, '');
  const v2 = await cust.post('/api/v1/kb/articles/network-congestion/vote', { helpful: true });
  assert.equal(v2.status, 204, v2.text);
  const v3 = await anon.post('/api/v1/kb/articles/network-congestion/vote', { helpful: false });
  assert.equal(v3.status, 204, v3.text);
  const s1 = await statsFor('network-congestion');
  assert.equal(s1.helpful_yes, s0.helpful_yes + 2);
  assert.equal(s1.helpful_no, s0.helpful_no + 1);
  assert.equal(typeof s1.views, 'number');
  assert.equal(s1.title, 'Why the blockchain network gets congested');
  const a1 = (await anon.get('/api/v1/kb/articles/network-congestion')).json.article;
  assert.equal(a1.helpful_yes, a0.helpful_yes + 2);
  assert.equal(a1.helpful_no, a0.helpful_no + 1);
  const l = await anon.get('/api/v1/kb/articles?section=withdrawal-help&locale=en&limit=100');
  assert.equal(l.json.articles.find((x) => x.slug === 'network-congestion').helpful_yes, a0.helpful_yes + 2);

  isErr(await anon.post('/api/v1/kb/articles/network-congestion/vote', {}), 400);
  isErr(await anon.post('/api/v1/kb/articles/network-congestion/vote', { helpful: 'yes' }), 400);
  isErr(await anon.post('/api/v1/kb/articles/staking-guide-draft/vote', { helpful: true }), 404);
  isErr(await anon.post('/api/v1/kb/articles/no-such-article/vote', { helpful: true }), 404);
});

// --- search ------------------------------------------------------------------------------------

test('search: stemming ("withdrawals" finds "Withdrawal delays"), results carry the documented fields', async () => {
  const res = await search(anon, 'q=withdrawals');
  const hit = res.find((r) => r.slug === 'withdrawal-delays');
  assert.ok(hit, `stemming: ${JSON.stringify(res)}`);
  assert.equal(hit.title, 'Withdrawal delays');
  assert.equal(hit.locale, 'en');
  assert.equal(hit.kind, 'article');
  assert.equal(typeof hit.score, 'number');
  assert.equal(typeof hit.url, 'string');
  assert.ok(hit.url.length > 0);
  assert.match(hit.snippet, /<mark>/, `snippet: ${hit.snippet}`);
  // drafts and archived articles are never search results
  for (const q of ['withdrawal', 'zirconium', 'quartzite', 'staking']) {
    const r = await search(anon, 'q=' + q);
    assert.ok(!r.some((x) => ['staking-guide-draft', 'old-withdrawal-limits'].includes(x.slug)), `${q}: ${JSON.stringify(r)}`);
  }
  assert.deepEqual(await search(anon, 'q=zirconium'), []);
  // scores best first
  for (let i = 1; i < res.length; i++) assert.ok(res[i - 1].score >= res[i].score, 'results ordered by score');
  // limit
  const one = await search(anon, 'q=deposit&limit=1');
  assert.equal(one.length, 1);
  isErr(await anon.get('/api/v1/kb/search?q=deposit&limit=51'), 400);
  isErr(await anon.get('/api/v1/kb/search?q=deposit&limit=0'), 400);
});

test('search: typo tolerance ("withdrawl"), snippets with <mark> and no raw <script', async () => {
  const res = await search(anon, 'q=withdrawl');
  assert.ok(res.some((r) => r.slug === 'withdrawal-delays'), `typo: ${JSON.stringify(res)}`);
  const c = await search(anon, 'q=congested');
  // the word is in the body of withdrawal-delays (in network-congestion only in the title)
  const hit = c.find((r) => r.slug === 'withdrawal-delays');
  assert.ok(hit, JSON.stringify(c));
  assert.match(hit.snippet, /<mark>[^<]*<\/mark>/);
  // words right next to the raw <script> in the body: the snippet must be escaped
  for (const q of ['paste', 'stealCookies', 'console stranger', 'script']) {
    const r = await search(anon, 'q=' + enc(q));
    for (const x of r) assert.doesNotMatch(x.snippet, /<script/i);
  }
  const p = await search(anon, 'q=paste');
  assert.ok(p.some((r) => r.slug === 'withdrawal-delays'), JSON.stringify(p));
});

test('suggest: prefix "withdr" → suggestions with titles, at most 8', async () => {
  const r = await anon.get('/api/v1/kb/suggest?q=withdr');
  assert.equal(r.status, 200, r.text);
  const s = r.json.suggestions;
  assert.ok(Array.isArray(s) && s.length <= 8, r.text);
  const hit = s.find((x) => x.slug === 'withdrawal-delays');
  assert.ok(hit, r.text);
  assert.equal(hit.title, 'Withdrawal delays');
  assert.equal(typeof hit.url, 'string');
  const d = await anon.get('/api/v1/kb/suggest?q=depo');
  assert.equal(d.status, 200, d.text);
  assert.ok(d.json.suggestions.length >= 2 && d.json.suggestions.length <= 8, d.text);
  assert.ok(d.json.suggestions.some((x) => x.slug === 'deposit-missing'), d.text);
  isErr(await anon.get('/api/v1/kb/suggest?q='), 400);
});

test('search: CJK ("提现" finds the zh article) and the locale filter', async () => {
  const zh = await search(anon, 'q=' + enc('提现'));
  const hit = zh.find((r) => r.slug === 'tixian-yanchi');
  assert.ok(hit, `CJK: ${JSON.stringify(zh)}`);
  assert.equal(hit.locale, 'zh');
  assert.match(hit.snippet, /<mark>/);
  const zh2 = await search(anon, 'q=' + enc('提现延迟') + '&locale=zh');
  assert.ok(zh2.some((r) => r.slug === 'tixian-yanchi'), JSON.stringify(zh2));
  for (const r of zh2) assert.equal(r.locale, 'zh');
  const ja = await search(anon, 'q=' + enc('入金'));
  assert.ok(ja.some((r) => r.slug === 'nyukin-hanei'), `ja: ${JSON.stringify(ja)}`);

  // locale filter: the zh article is not found when searching en only
  const en = await search(anon, 'q=' + enc('提现') + '&locale=en');
  assert.ok(!en.some((r) => r.slug === 'tixian-yanchi'), JSON.stringify(en));
  const wen = await search(anon, 'q=withdrawal&locale=en');
  assert.ok(wen.length > 0);
  for (const r of wen) assert.equal(r.locale, 'en');
  const es = await search(anon, 'q=retrasos&locale=es');
  assert.deepEqual(es.map((r) => r.slug), ['retrasos-en-retiros']);
  assert.equal(es[0].locale, 'es');
  assert.deepEqual(await search(anon, 'q=retrasos&locale=en'), []);
  isErr(await anon.get('/api/v1/kb/search?q=x&locale=EN_us'), 400);
});

test('search: empty q → 400, 201+ chars → 400 query_too_long, 200 chars is fine', async () => {
  for (const q of ['', '%20%20%20']) {
    isErr(await anon.get('/api/v1/kb/search?q=' + q), 400);
  }
  isErr(await anon.get('/api/v1/kb/search'), 400);
  isErr(await anon.get('/api/v1/kb/search?q=' + 'a'.repeat(201)), 400, 'query_too_long');
  isErr(await anon.get('/api/v1/kb/search?q=' + enc('withdrawal '.repeat(30))), 400, 'query_too_long');
  isErr(await anon.get('/api/v1/kb/suggest?q=' + 'a'.repeat(201)), 400, 'query_too_long');
  await search(anon, 'q=' + 'a'.repeat(200));
  await search(anon, 'q=' + enc('   ' + 'b'.repeat(200) + '   ')); // 200 after trimming
});

test('search: FTS syntax characters are plain text → 200, never 500', async () => {
  const nasty = ['"', '*', '(', ')', 'NEAR(', 'NEAR(withdrawal deposit, 2)', 'title:', 'title:withdrawal', 'body:x',
    'AND OR NOT', 'AND', 'NOT deposit', 'deposit OR', '^', '^withdrawal', 'withdrawal*', '"withdrawal', 'withdrawal"',
    '{title body}: x', '-', '+', ':', "'", '\\', '%', '_', ';--', 'a"b*c(d)e^f', '* * *', '(((', '""""', 'NEAR',
    '提现*', '"提现', 'é"'];
  for (const q of nasty) {
    for (const path of ['/api/v1/kb/search', '/api/v1/kb/suggest']) {
      const r = await anon.get(path + '?q=' + enc(q));
      assert.ok(r.status === 200 || (r.status === 400 && q.trim() === ''),
        `${path} q=${JSON.stringify(q)} → ${r.status} ${r.text}`);
      assert.notEqual(r.status, 500);
      if (r.status === 200) {
        const arr = r.json.results || r.json.suggestions;
        assert.ok(Array.isArray(arr), r.text);
        if (r.json.results) checkSnippets(r.json.results);
      }
    }
  }
  // a query that merely contains syntax still finds the plain words
  const r = await search(anon, 'q=' + enc('title:withdrawal'));
  assert.ok(r.some((x) => x.slug === 'withdrawal-delays'), JSON.stringify(r));
  const health = await anon.get('/healthz');
  assert.equal(health.status, 200);
});

// --- deflection & stats ------------------------------------------------------------------------

async function deflection() {
  const s = await sup.get('/api/v1/kb/stats');
  assert.equal(s.status, 200, s.text);
  return s.json.deflection;
}

test('deflection: token, relevant articles, opened, filed vs deflected in stats', async () => {
  const d0 = await deflection();
  for (const k of ['shown', 'opened', 'filed', 'deflected', 'rate']) assert.equal(typeof d0[k], 'number', k);

  // draft 1: shown, opened, then the customer files a ticket anyway
  const r1 = await cust.post('/api/v1/kb/deflect', { text: 'My withdrawal has been delayed for two days', channel: 'ticket' });
  assert.equal(r1.status, 200, r1.text);
  const token = r1.json.token;
  assert.equal(typeof token, 'string');
  assert.ok(token.length >= 16, token);
  const arts = r1.json.articles;
  assert.ok(Array.isArray(arts) && arts.length > 0, r1.text);
  assert.ok(arts.some((a) => a.slug === 'withdrawal-delays'), `relevant articles: ${r1.text}`);
  for (const a of arts) {
    for (const k of ['slug', 'title', 'url', 'snippet']) assert.ok(k in a, `${k} in ${JSON.stringify(a)}`);
    assert.doesNotMatch(a.snippet, /<script/i);
  }
  const again = await cust.post('/api/v1/kb/deflect', { text: 'My withdrawal has been delayed for two days now, still pending', channel: 'ticket', token });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.token, token, 'posting with the token keeps it');
  const op = await cust.post(`/api/v1/kb/deflect/${token}/opened`, { slug: 'withdrawal-delays' });
  assert.equal(op.status, 204, op.text);
  const t = await cust.post('/api/v1/tickets', { subject: 'Withdrawal delayed', body: 'Still not arrived', department: 'deposits', deflection_token: token });
  assert.equal(t.status, 201, t.text);

  const d1 = await deflection();
  assert.equal(d1.shown, d0.shown + 1, `the re-post with the token is the same draft: ${JSON.stringify(d1)}`);
  assert.equal(d1.opened, d0.opened + 1, JSON.stringify(d1));
  assert.equal(d1.filed, d0.filed + 1, JSON.stringify(d1));
  assert.equal(d1.deflected, d0.deflected, JSON.stringify(d1));

  // draft 2 (anonymous visitor): shown, an article opened, no ticket → deflected
  const r2 = await anon.post('/api/v1/kb/deflect', { text: 'deposit memo tag missing', channel: 'chat' });
  assert.equal(r2.status, 200, r2.text);
  assert.notEqual(r2.json.token, token, 'a new draft gets a new token');
  const op2 = await anon.post(`/api/v1/kb/deflect/${r2.json.token}/opened`, { slug: 'deposit-memo-tag' });
  assert.equal(op2.status, 204, op2.text);
  // draft 3: shown only, nothing opened, no ticket → neither filed nor deflected
  const r3 = await anon.post('/api/v1/kb/deflect', { text: 'network congestion fees', channel: 'ticket' });
  assert.equal(r3.status, 200, r3.text);

  const d2 = await deflection();
  assert.equal(d2.shown, d0.shown + 3, JSON.stringify(d2));
  assert.equal(d2.opened, d0.opened + 2, JSON.stringify(d2));
  assert.equal(d2.filed, d0.filed + 1, JSON.stringify(d2));
  assert.equal(d2.deflected, d0.deflected + 1, JSON.stringify(d2));
  assert.ok(d2.rate > 0 && d2.rate <= 1, JSON.stringify(d2));

  isErr(await anon.post('/api/v1/kb/deflect', { text: 'x', channel: 'email' }), 400);
  isErr(await anon.post('/api/v1/kb/deflect', { channel: 'ticket' }), 400);
  const bad = await anon.post(`/api/v1/kb/deflect/${r2.json.token}/opened`, { slug: 'staking-guide-draft' });
  assert.equal(bad.status, 404, `opening a draft through deflection: ${bad.text}`);
});

test('stats: agents only (customer 403, anonymous 401, plain agent 200)', async () => {
  isErr(await cust.get('/api/v1/kb/stats'), 403, 'forbidden');
  isErr(await anon.get('/api/v1/kb/stats'), 401, 'unauthorized');
  const a = await agent.get('/api/v1/kb/stats');
  assert.equal(a.status, 200, a.text);
  assert.ok(Array.isArray(a.json.articles));
  const wd = a.json.articles.find((x) => x.slug === 'withdrawal-delays');
  assert.ok(wd, a.text);
  for (const k of ['slug', 'title', 'views', 'helpful_yes', 'helpful_no']) assert.ok(k in wd, k);
});
