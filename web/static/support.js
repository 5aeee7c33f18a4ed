// Frontdesk customer portal (/support): sign-up / sign-in, My tickets, New ticket, ticket thread.
// Hash routes: #/signin  #/signup  #/tickets  #/new  #/tickets/FD-10001

import * as api from './api.js';
import { statusBanner } from './status-banner.js';
import {
  h, mount, field, select, errorBox, busy, statusBadge, timeEl, formatDate, sortMessages,
  messageCard, exchangeDetails, readExchange, fileInput, checkFiles, parseHash, focusHeading,
  flashBox, topbar, NETWORKS, EXCHANGE_FIELDS, initSkipLink, snippetNodes, helpArticleHref,
} from './ui.js';
import { portalComplaintsView } from './complaints.js';
import { expectationHint, csatCard, csatLinkView } from './csat.js';

const main = document.getElementById('main');
const bar = document.getElementById('topbar');

const state = {
  user: null,
  departments: null, // [{slug,name}]
  flash: null,       // {msg, kind} shown once on the next view
  afterLogin: null,  // hash to return to after signing in
  lastHash: null,
};

const STATUS_HINT = {
  new: 'We have received your request and will reply soon.',
  open: 'Our team is working on your request.',
  pending: 'We are waiting for your reply.',
  on_hold: 'Your request is on hold while we check with another team.',
  solved: 'This ticket is solved. Reply if you still need help and it will be reopened.',
  closed: 'This ticket is closed. A reply will open a new follow-up ticket.',
};

function flash(msg, kind = 'success') { state.flash = { msg, kind }; }
function takeFlash() {
  const f = state.flash;
  state.flash = null;
  return f ? flashBox(f.msg, f.kind) : null;
}

function deptName(slug) {
  const d = (state.departments || []).find((x) => x.slug === slug);
  return d ? d.name : slug || '';
}

async function loadDepartments() {
  if (!state.departments) {
    const res = await api.departments();
    state.departments = res.departments || [];
  }
  return state.departments;
}

function renderTopbar() {
  const links = state.user ? [['#/tickets', 'My tickets'], ['#/new', 'New ticket'], ['#/complaints', 'Complaints']] : [];
  mount(bar, topbar({ product: 'Support', user: state.user, onSignOut: signOut, links }));
  const cur = '#/' + (parseHash().path[0] || 'tickets');
  for (const a of bar.querySelectorAll('.topnav a')) {
    if (a.getAttribute('href') === cur && parseHash().path.length < 2) a.setAttribute('aria-current', 'page');
  }
}

async function signOut() {
  try { await api.logout(); } catch { /* session may already be gone */ }
  state.user = null;
  state.departments = null;
  flash('You have been signed out.', 'info');
  go('#/signin');
}

function go(hash) {
  if (location.hash === hash) route(); else location.hash = hash;
}

api.onUnauthorized(() => {
  if (!state.user) return;
  state.user = null;
  flash('Your session has expired. Please sign in again.', 'info');
  state.afterLogin = location.hash;
  go('#/signin');
});

// --- auth views ----------------------------------------------------------------------------

function authView(mode) {
  const box = errorBox();
  const isSignup = mode === 'signup';
  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'email', maxlength: 254 });
  const name = isSignup ? h('input', { type: 'text', name: 'name', required: true, autocomplete: 'name', maxlength: 100 }) : null;
  const password = h('input', {
    type: 'password', name: 'password', required: true,
    autocomplete: isSignup ? 'new-password' : 'current-password', minlength: isSignup ? 10 : null,
  });
  const form = h('form', { class: 'stack', novalidate: false },
    isSignup ? field('Full name', name) : null,
    field('Email', email),
    field('Password', password, { hint: isSignup ? 'At least 10 characters.' : null }),
    box,
    h('button', { type: 'submit', class: 'btn btn-primary btn-block', text: isSignup ? 'Create account' : 'Sign in' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, box, async () => {
      const res = isSignup
        ? await api.signup(email.value.trim(), name.value.trim(), password.value)
        : await api.login(email.value.trim(), password.value);
      state.user = res.user;
      const next = state.afterLogin && !/^#\/(signin|signup)/.test(state.afterLogin) ? state.afterLogin : '#/tickets';
      state.afterLogin = null;
      if (isSignup) flash(`Welcome, ${res.user.name || res.user.email}. Your account is ready.`);
      go(next);
    });
  });
  return h('section', { class: 'auth-card card' },
    h('h1', { text: isSignup ? 'Create your support account' : 'Sign in to Support' }),
    h('p', { class: 'muted', text: isSignup
      ? 'Use the email address of your exchange account so we can find it faster.'
      : 'Sign in to open a ticket and follow your requests.' }),
    takeFlash(),
    form,
    h('p', { class: 'auth-switch' }, isSignup ? 'Already have an account? ' : 'New here? ',
      h('a', { href: isSignup ? '#/signin' : '#/signup', text: isSignup ? 'Sign in' : 'Create an account' })),
    h('p', { class: 'safety-note' },
      h('strong', { text: 'Stay safe: ' }),
      'our staff will never ask for your password, 2FA codes, seed phrase or private keys.'));
}

// --- My tickets ----------------------------------------------------------------------------

async function listView() {
  await loadDepartments().catch(() => null);
  const tbody = h('tbody');
  const more = h('button', { type: 'button', class: 'btn btn-secondary', hidden: true, text: 'Load more' });
  const box = errorBox();
  const table = h('table', { class: 'table ticket-table' },
    h('caption', { class: 'visually-hidden', text: 'Your support tickets, newest first' }),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col', text: 'Reference' }), h('th', { scope: 'col', text: 'Subject' }),
      h('th', { scope: 'col', text: 'Status' }), h('th', { scope: 'col', text: 'Updated' }))),
    tbody);
  const empty = h('div', { class: 'empty', hidden: true },
    h('p', { text: 'You have no tickets yet.' }),
    h('a', { class: 'btn btn-primary', href: '#/new', text: 'Open a ticket' }));
  let cursor = null;
  let count = 0;

  async function load() {
    const res = await api.listTickets({ limit: 25, cursor });
    for (const t of res.tickets || []) {
      count++;
      tbody.appendChild(h('tr', null,
        h('td', { class: 'mono nowrap', 'data-label': 'Reference', text: t.reference }),
        h('td', { class: 'subject', 'data-label': 'Subject' },
          h('a', { href: `#/tickets/${encodeURIComponent(t.reference)}`, text: t.subject || '(no subject)' }),
          h('span', { class: 'sub muted', text: deptName(t.department) })),
        h('td', { 'data-label': 'Status' }, statusBadge(t.status)),
        h('td', { class: 'nowrap', 'data-label': 'Updated' }, timeEl(t.updated_at, true))));
    }
    cursor = res.next_cursor || null;
    more.hidden = !cursor;
    empty.hidden = count > 0;
    table.hidden = count === 0;
  }
  more.addEventListener('click', () => {
    more.disabled = true;
    load().catch((e) => box.show(e.message)).finally(() => { more.disabled = false; });
  });
  const view = h('section', null,
    h('div', { class: 'page-head' },
      h('h1', { text: 'My tickets' }),
      h('a', { class: 'btn btn-primary', href: '#/new', text: 'New ticket' })),
    takeFlash(), box,
    h('div', { class: 'card card-flush' }, table, empty),
    h('div', { class: 'more' }, more));
  try { await load(); } catch (e) { box.show(e.message); table.hidden = true; }
  return view;
}

// --- Deflection: help-center articles suggested while the customer types -----------------

const DEFLECT_DEBOUNCE_MS = 300;
const DEFLECT_MIN_WORDS = 3;

/**
 * Watches the subject and description; once they hold at least three words, asks
 * POST /kb/deflect (debounced) for articles and lists them. The token the server returns
 * ties the suggestions, any article opened, and the ticket finally filed together.
 */
function deflector(inputs) {
  const list = h('ul');
  const panel = h('section', { class: 'deflect', hidden: true, 'aria-labelledby': 'deflect-h', 'data-testid': 'deflection' },
    h('h2', { id: 'deflect-h', text: 'These articles may answer your question' }),
    h('p', { class: 'deflect-hint', text: 'They open in a new tab, so your ticket stays here.' }),
    list);
  const live = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  let token = null;
  let timer = null;
  let seq = 0;
  let lastText = '';

  function opened(slug) {
    if (!token) return;
    api.post(`/kb/deflect/${encodeURIComponent(token)}/opened`, { slug }).catch(() => { /* best effort */ });
  }

  function show(articles) {
    const items = [];
    for (const a of articles) {
      const href = helpArticleHref(a.slug, a.url);
      if (!href) continue;
      items.push(h('li', null,
        h('a', { href, target: '_blank', rel: 'noopener', onclick: () => opened(a.slug), text: a.title || a.slug }),
        a.snippet ? h('span', { class: 'deflect-snippet' }, snippetNodes(a.snippet)) : null));
    }
    list.replaceChildren(...items);
    panel.hidden = items.length === 0;
    live.textContent = items.length ? `${items.length} help article${items.length === 1 ? '' : 's'} may answer your question.` : '';
  }

  async function ask(text) {
    const my = ++seq;
    try {
      const body = { text, channel: 'ticket' };
      if (token) body.token = token;
      const res = await api.post('/kb/deflect', body);
      if (my !== seq) return;
      if (res && res.token) token = res.token;
      show((res && res.articles) || []);
    } catch {
      /* suggestions are optional: never block filing a ticket */
    }
  }

  function changed() {
    clearTimeout(timer);
    const text = inputs.map((i) => i.value.trim()).filter(Boolean).join('\n').slice(0, 2000);
    if (text.split(/\s+/).filter(Boolean).length < DEFLECT_MIN_WORDS) { seq++; show([]); lastText = ''; return; }
    if (text === lastText) return;
    timer = setTimeout(() => { lastText = text; ask(text); }, DEFLECT_DEBOUNCE_MS);
  }
  for (const i of inputs) i.addEventListener('input', changed);
  return { panel: h('div', null, panel, live), token: () => token };
}

// --- New ticket ----------------------------------------------------------------------------

async function newTicketView() {
  const box = errorBox();
  let depts = [];
  try { depts = await loadDepartments(); } catch (e) { box.show(e.message); }
  const dept = select('department', [['', 'Choose a topic…'], ...depts.map((d) => [d.slug, d.name])], parseHash().query.get('department') || '');
  dept.required = true;
  const subject = h('input', { type: 'text', name: 'subject', required: true, maxlength: 200, autocomplete: 'off' });
  const body = h('textarea', { name: 'body', required: true, rows: 7, maxlength: 20000 });
  const files = fileInput('screenshots');
  const netList = h('datalist', { id: 'network-list' }, NETWORKS.map((n) => h('option', { value: n })));

  const exInputs = {
    uid: h('input', { type: 'text', name: 'ex_uid', inputmode: 'numeric', pattern: '[0-9]{6,20}', maxlength: 20, autocomplete: 'off', title: '6–20 digits' }),
    asset: h('input', { type: 'text', name: 'ex_asset', maxlength: 10, autocapitalize: 'characters', autocomplete: 'off', placeholder: 'e.g. USDT', class: 'upper' }),
    network: h('input', { type: 'text', name: 'ex_network', list: 'network-list', maxlength: 20, autocapitalize: 'none', autocomplete: 'off', placeholder: 'e.g. ethereum' }),
    amount: h('input', { type: 'text', name: 'ex_amount', inputmode: 'decimal', pattern: '[0-9]+(\\.[0-9]{1,18})?', maxlength: 40, autocomplete: 'off', title: 'A positive number, e.g. 250.5' }),
    txid: h('input', { type: 'text', name: 'ex_txid', maxlength: 128, autocomplete: 'off', spellcheck: 'false', class: 'mono' }),
    order_id: h('input', { type: 'text', name: 'ex_order_id', pattern: '[A-Za-z0-9_\\-]{1,64}', maxlength: 64, autocomplete: 'off' }),
  };
  const hints = {
    uid: 'Your account UID (6–20 digits).',
    txid: 'Transaction hash from the blockchain explorer.',
    order_id: 'For trade or P2P issues.',
  };
  const exFieldset = h('fieldset', { class: 'fieldset' },
    h('legend', { text: 'Transaction details (optional)' }),
    h('p', { class: 'hint', text: 'For deposits, withdrawals and trades these help us find your transaction quickly.' }),
    h('div', { class: 'grid-2' },
      EXCHANGE_FIELDS.map(([k, label]) => field(label, exInputs[k], { hint: hints[k], wide: k === 'txid' }))),
    netList);

  const deflect = deflector([subject, body]);
  const form = h('form', { class: 'stack', 'aria-label': 'New ticket' },
    statusBanner('portal'),
    field('Topic', dept), expectationHint(dept, 'web'),
    field('Subject', subject, { hint: 'A short summary, e.g. "USDT deposit not credited".' }),
    field('Describe the problem', body, { hint: 'What happened, when, and what you expected. Never include passwords, 2FA codes or seed phrases.' }),
    deflect.panel,
    exFieldset,
    field('Screenshots', files, { optional: true, hint: 'PNG, JPEG, GIF, WebP, PDF or text, up to 10 MB each.' }),
    box,
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', text: 'Submit ticket' }),
      h('a', { class: 'btn btn-ghost', href: '#/tickets', text: 'Cancel' })));

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const fileErr = checkFiles(files.files);
    if (fileErr) { box.show(fileErr); return; }
    busy(form, box, async () => {
      const payload = { subject: subject.value.trim(), body: body.value, department: dept.value };
      const ex = readExchange(form);
      if (ex) payload.exchange = ex;
      if (deflect.token()) payload.deflection_token = deflect.token();
      const res = await api.createTicket(payload);
      const ref = res.ticket.reference;
      const picked = [...files.files];
      if (picked.length) {
        try {
          const ids = [];
          for (const f of picked) ids.push((await api.uploadAttachment(ref, f)).id);
          await api.postMessage(ref, { body: `Attached: ${picked.map((f) => f.name).join(', ')}`, attachment_ids: ids });
        } catch (err) {
          flash(`Ticket ${ref} was created, but a file could not be attached: ${err.message}`, 'error');
          location.hash = `#/tickets/${encodeURIComponent(ref)}`;
          return;
        }
      }
      if (res.safety_warning) flash(`Ticket ${ref} created. ${res.safety_warning.message}`, 'error');
      else flash(`Ticket ${ref} created. We will reply by email and here.`);
      location.hash = `#/tickets/${encodeURIComponent(ref)}`;
    });
  });

  return h('section', { class: 'narrow' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/tickets', text: '← My tickets' })),
    h('h1', { text: 'New ticket' }),
    h('div', { class: 'card' }, form));
}

// --- Ticket thread -------------------------------------------------------------------------

async function ticketView(ref) {
  let data;
  try {
    [data] = await Promise.all([api.getTicket(ref), loadDepartments().catch(() => null)]);
  } catch (e) {
    return h('section', { class: 'narrow' },
      h('p', { class: 'crumbs' }, h('a', { href: '#/tickets', text: '← My tickets' })),
      h('h1', { text: e.status === 404 ? 'Ticket not found' : 'Could not load the ticket' }),
      flashBox(e.message, 'error'));
  }
  const t = data.ticket;
  const messages = sortMessages(data.messages).filter((m) => !m.internal);
  const open = !['solved', 'closed'].includes(t.status);

  // Reply form.
  const box = errorBox();
  const body = h('textarea', { name: 'body', required: true, rows: 5, maxlength: 20000 });
  const files = fileInput('attachments');
  const reply = h('form', { class: 'stack reply-form', 'aria-label': 'Reply' },
    field(t.status === 'closed' ? 'Reply (opens a follow-up ticket)' : 'Your reply', body),
    field('Attach files', files, { optional: true, hint: 'PNG, JPEG, GIF, WebP, PDF or text, up to 10 MB each.' }),
    box,
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', text: 'Send reply' })));
  reply.addEventListener('submit', (e) => {
    e.preventDefault();
    const fileErr = checkFiles(files.files);
    if (fileErr) { box.show(fileErr); return; }
    busy(reply, box, async () => {
      const ids = [];
      for (const f of files.files) ids.push((await api.uploadAttachment(t.reference, f)).id);
      const msg = { body: body.value };
      if (ids.length) msg.attachment_ids = ids;
      const res = await api.postMessage(t.reference, msg);
      const nref = res.ticket && res.ticket.reference;
      if (nref && nref !== t.reference) {
        flash(`Your reply opened follow-up ticket ${nref}.`);
        location.hash = `#/tickets/${encodeURIComponent(nref)}`;
      } else {
        flash(res.safety_warning ? `Reply sent. ${res.safety_warning.message}` : 'Reply sent.',
          res.safety_warning ? 'error' : 'success');
        await rerender();
      }
    });
  });

  // Mark as solved.
  const solveBox = errorBox();
  const solveForm = open ? h('form', { class: 'solve-form' },
    h('p', { class: 'muted', text: 'Problem fixed?' }),
    h('button', { type: 'submit', class: 'btn btn-secondary', text: 'Mark as solved' }),
    solveBox) : null;
  if (solveForm) {
    solveForm.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(solveForm, solveBox, async () => {
        await api.updateTicket(t.reference, { status: 'solved' });
        flash('Thanks — the ticket is marked as solved.');
        await rerender();
      });
    });
  }

  const ex = exchangeDetails(t.exchange);
  return h('section', { class: 'ticket-page' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/tickets', text: '← My tickets' })),
    h('div', { class: 'ticket-head' },
      h('h1', { text: t.subject || '(no subject)' }),
      h('div', { class: 'meta' },
        h('span', { class: 'mono', text: t.reference }),
        statusBadge(t.status),
        h('span', { text: deptName(t.department) }),
        h('span', null, 'Opened ', timeEl(t.created_at))),
      t.follow_up_of ? h('p', { class: 'muted' }, 'Follow-up of ',
        h('a', { href: `#/tickets/${encodeURIComponent(t.follow_up_of)}`, text: t.follow_up_of })) : null,
      h('p', { class: `status-hint status-hint-${t.status}`, 'data-testid': 'status-hint', text: STATUS_HINT[t.status] || '' })),
    takeFlash(),
    h('div', { class: 'ticket-layout' },
      h('div', { class: 'ticket-main' },
        h('h2', { class: 'visually-hidden', text: 'Conversation' }),
        h('div', { class: 'thread' }, messages.map((m) => messageCard(m, { viewer: 'customer', selfId: state.user.id }))),
        h('div', { class: 'card' }, h('h2', { class: 'h3', text: 'Reply' }), reply)),
      h('aside', { class: 'ticket-side' },
        h('div', { class: 'card' },
          h('h2', { class: 'h3', text: 'Details' }),
          h('dl', { class: 'kv' },
            h('dt', { text: 'Reference' }), h('dd', { class: 'mono', text: t.reference }),
            h('dt', { text: 'Status' }), h('dd', null, statusBadge(t.status)),
            h('dt', { text: 'Topic' }), h('dd', { text: deptName(t.department) }),
            h('dt', { text: 'Last update' }), h('dd', { text: formatDate(t.updated_at) })),
          ex ? h('h3', { class: 'h4', text: 'Transaction' }) : null, ex,
          solveForm),
        csatCard(t))));
}

// --- router --------------------------------------------------------------------------------

let seq = 0;
async function rerender() { await route(true); }

async function route(keepFocus = false) {
  const my = ++seq;
  const { path } = parseHash();
  let view;
  if (path[0] === 'csat' && path[1]) { renderTopbar(); view = csatLinkView(path[1]); } else if (!state.user) {
    if (path[0] !== 'signin' && path[0] !== 'signup') {
      if (location.hash && location.hash !== '#/' && !state.afterLogin) state.afterLogin = location.hash;
      history.replaceState(null, '', '#/signin');
    }
    renderTopbar();
    view = authView(parseHash().path[0] === 'signup' ? 'signup' : 'signin');
  } else {
    renderTopbar();
    if (path[0] === 'new') view = await newTicketView();
    else if (path[0] === 'tickets' && path[1]) view = await ticketView(path[1]);
    else if (path[0] === 'complaints') view = await portalComplaintsView(path, { user: state.user, go, flash, takeFlash });
    else {
      if (path[0] !== 'tickets') history.replaceState(null, '', '#/tickets');
      view = await listView();
    }
  }
  if (my !== seq) return; // a newer navigation won
  const sameView = location.hash === state.lastHash;
  state.lastHash = location.hash;
  const y = window.scrollY;
  mount(main, h('div', { class: 'container' }, view));
  if (keepFocus && sameView) window.scrollTo(0, y);
  else { window.scrollTo(0, 0); focusHeading(main); }
}

async function boot() {
  initSkipLink();
  try {
    const res = await api.me();
    state.user = res.user;
  } catch (e) {
    if (e.status !== 401) flash(e.message, 'error');
    state.user = null;
  }
  window.addEventListener('hashchange', () => route());
  await route();
}

boot();
