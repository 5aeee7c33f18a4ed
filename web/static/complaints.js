// Formal complaints and ticket escalation in the pages: the portal's "Complaints" views
// (list, filing form, detail with the decision) and the agent console's complaints
// (list with due dates and breach flags, detail with lifecycle actions) plus the
// escalate / convert panel on a ticket. Server data enters the page only through ui.js's
// h() (textContent and attributes), never innerHTML.

import { request, get, post } from './api.js';
import { h, field, select, errorBox, busy, timeEl, flashBox } from './ui.js';

const enc = encodeURIComponent;

/* This module brings its own stylesheet, so the pages need no extra <link>. */
if (!document.querySelector('link[href="/static/complaints.css"]')) {
  document.head.append(h('link', { rel: 'stylesheet', href: '/static/complaints.css' }));
}

export const SERVICES = [
  ['account', 'My account'], ['deposits', 'Deposits'], ['withdrawals', 'Withdrawals'],
  ['trading', 'Trading'], ['fees', 'Fees and charges'], ['kyc', 'Identity verification (KYC)'],
  ['security', 'Security'], ['custody', 'Custody of my assets'], ['staking', 'Staking and earn'],
  ['support', 'Customer support'], ['other', 'Something else'],
];
const SERVICE_LABEL = Object.fromEntries(SERVICES);
const STATUS_LABEL = {
  received: 'Received', acknowledged: 'Acknowledged', under_investigation: 'Under investigation',
  decided: 'Decided', closed: 'Closed',
};
const OUTCOME_LABEL = { upheld: 'Upheld', partly_upheld: 'Partly upheld', rejected: 'Rejected' };
const CUSTOMER_HINT = {
  received: 'We have received your complaint. We will confirm within the stated time whether we can handle it as a complaint.',
  acknowledged: 'We have acknowledged your complaint and will investigate it.',
  under_investigation: 'A complaints officer is investigating your complaint.',
  decided: 'We have decided on your complaint. You can read the decision below.',
  closed: 'This complaint is closed.',
};

function statusBadge(s) {
  return h('span', { class: `badge complaint-${String(s).replace(/[^a-z_]/g, '')}`, text: STATUS_LABEL[s] || s });
}

function dateOrDash(iso) { return iso ? timeEl(iso) : h('span', { class: 'muted', text: '—' }); }

function kv(pairs) {
  return h('dl', { class: 'kv' }, pairs.filter(Boolean).flatMap(([k, v]) => [h('dt', { text: k }), h('dd', null, v)]));
}

function decisionBlock(d) {
  if (!d) return null;
  return h('section', { class: 'card', 'data-testid': 'complaint-decision' },
    h('h2', { class: 'h3', text: `Decision: ${OUTCOME_LABEL[d.outcome] || d.outcome}` }),
    h('p', { class: 'muted' }, 'Decided ', timeEl(d.decided_at)),
    h('h3', { class: 'h4', text: 'Reasons' }), h('p', { class: 'prewrap', text: d.reasons }),
    h('h3', { class: 'h4', text: 'If you are not satisfied' }), h('p', { class: 'prewrap', text: d.remedies }));
}

function correctionsBlock(list) {
  if (!list || !list.length) return null;
  return h('section', { class: 'card' },
    h('h2', { class: 'h3', text: 'Corrections' }),
    h('ul', { class: 'plain' }, list.map((c) => h('li', null,
      h('strong', { text: c.field.replace(/_/g, ' ') }), ': ',
      h('del', { text: c.original || '(empty)' }), ' → ', h('ins', { text: c.corrected || '(empty)' }),
      h('span', { class: 'muted' }, ` (${c.reason}, `, timeEl(c.at), ')')))));
}

function noticesBlock(list) {
  if (!list || !list.length) return null;
  return h('section', { class: 'card' },
    h('h2', { class: 'h3', text: 'Messages about your complaint' }),
    list.map((n) => h('article', { class: 'notice' },
      h('h3', { class: 'h4', text: n.subject }),
      h('p', { class: 'muted' }, timeEl(n.at), ` · ${(n.channels || []).join(' and ')}`),
      h('p', { class: 'prewrap', text: n.text }))));
}

function clockRows(c) {
  const delayed = c.decision_due_original && c.decision_due_at !== c.decision_due_original;
  return [
    ['Received', dateOrDash(c.received_at)],
    ['Acknowledgement due', dateOrDash(c.acknowledgement_due_at)],
    ['Acknowledged', dateOrDash(c.acknowledged_at)],
    ['Decision due', h('span', null, dateOrDash(c.decision_due_at),
      delayed ? h('span', { class: 'muted' }, ' (first due ', timeEl(c.decision_due_original), ')') : null)],
    delayed ? ['Why it takes longer', h('span', { class: 'prewrap', text: c.delay_reason || '' })] : null,
    c.admissibility ? ['Admissibility', h('span', { text: c.admissibility === 'admissible' ? 'Admissible' : `Not admissible: ${c.admissibility_reason || ''}` })] : null,
    ['Closed', dateOrDash(c.closed_at)],
  ];
}

// --- portal --------------------------------------------------------------------------------

async function portalList(ctx) {
  const res = await get('/complaints', { limit: 200 });
  const rows = res.complaints;
  return h('section', null,
    h('h1', { text: 'My complaints' }),
    ctx.takeFlash(),
    h('p', { class: 'muted', text: 'Not happy with our service? You can file a formal complaint. It is free of charge. ' +
      'We acknowledge it within a few business days and decide within two months at the latest.' }),
    h('p', null, h('a', { class: 'btn btn-primary', href: '#/complaints/new', text: 'File a formal complaint' })),
    rows.length ? h('table', { class: 'table', 'data-testid': 'complaints-table' },
      h('caption', { class: 'visually-hidden', text: 'Your complaints, newest first' }),
      h('thead', null, h('tr', null, ['Reference', 'About', 'Status', 'Received', 'Decision due']
        .map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', null, rows.map((c) => h('tr', null,
        h('td', null, h('a', { class: 'mono', href: `#/complaints/${enc(c.reference)}`, text: c.reference })),
        h('td', { text: SERVICE_LABEL[c.service] || c.service }),
        h('td', null, statusBadge(c.status)),
        h('td', null, timeEl(c.received_at)),
        h('td', null, c.decision ? h('span', { text: OUTCOME_LABEL[c.decision.outcome] }) : timeEl(c.decision_due_at)))))
    ) : h('p', { class: 'empty', text: 'You have not filed any complaints.' }));
}

async function portalForm(ctx) {
  const box = errorBox();
  const mine = await get('/tickets', { limit: 50 }).catch(() => ({ tickets: [] }));
  const name = h('input', { name: 'complainant_name', required: true, maxlength: 120, value: ctx.user.name || '' });
  const contact = h('input', { name: 'complainant_contact', required: true, maxlength: 254, value: ctx.user.email || '' });
  const uid = h('input', { name: 'account_uid', maxlength: 23, pattern: '[A-Za-z0-9]*', inputmode: 'text' });
  const behalf = h('input', { type: 'checkbox', name: 'on_behalf' });
  const behalfOf = h('input', { name: 'on_behalf_of', maxlength: 120 });
  const behalfField = field('Name of the person you act for', behalfOf);
  behalfField.hidden = true;
  behalf.addEventListener('change', () => { behalfField.hidden = !behalf.checked; behalfOf.required = behalf.checked; });
  const service = select('service', [['', 'Choose…'], ...SERVICES], '');
  service.required = true;
  const what = h('textarea', { name: 'description', required: true, rows: 6, maxlength: 8000 });
  const dates = h('input', { name: 'incident_dates', maxlength: 200, placeholder: 'e.g. 10–19 November 2026' });
  const ask = h('textarea', { name: 'request', required: true, rows: 3, maxlength: 2000 });
  const links = (mine.tickets || []).map((t) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'linked', value: t.reference }), ` ${t.reference} — ${t.subject}`));
  const form = h('form', { class: 'stack', 'data-testid': 'complaint-form' },
    h('fieldset', null, h('legend', { text: 'Who is complaining' }),
      field('Full name', name), field('How we reach you', contact, { hint: 'Email address or phone number.' }),
      field('Exchange account UID', uid, { optional: true }),
      h('label', { class: 'check' }, behalf, ' I am complaining on behalf of someone else'), behalfField),
    h('fieldset', null, h('legend', { text: 'Your complaint' }),
      field('Which service is it about?', service),
      field('What happened?', what, { hint: 'Describe the events in order. Never include passwords, 2FA codes, seed phrases or private keys.' }),
      field('When did it happen?', dates, { optional: true }),
      field('What do you ask us to do?', ask)),
    links.length ? h('fieldset', null, h('legend', { text: 'Related tickets (optional)' }), links) : null,
    box,
    h('button', { type: 'submit', class: 'btn btn-primary', text: 'File complaint' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, box, async () => {
      const body = {
        complainant_name: name.value.trim(), complainant_contact: contact.value.trim(),
        service: service.value, description: what.value.trim(), request: ask.value.trim(),
        on_behalf: behalf.checked,
        linked_tickets: [...form.querySelectorAll('input[name=linked]:checked')].map((x) => x.value),
      };
      if (uid.value.trim()) body.account_uid = uid.value.trim();
      if (dates.value.trim()) body.incident_dates = dates.value.trim();
      if (behalf.checked) body.on_behalf_of = behalfOf.value.trim();
      const res = await post('/complaints', body);
      ctx.flash(`Your complaint ${res.complaint.reference} has been filed.`);
      ctx.go(`#/complaints/${enc(res.complaint.reference)}`);
    });
  });
  return h('section', null,
    h('p', { class: 'crumbs' }, h('a', { href: '#/complaints', text: '← My complaints' })),
    h('h1', { text: 'File a formal complaint' }),
    h('p', { class: 'muted', text: 'Filing a complaint is free of charge. Tell us what happened and what you would like us to do.' }),
    form);
}

async function portalDetail(ref, ctx) {
  let c;
  try {
    c = (await get(`/complaints/${enc(ref)}`)).complaint;
  } catch (e) {
    return h('section', null, h('h1', { text: 'Complaint not found' }), flashBox(e.message, 'error'));
  }
  return h('section', { class: 'complaint-page' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/complaints', text: '← My complaints' })),
    h('h1', null, `Complaint ${c.reference} `, statusBadge(c.status)),
    ctx.takeFlash(),
    h('p', { class: 'status-hint', 'data-testid': 'complaint-hint', text: CUSTOMER_HINT[c.status] || '' }),
    h('div', { class: 'ticket-layout' },
      h('div', { class: 'ticket-main' },
        decisionBlock(c.decision),
        h('section', { class: 'card' },
          h('h2', { class: 'h3', text: 'Your complaint' }),
          kv([['About', h('span', { text: SERVICE_LABEL[c.service] || c.service })],
            ['What happened', h('span', { class: 'prewrap', text: c.description })],
            c.incident_dates ? ['When', h('span', { text: c.incident_dates })] : null,
            ['You ask us to', h('span', { class: 'prewrap', text: c.request })],
            c.linked_tickets.length ? ['Related tickets', h('span', null, c.linked_tickets.map((r, i) => [i ? ', ' : '',
              h('a', { href: `#/tickets/${enc(r)}`, text: r })]))] : null])),
        noticesBlock(c.notices),
        correctionsBlock(c.corrections)),
      h('aside', { class: 'ticket-side' },
        h('section', { class: 'card' }, h('h2', { class: 'h3', text: 'Dates' }), kv(clockRows(c))),
        h('section', { class: 'card' }, h('h2', { class: 'h3', text: 'Complainant' }),
          kv([['Name', h('span', { text: c.complainant.name })], ['Contact', h('span', { text: c.complainant.contact })],
            c.complainant.account_uid ? ['Account UID', h('span', { class: 'mono', text: c.complainant.account_uid })] : null,
            c.complainant.on_behalf ? ['On behalf of', h('span', { text: c.complainant.on_behalf_of })] : null])))));
}

/** The portal's #/complaints[/new|/CMP-…] views. ctx: {user, go, flash, takeFlash}. */
export async function portalComplaintsView(path, ctx) {
  if (path[1] === 'new') return portalForm(ctx);
  if (path[1]) return portalDetail(path[1], ctx);
  return portalList(ctx);
}

// --- agent console -------------------------------------------------------------------------

function breachFlags(c) {
  const b = c.breaches || {};
  const flags = [];
  if (b.acknowledgement) flags.push(h('span', { class: 'badge breach', text: 'Ack late' }));
  if (b.decision) flags.push(h('span', { class: 'badge breach', text: 'Decision late' }));
  return flags.length ? flags : h('span', { class: 'muted', text: '—' });
}

async function agentList(query, ctx) {
  let res;
  const status = query.get('status') || '';
  const cursor = query.get('cursor') || '';
  try {
    res = await get('/complaints', { status, cursor, limit: 50 });
  } catch (e) {
    return h('section', null, h('h1', { text: 'Complaints' }),
      flashBox(e.status === 403 ? 'Complaints are handled by compliance officers and supervisors.' : e.message, 'error'));
  }
  const filter = select('status', [['', 'All statuses'], ...Object.entries(STATUS_LABEL)], status);
  filter.addEventListener('change', () => ctx.go(`#/complaints${filter.value ? '?status=' + filter.value : ''}`));
  const rows = res.complaints;
  const older = res.next_cursor
    ? `#/complaints?${new URLSearchParams({ ...(status ? { status } : {}), cursor: res.next_cursor })}` : null;
  return h('section', null,
    h('h1', { text: 'Complaints' }),
    ctx.takeFlash(),
    h('div', { class: 'toolbar' }, field('Status', filter),
      h('a', { class: 'btn btn-secondary', href: '/api/v1/complaints/register?format=csv', text: 'Register (CSV)' }),
      h('a', { class: 'btn btn-secondary', href: '/api/v1/reports/complaints?format=csv', text: 'Report (CSV)' })),
    h('table', { class: 'table', 'data-testid': 'agent-complaints' },
      h('thead', null, h('tr', null, ['Reference', 'Customer', 'About', 'Status', 'Ack due', 'Decision due', 'Breaches']
        .map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', null, rows.map((c) => h('tr', null,
        h('td', null, h('a', { class: 'mono', href: `#/complaints/${enc(c.reference)}`, text: c.reference })),
        h('td', { text: c.customer ? c.customer.name : '' }),
        h('td', { text: SERVICE_LABEL[c.service] || c.service }),
        h('td', null, statusBadge(c.status)),
        h('td', null, c.acknowledged_at ? h('span', { class: 'muted', text: 'done' }) : timeEl(c.acknowledgement_due_at)),
        h('td', null, c.decision ? h('span', { class: 'muted', text: 'done' }) : timeEl(c.decision_due_at)),
        h('td', null, breachFlags(c)))))),
    rows.length ? null : h('p', { class: 'empty', text: 'No complaints.' }),
    older ? h('p', null, h('a', { class: 'btn btn-secondary', href: older, text: 'Older complaints' })) : null);
}

/** A small form that POSTs to the complaint and re-renders. */
function actionForm(ref, path, title, controls, build, ctx, testid) {
  const box = errorBox();
  const form = h('form', { class: 'stack', 'data-testid': testid },
    h('h3', { class: 'h4', text: title }), controls, box,
    h('button', { type: 'submit', class: 'btn btn-primary btn-sm', text: title }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, box, async () => {
      await post(`/complaints/${enc(ref)}/${path}`, build());
      ctx.flash(`${title}: done.`);
      await ctx.rerender();
    });
  });
  return form;
}

function lifecycleActions(c, ctx) {
  const forms = [];
  const ref = c.reference;
  if (c.status === 'received') {
    const adm = select('admissibility', [['admissible', 'Admissible'], ['inadmissible', 'Not admissible']], 'admissible');
    const why = h('textarea', { name: 'reason', rows: 2, maxlength: 2000 });
    forms.push(actionForm(ref, 'transition', 'Acknowledge',
      [field('Admissibility', adm), field('Reason (required if not admissible)', why)],
      () => ({ to: 'acknowledged', admissibility: adm.value, reason: why.value.trim() || undefined }), ctx, 'cmp-ack'));
  }
  if (c.status === 'acknowledged' && c.admissibility === 'admissible') {
    forms.push(actionForm(ref, 'transition', 'Start investigation', [], () => ({ to: 'under_investigation' }), ctx, 'cmp-investigate'));
  }
  if (c.status === 'under_investigation') {
    const outcome = select('outcome', Object.entries(OUTCOME_LABEL), 'upheld');
    const reasons = h('textarea', { name: 'reason', rows: 4, required: true, maxlength: 8000 });
    const remedies = h('textarea', { name: 'remedies', rows: 3, required: true, maxlength: 2000,
      value: 'If you are not satisfied with this decision you may refer your complaint to the competent authority or to the alternative dispute resolution (ADR) body.' });
    forms.push(actionForm(ref, 'transition', 'Record decision',
      [field('Outcome', outcome), field('Reasons', reasons), field('Remedies open to the customer', remedies)],
      () => ({ to: 'decided', outcome: outcome.value, reason: reasons.value.trim(), remedies: remedies.value.trim() }), ctx, 'cmp-decide'));
  }
  if (c.status === 'decided' || (c.status === 'acknowledged' && c.admissibility === 'inadmissible')) {
    forms.push(actionForm(ref, 'transition', 'Close', [], () => ({ to: 'closed' }), ctx, 'cmp-close'));
  }
  if (['received', 'acknowledged', 'under_investigation'].includes(c.status) && c.admissibility !== 'inadmissible') {
    const why = h('textarea', { name: 'reason', rows: 2, required: true, maxlength: 2000 });
    const date = h('input', { type: 'date', name: 'new_due_date', required: true });
    forms.push(actionForm(ref, 'delay', 'Record late decision',
      [field('Why the decision will be late', why), field('New decision date', date, { hint: 'The customer is told by email and in the portal.' })],
      () => ({ reason: why.value.trim(), new_due_date: date.value }), ctx, 'cmp-delay'));
  }
  const fieldSel = select('field', [['complainant_name', 'Complainant name'], ['complainant_contact', 'Contact'],
    ['account_uid', 'Account UID'], ['incident_dates', 'Dates'], ['service', 'Service'],
    ['admissibility_reason', 'Admissibility reason'], ['decision_reasons', 'Decision reasons'], ['remedies', 'Remedies']], 'complainant_name');
  const val = h('input', { name: 'value', required: true });
  const why = h('input', { name: 'reason', required: true });
  forms.push(actionForm(ref, 'corrections', 'Correct a field',
    [field('Field', fieldSel), field('Corrected value', val), field('Why', why, { hint: 'The original stays in the record.' })],
    () => ({ field: fieldSel.value, value: val.value, reason: why.value.trim() }), ctx, 'cmp-correct'));
  return h('section', { class: 'card' }, h('h2', { class: 'h3', text: 'Actions' }), forms);
}

async function agentDetail(ref, ctx) {
  let c;
  try {
    c = (await get(`/complaints/${enc(ref)}`)).complaint;
  } catch (e) {
    return h('section', null, h('p', { class: 'crumbs' }, h('a', { href: '#/complaints', text: '← Complaints' })),
      h('h1', { text: 'Complaint not found' }), flashBox(e.message, 'error'));
  }
  const who = c.complainant;
  return h('section', { class: 'complaint-page' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/complaints', text: '← Complaints' })),
    h('h1', null, `Complaint ${c.reference} `, statusBadge(c.status)),
    h('div', { class: 'meta' }, breachFlags(c)),
    ctx.takeFlash(),
    h('div', { class: 'ticket-layout' },
      h('div', { class: 'ticket-main' },
        h('section', { class: 'card' }, h('h2', { class: 'h3', text: 'Complaint' }),
          kv([['Customer', h('span', { text: `${c.customer.name} <${c.customer.email}>` })],
            ['Complainant', h('span', { text: `${who.name} (${who.contact})${who.on_behalf ? ` on behalf of ${who.on_behalf_of}` : ''}` })],
            who.account_uid ? ['Account UID', h('span', { class: 'mono', text: who.account_uid })] : null,
            ['Service', h('span', { text: SERVICE_LABEL[c.service] || c.service })],
            ['What happened', h('span', { class: 'prewrap', text: c.description })],
            c.incident_dates ? ['When', h('span', { text: c.incident_dates })] : null,
            ['Asks for', h('span', { class: 'prewrap', text: c.request })],
            c.ticket ? ['From ticket', h('a', { href: `#/tickets/${enc(c.ticket)}`, text: c.ticket })] : null,
            c.linked_tickets.length ? ['Linked tickets', h('span', null, c.linked_tickets.map((r, i) => [i ? ', ' : '',
              h('a', { href: `#/tickets/${enc(r)}`, text: r })]))] : null])),
        decisionBlock(c.decision),
        correctionsBlock(c.corrections),
        h('section', { class: 'card' }, h('h2', { class: 'h3', text: 'Record' }),
          h('ol', { class: 'events' }, c.history.map((e) => h('li', null,
            h('strong', { text: e.type.replace(/_/g, ' ') }), ' · ', timeEl(e.created_at),
            e.actor ? h('span', { class: 'muted', text: ` · ${e.actor.name}` }) : h('span', { class: 'muted', text: ' · system' }),
            h('code', { class: 'event-data', text: JSON.stringify(e.data) })))))),
      h('aside', { class: 'ticket-side' },
        h('section', { class: 'card' }, h('h2', { class: 'h3', text: 'Clocks' }), kv(clockRows(c))),
        lifecycleActions(c, ctx))));
}

/** The console's #/complaints[/CMP-…] views. ctx: {go, flash, takeFlash, rerender, query}. */
export async function agentComplaintsView(path, query, ctx) {
  if (path[1]) return agentDetail(path[1], ctx);
  return agentList(query, ctx);
}

/**
 * The escalation panel on a ticket in the console: escalate (tier / department, reason),
 * the escalation path, and "convert into a complaint". ctx: {departments, go, rerender}.
 */
export function ticketEscalationPanel(t, ctx) {
  const box = errorBox();
  const tier = select('tier', [['', 'Same tier'], ...[1, 2, 3].filter((n) => n > t.tier).map((n) => [n, `Tier ${n}`])], '');
  const dept = select('department', [['', 'Same department'], ...(ctx.departments || [])
    .filter((d) => d.slug !== t.department).map((d) => [d.slug, d.name])], '');
  const reason = h('textarea', { name: 'reason', rows: 2, required: true, maxlength: 2000 });
  const form = h('form', { class: 'stack', 'data-testid': 'escalate-form' },
    field('To tier', tier), field('To department', dept),
    field('Reason', reason, { hint: 'Kept as an internal note. The customer only reads that a specialist team has the case.' }),
    box, h('button', { type: 'submit', class: 'btn btn-secondary btn-sm', text: 'Escalate' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, box, async () => {
      const body = { reason: reason.value.trim() };
      if (tier.value) body.tier = Number(tier.value);
      if (dept.value) body.department = dept.value;
      await post(`/tickets/${enc(t.reference)}/escalate`, body);
      await ctx.rerender();
    });
  });
  const pathList = h('ol', { class: 'events', 'data-testid': 'escalation-path' });
  get(`/tickets/${enc(t.reference)}/escalations`).then((res) => {
    for (const e of res.escalations) {
      pathList.append(h('li', null,
        h('strong', { text: `Tier ${e.from.tier} ${e.from.department} → Tier ${e.to.tier} ${e.to.department}` }),
        h('br'), timeEl(e.at), e.by ? ` · ${e.by.name}` : '', h('br'), h('span', { class: 'prewrap', text: e.reason })));
    }
    if (!res.escalations.length) pathList.append(h('li', { class: 'muted', text: 'Not escalated.' }));
  }).catch(() => pathList.append(h('li', { class: 'muted', text: 'The escalation path could not be loaded.' })));
  const cbox = errorBox();
  const convert = h('form', { class: 'stack', 'data-testid': 'convert-form' },
    cbox, h('button', { type: 'submit', class: 'btn btn-secondary btn-sm', text: 'Convert into a formal complaint' }));
  convert.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(convert, cbox, async () => {
      const res = await request('POST', `/tickets/${enc(t.reference)}/complaint`, {});
      cbox.show('');
      convert.replaceChildren(h('p', { class: 'flash flash-success', role: 'status', text: `Complaint ${res.complaint.reference} opened; compliance handles it now.` }));
    });
  });
  return h('section', { class: 'card', 'data-testid': 'escalation-panel' },
    h('h2', { class: 'h3', text: 'Escalation' }),
    t.status === 'closed' ? h('p', { class: 'muted', text: 'Closed tickets are not escalated.' }) : form,
    h('h3', { class: 'h4', text: 'Path' }), pathList,
    h('h3', { class: 'h4', text: 'Formal complaint' }), convert);
}

