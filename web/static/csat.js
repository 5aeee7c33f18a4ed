// Customer-side pieces of issue 6, used by the portal (support.js) and the chat widget:
//   expectationHint(select, channel)  "We usually reply within …" under a department picker
//   csatCard(ticket)                  the 1–5 rating card on a solved ticket (signed in)
//   csatLinkView(token)               the survey page of the mailed link (#/csat/<token>),
//                                     which works without signing in and only once.
// Figures come from GET /api/v1/expectations; nothing is shown when the server has no
// honest number.

import * as api from './api.js';
import { h, errorBox, busy } from './ui.js';

const LABELS = ['', 'Very poor', 'Poor', 'OK', 'Good', 'Excellent'];

/** A live hint that follows `select` (a department <select>); channel: web, email, chat. */
export function expectationHint(select, channel = 'web') {
  const el = h('p', { class: 'hint expectation-hint', 'data-testid': 'expectation', role: 'status', 'aria-live': 'polite' });
  let n = 0;
  async function update() {
    const my = ++n;
    const department = select.value;
    el.textContent = '';
    if (!department) return;
    let e;
    try {
      e = await api.get('/expectations', { department, channel });
    } catch { return; } // a hint, not a requirement
    if (my !== n || !e || !e.text) return;
    el.textContent = e.text + (e.basis === 'department' || e.basis === 'all'
      ? ' (based on ' + (e.basis === 'all' ? 'all our teams' : 'this team') + ' over the last 7 days)' : '');
  }
  select.addEventListener('change', update);
  queueMicrotask(update);
  return el;
}

function ratingFieldset(name, current) {
  const fs = h('fieldset', { class: 'fieldset csat-stars' },
    h('legend', { text: 'How did we do?' }));
  for (let i = 1; i <= 5; i++) {
    const id = `${name}-${i}`;
    fs.append(h('label', { for: id, class: 'csat-option' },
      h('input', { type: 'radio', id, name, value: String(i), required: true, checked: current === i }),
      ` ${i} – ${LABELS[i]}`));
  }
  return fs;
}

function ratingForm({ current, comment, onSubmit, submitText }) {
  const box = errorBox();
  const text = h('textarea', { name: 'comment', rows: 3, maxlength: 2000, value: comment || '' });
  const form = h('form', { class: 'stack csat-form', 'aria-label': 'Rate our support' },
    ratingFieldset('csat-rating', current),
    h('label', { class: 'field' }, h('span', { class: 'label', text: 'Anything to add? (optional)' }), text),
    box,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', text: submitText })));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const picked = form.querySelector('input[name="csat-rating"]:checked');
    if (!picked) { box.show('Choose a rating from 1 to 5.'); return; }
    const body = { rating: Number(picked.value) };
    if (text.value.trim()) body.comment = text.value.trim();
    busy(form, box, () => onSubmit(body));
  });
  return form;
}

function thanks(r) {
  return h('p', { class: 'csat-thanks', 'data-testid': 'csat-result', text: `Your rating: ${r.rating}/5 – ${LABELS[r.rating]}. Thank you!` });
}

/** The rating card on a solved or closed ticket (portal); null for open tickets. */
export function csatCard(t) {
  if (!['solved', 'closed'].includes(t.status)) return null;
  const card = h('section', { class: 'card csat-card', 'data-testid': 'csat-card' }, h('h2', { class: 'h3', text: 'Rate our support' }));
  const body = h('div');
  card.append(body);
  const path = `/tickets/${encodeURIComponent(t.reference)}/csat`;
  const show = (s) => {
    body.replaceChildren();
    if (s.rating) body.append(thanks(s));
    if (s.can_answer) {
      body.append(ratingForm({
        current: s.rating, comment: s.comment, submitText: s.rating ? 'Change rating' : 'Send rating',
        onSubmit: async (b) => show(await api.request('PUT', path, b)),
      }));
    }
  };
  api.get(path).then(show, () => card.remove());
  return card;
}

async function tokenRequest(method, token, body) {
  // No cookie: the link is the credential (and a signed-in visitor's session is not needed).
  const res = await fetch(`/api/v1/csat/${encodeURIComponent(token)}`, {
    method, credentials: 'omit', cache: 'no-store',
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) {
    const e = new Error((json && json.error && json.error.message) || `Request failed (HTTP ${res.status})`);
    e.status = res.status;
    throw e;
  }
  return json;
}

/** The page behind the mailed survey link. */
export function csatLinkView(token) {
  const sec = h('section', { class: 'narrow' }, h('h1', { text: 'How did we do?' }));
  const card = h('div', { class: 'card' }, h('p', { class: 'loading', role: 'status', text: 'Loading…' }));
  sec.append(card);
  tokenRequest('GET', token).then((s) => {
    card.replaceChildren(h('p', { text: `Your request ${s.reference}` }));
    if (s.used) {
      if (s.rating) card.append(thanks(s));
      card.append(h('p', { class: 'muted', text: 'This survey link has already been used. Sign in to change your rating.' }));
      return;
    }
    card.append(ratingForm({
      current: null, comment: '', submitText: 'Send rating',
      onSubmit: async (b) => {
        const r = await tokenRequest('POST', token, b);
        card.replaceChildren(h('p', { text: `Your request ${r.reference}` }), thanks(r));
      },
    }));
  }, (e) => {
    card.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: e.status === 403 ? 'This survey link is not valid.' : e.message }));
  });
  return sec;
}
