// Frontdesk agent console (/agent): sign-in, queue with filters and counts, ticket workspace.
// Hash routes: #/signin  #/queue?status=…&department=…&assignee=…&tag=…&q=…  #/tickets/FD-10001
//              #/kb…  (help-center editor, in kb_editor.js; for users who may edit articles)

import * as api from './api.js';
import {
  h, mount, field, select, errorBox, busy, statusBadge, priorityBadge, timeEl,
  sortMessages, messageCard, exchangeDetails, fileInput, checkFiles, parseHash, focusHeading,
  flashBox, topbar, STATUSES, STATUS_LABEL, PRIORITIES, PRIORITY_LABEL, CHANNEL_LABEL, ROLE_LABEL,
  nextId, initSkipLink,
} from './ui.js';
import { canEditKb, kbListView, kbEditView } from './kb_editor.js';
import { initAgentChat, stopAgentChat, chatsView, updateNavCount } from './agent-chat.js';
import { agentComplaintsView, ticketEscalationPanel } from './complaints.js';
import { initSla, slaNavLinks, slaView } from './agent-sla.js';
import { canAdminRouting, routingView, macroPanel } from './agent-routing.js';
import { canSeeReports, reportsView, csatPanel } from './agent-reports.js';
import { statusView, incidentPanel } from './agent-status.js';
import { triagePanel } from './agent-triage.js';
import { canSeeVerify, verifyView } from './agent-verify.js';
import { twoFactorStep, securityView } from './agent-security.js';

const main = document.getElementById('main');
const bar = document.getElementById('topbar');

const UNSOLVED = 'new,open,pending,on_hold';
const TRANSITIONS = {
  new: ['open', 'pending', 'on_hold', 'solved'],
  open: ['pending', 'on_hold', 'solved'],
  pending: ['open', 'on_hold', 'solved'],
  on_hold: ['open', 'pending', 'solved'],
  solved: ['open', 'closed'],
  closed: [],
};
const FILTER_KEYS = ['status', 'department', 'assignee', 'tag', 'q'];

const state = {
  user: null,
  departments: null,
  agents: null,
  flash: null,
  afterLogin: null,
  lastHash: null,
  queueHash: '#/queue',
  composerMode: 'public',
  eventsOpen: false,
};

function flash(msg, kind = 'success') { state.flash = { msg, kind }; }
function takeFlash() {
  const f = state.flash;
  state.flash = null;
  return f ? flashBox(f.msg, f.kind) : null;
}

const isStaff = (u) => u && ['agent', 'supervisor', 'admin'].includes(u.role);

function deptName(slug) {
  const d = (state.departments || []).find((x) => x.slug === slug);
  return d ? d.name : slug || '—';
}

async function loadDirectory() {
  const jobs = [];
  if (!state.departments) jobs.push(api.departments().then((r) => { state.departments = r.departments || []; }));
  if (!state.agents) jobs.push(api.agents().then((r) => { state.agents = r.agents || []; }));
  await Promise.all(jobs);
}

function renderTopbar() {
  const links = isStaff(state.user) ? [[state.queueHash, 'Queue'], ['#/chats', 'Chats'], ['#/complaints', 'Complaints']] : [];
  if (isStaff(state.user) && canEditKb(state.user)) links.push(['#/kb', 'Help center']);
  if (isStaff(state.user)) links.push(...slaNavLinks(state.user));
  if (canAdminRouting(state.user)) links.push(['#/routing', 'Routing']);
  if (canSeeReports(state.user)) links.push(['#/reports', 'Reports']);
  if (isStaff(state.user)) links.push(['#/status', 'Status']);
  if (canSeeVerify(state.user)) links.push(['#/verify', 'Verify']);
  if (isStaff(state.user)) links.push(['#/security', 'Security']);
  mount(bar, topbar({ product: 'Agent console', user: state.user, onSignOut: signOut, links }));
  if (isStaff(state.user)) updateNavCount();
  const p0 = parseHash().path[0];
  const section = p0 === 'kb' ? '#/kb' : p0 === 'queue' ? state.queueHash : p0 === 'chats' ? '#/chats' : p0 === 'reports' ? '#/reports' : null;
  for (const a of bar.querySelectorAll('.topnav a')) {
    if (section && a.getAttribute('href') === section) a.setAttribute('aria-current', 'page');
  }
  if (state.user && state.user.role !== 'customer') {
    const tag = h('span', { class: 'role-chip', text: `${ROLE_LABEL[state.user.role] || state.user.role}${state.user.tier ? ' · T' + state.user.tier : ''}${state.user.department ? ' · ' + deptName(state.user.department) : ''}` });
    const box = bar.querySelector('.userbox');
    if (box) box.insertBefore(tag, box.firstChild.nextSibling);
  }
}

async function signOut() {
  try { await api.logout(); } catch { /* already gone */ }
  stopAgentChat();
  state.user = null;
  state.agents = null;
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
  stopAgentChat();
  flash('Your session has expired. Please sign in again.', 'info');
  state.afterLogin = location.hash;
  go('#/signin');
});

// --- sign in -------------------------------------------------------------------------------

function signinView() {
  const box = errorBox();
  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'username' });
  const password = h('input', { type: 'password', name: 'password', required: true, autocomplete: 'current-password' });
  const form = h('form', { class: 'stack' },
    field('Work email', email), field('Password', password), box,
    h('button', { type: 'submit', class: 'btn btn-primary btn-block', text: 'Sign in' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, box, async () => {
      const res = await api.login(email.value.trim(), password.value);
      if (res.two_factor_required) {
        mount(main, h('div', { class: 'container wide' }, twoFactorStep(res.challenge, signedIn, (msg) => { flash(msg, 'error'); route(); })));
        return;
      }
      await signedIn(res);
    });
  });
  return h('section', { class: 'auth-card card' },
    h('h1', { text: 'Agent sign-in' }),
    h('p', { class: 'muted', text: 'Frontdesk agent console. Customers: please use ' },
      h('a', { href: '/support', text: 'the support portal' }), '.'),
    takeFlash(), form);
}

// The signed-in user, with whether 2FA enrolment is required before anything else.
async function refreshMe() {
  const me = await api.me();
  state.user = { ...me.user, two_factor_enrolment_required: me.two_factor_enrolment_required };
}

async function signedIn(res) {
  state.user = res.user;
  await refreshMe().catch(() => null);
  if (isStaff(state.user)) { initAgentChat({ user: state.user, deptName }); initSla({ user: state.user }); }
  const next = state.afterLogin && !/^#\/signin/.test(state.afterLogin) ? state.afterLogin : '#/queue';
  state.afterLogin = null;
  go(state.user.two_factor_enrolment_required ? '#/security' : next);
}

function notStaffView() {
  return h('section', { class: 'auth-card card' },
    h('h1', { text: 'Agents only' }),
    h('p', { text: 'This console is for support staff. Your account is a customer account.' }),
    h('p', null, h('a', { class: 'btn btn-primary', href: '/support', text: 'Go to the support portal' })));
}

// --- queue ---------------------------------------------------------------------------------

function readFilters() {
  const q = parseHash().query;
  const f = {};
  for (const k of FILTER_KEYS) f[k] = q.get(k) || '';
  if (!q.has('status')) f.status = UNSOLVED;
  if (!q.has('assignee')) f.assignee = '';
  return f;
}

function queueHash(f) {
  const qs = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    if (k === 'status') { if (f.status !== UNSOLVED) qs.set('status', f.status || 'all'); continue; }
    if (f[k]) qs.set(k, f[k]);
  }
  const s = qs.toString();
  return '#/queue' + (s ? '?' + s : '');
}

async function queueView() {
  const f = readFilters();
  const statusParam = f.status === 'all' ? '' : f.status;
  const common = { department: f.department, assignee: f.assignee, tag: f.tag, q: f.q };
  const box = errorBox();

  // Filters form.
  const deptSel = select('department', [['', 'All departments'], ...(state.departments || []).map((d) => [d.slug, d.name])], f.department);
  const asgSel = select('assignee', [['', 'Anyone'], ['me', 'Me'], ['none', 'Unassigned']], f.assignee);
  const tagIn = h('input', { type: 'text', name: 'tag', value: f.tag, autocomplete: 'off', placeholder: 'any' });
  const qIn = h('input', { type: 'search', name: 'q', value: f.q, autocomplete: 'off', placeholder: 'Subject or message text' });
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter tickets' },
    field('Search', qIn, { wide: true }),
    field('Department', deptSel), field('Assignee', asgSel), field('Tag', tagIn),
    h('div', { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', text: 'Apply' }),
      h('a', { class: 'btn btn-ghost', href: queueHash({ status: f.status }), text: 'Reset' })));
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    go(queueHash({ status: f.status, department: deptSel.value, assignee: asgSel.value, tag: tagIn.value.trim(), q: qIn.value.trim() }));
  });

  // Status tabs with counts.
  const tabs = h('nav', { class: 'tabs', 'aria-label': 'Ticket status' });
  const tabDefs = [[UNSOLVED, 'Unsolved'], ...STATUSES.map((s) => [s, STATUS_LABEL[s]]), ['all', 'All']];
  const countEls = {};
  for (const [value, label] of tabDefs) {
    const c = h('span', { class: 'count', text: '…' });
    countEls[value] = c;
    tabs.appendChild(h('a', {
      href: queueHash({ ...f, status: value }), class: 'tab' + (value === f.status ? ' active' : ''),
      'aria-current': value === f.status ? 'page' : null, dataset: { status: value },
    }, h('span', { text: label }), c));
  }

  // Table.
  const tbody = h('tbody');
  const table = h('table', { class: 'table queue-table' },
    h('caption', { class: 'visually-hidden', text: 'Tickets, newest first' }),
    h('thead', null, h('tr', null,
      ['Ticket', 'Subject', 'Requester', 'Status', 'Priority', 'Assignee', 'Department', 'Updated']
        .map((c) => h('th', { scope: 'col', text: c })))),
    tbody);
  const empty = h('p', { class: 'empty', hidden: true, text: 'No tickets match these filters.' });
  const more = h('button', { type: 'button', class: 'btn btn-secondary', hidden: true, text: 'Load more' });
  const shown = h('span', { class: 'muted', 'aria-live': 'polite' });
  let cursor = null;
  let n = 0;

  async function load() {
    const res = await api.listTickets({ ...common, status: statusParam, limit: 25, cursor });
    for (const t of res.tickets || []) {
      n++;
      tbody.appendChild(h('tr', { class: `row-${t.status}` },
        h('td', { class: 'mono nowrap', 'data-label': 'Ticket', text: t.reference }),
        h('td', { class: 'subject', 'data-label': 'Subject' },
          h('a', { href: `#/tickets/${encodeURIComponent(t.reference)}`, text: t.subject || '(no subject)' }),
          (t.tags || []).length ? h('span', { class: 'tags' }, t.tags.map((x) => h('span', { class: 'tag', text: x }))) : null),
        h('td', { 'data-label': 'Requester', text: t.requester ? (t.requester.name || t.requester.email) : '—' }),
        h('td', { 'data-label': 'Status' }, statusBadge(t.status)),
        h('td', { 'data-label': 'Priority' }, priorityBadge(t.priority)),
        h('td', { 'data-label': 'Assignee', class: t.assignee ? null : 'muted', text: t.assignee ? t.assignee.name : 'Unassigned' }),
        h('td', { 'data-label': 'Department', text: `${deptName(t.department)}${t.tier ? ' · T' + t.tier : ''}` }),
        h('td', { class: 'nowrap', 'data-label': 'Updated' }, timeEl(t.updated_at, true))));
    }
    cursor = res.next_cursor || null;
    more.hidden = !cursor;
    empty.hidden = n > 0;
    table.hidden = n === 0;
    shown.textContent = n ? `${n} shown` : '';
  }
  more.addEventListener('click', () => {
    more.disabled = true;
    load().catch((e) => box.show(e.message)).finally(() => { more.disabled = false; });
  });

  const counts = api.ticketCounts(common).then((res) => {
    const c = res.counts || {};
    let unsolved = 0;
    let all = 0;
    for (const s of STATUSES) {
      const v = Number(c[s] || 0);
      countEls[s].textContent = String(v);
      all += v;
      if (UNSOLVED.split(',').includes(s)) unsolved += v;
    }
    countEls[UNSOLVED].textContent = String(unsolved);
    countEls.all.textContent = String(all);
  }).catch(() => { for (const el of Object.values(countEls)) el.textContent = ''; });

  try { await Promise.all([load(), counts]); } catch (e) { box.show(e.message); table.hidden = true; }

  return h('section', null,
    h('div', { class: 'page-head' },
      h('h1', { text: 'Ticket queue' }),
      h('button', { type: 'button', class: 'btn btn-ghost btn-sm', onclick: () => route(true), text: 'Refresh' })),
    takeFlash(),
    h('div', { class: 'card card-pad-sm' }, filters),
    tabs, box,
    h('div', { class: 'card card-flush table-wrap' }, table, empty),
    h('div', { class: 'more' }, more, shown));
}

// --- ticket workspace ----------------------------------------------------------------------

function agentOptions(current) {
  const opts = [['', 'Unassigned']];
  const list = [...(state.agents || [])];
  if (current && !list.some((a) => a.id === current.id)) list.push(current);
  for (const a of list) opts.push([String(a.id), a.id === state.user.id ? `${a.name} (me)` : a.name]);
  return opts;
}

function composer(t, rerenderFn) {
  const box = errorBox();
  const name = 'mode-' + nextId('c');
  const mode = () => (form.elements.namedItem(name).value || 'public');
  const pub = h('input', { type: 'radio', name, value: 'public', checked: state.composerMode === 'public' });
  const note = h('input', { type: 'radio', name, value: 'internal', checked: state.composerMode === 'internal' });
  const body = h('textarea', { name: 'body', required: true, rows: 5, maxlength: 20000 });
  const bodyLabel = h('label', { for: body.id = nextId('f') });
  const hint = h('p', { class: 'composer-hint', id: nextId('h') });
  body.setAttribute('aria-describedby', hint.id);
  const files = fileInput('attachments');
  const statusAfter = select('status_after', [['', 'Keep status'], ...(TRANSITIONS[t.status] || [])
    .filter((s) => s !== 'closed').map((s) => [s, `Set ${STATUS_LABEL[s]}`])], '');
  const submit = h('button', { type: 'submit', class: 'btn' });

  const form = h('form', { class: 'composer', 'aria-label': 'Reply or add a note' },
    h('fieldset', { class: 'mode-toggle' },
      h('legend', { class: 'visually-hidden', text: 'Message type' }),
      h('label', { class: 'mode mode-public' }, pub, h('span', { text: 'Public reply' })),
      h('label', { class: 'mode mode-internal' }, note, h('span', { text: 'Internal note' }))),
    h('div', { class: 'field' }, bodyLabel, body, hint),
    field('Attach files', files, { optional: true }),
    box,
    h('div', { class: 'form-actions' },
      submit,
      field('After sending', statusAfter)));

  function sync() {
    const m = mode();
    state.composerMode = m;
    form.classList.toggle('is-internal', m === 'internal');
    form.classList.toggle('is-public', m !== 'internal');
    bodyLabel.textContent = m === 'internal' ? 'Internal note' : `Reply to ${t.requester ? t.requester.name || t.requester.email : 'requester'}`;
    hint.textContent = m === 'internal'
      ? 'Only agents see internal notes. The customer is not notified.'
      : 'The customer sees this reply and is notified by email.';
    submit.textContent = m === 'internal' ? 'Add internal note' : 'Send public reply';
    submit.className = 'btn ' + (m === 'internal' ? 'btn-note' : 'btn-primary');
  }
  pub.addEventListener('change', sync);
  note.addEventListener('change', sync);
  sync();

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const fileErr = checkFiles(files.files);
    if (fileErr) { box.show(fileErr); return; }
    busy(form, box, async () => {
      const internal = mode() === 'internal';
      const ids = [];
      for (const f of files.files) ids.push((await api.uploadAttachment(t.reference, f)).id);
      const msg = { body: body.value, internal };
      if (ids.length) msg.attachment_ids = ids;
      const res = await api.postMessage(t.reference, msg);
      const target = (res.ticket && res.ticket.reference) || t.reference;
      let note2 = internal ? 'Internal note added.' : 'Public reply sent.';
      const nowStatus = res.ticket && res.ticket.reference === t.reference ? res.ticket.status : null;
      if (statusAfter.value && statusAfter.value !== nowStatus) {
        try {
          await api.updateTicket(target, { status: statusAfter.value });
          note2 += ` Status set to ${STATUS_LABEL[statusAfter.value]}.`;
        } catch (err) {
          flash(`${note2} Status not changed: ${err.message}`, 'error');
          return rerenderFn(target);
        }
      }
      flash(target !== t.reference ? `${note2} It went to the follow-up ticket ${target}.` : note2);
      return rerenderFn(target);
    });
  });
  return form;
}

function propertiesForm(t, rerenderFn) {
  const box = errorBox();
  const allowed = [t.status, ...(TRANSITIONS[t.status] || [])];
  const status = select('status', STATUSES.filter((s) => allowed.includes(s)).map((s) => [s, STATUS_LABEL[s]]), t.status);
  const priority = select('priority', PRIORITIES.map((p) => [p, PRIORITY_LABEL[p]]), t.priority);
  const assignee = select('assignee_id', agentOptions(t.assignee), t.assignee ? t.assignee.id : '');
  const depts = (state.departments || []).map((d) => [d.slug, d.name]);
  if (t.department && !depts.some(([s]) => s === t.department)) depts.push([t.department, t.department]);
  const department = select('department', depts, t.department);
  const curTier = t.tier == null ? '' : String(t.tier);
  const tier = select('tier', [...(curTier ? [] : [['', '—']]), ['1', 'Tier 1'], ['2', 'Tier 2'], ['3', 'Tier 3']], curTier);
  const tags = h('input', { type: 'text', name: 'tags', value: (t.tags || []).join(', '), autocomplete: 'off' });

  const form = h('form', { class: 'stack props', 'aria-label': 'Ticket properties' },
    h('div', { class: 'grid-2 tight' },
      field('Status', status), field('Priority', priority),
      field('Assignee', assignee, { wide: true }),
      field('Department', department, { wide: true }), field('Tier', tier),
      field('Tags', tags, { wide: true, hint: 'Comma-separated.' })),
    box,
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', text: 'Update ticket' }),
      (!t.assignee || t.assignee.id !== state.user.id)
        ? h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'take', text: 'Assign to me' }) : null));

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const change = {};
    if (status.value !== t.status) change.status = status.value;
    if (priority.value !== t.priority) change.priority = priority.value;
    const aid = assignee.value ? Number(assignee.value) : null;
    if (aid !== (t.assignee ? t.assignee.id : null)) change.assignee_id = aid;
    if (department.value !== t.department) change.department = department.value;
    if (tier.value && tier.value !== curTier) change.tier = Number(tier.value);
    const newTags = tags.value.split(',').map((s) => s.trim()).filter(Boolean);
    if (newTags.join(',') !== (t.tags || []).join(',')) change.tags = newTags;
    if (!Object.keys(change).length) { box.show('Nothing changed.'); return; }
    busy(form, box, async () => {
      await api.updateTicket(t.reference, change);
      flash('Ticket updated.');
      await rerenderFn(t.reference);
    });
  });
  const take = form.querySelector('[data-action=take]');
  if (take) {
    take.addEventListener('click', () => busy(form, box, async () => {
      await api.assignTicket(t.reference, state.user.id);
      flash('Assigned to you.');
      await rerenderFn(t.reference);
    }));
  }
  return form;
}

function agentName(id) {
  if (id === null || id === undefined) return 'Unassigned';
  const a = (state.agents || []).find((x) => x.id === id);
  return a ? a.name : `#${id}`;
}

/** Formats one value of an event according to the field it belongs to. */
function fmtValue(key, v) {
  if (v === null || v === undefined || v === '') return key === 'assignee' || key === 'assignee_id' ? 'Unassigned' : '—';
  if (Array.isArray(v)) return v.length ? v.map((x) => fmtValue(key, x)).join(', ') : 'none';
  if (typeof v === 'object') return JSON.stringify(v);
  switch (key) {
    case 'status': return STATUS_LABEL[v] || String(v);
    case 'priority': return PRIORITY_LABEL[v] || String(v);
    case 'department': return deptName(v);
    case 'tier': return `Tier ${v}`;
    case 'assignee': case 'assignee_id': return agentName(v);
    case 'internal': return v ? 'yes' : 'no';
    default: return String(v);
  }
}

const HIDDEN_KEYS = new Set(['requester_id', 'message_id', 'ticket_id', 'id']);
const TYPE_KEY = { status_changed: 'status', priority_changed: 'priority', department_changed: 'department',
  tier_changed: 'tier', assigned: 'assignee', unassigned: 'assignee', tags_changed: 'tags', subject_changed: 'subject' };

/** One line describing what an event changed, e.g. "Open → Pending". */
function describeData(ev) {
  const data = ev.data;
  if (!data || typeof data !== 'object') return null;
  const key = TYPE_KEY[ev.type] || String(ev.type || '').replace(/_changed$/, '');
  const isObj = (v) => v && typeof v === 'object' && !Array.isArray(v);
  const items = [];
  const hasB = 'before' in data;
  const hasA = 'after' in data;
  if (hasB || hasA) {
    const b = data.before;
    const a = data.after;
    if (isObj(a) || isObj(b)) {
      const bo = isObj(b) ? b : {};
      const ao = isObj(a) ? a : {};
      for (const k of new Set([...Object.keys(bo), ...Object.keys(ao)])) {
        if (HIDDEN_KEYS.has(k) || (k === 'internal' && ev.type === 'message_added')) continue;
        if (k in bo && k in ao) items.push(`${k}: ${fmtValue(k, bo[k])} → ${fmtValue(k, ao[k])}`);
        else items.push(`${k}: ${fmtValue(k, k in ao ? ao[k] : bo[k])}`);
      }
    } else if (hasB) items.push(`${fmtValue(key, b)} → ${fmtValue(key, a)}`);
    else items.push(fmtValue(key, a));
  }
  for (const [k, v] of Object.entries(data)) {
    if (k === 'before' || k === 'after' || HIDDEN_KEYS.has(k)) continue;
    items.push(`${k}: ${fmtValue(k, v)}`);
  }
  return items.length ? h('span', { class: 'event-data', text: items.join(' · ') }) : null;
}

function humanType(type) {
  const s = String(type || 'event').replace(/[._]/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function eventTitle(ev) {
  const a = ev.data && ev.data.after;
  if (ev.type === 'message_added' && a && typeof a === 'object') return a.internal ? 'Internal note added' : 'Public message added';
  if (ev.type === 'created') return 'Ticket created';
  return humanType(ev.type);
}

function eventsPanel(events, err) {
  const list = events
    ? h('ol', { class: 'events' }, [...events].sort((a, b) => (Date.parse(a.created_at) || 0) - (Date.parse(b.created_at) || 0) || a.id - b.id)
      .map((ev) => h('li', null,
        h('div', { class: 'event-line' },
          h('strong', { text: eventTitle(ev) }),
          h('span', { class: 'muted', text: ` by ${ev.actor ? ev.actor.name : 'System'}` })),
        timeEl(ev.created_at),
        describeData(ev))))
    : h('p', { class: 'form-error', role: 'alert', text: err || 'Could not load the activity log.' });
  const d = h('details', { class: 'card events-panel', open: state.eventsOpen },
    h('summary', null, h('span', { text: 'Activity log' }), h('span', { class: 'count', text: events ? String(events.length) : '!' })),
    list);
  d.addEventListener('toggle', () => { state.eventsOpen = d.open; });
  return d;
}

function relatedPanel(t, related, err) {
  const others = (related || []).filter((x) => x.reference !== t.reference);
  return h('section', { class: 'card related' },
    h('h2', { class: 'h3', text: "Requester's other tickets" }),
    err ? h('p', { class: 'form-error', role: 'alert', text: err })
      : others.length ? h('ul', { class: 'related-list' }, others.map((x) => h('li', null,
        h('a', { href: `#/tickets/${encodeURIComponent(x.reference)}` },
          h('span', { class: 'mono', text: x.reference }), ' ', h('span', { text: x.subject || '(no subject)' })),
        h('span', { class: 'related-meta' }, statusBadge(x.status), timeEl(x.updated_at, true)))))
        : h('p', { class: 'muted', text: 'No other tickets.' }));
}

async function ticketView(ref) {
  const settle = (p) => p.then((v) => ({ v }), (e) => ({ e }));
  const [td, ev, rel] = await Promise.all([
    settle(api.getTicket(ref)), settle(api.ticketEvents(ref)), settle(api.relatedTickets(ref)),
    loadDirectory().catch(() => null),
  ]);
  const back = h('p', { class: 'crumbs' }, h('a', { href: state.queueHash, text: '← Queue' }));
  if (td.e) {
    return h('section', null, back,
      h('h1', { text: td.e.status === 404 ? 'Ticket not found' : 'Could not load the ticket' }),
      flashBox(td.e.message, 'error'));
  }
  const t = td.v.ticket;
  const messages = sortMessages(td.v.messages);
  const rerenderFn = async (target) => {
    const hash = `#/tickets/${encodeURIComponent(target || t.reference)}`;
    if (location.hash !== hash) location.hash = hash; else await route(true);
  };
  const req = t.requester || {};
  const ex = exchangeDetails(t.exchange);

  return h('section', { class: 'ticket-page' },
    back,
    h('div', { class: 'ticket-head' },
      h('h1', { text: t.subject || '(no subject)' }),
      h('div', { class: 'meta' },
        h('span', { class: 'mono', text: t.reference }),
        statusBadge(t.status), priorityBadge(t.priority),
        h('span', { text: `${deptName(t.department)} · Tier ${t.tier || '—'}` }),
        h('span', { text: `via ${CHANNEL_LABEL[t.channel] || t.channel || 'web'}` }),
        h('span', null, 'Opened ', timeEl(t.created_at)),
        (t.tags || []).length ? h('span', { class: 'tags-inline' }, t.tags.map((x) => h('span', { class: 'tag', text: x }))) : null,
        t.assignee ? h('span', { text: `Assigned to ${t.assignee.name}` }) : h('span', { class: 'muted', text: 'Unassigned' })),
      t.follow_up_of ? h('p', { class: 'muted' }, 'Follow-up of ',
        h('a', { href: `#/tickets/${encodeURIComponent(t.follow_up_of)}`, text: t.follow_up_of })) : null),
    takeFlash(),
    h('div', { class: 'ticket-layout' },
      h('div', { class: 'ticket-main' },
        h('h2', { class: 'visually-hidden', text: 'Conversation' }),
        h('div', { class: 'thread' }, messages.map((m) => messageCard(m, { viewer: 'agent', selfId: state.user.id }))),
        h('div', { class: 'card composer-card' }, composer(t, rerenderFn))),
      h('aside', { class: 'ticket-side' },
        h('section', { class: 'card' },
          h('h2', { class: 'h3', text: 'Requester' }),
          h('p', { class: 'requester' }, h('strong', { text: req.name || '—' }), h('br'),
            h('span', { class: 'muted break', text: req.email || '' }))),
        h('section', { class: 'card' }, h('h2', { class: 'h3', text: 'Properties' }), propertiesForm(t, rerenderFn)),
        macroPanel(t, rerenderFn),
        triagePanel(t, deptName, () => rerenderFn()),
        h('section', { class: 'card' },
          h('h2', { class: 'h3', text: 'Exchange details' }),
          ex || h('p', { class: 'muted', text: 'No UID, asset or transaction given.' })),
        ticketEscalationPanel(t, { departments: state.departments, rerender: rerenderFn }),
        csatPanel(t),
        relatedPanel(t, rel.v && rel.v.tickets, rel.e && rel.e.message),
        incidentPanel(t.reference, rerenderFn),
        eventsPanel(ev.v && ev.v.events, ev.e && ev.e.message))));
}

// --- router --------------------------------------------------------------------------------

let seq = 0;
async function route(keepFocus = false) {
  const my = ++seq;
  const { path } = parseHash();
  let view;
  if (!state.user) {
    if (path[0] !== 'signin') {
      if (location.hash && location.hash !== '#/' && !state.afterLogin) state.afterLogin = location.hash;
      history.replaceState(null, '', '#/signin');
    }
    renderTopbar();
    view = signinView();
  } else if (!isStaff(state.user)) {
    renderTopbar();
    view = notStaffView();
  } else {
    await loadDirectory().catch(() => null);
    if (path[0] === 'security' || state.user.two_factor_enrolment_required) {
      if (path[0] !== 'security') history.replaceState(null, '', '#/security');
      renderTopbar();
      view = await securityView({ user: state.user, query: parseHash().query, flash, takeFlash, rerender: async (full) => { if (full) await refreshMe().catch(() => null); route(true); } });
    } else if (path[0] === 'tickets' && path[1]) {
      renderTopbar();
      view = await ticketView(path[1]);
    } else if (path[0] === 'complaints') {
      renderTopbar();
      view = await agentComplaintsView(path, parseHash().query, { go, flash, takeFlash, rerender: () => route(true) });
    } else if (path[0] === 'reports' && canSeeReports(state.user)) {
      renderTopbar();
      view = await reportsView();
    } else if (path[0] === 'chats') {
      renderTopbar();
      view = chatsView();
    } else if (path[0] === 'sla') {
      renderTopbar();
      view = await slaView(path, { go, flash, takeFlash, deptName });
    } else if (path[0] === 'routing' && canAdminRouting(state.user)) {
      renderTopbar();
      view = await routingView({ go, flash, takeFlash, departments: state.departments || [] }).catch((e) => h('section', null, h('h1', { text: 'Routing' }), flashBox(e.message, 'error')));
    } else if (path[0] === 'verify' && canSeeVerify(state.user)) {
      renderTopbar();
      view = await verifyView({ user: state.user });
    } else if (path[0] === 'status') {
      renderTopbar();
      view = await statusView({ user: state.user, flash, takeFlash });
    } else if (path[0] === 'kb' && canEditKb(state.user)) {
      renderTopbar();
      const ctx = { go, flash, takeFlash };
      if (path[1] === 'new') view = await kbEditView({ ...ctx, slug: null });
      else if (path[1] === 'edit' && path[2]) view = await kbEditView({ ...ctx, slug: path[2] });
      else view = await kbListView(ctx);
    } else {
      if (path[0] !== 'queue') history.replaceState(null, '', '#/queue');
      state.queueHash = location.hash || '#/queue';
      renderTopbar();
      view = await queueView();
    }
  }
  if (my !== seq) return;
  const sameView = location.hash === state.lastHash;
  state.lastHash = location.hash;
  const y = window.scrollY;
  mount(main, h('div', { class: 'container wide' }, view));
  if (keepFocus && sameView) window.scrollTo(0, y);
  else { window.scrollTo(0, 0); focusHeading(main); }
}

async function boot() {
  initSkipLink();
  try {
    await refreshMe();
    if (isStaff(state.user)) { initAgentChat({ user: state.user, deptName }); initSla({ user: state.user }); }
  } catch (e) {
    if (e.status !== 401) flash(e.message, 'error');
    state.user = null;
  }
  window.addEventListener('hashchange', () => route());
  await route();
}

boot();
