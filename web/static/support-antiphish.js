// Customer portal: the anti-phishing code (docs/verify.md). Every portal page shows
// "Your anti-phishing code: …" once one is set, and the tickets list carries a card to
// set or change it (the password is asked each time), plus a link to /verify.

import * as api from './api.js';
import { h, nextId } from './ui.js';

const main = document.getElementById('main');
let current = null; // {has_code, code, line} once loaded
let loading = null;

const signedIn = () => !!document.querySelector('#topbar a[href="#/tickets"]');

async function load(force) {
  if (!force && current) return current;
  if (!loading) {
    loading = api.get('/me/antiphishing').then((r) => { current = r; return r; })
      .catch(() => null).finally(() => { loading = null; });
  }
  return loading;
}

function banner(state) {
  const b = h('p', { class: 'antiphish-banner', role: 'note', 'data-antiphish-banner': '1' });
  if (state && state.has_code) {
    b.append(h('strong', { text: state.line }), ' — every genuine message from Frontdesk shows it. ',
      h('a', { href: '/verify', text: 'Check a contact' }));
  } else {
    b.append('Protect yourself from fake support: set an anti-phishing code below, or ',
      h('a', { href: '/verify', text: 'check a contact' }), '.');
  }
  return b;
}

function card(state, refresh) {
  const codeId = nextId('ap');
  const pwId = nextId('ap');
  const msg = h('p', { class: 'antiphish-msg', role: 'status', 'aria-live': 'polite' });
  const code = h('input', { id: codeId, name: 'code', type: 'text', minlength: 4, maxlength: 20,
    pattern: '[A-Za-z0-9]{4,20}', autocomplete: 'off', required: true });
  const pw = h('input', { id: pwId, name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'antiphish-form', 'data-testid': 'antiphish-form' },
    h('label', { for: codeId, text: 'New anti-phishing code (4–20 letters or digits)' }), code,
    h('label', { for: pwId, text: 'Your password' }), pw,
    h('button', { class: 'btn btn-primary', type: 'submit', text: state && state.has_code ? 'Change code' : 'Set code' }),
    msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    try {
      await api.request('PUT', '/me/antiphishing', { code: code.value.trim(), password: pw.value });
      pw.value = '';
      code.value = '';
      msg.textContent = 'Saved. Your anti-phishing code now appears in every message from us.';
      await refresh();
    } catch (e) {
      msg.textContent = e && e.message ? e.message : 'Could not save the code.';
      msg.classList.add('error');
    }
  });
  return h('section', { class: 'card antiphish-card', 'data-antiphish-card': '1', 'aria-labelledby': codeId + '-h' },
    h('h2', { id: codeId + '-h', text: 'Anti-phishing code' }),
    h('p', { text: 'Choose a word only you know. We put it in every e-mail, chat and notice we send you: a message without it is not from Frontdesk.' }),
    state && state.has_code ? h('p', { class: 'antiphish-current', 'data-testid': 'antiphish-current' }, h('strong', { text: state.line })) : null,
    form);
}

async function decorate() {
  if (!signedIn()) return;
  const box = main.querySelector(':scope > .container');
  if (!box || box.dataset.antiphish) return;
  box.dataset.antiphish = '1';
  const state = await load(false);
  if (!state || !box.isConnected) return;
  const refresh = async () => {
    const s = await load(true);
    for (const el of box.querySelectorAll('[data-antiphish-banner], [data-antiphish-card]')) el.remove();
    delete box.dataset.antiphish;
    if (s) place(box, s);
  };
  place(box, state, refresh);
  function place(b, s, r = refresh) {
    b.prepend(banner(s));
    const hash = location.hash || '#/tickets';
    if (hash === '#/tickets' || hash === '#/') b.append(card(s, r));
    b.dataset.antiphish = '1';
  }
}

if (main) {
  new MutationObserver(() => { decorate(); }).observe(main, { childList: true });
}
