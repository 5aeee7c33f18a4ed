// Official-contact registry for the agent console (/agent#/verify): admins add and
// remove the addresses, domains, phone numbers and social handles /verify calls
// official; every staff member sees the list, today's own agent code (the one their
// chat greeting shows) and can check a contact the way customers do. Server text enters
// the page through textContent only (h() sets text, never HTML).

import * as api from './api.js';
import { h, field, select, errorBox } from './ui.js';

const KINDS = [['domain', 'Domain / website'], ['email', 'E-mail address'], ['phone', 'Phone number'],
  ['telegram', 'Telegram handle'], ['x', 'X (Twitter) handle']];
const kindLabel = (k) => (KINDS.find(([v]) => v === k) || [k, k])[1];

export const canSeeVerify = (user) => !!user && user.role !== 'customer';
const isAdmin = (user) => !!user && user.role === 'admin';

export async function verifyView({ user }) {
  const section = h('section', { class: 'verify-admin', 'aria-labelledby': 'verify-h' },
    h('h1', { id: 'verify-h', text: 'Official contacts' }));
  const codeBox = h('p', { class: 'verify-agent-code', 'data-testid': 'agent-code' });
  section.append(codeBox);
  try {
    const c = await api.get('/verify/agent-code');
    codeBox.append('Your agent code today: ', h('strong', { class: 'mono', text: c.code }),
      ' — customers can check it on ', h('a', { href: '/verify', target: '_blank', text: '/verify' }), '.');
  } catch (e) { codeBox.textContent = e.message; }

  const tbody = h('tbody');
  const table = h('table', { class: 'table verify-table' },
    h('thead', null, h('tr', null, h('th', { scope: 'col', text: 'Kind' }), h('th', { scope: 'col', text: 'Value' }),
      h('th', { scope: 'col', text: 'Note' }), isAdmin(user) ? h('th', { scope: 'col', text: '' }) : null)),
    tbody);
  const err = errorBox();

  async function load() {
    const r = await api.get('/verify/entries');
    tbody.replaceChildren();
    for (const e of r.entries || []) {
      const row = h('tr', { 'data-entry': String(e.id) },
        h('td', { text: kindLabel(e.kind) }), h('td', { class: 'mono', text: e.value }), h('td', { text: e.note }));
      if (isAdmin(user)) {
        const del = h('button', { class: 'btn btn-ghost btn-sm', type: 'button', text: 'Remove', 'aria-label': `Remove ${e.value}` });
        del.addEventListener('click', async () => {
          err.clear();
          try { await api.request('DELETE', `/verify/entries/${e.id}`); await load(); } catch (x) { err.show(x.message); }
        });
        row.append(h('td', null, del));
      }
      tbody.append(row);
    }
    if (!tbody.firstChild) tbody.append(h('tr', null, h('td', { colspan: 4, text: 'No official contacts yet.' })));
  }
  await load();
  section.append(table, err);

  if (isAdmin(user)) {
    const kind = select('kind', KINDS, 'domain');
    const value = h('input', { name: 'value', type: 'text', required: true, maxlength: 1000 });
    const note = h('input', { name: 'note', type: 'text', maxlength: 200 });
    const form = h('form', { class: 'verify-add', 'data-testid': 'verify-add' },
      h('h2', { text: 'Add an official contact' }),
      field('Kind', kind), field('Value', value), field('Note', note, { optional: true }),
      h('button', { class: 'btn btn-primary', type: 'submit', text: 'Add' }));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.clear();
      try {
        await api.post('/verify/entries', { kind: kind.value, value: value.value, note: note.value });
        value.value = ''; note.value = '';
        await load();
      } catch (x) { err.show(x.message); }
    });
    section.append(form);
  }

  const q = h('input', { name: 'q', type: 'text', maxlength: 1000 });
  const out = h('p', { class: 'verify-check-result', role: 'status', 'aria-live': 'polite' });
  const check = h('form', { class: 'verify-check' }, h('h2', { text: 'Check a contact' }), field('Address, number, handle or agent code', q),
    h('button', { class: 'btn', type: 'submit', text: 'Check' }), out);
  check.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try { const a = await api.get('/verify', { q: q.value }); out.textContent = a.message; out.dataset.verdict = a.verdict; } catch (x) { out.textContent = x.message; }
  });
  section.append(check);
  return section;
}
