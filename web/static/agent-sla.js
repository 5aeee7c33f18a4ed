// Agent console: SLA countdowns in the queue and the ticket view, the "Breaching soon" view
// (#/sla/breaching), SLA notifications in the top bar, and the admin page (#/sla/admin) for
// business calendars, department calendars and SLA policies.
//
// Countdowns use the server's remaining_ms at fetch time plus the time elapsed here, so they
// follow the server's clock (which tests drive), not the browser's.

import * as api from './api.js';
import { h, field, select, errorBox, busy, priorityBadge, PRIORITIES, PRIORITY_LABEL } from './ui.js';

const LABEL = { first_reply: 'First reply', next_reply: 'Next reply', resolution: 'Resolution' };
const SHORT = { first_reply: 'FRT', next_reply: 'NRT', resolution: 'RES' };
const SOON_MS = 60 * 60 * 1000; // amber within an hour (or once the server has warned)
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DAY_LABEL = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

const STYLE = `
.sla-chips { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }
.sla-chip { display: inline-block; font-size: 11px; font-weight: 650; padding: 2px 7px; border-radius: 999px;
  border: 1px solid #c3d4f7; background: #eef3fd; color: #1b4fb0; white-space: nowrap; }
.sla-chip.sla-soon { background: #fff4e0; color: #8a4b00; border-color: #f3c98b; }
.sla-chip.sla-breached { background: #b42318; color: #fff; border-color: #b42318; }
.sla-chip.sla-paused { background: #f1f3f5; color: #5b6472; border-color: #dbe0e6; }
.sla-chip.sla-met { background: #e3f4ea; color: #126b3c; border-color: #bfe3cd; }
.sla-list { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; }
.sla-list li { display: flex; justify-content: space-between; gap: 8px; align-items: center; }
.sla-bell { margin-left: 8px; font-size: 12px; }
.sla-notes { list-style: none; padding: 0; margin: 0; }
.sla-notes li { padding: 8px 0; border-bottom: 1px solid var(--border); }
.sla-notes li.unread { font-weight: 600; }
.sla-days { display: flex; flex-wrap: wrap; gap: 10px; }
`;

let user = null;
const live = new Set(); // chips to refresh: {el, clock, fetchedAt}

function isAdmin(u) { return u && u.role === 'admin'; }

export function slaNavLinks(u) {
  const links = [['#/sla/breaching', 'Breaching soon']];
  if (isAdmin(u)) links.push(['#/sla/admin', 'SLA settings']);
  return links;
}

function fmtDur(ms) {
  const m = Math.max(0, Math.round(Math.abs(ms) / 60000));
  const d = Math.floor(m / 1440);
  const hh = Math.floor((m % 1440) / 60);
  const mm = m % 60;
  if (d) return `${d}d ${hh}h`;
  if (hh) return `${hh}h ${String(mm).padStart(2, '0')}m`;
  return `${mm}m`;
}

/** Text and colour of one clock at this moment. */
function clockState(c, fetchedAt) {
  if (c.state === 'met') return { cls: c.breached ? 'sla-breached' : 'sla-met', text: c.breached ? 'missed' : 'met' };
  if (c.state === 'paused' && !c.breached) return { cls: 'sla-paused', text: `paused · ${fmtDur(c.remaining_ms)} left` };
  const left = (c.remaining_ms || 0) - (Date.now() - fetchedAt);
  if (c.breached || left <= 0) return { cls: 'sla-breached', text: `overdue ${fmtDur(left)}` };
  if (c.warned_at || left <= SOON_MS) return { cls: 'sla-soon', text: `due in ${fmtDur(left)}` };
  return { cls: '', text: `due in ${fmtDur(left)}` };
}

function chip(c, fetchedAt, { short = true } = {}) {
  const el = h('span', { class: 'sla-chip' });
  const item = { el, c, fetchedAt, short };
  paint(item);
  live.add(item);
  return el;
}

function paint(item) {
  const s = clockState(item.c, item.fetchedAt);
  item.el.className = 'sla-chip ' + s.cls;
  item.el.dataset.metric = item.c.metric;
  item.el.dataset.state = s.cls.replace('sla-', '') || 'ok';
  item.el.textContent = `${item.short ? SHORT[item.c.metric] : LABEL[item.c.metric]} ${s.text}`;
  item.el.title = `${LABEL[item.c.metric]}: target ${item.c.target_min} business minutes` +
    (item.c.due_at ? `, due ${new Date(item.c.due_at).toLocaleString()}` : '');
}

function refreshChips() {
  for (const item of live) {
    if (!item.el.isConnected) live.delete(item);
    else paint(item);
  }
}

function chipsFor(sla, fetchedAt, opts) {
  const open = (sla.metrics || []).filter((m) => m.state !== 'met' || (opts && opts.all));
  return open.length ? h('div', { class: 'sla-chips' }, open.map((m) => chip(m, fetchedAt, opts))) : null;
}

const refId = (ref) => Number(String(ref).replace(/^FD-/i, '')) - 10000;

async function decorateQueue(tbody) {
  const rows = [...tbody.querySelectorAll('tr:not([data-sla])')];
  if (!rows.length) return;
  const byId = new Map();
  for (const tr of rows) {
    tr.dataset.sla = '1';
    const cell = tr.querySelector('td[data-label="Ticket"]');
    if (cell) byId.set(refId(cell.textContent.trim()), cell);
  }
  if (!byId.size) return;
  const fetchedAt = Date.now();
  const res = await api.get('/sla/tickets', { ids: [...byId.keys()].join(',') });
  for (const [id, sla] of Object.entries(res.tickets || {})) {
    const cell = byId.get(Number(id));
    const chips = chipsFor(sla, fetchedAt);
    if (cell && chips) cell.appendChild(chips);
  }
}

async function decorateTicket(page) {
  page.dataset.sla = '1';
  const ref = (page.querySelector('.ticket-head .mono') || {}).textContent;
  const side = page.querySelector('.ticket-side');
  if (!ref || !side) return;
  const fetchedAt = Date.now();
  const sla = await api.get(`/tickets/${encodeURIComponent(ref)}/sla`);
  const items = (sla.metrics || []).map((m) =>
    h('li', null, h('span', { text: LABEL[m.metric] }), chip(m, fetchedAt, { short: false })));
  side.insertBefore(h('section', { class: 'card sla-card', 'aria-label': 'Service level' },
    h('h2', { class: 'h3', text: 'SLA' }),
    items.length ? h('ul', { class: 'sla-list' }, items)
      : h('p', { class: 'muted', text: 'No SLA policy applies to this ticket.' })), side.firstChild);
}

function scan(root) {
  for (const tb of root.querySelectorAll('table.queue-table tbody')) decorateQueue(tb).catch(() => {});
  for (const p of root.querySelectorAll('.ticket-page:not([data-sla])')) decorateTicket(p).catch(() => {});
}

async function updateBell() {
  const bar = document.getElementById('topbar');
  const nav = bar && bar.querySelector('.topnav');
  if (!nav) return;
  let n = 0;
  try { n = ((await api.get('/notifications', { unread: 1 })).notifications || []).length; } catch { return; }
  let bell = nav.querySelector('.sla-bell');
  if (!bell) {
    bell = h('a', { class: 'sla-bell', href: '#/sla/notifications' });
    nav.appendChild(bell);
  }
  bell.textContent = n ? `Notifications (${n})` : 'Notifications';
}

/** Starts the decorations; call once the signed-in user is staff. */
let started = false;
export function initSla({ user: u }) {
  user = u;
  if (started) return;
  started = true;
  const style = document.createElement('style');
  style.textContent = STYLE;
  document.head.appendChild(style);
  const main = document.getElementById('main');
  new MutationObserver(() => scan(main)).observe(main, { childList: true, subtree: true });
  new MutationObserver(() => { if (!document.querySelector('#topbar .sla-bell')) updateBell(); })
    .observe(document.getElementById('topbar'), { childList: true });
  setInterval(refreshChips, 15000);
  setInterval(updateBell, 60000);
  updateBell();
}

// --- views -------------------------------------------------------------------------------

export async function slaView(path, ctx) {
  if (path[1] === 'admin') return isAdmin(user) ? adminView(ctx) : h('section', null, h('h1', { text: 'SLA settings' }),
    h('p', { text: 'Only admins can change SLA settings.' }));
  if (path[1] === 'notifications') return notificationsView();
  return breachingView(ctx);
}

async function breachingView(ctx) {
  const q = new URLSearchParams(location.hash.split('?')[1] || '');
  const within = q.get('within') || '60';
  const box = errorBox();
  const sel = select('within', [['30', '30 minutes'], ['60', '1 hour'], ['240', '4 hours'], ['1440', '1 day']], within);
  sel.addEventListener('change', () => ctx.go(`#/sla/breaching?within=${sel.value}`));
  const tbody = h('tbody');
  const table = h('table', { class: 'table sla-table' },
    h('caption', { class: 'visually-hidden', text: 'Tickets breaching soon, soonest first' }),
    h('thead', null, h('tr', null, ['Ticket', 'Subject', 'Priority', 'Department', 'SLA']
      .map((c) => h('th', { scope: 'col', text: c })))), tbody);
  const empty = h('p', { class: 'empty', hidden: true, text: 'Nothing is breaching in this window.' });
  try {
    const fetchedAt = Date.now();
    const res = await api.get('/sla/breaching', { within_min: within });
    for (const t of res.tickets) {
      tbody.appendChild(h('tr', null,
        h('td', { class: 'mono nowrap', 'data-label': 'Ticket', text: t.reference }),
        h('td', { class: 'subject', 'data-label': 'Subject' },
          h('a', { href: `#/tickets/${encodeURIComponent(t.reference)}`, text: t.subject || '(no subject)' })),
        h('td', { 'data-label': 'Priority' }, priorityBadge(t.priority)),
        h('td', { 'data-label': 'Department', text: `${ctx.deptName(t.department)} · T${t.tier}` }),
        h('td', { 'data-label': 'SLA' }, chipsFor(t.sla, fetchedAt))));
    }
    empty.hidden = res.tickets.length > 0;
    table.hidden = res.tickets.length === 0;
  } catch (e) { box.show(e.message); table.hidden = true; }
  return h('section', null,
    h('div', { class: 'page-head' }, h('h1', { text: 'Breaching soon' })),
    h('div', { class: 'card card-pad-sm' }, field('Due within', sel)),
    box, h('div', { class: 'card card-flush table-wrap' }, table, empty));
}

async function notificationsView() {
  const box = errorBox();
  const list = h('ul', { class: 'sla-notes' });
  try {
    const res = await api.get('/notifications', { limit: 100 });
    for (const n of res.notifications) {
      const li = h('li', { class: n.read_at ? '' : 'unread' },
        h('div', null, h('strong', { text: n.kind }), ' · ', new Date(n.created_at).toLocaleString()),
        h('div', { text: n.text }),
        n.ticket ? h('a', { href: `#/tickets/${encodeURIComponent(n.ticket)}`, text: `Open ${n.ticket}` }) : null);
      if (!n.read_at) {
        li.appendChild(h('button', {
          type: 'button', class: 'btn btn-ghost btn-sm', text: 'Mark read',
          onclick: async (e) => {
            try { await api.post(`/notifications/${n.id}/read`); li.className = ''; e.target.remove(); updateBell(); } catch (err) { box.show(err.message); }
          },
        }));
      }
      list.appendChild(li);
    }
    if (!res.notifications.length) list.appendChild(h('li', { class: 'muted', text: 'No notifications.' }));
  } catch (e) { box.show(e.message); }
  return h('section', null, h('div', { class: 'page-head' }, h('h1', { text: 'Notifications' })), box,
    h('div', { class: 'card' }, list));
}

// --- admin -------------------------------------------------------------------------------

function hoursSummary(c) {
  if (typeof c.hours === 'string') return c.hours === '24x7' ? 'Around the clock' : c.hours;
  if (!c.hours || !c.hours.length) return '—';
  return c.hours.map((x) => `${DAY_LABEL[x.day]} ${x.open}–${x.close}`).join(', ');
}

function calendarForm(ctx, box) {
  const days = DAYS.map((d) => h('label', null,
    h('input', { type: 'checkbox', name: 'day', value: d, checked: !['sat', 'sun'].includes(d) }), ` ${DAY_LABEL[d]}`));
  const form = h('form', { class: 'form', 'aria-label': 'New calendar' },
    field('Name', h('input', { name: 'name', required: true, maxlength: 120 })),
    field('Time zone', h('input', { name: 'timezone', value: 'Europe/Malta', required: true }), { hint: 'IANA name, e.g. America/New_York' }),
    field('Open days', h('div', { class: 'sla-days' }, days)),
    field('Opens', h('input', { name: 'open', type: 'time', value: '09:00', required: true })),
    field('Closes', h('input', { name: 'close', type: 'time', value: '18:00', required: true }), { hint: '24:00 is not needed: tick "Around the clock" instead' }),
    field('Around the clock', h('input', { type: 'checkbox', name: 'always' })),
    field('Holidays', h('textarea', { name: 'holidays', rows: 3, placeholder: '2026-12-25' }), { optional: true, hint: 'One date per line, YYYY-MM-DD' }),
    h('button', { type: 'submit', class: 'btn btn-primary', text: 'Add calendar' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, box, async () => {
      const f = form.elements;
      const body = { name: f.name.value.trim(), timezone: f.timezone.value.trim() };
      body.hours = f.always.checked ? '24x7'
        : [...form.querySelectorAll('input[name=day]:checked')].map((x) => ({ day: x.value, open: f.open.value, close: f.close.value }));
      body.holidays = f.holidays.value.split(/\s+/).filter(Boolean);
      await api.post('/sla/calendars', body);
      ctx.flash('Calendar added.');
      await ctx.go('#/sla/admin');
    });
  });
  return form;
}

function num(v) { return v === '' ? null : Number(v); }

function policyForm(ctx, box, calendars, departments) {
  const calOpts = [['', 'Department or default calendar'], ...calendars.map((c) => [String(c.id), c.name])];
  const deptOpts = [['', 'Any department'], ...departments.map((d) => [d.slug, d.name])];
  const prio = PRIORITIES.map((p) => [p, PRIORITY_LABEL[p]]);
  const form = h('form', { class: 'form', 'aria-label': 'New policy' },
    field('Name', h('input', { name: 'name', required: true, maxlength: 120 })),
    field('Priority', select('priority', prio, 'normal')),
    field('Department', select('department', deptOpts, '')),
    field('Minimum VIP level', h('input', { name: 'vip_min', type: 'number', min: 0, max: 5 }), { optional: true }),
    field('Calendar', select('calendar_id', calOpts, '')),
    field('First reply (business minutes)', h('input', { name: 'first_reply_min', type: 'number', min: 1 }), { optional: true }),
    field('Next reply (business minutes)', h('input', { name: 'next_reply_min', type: 'number', min: 1 }), { optional: true }),
    field('Resolution (business minutes)', h('input', { name: 'resolution_min', type: 'number', min: 1 }), { optional: true }),
    field('Warn before (minutes)', h('input', { name: 'warn_min', type: 'number', min: 0, value: 30 })),
    field('On breach raise priority to', select('escalate_priority', [['', 'No change'], ...prio], '')),
    field('On breach raise tier to', select('escalate_tier', [['', 'No change'], ['2', 'Tier 2'], ['3', 'Tier 3']], '')),
    field('Notify supervisors', h('input', { type: 'checkbox', name: 'notify', checked: true })),
    h('button', { type: 'submit', class: 'btn btn-primary', text: 'Add policy' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, box, async () => {
      const f = form.elements;
      const body = {
        name: f.name.value.trim(), priority: f.priority.value,
        department: f.department.value || null, vip_min: num(f.vip_min.value),
        calendar_id: num(f.calendar_id.value), first_reply_min: num(f.first_reply_min.value),
        next_reply_min: num(f.next_reply_min.value), resolution_min: num(f.resolution_min.value),
        warn_min: Number(f.warn_min.value || 0), escalate_priority: f.escalate_priority.value || null,
        escalate_tier: num(f.escalate_tier.value), notify: f.notify.checked,
      };
      await api.post('/sla/policies', body);
      ctx.flash('Policy added.');
      await ctx.go('#/sla/admin');
    });
  });
  return form;
}

async function adminView(ctx) {
  const box = errorBox();
  const [cals, pols, deps] = await Promise.all([api.get('/sla/calendars'), api.get('/sla/policies'), api.departments()]);
  const calendars = cals.calendars;
  const departments = deps.departments || [];
  const calName = (id) => (calendars.find((c) => c.id === id) || {}).name || 'department / default';
  const calTable = h('table', { class: 'table' },
    h('thead', null, h('tr', null, ['Name', 'Time zone', 'Hours', 'Holidays', ''].map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', null, calendars.map((c) => h('tr', null,
      h('td', { text: c.name }), h('td', { text: c.timezone }), h('td', { text: hoursSummary(c) }),
      h('td', { text: (c.holidays || []).join(', ') || '—' }),
      h('td', { text: c.default ? 'Default' : '' })))));

  const deptRows = departments.map((d) => {
    const sel = select(`cal-${d.slug}`, [['', 'Default calendar'], ...calendars.map((c) => [String(c.id), c.name])], '');
    sel.setAttribute('aria-label', `Calendar of ${d.name}`);
    sel.addEventListener('change', async () => {
      try {
        await api.request('PUT', `/departments/${encodeURIComponent(d.slug)}/calendar`, { calendar_id: num(sel.value) });
        box.show('');
      } catch (e) { box.show(e.message); }
    });
    return h('tr', null, h('td', { text: d.name }), h('td', null, sel));
  });

  const polRows = pols.policies.map((p) => {
    const toggle = h('button', {
      type: 'button', class: 'btn btn-ghost btn-sm', text: p.enabled ? 'Disable' : 'Enable',
      onclick: async () => { try { await api.request('PUT', `/sla/policies/${p.id}`, { enabled: !p.enabled }); await ctx.go('#/sla/admin'); } catch (e) { box.show(e.message); } },
    });
    const del = h('button', {
      type: 'button', class: 'btn btn-ghost btn-sm', text: 'Delete',
      onclick: async () => { try { await api.request('DELETE', `/sla/policies/${p.id}`); await ctx.go('#/sla/admin'); } catch (e) { box.show(e.message); } },
    });
    const t = (v) => (v === null ? '—' : `${v} min`);
    const esc = [p.escalate_priority && `→ ${PRIORITY_LABEL[p.escalate_priority]}`, p.escalate_tier && `→ T${p.escalate_tier}`].filter(Boolean).join(' ') || '—';
    return h('tr', { class: p.enabled ? '' : 'muted' },
      h('td', { text: p.name }), h('td', null, priorityBadge(p.priority)),
      h('td', { text: p.department ? ctx.deptName(p.department) : 'Any' }),
      h('td', { text: p.vip_min === null ? 'Any' : `≥ ${p.vip_min}` }),
      h('td', { text: calName(p.calendar_id) }),
      h('td', { text: `${t(p.first_reply_min)} / ${t(p.next_reply_min)} / ${t(p.resolution_min)}` }),
      h('td', { text: esc }), h('td', null, toggle, del));
  });
  const polTable = h('table', { class: 'table' },
    h('thead', null, h('tr', null, ['Name', 'Priority', 'Department', 'VIP', 'Calendar', 'First / next reply / resolution', 'Escalation', '']
      .map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', null, polRows));

  const view = h('section', null,
    h('div', { class: 'page-head' }, h('h1', { text: 'SLA settings' })),
    ctx.takeFlash(), box,
    h('h2', { text: 'Policies' }),
    h('p', { class: 'muted', text: 'The most specific enabled policy applies: a department beats any department, then the higher VIP level. Changes apply to a ticket at its next update.' }),
    h('div', { class: 'card card-flush table-wrap' }, polTable),
    h('details', { class: 'card' }, h('summary', { text: 'Add a policy' }), policyForm(ctx, box, calendars, departments)),
    h('h2', { text: 'Business calendars' }),
    h('div', { class: 'card card-flush table-wrap' }, calTable),
    h('details', { class: 'card' }, h('summary', { text: 'Add a calendar' }), calendarForm(ctx, box)),
    h('h2', { text: 'Department calendars' }),
    h('div', { class: 'card card-flush table-wrap' }, h('table', { class: 'table' }, h('tbody', null, deptRows))));
  return view;
}

