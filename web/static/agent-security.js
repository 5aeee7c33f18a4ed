// Agent console: account security (#/security) and the second step of signing in.
// Everyone on staff: two-factor sign-in (enrol with an authenticator app, recovery codes,
// turn off with a code) and their own sessions (device, address, last seen; sign out one
// or all others). Admins also: require 2FA for all staff, and the audit log of admin
// actions with filters. See docs/security.md.

import * as api from './api.js';
import { h, mount, field, errorBox, busy, flashBox, timeEl } from './ui.js';

const codeInput = (name = 'code') => h('input', {
  name, required: true, autocomplete: 'one-time-code', inputmode: 'text', maxlength: 11,
  pattern: '[0-9]{6}|[A-Za-z0-9]{5}-[A-Za-z0-9]{5}', spellcheck: 'false',
});

/**
 * The code step of a sign-in: `challenge` from the password step; onDone(session) gets
 * {user, csrf_token} once the code is accepted.
 */
export function twoFactorStep(challenge, onDone, onRestart) {
  const box = errorBox();
  const code = codeInput();
  const form = h('form', { class: 'stack', id: 'twofactor-form' },
    field('Authentication code', code, { hint: 'The 6-digit code from your authenticator app, or one of your recovery codes.' }),
    box, h('button', { type: 'submit', class: 'btn btn-primary btn-block', text: 'Verify' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, box, async () => {
      try {
        const res = await api.request('POST', '/auth/login/2fa', { challenge, code: code.value.trim() });
        api.setCsrfToken(res.csrf_token);
        onDone(res);
      } catch (err) {
        if (err.code === 'challenge_expired') { onRestart(err.message); return; }
        code.value = '';
        throw err;
      }
    });
  });
  queueMicrotask(() => code.focus());
  return h('section', { class: 'auth-card card' },
    h('h1', { text: 'Two-factor sign-in' }),
    h('p', { class: 'muted', text: 'Your password is correct. Enter the code to finish signing in.' }),
    form);
}

// --- my two-factor ------------------------------------------------------------------------

function twoFactorPanel(st, rerender, flash) {
  const body = h('div', { class: 'stack' });
  if (st.enforced && !st.enabled) {
    body.append(flashBox('Your desk requires two-factor sign-in. Set it up to continue using the console.', 'error'));
  }
  if (st.enabled) {
    body.append(h('p', { text: `Two-factor sign-in is on. ${st.recovery_codes_left} recovery codes left.` }));
    const box = errorBox();
    const code = codeInput();
    const form = h('form', { class: 'stack' }, field('Code or recovery code', code), box,
      h('button', { type: 'submit', class: 'btn', text: 'Turn off two-factor sign-in' }));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(form, box, async () => {
        await api.request('POST', '/me/2fa/disable', { code: code.value.trim() });
        flash('Two-factor sign-in is off.');
        rerender();
      });
    });
    body.append(form);
  } else {
    const box = errorBox();
    const start = h('button', { type: 'button', class: 'btn btn-primary', id: 'twofactor-enrol', text: 'Set up two-factor sign-in' });
    const area = h('div', { class: 'stack' });
    start.addEventListener('click', async () => {
      box.clear();
      try {
        const en = await api.request('POST', '/me/2fa/enrol', {});
        const code = codeInput();
        const cbox = errorBox();
        const form = h('form', { class: 'stack', id: 'twofactor-confirm' },
          h('p', { text: 'Add this account to your authenticator app: open the link on your phone, or type the key.' }),
          h('p', null, h('a', { href: en.otpauth_uri, text: 'Open in authenticator app' })),
          h('p', null, 'Key: ', h('code', { class: 'twofactor-secret', text: en.secret })),
          field('Code from the app', code), cbox,
          h('button', { type: 'submit', class: 'btn btn-primary', text: 'Confirm' }));
        form.addEventListener('submit', (e) => {
          e.preventDefault();
          busy(form, cbox, async () => {
            const res = await api.request('POST', '/me/2fa/confirm', { code: code.value.trim() });
            mount(area,
              flashBox('Two-factor sign-in is on. Save these recovery codes now: each works once, and they are not shown again.', 'success'),
              h('ul', { class: 'recovery-codes' }, res.recovery_codes.map((c) => h('li', null, h('code', { text: c })))),
              h('button', { type: 'button', class: 'btn', text: 'I have saved them', onclick: () => rerender(true) }));
          });
        });
        mount(area, form);
        start.hidden = true;
        code.focus();
      } catch (err) { box.show(err.message); }
    });
    body.append(h('p', { text: 'Two-factor sign-in is off.' }), start, box, area);
  }
  return h('section', { class: 'card stack', 'aria-labelledby': 'sec-2fa' }, h('h2', { id: 'sec-2fa', text: 'Two-factor sign-in' }), body);
}

// --- my sessions --------------------------------------------------------------------------

function sessionsPanel(list, rerender, flash) {
  const rows = list.map((s) => h('tr', null,
    h('td', null, s.user_agent || 'Unknown device', s.current ? h('strong', { text: ' (this session)' }) : null),
    h('td', { text: s.ip || '—' }),
    h('td', null, timeEl(s.created_at, true)),
    h('td', null, timeEl(s.last_seen_at, true)),
    h('td', null, s.current ? null : h('button', {
      type: 'button', class: 'btn btn-small', text: 'Sign out',
      onclick: async () => { await api.request('DELETE', `/me/sessions/${s.id}`); flash('Session ended.'); rerender(); },
    }))));
  const others = h('button', {
    type: 'button', class: 'btn', text: 'Sign out all other sessions', disabled: list.length < 2,
    onclick: async () => { const r = await api.request('POST', '/me/sessions/revoke-others', {}); flash(`${r.revoked} other sessions ended.`); rerender(); },
  });
  return h('section', { class: 'card stack', 'aria-labelledby': 'sec-sessions' },
    h('h2', { id: 'sec-sessions', text: 'Your sessions' }),
    h('table', { class: 'table' },
      h('thead', null, h('tr', null, ['Device', 'Address', 'Signed in', 'Last active', ''].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', null, rows)),
    others);
}

// --- admin: enforcement and audit -----------------------------------------------------------

function describe(e) {
  const d = e.data || {};
  const parts = Object.entries(d).filter(([, v]) => typeof v !== 'object').map(([k, v]) => `${k}=${v}`);
  return parts.join(' ');
}

async function auditPanel(query) {
  const q = {};
  for (const k of ['type', 'actor', 'since', 'until', 'before']) if (query.get(k)) q[k] = query.get(k);
  const res = await api.request('GET', '/audit', undefined, { query: { ...q, limit: 50 } });
  const type = h('input', { name: 'type', value: query.get('type') || '', placeholder: 'e.g. 2fa_enforced' });
  const since = h('input', { name: 'since', type: 'date', value: query.get('since') || '' });
  const until = h('input', { name: 'until', type: 'date', value: query.get('until') || '' });
  const form = h('form', { class: 'filters', id: 'audit-filters' },
    field('Event type', type, { optional: true }), field('From', since, { optional: true }), field('Before', until, { optional: true }),
    h('button', { type: 'submit', class: 'btn', text: 'Filter' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    if (type.value.trim()) p.set('type', type.value.trim());
    if (since.value) p.set('since', since.value);
    if (until.value) p.set('until', until.value);
    location.hash = '#/security' + (p.toString() ? '?' + p : '');
  });
  const rows = res.events.map((e) => h('tr', null,
    h('td', null, timeEl(e.created_at, true)),
    h('td', { text: e.actor ? e.actor.name : 'system' }),
    h('td', null, h('code', { text: e.type })),
    h('td', { text: describe(e) })));
  let more = null;
  if (res.next_before) {
    const p = new URLSearchParams(q);
    p.set('before', res.next_before);
    more = h('a', { href: '#/security?' + p, text: 'Older entries' });
  }
  return h('section', { class: 'card stack', 'aria-labelledby': 'sec-audit' },
    h('h2', { id: 'sec-audit', text: 'Audit log' }),
    h('p', { class: 'muted', text: 'Configuration and account changes by staff, newest first.' }),
    form,
    rows.length ? h('table', { class: 'table', id: 'audit-table' },
      h('thead', null, h('tr', null, ['When', 'Who', 'What', 'Details'].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', null, rows)) : h('p', { text: 'No entries.' }),
    more);
}

function enforcePanel(settings, rerender, flash) {
  const box = h('input', { type: 'checkbox', id: 'enforce-2fa', checked: settings.enforce_2fa });
  box.addEventListener('change', async () => {
    try {
      await api.request('PUT', '/security/settings', { enforce_2fa: box.checked });
      flash(box.checked ? 'Two-factor sign-in is now required for all staff.' : 'Two-factor sign-in is optional again.');
    } catch (e) { flash(e.message, 'error'); }
    rerender();
  });
  return h('section', { class: 'card stack', 'aria-labelledby': 'sec-enforce' },
    h('h2', { id: 'sec-enforce', text: 'Desk security' }),
    h('p', null, box, h('label', { for: 'enforce-2fa', text: ' Require two-factor sign-in for all staff' })),
    h('p', { class: 'muted', text: `Sessions end after ${Math.round(settings.session_idle_s / 60)} idle minutes; accounts lock after ${settings.lockout_failures} failed sign-ins.` }));
}

/** The #/security view. ctx: {user, query, flash, takeFlash, rerender}. */
export async function securityView(ctx) {
  const { user, query, flash, takeFlash, rerender } = ctx;
  const [st, sessions] = await Promise.all([
    api.request('GET', '/me/2fa'),
    api.request('GET', '/me/sessions').catch(() => ({ sessions: [] })),
  ]);
  const parts = [h('h1', { text: 'Security' }), takeFlash(), twoFactorPanel(st, rerender, flash)];
  if (st.enforced && !st.enabled) return h('section', { class: 'stack' }, parts);
  parts.push(sessionsPanel(sessions.sessions, rerender, flash));
  if (user.role === 'admin') {
    const settings = await api.request('GET', '/security/settings').catch(() => null);
    if (settings) parts.push(enforcePanel(settings, rerender, flash));
    parts.push(await auditPanel(query).catch((e) => flashBox(e.message, 'error')));
  }
  return h('section', { class: 'stack' }, parts);
}
