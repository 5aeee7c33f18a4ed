// Agent console: the Status view (#/status). Everyone on staff sees the status page as
// customers see it, with the incident keywords; supervisors and admins publish incidents
// and maintenance windows and post updates to their timeline.

import * as api from './api.js';
import { h, mount, field, select, errorBox, busy, timeEl, flashBox, nextId } from './ui.js';

const STATE_LABEL = {
  operational: 'Operational', maintenance: 'Maintenance', degraded: 'Degraded',
  partial_outage: 'Partial outage', major_outage: 'Major outage',
};
const PHASE_LABEL = {
  investigating: 'Investigating', identified: 'Identified', monitoring: 'Monitoring', resolved: 'Resolved',
  scheduled: 'Scheduled', in_progress: 'In progress', completed: 'Completed', cancelled: 'Cancelled',
};
const OUTAGE_STATES = ['degraded', 'partial_outage', 'major_outage'];
const canPublish = (u) => u && (u.role === 'supervisor' || u.role === 'admin');

function stateBadge(state) {
  const s = String(state || '').replace(/[^a-z_]/g, '');
  return h('span', { class: `st-state st-${s}`, text: STATE_LABEL[s] || s });
}

/** Checkbox + state select per component: returns {el, read() → [{component, state}]}. */
function componentPicker(components, { maintenance = false, allowOperational = false } = {}) {
  const rows = components.map((c) => {
    const id = nextId('stc');
    const box = h('input', { type: 'checkbox', id, value: c.id });
    const states = allowOperational ? ['operational', ...OUTAGE_STATES] : OUTAGE_STATES;
    const sel = maintenance ? null : select('state', states.map((s) => [s, STATE_LABEL[s]]), 'degraded');
    if (sel) sel.setAttribute('aria-label', `State of ${c.name}`);
    return { c, box, sel, el: h('div', { class: 'st-pick-row' }, box, h('label', { for: id, text: ` ${c.name} ` }), sel) };
  });
  return {
    el: h('fieldset', { class: 'st-picker' }, h('legend', { text: 'Components' }), rows.map((r) => r.el)),
    read: () => rows.filter((r) => r.box.checked)
      .map((r) => (r.sel ? { component: r.c.id, state: r.sel.value } : { component: r.c.id })),
  };
}

/** "2026-11-26T10:00" from a datetime-local input (the agent's local time) → ISO UTC. */
function isoFromLocal(v) {
  const d = new Date(v);
  return isNaN(d) ? null : d.toISOString();
}

function newIncidentForm(components, reload) {
  const box = errorBox();
  const kind = select('kind', [['incident', 'Incident'], ['maintenance', 'Scheduled maintenance']], 'incident');
  const title = h('input', { name: 'title', required: true, maxlength: 200 });
  const body = h('textarea', { name: 'body', rows: 3, required: true });
  const status = select('status', ['investigating', 'identified', 'monitoring'].map((s) => [s, PHASE_LABEL[s]]), 'investigating');
  const keywords = h('input', { name: 'keywords', placeholder: 'btc, withdrawal' });
  const starts = h('input', { name: 'starts_at', type: 'datetime-local' });
  const ends = h('input', { name: 'ends_at', type: 'datetime-local' });
  let picker = componentPicker(components);
  const pickerSlot = h('div', null, picker.el);
  const incOnly = h('div', { class: 'st-inc-only' }, field('Status', status), field('Keywords', keywords, { optional: true, hint: 'Comma-separated: tickets and chats that mention them are linked to the incident.' }));
  const maintOnly = h('div', { class: 'st-maint-only', hidden: true }, field('Starts', starts), field('Ends', ends));
  kind.addEventListener('change', () => {
    const m = kind.value === 'maintenance';
    incOnly.hidden = m;
    maintOnly.hidden = !m;
    picker = componentPicker(components, { maintenance: m });
    pickerSlot.replaceChildren(picker.el);
  });
  const form = h('form', { class: 'card st-new', 'aria-labelledby': 'st-new-h' },
    h('h2', { id: 'st-new-h', text: 'Publish an incident or maintenance' }), box,
    field('Kind', kind), field('Title', title, { hint: 'What customers see first, e.g. "BTC withdrawals are delayed".' }),
    field('Message', body, { hint: 'The first public update.' }), incOnly, maintOnly, pickerSlot,
    h('button', { type: 'submit', class: 'btn btn-primary', text: 'Publish' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, box, async () => {
      const payload = { kind: kind.value, title: title.value, body: body.value, components: picker.read() };
      if (kind.value === 'maintenance') {
        payload.starts_at = isoFromLocal(starts.value);
        payload.ends_at = isoFromLocal(ends.value);
        if (!payload.starts_at || !payload.ends_at) throw new Error('Give the start and end of the window.');
      } else {
        payload.status = status.value;
        if (keywords.value.trim()) payload.keywords = keywords.value.trim();
      }
      await api.post('/status/incidents', payload);
      await reload('Published.');
    });
  });
  return form;
}

function updateForm(inc, components, reload) {
  const box = errorBox();
  const maint = inc.kind === 'maintenance';
  const phases = maint ? ['scheduled', 'completed', 'cancelled'] : ['investigating', 'identified', 'monitoring', 'resolved'];
  const status = select('status', phases.map((s) => [s, PHASE_LABEL[s]]), maint ? 'scheduled' : inc.status);
  const body = h('textarea', { name: 'body', rows: 2, required: true });
  const picker = maint ? null : componentPicker(components, { allowOperational: true });
  const form = h('form', { class: 'st-update-form' }, box, field('New status', status), field('Update', body),
    picker ? h('details', null, h('summary', { text: 'Change component states' }), picker.el) : null,
    h('button', { type: 'submit', class: 'btn btn-primary btn-sm', text: 'Post update' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, box, async () => {
      const payload = { status: status.value, body: body.value };
      if (picker) { const c = picker.read(); if (c.length) payload.components = c; }
      await api.post(`/status/incidents/${inc.id}/updates`, payload);
      await reload('Update posted.');
    });
  });
  return form;
}

function incidentCard(inc, components, user, reload) {
  const closed = ['resolved', 'completed', 'cancelled'].includes(inc.status);
  return h('article', { class: 'card st-incident', dataset: { incident: String(inc.id) } },
    h('h3', null, inc.title, ' ', h('span', { class: 'st-phase', text: PHASE_LABEL[inc.status] || inc.status })),
    inc.kind === 'maintenance' ? h('p', { class: 'st-window' }, 'Window: ', timeEl(inc.starts_at), ' – ', timeEl(inc.ends_at)) : null,
    inc.components.length ? h('p', { class: 'st-affects' }, 'Affects: ',
      inc.components.map((c, i) => [i ? ', ' : '', c.name, ' ', stateBadge(inc.kind === 'maintenance' ? 'maintenance' : c.state)])) : null,
    inc.keywords ? h('p', { class: 'st-keywords', text: `Keywords: ${inc.keywords}` }) : null,
    h('ol', { class: 'st-timeline', reversed: true },
      [...inc.updates].reverse().map((u) => h('li', null, h('strong', { text: PHASE_LABEL[u.status] || u.status }), ' — ', u.body,
        ' ', timeEl(u.created_at), u.author ? h('span', { class: 'muted', text: ` · ${u.author}` }) : null))),
    !closed && canPublish(user) ? updateForm(inc, components, reload) : null,
    closed && inc.status === 'resolved' && canPublish(user) ? solveLinkedForm(inc, reload) : null);
}

/** After resolution: one public reply to every linked open ticket, which are then solved. */
function solveLinkedForm(inc, reload) {
  const box = errorBox();
  const body = h('textarea', { name: 'body', rows: 3, required: true });
  const form = h('form', { class: 'st-solve-form' }, box,
    field('Reply to every linked open ticket and solve them', body, { hint: 'Customers can reopen by replying.' }),
    h('button', { type: 'submit', class: 'btn btn-secondary btn-sm', text: 'Reply and solve linked tickets' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, box, async () => {
      const r = await api.post(`/status/incidents/${inc.id}/solve-linked`, { body: body.value });
      const n = r.solved.length;
      await reload(`${n} linked ticket${n === 1 ? '' : 's'} answered and solved${r.failed.length ? `; ${r.failed.length} failed` : ''}.`);
    });
  });
  return form;
}

export async function statusView({ user, flash, takeFlash }) {
  const root = h('section', { class: 'st-console' });
  async function reload(msg) {
    if (msg) flash(msg);
    let s;
    try {
      s = await api.get('/status');
    } catch (e) {
      mount(root, h('h1', { text: 'Status page' }), flashBox(e.message, 'error'));
      return;
    }
    const all = [...s.incidents, ...s.maintenance];
    const groups = [];
    for (const c of s.components) {
      let g = groups.find((x) => x.name === c.group);
      if (!g) groups.push(g = { name: c.group, items: [] });
      g.items.push(c);
    }
    mount(root,
      h('div', { class: 'page-head' }, h('h1', { text: 'Status page' }),
        h('a', { href: '/status', target: '_blank', rel: 'noopener', class: 'btn btn-ghost btn-sm', text: 'Open public page' })),
      takeFlash(),
      h('p', { class: `st-overall st-${s.overall.state}`, role: 'status', text: s.overall.description }),
      canPublish(user) ? newIncidentForm(s.components, reload)
        : h('p', { class: 'muted', text: 'Supervisors and admins publish incidents and updates.' }),
      h('h2', { text: 'Incidents and maintenance' }),
      all.length ? all.map((inc) => incidentCard(inc, s.components, user, reload)) : h('p', { class: 'muted', text: 'Nothing in the last 14 days.' }),
      h('h2', { text: 'Components' }),
      groups.map((g) => h('div', { class: 'st-group-box' }, h('h3', { class: 'st-group', text: g.name }),
        h('ul', { class: 'st-components' }, g.items.map((c) => h('li', { class: 'st-component', dataset: { component: c.id } },
          h('span', { class: 'st-name', text: c.name }), ' ', stateBadge(c.state)))))));
  }
  await reload();
  return root;
}

/**
 * The ticket sidebar card: incidents this ticket is linked to (automatically or by an agent),
 * with unlink, and a picker to link it to an open incident. Fills itself asynchronously.
 */
export function incidentPanel(ref, rerender) {
  const box = errorBox();
  const list = h('ul', { class: 'st-links' });
  const picker = h('form', { class: 'st-link-form', hidden: true });
  const card = h('section', { class: 'card st-ticket-incidents', 'data-testid': 'ticket-incidents' },
    h('h2', { class: 'h3', text: 'Incidents' }), box, list, picker);
  const path = `/tickets/${encodeURIComponent(ref)}/incidents`;
  async function load() {
    let links;
    let status;
    try {
      [links, status] = await Promise.all([api.get(path), api.get('/status')]);
    } catch (e) {
      box.show(e.message);
      return;
    }
    const linked = new Set(links.incidents.map((l) => l.id));
    list.replaceChildren(...(links.incidents.length ? links.incidents.map((l) => h('li', null,
      h('a', { href: '#/status', text: l.title }), ' ',
      h('span', { class: 'st-phase', text: PHASE_LABEL[l.status] || l.status }), ' ',
      h('span', { class: 'muted', text: l.how === 'auto' ? `auto (${l.reason})` : 'linked by an agent' }), ' ',
      h('button', {
        type: 'button', class: 'btn btn-ghost btn-sm', text: 'Unlink',
        onclick: async () => {
          try { await api.request('DELETE', `${path}/${l.id}`); await rerender(); } catch (e) { box.show(e.message); }
        },
      }))) : [h('li', { class: 'muted', text: 'Not linked to an incident.' })]));
    const open = [...status.incidents, ...status.maintenance].filter((i) => i.live && !linked.has(i.id));
    if (!open.length) { picker.hidden = true; return; }
    const sel = select('incident_id', open.map((i) => [i.id, i.title]), open[0].id);
    sel.setAttribute('aria-label', 'Incident');
    picker.replaceChildren(sel, ' ', h('button', { type: 'submit', class: 'btn btn-secondary btn-sm', text: 'Link' }));
    picker.hidden = false;
    picker.onsubmit = (e) => {
      e.preventDefault();
      busy(picker, box, async () => {
        await api.post(path, { incident_id: Number(sel.value) });
        await rerender();
      });
    };
  }
  load();
  return card;
}
