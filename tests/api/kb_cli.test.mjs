// `frontdesk kb` on the command line (docs/kb.md): help, all-or-nothing import with FILE:LINE
// errors, export → re-import round trip, reindex, and directory imports in name order.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client, cliResult } from '../lib/server.mjs';

const dirs = [];
function tmp() { const d = mkdtempSync(join(tmpdir(), 'fd-kbcli-')); dirs.push(d); return d; }
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const jsonl = (rows) => rows.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('\n') + '\n';
function writeJsonl(dir, name, rows) { const f = join(dir, name); writeFileSync(f, jsonl(rows)); return f; }

const CAT = { type: 'category', slug: 'funds', name: 'Funds', description: 'Money in and out', position: 1 };
const SEC_W = { type: 'section', category: 'funds', slug: 'withdrawal-help', name: 'Withdrawal help', description: 'Out', position: 1 };
const SEC_D = { type: 'section', category: 'funds', slug: 'deposits', name: 'Deposits', description: 'In', position: 2 };
const art = (o) => ({ type: 'article', category: 'funds', section: 'withdrawal-help', kind: 'article', locale: 'en', tags: [], status: 'published', intent: null, translation_of: null, ...o });

const GOOD = [
  '// a comment line',
  CAT, SEC_W, SEC_D,
  '',
  art({ slug: 'withdrawal-delays', title: 'Withdrawal delays', body: 'A withdrawal can wait for confirmations.\n\n| a | b |\n|---|---|\n| 1 | 2 |', tags: ['withdrawal', 'delay'] }),
  art({ slug: 'network-fees', title: 'Network fees explained', body: 'Fees go to miners.', intent: 'transfer_fee_charged' }),
  art({ slug: 'unfinished', title: 'Unfinished draft', body: 'Work in progress.', status: 'draft' }),
  art({ slug: 'retired', title: 'Retired article', body: 'Old news.', status: 'archived' }),
  art({ section: 'deposits', slug: 'deposit-time', kind: 'faq', title: 'How long does a deposit take?', body: 'Usually minutes.' }),
  art({ locale: 'es', slug: 'retrasos-en-retiros', title: 'Retrasos en los retiros', body: 'Un retiro puede esperar.', translation_of: 'withdrawal-delays' }),
  art({ locale: 'zh', slug: 'tixian-yanchi', title: '提现延迟', body: '提现延迟的原因。' }),
  art({ locale: 'ja', section: 'deposits', slug: 'nyukin', title: '入金について', body: '入金の反映。' }),
];
const PUBLISHED = 6; // everything in GOOD except the draft and the archived article

function kb(args, dataDir) { return cliResult(['kb', ...args, '--data-dir', dataDir]); }
function exportRows(dataDir) {
  const r = kb(['export'], dataDir);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}
function importOk(file, dataDir) {
  const r = kb(['import', file], dataDir);
  assert.equal(r.status, 0, `import ${file}: ${r.stderr}`);
  return r;
}

test('kb --help and kb import --help exit 0 and describe the subcommands', () => {
  const h = cliResult(['kb', '--help']);
  assert.equal(h.status, 0, h.stderr);
  for (const w of ['import', 'export', 'reindex']) assert.match(h.stdout, new RegExp(`\\b${w}\\b`));
  const i = cliResult(['kb', 'import', '--help']);
  assert.equal(i.status, 0, i.stderr);
  assert.match(i.stdout, /import/);
  const bad = cliResult(['kb', 'frobnicate']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /frobnicate|unknown|usage/i);
});

test('import: malformed JSON on line 3 → non-zero, stderr names FILE:3:, nothing imported', () => {
  const d = tmp();
  const data = join(d, 'data');
  const file = writeJsonl(d, 'broken.jsonl', [
    CAT, SEC_W,
    '{"type":"article", "slug": oops',
    art({ slug: 'never-here', title: 'Never here', body: 'x' }),
  ]);
  const r = kb(['import', file], data);
  assert.notEqual(r.status, 0, `import of a malformed file succeeded: ${r.stdout}`);
  assert.ok(r.stderr.includes(file + ':3:'), `stderr should name ${file}:3: — got ${r.stderr}`);
  const rows = exportRows(data);
  assert.deepEqual(rows, [], `the good lines 1-2 were imported anyway: ${JSON.stringify(rows)}`);
});

test('import: a failed run leaves an existing help center exactly as it was', async () => {
  const d = tmp();
  const data = join(d, 'data');
  importOk(writeJsonl(d, 'good.jsonl', GOOD), data);
  const before = exportRows(data);
  const file = writeJsonl(d, 'update.jsonl', [
    { ...CAT, name: 'Renamed funds' },
    art({ slug: 'withdrawal-delays', title: 'Changed title', body: 'changed' }),
    art({ slug: 'brand-new', title: 'Brand new', body: 'new' }),
    '{not json at all',
  ]);
  const r = kb(['import', file], data);
  assert.notEqual(r.status, 0);
  assert.ok(r.stderr.includes(file + ':4:'), r.stderr);
  assert.deepEqual(exportRows(data), before, 'a failed import changed the data');
});

test('import: line numbers count comments and blank lines; a bad type is reported', () => {
  const d = tmp();
  const file = writeJsonl(d, 'c.jsonl', ['// comment', '', CAT, { type: 'widget', slug: 'x' }]);
  const r = kb(['import', file], join(d, 'data'));
  assert.notEqual(r.status, 0);
  assert.ok(r.stderr.includes(file + ':4:'), r.stderr);
  const arr = writeJsonl(d, 'arr.jsonl', [CAT, '[1,2,3]']);
  const r2 = kb(['import', arr], join(d, 'data'));
  assert.notEqual(r2.status, 0);
  assert.ok(r2.stderr.includes(arr + ':2:'), r2.stderr);
});

test('import: an article in an unknown section → non-zero with FILE:LINE, nothing imported', () => {
  const d = tmp();
  const data = join(d, 'data');
  const file = writeJsonl(d, 'unknown-section.jsonl', [
    CAT, SEC_W,
    art({ slug: 'fine', title: 'Fine', body: 'fine' }),
    art({ section: 'no-such-section', slug: 'lost', title: 'Lost', body: 'lost' }),
  ]);
  const r = kb(['import', file], data);
  assert.notEqual(r.status, 0);
  assert.ok(r.stderr.includes(file + ':4:'), r.stderr);
  assert.match(r.stderr, /section/);
  assert.deepEqual(exportRows(data), []);
  // a section of an unknown category, and an article translating a missing en article
  const f2 = writeJsonl(d, 'bad-cat.jsonl', [CAT, { ...SEC_W, category: 'nope' }]);
  const r2 = kb(['import', f2], data);
  assert.notEqual(r2.status, 0);
  assert.ok(r2.stderr.includes(f2 + ':2:'), r2.stderr);
  const f3 = writeJsonl(d, 'bad-tr.jsonl', [CAT, SEC_W, art({ locale: 'es', slug: 'x', title: 'x', body: 'x', translation_of: 'missing' })]);
  const r3 = kb(['import', f3], data);
  assert.notEqual(r3.status, 0);
  assert.ok(r3.stderr.includes(f3 + ':3:'), r3.stderr);
  const f4 = writeJsonl(d, 'bad-slug.jsonl', [CAT, SEC_W, art({ slug: 'Bad Slug', title: 'x', body: 'x' })]);
  const r4 = kb(['import', f4], data);
  assert.notEqual(r4.status, 0);
  assert.ok(r4.stderr.includes(f4 + ':3:'), r4.stderr);
  assert.deepEqual(exportRows(data), []);
});

test('import: re-importing updates existing articles (new revision), never duplicates them', async () => {
  const d = tmp();
  const data = join(d, 'data');
  const file = writeJsonl(d, 'good.jsonl', GOOD);
  importOk(file, data);
  const first = exportRows(data);
  importOk(file, data);
  assert.deepEqual(exportRows(data), first, 'same file twice → same content, no duplicates');
  importOk(writeJsonl(d, 'upd.jsonl', [art({ slug: 'network-fees', title: 'Network fees, updated', body: 'Fees go to validators.' })]), data);
  const rows = exportRows(data).filter((x) => x.type === 'article' && x.slug === 'network-fees');
  assert.equal(rows.length, 1);
  assert.equal(rows[0].title, 'Network fees, updated');
  assert.equal(rows[0].body, 'Fees go to validators.');
  // three imports of network-fees → revisions 1, 2, 3
  const srv = await startServer({ dataDir: data });
  try {
    const u = srv.addUser({ email: 'sup@fd.test', role: 'supervisor' });
    const c = new Client(srv.url);
    await c.login(u.email, u.password);
    const g = await c.get('/api/v1/kb/articles/network-fees');
    assert.equal(g.status, 200, g.text);
    assert.equal(g.json.article.revision, 3, g.text);
    const revs = await c.get('/api/v1/kb/articles/network-fees/revisions');
    assert.equal(revs.status, 200, revs.text);
    assert.deepEqual(revs.json.revisions.map((r) => r.revision).sort(), [1, 2, 3]);
    const r1 = await c.get('/api/v1/kb/articles/network-fees/revisions/1');
    assert.equal(r1.json.revision.body, 'Fees go to miners.');
  } finally {
    await srv.stop();
  }
});

/** Everything a supervisor can read through the API: categories and every article in full. */
async function snapshot(dataDir) {
  const srv = await startServer({ dataDir });
  try {
    const email = `sup${Math.random().toString(16).slice(2)}@fd.test`;
    const u = srv.addUser({ email, role: 'supervisor' });
    const c = new Client(srv.url);
    await c.login(u.email, u.password);
    const cats = await c.get('/api/v1/kb/categories');
    assert.equal(cats.status, 200, cats.text);
    const list = await c.get('/api/v1/kb/articles?limit=500');
    assert.equal(list.status, 200, list.text);
    const articles = {};
    for (const s of list.json.articles) {
      const g = await c.get(`/api/v1/kb/articles/${s.slug}?locale=${s.locale}`);
      assert.equal(g.status, 200, g.text);
      const a = g.json.article;
      articles[`${a.locale}/${a.slug}`] = {
        kind: a.kind, title: a.title, status: a.status, category: a.category, section: a.section,
        tags: [...a.tags].sort(), body: a.body, html: a.html, intent: a.intent,
        translations: [...a.translations].sort((x, y) => x.locale.localeCompare(y.locale)),
      };
    }
    const search = await c.get('/api/v1/kb/search?q=withdrawal');
    assert.equal(search.status, 200, search.text);
    return { categories: cats.json.categories, articles, search: search.json.results.map((r) => r.slug).sort() };
  } finally {
    await srv.stop();
  }
}

test('export → re-import into a fresh data dir → the same articles through the API', async () => {
  const d = tmp();
  const a = join(d, 'a'), b = join(d, 'b');
  mkdirSync(a); mkdirSync(b);
  importOk(writeJsonl(d, 'good.jsonl', GOOD), a);
  const ex = kb(['export'], a);
  assert.equal(ex.status, 0, ex.stderr);
  const rows = ex.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  // categories, then sections, then articles
  const order = { category: 0, section: 1, article: 2 };
  for (let i = 1; i < rows.length; i++) assert.ok(order[rows[i - 1].type] <= order[rows[i].type], `export order at line ${i + 1}`);
  assert.equal(rows.filter((r) => r.type === 'category').length, 1);
  assert.equal(rows.filter((r) => r.type === 'section').length, 2);
  assert.equal(rows.filter((r) => r.type === 'article').length, 8);
  assert.equal(rows.find((r) => r.slug === 'retrasos-en-retiros').translation_of, 'withdrawal-delays');
  assert.equal(rows.find((r) => r.slug === 'network-fees').intent, 'transfer_fee_charged');
  assert.equal(rows.find((r) => r.slug === 'unfinished').status, 'draft');
  const exFile = join(d, 'export.jsonl');
  writeFileSync(exFile, ex.stdout);
  importOk(exFile, b);

  const sa = await snapshot(a);
  const sb = await snapshot(b);
  assert.equal(Object.keys(sa.articles).length, 8, JSON.stringify(Object.keys(sa.articles)));
  assert.deepEqual(sb, sa);
  assert.deepEqual(sa.articles['en/withdrawal-delays'].translations, [{ locale: 'es', slug: 'retrasos-en-retiros' }]);
  assert.ok(sa.search.includes('withdrawal-delays'), JSON.stringify(sa.search));
  // and the second export is identical to the first
  assert.equal(kb(['export'], b).stdout, ex.stdout);
});

test('kb reindex exits 0, prints the count of indexed articles, and search still works', async () => {
  const d = tmp();
  const data = join(d, 'data');
  importOk(writeJsonl(d, 'good.jsonl', GOOD), data);
  const r = kb(['reindex'], data);
  assert.equal(r.status, 0, r.stderr);
  const m = r.stdout.match(/\d+/);
  assert.ok(m, `no count in: ${r.stdout}`);
  assert.equal(Number(m[0]), PUBLISHED, `reindex output: ${r.stdout}`);
  assert.equal(kb(['reindex'], data).status, 0, 'reindex is repeatable');
  const srv = await startServer({ dataDir: data });
  try {
    const c = new Client(srv.url);
    const s = await c.get('/api/v1/kb/search?q=withdrawal');
    assert.equal(s.status, 200, s.text);
    assert.ok(s.json.results.some((x) => x.slug === 'withdrawal-delays'), s.text);
    const z = await c.get('/api/v1/kb/search?q=' + encodeURIComponent('提现'));
    assert.ok(z.json.results.some((x) => x.slug === 'tixian-yanchi'), z.text);
    const u = await c.get('/api/v1/kb/search?q=unfinished');
    assert.ok(!u.json.results.some((x) => x.slug === 'unfinished'), 'drafts are not indexed by reindex');
  } finally {
    await srv.stop();
  }
});

test('directory import takes the *.jsonl files in name order and ignores other files', () => {
  const d = tmp();
  const src = join(d, 'kb');
  mkdirSync(src);
  // (20, 10, 30: neither creation order nor its reverse is name order)
  writeJsonl(src, '20_articles.jsonl', [art({ slug: 'ordered', title: 'Title from 20', body: 'twenty' }), art({ section: 'deposits', slug: 'second', title: 'Second', body: 'two' })]);
  writeJsonl(src, '10_structure.jsonl', [CAT, SEC_W, SEC_D]);
  writeJsonl(src, '30_update.jsonl', [art({ slug: 'ordered', title: 'Title from 30', body: 'thirty' })]);
  writeFileSync(join(src, 'README.txt'), 'not json {{{\n');
  writeFileSync(join(src, '00_notes.jsonl.bak'), '{broken\n');
  const data = join(d, 'data');
  const r = kb(['import', src], data);
  assert.equal(r.status, 0, r.stderr);
  const rows = exportRows(data);
  const arts = rows.filter((x) => x.type === 'article');
  assert.deepEqual(arts.map((x) => x.slug).sort(), ['ordered', 'second']);
  const o = arts.find((x) => x.slug === 'ordered');
  assert.equal(o.title, 'Title from 30');
  assert.equal(o.body, 'thirty');

  // a bad line in one of the files: error names that file and line; nothing from any file is kept
  const src2 = join(d, 'kb2');
  mkdirSync(src2);
  writeJsonl(src2, 'b.jsonl', [art({ slug: 'from-b', title: 'B', body: 'b' }), '{"type":']);
  writeJsonl(src2, 'a.jsonl', [CAT, SEC_W]);
  const data2 = join(d, 'data2');
  const r2 = kb(['import', src2], data2);
  assert.notEqual(r2.status, 0);
  assert.match(r2.stderr, /b\.jsonl:2:/, r2.stderr);
  assert.deepEqual(exportRows(data2), []);
});
