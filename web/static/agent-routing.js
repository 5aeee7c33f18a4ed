// Routing administration for the agent console (/agent#/routing, admins only): ordered
// rules (add, edit, enable/disable, move up/down, delete), a dry run that explains every
// condition, each department's assignment method and agents' ticket capacity, and macros.
// Also the macro picker agents use on a ticket (macroPanel). Server text enters the page
// through textContent only (h() sets text, never HTML).

import * as api from './api.js';
import { h, field, select, errorBox, busy, PRIORITIES, PRIORITY_LABEL } from './ui.js';

const FIELDS = [
  ['subject', 'Subject'], ['body', 'Message body'], ['text', 'Subject or body'], ['channel', 'Channel'],
  ['recipient', 'Recipient address'], ['department', 'Department'], ['priority', 'Priority'],
  ['asset', 'Asset'], ['network', 'Network'], ['tag', 'Tag'], ['vip_level', 'VIP level'],
  ['language', 'Customer language'],
];
const TEXT_OPS = [['contains', 'contains'], ['not_contains', 'does not contain'], ['is', 'is'],
  ['is_not', 'is not'], ['matches', 'matches regex'], ['in', 'is one of (comma-separated)']];
const NUM_OPS = [['gte', '≥'], ['gt', '>'], ['is', '='], ['is_not', '≠'], ['lte', '≤'], ['lt', '<'],
  ['in', 'is one of (comma-separated)']];
const TAG_OPS = [['is', 'is present'], ['is_not', 'is absent']];
const opsFor = (f) => (f === 'vip_level' ? NUM_OPS : f === 'tag' ? TAG_OPS : TEXT_OPS);
const fieldLabel = (f) => (FIELDS.find(([v]) => v === f) || [f, f])[1];

export const canAdminRouting = (user) => !!user && user.role === 'admin';

function describeCondition(c) {
  const op = (opsFor(c.field).find(([v]) => v === c.op) || [c.op, c.op])[1];
  const v = Array.isArray(c.value) ? c.value.join(', ') : String(c.value);
  return `${fieldLabel(c.field)} ${op} ${v}`;
}

function describeConditions(conds) {
  const all = (conds.all || []).map(describeCondition);
  const any = (conds.any || []).map(describeCondition);
  const parts = [];
  if (all.length) parts.push(all.join(' AND '));
  if (any.length) parts.push(`(${any.join(' OR ')})`);
  return parts.length ? parts.join(' AND ') : 'every ticket';
}

function describeActions(a) {
  const out = [];
  if (a.department) out.push(`department → ${a.department}`);
  if (a.priority) out.push(`priority → ${a.priority}`);
  if (a.tier) out.push(`tier → ${a.tier}`);
  if (a.add_tags) out.push(`add tags ${a.add_tags.join(', ')}`);
  if (a.assign) out.push(a.assign === 'auto' ? 'assign automatically' : `assign to ${a.assign}`);
  if (a.macro) out.push(`send macro #${a.macro}`);
  return out.join('; ');
}

// --- condition rows ------------------------------------------------------------------------

function conditionRow(c, onRemove) {
  const group = select('group', [['all', 'All of'], ['any', 'Any of']], c.group || 'all');
  const fieldSel = select('field', FIELDS, c.field || 'subject');
  const opSel = h('select', { name: 'op' });
  const value = h('input', { name: 'value', type: 'text', value: Array.isArray(c.value) ? c.value.join(', ') : (c.value ?? ''), 'aria-label': 'Value' });
  const fillOps = (keep) => {
    const ops = opsFor(fieldSel.value);
    opSel.replaceChildren(...ops.map(([v, l]) => h('option', { value: v, selected: v === keep, text: l })));
  };
  fillOps(c.op);
  fieldSel.addEventListener('change', () => fillOps(opSel.value));
  group.setAttribute('aria-label', 'Group');
  fieldSel.setAttribute('aria-label', 'Field');
  opSel.setAttribute('aria-label', 'Operator');
  const row = h('div', { class: 'routing-cond', style: 'display:flex;gap:6px;flex-wrap:wrap;margin-bottom:6px' },
    group, fieldSel, opSel, value,
    h('button', { type: 'button', class: 'btn btn-ghost btn-sm', text: 'Remove', onclick: () => { row.remove(); onRemove?.(); } }));
  row.read = () => {
    const f = fieldSel.value;
    const raw = value.value.trim();
    let v = raw;
    if (opSel.value === 'in') v = raw.split(',').map((s) => s.trim()).filter(Boolean).map((s) => (f === 'vip_level' ? Number(s) : s));
    else if (f === 'vip_level') v = Number(raw);
    return { group: group.value, cond: { field: f, op: opSel.value, value: v } };
  };
  return row;
}

// --- rule form -----------------------------------------------------------------------------

function ruleForm({ rule, departments, macros, onSaved, onCancel }) {
  const r = rule || { name: '', enabled: true, continue: false, conditions: {}, actions: {} };
  const a = r.actions || {};
  const box = errorBox();
  const rows = h('div', { class: 'routing-conds' });
  const addRow = (c) => rows.appendChild(conditionRow(c));
  for (const g of ['all', 'any']) for (const c of (r.conditions[g] || [])) addRow({ ...c, group: g });
  const name = h('input', { name: 'name', type: 'text', required: true, maxlength: 120, value: r.name });
  const enabled = h('input', { type: 'checkbox', name: 'enabled', checked: r.enabled });
  const cont = h('input', { type: 'checkbox', name: 'continue', checked: r.continue });
  const dept = select('department', [['', '— keep —'], ...departments.map((d) => [d.slug, d.name])], a.department || '');
  const prio = select('priority', [['', '— keep —'], ...PRIORITIES.map((p) => [p, PRIORITY_LABEL[p]])], a.priority || '');
  const tier = select('tier', [['', '— keep —'], ['1', 'Tier 1'], ['2', 'Tier 2'], ['3', 'Tier 3']], a.tier || '');
  const tags = h('input', { name: 'add_tags', type: 'text', value: (a.add_tags || []).join(', ') });
  const assign = h('input', { name: 'assign', type: 'text', value: a.assign || '', placeholder: 'auto, or an agent\'s email' });
  const macro = select('macro', [['', '— none —'], ...macros.map((m) => [String(m.id), m.name])], a.macro ? String(a.macro) : '');
  const form = h('form', { class: 'form routing-rule-form', novalidate: true },
    h('h2', { class: 'h3', text: rule ? `Edit rule “${rule.name}”` : 'New rule' }),
    box,
    field('Name', name),
    h('label', { class: 'check' }, enabled, ' Enabled'),
    h('label', { class: 'check' }, cont, ' Continue with the next rules after this one matches'),
    h('fieldset', null, h('legend', { text: 'Conditions (no condition = every ticket)' }), rows,
      h('button', { type: 'button', class: 'btn btn-ghost btn-sm', text: 'Add condition', onclick: () => addRow({}) })),
    h('fieldset', null, h('legend', { text: 'Actions' }),
      field('Set department', dept), field('Set priority', prio), field('Set tier', tier),
      field('Add tags', tags, { hint: 'Comma-separated' }), field('Assign', assign, { optional: true }),
      field('Send macro as a public reply', macro)),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', text: rule ? 'Save rule' : 'Add rule' }),
      h('button', { type: 'button', class: 'btn btn-ghost', text: 'Cancel', onclick: onCancel })));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, box, async () => {
      const conditions = {};
      for (const row of rows.children) {
        const { group, cond } = row.read();
        (conditions[group] ||= []).push(cond);
      }
      const actions = {};
      if (dept.value) actions.department = dept.value;
      if (prio.value) actions.priority = prio.value;
      if (tier.value) actions.tier = Number(tier.value);
      const t = tags.value.split(',').map((s) => s.trim()).filter(Boolean);
      if (t.length) actions.add_tags = t;
      if (assign.value.trim()) actions.assign = assign.value.trim();
      if (macro.value) actions.macro = Number(macro.value);
      const body = { name: name.value.trim(), enabled: enabled.checked, continue: cont.checked, conditions, actions };
      if (rule) await api.patch(`/routing/rules/${rule.id}`, body);
      else await api.post('/routing/rules', body);
      onSaved(rule ? 'Rule saved.' : 'Rule added.');
    });
  });
  return form;
}

// --- dry run -------------------------------------------------------------------------------

function dryRunPanel(departments) {
  const box = errorBox();
  const out = h('div', { class: 'routing-dry-result', 'aria-live': 'polite' });
  const inputs = {
    ticket: h('input', { name: 'ticket', type: 'text', placeholder: 'FD-10001 (or fill in a draft below)' }),
    subject: h('input', { name: 'subject', type: 'text' }),
    body: h('textarea', { name: 'body', rows: 3 }),
    channel: select('channel', [['web', 'Web'], ['email', 'Email'], ['chat', 'Chat'], ['social', 'Social'], ['api', 'API']], 'web'),
    recipient: h('input', { name: 'recipient', type: 'email' }),
    department: select('department', departments.map((d) => [d.slug, d.name]), departments[0]?.slug),
    vip_level: select('vip_level', [0, 1, 2, 3, 4, 5].map((n) => [String(n), String(n)]), '0'),
    language: h('input', { name: 'language', type: 'text', placeholder: 'en, pt-BR…' }),
    asset: h('input', { name: 'asset', type: 'text' }),
    network: h('input', { name: 'network', type: 'text' }),
  };
  const form = h('form', { class: 'form routing-dry-form', novalidate: true },
    h('h2', { class: 'h3', text: 'Dry run' }),
    h('p', { class: 'muted', text: 'Shows which rule would match a ticket and the result of every condition, without changing anything.' }),
    box,
    field('Existing ticket', inputs.ticket, { optional: true }),
    field('Subject', inputs.subject), field('Body', inputs.body), field('Channel', inputs.channel),
    field('Recipient address', inputs.recipient, { optional: true }), field('Department', inputs.department),
    field('Customer VIP level', inputs.vip_level), field('Customer language', inputs.language, { optional: true }),
    field('Asset', inputs.asset, { optional: true }), field('Network', inputs.network, { optional: true }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', text: 'Run' })),
    out);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, box, async () => {
      let res;
      const ref = inputs.ticket.value.trim();
      if (ref) {
        res = await api.request('POST', '/routing/dry-run', {}, { query: { ticket: ref } });
      } else {
        const body = { vip_level: Number(inputs.vip_level.value) };
        for (const k of ['subject', 'body', 'channel', 'recipient', 'department', 'language', 'asset', 'network']) {
          if (inputs[k].value.trim()) body[k] = inputs[k].value.trim();
        }
        res = await api.post('/routing/dry-run', body);
      }
      const matched = res.rules.filter((r) => r.applied);
      out.replaceChildren(
        h('p', { class: 'routing-dry-summary', text: matched.length ? `Would apply: ${matched.map((r) => `#${r.id} “${r.name}”`).join(', ')}` : 'No rule would match.' }),
        h('p', { class: 'muted', text: `Result: department ${res.result.department}, priority ${res.result.priority}, tier ${res.result.tier}${res.result.tags.length ? ', tags ' + res.result.tags.join(', ') : ''}${res.result.assign ? ', assign ' + res.result.assign : ''}` }),
        ...res.rules.map((r) => h('div', { class: 'card card-pad-sm routing-dry-rule' },
          h('strong', { text: `#${r.position} ${r.name}` }),
          h('span', { class: 'muted', text: ` — ${!r.enabled ? 'disabled' : r.applied ? 'applies' : r.matched ? 'matches, but an earlier rule stopped' : 'does not match'}` }),
          h('ul', null, r.conditions.map((c) => h('li', { class: c.result ? 'cond-true' : 'cond-false', text: `${c.result ? '✓' : '✗'} ${c.group === 'any' ? '(any) ' : ''}${describeCondition(c)} — actual: ${JSON.stringify(c.actual)}` }))))));
    });
  });
  return form;
}

// --- assignment settings -------------------------------------------------------------------

function settingsPanel(settings, reload) {
  const box = errorBox();
  const deptRows = settings.departments.map((d) => {
    const sel = select('method', [['round_robin', 'Round-robin'], ['least_loaded', 'Least loaded']], d.method);
    sel.setAttribute('aria-label', `Assignment method for ${d.name}`);
    sel.addEventListener('change', async () => {
      try { await api.patch(`/routing/departments/${encodeURIComponent(d.slug)}`, { method: sel.value }); reload('Assignment method saved.'); } catch (err) { box.show(err.message); }
    });
    return h('tr', null, h('td', { text: d.name }), h('td', null, sel));
  });
  const agentRows = settings.agents.filter((a) => !a.disabled).map((a) => {
    const cap = h('input', { type: 'number', min: 1, max: 1000, value: a.ticket_capacity, 'aria-label': `Ticket capacity of ${a.name}`, style: 'width:6em' });
    cap.addEventListener('change', async () => {
      try { await api.patch(`/routing/agents/${a.id}`, { ticket_capacity: Number(cap.value) }); reload('Capacity saved.'); } catch (err) { box.show(err.message); }
    });
    return h('tr', null, h('td', { text: a.name }), h('td', { text: a.department || '—' }), h('td', { text: a.tier ? `T${a.tier}` : '—' }), h('td', null, cap));
  });
  return h('section', { class: 'card' },
    h('h2', { class: 'h3', text: 'Assignment' }), box,
    h('p', { class: 'muted', text: 'Automatic assignment goes to online agents of the ticket\'s department and tier with room under their capacity (open tickets). Ties go to whoever waited longest.' }),
    h('div', { class: 'table-wrap' }, h('table', { class: 'table' }, h('thead', null, h('tr', null, h('th', { text: 'Department' }), h('th', { text: 'Method' }))), h('tbody', null, deptRows))),
    h('div', { class: 'table-wrap' }, h('table', { class: 'table' }, h('thead', null, h('tr', null, h('th', { text: 'Agent' }), h('th', { text: 'Department' }), h('th', { text: 'Tier' }), h('th', { text: 'Ticket capacity' }))), h('tbody', null, agentRows))));
}

// --- macros --------------------------------------------------------------------------------

function macrosPanel(macros, reload) {
  const box = errorBox();
  const name = h('input', { name: 'macro-name', type: 'text', maxlength: 120 });
  const body = h('textarea', { name: 'macro-body', rows: 3 });
  const status = select('macro-status', [['', '— keep —'], ['pending', 'Pending'], ['on_hold', 'On hold'], ['solved', 'Solved']], '');
  const form = h('form', { class: 'form', novalidate: true },
    h('h3', { class: 'h4', text: 'New macro' }), box,
    field('Name', name),
    field('Reply', body, { hint: 'Placeholders: {{customer.name}} {{customer.email}} {{ticket.ref}} {{ticket.subject}} {{ticket.department}} {{agent.name}}' }),
    field('Then set status', status),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', text: 'Add macro' })));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, box, async () => {
      const actions = status.value ? { status: status.value } : {};
      await api.post('/macros', { name: name.value.trim(), body: body.value, actions });
      reload('Macro added.');
    });
  });
  return h('section', { class: 'card' },
    h('h2', { class: 'h3', text: 'Macros' }),
    macros.length ? h('ul', { class: 'routing-macros' }, macros.map((m) => h('li', null,
      h('strong', { text: m.name }), ' ', h('span', { class: 'muted', text: m.body.length > 80 ? m.body.slice(0, 80) + '…' : m.body }), ' ',
      h('button', { type: 'button', class: 'btn btn-ghost btn-sm', text: 'Delete', 'aria-label': `Delete macro ${m.name}`, onclick: async () => { try { await api.request('DELETE', `/macros/${m.id}`); reload('Macro deleted.'); } catch (err) { box.show(err.message); } } }))))
      : h('p', { class: 'muted', text: 'No macros yet.' }),
    form);
}

// --- the page ------------------------------------------------------------------------------

export async function routingView({ go, flash, takeFlash, departments }) {
  const [rl, st, mc] = await Promise.all([api.get('/routing/rules'), api.get('/routing/settings'), api.get('/macros')]);
  const rules = rl.rules;
  const root = h('section', { class: 'routing-page' });
  const reload = (msg) => { if (msg) flash(msg); go('#/routing'); };
  const box = errorBox();
  const editor = h('div', { class: 'routing-editor' });
  const openForm = (rule) => {
    editor.replaceChildren(h('div', { class: 'card' }, ruleForm({ rule, departments, macros: mc.macros, onSaved: reload, onCancel: () => editor.replaceChildren() })));
    editor.querySelector('input[name=name]')?.focus();
  };
  const move = async (i, d) => {
    const ids = rules.map((r) => r.id);
    [ids[i], ids[i + d]] = [ids[i + d], ids[i]];
    try { await api.post('/routing/rules/reorder', { ids }); reload('Order saved.'); } catch (err) { box.show(err.message); }
  };
  const rows = rules.map((r, i) => h('tr', { 'data-rule': String(r.id) },
    h('td', { text: String(i + 1) }),
    h('td', null, h('strong', { text: r.name }), r.continue ? h('span', { class: 'muted', text: ' (continues)' }) : null),
    h('td', { text: describeConditions(r.conditions) }),
    h('td', { text: describeActions(r.actions) }),
    h('td', null, h('label', { class: 'check' }, h('input', {
      type: 'checkbox', checked: r.enabled, 'aria-label': `Enable rule ${r.name}`,
      onchange: async (e) => { try { await api.patch(`/routing/rules/${r.id}`, { enabled: e.target.checked }); reload(e.target.checked ? 'Rule enabled.' : 'Rule disabled.'); } catch (err) { box.show(err.message); } },
    }))),
    h('td', { class: 'nowrap' },
      h('button', { type: 'button', class: 'btn btn-ghost btn-sm', text: '↑', 'aria-label': `Move ${r.name} up`, disabled: i === 0, onclick: () => move(i, -1) }),
      h('button', { type: 'button', class: 'btn btn-ghost btn-sm', text: '↓', 'aria-label': `Move ${r.name} down`, disabled: i === rules.length - 1, onclick: () => move(i, 1) }),
      h('button', { type: 'button', class: 'btn btn-ghost btn-sm', text: 'Edit', 'aria-label': `Edit ${r.name}`, onclick: () => openForm(r) }),
      h('button', { type: 'button', class: 'btn btn-ghost btn-sm', text: 'Delete', 'aria-label': `Delete ${r.name}`, onclick: async () => { if (!confirm(`Delete the rule “${r.name}”?`)) return; try { await api.request('DELETE', `/routing/rules/${r.id}`); reload('Rule deleted.'); } catch (err) { box.show(err.message); } } }))));
  root.append(
    h('h1', { text: 'Routing' }),
    takeFlash(), box,
    h('p', { class: 'muted', text: 'Rules run in order when a ticket is created on any channel; the first match wins unless it continues.' }),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn btn-primary', text: 'New rule', onclick: () => openForm(null) })),
    editor,
    h('section', { class: 'card card-flush' }, rules.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'table routing-rules' },
        h('thead', null, h('tr', null, ['#', 'Rule', 'When', 'Then', 'On', ''].map((t) => h('th', { text: t })))),
        h('tbody', null, rows)))
      : h('p', { class: 'muted card-pad-sm', text: 'No rules yet: tickets stay where the customer or the channel put them.' })),
    h('section', { class: 'card' }, dryRunPanel(departments)),
    settingsPanel(st, reload),
    macrosPanel(mc.macros, reload));
  return root;
}

// --- macro picker on a ticket --------------------------------------------------------------

/** A small form on the ticket page: pick a macro and apply it (reply + its actions). */
export function macroPanel(t, rerenderFn) {
  const box = errorBox();
  const sel = h('select', { name: 'macro', 'aria-label': 'Macro' }, h('option', { value: '', text: 'Loading…' }));
  const form = h('form', { class: 'form macro-form', novalidate: true },
    box, sel, h('button', { type: 'submit', class: 'btn btn-sm', text: 'Apply macro' }));
  api.get('/macros').then((r) => {
    sel.replaceChildren(h('option', { value: '', text: r.macros.length ? 'Choose a macro…' : 'No macros' }),
      ...r.macros.map((m) => h('option', { value: String(m.id), text: m.name })));
  }, (err) => box.show(err.message));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!sel.value) { box.show('Choose a macro first.'); return; }
    busy(form, box, async () => {
      await api.post(`/tickets/${encodeURIComponent(t.reference)}/macros/${sel.value}`);
      await rerenderFn();
    });
  });
  return h('section', { class: 'card' }, h('h2', { class: 'h3', text: 'Macros' }), form);
}

