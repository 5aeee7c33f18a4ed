// Help-center editor for the agent console (/agent#/kb…): article list with filters and
// counts, create/edit form with a live Markdown preview, revisions with view + restore.
// Hash routes: #/kb?status=…&kind=…&locale=…&category=…   #/kb/new   #/kb/edit/<slug>?locale=xx
// Server text enters the page through textContent, except the rendered preview HTML returned
// by POST /api/v1/kb/render (see renderInto).

import * as api from './api.js';
import { h, field, select, errorBox, busy, timeEl, flashBox, parseHash, nextId } from './ui.js';

export const LOCALES = [
  ['en', 'English'], ['es', 'Español'], ['fr', 'Français'], ['de', 'Deutsch'], ['pt', 'Português'],
  ['ru', 'Русский'], ['tr', 'Türkçe'], ['zh', '中文'], ['ja', '日本語'], ['ko', '한국어'],
];
const STATUSES = [['draft', 'Draft'], ['published', 'Published'], ['archived', 'Archived']];
const KINDS = [['article', 'Article'], ['faq', 'FAQ']];
const FILTER_KEYS = ['status', 'kind', 'locale', 'category'];
const PREVIEW_DEBOUNCE_MS = 300;

/** Who may open the editor: admins and supervisors always, agents with the kb_editor flag. */
export function canEditKb(user) {
  return !!user && (user.role === 'admin' || user.role === 'supervisor' || user.kb_editor === true);
}

const enc = encodeURIComponent;
const editHash = (slug, locale) => `#/kb/edit/${enc(slug)}${locale && locale !== 'en' ? `?locale=${enc(locale)}` : ''}`;
const articlePath = (slug, locale) => `/kb/articles/${enc(slug)}${locale ? `?locale=${enc(locale)}` : ''}`;
const publicHref = (slug, locale) => `/help/articles/${enc(slug)}${locale && locale !== 'en' ? `?locale=${enc(locale)}` : ''}`;

function statusBadge(status) {
  const s = String(status || '');
  const label = (STATUSES.find(([v]) => v === s) || [s, s])[1];
  return h('span', { class: `badge kb-status kb-status-${s.replace(/[^a-z]/g, '')}`, text: label });
}

function authorName(a) {
  if (!a) return 'System';
  if (typeof a === 'string') return a;
  return a.name || a.email || `#${a.id}`;
}

function helpfulText(yes, no) {
  const y = Number(yes || 0);
  const total = y + Number(no || 0);
  return total ? `${Math.round((100 * y) / total)}% (${y}/${total})` : '—';
}

/**
 * Puts server-rendered article HTML into el. This is the ONLY place the editor uses innerHTML:
 * the HTML comes from POST /api/v1/kb/render (or the article's `html`), which the server
 * produces with cmark-gfm in safe mode (raw HTML dropped, javascript:/data: links removed),
 * the same renderer the public help pages use. Never pass any other string here.
 */
function renderInto(el, serverSanitizedHtml) {
  el.innerHTML = typeof serverSanitizedHtml === 'string' ? serverSanitizedHtml : '';
}

let categoriesCache = null;
async function loadCategories(force = false) {
  if (!categoriesCache || force) {
    const res = await api.get('/kb/categories');
    categoriesCache = res.categories || [];
  }
  return categoriesCache;
}

function categoryName(cats, slug) {
  const c = cats.find((x) => x.slug === slug);
  return c ? c.name : slug || '—';
}

function sectionName(cats, cat, slug) {
  const c = cats.find((x) => x.slug === cat);
  const s = c && (c.sections || []).find((x) => x.slug === slug);
  return s ? s.name : slug || '—';
}

// --- list ----------------------------------------------------------------------------------

function listHash(f) {
  const qs = new URLSearchParams();
  for (const k of FILTER_KEYS) if (f[k]) qs.set(k, f[k]);
  const s = qs.toString();
  return '#/kb' + (s ? '?' + s : '');
}

function statsRow(stats) {
  const d = (stats && stats.deflection) || null;
  if (!d) return null;
  const rate = typeof d.rate === 'number' ? `${Math.round(d.rate * (d.rate <= 1 ? 100 : 1))}%` : '—';
  const cell = (label, value) => h('div', { class: 'kb-stat' },
    h('span', { class: 'kb-stat-label', text: label }), h('span', { class: 'kb-stat-value', text: String(value ?? 0) }));
  return h('section', { class: 'kb-stats', 'aria-label': 'Ticket deflection' },
    cell('Suggestions shown', d.shown), cell('Articles opened', d.opened), cell('Tickets filed', d.filed),
    cell('Deflected', d.deflected), cell('Deflection rate', rate));
}

export async function kbListView({ go, takeFlash }) {
  const q = parseHash().query;
  const f = {};
  for (const k of FILTER_KEYS) f[k] = q.get(k) || '';
  const box = errorBox();

  let cats = [];
  let stats = null;
  const [c, s] = await Promise.allSettled([loadCategories(), api.get('/kb/stats')]);
  if (c.status === 'fulfilled') cats = c.value; else box.show(c.reason.message);
  if (s.status === 'fulfilled') stats = s.value;

  const status = select('status', [['', 'Any status'], ...STATUSES], f.status);
  const kind = select('kind', [['', 'Articles and FAQs'], ...KINDS], f.kind);
  const locale = select('locale', [['', 'Any language'], ...LOCALES], f.locale);
  const category = select('category', [['', 'All categories'], ...cats.map((x) => [x.slug, x.name])], f.category);
  const filters = h('form', { class: 'kb-filters', role: 'search', 'aria-label': 'Filter articles' },
    field('Status', status), field('Type', kind), field('Language', locale), field('Category', category),
    h('div', { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', text: 'Apply' }),
      h('a', { class: 'btn btn-ghost', href: '#/kb', text: 'Reset' })));
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    go(listHash({ status: status.value, kind: kind.value, locale: locale.value, category: category.value }));
  });

  const tbody = h('tbody');
  const table = h('table', { class: 'table kb-table' },
    h('caption', { class: 'visually-hidden', text: 'Help-center articles' }),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col', text: 'Title' }), h('th', { scope: 'col', text: 'Status' }),
      h('th', { scope: 'col', text: 'Language' }), h('th', { scope: 'col', text: 'Section' }),
      h('th', { scope: 'col', class: 'num', text: 'Views' }), h('th', { scope: 'col', class: 'num', text: 'Helpful' }),
      h('th', { scope: 'col', text: 'Updated' }))),
    tbody);
  const empty = h('p', { class: 'empty', hidden: true, text: 'No articles match these filters.' });
  const more = h('button', { type: 'button', class: 'btn btn-secondary', hidden: true, text: 'Load more' });
  let cursor = null;
  let n = 0;

  async function load() {
    const res = await api.get('/kb/articles', {
      status: f.status, kind: f.kind, locale: f.locale, category: f.category, limit: 50, cursor,
    });
    for (const a of res.articles || []) {
      n++;
      tbody.appendChild(h('tr', null,
        h('td', { class: 'subject', 'data-label': 'Title' },
          h('a', { href: editHash(a.slug, a.locale), text: a.title || a.slug }),
          a.kind === 'faq' ? h('span', { class: 'help-kind', text: 'FAQ' }) : null,
          h('span', { class: 'sub muted mono', text: a.slug })),
        h('td', { 'data-label': 'Status' }, statusBadge(a.status)),
        h('td', { 'data-label': 'Language', text: a.locale }),
        h('td', { 'data-label': 'Section', text: `${categoryName(cats, a.category)} › ${sectionName(cats, a.category, a.section)}` }),
        h('td', { class: 'num', 'data-label': 'Views', text: String(a.views ?? 0) }),
        h('td', { class: 'num', 'data-label': 'Helpful', text: helpfulText(a.helpful_yes, a.helpful_no) }),
        h('td', { class: 'nowrap', 'data-label': 'Updated' }, a.updated_at ? timeEl(a.updated_at, true) : '—')));
    }
    cursor = res.next_cursor || null;
    more.hidden = !cursor;
    empty.hidden = n > 0;
    table.hidden = n === 0;
  }
  more.addEventListener('click', () => {
    more.disabled = true;
    load().catch((e) => box.show(e.message)).finally(() => { more.disabled = false; });
  });
  try { await load(); } catch (e) { box.show(e.message); table.hidden = true; }

  return h('section', null,
    h('div', { class: 'page-head' },
      h('h1', { text: 'Help center' }),
      h('div', { class: 'form-actions' },
        h('a', { class: 'btn btn-ghost btn-sm', href: '/help', target: '_blank', rel: 'noopener', text: 'Open help center ↗' }),
        h('a', { class: 'btn btn-primary', href: '#/kb/new', text: 'New article' }))),
    takeFlash(),
    statsRow(stats),
    h('div', { class: 'card card-pad-sm' }, filters),
    box,
    h('div', { class: 'card card-flush table-wrap' }, table, empty),
    h('div', { class: 'more' }, more));
}

// --- editor --------------------------------------------------------------------------------

function tagsOf(a) {
  if (!a || !a.tags) return '';
  return Array.isArray(a.tags) ? a.tags.join(', ') : String(a.tags).split(/\s+/).filter(Boolean).join(', ');
}

function revisionsCard(a, locale, { go, flash, reload }) {
  const box = errorBox();
  const list = h('ol', { class: 'kb-revisions', 'aria-label': 'Revisions' });
  const viewer = h('div', { class: 'kb-rev-view', hidden: true, 'aria-live': 'polite' });
  const card = h('section', { class: 'card', 'aria-labelledby': 'kb-rev-h' },
    h('h2', { class: 'h3', id: 'kb-rev-h', text: 'Revisions' }), box, list, viewer);

  async function show(n) {
    viewer.hidden = false;
    viewer.replaceChildren(h('p', { class: 'muted', text: `Loading revision ${n}…` }));
    try {
      const res = await api.get(`/kb/articles/${enc(a.slug)}/revisions/${n}`, { locale });
      const r = res.revision || {};
      const body = h('div', { class: 'help-body' });
      viewer.replaceChildren(
        h('div', { class: 'kb-preview-head' },
          h('strong', { text: `Revision ${r.revision ?? n}: ${r.title || ''}` }),
          h('button', { type: 'button', class: 'btn btn-ghost btn-sm', text: 'Close', onclick: () => { viewer.hidden = true; } })),
        h('p', { class: 'muted' }, statusBadge(r.status), ' ', `by ${authorName(r.author)}`, ' · ', r.created_at ? timeEl(r.created_at) : ''),
        body,
        h('details', null, h('summary', { text: 'Markdown source' }), h('pre', { class: 'mono', text: r.body || '' })));
      const rendered = await api.post('/kb/render', { body: r.body || '' });
      renderInto(body, rendered && rendered.html);
    } catch (e) {
      viewer.replaceChildren(flashBox(e.message, 'error'));
    }
  }

  async function restore(n, btn) {
    btn.disabled = true;
    box.clear();
    try {
      await api.post(`/kb/articles/${enc(a.slug)}/restore${locale && locale !== 'en' ? `?locale=${enc(locale)}` : ''}`, { revision: n });
      flash(`Revision ${n} restored as a new revision.`);
      await reload();
    } catch (e) {
      box.show(e.message);
      btn.disabled = false;
    }
  }

  (async () => {
    try {
      const res = await api.get(`/kb/articles/${enc(a.slug)}/revisions`, { locale });
      const revs = [...(res.revisions || [])].sort((x, y) => y.revision - x.revision);
      if (!revs.length) list.replaceWith(h('p', { class: 'muted', text: 'No revisions yet.' }));
      for (const r of revs) {
        const current = r.revision === a.revision;
        const restoreBtn = current ? null : h('button', {
          type: 'button', class: 'btn btn-secondary btn-sm', text: 'Restore',
          'aria-label': `Restore revision ${r.revision}`,
        });
        if (restoreBtn) restoreBtn.addEventListener('click', () => restore(r.revision, restoreBtn));
        list.appendChild(h('li', { dataset: { revision: String(r.revision) } },
          h('span', { class: 'kb-rev-num', text: `#${r.revision}` }),
          h('span', { class: 'kb-rev-meta' },
            h('span', { text: r.title || '' }), h('br'),
            `${authorName(r.author)} · `, r.created_at ? timeEl(r.created_at, true) : '', ' · ', statusBadge(r.status)),
          current ? h('span', { class: 'kb-rev-current', text: 'Current' }) : null,
          h('button', { type: 'button', class: 'btn btn-ghost btn-sm', text: 'View', 'aria-label': `View revision ${r.revision}`, onclick: () => show(r.revision) }),
          restoreBtn));
      }
    } catch (e) {
      box.show(e.message);
    }
  })();
  void go;
  return card;
}

export async function kbEditView({ slug, go, flash, takeFlash }) {
  const locale = parseHash().query.get('locale') || 'en';
  const isNew = !slug;
  const back = h('p', { class: 'crumbs' }, h('a', { href: '#/kb', text: '← Help center' }));
  let cats = [];
  let a = null;
  try {
    const [c, art] = await Promise.all([
      loadCategories(true),
      isNew ? Promise.resolve(null) : api.get(articlePath(slug, locale)),
    ]);
    cats = c;
    a = art ? art.article : null;
  } catch (e) {
    return h('section', null, back,
      h('h1', { text: e.status === 404 ? 'Article not found' : 'Could not load the article' }),
      flashBox(e.message, 'error'));
  }

  const box = errorBox();
  const category = select('category', [['', 'Choose…'], ...cats.map((x) => [x.slug, x.name])], a ? a.category : '');
  category.required = true;
  const section = h('select', { name: 'section', required: true });
  function fillSections(selected) {
    const c = cats.find((x) => x.slug === category.value);
    section.replaceChildren(h('option', { value: '', text: c ? 'Choose…' : 'Choose a category first' }),
      ...((c && c.sections) || []).map((s) => h('option', { value: s.slug, selected: s.slug === selected, text: s.name })));
  }
  fillSections(a ? a.section : '');
  category.addEventListener('change', () => fillSections(''));

  const kind = select('kind', KINDS, a ? a.kind : 'article');
  const loc = select('locale', LOCALES, a ? a.locale : locale);
  const slugIn = h('input', {
    type: 'text', name: 'slug', required: true, pattern: '[a-z0-9-]{1,80}', maxlength: 80,
    autocomplete: 'off', spellcheck: 'false', class: 'mono', value: a ? a.slug : '',
  });
  if (!isNew) { loc.disabled = true; slugIn.readOnly = true; }
  const title = h('input', { type: 'text', name: 'title', required: true, maxlength: 200, autocomplete: 'off', value: a ? a.title : '' });
  const tags = h('input', { type: 'text', name: 'tags', autocomplete: 'off', value: tagsOf(a) });
  const status = select('status', STATUSES, a ? a.status : 'draft');
  const body = h('textarea', { name: 'body', class: 'kb-md', required: true, rows: 20, maxlength: 65536, spellcheck: 'true' });
  body.value = a ? a.body || '' : '';

  // Slug follows the title for new articles until edited by hand.
  let slugTouched = !isNew;
  slugIn.addEventListener('input', () => { slugTouched = true; });
  title.addEventListener('input', () => {
    if (slugTouched) return;
    slugIn.value = title.value.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
      .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80);
  });

  // Live preview.
  const previewTitle = h('h1', { class: 'kb-preview-title' });
  const previewBody = h('div', { class: 'help-body', 'data-testid': 'kb-preview' });
  const previewState = h('span', { class: 'kb-preview-state', 'aria-live': 'polite' });
  let timer = null;
  let pseq = 0;
  async function refreshPreview() {
    const my = ++pseq;
    previewState.textContent = 'Updating…';
    try {
      const res = await api.post('/kb/render', { body: body.value });
      if (my !== pseq) return;
      renderInto(previewBody, res && res.html);
      previewState.textContent = 'Up to date';
    } catch (e) {
      if (my === pseq) previewState.textContent = `Preview failed: ${e.message}`;
    }
  }
  function schedulePreview() {
    clearTimeout(timer);
    timer = setTimeout(refreshPreview, PREVIEW_DEBOUNCE_MS);
  }
  const syncTitle = () => { previewTitle.textContent = title.value || 'Untitled article'; };
  syncTitle();
  title.addEventListener('input', syncTitle);
  body.addEventListener('input', schedulePreview);
  if (a && typeof a.html === 'string') renderInto(previewBody, a.html);
  else if (body.value) refreshPreview();

  const bodyId = nextId('f');
  body.id = bodyId;
  const form = h('form', { class: 'stack kb-editor-form', 'aria-label': isNew ? 'New article' : 'Edit article', novalidate: false },
    h('div', { class: 'grid-2' }, field('Category', category), field('Section', section)),
    h('div', { class: 'grid-3' }, field('Type', kind), field('Language', loc), field('Status', status)),
    field('Title', title),
    h('div', { class: 'grid-2' },
      field('Slug', slugIn, { hint: isNew ? 'Lowercase letters, digits and dashes; part of the URL.' : 'The URL of the article; it cannot change.' }),
      field('Tags', tags, { optional: true, hint: 'Comma-separated.' })),
    h('div', { class: 'field' },
      h('label', { for: bodyId, text: 'Body (Markdown)' }), body,
      h('span', { class: 'hint', text: 'GitHub-flavoured Markdown: **bold**, lists, tables, [links](https://…). Raw HTML is not allowed.' })),
    box,
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', text: isNew ? 'Create article' : 'Save changes' }),
      h('a', { class: 'btn btn-ghost', href: '#/kb', text: 'Cancel' })));

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const tagList = tags.value.split(',').map((t) => t.trim()).filter(Boolean);
    busy(form, box, async () => {
      if (isNew) {
        const res = await api.post('/kb/articles', {
          category: category.value, section: section.value, kind: kind.value, locale: loc.value,
          slug: slugIn.value.trim(), title: title.value.trim(), body: body.value, tags: tagList, status: status.value,
        });
        const created = res.article || {};
        flash('Article created.');
        go(editHash(created.slug || slugIn.value.trim(), created.locale || loc.value));
        return;
      }
      const change = {};
      if (title.value.trim() !== a.title) change.title = title.value.trim();
      if (body.value !== (a.body || '')) change.body = body.value;
      if (tagList.join(',') !== tagsOf(a).split(',').map((t) => t.trim()).filter(Boolean).join(',')) change.tags = tagList;
      if (status.value !== a.status) change.status = status.value;
      if (kind.value !== a.kind) change.kind = kind.value;
      if (category.value !== a.category || section.value !== a.section) {
        change.category = category.value;
        change.section = section.value;
      }
      if (!Object.keys(change).length) { box.show('Nothing changed.'); return; }
      const res = await api.patch(articlePath(a.slug, a.locale), change);
      flash(`Saved as revision ${res.article && res.article.revision ? res.article.revision : ''}.`.replace(' .', '.'));
      await reload();
    });
  });

  async function reload() {
    const hash = editHash(a.slug, a.locale);
    go(hash);
  }

  const countsCard = a ? h('section', { class: 'card' },
    h('h2', { class: 'h3', text: 'Readers' }),
    h('div', { class: 'kb-counts' },
      h('span', null, h('strong', { text: String(a.views ?? 0) }), ' views'),
      h('span', null, h('strong', { text: String(a.helpful_yes ?? 0) }), ' found it helpful'),
      h('span', null, h('strong', { text: String(a.helpful_no ?? 0) }), ' did not'))) : null;

  return h('section', { class: 'kb-edit-page' },
    back,
    h('div', { class: 'page-head' },
      h('h1', { text: isNew ? 'New article' : `Edit: ${a.title}` }),
      a ? h('div', { class: 'form-actions' },
        statusBadge(a.status),
        h('span', { class: 'muted', text: `Revision ${a.revision ?? '—'}` }),
        a.status === 'published' ? h('a', { class: 'btn btn-ghost btn-sm', href: publicHref(a.slug, a.locale), target: '_blank', rel: 'noopener', text: 'View on help center ↗' }) : null) : null),
    takeFlash(),
    h('div', { class: 'kb-editor' },
      h('div', null,
        h('div', { class: 'card' }, form),
        countsCard,
        a ? revisionsCard(a, a.locale, { go, flash, reload }) : null),
      h('section', { class: 'card kb-preview-card', 'aria-label': 'Preview' },
        h('div', { class: 'kb-preview-head' },
          h('h2', { class: 'h3', text: 'Preview' }), previewState),
        h('div', { class: 'kb-preview' }, previewTitle, previewBody))));
}
