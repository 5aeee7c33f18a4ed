// Shared DOM helpers for the Frontdesk pages. Server data only ever enters the page through
// textContent / attribute setters here — never through innerHTML.
import { mailAuthRow } from './mailauth.js';

/**
 * h('div', {class: 'x', onclick: fn}, child, 'text', ...) — creates an element.
 * Strings and numbers become text nodes; null/false children are skipped; arrays are flattened.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value' && 'value' in el) el.value = v;
      else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden' || k === 'open') el[k] = !!v;
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }
export function mount(el, ...children) { clear(el); append(el, children); return el; }

let uid = 0;
export const nextId = (p = 'f') => `${p}-${++uid}`;

// --- labels and formatting -----------------------------------------------------------------

export const STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'];
export const STATUS_LABEL = {
  new: 'New', open: 'Open', pending: 'Pending', on_hold: 'On hold', solved: 'Solved', closed: 'Closed',
};
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
export const PRIORITY_LABEL = { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' };
export const ROLE_LABEL = { customer: 'Customer', agent: 'Agent', supervisor: 'Supervisor', admin: 'Admin' };
export const CHANNEL_LABEL = { web: 'Web', email: 'Email', chat: 'Chat', social: 'Social', api: 'API' };
export const EXCHANGE_FIELDS = [
  ['uid', 'UID'], ['asset', 'Asset'], ['network', 'Network'], ['amount', 'Amount'],
  ['txid', 'TXID'], ['order_id', 'Order ID'],
];
export const NETWORKS = ['bitcoin', 'ethereum', 'tron', 'bsc', 'solana', 'polygon', 'arbitrum',
  'optimism', 'base', 'litecoin', 'xrp'];
export const ALLOWED_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'];
export const MAX_UPLOAD = 10 * 1024 * 1024;

export function statusBadge(status) {
  const s = String(status || '');
  return h('span', { class: `badge status-${s.replace(/[^a-z_]/g, '')}`, text: STATUS_LABEL[s] || s });
}

export function priorityBadge(priority) {
  const p = String(priority || '');
  return h('span', { class: `badge prio-${p.replace(/[^a-z]/g, '')}`, text: PRIORITY_LABEL[p] || p });
}

const dateFmt = new Intl.DateTimeFormat(undefined, {
  day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit',
});
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const shortFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

export function formatDate(iso) {
  const d = new Date(iso);
  return isNaN(d) ? String(iso || '') : dateFmt.format(d);
}

/** Compact date for tables: time if today, else "25 Nov". */
export function formatShort(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return String(iso || '');
  const now = new Date();
  return d.toDateString() === now.toDateString() ? timeFmt.format(d) : shortFmt.format(d);
}

export function timeEl(iso, short = false) {
  return h('time', { datetime: iso, title: formatDate(iso), text: short ? formatShort(iso) : formatDate(iso) });
}

export function formatSize(n) {
  if (!(n >= 0)) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// --- forms ---------------------------------------------------------------------------------

/** An inline error area for a form (role=alert, hidden when empty). */
export function errorBox() {
  const box = h('p', { class: 'form-error', role: 'alert', hidden: true });
  box.show = (msg) => { box.textContent = msg; box.hidden = !msg; };
  box.clear = () => box.show('');
  return box;
}

/** Label + control + optional hint, wired with for/id and aria-describedby. */
export function field(label, control, { hint, optional, wide } = {}) {
  if (!control.id) control.id = nextId('f');
  const parts = [h('label', { for: control.id }, label, optional ? h('span', { class: 'optional', text: ' (optional)' }) : null)];
  parts.push(control);
  if (hint) {
    const hid = control.id + '-hint';
    parts.push(h('span', { class: 'hint', id: hid, text: hint }));
    control.setAttribute('aria-describedby', hid);
  }
  return h('div', { class: 'field' + (wide ? ' wide' : '') }, parts);
}

export function select(name, options, value) {
  return h('select', { name },
    options.map(([v, label]) => h('option', { value: v, selected: String(v) === String(value ?? '') }, label)));
}

/**
 * Runs an async submit handler with the form's buttons disabled and errors shown in `box`.
 * Returns whatever the handler returns (undefined on error).
 */
export async function busy(form, box, fn) {
  const buttons = [...form.querySelectorAll('button, input[type=submit]')];
  const was = buttons.map((b) => b.disabled);
  buttons.forEach((b) => { b.disabled = true; });
  form.setAttribute('aria-busy', 'true');
  if (box) box.clear();
  try {
    return await fn();
  } catch (err) {
    if (box) box.show(err && err.message ? err.message : String(err));
    else throw err;
    return undefined;
  } finally {
    buttons.forEach((b, i) => { b.disabled = was[i]; });
    form.removeAttribute('aria-busy');
  }
}

/** Checks files against the allowed types and size; returns an error message or ''. */
export function checkFiles(files) {
  for (const f of files) {
    if (f.size > MAX_UPLOAD) return `"${f.name}" is larger than 10 MB.`;
    if (f.type && !ALLOWED_TYPES.includes(f.type)) return `"${f.name}" is not an allowed file type (PNG, JPEG, GIF, WebP, PDF or text).`;
  }
  return '';
}

export function fileInput(name = 'files') {
  return h('input', { type: 'file', name, multiple: true, accept: ALLOWED_TYPES.join(',') });
}

// --- conversation --------------------------------------------------------------------------

/** Body text of a message, with line breaks kept (CSS white-space: pre-wrap). */
function messageBody(body) {
  return h('div', { class: 'msg-body', text: body || '' });
}

function attachmentList(atts) {
  if (!atts || !atts.length) return null;
  return h('ul', { class: 'attachments', 'aria-label': 'Attachments' },
    atts.map((a) => h('li', null,
      h('a', { href: safeUrl(a.url, `/api/v1/attachments/${encodeURIComponent(a.id)}`), download: a.filename || true },
        h('span', { class: 'att-icon', 'aria-hidden': 'true', text: '📎' }),
        h('span', { text: a.filename || 'attachment' })),
      h('span', { class: 'muted', text: ` ${formatSize(a.size)}` }))));
}

/** Only same-origin API paths are used as link targets. */
export function safeUrl(url, fallback) {
  return typeof url === 'string' && /^\/api\/v1\/attachments\/[A-Za-z0-9_-]+$/.test(url) ? url : fallback;
}

export function sortMessages(messages) {
  return [...(messages || [])].sort((a, b) => {
    const ta = Date.parse(a.created_at) || 0;
    const tb = Date.parse(b.created_at) || 0;
    return ta - tb || (a.id > b.id ? 1 : a.id < b.id ? -1 : 0);
  });
}

/**
 * Renders one message. opts.viewer: 'customer' | 'agent'. Internal notes get a yellow card with
 * an "Internal note" label; staff replies are marked as such.
 */
export function messageCard(m, { viewer, selfId } = {}) {
  const author = m.author || {};
  const staff = author.role && author.role !== 'customer';
  const cls = ['msg'];
  if (m.internal) cls.push('msg-internal');
  else if (staff) cls.push('msg-staff');
  else cls.push('msg-customer');
  let who = author.name || 'Unknown';
  if (viewer === 'customer' && author.id === selfId) who = 'You';
  const roleText = m.internal ? 'Internal note'
    : staff ? (viewer === 'customer' ? 'Support team' : 'Public reply')
    : (viewer === 'customer' ? null : 'Requester');
  return h('article', { class: cls.join(' '), dataset: { messageId: String(m.id) } },
    h('header', { class: 'msg-head' },
      h('span', { class: 'avatar', 'aria-hidden': 'true', text: initials(author.name) }),
      h('span', { class: 'msg-author', text: who }),
      roleText ? h('span', { class: m.internal ? 'msg-tag tag-internal' : 'msg-tag', text: roleText }) : null,
      timeEl(m.created_at)),
    viewer === 'agent' ? mailAuthRow(m.mail_auth) : null,
    messageBody(m.body),
    attachmentList(m.attachments));
}

export function initials(name) {
  const parts = String(name || '?').trim().split(/\s+/).filter(Boolean);
  const s = parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : (parts[0] || '?').slice(0, 2);
  return s.toUpperCase();
}

/** Definition list of the non-empty exchange fields, or null. */
export function exchangeDetails(ex) {
  if (!ex) return null;
  const rows = EXCHANGE_FIELDS.filter(([k]) => ex[k] !== null && ex[k] !== undefined && ex[k] !== '');
  if (!rows.length) return null;
  return h('dl', { class: 'kv exchange' },
    rows.map(([k, label]) => [h('dt', { text: label }), h('dd', { class: k === 'txid' || k === 'uid' || k === 'order_id' ? 'mono' : null, text: String(ex[k]) })]));
}

/** Reads the exchange fieldset of a form into {uid,...} with empty values dropped, or null. */
export function readExchange(form) {
  const ex = {};
  for (const [k] of EXCHANGE_FIELDS) {
    const input = form.elements.namedItem('ex_' + k);
    if (!input) continue;
    let v = input.value.trim();
    if (k === 'asset') v = v.toUpperCase();
    if (k === 'network') v = v.toLowerCase();
    if (v) ex[k] = v;
  }
  return Object.keys(ex).length ? ex : null;
}

/** Header bar shared by both apps. */
export function topbar({ product, user, onSignOut, links = [] }) {
  return h('div', { class: 'topbar-inner' },
    h('a', { class: 'brand', href: '#/' },
      h('span', { class: 'brand-mark', 'aria-hidden': 'true', text: 'FD' }),
      h('span', { class: 'brand-name', text: 'Frontdesk' }),
      h('span', { class: 'brand-product', text: product })),
    h('nav', { class: 'topnav', 'aria-label': 'Main' }, links.map(([href, label]) => h('a', { href, text: label }))),
    user ? h('div', { class: 'userbox' },
      h('span', { class: 'user-name', title: user.email, text: user.name || user.email }),
      h('button', { type: 'button', class: 'btn btn-ghost btn-sm', onclick: onSignOut, text: 'Sign out' })) : null);
}

/** Parses "#/a/b?x=1" into {path:['a','b'], query: URLSearchParams}. */
export function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [p, q = ''] = raw.split('?');
  const path = p.split('/').filter(Boolean).map((s) => { try { return decodeURIComponent(s); } catch { return s; } });
  return { path, query: new URLSearchParams(q) };
}

/** Moves focus to the main heading after a view change (for keyboard and screen-reader users). */
export function focusHeading(root) {
  const h1 = root.querySelector('h1');
  if (h1) {
    h1.setAttribute('tabindex', '-1');
    h1.focus({ preventScroll: true });
  }
}

export function flashBox(msg, kind = 'info') {
  return msg ? h('div', { class: `flash flash-${kind}`, role: kind === 'error' ? 'alert' : 'status', text: msg }) : null;
}

/** The skip link focuses <main> instead of changing the hash (which drives routing). */
export function initSkipLink() {
  const link = document.querySelector('.skip-link');
  const main = document.getElementById('main');
  if (!link || !main) return;
  link.addEventListener('click', (e) => {
    e.preventDefault();
    main.focus();
  });
}

/**
 * Turns a search snippet (server HTML: text escaped, matches in <mark>) into DOM nodes without
 * innerHTML: the string is parsed into an inert document (no scripts run, nothing loads) and
 * only its text and <mark> elements are rebuilt here, as text nodes and fresh <mark>s.
 */
export function snippetNodes(html) {
  if (typeof html !== 'string' || !html) return [];
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
  const out = [];
  for (const node of doc.body.childNodes) {
    if (node.nodeType === Node.ELEMENT_NODE && node.nodeName === 'MARK') out.push(h('mark', { text: node.textContent }));
    else if (node.textContent) out.push(document.createTextNode(node.textContent));
  }
  return out;
}

/** Only our own help-center article pages are linked to from suggestions (url if it is one). */
export function helpArticleHref(slug, url) {
  if (typeof url === 'string' && /^\/help\/articles\/[a-z0-9-]{1,80}(\?locale=[a-z]{2,3})?$/.test(url)) return url;
  return typeof slug === 'string' && /^[a-z0-9-]{1,80}$/.test(slug) ? `/help/articles/${slug}` : null;
}
